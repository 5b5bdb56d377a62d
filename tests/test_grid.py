"""H3 grid: population conservation on the real Maebashi bundle, roll-ups and areal weighting."""

from __future__ import annotations

import ast
from pathlib import Path

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pytest
import shapely
import shapely.affinity
from util import (
    BASE_X,
    BASE_Y,
    CRS_6677,
    MAEBASHI_POPULATION,
    load_shipped,
    rect_lonlat,
)

from geo import grid
from geo.access import coverage
from geo.access.kpi import city_distances
from geo.kinds import MAX_DISTANCE_M, default_radii

#: The four Maebashi towns whose population figure is blank in the 2025 table (file row, code).
TOWNS_WITHOUT_POPULATION = {
    15: ("102010610", "ぬで島町"),
    17: ("102011580", "高井町"),
    94: ("102012340", "苗ケ島町"),
    136: ("10201050000", "六供町"),
}


@pytest.fixture(scope="module")
def maebashi():
    return load_shipped("maebashi")


# --------------------------------------------------------------------------------------------
# Population conservation (real Maebashi bundle)
# --------------------------------------------------------------------------------------------


def test_manifest_city_total_is_the_sum_of_town_figures(maebashi):
    assert maebashi.manifest["counts"]["population"] == MAEBASHI_POPULATION
    assert int(maebashi.towns["population"].sum()) == MAEBASHI_POPULATION
    assert maebashi.manifest["counts"]["towns"] == 275
    assert maebashi.manifest["counts"]["towns_with_population"] == 271


@pytest.mark.parametrize("resolution", [10, 9, 8, 7])
def test_city_population_is_conserved_at_every_resolution(maebashi, resolution):
    rolled = grid.rollup(maebashi.population, resolution)
    assert rolled.sum() == pytest.approx(MAEBASHI_POPULATION, abs=1e-3)
    assert set(grid.resolution_of(rolled.index.to_numpy())) == {resolution}
    assert rolled.index.is_unique
    assert (rolled >= 0).all()


def test_coarser_resolutions_have_fewer_cells(maebashi):
    sizes = [len(grid.rollup(maebashi.population, r)) for r in (10, 9, 8, 7)]
    assert sizes[0] == maebashi.manifest["counts"]["cells_res10"] == 22404
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[-1] < sizes[0] / 40  # one res-7 cell holds 343 res-10 cells


def test_each_town_total_is_conserved_within_rounding(maebashi):
    spread = maebashi.pieces.groupby("town_code")["value"].sum()
    official = maebashi.towns.set_index("town_code")["population"].dropna().astype(float)
    assert len(official) == 271
    assert set(spread.index) == set(official.index)
    diff = (spread.reindex(official.index) - official).abs()
    assert diff.max() < 1e-6
    # The largest town keeps its figure too (hand check of one row).
    big = official.idxmax()
    assert spread[big] == pytest.approx(official[big], abs=1e-6)


def test_towns_without_population_are_absent_and_reported(maebashi):
    codes_in_pieces = set(maebashi.pieces["town_code"])
    towns = maebashi.towns.reset_index(drop=True)
    warnings = maebashi.manifest["warnings"]
    assert len(warnings) == 4
    for row, (code, name) in TOWNS_WITHOUT_POPULATION.items():
        assert towns["town_code"].iat[row - 1] == code
        assert pd.isna(towns["population"].iat[row - 1])
        assert code not in codes_in_pieces
        (w,) = [w for w in warnings if code in w]
        assert w.startswith(f"maebashi_chocho_population_2025.geojson, row {row}, column '総人口':")
        assert name in w
        assert "no population figure" in w


# --------------------------------------------------------------------------------------------
# cell_kpis at a coarser resolution = manual aggregation of the res-10 values
# --------------------------------------------------------------------------------------------


