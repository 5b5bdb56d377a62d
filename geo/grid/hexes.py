"""H3 grid: the one H3 boundary (uint64 inside, hex strings only at the edges), areal weighting.

Only :mod:`geo.grid` imports an H3 library, and it uses one: h3-py. Arrays of cells are
``uint64`` everywhere inside the project; hex strings (``8a2e74a1124ffff``) exist only where a
cell leaves for pydeck, a download or the store, or arrives from a click, a file or the store:
:func:`to_strings` / :func:`to_cells` for arrays, and the single-cell functions at the end
(:func:`is_cell`, :func:`cell_of_string`, :func:`parent_string` …) for one string at a time.

Index arithmetic that needs no geometry (resolution, parent, hex text) works on the bits of
the 64-bit index, vectorised with numpy: bit 63 reserved (0), bits 59-62 the mode (1 = cell),
bits 52-55 the resolution, bits 45-51 the base cell, then one 3-bit digit per resolution
1..15 with unused digits set to 7 (https://h3geo.org/docs/library/index/cell). Everything
geometric goes through h3-py one cell at a time. ``bench/bench_h3.py`` measures both against
h3ronpy (the vectorised library this module used before) on the app's real sizes.
"""

from __future__ import annotations

import re
from itertools import chain
from typing import Any, overload

import geopandas as gpd
import h3
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from h3.api import basic_int as h3i
from pyproj import CRS

from geo.grid.crs import WGS84
from geo.grid.ids import (
    _check_resolution,
    _int_of,
    area_km2,
    at_resolution,
    boundary,
    cell_of_string,
    center_child,
    children_strings,
    grid_disk,
    grid_distance,
    grid_ring,
    is_cell,
    parent_string,
    string_of_cell,
)

__all__ = [
    "BASE_RESOLUTION",
    "MIN_OVERLAP_M2",
    "RESOLUTIONS",
    "Cells",
    "area_km2",
    "areal_weights",
    "as_cells",
    "at_resolution",
    "boundary",
    "cell_of_string",
    "center_child",
    "centroids",
    "children",
    "children_strings",
    "cover",
    "grid_disk",
    "grid_distance",
    "grid_ring",
    "is_cell",
    "parent_string",
    "parents",
    "parse_cells",
    "points_to_cells",
    "polygons",
    "resolution_of",
    "rollup",
    "spread",
    "string_of_cell",
    "to_cells",
    "to_strings",
]

#: Resolutions offered on maps: res 7 (5.16 km²) … res 10 (0.015 km²).
RESOLUTIONS: tuple[int, ...] = (7, 8, 9, 10)
#: Resolution at which population is spread and coverage computed.
BASE_RESOLUTION = 10

Cells = npt.NDArray[np.uint64]

#: A zone whose area inside the clip is smaller than this (m²), and less than half of the zone,
#: is treated as outside it (a sliver from boundaries drawn from different sources).
MIN_OVERLAP_M2 = 1.0

_RES_SHIFT = np.uint64(52)
_RES_MASK = np.uint64(0xF) << _RES_SHIFT
_MODE_SHIFT = np.uint64(59)
_HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_NIBBLE_SHIFTS = np.arange(14, -1, -1, dtype=np.uint64) * np.uint64(4)
_HEX_IDS = re.compile(r"(?:[0-9A-Fa-f]{1,16}\n)*[0-9A-Fa-f]{1,16}")


# --- arrays of cells (uint64) --------------------------------------------------------------


def as_cells(cells: Any) -> Cells:
    """Return cells as a uint64 array, accepting uint64 ints or hex strings."""
    arr = np.asarray(cells)
    if arr.dtype.kind in {"U", "S", "O"}:
        return to_cells([str(c) for c in arr])
    return arr.astype(np.uint64, copy=False)


def to_strings(cells: Any) -> npt.NDArray[np.str_]:
    """Hex string ids (e.g. ``8a2e74a1124ffff``) of uint64 cells, for pydeck and exports."""
    arr = as_cells(cells).ravel()
    if len(arr) == 0:
        return np.array([], dtype=str)
    if bool(((arr >> _MODE_SHIFT) == 1).all()):
        # A cell index lies in [2**59, 2**60): always 15 hex digits, the first one 8..f.
        nibbles = (arr[:, None] >> _NIBBLE_SHIFTS) & np.uint64(0xF)
        text = np.ascontiguousarray(_HEX_DIGITS[nibbles]).view("S15").ravel()
        out: npt.NDArray[np.str_] = text.astype("U15")
        return out
    return np.array([format(int(c), "x") for c in arr], dtype=str)


