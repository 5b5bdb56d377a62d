"""Proposals: a facility proposed with an idea, its figures (hand-worked on the tiny city and
equal to a full recompute with the facility added), and its life in the store on both
databases (stored with its comment, hidden and deleted with it, purged, ordered)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import geopandas as gpd
import pandas as pd
import pytest
from store_fixtures import TEST_CELL, Target, comment_args
from util import BASE_X, BASE_Y, cell_at, cell_centre_xy, make_tiny_city

from geo import access as sc
from geo import fmt, grid
from geo.build.build import build
from geo.ingest import bundle
from geo.participation import minutes_text as words
from geo.participation import proposals as pr
from geo.participation.framework import FRAMEWORK
from geo.participation.store import (
    PROPOSAL_KINDS,
    FactorMove,
    InvalidInput,
    ProposalDraft,
    ProposalFigures,
    TownGain,
    facility_cell,
)

# --------------------------------------------------------------------------------------------
# The tiny city (tests/util.py): a 2 km square of three towns, 西町 T1 (the south-west
# quarter, 1,200 people), 東町 T2 (the south-east quarter, 800) and 北町 T3 (the north half,
# nobody), each spread evenly over its area; one bus stop (45 departures a day, so also a
# frequent one) at the centre. A bus stop (300 m) proposed at a pin about 500 m south-west of
# the centre reaches only cells that lie wholly in 西町, away from the existing stop's 300 m.
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> bundle.CityBundle:
    data = tmp_path_factory.mktemp("tiny")
    make_tiny_city(data, populations=("1,200", 800, 0))
    build("tiny", data_dir=data)
    return bundle.load("tiny", data_dir=data)


@pytest.fixture(scope="module")
def pin() -> str:
    """The res-9 pin a citizen chose, about 500 m south-west of the centre."""
    return grid.string_of_cell(cell_at(BASE_X - 500, BASE_Y - 500, 9))


def names(b: bundle.CityBundle) -> dict[str, str]:
    return dict(zip(b.towns["town_code"], b.towns["name"], strict=True))


def test_the_facility_stands_at_the_centre_of_the_pin(pin: str) -> None:
    cell = facility_cell(pin)
    assert grid.resolution_of_string(cell) == 10
    assert grid.parent_string(cell, 9) == pin
    assert facility_cell(cell) == cell  # a res-10 pin is its own facility cell
    assert "bus_stop_frequent" not in PROPOSAL_KINDS and "bus_stop" in PROPOSAL_KINDS


def test_hand_worked_figures_of_a_bus_stop(tiny: bundle.CityBundle, pin: str) -> None:
    base = sc.Engine.from_bundle(tiny)
    cell = facility_cell(pin)
    f = pr.proposal_figures(base, "bus_stop", cell, pieces=tiny.pieces, town_names=names(tiny))
    # where it stands, in metres from the centre: the 300 m disk and the cells reaching into
    # it (a res-10 cell is about 76 m from centre to corner) stay inside 西町 [-1000, 0]²
    x, y = cell_centre_xy(grid.cell_of_string(cell))
    dx, dy = x - BASE_X, y - BASE_Y
    assert -1000 + 380 < dx < -380 and -1000 + 380 < dy < -380
    assert math.hypot(dx, dy) > 300 + 300  # the existing stop's disk is apart
    # the cells whose centre is within 300 m of it: 19 of them, each wholly in 西町, where
    # 1,200 people live on 1 km², so each holds 1,200 × its area in km²
    near = [h for h, (cx, cy) in zip(grid.to_strings(tiny.cells),
                                     map(cell_centre_xy, tiny.cells), strict=True)
            if math.hypot(cx - x, cy - y) <= 300]
    assert f.cells_gained == len(near) == 19
    by_hand = 1200 * sum(grid.area_km2(h) for h in near)
    assert f.people_gained == round(by_hand) == 312
    # ... which is about the 300 m disk's share of 西町: 1,200 × π × 0.3² = 339 people
    assert f.people_gained == pytest.approx(1200 * math.pi * 0.3**2, rel=0.1)
    assert f.towns == (TownGain("T1", "西町", 312),)
    # the city rate: the centre stop's people (its cells in 西町 and 東町) of 2,000, then
    # those and the new ones
    covered = float(tiny.population[base.covered("bus_stop")].sum())
    assert f.rate_before == pytest.approx(covered / 2000)
    # (the bundle spreads a town by area in the city's plane CRS, H3 measures on the sphere)
    assert f.rate_after == pytest.approx((covered + by_hand) / 2000, rel=1e-3)
    assert f.rate_before == pytest.approx(0.0683, abs=5e-5)
    assert f.rate_after == pytest.approx(0.2242, abs=5e-5)
    # mobility's objective side is the mean rate of its kinds with data (bus stop and frequent
    # bus stop; no station here): only the plain bus stop moves
    (move,) = f.factors
    assert move.factor == "mobility"
    assert move.before == pytest.approx(f.rate_before)
    assert move.after == pytest.approx((f.rate_after + f.rate_before) / 2)


def full_recompute(b: bundle.CityBundle, kind: str, cell: str) -> tuple[sc.Engine, sc.Engine]:
    """A fresh baseline of the bundle, and a fresh engine of its facilities plus one of
    ``kind`` at the centre of ``cell``: nothing shared with the engine that made the figures."""
    fac = sc.facilities_by_kind(b.facilities)
    lon, lat = sc.cell_centre(cell)
    new = gpd.GeoDataFrame({"name": ["proposed"], "kind": [kind]},
                           geometry=gpd.points_from_xy([lon], [lat]), crs="EPSG:4326")
    added = dict(fac) | {kind: pd.concat([fac[kind], new], ignore_index=True)}
    make = lambda f: sc.Engine.baseline(b.cells, f, metric_crs=b.crs,  # noqa: E731
                                        population=b.population)
    return make(fac), make(added)


@pytest.mark.parametrize("kind", ["bus_stop", "shelter", "park"])
def test_stored_figures_equal_a_full_recompute_with_the_facility_added(
        tiny: bundle.CityBundle, pin: str, target: Target, kind: str) -> None:
    base = sc.Engine.from_bundle(tiny)
    cell = facility_cell(pin)
    figures = pr.proposal_figures(base, kind, cell, pieces=tiny.pieces,
                                  town_names=names(tiny))
    store = target.open(rate_limit=None)
    try:
        r = store.post_comment(**comment_args(
            cell=pin, kind="idea", city="tiny",
            proposal=pr.draft(kind, pin, "line", figures)))
        stored = store.proposal(r.comment_id)
    finally:
        store.close()
    assert stored is not None and stored.figures is not None
    assert (stored.kind, stored.cell, stored.mode) == (kind, cell, "line")
    got = stored.figures
    # the baseline with the facility added as a workshop scenario does ...
    scen = sc.Engine.from_bundle(tiny).with_modifications([sc.add(kind, cell)])
    c = sc.compare(base, scen).loc[kind]
    assert got.people_gained == round(c["covered_change"])
    assert got.cells_gained == c["cells_gained"] and c["cells_lost"] == 0
    # ... and a fresh engine of the city's facilities with it among them
    before, after = full_recompute(tiny, kind, cell)
    f0, f1 = before.figures([kind]).loc[kind], after.figures([kind]).loc[kind]
    assert got.people_gained == round(f1["covered"] - f0["covered"])
    assert got.rate_before == pytest.approx(f0["rate"], abs=1e-12)
    assert got.rate_after == pytest.approx(f1["rate"], abs=1e-12)
    gained = after.covered(kind) & ~before.covered(kind)
    assert got.cells_gained == int(gained.sum())
    pieces = tiny.pieces[tiny.pieces["cell"].isin(tiny.cells[gained])]
    per_town = pieces.groupby("town_code")["value"].sum()
    whole = dict(zip(per_town.index, fmt.round_total(per_town.tolist()), strict=True))
    assert {t.code: t.people for t in got.towns} == {c: n for c, n in whole.items() if n}
    assert sum(t.people for t in got.towns) == got.people_gained
    s0 = sc.factor_scores(before, FRAMEWORK.kinds)
    s1 = sc.factor_scores(after, FRAMEWORK.kinds)
    moved = {k for k in s0.index if abs(s1[k] - s0[k]) > 1e-9}
    assert {m.factor for m in got.factors} == moved and moved
    for m in got.factors:
        assert m.before == pytest.approx(s0[m.factor], abs=1e-12)
        assert m.after == pytest.approx(s1[m.factor], abs=1e-12)


def test_a_kind_without_data_has_no_figures(tiny: bundle.CityBundle, pin: str) -> None:
    base = sc.Engine.from_bundle(tiny)
    with pytest.raises(pr.ProposalError) as err:
        pr.proposal_figures(base, "medical", facility_cell(pin))
    assert "データがない" in err.value.text("ja") and "no data" in err.value.text("en")
    with pytest.raises(pr.ProposalError):
        pr.proposal_figures(base, "bus_stop_frequent", facility_cell(pin))


def test_a_city_without_population_counts_cells(tiny: bundle.CityBundle, pin: str) -> None:
    base = sc.Engine.baseline(tiny.cells, sc.facilities_by_kind(tiny.facilities),
                              metric_crs=tiny.crs)
    f = pr.proposal_figures(base, "bus_stop", facility_cell(pin), pieces=tiny.pieces)
    assert f.cells_gained == 19 and f.people_gained is None
    assert f.rate_before is None and f.towns == () and f.factors == ()


def test_pulling_a_proposal_names_it_as_the_source(pin: str) -> None:
    m = pr.pull(12, "bus_stop", facility_cell(pin), name="提案 #12")
    assert (m.op, m.source, m.facility, m.name) == ("add", "proposal:12", "proposal-12",
                                                     "提案 #12")
    again = sc.loads(sc.dumps([m]))[0]
    assert again == m and sc.proposal_id(again) == 12
    assert sc.proposal_id(sc.add("bus_stop", facility_cell(pin))) is None
    with pytest.raises(sc.ScenarioError):
        sc.Modification.from_dict({**m.to_dict(), "source": "https://example.com"})


def test_the_minutes_name_a_proposal() -> None:
    from geo.participation.store import Comment, Proposal

    comment = Comment(id=12, parent_id=None, created_at=datetime(2026, 11, 1, tzinfo=UTC),
                      city="maebashi", cell="892e74145a7ffff", resolution=9, town_code=None,
                      factor="mobility", kind="idea", text="駅前に<b>バス停</b>を",
                      nickname=None, status="visible", scenario_id=None, plus_ones=1234,
                      replies=0)
    p = Proposal(comment=comment, kind="bus_stop", cell="8a2e74145a47fff", mode="line",
                 figures=ProposalFigures(cells_gained=19, people_gained=1234,
                                         rate_before=0.323, rate_after=0.3268))
    ja = words.proposal_line(12, p, place={"8a2e74145a47fff": "千代田町二丁目"}, lang="ja")
    assert ja == ("提案 #12 バス停(千代田町二丁目周辺): 徒歩圏に新たに入る人 1,234人、"
                  "バス停の徒歩圏カバー率 32.3% → 32.7%(+0.4ポイント)、+1 1,234件 — "
                  "「駅前に<b>バス停</b>を」")  # the template escapes it
    en = words.proposal_line(12, p, lang="en")
    assert en.startswith("Proposal #12, bus stop in the city: 1,234 more people within "
                         "walking distance; bus stop coverage 32.3% → 32.7% (+0.4 points)")
    assert words.proposal_line(12, None, lang="ja").startswith("提案 #12 (投稿は非表示")


# -- the store, on both databases ------------------------------------------------------------

FIGURES = ProposalFigures(cells_gained=19, people_gained=312, rate_before=0.0683,
                          rate_after=0.2242, towns=(TownGain("T1", "西町", 312),),
                          factors=(FactorMove("mobility", 0.0683, 0.1463),))


def proposal(figures: ProposalFigures | None = FIGURES, *, kind: str = "bus_stop",
             cell: str = TEST_CELL) -> ProposalDraft:
    return pr.draft(kind, cell, "line", figures)


def idea(**extra: object) -> dict[str, object]:
    return comment_args(kind="idea", proposal=proposal(), **extra)


@pytest.fixture
def store(target: Target):
    s = target.open(rate_limit=None)
    yield s
    s.close()


def count(target: Target) -> int:
    return int(target.raw("SELECT COUNT(*) FROM comment_proposals")[0][0])


def test_a_proposal_is_stored_with_its_comment(store, target: Target) -> None:
    args = idea()
    r = store.post_comment(**args)
    p = store.proposal(r.comment_id)
    assert p is not None and p.id == r.comment_id and p.comment.text == args["text"]
    assert p.figures == FIGURES and p.cell == facility_cell(TEST_CELL)
    again = store.post_comment(**args)  # a retry stores neither again
    assert again.comment_id == r.comment_id and not again.created and count(target) == 1
    # no coordinates anywhere: the facility's cell is the pin's centre child
    [(cell,)] = target.raw("SELECT facility_cell FROM comment_proposals")
    assert cell == grid.at_resolution(TEST_CELL, 10)


def test_figures_that_could_not_be_computed_keep_the_proposal(store) -> None:
    r = store.post_comment(**comment_args(kind="idea", proposal=proposal(None)))
    p = store.proposal(r.comment_id)
    assert p is not None and p.figures is None and p.kind == "bus_stop"


@pytest.mark.parametrize("bad", [
    {"kind": "concern"},
    {"proposal": proposal(kind="bus_stop_frequent")},
    {"proposal": ProposalDraft("bus_stop", grid.grid_ring(TEST_CELL, 1)[0], "line", None)},
    {"proposal": ProposalDraft("bus_stop", facility_cell(TEST_CELL), "drive", None)},
    {"proposal": proposal(ProposalFigures(cells_gained=-1, people_gained=0, rate_before=0.1,
                                          rate_after=0.2))},
    {"proposal": proposal(ProposalFigures(cells_gained=1, people_gained=0, rate_before=0.1,
                                          rate_after=1.5))},
    {"proposal": proposal(ProposalFigures(cells_gained=1, people_gained=1, rate_before=0.1,
                                          rate_after=0.2,
                                          factors=(FactorMove("nope", 0.1, 0.2),)))},
])
def test_a_bad_proposal_stores_nothing(store, target: Target, bad: dict) -> None:
    with pytest.raises(InvalidInput):
        store.post_comment(**{**idea(), **bad})
    assert target.raw("SELECT COUNT(*) FROM comments")[0][0] == 0 and count(target) == 0


def test_a_reply_carries_no_proposal(store) -> None:
    parent = store.post_comment(**idea())
    with pytest.raises(InvalidInput):
        store.post_comment(**idea(parent_id=parent.comment_id))


def test_hidden_with_its_comment_and_back_when_restored(store) -> None:
    r = store.post_comment(**idea())
    store.moderate(comment_id=r.comment_id, action="hide", moderator="m", reason="r")
    assert store.proposal(r.comment_id) is None
    assert store.proposals(city=r_city()) == [] and store.count_proposals(city=r_city()) == 0
    assert store.proposal(r.comment_id, include_hidden=True) is not None  # moderators
    store.moderate(comment_id=r.comment_id, action="restore", moderator="m", reason="r")
    assert [p.id for p in store.proposals(city=r_city())] == [r.comment_id]


def r_city() -> str:
    return str(comment_args()["city"])


@pytest.mark.parametrize("how", ["token", "moderator"])
def test_deleted_with_its_comment_and_audited(store, target: Target, how: str) -> None:
    r = store.post_comment(**idea())
    if how == "token":
        assert store.delete_by_token(comment_id=r.comment_id, token=r.edit_token)
    else:
        store.moderate(comment_id=r.comment_id, action="delete", moderator="m", reason="r")
    assert count(target) == 0
    assert store.proposal(r.comment_id, include_hidden=True) is None
    assert [a.action for a in store.audit_log(comment_id=r.comment_id)] == [
        "delete_by_token" if how == "token" else "delete"]


def test_purged_with_its_comment(store, target: Target) -> None:
    old = store.post_comment(**idea(now=datetime.now(UTC) - timedelta(days=400)))
    new = store.post_comment(**idea())
    assert store.purge_expired(retention_days=365) == 1
    assert [int(r[0]) for r in target.raw("SELECT comment_id FROM comment_proposals")] == [
        new.comment_id]
    assert store.proposal(old.comment_id, include_hidden=True) is None


def test_the_list_is_ordered_by_people_gained(store) -> None:
    def post(people: int | None, cells: int, plus: int = 0) -> int:
        f = ProposalFigures(cells_gained=cells, people_gained=people, rate_before=None,
                            rate_after=None)
        r = store.post_comment(**comment_args(kind="idea", proposal=proposal(f)))
        for k in range(plus):
            store.plus_one(comment_id=r.comment_id, session_id=f"fan-{r.comment_id}-{k}")
        return r.comment_id

    small, none, big, tie_more_plus, cells_only = (
        post(10, 3), store.post_comment(**comment_args(
            kind="idea", proposal=proposal(None))).comment_id,
        post(500, 20), post(10, 3, plus=2), post(None, 40))
    listed = [p.id for p in store.proposals(city=r_city())]
    assert listed == [big, tie_more_plus, small, cells_only, none]
    assert [p.id for p in store.proposals(city=r_city(), limit=2, offset=1)] == [
        tie_more_plus, small]
    assert store.count_proposals(city=r_city()) == 5
    assert store.proposals(city="99999") == []


def test_migration_10_is_recorded(target: Target, store) -> None:
    names = dict(target.raw("SELECT version, name FROM schema_migrations"))
    assert "proposed with an idea" in names[10]