def test_cell_kpis_res8_equals_manual_aggregation_of_res10(maebashi):
    d = city_distances(maebashi)
    radii = default_radii()
    kinds = ["bus_stop", "elementary_school", "shelter", "station"]
    k8 = coverage.cell_kpis(d, maebashi.population, radii=radii, resolution=8, kinds=kinds)
    # The most populated res-8 cell, and a hand aggregation of its res-10 children.
    parent8 = grid.parents(d.index.to_numpy(), 8)
    pop = maebashi.population.reindex(d.index).to_numpy()
    top = pd.Series(pop).groupby(parent8).sum().idxmax()
    mask = parent8 == top
    p = pop[mask]
    assert mask.sum() > 40  # about 49 res-10 cells per res-8 cell
    row = k8.loc[np.uint64(top)]
    assert row["population"] == pytest.approx(p.sum(), rel=1e-12)
    for kind in ["bus_stop", "elementary_school", "shelter"]:
        dist = np.minimum(d[kind].to_numpy()[mask], MAX_DISTANCE_M)
        cov = (d[kind].to_numpy()[mask] <= radii[kind]).astype(float)
        assert row[f"dist_{kind}"] == pytest.approx((dist * p).sum() / p.sum(), rel=1e-9)
        assert row[f"rate_{kind}"] == pytest.approx((cov * p).sum() / p.sum(), rel=1e-9)
        assert row[f"uncovered_{kind}"] == pytest.approx(((1 - cov) * p).sum(), abs=1e-6)
    # A kind without facilities is "no data" at every level, never 0.
    assert np.isnan(row["dist_station"])
    assert np.isnan(row["rate_station"])
    assert np.isnan(row["uncovered_station"])


def test_cell_kpis_population_and_uncovered_add_up_to_city_totals(maebashi):
    d = city_distances(maebashi)
    radii = default_radii()
    s = coverage.summary(d, maebashi.population, radii=radii)
    for res in (10, 7):
        k = coverage.cell_kpis(d, maebashi.population, radii=radii, resolution=res,
                               kinds=["shelter"])
        assert k["population"].sum() == pytest.approx(MAEBASHI_POPULATION, abs=1e-3)
        assert k["uncovered_shelter"].sum() == pytest.approx(s.loc["shelter", "uncovered"],
                                                             abs=1e-3)


def test_cell_kpis_without_population_uses_plain_cell_means():
    parent = h3.latlng_to_cell(36.3895, 139.0634, 9)
    kids = grid.to_cells(sorted(h3.cell_to_children(parent, 10)))
    d = pd.DataFrame({"shelter": [100.0, 300.0, 500.0, 700.0, 900.0, 1100.0, np.inf]},
                     index=pd.Index(kids, name="cell"))
    k = coverage.cell_kpis(d, None, radii={"shelter": 500}, resolution=9)
    row = k.loc[grid.to_cells([parent])[0]]
    # inf is capped at 3000 m: (100+300+500+700+900+1100+3000)/7 = 6600/7.
    assert row["dist_shelter"] == pytest.approx(6600 / 7)
    assert row["rate_shelter"] == pytest.approx(3 / 7)  # 100, 300 and 500 (inclusive)
    assert np.isnan(row["population"])
    assert np.isnan(row["uncovered_shelter"])


# --------------------------------------------------------------------------------------------
# Cell ids and roll-ups on hand-made cells
# --------------------------------------------------------------------------------------------


def test_string_ids_round_trip():
    s = "8a2e74a1124ffff"
    cells = grid.to_cells([s])
    assert cells.dtype == np.uint64
    assert int(cells[0]) == int(s, 16)
    assert list(grid.to_strings(cells)) == [s]
    assert list(grid.as_cells(np.array([s]))) == list(cells)
    assert grid.resolution_of(cells)[0] == 10
    assert len(grid.to_cells([])) == 0
    assert len(grid.to_strings(np.array([], dtype=np.uint64))) == 0


def test_an_invalid_cell_id_is_named_not_silently_corrupted():
    good = "8a2e74a1124ffff"
    with pytest.raises(ValueError, match="'not-a-cell'"):
        grid.to_cells([good, "not-a-cell"])


def test_rollup_sums_children_into_their_parent():
    parent = h3.latlng_to_cell(36.3895, 139.0634, 8)
    kids = sorted(h3.cell_to_children(parent, 9))  # 7 children
    values = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], index=grid.to_cells(kids))
    up = grid.rollup(values, 8)
    assert list(up.index) == list(grid.to_cells([parent]))
    assert up.iloc[0] == 28.0
    assert grid.rollup(values, 8, how="mean").iloc[0] == 4.0
    assert grid.rollup(values, 8, how="max").iloc[0] == 7.0
    assert grid.rollup(values, 9) is values  # same resolution: unchanged
    assert grid.parents(grid.to_cells(kids), 8).tolist() == [int(grid.to_cells([parent])[0])] * 7