def parse_cells(values: Any, *, decimal: bool = False) -> tuple[Cells, npt.NDArray[np.bool_]]:
    """Parse cell ids where any may be invalid: the cells (0 where invalid) and a validity mask.

    Parameters
    ----------
    values
        Hex ids (1-16 hex digits, either case; no spaces, no ``0x``).
    decimal
        Also accept decimal integer ids (17-20 digits), as databases export H3 ``BIGINT``
        columns. Hex ids have at most 16 characters, so the two never clash.
    """
    strs = [str(v) for v in values]
    if not strs:
        return np.array([], dtype=np.uint64), np.array([], dtype=bool)
    joined = "\n".join(strs)
    if joined.count("\n") == len(strs) - 1 and _HEX_IDS.fullmatch(joined):
        ints = [int(s, 16) for s in strs]  # the usual case: one regex pass checked them all
    else:
        ints = [_int_of(s, decimal=decimal) or 0 for s in strs]
    cells = np.fromiter(ints, dtype=np.uint64, count=len(ints))
    valid = np.fromiter(map(h3i.is_valid_cell, ints), dtype=bool, count=len(ints))
    cells[~valid] = 0
    return cells, valid


def to_cells(strings: Any) -> Cells:
    """Parse hex string ids into uint64 cells; raises ValueError naming an invalid id."""
    strs = [str(s) for s in strings]
    cells, valid = parse_cells(strs)
    if not valid.all():
        raise ValueError(f"not an H3 cell id: {strs[int(np.argmin(valid))]!r}")
    return cells


@overload
def resolution_of(cells: str | int | np.integer[Any]) -> int: ...
@overload
def resolution_of(
    cells: npt.NDArray[Any] | pd.Index | pd.Series | list[Any] | tuple[Any, ...],
) -> npt.NDArray[np.uint8]: ...
def resolution_of(cells: Any) -> int | npt.NDArray[np.uint8]:
    """H3 resolution of each cell; of one cell (hex string or int), an int."""
    if isinstance(cells, str):
        return int(h3i.get_resolution(cell_of_string(cells)))
    if isinstance(cells, int | np.integer):
        return int(h3i.get_resolution(int(cells)))
    arr = as_cells(cells)
    out: npt.NDArray[np.uint8] = ((arr & _RES_MASK) >> _RES_SHIFT).astype(np.uint8)
    return out


def parents(cells: Any, resolution: int) -> Cells:
    """Ancestor of each cell at a coarser ``resolution``; a cell already at ``resolution`` or
    coarser is returned as it is (so mixed resolutions need no mask)."""
    r = _check_resolution(resolution)
    arr = as_cells(cells)
    unused = (np.uint64(1) << np.uint64(3 * (15 - r))) - np.uint64(1)  # digits r+1..15 = 7
    parent = (arr & ~_RES_MASK) | (np.uint64(r) << _RES_SHIFT) | unused
    out: Cells = np.where(((arr & _RES_MASK) >> _RES_SHIFT) > r, parent, arr).astype(np.uint64)
    return out


def children(cells: Any, resolution: int) -> tuple[npt.NDArray[np.intp], Cells]:
    """Every descendant at a finer ``resolution`` of each cell.

    Returns
    -------
    tuple
        The position in ``cells`` of each child's parent, and the children (uint64), grouped
        by parent in input order.
    """
    r = _check_resolution(resolution)
    arr = as_cells(cells)
    kids = [h3i.cell_to_children(c, r) for c in arr.tolist()]
    owner = np.repeat(np.arange(len(kids), dtype=np.intp), [len(k) for k in kids])
    return owner, np.fromiter(chain.from_iterable(kids), dtype=np.uint64, count=len(owner))


def points_to_cells(lon: Any, lat: Any, resolution: int) -> Cells:
    """Cell containing each lon/lat point (ValueError for a missing or impossible coordinate)."""
    r = _check_resolution(resolution)
    lat_a = np.asarray(lat, dtype=float).ravel()
    lon_a = np.asarray(lon, dtype=float).ravel()
    if len(lat_a) != len(lon_a):
        raise ValueError(f"{len(lon_a)} longitudes but {len(lat_a)} latitudes")
    to_cell = h3i.latlng_to_cell
    return np.fromiter((to_cell(y, x, r) for y, x in zip(lat_a.tolist(), lon_a.tolist(),
                                                          strict=True)),
                       dtype=np.uint64, count=len(lat_a))


