"""H3 bench: h3ronpy against h3-py on the app's H3 hot paths, at Maebashi's real sizes.

Run:  .venv/bin/python bench/bench_h3.py [--repeat 5]

Why it exists: the project used two H3 libraries, h3-py (scalar calls) and h3ronpy (vectorised,
Arrow-based). One is enough unless the second pays. Each path is timed three ways in the same
run, the three alternating round by round (median of ``--repeat`` rounds, after one untimed
warm-up call each):

* ``h3ronpy``  - the vectorised calls ``geo.grid`` made before (the code is kept here);
* ``h3-py``    - the plain h3-py version: one scalar call per cell or point in a loop;
* ``geo.grid`` - what the app calls now (h3-py for geometry, numpy bit arithmetic on the
  64-bit index for parents and hex text, see ``geo/grid/hexes.py``).

Ratios are speed-ups of h3ronpy (bigger = h3ronpy faster): ``h3-py / h3ronpy`` and
``geo.grid / h3ronpy``; the second decides: h3ronpy would pay if it were >= 3x on a path the
app runs at page time or at build time. Every path also checks that the implementations agree
(same cells; same polygons and centres within 1e-9 degrees; for the cover, that cells found by
only one library have no area inside their town, so areal weights are identical).

Data: the shipped bundle ``data/maebashi`` (275 town polygons, 22,404 res-10 cells) and
seeded random points in its bounding box. Without h3ronpy installed (it is no longer a
dependency: ``pip install h3ronpy`` to compare) only the h3-py columns are printed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import h3
import numpy as np
import shapely
from h3.api import basic_int as h3i

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo import grid
from geo.grid.crs import WGS84
from geo.ingest import bundle
from geo.render import deck, export

try:
    import h3ronpy
    import pyarrow as pa
    from h3ronpy import ContainmentMode
    from h3ronpy import vector as h3v
except ImportError:  # no longer a dependency
    h3ronpy = None

TARGET = 3.0
RES = grid.BASE_RESOLUTION


def _np(arr: Any) -> np.ndarray:
    return pa.array(arr).to_numpy(zero_copy_only=False)


# --- h3ronpy: the calls geo.grid made before this bench ---------------------------------------

def ronpy_cover_one(geom: shapely.Geometry, res: int = RES) -> np.ndarray:
    return _np(h3v.geometry_to_cells(geom, res, containment_mode=ContainmentMode.Covers)
               ).astype(np.uint64)


def ronpy_cover(geoms: list[shapely.Geometry]) -> list[np.ndarray]:
    return [ronpy_cover_one(g) for g in geoms]


def ronpy_points(lon: Any, lat: Any, res: int = RES) -> np.ndarray:
    lat, lon = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    return _np(h3v.coordinates_to_cells(lat, lon, res)).astype(np.uint64)


def ronpy_parents(cells: np.ndarray, res: int = 8) -> np.ndarray:
    return _np(h3ronpy.change_resolution(cells, res)).astype(np.uint64)


def ronpy_to_strings(cells: np.ndarray) -> np.ndarray:
    if len(cells) == 0:
        return np.array([], dtype=str)
    return _np(h3ronpy.cells_to_string(grid.as_cells(cells))).astype(str)


def ronpy_to_cells(strs: list[str]) -> np.ndarray:
    parsed = pa.array(h3ronpy.cells_parse(pa.array(strs), set_failing_to_invalid=True))
    assert parsed.is_valid().to_numpy(zero_copy_only=False).all()
    return parsed.to_numpy(zero_copy_only=False).astype(np.uint64)


def ronpy_polygons(cells: np.ndarray) -> np.ndarray:
    return shapely.from_wkb(_np(h3v.cells_to_wkb_polygons(grid.as_cells(cells))))


def ronpy_centroids(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    batch = pa.record_batch(h3v.cells_to_coordinates(grid.as_cells(cells)))
    return batch.column("lng").to_numpy(), batch.column("lat").to_numpy()


@contextmanager
def h3ronpy_inside_grid() -> Iterator[None]:
    """geo.grid with its H3 calls done by h3ronpy, as before (for the whole-operation rows)."""
    from geo.grid import hexes
    swap: dict[str, Callable[..., Any]] = {
        "cover": ronpy_cover_one,
        "points_to_cells": ronpy_points,
        "parents": ronpy_parents,
        "to_strings": ronpy_to_strings,
        "centroids": ronpy_centroids,
        "polygons": lambda cells: gpd.GeoSeries(ronpy_polygons(cells), crs=WGS84),
    }
    saved = [(m, k, getattr(m, k)) for m in (hexes, grid) for k in swap]
    for m, k, _ in saved:
        setattr(m, k, swap[k])
    try:
        yield
    finally:
        for m, k, f in saved:
            setattr(m, k, f)


# --- h3-py: one scalar call per item ----------------------------------------------------------

def h3py_cover(geoms: list[shapely.Geometry]) -> list[np.ndarray]:
    # np.unique: h3-py lists a cell once per part of a multipolygon it overlaps
    return [np.unique(np.array(h3i.h3shape_to_cells_experimental(h3.geo_to_h3shape(g), RES,
                                                                 contain="overlap"),
                               dtype=np.uint64))
            for g in geoms]


def h3py_points(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return np.array([h3i.latlng_to_cell(y, x, RES)
                     for y, x in zip(lat.tolist(), lon.tolist(), strict=True)], dtype=np.uint64)


def h3py_parents(cells: np.ndarray) -> np.ndarray:
    return np.array([h3i.cell_to_parent(c, 8) for c in cells.tolist()], dtype=np.uint64)


def h3py_to_strings(cells: np.ndarray) -> np.ndarray:
    return np.array([h3i.int_to_str(c) for c in cells.tolist()])


def h3py_to_cells(strs: list[str]) -> np.ndarray:
    assert all(h3.is_valid_cell(s) for s in strs)
    return np.array([h3.str_to_int(s) for s in strs], dtype=np.uint64)


def h3py_polygons(cells: np.ndarray) -> np.ndarray:
    return shapely.polygons([[(x, y) for y, x in h3i.cell_to_boundary(c)]
                             for c in cells.tolist()])


def h3py_centroids(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ll = np.array([h3i.cell_to_latlng(c) for c in cells.tolist()])
    return ll[:, 1], ll[:, 0]


# --- checks -----------------------------------------------------------------------------------

def _same_cells(a: Any, b: Any) -> str:
    ok = np.array_equal(np.asarray(a, dtype=np.uint64), np.asarray(b, dtype=np.uint64))
    return "same cells" if ok else "DIFFERENT cells"


def _same_strings(a: Any, b: Any) -> str:
    return "same ids" if list(map(str, a)) == list(map(str, b)) else "DIFFERENT ids"


def _same_polygons(a: Any, b: Any) -> str:
    a, b = np.asarray(a), np.asarray(b)
    # same vertices in any starting order: the Hausdorff distance is 0 up to rounding
    d = float(np.max(shapely.hausdorff_distance(a, b)))
    return f"max vertex gap {d:.1e}°" + ("" if d < 1e-9 else " DIFFERENT")


def _same_points(a: Any, b: Any) -> str:
    d = max(float(np.max(np.abs(a[0] - b[0]))), float(np.max(np.abs(a[1] - b[1]))))
    return f"max gap {d:.1e}°" + ("" if d < 1e-9 else " DIFFERENT")


def _cover_check(a: list[np.ndarray], b: list[np.ndarray], geoms: list[shapely.Geometry],
                 crs: Any) -> str:
    """Cells only one library finds, and the largest area any of them has inside its town."""
    only, worst = 0, 0.0
    twice = sum(len(c) - len(np.unique(c)) for c in (*a, *b))
    for ca, cb, g in zip(a, b, geoms, strict=True):
        diff = np.setxor1d(ca, cb)
        if not len(diff):
            continue
        only += len(diff)
        hexes = grid.polygons(diff).to_crs(crs)
        town = gpd.GeoSeries([g], crs=grid.polygons(diff[:1]).crs).to_crs(crs).iloc[0]
        worst = max(worst, float(shapely.area(shapely.intersection(hexes.to_numpy(),
                                                                   town)).max()))
    n = sum(len(x) for x in a)
    return (f"{n:,} cells; {only} found by one library only, "
            f"largest area of those inside their town {worst:.2g} m²; {twice} listed twice")


def _same_weights(a: Any, c: Any) -> str:
    a = a.sort_values(["zone", "cell"]).reset_index(drop=True)
    c = c.sort_values(["zone", "cell"]).reset_index(drop=True)
    if not (a["zone"].equals(c["zone"]) and np.array_equal(a["cell"], c["cell"])):
        return "DIFFERENT rows"
    return f"same rows, max weight gap {float(np.abs(a['weight'] - c['weight']).max()):.1e}"


def _same_geojson(a: str, c: str) -> str:
    fa, fc = json.loads(a)["features"], json.loads(c)["features"]
    if [f["properties"] for f in fa] != [f["properties"] for f in fc]:
        return "DIFFERENT properties"
    ga = shapely.from_geojson([json.dumps(f["geometry"]) for f in fa])
    gc = shapely.from_geojson([json.dumps(f["geometry"]) for f in fc])
    return f"same properties, {_same_polygons(ga, gc)}"


# --- timing -----------------------------------------------------------------------------------

def _time(fns: dict[str, Callable[[], Any]], repeat: int) -> tuple[dict[str, float],
                                                                     dict[str, Any]]:
    out = {k: f() for k, f in fns.items()}  # warm-up, and the results to check
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeat):
        for k, f in fns.items():  # alternate: load from other processes hits all alike
            t0 = time.perf_counter()
            f()
            times[k].append((time.perf_counter() - t0) * 1000)
    return {k: statistics.median(v) for k, v in times.items()}, out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--city", default="maebashi")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    b = bundle.load(args.city)
    assert b.towns is not None
    clip = shapely.union_all(b.boundary.geometry.to_numpy())
    towns = b.towns.geometry.intersection(clip)  # what areal_weights covers
    geoms = [g for g in towns if not g.is_empty and shapely.area(g) > 0]
    x0, y0, x1, y1 = clip.bounds
    rng = np.random.default_rng(args.seed)
    lon100, lat100 = rng.uniform(x0, x1, 100_000), rng.uniform(y0, y1, 100_000)
    cells200 = grid.points_to_cells(rng.uniform(x0, x1, 200_000), rng.uniform(y0, y1, 200_000),
                                    RES)
    strs200 = [str(s) for s in grid.to_strings(cells200)]
    cells20 = b.cells[:20_000]
    all_cells = b.cells

    have = h3ronpy is not None
    paths: list[tuple[str, str, str, dict[str, Callable[[], Any]], Callable[..., str]]] = [
        ("cover: town polygons → cells", f"{len(geoms)} towns, res {RES}",
         "build (population onto the grid; mesh weights for flows)",
         {"h3ronpy": lambda: ronpy_cover(geoms), "h3-py": lambda: h3py_cover(geoms),
          "geo.grid": lambda: [grid.cover(g, RES) for g in geoms]},
         lambda o: _cover_check(o["h3-py"], o["h3ronpy"], geoms, b.crs) if have else
         f"{sum(len(c) for c in o['geo.grid']):,} cells"),
        ("points → cells", "100,000 points", "build (network, point tables); page (uploads)",
         {"h3ronpy": lambda: ronpy_points(lon100, lat100),
          "h3-py": lambda: h3py_points(lon100, lat100),
          "geo.grid": lambda: grid.points_to_cells(lon100, lat100, RES)},
         lambda o: _same_cells(o["geo.grid"], o.get("h3ronpy", o["h3-py"]))),
        ("parents (res 10 → 8)", "200,000 cells", "page (every map at res 7-9, pins, survey)",
         {"h3ronpy": lambda: ronpy_parents(cells200), "h3-py": lambda: h3py_parents(cells200),
          "geo.grid": lambda: grid.parents(cells200, 8)},
         lambda o: _same_cells(o["geo.grid"], o.get("h3ronpy", o["h3-py"]))
         + "; " + _same_cells(o["h3-py"], o["geo.grid"])),
        ("cells → strings", "200,000 cells", "page (every deck layer, downloads)",
         {"h3ronpy": lambda: ronpy_to_strings(cells200),
          "h3-py": lambda: h3py_to_strings(cells200),
          "geo.grid": lambda: grid.to_strings(cells200)},
         lambda o: _same_strings(o["geo.grid"], o.get("h3ronpy", o["h3-py"]))
         + "; " + _same_strings(o["h3-py"], o["geo.grid"])),
        ("strings → cells (validated)", "200,000 ids", "build (H3 tables); page (clicks, store)",
         {"h3ronpy": lambda: ronpy_to_cells(strs200), "h3-py": lambda: h3py_to_cells(strs200),
          "geo.grid": lambda: grid.to_cells(strs200)},
         lambda o: _same_cells(o["geo.grid"], o.get("h3ronpy", o["h3-py"]))),
        ("cell boundaries → polygons", "20,000 cells",
         "build (areal weights, H3 tables); page (GeoJSON downloads, flow areas)",
         {"h3ronpy": lambda: ronpy_polygons(cells20), "h3-py": lambda: h3py_polygons(cells20),
          "geo.grid": lambda: grid.polygons(cells20).to_numpy()},
         lambda o: _same_polygons(o["geo.grid"], o.get("h3ronpy", o["h3-py"]))),
        ("cell centres", f"{len(all_cells):,} cells",
         "page (scenario engine, CSV downloads, comment dots)",
         {"h3ronpy": lambda: ronpy_centroids(all_cells),
          "h3-py": lambda: h3py_centroids(all_cells),
          "geo.grid": lambda: grid.centroids(all_cells)},
         lambda o: _same_points(o["geo.grid"], o.get("h3ronpy", o["h3-py"]))),
    ]

    print(f"city {args.city}: {len(geoms)} town polygons, {len(all_cells):,} res-{RES} cells; "
          f"median of {args.repeat} alternating rounds; h3 {h3.__version__}"
          + (f", h3ronpy {h3ronpy.__version__}" if have else ", h3ronpy not installed"))
    rows = []
    for name, size, where, fns, check in paths:
        if not have:
            fns = {k: f for k, f in fns.items() if k != "h3ronpy"}
        med, out = _time(fns, args.repeat)
        rows.append((name, size, where, med, check(out)))

    head = f"{'path':<29}{'size':<18}{'h3ronpy':>10}{'h3-py':>10}{'geo.grid':>10}"
    head += f"{'h3-py/ronpy':>13}{'grid/ronpy':>12}  result"
    print()
    print(head)
    print("-" * len(head))
    pays: list[str] = []
    pays_whole: list[str] = []
    for name, size, _, med, _ in rows:
        line = f"{name:<29}{size:<18}"
        if have:
            r1, r2 = med["h3-py"] / med["h3ronpy"], med["geo.grid"] / med["h3ronpy"]
            line += f"{med['h3ronpy']:>8.1f}ms{med['h3-py']:>8.1f}ms{med['geo.grid']:>8.1f}ms"
            line += f"{r1:>12.1f}x{r2:>11.1f}x  "
            line += f"h3ronpy pays (>= {TARGET:.0f}x)" if r2 >= TARGET else "h3ronpy does not pay"
            if r2 >= TARGET:
                pays.append(name)
        else:
            line += f"{'-':>10}{med['h3-py']:>8.1f}ms{med['geo.grid']:>8.1f}ms{'-':>13}{'-':>12}"
        print(line)
    print()
    print("where the app runs each step, and the agreement check:")
    for name, _, where, _, checked in rows:
        print(f"  {name:<29}{where}")
        print(f"  {'':<29}check: {checked}")

    # whole operations the user waits for, with geo.grid's H3 calls done by either library
    zones = b.towns.set_index("town_code").geometry
    assert b.population is not None
    kpis = b.population.to_frame("population")
    whole: list[tuple[str, str, str, Callable[[], Any], Callable[[Any, Any], str]]] = [
        ("areal weights of the towns", f"{len(zones)} towns", "build",
         lambda: grid.areal_weights(zones, resolution=RES, metric_crs=b.crs, clip=clip),
         _same_weights),
        ("GeoJSON download", f"{len(kpis):,} cells", "page (download button)",
         lambda: export.cells_geojson(kpis), _same_geojson),
        ("CSV download", f"{len(kpis):,} cells", "page (download button)",
         lambda: export.cells_csv(kpis), lambda a, c: "same bytes" if a == c else "DIFFERENT"),
        ("map layer at res 9", f"{len(kpis):,} → res 9", "page (every rerun)",
         lambda: deck.hex_layer(grid.rollup(b.population, 9)).data,
         lambda a, c: "same records" if a == c else "DIFFERENT"),
    ]
    if have:
        print()
        print("whole operations, geo.grid's H3 calls done by h3-py (now) or by h3ronpy (before):")
        head2 = f"{'operation':<29}{'size':<18}{'h3ronpy':>10}{'geo.grid':>10}{'grid/ronpy':>12}"
        print(head2 + "  where; check")
        print("-" * (len(head2) + 15))
        for name, size, where, f, check in whole:
            def ronpy(f: Callable[[], Any] = f) -> Any:
                with h3ronpy_inside_grid():
                    return f()
            med, out = _time({"h3ronpy": ronpy, "geo.grid": f}, args.repeat)
            r = med["geo.grid"] / med["h3ronpy"]
            print(f"{name:<29}{size:<18}{med['h3ronpy']:>8.1f}ms{med['geo.grid']:>8.1f}ms"
                  f"{r:>11.2f}x  {where}; {check(out['geo.grid'], out['h3ronpy'])}")
            if r >= TARGET:
                pays_whole.append(name)

    print()
    if not have:
        print("decision: not re-measured (pip install h3ronpy to compare)")
        return 0
    print(f"steps where h3ronpy is >= {TARGET:.0f}x faster than geo.grid: "
          f"{', '.join(pays) or 'none'}")
    print(f"whole operations where it is >= {TARGET:.0f}x faster: "
          f"{', '.join(pays_whole) or 'none'}")
    if pays_whole:
        print("decision: h3ronpy pays where the user waits; keep it behind geo.grid")
    else:
        print("decision: h3ronpy does not pay where the user waits; geo.grid uses h3-py only")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
