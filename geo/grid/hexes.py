"""H3 grid: the one conversion boundary (uint64 inside, hex strings outside), areal weighting."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import h3ronpy
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import shapely
from h3ronpy import ContainmentMode
from h3ronpy import vector as h3v
from pyproj import CRS

from geo.grid.crs import WGS84

__all__ = [
    "BASE_RESOLUTION",
    "MIN_OVERLAP_M2",
    "RESOLUTIONS",
    "Cells",
    "areal_weights",
    "as_cells",
    "centroids",
    "cover",
    "parents",
    "points_to_cells",
    "polygons",
    "resolution_of",
    "rollup",
    "spread",
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


def _np(arr: Any) -> npt.NDArray[Any]:
    out: npt.NDArray[Any] = pa.array(arr).to_numpy(zero_copy_only=False)
    return out


def as_cells(cells: Any) -> Cells:
    """Return cells as a uint64 array, accepting uint64 ints or hex strings."""
    arr = np.asarray(cells)
    if arr.dtype.kind in {"U", "S", "O"}:
        return to_cells([str(c) for c in arr])
    return arr.astype(np.uint64, copy=False)


def to_strings(cells: Any) -> npt.NDArray[np.str_]:
    """Hex string ids (e.g. ``8a2e74a1124ffff``) of uint64 cells, for pydeck and exports."""
    arr = as_cells(cells)
    if len(arr) == 0:
        return np.array([], dtype=str)
    return _np(h3ronpy.cells_to_string(arr)).astype(str)


def to_cells(strings: Any) -> Cells:
    """Parse hex string ids into uint64 cells; raises ValueError naming an invalid id."""
    strs = [str(s) for s in strings]
    if not strs:
        return np.array([], dtype=np.uint64)
    parsed = pa.array(h3ronpy.cells_parse(pa.array(strs), set_failing_to_invalid=True))
    valid = parsed.is_valid().to_numpy(zero_copy_only=False)
    if not valid.all():
        raise ValueError(f"not an H3 cell id: {strs[int(np.argmin(valid))]!r}")
    out: Cells = parsed.to_numpy(zero_copy_only=False).astype(np.uint64)
    return out


def resolution_of(cells: Any) -> npt.NDArray[np.uint8]:
    """H3 resolution of each cell."""
    return _np(h3ronpy.cells_resolution(as_cells(cells))).astype(np.uint8)


def parents(cells: Any, resolution: int) -> Cells:
    """Parent (ancestor) cell of each cell at a coarser ``resolution``."""
    return _np(h3ronpy.change_resolution(as_cells(cells), resolution)).astype(np.uint64)


def points_to_cells(lon: Any, lat: Any, resolution: int) -> Cells:
    """Cell containing each lon/lat point."""
    lat_a = np.asarray(lat, dtype=float)
    lon_a = np.asarray(lon, dtype=float)
    return _np(h3v.coordinates_to_cells(lat_a, lon_a, resolution)).astype(np.uint64)


def centroids(cells: Any) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Centre (lon, lat) of each cell."""
    arr = as_cells(cells)
    if len(arr) == 0:
        return np.array([]), np.array([])
    batch = pa.record_batch(h3v.cells_to_coordinates(arr))
    return (
        batch.column("lng").to_numpy(),
        batch.column("lat").to_numpy(),
    )


def polygons(cells: Any) -> gpd.GeoSeries:
    """Hexagon polygon of each cell, in EPSG:4326."""
    arr = as_cells(cells)
    wkb = _np(h3v.cells_to_wkb_polygons(arr)) if len(arr) else np.array([], dtype=object)
    return gpd.GeoSeries(shapely.from_wkb(wkb), crs=WGS84)


def cover(geometry: shapely.Geometry, resolution: int) -> Cells:
    """Every cell that touches ``geometry`` (lon/lat), so areal weighting loses no area."""
    return _np(
        h3v.geometry_to_cells(geometry, resolution, containment_mode=ContainmentMode.Covers)
    ).astype(np.uint64)


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