def test_points_fall_in_their_cell_and_centroids_are_inside():
    cells = grid.points_to_cells([139.0634], [36.3895], 10)
    assert grid.to_strings(cells)[0] == h3.latlng_to_cell(36.3895, 139.0634, 10)
    lon, lat = grid.centroids(cells)
    hexagon = grid.polygons(cells).iloc[0]
    assert hexagon.contains(shapely.Point(lon[0], lat[0]))
    assert hexagon.contains(shapely.Point(139.0634, 36.3895))
    # A res-10 hexagon is about 15,000 m² (0.015 km²).
    area = gpd.GeoSeries([hexagon], crs="EPSG:4326").to_crs(CRS_6677).area.iloc[0]
    assert 13_000 < area < 17_000


# --------------------------------------------------------------------------------------------
# Areal weighting on a hand-made 2 km × 1 km town
# --------------------------------------------------------------------------------------------


def _rect(x0, y0, x1, y1):
    return shapely.Polygon(rect_lonlat(BASE_X + x0, BASE_Y + y0, BASE_X + x1, BASE_Y + y1))


def test_areal_weights_cover_the_whole_zone_and_spread_conserves_totals():
    zones = gpd.GeoSeries([_rect(0, 0, 2000, 1000), _rect(0, 1000, 1000, 2000)],
                          index=["A", "B"], crs="EPSG:4326")
    w = grid.areal_weights(zones, resolution=9, metric_crs=CRS_6677)
    area = w.groupby("zone")["area_m2"].sum()
    assert area["A"] == pytest.approx(2_000_000, rel=1e-6)
    assert area["B"] == pytest.approx(1_000_000, rel=1e-6)
    assert w.groupby("zone")["weight"].sum().to_numpy() == pytest.approx([1.0, 1.0])
    assert (w["weight"] > 0).all()
    assert set(grid.resolution_of(w["cell"].to_numpy())) == {9}
    s = grid.spread(pd.Series({"A": 1200.0, "B": 300.0, "C": 50.0}), w)
    assert s.groupby("zone")["value"].sum().to_dict() == pytest.approx({"A": 1200.0, "B": 300.0})
    assert "C" not in set(s["zone"])  # a zone without weights is dropped
    # Uniform density: a cell's share of people equals its share of the zone's area.
    a = w[w["zone"] == "A"].set_index("cell")
    sa = s[s["zone"] == "A"].set_index("cell")["value"]
    assert (sa / 1200.0).to_numpy() == pytest.approx((a["area_m2"] / 2_000_000).to_numpy(),
                                                     rel=1e-5)


def test_areal_weights_clip_allocates_only_inside_the_boundary():
    zones = gpd.GeoSeries([_rect(0, 0, 2000, 1000), _rect(3000, 0, 4000, 1000)],
                          index=["A", "OUT"], crs="EPSG:4326")
    clip = _rect(0, 0, 1000, 1000)  # the western half of A; OUT lies wholly outside
    w = grid.areal_weights(zones, resolution=9, metric_crs=CRS_6677, clip=clip)
    assert set(w["zone"]) == {"A"}
    # Straight edges in lon/lat and in metres differ by centimetres: ~30 m² of 1 km².
    assert w["area_m2"].sum() == pytest.approx(1_000_000, rel=1e-4)
    assert w["weight"].sum() == pytest.approx(1.0)
    s = grid.spread(pd.Series({"A": 500.0}), w)
    assert s["value"].sum() == pytest.approx(500.0)


# --------------------------------------------------------------------------------------------
# The H3 boundary: hand-worked cells (bits of the 64-bit index) and the string edge functions
# --------------------------------------------------------------------------------------------

