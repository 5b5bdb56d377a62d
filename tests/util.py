"""Shared, hand-worked fixtures for the geo tests (plain helpers, no pytest magic).

Everything is laid out in EPSG:6677 (JGD2011 plane rectangular zone IX, Gunma) around a base
point near Maebashi city hall, so distances can be worked out by hand in metres and then
converted to lon/lat with pyproj, the way the library receives real data.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS, Transformer

from geo import grid
from geo.ingest import bundle
from geo.ingest.walkgraph import WalkNetwork, from_frames

#: Folder holding ``raw/`` and the shipped bundles.
REPO_DATA = Path(__file__).resolve().parent.parent / "data"
#: The moderators' password of the AppTest flows (tests/conftest.py: fresh_store).
APP_PASSWORD = "correct horse battery staple"

#: Metric CRS of Maebashi (prefecture 10 → zone IX).
CRS_6677 = CRS.from_epsg(6677)

#: Base point in EPSG:6677 (metres), about 100 m from Maebashi city hall (139.0634, 36.3895).
BASE_X = -69_000.0
BASE_Y = 43_500.0

#: Maebashi city total population in the shipped bundle (2025-06-30).
MAEBASHI_POPULATION = 321_390

_TO_LONLAT = Transformer.from_crs(CRS_6677, "EPSG:4326", always_xy=True)
_TO_XY = Transformer.from_crs("EPSG:4326", CRS_6677, always_xy=True)


def to_lonlat(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """EPSG:6677 metres → lon/lat degrees."""
    lon, lat = _TO_LONLAT.transform(np.asarray(x, float), np.asarray(y, float))
    return np.asarray(lon, float), np.asarray(lat, float)


def to_xy(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """lon/lat degrees → EPSG:6677 metres."""
    x, y = _TO_XY.transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(x, float), np.asarray(y, float)


def points_gdf(xy: Sequence[tuple[float, float]], *, kind: str = "shelter",
               names: Sequence[str] | None = None) -> gpd.GeoDataFrame:
    """Facility points given in EPSG:6677 metres, as the lon/lat frame the library expects."""
    xs = [p[0] for p in xy]
    ys = [p[1] for p in xy]
    lon, lat = to_lonlat(xs, ys)
    return gpd.GeoDataFrame(
        {"name": list(names) if names is not None else [f"f{i}" for i in range(len(xy))],
         "kind": kind},
        geometry=gpd.points_from_xy(lon, lat),
        crs="EPSG:4326",
    )


def cell_at(x: float, y: float, resolution: int = 10) -> np.uint64:
    """The H3 cell containing the EPSG:6677 point (x, y)."""
    lon, lat = to_lonlat([x], [y])
    return grid.points_to_cells(lon, lat, resolution)[0]


def cell_centre_xy(cell: Any) -> tuple[float, float]:
    """Centre of an H3 cell in EPSG:6677 metres."""
    lon, lat = grid.centroids(np.array([cell], dtype=np.uint64))
    x, y = to_xy(lon, lat)
    return float(x[0]), float(y[0])


# --------------------------------------------------------------------------------------------
# The 3×3 walking grid
#
#     6 ── 7 ── 8        y = oy + 200
#     │    │    │
#     3 ── 4 ── 5        y = oy + 100
#     │    │    │
#     0 ── 1 ── 2        y = oy
#
#   x = ox, ox + 100, ox + 200.  Every edge is exactly 100 m long.  Optional extra nodes (e.g.
#   a disconnected node 9) get no edges.
# --------------------------------------------------------------------------------------------

#: The 12 edges of the 3×3 grid (node positions).
GRID_EDGES: tuple[tuple[int, int], ...] = (
    (0, 1), (1, 2), (3, 4), (4, 5), (6, 7), (7, 8),
    (0, 3), (3, 6), (1, 4), (4, 7), (2, 5), (5, 8),
)
SPACING = 100.0


def node_xy(k: int, ox: float = BASE_X, oy: float = BASE_Y) -> tuple[float, float]:
    """Metric position of grid node ``k`` (0..8)."""
    return ox + SPACING * (k % 3), oy + SPACING * (k // 3)


def grid_network(
    ox: float = BASE_X,
    oy: float = BASE_Y,
    *,
    extra_nodes: Iterable[tuple[float, float]] = (),
    edges: Iterable[tuple[int, int]] = GRID_EDGES,
) -> WalkNetwork:
    """The hand-built 3×3 network (nodes given in lon/lat converted from EPSG:6677)."""
    xy = [node_xy(k, ox, oy) for k in range(9)] + list(extra_nodes)
    lon, lat = to_lonlat([p[0] for p in xy], [p[1] for p in xy])
    e = list(edges)
    return from_frames(
        pd.DataFrame({"lon": lon, "lat": lat}),
        pd.DataFrame({"u": [a for a, _ in e], "v": [b for _, b in e],
                      "length": [SPACING] * len(e)}),
        crs=CRS_6677,
    )


# --------------------------------------------------------------------------------------------
# Files and a tiny raw city
# --------------------------------------------------------------------------------------------


def write_geojson(path: Path, features: list[dict[str, Any]], *,
                  crs_name: str | None = None) -> Path:
    """Write a FeatureCollection (UTF-8), optionally with an old-style ``crs`` member."""
    obj: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if crs_name is not None:
        obj["crs"] = {"type": "name", "properties": {"name": crs_name}}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    return path


def rect_lonlat(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
    """Closed ring (lon/lat) of the metric rectangle [x0, x1] × [y0, y1]."""
    xs = [x0, x1, x1, x0, x0]
    ys = [y0, y0, y1, y1, y0]
    lon, lat = to_lonlat(xs, ys)
    return [[float(a), float(b)] for a, b in zip(lon, lat, strict=True)]


def polygon_feature(ring: list[list[float]], props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "properties": props,
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def point_feature(lon: float, lat: float, props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "properties": props,
            "geometry": {"type": "Point", "coordinates": [float(lon), float(lat)]}}


#: Towns of the tiny city, in metres relative to the base point:
#: T1 = west half of the south row, T2 = east half of the south row, T3 = the whole north row.
TINY_TOWNS = (
    ("T1", "西町", (-1000.0, -1000.0, 0.0, 0.0)),
    ("T2", "東町", (0.0, -1000.0, 1000.0, 0.0)),
    ("T3", "北町", (-1000.0, 0.0, 1000.0, 1000.0)),
)

TINY_RECIPE = """\
id = "{city}"
name_ja = "小さな市"
name_en = "Tiny"
prefecture = 10

