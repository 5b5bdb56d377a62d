"""A comment's proposed facility in every export (issue 15): the CSV's ``proposal_*`` columns
(for tools and, in words, for people), the GeoJSON's properties and the Decidim body; empty or
null for a comment without one; hidden and deleted comments in none; on both databases."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

import pandas as pd
import pytest
from store_fixtures import CITY, TEST_CELL, Target, comment_args

from geo import grid
from geo.participation import proposals as pr
from geo.participation.store import (
    FactorMove,
    ProposalFigures,
    Store,
    TownGain,
    facility_cell,
)
from geo.participation.store.export import (
    CSV_COLUMNS,
    PROPOSAL_COLUMNS,
    comments_to_csv,
    comments_to_decidim_csv,
    comments_to_geojson,
)
from ui import columns, i18n

FIGURES = ProposalFigures(
    cells_gained=19, people_gained=1312, rate_before=0.0683, rate_after=0.2242,
    towns=(TownGain("T1", "=HYPERLINK(\"x\")西町", 1200), TownGain("T2", "東町", 112)),
    factors=(FactorMove("mobility", 0.0683, 0.1463), FactorMove("health", 0.2, 0.25)))
OTHER_CELL = grid.grid_ring(TEST_CELL, 3)[0]


@pytest.fixture
def store(target: Target) -> Iterator[Store]:
    s = target.open(rate_limit=None)
    yield s
    s.close()


def _rows(blob: bytes, **options: str) -> dict[int, dict[str, str]]:
    text = blob.decode("utf-8-sig")
    return {int(r["id"]): r for r in csv.DictReader(io.StringIO(text), **options)}  # type: ignore[arg-type]


@pytest.fixture
def posted(store: Store) -> dict[str, int]:
    """An idea with a bus stop and its figures, one without figures, a plain comment, and a
    proposal hidden by a moderator and one deleted by its poster."""
    ids = {}
    ids["proposal"] = store.post_comment(**comment_args(
        kind="idea", text="ここにバス停がほしい", proposal=pr.draft("bus_stop", TEST_CELL, "line",
                                                                  FIGURES))).comment_id
    ids["no_figures"] = store.post_comment(**comment_args(
        kind="idea", text="公園を", cell=OTHER_CELL, factor="recreation",
        proposal=pr.draft("park", OTHER_CELL, "network", None))).comment_id
    ids["plain"] = store.post_comment(**comment_args(text="歩道が狭い")).comment_id
    ids["hidden"] = store.post_comment(**comment_args(
        kind="idea", text="隠される提案", proposal=pr.draft("shelter", TEST_CELL, "line",
                                                              FIGURES))).comment_id
    store.moderate(comment_id=ids["hidden"], action="hide", moderator="担当",
                   reason="確認のため")
    deleted = store.post_comment(**comment_args(
        kind="idea", text="消される提案", proposal=pr.draft("park", TEST_CELL, "line", FIGURES)))
    assert deleted.edit_token is not None
    assert store.delete_by_token(comment_id=deleted.comment_id, token=deleted.edit_token)
    ids["deleted"] = deleted.comment_id
    return ids


def test_the_csv_carries_the_proposal(store: Store, posted: dict[str, int]) -> None:
    blob = store.export_csv(city=CITY)
    header = next(csv.reader(io.StringIO(blob.decode("utf-8-sig"))))
    assert tuple(header) == CSV_COLUMNS and header[-len(PROPOSAL_COLUMNS):] == list(
        PROPOSAL_COLUMNS)
    rows = _rows(blob)
    assert set(rows) == {posted["proposal"], posted["no_figures"], posted["plain"]}
    p = rows[posted["proposal"]]
    assert {c: p[c] for c in PROPOSAL_COLUMNS} == {
        "proposal_kind": "bus_stop", "proposal_cell": facility_cell(TEST_CELL),
        "proposal_mode": "line", "proposal_people_gained": "1312",
        "proposal_cells_gained": "19", "proposal_rate_before": "0.0683",
        "proposal_rate_after": "0.2242", "proposal_town_codes": "T1 T2",
        # formula-safe: the first town's name would start a formula
        "proposal_town_names": "'=HYPERLINK(\"x\")西町、東町",
        "proposal_town_people": "1200 112", "proposal_factors": "mobility health"}
    n = rows[posted["no_figures"]]
    assert (n["proposal_kind"], n["proposal_mode"]) == ("park", "network")
    assert n["proposal_cell"] == facility_cell(OTHER_CELL)
    assert all(n[c] == "" for c in PROPOSAL_COLUMNS[3:])
    assert all(rows[posted["plain"]][c] == "" for c in PROPOSAL_COLUMNS)


def test_the_geojson_carries_the_proposal(store: Store, posted: dict[str, int]) -> None:
    geo = store.export_geojson(city=CITY)
    json.dumps(geo, allow_nan=False)
    props = {f["id"]: f["properties"] for f in geo["features"]}
    assert set(props) == {posted["proposal"], posted["no_figures"], posted["plain"]}
    p = props[posted["proposal"]]
    assert p["proposal_kind"] == "bus_stop" and p["proposal_mode"] == "line"
    assert p["proposal_people_gained"] == 1312 and isinstance(p["proposal_people_gained"], int)
    assert p["proposal_cells_gained"] == 19
    assert (p["proposal_rate_before"], p["proposal_rate_after"]) == (0.0683, 0.2242)
    assert p["proposal_town_codes"] == "T1 T2"
    assert p["proposal_town_names"] == "=HYPERLINK(\"x\")西町、東町"  # plain text, as the text
    assert p["proposal_town_people"] == "1200 112"
    assert p["proposal_factors"] == "mobility health"
    none = props[posted["no_figures"]]
    assert none["proposal_kind"] == "park" and none["proposal_people_gained"] is None
    assert all(props[posted["plain"]][c] is None for c in PROPOSAL_COLUMNS)


def test_decidim_bodies_carry_the_figures(store: Store, posted: dict[str, int]) -> None:
    blob = store.export_decidim(city=CITY)
    rows = list(csv.DictReader(io.StringIO(blob.decode("utf-8")), delimiter=";"))
    assert list(rows[0]) == ["title/ja", "body/ja", "category/id", "scope/id"]
    bodies = {r["title/ja"]: r["body/ja"] for r in rows}
    assert set(bodies) == {"ここにバス停がほしい", "公園を", "歩道が狭い"}
    body = bodies["ここにバス停がほしい"]
    assert body.startswith("ここにバス停がほしい\n\n（Well-Being因子: 移動・交通")
    assert "■ 施設の提案: バス停（H3セル: " + facility_cell(TEST_CELL) + "）" in body
    assert "徒歩圏に新たに入る人: 1,312人" in body
    assert "市のバス停の徒歩圏カバー率: 6.8% → 22.4%（+15.6 pt）" in body
    assert "人が増える町丁: =HYPERLINK(\"x\")西町 1,200人、東町 112人" in body
    assert "距離: 直線距離" in body
    assert "施設の提案: 公園" in bodies["公園を"] and "計算できませんでした" in bodies["公園を"]
    assert "距離: 道路網の距離" in bodies["公園を"]
    assert "施設の提案" not in bodies["歩道が狭い"]
    assert "隠される" not in blob.decode() and "消される" not in blob.decode()


def test_the_frame_functions_leave_a_comment_without_proposal_columns_alone() -> None:
    """A frame without the proposal columns (an older caller) exports as before."""
    row = {"id": 1, "cell": TEST_CELL, "city": CITY, "factor": "mobility", "kind": "idea",
           "text": "=1+1", "shape": "point"}
    frame = pd.DataFrame([row])
    [line] = list(csv.DictReader(io.StringIO(comments_to_csv(frame).decode("utf-8-sig"))))
    assert all(line[c] == "" for c in PROPOSAL_COLUMNS) and line["text"] == "'=1+1"
    [feature] = comments_to_geojson(frame)["features"]
    assert all(feature["properties"][c] is None for c in PROPOSAL_COLUMNS)
    [d] = list(csv.DictReader(io.StringIO(comments_to_decidim_csv(frame).decode()),
                              delimiter=";"))
    assert "施設の提案" not in d["body/ja"]


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_csv_for_people_names_the_proposal(store: Store, posted: dict[str, int],
                                               language: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(i18n, "lang", lambda: language)
    shown = columns.comments_for_people(store.export_csv(city=CITY))
    by_id = shown.set_index(i18n.t("col_c_id"))
    p = by_id.loc[str(posted["proposal"])]
    for key in ("col_c_prop_kind", "col_c_prop_people", "col_c_prop_rate_before",
                "col_c_prop_rate_after", "col_c_prop_towns", "col_c_prop_mode",
                "col_c_prop_factors", "col_c_prop_cells"):
        assert i18n.t(key) in shown.columns, key
        assert i18n.STRINGS[key]["ja"] and i18n.STRINGS[key]["en"], key
    assert p[i18n.t("col_c_prop_people")] == "1312"
    assert p[i18n.t("col_c_prop_rate_before")] == "6.8"
    assert p[i18n.t("col_c_prop_rate_after")] == "22.4"
    if language == "ja":
        assert p[i18n.t("col_c_prop_kind")] == "バス停"
        assert p[i18n.t("col_c_prop_towns")] == "'=HYPERLINK(\"x\")西町 1,200人、東町 112人"
        assert p[i18n.t("col_c_prop_mode")] == "直線距離"
        assert p[i18n.t("col_c_prop_factors")] == "移動・交通、健康状態"
    else:
        assert p[i18n.t("col_c_prop_kind")] == "Bus stop"
        assert p[i18n.t("col_c_prop_towns")] == "'=HYPERLINK(\"x\")西町 1,200, 東町 112"
        assert p[i18n.t("col_c_prop_mode")] == "Straight line"
    plain = by_id.loc[str(posted["plain"])]
    assert all(plain[i18n.t(k)] == "" for k in ("col_c_prop_kind", "col_c_prop_towns",
                                                "col_c_prop_people"))
