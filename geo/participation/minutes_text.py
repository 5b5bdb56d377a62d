"""The words of the workshop minutes, in Japanese or English: labels, dates, numbers, edits.

Minutes go home on paper, so nothing here prints an internal key (``bus_stop``,
``covered_change``), a fraction, a raw H3 or facility id, ``nan`` or ``None``: kinds are
named, places are towns, rates are percentages with one decimal, people are whole numbers
with thousands separators and a missing value is a dash.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any, Literal

import pandas as pd

from geo import access as sc
from geo import fmt, grid
from geo.kinds import KINDS
from geo.participation.store.proposals import Proposal

__all__ = [
    "DASH",
    "WORDS",
    "Lang",
    "comment_kind",
    "describe",
    "factor_labels",
    "figures_rows",
    "jst_date",
    "kind_name",
    "long_date",
    "place_words",
    "proposal_line",
    "to_lang",
]

Lang = Literal["ja", "en"]
#: A missing figure (no facility of the kind, or no population).
DASH = fmt.DASH
_JST = timezone(timedelta(hours=9), "JST")

#: Every fixed word of the document, per language.
WORDS: dict[str, dict[str, str]] = {
    "ja": {
        "minutes": "議事録",
        "date": "開催日",
        "city": "市区町村",
        "groups_n": "グループ数",
        "scenarios_n": "シナリオ数",
        "agenda": "進行",
        "contents": "グループとシナリオ",
        "how_to_read": "この資料の見方",
        "read_maps": ("地図: 青は変わらず徒歩圏内、緑は新たに徒歩圏内になった所、"
                      "赤は徒歩圏から外れた所です。★は追加・移設した施設、×は廃止・移設前の施設、"
                      "黒い点はもとからある施設です。"),
        "read_figures": ("数値: 徒歩圏内に住む人の数(推計)と、市の人口に占める割合です。"
                         "「—」はその種類の施設のデータがないことを表します。"),
        "group": "グループ",
        "no_scenario": "このグループのシナリオはありません。",
        "changes": "変更内容",
        "no_change": "変更はありません。",
        "figures": "数値(現状 → シナリオ)",
        "col_kind": "施設の種類",
        "col_facilities": "施設数",
        "col_covered": "徒歩圏内の人口",
        "col_change": "増減(人)",
        "col_rate": "人口に占める割合",
        "col_rate_change": "増減(ポイント)",
        "radius": "徒歩圏 {before} → {after}",
        "radius_same": "徒歩圏 {r}",
        "maps": "地図",
        "map_caption": "{kind}: 徒歩圏の変化",
        "map_caption_close": "{kind}: 徒歩圏の変化(変化した所の拡大図。隅の小さな地図は市全体)",
        "radar": "Well-Being因子(客観側)",
        "radar_caption": "現状とシナリオ",
        "baseline": "現状",
        "scenario": "シナリオ",
        "comments": "コメント",
        "no_comments": "コメントはありません。",
        "proposals": "提案",
        "no_proposals": "(提案はまだありません。書き込み欄)",
        "proposal": "提案 #{id}",
        "proposal_what": "{what}({place})",
        "proposal_people": "徒歩圏に新たに入る人 {n}人",
        "proposal_cells": "徒歩圏に新たに入るセル {n}",
        "proposal_rate": "{kind}の徒歩圏カバー率 {before} → {after}({change})",
        "proposal_points": "{d}ポイント",
        "proposal_tiny": "+0.1ポイント未満",
        "proposal_plus": "+1 {n}件",
        "proposal_no_figures": "効果は計算できていません",
        "proposal_gone": "(投稿は非表示または削除されたため、内容は載せていません)",
        "proposal_text": "「{text}」",
        "anonymous": "匿名",
        "page": "ページ",
        "footer": "Well-Being Diorama で作成",
        "in_city": "市内",
        "add": "{what}を{place}に追加",
        "move": "{what}を{source}から{place}へ移設",
        "remove": "{what}({place})を廃止",
        "remove_nowhere": "{what}を廃止",
        "radius_to": "{kind}の徒歩圏の半径を{before}から{after}に変更",
        "named": "{kind}「{name}」",
        "good": "良いところ",
        "concern": "気になるところ",
        "idea": "アイデア",
        "lang_attr": "ja",
        "legend_kept": "変わらず徒歩圏内",
        "legend_gained": "新たに徒歩圏内",
        "legend_lost": "徒歩圏から外れた",
        "legend_existing": "もとからある施設",
        "legend_added": "追加・移設した施設",
        "legend_removed": "廃止・移設前の施設",
        "list_sep": "、",
    },
    "en": {
        "minutes": "Minutes",
        "date": "Held on",
        "city": "City",
        "groups_n": "Groups",
        "scenarios_n": "Scenarios",
        "agenda": "Agenda",
        "contents": "Groups and scenarios",
        "how_to_read": "How to read this document",
        "read_maps": ("Maps: blue is still within walking distance, green newly within walking "
                      "distance, red no longer within walking distance. ★ marks an added or moved "
                      "facility, × a removed one (or where a moved one stood), black dots the "
                      "existing facilities."),
        "read_figures": ("Figures: people living within walking distance (estimated) and their "
                         "share of the city's population. “—” means there is no data on that "
                         "kind of facility."),
        "group": "Group",
        "no_scenario": "This group has no scenario.",
        "changes": "Changes",
        "no_change": "No change.",
        "figures": "Figures (baseline → scenario)",
        "col_kind": "Kind of facility",
        "col_facilities": "Facilities",
        "col_covered": "People within walking distance",
        "col_change": "Change (people)",
        "col_rate": "Share of the population",
        "col_rate_change": "Change (points)",
        "radius": "walking distance {before} → {after}",
        "radius_same": "walking distance {r}",
        "maps": "Maps",
        "map_caption": "{kind}: change in walking access",
        "map_caption_close": ("{kind}: change in walking access (close-up; the small map in "
                              "a corner: the whole city)"),
        "radar": "Well-Being factors (objective side)",
        "radar_caption": "baseline and scenario",
        "baseline": "Baseline",
        "scenario": "Scenario",
        "comments": "Comments",
        "no_comments": "No comments.",
        "proposals": "Proposals",
        "no_proposals": "(No proposals yet; space for notes)",
        "proposal": "Proposal #{id}",
        "proposal_what": "{what} {place}",
        "proposal_people": "{n} more people within walking distance",
        "proposal_cells": "{n} more cells within walking distance",
        "proposal_rate": "{kind} coverage {before} → {after} ({change})",
        "proposal_points": "{d} points",
        "proposal_tiny": "under +0.1 points",
        "proposal_plus": "+1 ×{n}",
        "proposal_no_figures": "its effect could not be computed",
        "proposal_gone": "(the post was hidden or deleted, so its content is not printed)",
        "proposal_text": "“{text}”",
        "anonymous": "anonymous",
        "page": "page",
        "footer": "Made with Well-Being Diorama",
        "in_city": "in the city",
        "add": "Add {what} {place}",
        "move": "Move {what} from {source} to {place}",
        "remove": "Remove {what} ({place})",
        "remove_nowhere": "Remove {what}",
        "radius_to": "Change the walking distance to a {kind} from {before} to {after}",
        "named": "{kind} “{name}”",
        "good": "Good",
        "concern": "Concern",
        "idea": "Idea",
        "lang_attr": "en",
        "legend_kept": "still within walking distance",
        "legend_gained": "newly within walking distance",
        "legend_lost": "no longer within walking distance",
        "legend_existing": "existing facility",
        "legend_added": "added or moved facility",
        "legend_removed": "removed (or moved from)",
        "list_sep": ", ",
    },
}

_KIND = {k.key: k for k in KINDS}


def to_lang(lang: str | None) -> Lang:
    """``"en"`` for English, else ``"ja"`` (the app's default)."""
    return "en" if lang == "en" else "ja"


def kind_name(kind: str, lang: str, *, in_sentence: bool = False) -> str:
    """Display name of a facility kind (``"バス停"`` / ``"Bus stop"``), never its key.

    ``in_sentence`` lower-cases the English name's first letter ("Add a bus stop").
    """
    k = _KIND.get(kind)
    if k is None:
        return "施設" if lang == "ja" else "facility"
    if lang == "ja":
        return k.ja
    return k.en[:1].lower() + k.en[1:] if in_sentence else k.en


def jst_date(when: datetime) -> date:
    """The day (Japan time) of a moment (an aware datetime; a naive one is taken as is)."""
    return (when.astimezone(_JST) if when.tzinfo else when).date()


def long_date(when: datetime | date, lang: str) -> str:
    """A date in words: ``2026年11月30日`` (Japan time) or ``30 November 2026``."""
    if isinstance(when, datetime):
        when = jst_date(when)
    if lang == "ja":
        return f"{when.year}年{when.month}月{when.day}日"
    return f"{when.day} {when:%B} {when.year}"


def place_words(town: str | None, lang: str) -> str:
    """``"<town>周辺"`` / ``"near <town>"``, or the city when the town is unknown
    (:func:`geo.fmt.place`, as on the pages)."""
    return fmt.place(town, lang)


def comment_kind(kind: str | None, lang: str) -> str:
    """Name of a comment's kind (good / concern / idea), or an empty string."""
    return WORDS[lang].get(kind or "", "") if kind in ("good", "concern", "idea") else ""


def factor_labels(lang: str) -> dict[str, str] | None:
    """Radar spoke labels: the factors' English names in English (their keys are Japanese)."""
    if lang == "ja":
        return None
    from geo.participation.framework import FACTORS

    return {f.ja: f.en for f in FACTORS}


def people(v: Any) -> str:
    """Whole people with thousands separators (``103,821``), or a dash."""
    return fmt.people(v)


def people_change(v: Any) -> str:
    """A signed change of people (``+1,234``, ``-56``, ``±0``), or a dash."""
    return fmt.people_change(v)


def percent(v: Any) -> str:
    """A share (0–1) as a percentage with one decimal (``32.3%``), or a dash."""
    return fmt.rate(v)


def points(v: Any) -> str:
    """A change of a share (0–1) in percentage points, one decimal, with a sign (``+1.2``): the
    column header says "points", so :func:`geo.fmt.points` without its unit."""
    return fmt.points(v).removesuffix(" pt")


def metres(v: Any) -> str:
    """A walking distance (``300 m``, ``1.2 km``), or a dash (:func:`geo.fmt.distance`)."""
    return fmt.distance(v)


def count(v: Any) -> str:
    """A count of facilities, or a dash."""
    return fmt.count(v)


def figures_rows(figures: pd.DataFrame, kinds: Sequence[str], lang: str
                 ) -> list[dict[str, str]]:
    """The rows of the figures table, in words, for ``kinds`` (in that order).

    Parameters
    ----------
    figures
        :func:`geo.access.scenario.compare` of the baseline and the scenario (indexed by kind).
    kinds
        The kinds to show (those the scenario changed).
    lang
        ``"ja"`` or ``"en"``.

    Returns
    -------
    list of dict
        ``kind``, ``radius`` (walking distance, with its change), ``facilities``, ``covered``
        (before → after), ``change`` (signed people), ``rate`` (before → after, %),
        ``rate_change`` (signed percentage points): every value a string, ``—`` when
        missing.
    """
    w = WORDS[lang]
    rows = []
    for k in kinds:
        if k not in figures.index:
            continue
        r = figures.loc[k]
        rb, ra = r.get("radius_before"), r.get("radius_after")
        radius = (w["radius_same"].format(r=metres(rb)) if fmt.finite(rb) == fmt.finite(ra)
                  else w["radius"].format(before=metres(rb), after=metres(ra)))
        rows.append({
            "kind": kind_name(k, lang),
            "radius": radius,
            "facilities": f"{count(r.get('facilities_before'))} → "
                          f"{count(r.get('facilities_after'))}",
            "covered": f"{people(r.get('covered_before'))} → {people(r.get('covered_after'))}",
            "change": people_change(r.get("covered_change")),
            "rate": f"{percent(r.get('rate_before'))} → {percent(r.get('rate_after'))}",
            "rate_change": points(r.get("rate_change")),
        })
    return rows


def _facility_cells(base: sc.Engine) -> tuple[dict[str, str], dict[str, str]]:
    """Name and res-10 cell of each baseline facility, by id."""
    f = base.facilities()
    names = {str(i): str(n) if isinstance(n, str) else "" for i, n in zip(f["id"], f["name"],
                                                                          strict=True)}
    cells: dict[str, str] = {}
    if len(f):
        hexes = grid.to_strings(grid.points_to_cells(f.geometry.x.to_numpy(),
                                                     f.geometry.y.to_numpy(), 10))
        cells = {str(i): str(h) for i, h in zip(f["id"], hexes, strict=True)}
    return names, cells


def describe(mods: Sequence[sc.Modification], base: sc.Engine, *,
             place: Callable[[str], str | None] | Mapping[str, str] | None = None,
             lang: str = "ja") -> list[str]:
    """Each modification as a sentence ("バス停「本町」を千代田町二丁目 付近に追加").

    Parameters
    ----------
    mods
        The scenario's modifications, in order.
    base
        The baseline (names and places of the facilities moved or removed, and the radii).
    place
        The town of an H3 cell (a callable or a mapping; ``None`` or a missing cell: "in the
        city"). The library cannot look towns up itself (that lives in the UI).
    lang
        ``"ja"`` or ``"en"``.
    """
    w = WORDS[lang]
    names, cells = _facility_cells(base)
    radii = dict(base.radii)

    def where(cell: str | None) -> str:
        if cell is None:
            return w["in_city"]
        town = place.get(cell) if isinstance(place, Mapping) else (
            place(cell) if place is not None else None)
        return place_words(town, lang)

    def what(kind: str, name: str) -> str:
        k = kind_name(kind, lang, in_sentence=True)
        if lang == "en" and not name:
            k = ("an " if k[:1] in "aeiou" else "a ") + k
        return w["named"].format(kind=k, name=name) if name else k

    out = []
    for m in mods:
        if m.op == "radius":
            before = radii.get(m.kind)
            radii[m.kind] = float(m.radius_m or 0.0)
            out.append(w["radius_to"].format(kind=kind_name(m.kind, lang, in_sentence=True),
                                             before=metres(before), after=metres(m.radius_m)))
            continue
        fid = m.facility or ""
        if m.op == "add":
            names[fid] = m.name
            if m.cell:
                cells[fid] = m.cell
            out.append(w["add"].format(what=what(m.kind, m.name), place=where(m.cell)))
        elif m.op == "move":
            source = where(cells.get(fid))
            if m.cell:
                cells[fid] = m.cell
            out.append(w["move"].format(what=what(m.kind, names.get(fid, "")), source=source,
                                        place=where(m.cell)))
        else:
            cell = cells.get(fid)
            key = "remove" if cell else "remove_nowhere"
            out.append(w[key].format(what=what(m.kind, names.get(fid, "")), place=where(cell)))
    return out


def proposal_line(proposal_id: int, proposal: Proposal | None, *,
                  place: Callable[[str], str | None] | Mapping[str, str] | None = None,
                  lang: str = "ja") -> str:
    """A citizen's proposal in one line for the minutes: its number, the facility and where,
    the people it brings within walking distance, the city's rate before → after, its +1s and
    the comment ("提案 #12 バス停(千代田町二丁目周辺): 徒歩圏に新たに入る人 340人、…").

    ``proposal`` is None when its comment is no longer visible: then only the number is
    printed. The result is plain text (the template escapes it).
    """
    w = WORDS[lang]
    head = w["proposal"].format(id=proposal_id)
    if proposal is None:
        return f"{head} {w['proposal_gone']}"
    town = place.get(proposal.cell) if isinstance(place, Mapping) else (
        place(proposal.cell) if place is not None else None)
    what = w["proposal_what"].format(what=kind_name(proposal.kind, lang, in_sentence=True),
                                     place=place_words(town, lang))
    f = proposal.figures
    if f is None:
        parts = [w["proposal_no_figures"]]
    else:
        parts = [w["proposal_people"].format(n=people(f.people_gained))
                 if f.people_gained is not None
                 else w["proposal_cells"].format(n=count(f.cells_gained))]
        if f.rate_before is not None and f.rate_after is not None:
            d = f.rate_after - f.rate_before
            change = (w["proposal_tiny"] if 0 < d < 0.0005
                      else w["proposal_points"].format(d=points(d)))
            parts.append(w["proposal_rate"].format(
                kind=kind_name(proposal.kind, lang, in_sentence=lang == "en"),
                before=percent(f.rate_before), after=percent(f.rate_after), change=change))
    if proposal.comment.plus_ones:
        parts.append(w["proposal_plus"].format(n=count(proposal.comment.plus_ones)))
    sep = w["list_sep"] if lang == "ja" else "; "
    text = w["proposal_text"].format(text=proposal.comment.text) if proposal.comment.text else ""
    joint = " " if lang == "ja" else ", "
    return f"{head}{joint}{what}: {sep.join(parts)}" + (f" — {text}" if text else "")
