"""Walking coverage: hand-worked straight-line cases, monotonicity, 800 m on the ground."""

from __future__ import annotations

import itertools
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod, Transformer
from util import (
    BASE_X,
    BASE_Y,
    CRS_6677,
    MAEBASHI_POPULATION,
    cell_at,
    cell_centre_xy,
    load_shipped,
    points_gdf,
    to_lonlat,
)

from geo import grid, kinds
from geo.access import coverage
from geo.access.kpi import city_coverage, city_distances
from geo.access.scenario import Engine, facilities_by_kind
from geo.grid.crs import japan_zone_crs, metric_crs

EMPTY = gpd.GeoDataFrame({"name": [], "kind": []}, geometry=[], crs="EPSG:4326")


@pytest.fixture(scope="module")
def maebashi():
    return load_shipped("maebashi")


@pytest.fixture(scope="module")
def maebashi_engine(maebashi):
    """The coverage engine's baseline of Maebashi (straight line), reused across radii."""
    return Engine.from_bundle(maebashi)


@pytest.fixture(scope="module")
def maebashi_line(maebashi):
    """Straight-line distance table of Maebashi (search radius 3 km)."""
    return city_distances(maebashi)


@pytest.fixture(scope="module")
def maebashi_far(maebashi):
    """Straight-line distances of Maebashi with no practical search limit (50 km)."""
    return city_distances(maebashi, max_distance=50_000)


# --------------------------------------------------------------------------------------------
# (a) A hand-worked straight-line layout
#
# Four res-10 population cells A, B, C, D about 6 km apart (so each is only near its own
# facilities). Facilities are placed at exact metric offsets from each cell's centre:
#   shelter: A +(300, 0) → 300 m; B +(300, 400) → 500 m; C +(0, −810) → 810 m;
#            D +(−720, 960) → 1200 m
#   park:    A +(600, 0) and A +(0, −450) → 450 m (the nearer one); B, C, D > 3 km → inf
#   station: none → no data
# Population A 100, B 200, C 300, D 400 (total 1000).
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hand():
    cells = np.array([cell_at(BASE_X + dx, BASE_Y + dy) for dx, dy in
                      [(0, 0), (6000, 0), (0, 6000), (6000, 6000)]], dtype=np.uint64)
    (ax, ay), (bx, by), (cx, cy), (dx, dy) = (cell_centre_xy(c) for c in cells)
    shelters = points_gdf([(ax + 300, ay), (bx + 300, by + 400), (cx, cy - 810),
                           (dx - 720, dy + 960)], kind="shelter")
    parks = points_gdf([(ax + 600, ay), (ax, ay - 450)], kind="park")
    fac = {"station": EMPTY, "shelter": shelters, "park": parks}
    d = coverage.distance_table(cells, fac, metric_crs=CRS_6677, mode="line")
    pop = pd.Series([100.0, 200.0, 300.0, 400.0], index=pd.Index(cells, name="cell"))
    return cells, d, pop


def test_hand_straight_line_distances_are_exact(hand):
    cells, d, _ = hand
    assert list(d.columns) == ["station", "shelter", "park"]
    assert list(d.index) == list(cells)
    assert d["shelter"].to_numpy() == pytest.approx([300.0, 500.0, 810.0, 1200.0], abs=1e-6)
    assert d["park"].iloc[0] == pytest.approx(450.0, abs=1e-6)
    assert np.isinf(d["park"].iloc[1:]).all()  # the nearest park is > 3 km away
    assert d["station"].isna().all()  # no stations: no data, not "far"


@pytest.mark.parametrize(
    ("radius", "covered"),
    [(250, 0.0), (300, 100.0), (499, 100.0), (501, 300.0), (800, 300.0), (1000, 600.0),
     (1250, 1000.0)],
)
def test_hand_straight_line_covered_population_and_rate(hand, radius, covered):
    _, d, pop = hand
    radii = {"station": 800, "shelter": radius, "park": 800}
    s = coverage.summary(d, pop, radii=radii, facility_counts={"shelter": 4, "park": 2})
    row = s.loc["shelter"]
    assert row["status"] == "ok"
    assert row["population"] == 1000.0
    assert row["covered"] == pytest.approx(covered, abs=1e-9)
    assert row["uncovered"] == pytest.approx(1000.0 - covered, abs=1e-9)
    assert row["rate"] == pytest.approx(covered / 1000.0, abs=1e-12)
    assert row["facilities"] == 4
    assert row["radius_m"] == float(radius)
    park = s.loc["park"]
    assert park["covered"] == 100.0  # only A's park (450 m) is within 800 m
    assert park["rate"] == pytest.approx(0.1)
    assert park["cells_covered_share"] == 0.25
    assert s.loc["station", "status"] == "no_data"
    assert math.isnan(s.loc["station", "rate"])


