"""Any two scenarios side by side: the figures of A and B and B − A are the one engine's figures
(checked against a full recompute of each side), by hand on four cells and on the seeded
workshop's scenarios; the difference map's cells add up to the difference of the figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from room import room_fixture
from util import BASE_X, BASE_Y, CRS_6677, cell_at, cell_centre_xy, load_shipped, points_gdf

from geo import access as sc
from geo import grid
from geo.access import comparison as cmp
from geo.access.scenario import Engine
from geo.participation.store import Workshop

room = room_fixture(n_comments=400, with_workshop=True)


def _full(eng: Engine, *, population: pd.Series | None, crs) -> Engine:
    """The same scenario computed from scratch: a new baseline on its facilities and radii."""
    return Engine.baseline(eng.cells, eng.facilities_by_kind(), metric_crs=crs,
                           population=population, radii=eng.radii, mode=eng.mode,
                           network=eng.network)


# --------------------------------------------------------------------------------------------
# By hand: four res-10 cells A, B, C, D about 6 km apart with 100, 200, 300, 400 people; one
# shelter 300 m east of A (radius 500 m). Scenario X adds a shelter at B: A and B covered,
# 300 people. Scenario Y removes the shelter at A and adds shelters at C and D: 700 people.
# Y − X: +400 people, +40 points; C and D gained, A and B lost.
# --------------------------------------------------------------------------------------------


@pytest.fixture()
def hand():
    cells = np.array([cell_at(BASE_X + dx, BASE_Y + dy) for dx, dy in
                      [(0, 0), (6000, 0), (0, 6000), (6000, 6000)]], dtype=np.uint64)
    ax, ay = cell_centre_xy(cells[0])
    pop = pd.Series([100.0, 200.0, 300.0, 400.0], index=pd.Index(cells, name="cell"))
    base = Engine.baseline(cells, {"shelter": points_gdf([(ax + 300, ay)], kind="shelter")},
                           metric_crs=CRS_6677, population=pop)
    ids = grid.to_strings(cells)
    x = base.with_modifications([sc.add("shelter", ids[1], facility="x-b")])
    existing = str(base.facilities("shelter")["id"].iloc[0])
    y = base.with_modifications([sc.remove("shelter", existing),
                                 sc.add("shelter", ids[2], facility="y-c"),
                                 sc.add("shelter", ids[3], facility="y-d")])
    return cells, pop, base, x, y


def test_hand_two_scenarios(hand):
    cells, pop, base, x, y = hand
    f = cmp.pair_figures(x, y).loc["shelter"]
    assert (f["covered_a"], f["covered_b"], f["covered_diff"]) == (300.0, 700.0, 400.0)
    assert f["rate_a"] == pytest.approx(0.3) and f["rate_b"] == pytest.approx(0.7)
    assert f["rate_diff"] == pytest.approx(0.4)
    assert (f["facilities_a"], f["facilities_b"]) == (2, 2)
    assert (f["cells_a"], f["cells_b"], f["cells_diff"]) == (2, 2, 0)
    assert (f["cells_gained"], f["cells_lost"]) == (2, 2)
    cs = cmp.cell_states(x, y, "shelter")
    assert cs["state"].to_dict() == {cells[0]: cmp.LOST, cells[1]: cmp.LOST,
                                     cells[2]: cmp.GAINED, cells[3]: cmp.GAINED}
    assert cs["change"].tolist() == [-100.0, -200.0, 300.0, 400.0]
    assert cs["change"].sum() == f["covered_diff"]
    # swapping A and B turns the difference round; the baseline may be either side
    assert cmp.pair_figures(y, x).loc["shelter", "covered_diff"] == -400.0
    assert cmp.pair_figures(base, y).loc["shelter", "covered_diff"] == 600.0
    kept = cmp.cell_states(base, x, "shelter")
    assert kept["state"].to_dict() == {cells[0]: cmp.KEPT, cells[1]: cmp.GAINED}
    # a kind with no facility on either side has no figure, never 0
    assert cmp.pair_figures(x, y).loc["park", ["status_a", "status_b"]].tolist() == \
        ["no_data", "no_data"]
    assert np.isnan(cmp.pair_figures(x, y).loc["park", "covered_diff"])
    # the same as the figures of each side computed from scratch
    _assert_b_minus_a(x, y, population=pop, crs=CRS_6677)


def test_the_figures_are_the_engines_figures(hand, monkeypatch):
    _, _, _, x, y = hand
    seen = []
    real = Engine.figures

    def spy(self, kinds=None):
        out = real(self, kinds)
        seen.append((self, out))
        return out

    monkeypatch.setattr(Engine, "figures", spy)
    f = cmp.pair_figures(x, y, ["shelter"])
    assert [e for e, _ in seen] == [x, y]
    assert f.loc["shelter", "covered_a"] == seen[0][1].loc["shelter", "covered"]
    assert f.loc["shelter", "covered_b"] == seen[1][1].loc["shelter", "covered"]


def test_engines_of_two_cities_are_refused(hand):
    _, _, _, x, _ = hand
    other = Engine.baseline(x.cells[:2], {}, metric_crs=CRS_6677)
    with pytest.raises(ValueError, match="same cells"):
        cmp.pair_figures(x, other)


def _assert_b_minus_a(a: Engine, b: Engine, *, population, crs) -> None:
    """pair_figures(a, b) equals B − A of the two sides recomputed in full, for every kind;
    the difference map of every kind adds up to its difference of people."""
    fa = _full(a, population=population, crs=crs).figures()
    fb = _full(b, population=population, crs=crs).figures()
    got = cmp.pair_figures(a, b)
    for col, name in (("covered", "covered"), ("rate", "rate"), ("cells_covered", "cells")):
        np.testing.assert_allclose(got[f"{name}_diff"].to_numpy(float),
                                   (fb[col] - fa[col]).to_numpy(float), rtol=0, atol=1e-9)
    assert (got["status_a"] == fa["status"]).all() and (got["status_b"] == fb["status"]).all()
    for kind in got.index[got["status_a"].eq("ok") & got["status_b"].eq("ok")]:
        cs = cmp.cell_states(a, b, kind)
        assert cs["change"].sum() == pytest.approx(got.loc[kind, "covered_diff"], abs=1e-6)


@pytest.fixture(scope="module")
def maebashi():
    return load_shipped("maebashi")


def seeded_pair(room, maebashi) -> tuple[Engine, Engine, list]:
    """Two scenarios of different groups of the seeded workshop, as engines."""
    with room.open() as store:
        ws = Workshop(store)
        summary = room.summary.workshop
        firsts = [ws.scenario(ids[0]) for ids in summary.scenarios_by_group.values() if ids]
    base = Engine.from_bundle(maebashi)
    engines = [base.with_modifications(sc.loads(s.modifications)) for s in firsts[:2]]
    return engines[0], engines[1], firsts[:2]


def test_seeded_workshop_scenarios(room, maebashi):
    a, b, stored = seeded_pair(room, maebashi)
    assert a.mods and b.mods and stored[0].group_id != stored[1].group_id  # not the baseline
    got = cmp.pair_figures(a, b)
    assert (got["covered_diff"].fillna(0) != 0).any()  # the two scenarios do differ
    _assert_b_minus_a(a, b, population=maebashi.population, crs=maebashi.crs)