[boundary]
file = "boundary.geojson"
title = "Tiny boundary"
licence = "CC BY 4.0"
attribution = "tests"

[towns]
file = "towns.geojson"
code = "KEY_CODE"
name = "S_NAME"
population = "総人口"
as_of = "2025-06-30"
title = "Tiny towns"
licence = "CC BY 4.0"
attribution = "tests"

[[facilities]]
file = "{bus_file}"
kind = "bus_stop"
name = "名称"
departures = "本数"
title = "Tiny bus stops"
licence = "CC BY 4.0"
attribution = "tests"

[[facilities]]
file = "shelters.geojson"
kind = "shelter"
classify = true
name = "name"
title = "Tiny shelters"
licence = "CC BY 4.0"
attribution = "tests"
"""


def make_tiny_city(
    data_dir: Path,
    *,
    city: str = "tiny",
    populations: Sequence[Any] = ("1,200", 800, 0),
    codes: Sequence[str] = ("T1", "T2", "T3"),
    population_column: str = "総人口",
    bus_rows: Sequence[tuple[str, str, str, str]] | None = None,
    bus_file: str = "bus.csv",
    write_bus: bool = True,
) -> Path:
    """Write ``<data_dir>/raw/<city>/`` (2 km × 2 km square city of three towns) and return it.

    The boundary is the square [-1000, 1000]² m around the base point; the towns tile it
    exactly (shared corners). Bus stops come from a CSV with columns 名称, 経度, 緯度, 本数 (given
    as strings, so tests can put any text in them); by default one stop at the base point with
    "45" departures. Shelters: 大手公園 (a park) at (+300, +300) and 市民体育館 (not classified)
    at (−300, −300).
    """
    raw = data_dir / "raw" / city
    raw.mkdir(parents=True, exist_ok=True)
    write_geojson(raw / "boundary.geojson",
                  [polygon_feature(rect_lonlat(-1000 + BASE_X, -1000 + BASE_Y,
                                               1000 + BASE_X, 1000 + BASE_Y), {"name": "tiny"})])
    feats = []
    for (_, name, (x0, y0, x1, y1)), code, pop in zip(TINY_TOWNS, codes, populations,
                                                      strict=True):
        feats.append(polygon_feature(
            rect_lonlat(x0 + BASE_X, y0 + BASE_Y, x1 + BASE_X, y1 + BASE_Y),
            {"KEY_CODE": code, "S_NAME": name, population_column: pop}))
    write_geojson(raw / "towns.geojson", feats)
    if bus_rows is None:
        lon, lat = to_lonlat([BASE_X], [BASE_Y])
        bus_rows = [("中央", f"{lon[0]:.7f}", f"{lat[0]:.7f}", "45")]
    if write_bus:
        lines = ["名称,経度,緯度,本数"] + [",".join(r) for r in bus_rows]
        (raw / bus_file).write_text("\n".join(lines) + "\n", encoding="utf-8")
    slon, slat = to_lonlat([BASE_X + 300, BASE_X - 300], [BASE_Y + 300, BASE_Y - 300])
    write_geojson(raw / "shelters.geojson", [
        point_feature(slon[0], slat[0], {"name": "大手公園"}),
        point_feature(slon[1], slat[1], {"name": "市民体育館"}),
    ])
    (raw / "city.toml").write_text(TINY_RECIPE.format(city=city, bus_file=bus_file),
                                   encoding="utf-8")
    return raw


def load_shipped(city: str) -> bundle.CityBundle:
    """Load a shipped bundle from the repository's ``data/`` (not from DIORAMA_BUNDLE_DIR)."""
    return bundle.load(city, data_dir=REPO_DATA)


def map_specs(at: Any) -> list[dict[str, Any]]:
    """The deck spec (pydeck JSON: layers, initial view) of every map an AppTest page drew
    (ui.deckmap.deck_map), in page order."""
    return [json.loads(json.loads(el.proto.json)["spec"]) for el in at.get("bidi_component")
            if el.proto.component_name == "diorama_map"]