def test_hand_by_zone_splits_cells_between_towns(hand):
    cells, d, _ = hand
    a, b, c, dd = cells
    # D's 400 people are split between towns T2 (150) and T3 (250).
    pieces = pd.DataFrame({
        "zone": ["T1", "T1", "T2", "T2", "T3"],
        "cell": np.array([a, b, c, dd, dd], dtype=np.uint64),
        "value": [100.0, 200.0, 300.0, 150.0, 250.0],
    })
    z = coverage.by_zone(d, pieces, radii={"station": 800, "shelter": 1000, "park": 800})
    assert z["population"].to_dict() == {"T1": 300.0, "T2": 450.0, "T3": 250.0}
    assert z["covered_shelter"].to_dict() == {"T1": 300.0, "T2": 300.0, "T3": 0.0}
    assert z["uncovered_shelter"].to_dict() == {"T1": 0.0, "T2": 150.0, "T3": 250.0}
    assert z.loc["T2", "rate_shelter"] == pytest.approx(2 / 3)
    assert z["covered_park"].to_dict() == {"T1": 100.0, "T2": 0.0, "T3": 0.0}
    assert z["covered_station"].isna().all()
    assert z["rate_station"].isna().all()


def test_covered_is_inclusive_and_keeps_no_data():
    d = pd.DataFrame({"a": [799.999, 800.0, 800.001, np.inf], "b": [np.nan] * 4})
    c = coverage.covered(d, {"a": 800, "b": 800})
    assert c["a"].tolist() == [1.0, 1.0, 0.0, 0.0]
    assert c["b"].isna().all()


# --------------------------------------------------------------------------------------------
# 800 m is 800 m on the ground
# --------------------------------------------------------------------------------------------

GEOD = Geod(ellps="GRS80")


@pytest.mark.parametrize("azimuth", [0.0, 45.0, 90.0, 200.0])
def test_800_m_on_the_ground_through_the_real_code_path(azimuth):
    # A res-15 cell (~1 m²) at Maebashi city hall; measure from its centre.
    cell = grid.points_to_cells([139.0634], [36.3895], 15)
    lon0, lat0 = grid.centroids(cell)
    near = GEOD.fwd(lon0[0], lat0[0], azimuth, 799.0)
    far = GEOD.fwd(lon0[0], lat0[0], azimuth, 801.0)
    fac = {
        "station": gpd.GeoDataFrame({"name": ["799 m"]},
                                    geometry=gpd.points_from_xy([near[0]], [near[1]]),
                                    crs="EPSG:4326"),
        "bus_stop": gpd.GeoDataFrame({"name": ["801 m"]},
                                     geometry=gpd.points_from_xy([far[0]], [far[1]]),
                                     crs="EPSG:4326"),
    }
    crs = metric_crs(prefecture=10, lon=139.0634, lat=36.3895)
    d = coverage.distance_table(cell, fac, metric_crs=crs, mode="line")
    # Zone IX's scale factor near Maebashi is 0.99996: 800 m reads as 799.97 m.
    assert d["station"].iloc[0] == pytest.approx(799.0, abs=0.1)
    assert d["bus_stop"].iloc[0] == pytest.approx(801.0, abs=0.1)
    c = coverage.covered(d, {"station": 800.0, "bus_stop": 800.0})
    assert c["station"].iloc[0] == 1.0
    assert c["bus_stop"].iloc[0] == 0.0


