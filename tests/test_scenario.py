"""Scenarios: hand-worked edits, and incremental recompute == full recompute on random edits."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from util import BASE_X, BASE_Y, CRS_6677, cell_at, cell_centre_xy, load_shipped, points_gdf

from geo import access as sc
from geo import grid
from geo.access import coverage

EMPTY = gpd.GeoDataFrame({"name": [], "kind": []}, geometry=[], crs="EPSG:4326")


# --------------------------------------------------------------------------------------------
# A hand-worked layout: four res-10 cells A, B, C, D about 6 km apart, population
# 100, 200, 300, 400. One shelter 300 m east of A (radius 500 m: only A covered, 10 %).
# --------------------------------------------------------------------------------------------


@pytest.fixture()
def hand():
    cells = np.array([cell_at(BASE_X + dx, BASE_Y + dy) for dx, dy in
                      [(0, 0), (6000, 0), (0, 6000), (6000, 6000)]], dtype=np.uint64)
    ax, ay = cell_centre_xy(cells[0])
    fac = {"shelter": points_gdf([(ax + 300, ay)], kind="shelter"), "park": EMPTY}
    pop = pd.Series([100.0, 200.0, 300.0, 400.0], index=pd.Index(cells, name="cell"))
    eng = sc.Engine.baseline(cells, fac, metric_crs=CRS_6677, population=pop)
    return cells, eng


def test_hand_baseline_figures(hand):
    _, eng = hand
    f = eng.figures()
    assert f.loc["shelter", "covered"] == 100.0
    assert f.loc["shelter", "rate"] == pytest.approx(0.1)
    assert f.loc["shelter", "facilities"] == 1
    assert eng.distance("shelter")[0] == pytest.approx(300.0, abs=1e-6)
    assert f.loc["park", "status"] == "no_data"


def test_hand_add_move_remove_radius(hand):
    cells, base = hand
    s = base.copy()
    b_cell = grid.to_strings(cells[1:2])[0]
    ch = s.apply(sc.add("shelter", b_cell, facility="new-b"))
    assert ch.gained.tolist() == [1] and ch.lost.tolist() == []
    assert ch.cells.tolist() == [1]  # A, C, D are farther from B's centre than 3 km
    assert s.figures().loc["shelter", "covered"] == 300.0
    assert s.distance("shelter")[1] == 0.0
    # baseline untouched (copy on write)
    assert base.figures().loc["shelter", "covered"] == 100.0
    # move the new shelter to D: B loses, D gains
    d_cell = grid.to_strings(cells[3:4])[0]
    ch = s.apply(sc.move("shelter", "new-b", d_cell))
    assert sorted(ch.gained.tolist()) == [3] and ch.lost.tolist() == [1]
    assert s.figures().loc["shelter", "covered"] == 500.0
    # remove the existing shelter at A
    ch = s.apply(sc.remove("shelter", s.facilities("shelter")["id"].iloc[0]))
    assert ch.lost.tolist() == [0]
    assert s.figures().loc["shelter", "covered"] == 400.0
    assert s.figures().loc["shelter", "rate"] == pytest.approx(0.4)
    # radius change re-thresholds: 0 m still covers D's own centre
    s.apply(sc.set_radius("shelter", 1))
    assert s.figures().loc["shelter", "covered"] == 400.0
    with pytest.raises(sc.ScenarioError):
        s.apply(sc.remove("shelter", "no-such"))
    with pytest.raises(sc.ScenarioError):
        s.apply(sc.add("shelter", d_cell, facility="new-b"))


def test_radius_change_rethresholds(hand):
    _, base = hand
    s = base.copy()
    ch = s.apply(sc.set_radius("shelter", 250))
    assert ch.lost.tolist() == [0]
    assert s.figures().loc["shelter", "covered"] == 0.0


def test_modifications_round_trip_and_validation():
    mods = [sc.add("bus_stop", "8a2f5a363a07fff", facility="new-1", name="<b>x</b>"),
            sc.move("park", "park:3", "8a2f5a363a07fff"), sc.remove("shelter", "shelter:0"),
            sc.set_radius("bus_stop", 400)]
    assert sc.loads(sc.dumps(mods)) == mods
    for bad in [{"op": "explode", "kind": "park"}, {"op": "add", "kind": "castle"},
                {"op": "add", "kind": "park", "facility": "x", "cell": "nope"},
                {"op": "radius", "kind": "park", "radius_m": 0},
                {"op": "radius", "kind": "park", "radius_m": 10_000}]:
        with pytest.raises(sc.ScenarioError):
            sc.Modification.from_dict(bad)
    gj = sc.modifications_geojson(mods, properties={"group": "A"})
    assert gj["features"][0]["geometry"]["type"] == "Point"
    assert gj["features"][2]["geometry"] is None
    assert gj["features"][0]["properties"]["group"] == "A"


# --------------------------------------------------------------------------------------------
# Property: after any sequence of add / move / remove / radius edits the incremental state
# equals a full recompute (distance_table on the scenario's facilities, and a fresh engine).
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def maebashi():
    b = load_shipped("maebashi")
    return b, sc.Engine.from_bundle(b, mode="line")


@pytest.fixture(scope="module")
def ube_network():
    b = load_shipped("ube")
    return b, sc.Engine.from_bundle(b, mode="network")


edit = st.tuples(st.sampled_from(["add", "add", "move", "remove", "radius"]),
                 st.integers(0, 1), st.integers(0, 10**6), st.integers(0, 10**6),
                 st.sampled_from([100.0, 300.0, 500.0, 800.0, 1200.0]))


def _run(base: sc.Engine, kinds: list[str], edits) -> sc.Engine:
    s = base.copy()
    cells = grid.to_strings(base.cells)
    for op, ki, a, b, r in edits:
        kind = kinds[ki]
        ids = s.facilities(kind)["id"].tolist()
        if op == "add":
            s.apply(sc.add(kind, cells[a % len(cells)]))
        elif op == "radius":
            s.apply(sc.set_radius(kind, r))
        elif ids:
            fid = ids[b % len(ids)]
            if op == "move":
                s.apply(sc.move(kind, fid, cells[a % len(cells)]))
            else:
                s.apply(sc.remove(kind, fid))
    return s


def _assert_same_as_full(bundle, s: sc.Engine, mode: str) -> None:
    full = coverage.distance_table(bundle.cells, s.facilities_by_kind(), metric_crs=bundle.crs,
                                   mode=mode, network=bundle.network)
    np.testing.assert_array_equal(s.distances().to_numpy(), full.to_numpy())
    fresh = sc.Engine.baseline(bundle.cells, s.facilities_by_kind(), metric_crs=bundle.crs,
                               population=bundle.population, radii=s.radii, mode=mode,
                               network=bundle.network)
    pd.testing.assert_frame_equal(s.figures(), fresh.figures())
    if bundle.population is not None:
        ref = coverage.summary(full, bundle.population, radii=s.radii)
        np.testing.assert_allclose(s.figures()["covered"].to_numpy(float),
                                   ref["covered"].to_numpy(float), rtol=1e-12)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(edit, min_size=1, max_size=12))
def test_incremental_equals_full_line(maebashi, edits):
    b, base = maebashi
    s = _run(base, ["bus_stop", "elementary_school"], edits)
    _assert_same_as_full(b, s, "line")


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(edit, min_size=1, max_size=10))
def test_incremental_equals_full_network(ube_network, edits):
    b, base = ube_network
    s = _run(base, ["shelter", "junior_high_school"], edits)
    _assert_same_as_full(b, s, "network")


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(adds=st.lists(st.tuples(st.integers(0, 1), st.integers(0, 10**6)), min_size=1,
                     max_size=8),
       order=st.randoms(use_true_random=False), network=st.booleans())
def test_removing_what_was_added_returns_the_baseline(maebashi, ube_network, adds, order,
                                                      network):
    _, base = ube_network if network else maebashi
    kinds = ["shelter", "park"]
    cells = grid.to_strings(base.cells)
    s = base.copy()
    added = []
    for ki, c in adds:
        m = sc.add(kinds[ki], cells[c % len(cells)])
        s.apply(m)
        added.append(m)
    order.shuffle(added)
    for m in added:
        s.apply(sc.remove(m.kind, m.facility))
    np.testing.assert_array_equal(s.distances().to_numpy(), base.distances().to_numpy())
    pd.testing.assert_frame_equal(s.figures(), base.figures())


def test_two_scenarios_from_one_baseline_do_not_interfere(maebashi):
    b, base = maebashi
    before = base.figures()
    cells = grid.to_strings(b.cells)
    g1, g2 = base.copy(), base.copy()
    g1.apply(sc.add("bus_stop", cells[100]))
    for fid in g2.facilities("bus_stop")["id"].iloc[1:]:
        g2.apply(sc.remove("bus_stop", fid))
    f1, f2 = g1.figures(), g2.figures()
    assert f1.loc["bus_stop", "covered"] > before.loc["bus_stop", "covered"]
    assert f2.loc["bus_stop", "covered"] < before.loc["bus_stop", "covered"]
    assert f1.loc["bus_stop", "facilities"] == before.loc["bus_stop", "facilities"] + 1
    assert f2.loc["bus_stop", "facilities"] == 1
    pd.testing.assert_frame_equal(base.figures(), before)


def test_compare_and_factor_scores(maebashi):
    b, base = maebashi
    s = base.copy()
    # a bus stop where the most uncovered people live
    fig0 = base.figures().loc["bus_stop"]
    unc = b.population.reindex(pd.Index(b.cells)).fillna(0).to_numpy() * ~base.covered("bus_stop")
    cell = grid.to_strings(b.cells[[int(np.argmax(unc))]])[0]
    ch = s.apply(sc.add("bus_stop", cell))
    cmp = sc.compare(base, s)
    assert cmp.loc["bus_stop", "covered_change"] > 0
    assert cmp.loc["bus_stop", "cells_gained"] == len(ch.gained) > 0
    assert cmp.loc["bus_stop", "cells_lost"] == 0
    assert cmp.loc["bus_stop", "rate_before"] == pytest.approx(fig0["rate"])
    assert cmp.loc["shelter", "covered_change"] == 0
    diff = sc.cell_change(base, s, "bus_stop")
    assert int((diff == 1).sum()) == len(ch.gained)
    scores0 = sc.factor_scores(base, {"mobility": ["bus_stop"], "none": ["station"]})
    scores1 = sc.factor_scores(s, {"mobility": ["bus_stop"], "none": ["station"]})
    assert list(scores0.index) == ["mobility"]
    assert scores1["mobility"] > scores0["mobility"]


# --------------------------------------------------------------------------------------------
# Site suggestions (greedy maximal covering)
# --------------------------------------------------------------------------------------------


def test_suggestions_hand(hand):
    from geo.access import siting

    cells, base = hand
    top = siting.suggest(base, "shelter", n=5)
    # uncovered: B 200, C 300, D 400, 6 km apart, so one site each, largest first
    assert top["new_covered"].tolist() == [400.0, 300.0, 200.0]
    assert top["cell"].tolist() == list(grid.to_strings(cells[[3, 2, 1]]))
    assert top["cumulative"].iloc[-1] == 900.0


def test_suggestions_add_what_they_promise(maebashi):
    from geo.access import siting

    _, base = maebashi
    top = siting.suggest(base, "bus_stop", n=3)
    assert len(top) == 3 and top["new_covered"].is_monotonic_decreasing
    s = base.copy()
    before = s.figures().loc["bus_stop", "covered"]
    for cell in top["cell"]:
        s.apply(sc.add("bus_stop", cell))
    after = s.figures().loc["bus_stop", "covered"]
    assert after - before == pytest.approx(top["cumulative"].iloc[-1], rel=1e-9)