def centroids(cells: Any) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Centre (lon, lat) of each cell."""
    arr = as_cells(cells)
    if len(arr) == 0:
        return np.array([]), np.array([])
    latlng = np.array([h3i.cell_to_latlng(c) for c in arr.tolist()], dtype=float)
    return latlng[:, 1].copy(), latlng[:, 0].copy()


def polygons(cells: Any) -> gpd.GeoSeries:
    """Hexagon (or pentagon) polygon of each cell, in EPSG:4326."""
    arr = as_cells(cells)
    if len(arr) == 0:
        return gpd.GeoSeries([], crs=WGS84)
    to_boundary = h3i.cell_to_boundary
    rings = [(*b, b[0]) for b in map(to_boundary, arr.tolist())]  # closed, (lat, lng)
    sizes = np.fromiter(map(len, rings), dtype=np.int64, count=len(rings))
    latlng = np.fromiter(chain.from_iterable(chain.from_iterable(rings)), dtype=float,
                         count=2 * int(sizes.sum())).reshape(-1, 2)
    ring_offsets = np.concatenate([[0], np.cumsum(sizes)])
    geoms = shapely.from_ragged_array(shapely.GeometryType.POLYGON, latlng[:, ::-1].copy(),
                                      (ring_offsets, np.arange(len(rings) + 1)))
    return gpd.GeoSeries(geoms, crs=WGS84)


def cover(geometry: shapely.Geometry, resolution: int) -> Cells:
    """Every cell that overlaps ``geometry`` (lon/lat polygons), sorted and once each, so
    areal weighting loses no area; the polygonal parts of a collection count, lines and points
    do not. (h3-py lists a cell once per part of a multipolygon that it overlaps.)"""
    r = _check_resolution(resolution)
    parts = [g for g in shapely.get_parts(shapely.get_parts(geometry))
             if g.geom_type == "Polygon" and not g.is_empty]
    if not parts:
        return np.array([], dtype=np.uint64)
    shape = h3.geo_to_h3shape(parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts))
    return np.unique(np.array(h3i.h3shape_to_cells_experimental(shape, r, contain="overlap"),
                              dtype=np.uint64))


def areal_weights(
    zones: gpd.GeoSeries,
    *,
    resolution: int,
    metric_crs: CRS,
    clip: shapely.Geometry | None = None,
) -> pd.DataFrame:
    """Share of each zone's area falling in each H3 cell.

    Parameters
    ----------
    zones
        Polygons in EPSG:4326, indexed by zone id.
    resolution
        H3 resolution of the cells.
    metric_crs
        Equal-enough-area CRS in which to measure areas (a JGD2011 plane rectangular zone).
    clip
        Area (EPSG:4326) outside which nothing is allocated, e.g. the city boundary.

    Returns
    -------
    pandas.DataFrame
        Columns ``zone`` (the zone id), ``cell`` (uint64), ``area_m2`` and ``weight``; the
        weights of each zone sum to 1. Zones with no area inside ``clip`` are absent.
    """
    z = zones if clip is None else zones.intersection(clip)
    z = z[~z.is_empty & ~z.isna()]
    if clip is not None:
        # Drop slivers: a zone barely touching the clip would put all its people on its edge.
        kept = z.to_crs(metric_crs).area.to_numpy()
        full = zones.loc[z.index].to_crs(metric_crs).area.to_numpy()
        z = z[(kept >= MIN_OVERLAP_M2) | (kept >= 0.5 * full)]
    rows_zone: list[Any] = []
    rows_cell: list[Cells] = []
    for zone_id, geom in z.items():
        cells = cover(geom, resolution)
        rows_zone.append(np.full(len(cells), zone_id, dtype=object))
        rows_cell.append(cells)
    if not rows_cell:
        return pd.DataFrame(
            {"zone": [], "cell": np.array([], np.uint64), "area_m2": [], "weight": []}
        )
    zone_ids = np.concatenate(rows_zone)
    cells = np.concatenate(rows_cell)
    hexes = polygons(cells).to_crs(metric_crs)
    zm = gpd.GeoSeries(z.to_crs(metric_crs).loc[zone_ids].to_numpy(), crs=metric_crs)
    area = shapely.area(shapely.intersection(zm.to_numpy(), hexes.to_numpy()))
    out = pd.DataFrame({"zone": zone_ids, "cell": cells, "area_m2": area})
    out = out[out["area_m2"] > 0].reset_index(drop=True)
    out["weight"] = out["area_m2"] / out.groupby("zone")["area_m2"].transform("sum")
    return out


def spread(values: pd.Series, weights: pd.DataFrame) -> pd.DataFrame:
    """Spread zone totals onto cells by areal weights, conserving every zone's total.

    Parameters
    ----------
    values
        Totals indexed by zone id (e.g. a town's population). Zones without weights are dropped.
    weights
        Output of :func:`areal_weights`.

    Returns
    -------
    pandas.DataFrame
        Columns ``zone``, ``cell`` and ``value`` (float; sums to each zone's total).
    """
    w = weights[weights["zone"].isin(values.index)]
    out = w[["zone", "cell"]].copy()
    out["value"] = w["weight"].to_numpy() * values.loc[w["zone"]].to_numpy(dtype=float)
    return out.reset_index(drop=True)


def rollup(values: pd.Series, resolution: int, *, how: str = "sum") -> pd.Series:
    """Aggregate a per-cell Series (uint64 index) to a coarser ``resolution``.

    Parameters
    ----------
    values
        Values indexed by cells of one resolution.
    resolution
        Target (coarser or equal) resolution.
    how
        Any pandas groupby reduction: "sum", "mean", "min", "max".
    """
    if len(values) == 0:
        return values
    idx = as_cells(values.index.to_numpy())
    if int(resolution_of(idx[:1])[0]) == resolution:
        return values
    parent = parents(idx, resolution)
    out = values.groupby(parent).agg(how)
    out.index = out.index.astype(np.uint64)
    out.index.name = values.index.name
    return out
