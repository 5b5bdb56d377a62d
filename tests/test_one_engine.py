"""One coverage engine: the planner's figures are the scenario engine's figures without
modifications, computed by the same code (spied on), not a second engine agreeing with it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from util import load_shipped

from geo import access
from geo.access import coverage, kpi, scenario
from geo.access.scenario import Engine


@pytest.fixture(scope="module")
def maebashi():
    return load_shipped("maebashi")


@pytest.fixture(scope="module")
def ube():
    return load_shipped("ube")


def _spy(monkeypatch, owner, name):
    """Replace ``owner.name`` by a wrapper recording (args, result) of every call."""
    calls = []
    real = getattr(owner, name)

    def wrapper(*args, **kwargs):
        out = real(*args, **kwargs)
        calls.append((args, out))
        return out

    monkeypatch.setattr(owner, name, wrapper)
    return calls


def test_planner_summary_is_the_engines_figures_object(maebashi, monkeypatch):
    built = _spy(monkeypatch, Engine, "baseline")
    figures = _spy(monkeypatch, Engine, "figures")
    cov = kpi.city_coverage(maebashi, radii={"bus_stop": 500})
    assert len(built) == 1  # one full search: the engine's baseline
    assert len(figures) == 1
    (engine, *_), fig = figures[0]
    assert isinstance(engine, Engine) and engine.mods == []
    # The very frame the engine computed (the factor column put in front), not an equal copy.
    assert cov.summary is fig
    assert list(fig.columns) == ["factor", *scenario.FIGURE_COLUMNS]
    assert engine.radii["bus_stop"] == 500 == cov.radii["bus_stop"]


def test_planner_reuses_a_given_baseline_without_searching_again(maebashi, monkeypatch):
    base = Engine.from_bundle(maebashi)
    built = _spy(monkeypatch, Engine, "baseline")
    figures = _spy(monkeypatch, Engine, "figures")
    a = kpi.city_coverage(maebashi, baseline=base, radii={"shelter": 800})
    b = kpi.city_coverage(maebashi, baseline=base)
    assert built == []  # radii only re-threshold: no search
    assert [call[0][0].radii["shelter"] for call in figures] == [800.0, 500.0]
    assert base.radii["shelter"] == 500.0  # the shared baseline is never modified
    assert a.summary.loc["shelter", "covered"] > b.summary.loc["shelter", "covered"]
    with pytest.raises(ValueError, match="without modifications"):
        kpi.city_coverage(maebashi, baseline=base.with_modifications(
            [access.set_radius("park", 100)]))
    with pytest.raises(ValueError, match="network"):
        kpi.city_coverage(maebashi, mode="network", baseline=base)


def test_distance_tables_come_from_the_engine(maebashi, monkeypatch):
    distances = _spy(monkeypatch, Engine, "distances")
    d = kpi.city_distances(maebashi)
    assert len(distances) == 1 and d is distances[0][1]
    built = _spy(monkeypatch, Engine, "baseline")
    fac = scenario.facilities_by_kind(maebashi.facilities)
    t = coverage.distance_table(maebashi.cells, {"shelter": fac["shelter"]},
                                metric_crs=maebashi.crs)
    assert len(built) == 1 and list(t.columns) == ["shelter"]
    np.testing.assert_array_equal(t["shelter"].to_numpy(), d["shelter"].to_numpy())


def test_a_tables_summary_uses_the_engines_rule(maebashi, monkeypatch):
    # coverage.summary (of a plain table) and Engine.figures share one function object.
    assert coverage.figures_table is scenario.figures_table
    rule = _spy(monkeypatch, scenario, "figures_table")
    monkeypatch.setattr(coverage, "figures_table", scenario.figures_table)
    eng = Engine.from_bundle(maebashi)
    d = eng.distances()
    s = coverage.summary(d, maebashi.population, radii=eng.radii,
                         facility_counts=eng.figures()["facilities"].to_dict())
    assert len(rule) == 2
    pd.testing.assert_frame_equal(s, eng.figures(), check_exact=True)


@pytest.mark.parametrize(("city", "mode"), [("maebashi", "line"), ("ube", "line"),
                                            ("ube", "network")])
def test_planner_and_unmodified_scenario_agree_exactly(city, mode, maebashi, ube):
    b = maebashi if city == "maebashi" else ube
    base = Engine.from_bundle(b, mode=mode)
    scen = base.with_modifications([])  # the workshop's starting point
    cov = kpi.city_coverage(b, mode=mode)
    pd.testing.assert_frame_equal(cov.summary.drop(columns="factor"), scen.figures(),
                                  check_exact=True)
    pd.testing.assert_frame_equal(cov.distances, scen.distances(), check_exact=True)
    # A radius set on the coverage page and the same radius as a workshop modification give
    # the same figures.
    kind = "shelter"
    moved = base.with_modifications([access.set_radius(kind, 650)])
    pd.testing.assert_frame_equal(kpi.city_coverage(b, mode=mode, radii={kind: 650},
                                                    baseline=base).summary.drop(columns="factor"),
                                  moved.figures(), check_exact=True)


def test_maebashi_figures_match_a_plain_count(maebashi):
    # Independent of the engine's code: people whose cell centre is within the radius.
    cov = kpi.city_coverage(maebashi)
    pop = maebashi.population.reindex(cov.distances.index).fillna(0.0)
    for kind in ["bus_stop", "elementary_school", "park", "shelter"]:
        inside = cov.distances[kind] <= cov.radii[kind]
        assert cov.summary.loc[kind, "covered"] == pytest.approx(float(pop[inside].sum()),
                                                                 rel=1e-12)
        assert cov.summary.loc[kind, "cells_covered"] == int(inside.sum())