def test_web_mercator_would_have_got_800_m_wrong():
    lon0, lat0 = 139.0634, 36.3895
    lon1, lat1, _ = GEOD.fwd(lon0, lat0, 90.0, 800.0)
    lengths = {}
    for crs in ("EPSG:6677", "EPSG:3857"):
        t = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        (x0, x1), (y0, y1) = t.transform([lon0, lon1], [lat0, lat1])
        lengths[crs] = math.hypot(x1 - x0, y1 - y0)
    assert lengths["EPSG:6677"] == pytest.approx(800.0, rel=1e-4)
    # Web Mercator stretches by 1/cos(36.4°) ≈ 1.24: 800 m on the ground reads as ~993 m, so a
    # facility 800 m away would be judged out of reach (and 800 "metres" is ~645 m walked).
    assert lengths["EPSG:3857"] / 800.0 - 1 > 0.15
    assert lengths["EPSG:3857"] == pytest.approx(800.0 / math.cos(math.radians(lat0)), rel=2e-3)


# --------------------------------------------------------------------------------------------
# Metric CRS choice
# --------------------------------------------------------------------------------------------


def test_metric_crs_japan_by_prefecture():
    # lon/lat are ignored for a Japanese prefecture (0, 0 is what the bundle passes).
    assert metric_crs(prefecture=10, lon=0.0, lat=0.0).to_epsg() == 6677  # Gunma: zone IX
    assert metric_crs(prefecture=35, lon=0.0, lat=0.0).to_epsg() == 6671  # Yamaguchi: zone III
    assert metric_crs(prefecture=13, lon=139.7, lat=35.7).to_epsg() == 6677  # Tokyo: IX
    assert metric_crs(prefecture=47, lon=127.7, lat=26.2).to_epsg() == 6683  # Okinawa: XV
    assert metric_crs(prefecture=1, lon=141.35, lat=43.06).to_epsg() == 6680  # Sapporo: XII
    assert japan_zone_crs(1).to_epsg() == 6669
    assert japan_zone_crs(19).to_epsg() == 6687
    with pytest.raises(ValueError, match=r"1\.\.19"):
        japan_zone_crs(20)
    with pytest.raises(ValueError, match="unknown prefecture code 48"):
        metric_crs(prefecture=48, lon=0.0, lat=0.0)


def test_metric_crs_outside_japan_is_the_utm_zone():
    porto_alegre = metric_crs(lon=-51.2, lat=-30.03)
    assert porto_alegre.to_epsg() == 32722  # WGS 84 / UTM zone 22S
    assert "22S" in porto_alegre.name
    assert metric_crs(lon=-0.1276, lat=51.5072).to_epsg() == 32630  # London: 30N
    assert metric_crs(lon=0.0, lat=0.0, prefecture=None).is_projected


# --------------------------------------------------------------------------------------------
# Monotonicity and 100 % (real Maebashi, line mode)
# --------------------------------------------------------------------------------------------

SWEEP = [50, 100, 200, 300, 400, 500, 600, 800, 1000, 1200, 1500, 2000, 2500, 3000]


@pytest.fixture(scope="module")
def maebashi_sweep(maebashi, maebashi_line):
    """City summaries of Maebashi for every radius of SWEEP (all kinds at that radius)."""
    return {
        r: coverage.summary(maebashi_line, maebashi.population,
                            radii=dict.fromkeys(maebashi_line.columns, r))
        for r in SWEEP
    }


@pytest.mark.parametrize("kind", ["bus_stop", "bus_stop_frequent", "elementary_school",
                                  "park", "shelter"])
def test_maebashi_rate_never_decreases_as_radius_grows(maebashi_sweep, kind):
    rates = [maebashi_sweep[r].loc[kind, "rate"] for r in SWEEP]
    covered = [maebashi_sweep[r].loc[kind, "covered"] for r in SWEEP]
    assert all(b >= a for a, b in itertools.pairwise(rates)), rates
    assert all(b >= a for a, b in itertools.pairwise(covered))
    assert rates[0] < rates[-1]
    assert rates[0] >= 0.0 and rates[-1] <= 1.0


def test_city_coverage_agrees_with_the_sweep(maebashi, maebashi_engine, maebashi_sweep):
    # The public entry point with one radius overridden gives the same figure as the sweep.
    cov = city_coverage(maebashi, radii={"bus_stop": 500}, baseline=maebashi_engine)
    assert cov.radii["bus_stop"] == 500
    assert cov.radii["shelter"] == 500  # the official default, untouched
    assert cov.summary.loc["bus_stop", "rate"] == maebashi_sweep[500].loc["bus_stop", "rate"]
    assert cov.summary.loc["bus_stop", "rate"] > maebashi_sweep[300].loc["bus_stop", "rate"]


