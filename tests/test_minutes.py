"""Workshop minutes that can be handed out: an A4 portrait document per session, as HTML with
print CSS and as PDF (WeasyPrint), in words a participant reads (no internal keys, fractions
or ids), a map for every kind a scenario changed, and every piece of user text escaped."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from pathlib import Path

import numpy as np
import pandas as pd
import pypdf
import pytest
from room import build_room
from util import load_shipped

from geo import access as sc
from geo import grid
from geo.ingest.bundle import CityBundle
from geo.participation import minutes, minutes_pdf
from geo.participation import minutes_text as words
from geo.participation.store import Session, Store, Workshop, open_store

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'
#: What must never reach paper: column keys, kind keys, the city id, missing-value spellings.
INTERNAL = ("bus_stop", "elementary_school", "facilities_before", "covered_change",
            "rate_before", "status", "maebashi", "nan", "NaN", "None")
#: A4 in PDF points (210 × 297 mm).
A4 = (595.276, 841.890)
#: The page the minutes of the seeded session take: a cover page (title, date, city, agenda,
#: groups and scenarios, how to read), then one page per scenario (a group's first scenario
#: shares its page with the group's heading), 10 scenarios in 5 groups.
SEEDED_PAGES = 11


@dataclass
class Seeded:
    """The seeded workshop (5 groups, 9 bus-stop scenarios) plus group A's scenario that adds
    a bus stop and an elementary school, and its minutes in Japanese (HTML and PDF)."""

    store: Store
    ws: Workshop
    session: Session
    doc: minutes.SessionMinutes
    html: str
    pdf: bytes
    ids: list[str]
    school_scenario: str


@functools.cache
def _bundle() -> CityBundle:
    return load_shipped("maebashi")


@functools.cache
def _baseline(city: str, mode: str) -> sc.Engine:
    assert city == "maebashi"
    return sc.Engine.from_bundle(_bundle(), mode=mode)


def _town(cell: str) -> str | None:
    from ui.places import town_of

    return town_of(_bundle(), cell)


def _texts(pdf: bytes) -> tuple[pypdf.PdfReader, str]:
    reader = pypdf.PdfReader(BytesIO(pdf))
    return reader, "\n".join(p.extract_text() or "" for p in reader.pages)


def _leaks(text: str, ids: list[str]) -> list[str]:
    """Internal keys, raw H3 cells and stored ids found in ``text``."""
    found = [k for k in INTERNAL if k in text]
    found += re.findall(r"8[0-9a-f]{14}", text)
    return found + [i for i in ids if i in text]


def _without_images(html: str) -> str:
    return re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "data:", html)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    data_dir = tmp_path_factory.mktemp("minutes")
    summary = build_room(data_dir, n_comments=200)
    assert summary.workshop is not None
    store = open_store(Path(data_dir) / "comments.sqlite3")
    ws = Workshop(store)
    w = summary.workshop
    base = _baseline("maebashi", "line")
    # group A also adds a bus stop and a school where most people live out of a school's reach
    pop = np.asarray(base.population, float)
    gap = np.flatnonzero(~base.covered("elementary_school") & (pop > 0))
    cell = grid.to_strings(base.cells[gap[np.argsort(pop[gap])[-1:]]])[0]
    last = max(s.updated_at for s in ws.scenarios(session_id=w.session_id))
    made = ws.create_scenario(
        group_token=w.group_tokens[w.group_ids[0]], name="学校とバス停を足す案",
        modifications=sc.dumps([sc.add("bus_stop", cell, name="学校前"),
                                sc.add("elementary_school", cell, name="みなみ小学校")]),
        now=last + timedelta(minutes=5))
    session = ws.facilitator_session(w.facilitator_token)
    doc = minutes.session_minutes(ws, session, bundle=_bundle(), baseline=_baseline,
                                  place=_town, lang="ja")
    html = minutes.session_html(doc)
    pdf = minutes_pdf.html_to_pdf(html)
    scenarios = ws.scenarios(session_id=w.session_id)
    ids = [session.id, w.facilitator_token, *w.group_ids, *w.group_tokens.values(),
           *(s.id for s in scenarios),
           *(m.facility for s in scenarios for m in sc.loads(s.modifications) if m.facility)]
    return Seeded(store=store, ws=ws, session=session, doc=doc, html=html, pdf=pdf, ids=ids,
                  school_scenario=made.id)


@pytest.mark.slow
def test_minutes_pdf_is_a4_portrait_with_a_page_per_scenario(seeded: Seeded) -> None:
    reader, _ = _texts(seeded.pdf)
    groups = seeded.ws.groups(seeded.session.id)
    n_scen = sum(len(g.scenarios) for g in seeded.doc.groups)
    assert len(groups) == 5 and n_scen == 10
    assert len(reader.pages) >= 1 + len(groups)
    assert len(reader.pages) == SEEDED_PAGES == 1 + n_scen
    for page in reader.pages:
        box = page.mediabox
        w, h = float(box.width), float(box.height)
        assert abs(w - A4[0]) <= 1 and abs(h - A4[1]) <= 1 and h > w  # A4 portrait
        assert page.get("/Rotate", 0) in (0, None)


@pytest.mark.slow
def test_minutes_pdf_text_is_in_words(seeded: Seeded) -> None:
    _, text = _texts(seeded.pdf)
    flat = re.sub(r"\s+", "", text)  # extracted lines break anywhere
    assert seeded.session.title.replace(" ", "") in flat
    assert "議事録" in text and "前橋市" in text
    assert re.search(r"20\d\d年\d{1,2}月\d{1,2}日", text)
    assert words.long_date(seeded.doc.held_on, "ja") in text
    for g in seeded.ws.groups(seeded.session.id):
        assert g.name in text
    for s in seeded.ws.scenarios(session_id=seeded.session.id):
        assert s.name.replace(" ", "") in flat
    for step in seeded.session.agenda:
        assert step in flat
    # kinds, places, figures and comments in words
    assert "バス停" in text and "小学校「みなみ小学校」" in flat and "周辺に追加" in flat
    assert "施設の種類" in text and "徒歩圏内の人口" in text
    assert re.search(r"\d{1,3}(,\d{3})+ → \d{1,3}(,\d{3})+", text)  # people, separators
    assert re.search(r"\d+\.\d% → \d+\.\d%", text)  # rates in % with one decimal
    assert re.search(r"[+-]\d{1,3}(,\d{3})*\b", text)  # signed changes
    assert not re.search(r"\b0\.\d{3,}", text)  # no fraction
    assert "コメント" in text and "提案" in text
    assert _leaks(text, seeded.ids) == []


@pytest.mark.slow
def test_minutes_pdf_embeds_a_cjk_font(seeded: Seeded) -> None:
    reader, _ = _texts(seeded.pdf)
    embedded = set()
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            for desc in font.get("/DescendantFonts", [font]):
                d = desc.get_object().get("/FontDescriptor")
                if d is None:
                    continue
                d = d.get_object()
                if any(k in d for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    embedded.add(str(font["/BaseFont"]))
    assert embedded, "no embedded font"
    cjk = [f for f in embedded if "CJK" in f and "JP" in f]
    assert cjk, embedded
    assert all(re.match(r"/[A-Z]{6}\+", f) for f in cjk)  # subsets: only the glyphs used


@pytest.mark.slow
def test_minutes_html_has_a_map_per_changed_kind_and_tables_that_fit(seeded: Seeded) -> None:
    html = seeded.html
    bare = _without_images(html)
    # every scenario: one map per kind it changed (the school scenario: bus stop and school)
    sections = bare.split('<section class="scenario">')[1:]
    scenarios = [s for g in seeded.doc.groups for s in g.scenarios]
    stored = [s for g in seeded.ws.groups(seeded.session.id)
              for s in seeded.ws.scenarios(group_id=g.id)]
    assert len(sections) == len(scenarios) == len(stored) == 10
    for text, s, st in zip(sections, scenarios, stored, strict=True):
        changed = {m.kind for m in sc.loads(st.modifications)}
        assert changed and changed <= set(s.kinds) and set(s.maps) == set(s.kinds)
        names = re.findall(r'<figure class="map" data-kind-name="([^"]+)"', text)
        assert names == [words.kind_name(k, "ja") for k in s.kinds]
        assert text.count('class="radar"') == 1
    school = next(t for t, s in zip(sections, scenarios, strict=True)
                  if s.name == "学校とバス停を足す案")
    assert re.findall(r'data-kind-name="([^"]+)"', school) == ["バス停", "小学校"]
    assert html.count("data:image/png;base64,") == 10 + sum(len(s.maps) for s in scenarios)
    assert _leaks(bare, seeded.ids) == []
    # print CSS: A4 portrait, margins, running title, a page per group and scenario, tables
    # no wider than the page
    css = bare[bare.index("<style>"):bare.index("</style>")]
    assert "size: A4 portrait" in css and "margin: 20mm 16mm 18mm 16mm" in css
    assert "string-set: doctitle content()" in css and "string(doctitle)" in css
    assert ".group { break-before: page; }" in css
    assert ".scenario + .scenario { break-before: page; }" in css
    table = re.search(r"\ntable \{([^}]*)\}", css)
    assert table and "width: 100%" in table[1] and "table-layout: fixed" in table[1]
    assert "max-width: 100%" in table[1]
    assert "Noto Sans CJK JP" in css.split("font-family:")[1].split(";")[0]
    assert "sans-serif;" in css  # falls back to any sans-serif font
    for cols in re.findall(r"<colgroup>(.*?)</colgroup>", bare, flags=re.S):
        assert sum(int(w) for w in re.findall(r"width:(\d+)%", cols)) == 100


@pytest.mark.slow
def test_minutes_in_english(seeded: Seeded) -> None:
    doc = minutes.session_minutes(seeded.ws, seeded.session, bundle=_bundle(),
                                  baseline=_baseline, place=_town, lang="en")
    html = minutes.session_html(doc)
    assert '<html lang="en">' in html
    _, text = _texts(minutes_pdf.html_to_pdf(html))
    assert "Minutes" in text and "Maebashi" in text and "Elementary school" in text
    assert "Add elementary school “みなみ小学校” near" in text
    assert re.search(r"\d{1,2} (January|February|March|April|May|June|July|August|September|"
                     r"October|November|December) 20\d\d", text)
    assert "議事録" not in text and "周辺" not in text
    assert _leaks(text, seeded.ids) == []


def test_figures_in_words() -> None:
    fig = pd.DataFrame({
        "facilities_before": [644, 0], "facilities_after": [646, 1],
        "radius_before": [300.0, 800.0], "radius_after": [600.0, 800.0],
        "covered_before": [103820.505, np.nan], "covered_after": [174496.2, 1234.0],
        "covered_change": [70675.7, np.nan], "rate_before": [0.323036, np.nan],
        "rate_after": [0.54296, 0.0038], "rate_change": [0.219924, np.nan],
    }, index=pd.Index(["bus_stop", "medical"], name="kind"))
    rows = words.figures_rows(fig, ["bus_stop", "medical"], "ja")
    assert rows[0] == {"kind": "バス停", "radius": "徒歩圏 300 m → 600 m",
                       "facilities": "644 → 646", "covered": "103,821 → 174,496",
                       "change": "+70,676", "rate": "32.3% → 54.3%", "rate_change": "+22.0"}
    assert rows[1] == {"kind": "医療施設", "radius": "徒歩圏 800 m", "facilities": "0 → 1",
                       "covered": "— → 1,234", "change": "—", "rate": "— → 0.4%",
                       "rate_change": "—"}
    en = words.figures_rows(fig, ["bus_stop"], "en")[0]
    assert en["kind"] == "Bus stop" and en["radius"] == "walking distance 300 m → 600 m"
    assert words.people_change(-0.2) == "±0" and words.people_change(-1234) == "-1,234"
    assert words.points(-0.0004) == "±0.0" and words.points(-0.0123) == "-1.2"


def test_dates_in_words() -> None:
    late = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # already 1 December in Japan
    assert words.long_date(late, "ja") == "2026年12月1日"
    assert words.long_date(date(2026, 11, 30), "ja") == "2026年11月30日"
    assert words.long_date(date(2026, 11, 30), "en") == "30 November 2026"


def test_modifications_in_words() -> None:
    base = _baseline("maebashi", "line")
    stops = base.facilities("bus_stop")
    stop, name = str(stops["id"].iloc[0]), str(stops["name"].iloc[0])
    cell = grid.to_strings(base.cells[:1])[0]
    mods = [sc.add("bus_stop", cell, name="新しい停留所"), sc.move("bus_stop", stop, cell),
            sc.remove("bus_stop", stop), sc.set_radius("bus_stop", 400),
            sc.add("park", cell)]
    towns = {cell: "千代田町二丁目"}
    ja = words.describe(mods, base, place=towns, lang="ja")
    assert ja[0] == "バス停「新しい停留所」を千代田町二丁目周辺に追加"
    assert ja[1].startswith(f"バス停「{name}」を")
    assert ja[1].endswith("から千代田町二丁目周辺へ移設")
    assert ja[2] == f"バス停「{name}」(千代田町二丁目周辺)を廃止"  # where it stood by then
    assert ja[3] == "バス停の徒歩圏の半径を300 mから400 mに変更"
    assert ja[4] == "公園を千代田町二丁目周辺に追加"
    en = words.describe(mods, base, place=lambda c: None, lang="en")
    assert en[0] == "Add bus stop “新しい停留所” in the city"
    assert en[3] == "Change the walking distance to a bus stop from 300 m to 400 m"
    assert en[4] == "Add a park in the city"
    for line in ja + en:
        assert _leaks(line, [stop, cell]) == []


def test_minutes_escape_user_text_and_embed_images() -> None:
    b = _bundle()
    base = _baseline("maebashi", "line")
    s = base.copy()
    cell = grid.to_strings(b.cells[:1])[0]
    s.apply(sc.add("bus_stop", cell, name=PAYLOAD))
    png = minutes.diff_map_png(base, s, "bus_stop", boundary=b.boundary, title=PAYLOAD)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    radar = minutes.radar_png(pd.Series({"a": 0.2, "b": 0.5}), pd.Series({"a": 0.3, "b": 0.5}))
    assert radar[:4] == b"\x89PNG"
    scen = minutes.scenario_minutes(
        PAYLOAD, base, s, boundary=b.boundary, place={cell: PAYLOAD},
        comments=[{"text": PAYLOAD, "nickname": PAYLOAD, "kind": "idea"}],
        proposals=[PAYLOAD])
    assert scen.kinds == ["bus_stop"] and set(scen.maps) == {"bus_stop"}
    doc = minutes.SessionMinutes(
        title=PAYLOAD, city=PAYLOAD, held_on=date(2026, 1, 1), agenda=[PAYLOAD],
        groups=[minutes.GroupMinutes(name=PAYLOAD, scenarios=[scen])], note=PAYLOAD)
    html = minutes.session_html(doc)
    assert "<script>" not in html and "<img src=x" not in html
    # title (twice), city, agenda, group, scenario, change, comment and nickname, proposal,
    # note
    assert html.count("&lt;script&gt;") >= 11
    assert "data:image/png;base64," in html
    assert "バス停" in html and "bus_stop" not in _without_images(html)
    # the PDF shows the text as text and fetches nothing (no image from "x")
    _, text = _texts(minutes_pdf.html_to_pdf(html))
    assert '<script>alert("x")</script>' in text.replace("\n", "")