# 8a2e74a1124ffff: hex digit 1 is 8 (bit 59 = mode 1, a cell), digit 2 is "a" (resolution 10),
# then the base cell and the resolution 1..10 digits; digits 11..15 are unused (7 = 0b111), so
# the last 15 bits are set (the "ffff" tail plus the low bit of "4").
CELL10 = "8a2e74a1124ffff"
#: Its parent at res 9: resolution nibble 9, digit 10 (bits 15-17, value 1) set to 7: "4f" → "7f".
CELL9 = "892e74a1127ffff"
#: At res 7: digits 8, 9 and 10 (bits 15-23) become 7, so the last six hex digits are "f".
CELL7 = "872e74a11ffffff"
#: The centre child of CELL9 at res 10: digit 10 = 0 clears bits 15-17: "7f" → "47".
CENTRE10 = "8a2e74a11247fff"


def test_hand_worked_resolution_and_parents():
    cells = grid.to_cells([CELL10, CELL9, CELL7])
    assert grid.resolution_of(cells).tolist() == [10, 9, 7]
    assert grid.resolution_of(CELL10) == 10 and grid.resolution_of(int(cells[1])) == 9
    assert list(grid.to_strings(grid.parents(cells[:1], 9))) == [CELL9]
    assert list(grid.to_strings(grid.parents(cells[:1], 7))) == [CELL7]
    # mixed resolutions need no mask: cells already as coarse are kept
    assert list(grid.to_strings(grid.parents(cells, 9))) == [CELL9, CELL9, CELL7]
    assert grid.parent_string(CELL10, 9) == CELL9
    assert grid.parent_string(CELL7, 9) == CELL7  # a pin never gets finer
    assert grid.center_child(CELL9, 10) == CENTRE10
    assert grid.at_resolution(CELL9, 10) == CENTRE10
    assert grid.at_resolution(CELL10, 7) == CELL7
    assert grid.at_resolution(CELL10, 10) == CELL10
    with pytest.raises(ValueError, match=r"0\.\.15"):
        grid.parents(cells, 16)


def test_bit_arithmetic_matches_h3_everywhere_including_pentagons():
    rng = np.random.default_rng(7)
    lat, lon = rng.uniform(-80, 80, 300), rng.uniform(-180, 180, 300)
    cells = [h3.latlng_to_cell(a, b, int(r)) for a, b, r in zip(lat, lon, rng.integers(0, 16, 300))]
    cells += [p for r in (0, 5, 10, 15) for p in h3.get_pentagons(r)]  # pentagons, every res
    arr = grid.to_cells(cells)
    assert list(grid.to_strings(arr)) == cells
    assert grid.resolution_of(arr).tolist() == [h3.get_resolution(c) for c in cells]
    for r in (0, 3, 7, 9):
        want = [h3.cell_to_parent(c, r) if h3.get_resolution(c) > r else c for c in cells]
        assert list(grid.to_strings(grid.parents(arr, r))) == want


def test_is_cell_and_the_string_conversions():
    assert grid.is_cell(CELL10) and grid.is_cell(CELL10.upper())
    for bad in ("not-a-cell", "", " " + CELL10, "0x" + CELL10, CELL10[:-1], "8a2e74a1124fff_f",
                str(int(CELL10, 16)), None, int(CELL10, 16)):
        assert not grid.is_cell(bad), bad
    assert grid.cell_of_string(CELL10) == int(CELL10, 16) == 622314003831783423
    assert grid.cell_of_string(CELL10.upper()) == int(CELL10, 16)
    assert grid.string_of_cell(np.uint64(622314003831783423)) == CELL10
    with pytest.raises(ValueError, match="not an H3 cell id: 'nope'"):
        grid.cell_of_string("nope")
    with pytest.raises(ValueError, match="not an H3 cell"):
        grid.string_of_cell(12345)
    assert grid.to_strings(np.array([0], dtype=np.uint64)).tolist() == ["0"]  # no cell: plain hex


def test_parse_cells_marks_invalid_ids_and_reads_decimal_ids_only_when_asked():
    cells, ok = grid.parse_cells([CELL10, "zzz", CELL9])
    assert ok.tolist() == [True, False, True]
    assert cells.tolist() == [int(CELL10, 16), 0, int(CELL9, 16)]
    decimal = str(int(CELL10, 16))  # "622314003831783423", as a database BIGINT column
    assert grid.parse_cells([decimal])[1].tolist() == [False]
    cells, ok = grid.parse_cells([decimal, CELL9, "1" * 21], decimal=True)
    assert ok.tolist() == [True, True, False]
    assert grid.to_strings(cells[:2]).tolist() == [CELL10, CELL9]
    # a value holding a line break is one bad id, not two good ones
    assert grid.parse_cells([f"{CELL10}\n{CELL9}"])[1].tolist() == [False]