def test_maebashi_default_rates_are_plausible(maebashi, maebashi_engine):
    s = city_coverage(maebashi, baseline=maebashi_engine).summary
    assert s.loc["bus_stop", "population"] == pytest.approx(MAEBASHI_POPULATION, abs=1e-3)
    # Bus stops at 300 m reach about a third of Maebashi; shelters at 500 m about half.
    assert 0.25 < s.loc["bus_stop", "rate"] < 0.40
    assert 0.45 < s.loc["shelter", "rate"] < 0.60
    assert s.loc["bus_stop", "facilities"] == 644
    assert s.loc["bus_stop_frequent", "facilities"] == 174
    assert s.loc["bus_stop_frequent", "rate"] < s.loc["bus_stop", "rate"]


@pytest.mark.parametrize("kind", ["bus_stop", "elementary_school", "high_school", "shelter"])
def test_rate_is_exactly_100_percent_beyond_the_largest_distance(maebashi, maebashi_far, kind):
    d = maebashi_far
    largest = float(d[kind].max())
    assert np.isfinite(largest)
    assert largest > 3000  # farther than the default search radius: needs the 50 km table
    radii = kinds.default_radii() | {kind: largest + 1.0}
    s = coverage.summary(d[[kind]], maebashi.population, radii=radii)
    assert s.loc[kind, "rate"] == 1.0
    assert s.loc[kind, "uncovered"] == 0.0
    assert s.loc[kind, "cells_covered_share"] == 1.0
    below = coverage.summary(d[[kind]], maebashi.population,
                             radii=radii | {kind: largest - 1.0})
    assert below.loc[kind, "cells_covered_share"] < 1.0


def test_city_coverage_refuses_radii_beyond_the_search_distance(maebashi, maebashi_engine):
    with pytest.raises(ValueError, match="3000"):
        city_coverage(maebashi, radii={"park": 3500}, baseline=maebashi_engine)


# --------------------------------------------------------------------------------------------
# Property: on random small point sets, coverage grows with the radius and reaches 100 %
# --------------------------------------------------------------------------------------------

offsets = st.tuples(st.floats(-800, 800, allow_nan=False), st.floats(-800, 800, allow_nan=False))


@settings(max_examples=40, deadline=None, database=None)
@given(
    origins=st.lists(offsets, min_size=1, max_size=12),
    facilities=st.lists(offsets, min_size=1, max_size=5),
    weights=st.lists(st.integers(0, 500), min_size=12, max_size=12),
    radii=st.lists(st.floats(0, 2500, allow_nan=False), min_size=2, max_size=6),
)
def test_property_coverage_grows_with_radius(origins, facilities, weights, radii):
    lon, lat = to_lonlat([BASE_X + x for x, _ in origins], [BASE_Y + y for _, y in origins])
    cells = np.unique(grid.points_to_cells(lon, lat, 12))
    pop = pd.Series(np.asarray(weights[: len(cells)], float) + 1.0, index=cells)
    fac = {"shelter": points_gdf([(BASE_X + x, BASE_Y + y) for x, y in facilities])}
    d = coverage.distance_table(cells, fac, metric_crs=CRS_6677)
    assert np.isfinite(d["shelter"]).all()  # the box is 1.6 km wide: everything within 3 km
    prev_rate, prev_cov = -1.0, None
    for r in sorted(radii):
        s = coverage.summary(d, pop, radii={"shelter": r})
        rate = s.loc["shelter", "rate"]
        cov = coverage.covered(d, {"shelter": r})["shelter"]
        assert 0.0 <= rate <= 1.0
        assert rate >= prev_rate
        if prev_cov is not None:
            assert (cov >= prev_cov).all()  # a covered cell stays covered
        prev_rate, prev_cov = rate, cov
    top = coverage.summary(d, pop, radii={"shelter": float(d["shelter"].max()) + 1e-6})
    assert top.loc["shelter", "rate"] == 1.0
    assert top.loc["shelter", "covered"] == pop.sum()


# --------------------------------------------------------------------------------------------
# Kinds without data, cities without population
# --------------------------------------------------------------------------------------------


