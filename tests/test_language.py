"""Every page speaks the user's language: no internal name, English or raw H3 id in Japanese,
no Japanese UI text in English.

Each page is run by AppTest on the state a real room leaves (``room.build_room``: comments
with nicknames, replies, hidden ones, a five-group workshop) and driven into its interesting
states (a place chosen, a scenario edited, the moderator logged in, a survey area chosen ...).
After every step the whole element tree is read generically (``visible_text.visible_texts``:
every element's proto fields, table headers and text cells, Vega-Lite titles and time
formats, deck tooltips) and checked. Data - town names, comments, nicknames, facility and
workshop names, attributions - is excluded through a vocabulary read from the room and the
bundle.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from room import room_fixture
from streamlit.testing.v1 import AppTest
from visible_text import (
    JAPANESE,
    SNAKE,
    WORD,
    japanese_leftovers,
    raw_numbers,
    untranslated,
    visible_texts,
)

from geo.ingest import bundle
from geo.participation.store import Workshop
from geo.text import escape_for_markdown

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PASSWORD = "language-test-password"
TOWN = "102012400"  # 粕川町稲里
PROPOSAL_TEXT = "ここにバス停を"

room = room_fixture(n_comments=400)


@pytest.fixture(scope="module")
def data_text(room) -> str:
    """All data a page may show as it is: comments, names, towns, facilities, attributions."""
    parts: list[str] = []
    with room.open() as store:
        # hidden comments too (the moderation page shows them), as stored and as the pages
        # hand them to markdown (escaped)
        frame = store.comments_frame(city="maebashi", include_hidden=True)
        for column in ("text", "nickname"):
            values = frame[column].dropna().astype(str).tolist()
            parts += values + [escape_for_markdown(v) for v in values]
        parts += [f"{a.actor}\n{a.reason}" for a in store.audit_log(limit=10_000)]
        parts += [r for item in store.moderation_queue(city="maebashi") for r in item.reasons]
        ws = Workshop(store)
        for s in ws.scenarios():
            parts += [s.name, s.modifications]
        if room.summary.workshop:
            parts += [g.name for g in ws.groups(room.summary.workshop.session_id)]
            parts += ws.facilitator_session(room.summary.workshop.facilitator_token).agenda
    ws = room.summary.workshop
    parts += [ws.title] if ws else []
    from geo.participation.catalog import load_catalog

    parts += [str(v) for item in _strings(load_catalog()) for v in [item]]
    b = bundle.load("maebashi")
    parts += b.towns["name"].astype(str).tolist()
    parts += b.facilities["name"].dropna().astype(str).tolist()
    for src in b.manifest.get("sources", []):
        parts += [str(v) for v in src.values() if isinstance(v, str)]
    parts += [str(u.get("name", "")) for u in b.manifest.get("unclassified", [])]
    # town and column names quoted in the build's warnings (their words are checked)
    parts += [run for w in b.manifest.get("warnings", []) for run in JAPANESE.findall(w)]
    parts += ["通勤時間30分以内の割合"]  # an LWC indicator known only by its Japanese name
    parts += [PROPOSAL_TEXT]  # what the comments page's walk posts (data from then on)
    return "\n".join(parts)


def _strings(obj, depth: int = 0):
    """Every string inside a catalogue object (municipalities, sources: data, not UI)."""
    if isinstance(obj, str):
        yield obj
    elif depth < 6 and isinstance(obj, dict):
        for v in obj.values():
            yield from _strings(v, depth + 1)
    elif depth < 6 and isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _strings(v, depth + 1)
    elif depth < 6 and hasattr(obj, "__dataclass_fields__"):
        for name in obj.__dataclass_fields__:
            yield from _strings(getattr(obj, name), depth + 1)


@pytest.fixture(scope="module")
def data_words(data_text: str) -> set[str]:
    words = set(WORD.findall(data_text)) | set(SNAKE.findall(data_text))
    return words | {w.lower() for w in words if w.lower() not in ("none", "nan")}


@pytest.fixture
def env(room, monkeypatch):
    monkeypatch.setenv("DIORAMA_DATA_DIR", str(room.data_dir))
    monkeypatch.delenv("DIORAMA_DATABASE_URL", raising=False)
    monkeypatch.setenv("DIORAMA_MODERATOR_PASSWORD", PASSWORD)
    return room


def run(x) -> AppTest:
    at = x.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_page(page: str, lang: str, *, join: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["lang"] = lang
    if join:
        at.query_params["join"] = join
    run(at)
    return run(at.switch_page(page))


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


# ------------------------------------------------------------------------------------------
# How each page is driven: a list of steps; the page is checked before the first and after each
# ------------------------------------------------------------------------------------------

Step = Callable[[AppTest], object]


def _map(at):
    yield lambda: at.selectbox(key="map_town").select(TOWN).run()
    yield lambda: at.multiselect(key="map_fac").set_value(["bus_stop", "school"]).run()
    yield lambda: at.selectbox(key="map_metric").select("uncovered").run()


def _coverage(at):
    yield lambda: at.selectbox(key="cov_kind").select_index(1).run()


def _comments(at):
    yield lambda: at.selectbox(key="c_town").select(TOWN).run()
    yield lambda: at.selectbox(key="c_f_town").select(TOWN).run()
    yield lambda: _propose(at)  # the confirmation with a proposal's figures, and the list


def _propose(at) -> None:
    """Post an idea that proposes a bus stop (its figures are shown in the dialog)."""
    at.selectbox(key="c_factor").select("mobility").run()
    n = at.session_state["c_form_n"]
    at.radio(key=f"c_kind_{n}").set_value("idea")
    at.selectbox(key=f"c_prop_{n}").select("bus_stop")
    at.text_area(key=f"c_text_{n}").input(PROPOSAL_TEXT)
    at.checkbox(key=f"c_consent_{n}").check()
    next(b for b in at.button if b.label in ("投稿", "Post")).click().run()
    assert at.session_state["c_last"]["proposal"]


def _moderation(at):
    yield lambda: (at.text_input[0].input("田中"), at.text_input[1].input(PASSWORD),
                   at.get("form_submit_button")[0].click(), at.run())


def _workshop(at, room):
    key = room.summary.workshop.facilitator_token
    yield lambda: (at.text_input(key="ws_open_key").input(key),
                   at.button(key="ws_open_btn").click(), at.run())
    yield lambda: at.button(key="ws_export_btn").click().run()


def _diorama(at):
    yield lambda: at.selectbox(key="dio_town").select(TOWN).run()
    yield lambda: at.button(key="dio_add").click().run()
    # (the site suggestions rerun their fragment, which AppTest cannot: not driven here)


def _flows(at):
    yield lambda: at.selectbox(key="flows_metric").select("change").run()
    yield lambda: at.selectbox(key="flows_metric").select("ratio").run()


def _vacancy(at):
    yield lambda: at.toggle(key="vac_cal").set_value(True).run()


def _survey(at):
    yield lambda: at.selectbox(key="sv_area_pick").select_index(0).run()


def _catalog(at):
    yield lambda: at.selectbox(key="cat_factor").select_index(1).run()
    yield lambda: at.selectbox(key="cat_service").select_index(1).run()


def _none(at):
    return iter(())


PAGES: dict[str, Callable] = {
    "pages/map.py": _map, "pages/coverage.py": _coverage, "pages/comments.py": _comments,
    "pages/workshop.py": _workshop, "pages/diorama.py": _diorama,
    "pages/moderation.py": _moderation, "pages/flows.py": _flows,
    "pages/vacancy.py": _vacancy, "pages/survey.py": _survey, "pages/catalog.py": _catalog,
    "pages/about.py": _none, "pages/build_city.py": _none,
}


def walk(page: str, lang: str, room) -> list[tuple[int, list]]:
    """Every state of the page: (step number, visible texts)."""
    join = None
    if page == "pages/diorama.py":
        join = next(iter(room.summary.group_tokens.values()))
    at = open_page(page, lang, join=join)
    states = [(0, visible_texts(at))]
    drive = PAGES[page]
    steps = drive(at, room) if page == "pages/workshop.py" else drive(at)
    for i, step in enumerate(steps, 1):
        step()
        assert not at.exception, (page, i, [e.value for e in at.exception])
        states.append((i, visible_texts(at)))
    return states


def report(bad: list) -> list[str]:
    """One line per offending text, with the steps where it showed."""
    steps: dict[tuple[str, str], list[int]] = {}
    for i, xs in bad:
        for x in xs:
            steps.setdefault((x.where, x.text[:120]), []).append(i)
    return [f"{where}: {text!r} (steps {sorted(set(s))})"
            for (where, text), s in sorted(steps.items())]


@pytest.mark.parametrize("page", list(PAGES))
def test_japanese_page_shows_no_identifier_or_english(page, env, data_words) -> None:
    states = walk(page, "ja", env)
    bad = [(i, untranslated(texts, data_words) + raw_numbers(texts)) for i, texts in states]
    assert not any(xs for _, xs in bad), "\n".join(report(bad))


@pytest.mark.parametrize("page", list(PAGES))
def test_english_page_shows_no_japanese_ui(page, env, data_text) -> None:
    states = walk(page, "en", env)
    bad = [(i, japanese_leftovers(texts, data_text) + raw_numbers(texts)) for i, texts in states]
    assert not any(xs for _, xs in bad), "\n".join(report(bad))


def test_the_checks_catch_what_they_are_for() -> None:
    from visible_text import Text

    words: set[str] = set()
    for s in ["town_code", "None", "nan", "Choose options", "8a2e74a86307fff", "rate_bus_stop",
              "visible"]:
        assert untranslated([Text("x", s)], words), s
    for s in ["徒歩圏内の人口 1,234人", "バス停 300 m", "CSV をダウンロード",
              ":material/map: 地図",
              "http://localhost:8501/workshop?join=es349H12ARDxE_ZIg67mXRuavKusF-si_qz"]:
        assert not untranslated([Text("x", s)], words), s
    assert not untranslated([Text("x", "8a2e74a86307fff", in_expander=True)], words)
    assert japanese_leftovers([Text("x", "People 周辺")], "千代田町")
    assert not japanese_leftovers([Text("x", "near 千代田町")], "千代田町")
    assert JAPANESE.findall("near 千代田町二丁目") == ["千代田町二丁目"]


def test_the_number_check_catches_numbers_people_do_not_read() -> None:
    from visible_text import Text

    for s in ["カバー率 0.323", "徒歩圏内の人口 112.7307", "103,820.505", "7636.218459394045",
              "徒歩圏外の人口 12.5人", "12.5 people"]:
        assert raw_numbers([Text("x", s)]), s
    for s in ["カバー率 32.3%", "103,821人", "1.2 km", "350 m", "平均 3.42", "2020年5月"]:
        assert not raw_numbers([Text("x", s)]), s
    assert raw_numbers([Text("dataframe.number[人口]", "112.7")])
    assert raw_numbers([Text("dataframe.number[カバー率 (%)]", "32.34")])
    assert raw_numbers([Text("dataframe.number[値]", "0.323")])
    assert not raw_numbers([Text("dataframe.number[カバー率 (%)]", "32.3")])
    assert not raw_numbers([Text("dataframe.number[平均]", "3.4167")])