def test_children_disks_rings_and_distances():
    kids = grid.children_strings(CELL9, 10)
    assert len(kids) == 7 and CENTRE10 in kids and kids == sorted(kids)
    assert {grid.parent_string(k, 9) for k in kids} == {CELL9}
    owner, cells = grid.children(grid.to_cells([CELL7, CELL9]), 9)
    assert owner.tolist() == [0] * 49 + [1]  # 7 × 7 grandchildren; a res-9 cell is its own
    assert set(grid.to_strings(grid.parents(cells, 7))) == {CELL7}
    assert grid.to_strings(cells[-1:]).tolist() == [CELL9]
    disk = grid.grid_disk(CELL10, 1)
    assert len(disk) == 7 and CELL10 in disk
    assert sorted(grid.grid_distance(CELL10, c) for c in disk) == [0] + [1] * 6
    ring = grid.grid_ring(CELL10, 2)
    assert len(ring) == 12 and not set(ring) & set(disk)
    assert {grid.grid_distance(CELL10, c) for c in ring} == {2}
    assert set(grid.grid_disk(CELL10, 2)) == set(disk) | set(ring)


def test_area_and_outline_of_one_cell():
    # A res-10 hexagon is 0.015 km² on average; near Maebashi (36.3° N) it is 0.01366 km².
    assert grid.area_km2(CELL10) == pytest.approx(0.013659, rel=1e-3)
    ring = grid.boundary(CELL10)
    assert len(ring) == 6
    lon, lat = grid.centroids(grid.to_cells([CELL10]))
    assert all(139.0 < x < 139.1 and 36.2 < y < 36.4 for x, y in ring)  # (lon, lat) order
    assert shapely.Polygon(ring).contains(shapely.Point(lon[0], lat[0]))


def test_cover_lists_each_overlapping_cell_once():
    c = grid.to_cells([CELL10])
    lon, lat = grid.centroids(c)
    x, y = float(lon[0]), float(lat[0])
    tiny = shapely.box(x - 1e-5, y - 1e-5, x + 1e-5, y + 1e-5)  # ~2 m, inside one cell
    assert grid.cover(tiny, 10).tolist() == c.tolist()
    # two parts inside one cell: h3-py lists the cell once per part; cover once in all
    two = shapely.MultiPolygon([tiny, shapely.affinity.translate(tiny, 3e-5, 0)])
    assert grid.cover(two, 10).tolist() == c.tolist()
    # a collection counts its polygons only; a line alone covers nothing
    line = shapely.LineString([(x, y), (x + 0.01, y)])
    assert grid.cover(shapely.GeometryCollection([tiny, line]), 10).tolist() == c.tolist()
    assert len(grid.cover(line, 10)) == 0
    # a polygon straddling cells: every cell it overlaps, sorted, none twice
    big = grid.cover(shapely.box(x - 0.003, y - 0.003, x + 0.003, y + 0.003), 10)
    assert len(big) > 7 and big.tolist() == sorted(set(big.tolist()))


# --------------------------------------------------------------------------------------------
# Only geo.grid imports an H3 library
# --------------------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
H3_LIBRARIES = {"h3", "h3ronpy"}
#: Files outside geo/grid that may import h3, and why (a trailing "/" allows a whole package).
H3_ALLOWED: tuple[str, ...] = ()  # none: the store and the engine go through geo.grid


def _h3_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found |= {n.split(".")[0] for n in names} & H3_LIBRARIES
    return found


def test_only_geo_grid_imports_an_h3_library():
    offenders = {}
    for folder in ("geo", "ui", "pages"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            libs = _h3_imports(path)
            # h3ronpy is gone everywhere (bench/bench_h3.py: it does not pay); h3 stays inside
            # geo/grid and the allowed files
            allowed = any(rel == a or (a.endswith("/") and rel.startswith(a))
                          for a in ("geo/grid/", *H3_ALLOWED))
            if "h3ronpy" in libs or (libs and not allowed):
                offenders[rel] = libs
    assert offenders == {}, "call geo.grid instead of an H3 library"