def test_maebashi_stations_are_no_data_never_zero(maebashi, maebashi_engine, maebashi_line):
    s = city_coverage(maebashi, baseline=maebashi_engine).summary
    no_data = {"station", "medical", "welfare", "commercial", "nursery", "school"}
    assert set(s.index[s["status"] == "no_data"]) == no_data
    for kind in no_data:
        row = s.loc[kind]
        assert row["facilities"] == 0
        assert math.isnan(row["rate"])  # NaN, never 0 %
        assert math.isnan(row["covered"]) and math.isnan(row["population"])
    assert (s.loc[~s.index.isin(no_data), "status"] == "ok").all()
    assert s.loc["station", "factor"] == "移動・交通"
    assert maebashi_line["station"].isna().all()


def test_ube_without_population_reports_no_population():
    ube = load_shipped("ube")
    assert not ube.has_population
    s = city_coverage(ube).summary
    assert s.loc["shelter", "status"] == "no_population"
    assert math.isnan(s.loc["shelter", "rate"])
    assert math.isnan(s.loc["shelter", "covered"])
    assert 0.0 < s.loc["shelter", "cells_covered_share"] < 1.0
    assert s.loc["shelter", "facilities"] == 42
    assert s.loc["station", "status"] == "no_data"
    assert math.isnan(s.loc["station", "cells_covered_share"])


def test_summary_of_an_empty_grid_is_no_data():
    d = pd.DataFrame({"shelter": pd.Series([], dtype=float)},
                     index=pd.Index(np.array([], np.uint64), name="cell"))
    s = coverage.summary(d, pd.Series([], dtype=float), radii={"shelter": 500})
    assert s.loc["shelter", "status"] == "no_data"
    assert math.isnan(s.loc["shelter", "rate"])


# --------------------------------------------------------------------------------------------
# Towns (by_zone) on the real Maebashi bundle
# --------------------------------------------------------------------------------------------


def test_maebashi_towns_covered_plus_uncovered_is_population(maebashi, maebashi_engine):
    cov = city_coverage(maebashi, baseline=maebashi_engine)
    t = cov.towns
    assert len(t) == 275
    with_pop = t[t["population"].notna()]
    assert len(with_pop) == 271
    for kind in ["bus_stop", "elementary_school", "shelter"]:
        total = with_pop[f"covered_{kind}"] + with_pop[f"uncovered_{kind}"]
        assert np.allclose(total.to_numpy(float), with_pop["population"].to_numpy(float),
                           atol=1e-6)
        rates = with_pop[f"rate_{kind}"].to_numpy(float)
        # A town whose figure is 0 has no rate (NaN); every other rate lies in 0..1.
        zero = with_pop["population"].to_numpy(float) == 0
        assert np.isnan(rates[zero]).all()
        assert ((rates[~zero] >= 0) & (rates[~zero] <= 1)).all()
        # Town totals add up to the city totals.
        assert with_pop[f"covered_{kind}"].sum() == pytest.approx(
            cov.summary.loc[kind, "covered"], abs=1e-3)
        assert with_pop[f"uncovered_{kind}"].sum() == pytest.approx(
            cov.summary.loc[kind, "uncovered"], abs=1e-3)
    assert int(with_pop["population"].sum()) == MAEBASHI_POPULATION
    # Towns without a population figure stay "no data", never 0 %.
    no_pop = t[t["population"].isna()]
    assert set(no_pop.index) == {"102010610", "102011580", "102012340", "10201050000"}
    assert no_pop["rate_shelter"].isna().all()
    assert t["covered_station"].isna().all()


# --------------------------------------------------------------------------------------------
# Facility kinds
# --------------------------------------------------------------------------------------------


def test_frequent_bus_stops_are_derived_from_departures():
    fac = points_gdf([(BASE_X, BASE_Y)] * 4, kind="bus_stop")
    fac["departures"] = pd.array([29, 30, None, 31], dtype="Int64")
    k = facilities_by_kind(fac)
    assert set(k) == {kind.key for kind in kinds.KINDS}
    assert len(k["bus_stop"]) == 4
    assert k["bus_stop_frequent"]["departures"].tolist() == [30, 31]
    assert (k["bus_stop_frequent"]["kind"] == "bus_stop_frequent").all()
    assert len(facilities_by_kind(fac, frequent_departures=10)["bus_stop_frequent"]) == 3
    assert len(k["station"]) == 0


def test_default_radii_are_the_official_values():
    r = kinds.default_radii()
    assert r["station"] == 800
    assert r["bus_stop"] == 300
    assert r["shelter"] == 500
    assert r["elementary_school"] == 800
    assert r["school"] == 800
    assert len(r) == 14
