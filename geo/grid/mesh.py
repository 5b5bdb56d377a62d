"""JIS X 0410 regional mesh codes: validation, corners, polygons and areal weights onto H3."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import jismesh.utils as ju
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import CRS

from geo import grid
from geo.grid.crs import WGS84, metric_crs

#: Number of digits of the standard mesh codes this module accepts, with their size.
#: 4: 1st mesh (80 km), 6: 2nd mesh (10 km), 8: 3rd mesh (1 km), 9: 1/2 mesh (500 m),
#: 10: 1/4 mesh (250 m). The 1 km mesh spans 30″ of latitude × 45″ of longitude.
CODE_DIGITS: dict[int, str] = {4: "80 km", 6: "10 km", 8: "1 km", 9: "500 m", 10: "250 m"}


def _codes(codes: Any) -> list[str]:
    return [str(c).strip() for c in np.atleast_1d(np.asarray(codes, dtype=object))]


def invalid_reason(code: str) -> str | None:
    """Why ``code`` is not a standard JIS X 0410 mesh code, or None when it is one.

    Parameters
    ----------
    code
        The code as text, e.g. ``"54393088"``.

    Returns
    -------
    str or None
        A message naming the problem (wrong length, a non-digit, a 2nd-mesh digit above 7, a
        1/2 or 1/4 mesh digit outside 1–4).
    """
    if not code.isascii() or not code.isdigit():
        return f"mesh code {code!r} must be digits only"
    if len(code) not in CODE_DIGITS:
        return (f"mesh code {code!r} has {len(code)} digits; expected "
                + ", ".join(f"{n} ({size})" for n, size in CODE_DIGITS.items()))
    if len(code) >= 6 and (code[4] > "7" or code[5] > "7"):
        return f"mesh code {code!r}: digits 5 and 6 (the 10 km mesh) must be 0–7"
    if len(code) >= 9 and not all("1" <= ch <= "4" for ch in code[8:]):
        return f"mesh code {code!r}: digits after the 8th must be 1–4"
    return None


def validate(codes: Any) -> list[str]:
    """Mesh codes as strings, raising ValueError naming the first invalid one.

    Parameters
    ----------
    codes
        Codes as integers or strings.

    Returns
    -------
    list of str
    """
    out = _codes(codes)
    for c in out:
        reason = invalid_reason(c)
        if reason:
            raise ValueError(reason)
    return out


def corners(codes: Any) -> pd.DataFrame:
    """South-west and north-east corners of each mesh (JGD2011 lon/lat degrees).

    Parameters
    ----------
    codes
        Mesh codes (integers or strings).

    Returns
    -------
    pandas.DataFrame
        Indexed by code (str), columns ``south``, ``west``, ``north``, ``east``. For the 1 km
        mesh 54393088: south 36°19′ (36.31667), west 139°06′ (139.1), north 36.325,
        east 139.1125.
    """
    strs = validate(codes)
    arr = np.array([int(c) for c in strs], dtype=np.int64)
    if len(arr) == 0:
        return pd.DataFrame({"south": [], "west": [], "north": [], "east": []},
                            index=pd.Index([], dtype=str, name="mesh"))
    # jismesh's vector path fails on one-element arrays under NumPy 2 (np.asscalar): pad to 2
    padded = np.concatenate([arr, arr[:1]]) if len(arr) == 1 else arr
    south, west = (np.asarray(v, float)[: len(arr)] for v in ju.to_meshpoint(padded, 0.0, 0.0))
    north, east = (np.asarray(v, float)[: len(arr)] for v in ju.to_meshpoint(padded, 1.0, 1.0))
    return pd.DataFrame(
        {"south": south, "west": west, "north": north, "east": east},
        index=pd.Index(strs, name="mesh"),
    )


def polygons(codes: Any) -> gpd.GeoSeries:
    """Rectangle of each mesh in EPSG:4326 (JGD2011 and WGS 84 agree to well under 1 m).

    Parameters
    ----------
    codes
        Mesh codes.

    Returns
    -------
    geopandas.GeoSeries
        Indexed by code (str).
    """
    c = corners(codes)
    geoms = shapely.box(c["west"].to_numpy(), c["south"].to_numpy(),
                        c["east"].to_numpy(), c["north"].to_numpy())
    return gpd.GeoSeries(geoms, index=c.index, crs=WGS84)


def of_points(lon: Any, lat: Any, *, digits: int = 8) -> npt.NDArray[np.str_]:
    """Code of the mesh containing each lon/lat point.

    Parameters
    ----------
    lon, lat
        Coordinates in degrees.
    digits
        Length of the code: 4, 6, 8 (1 km, default), 9 or 10.
    """
    level = {4: 1, 6: 2, 8: 3, 9: 4, 10: 5}[digits]
    lat_a = np.asarray(lat, dtype=float)
    lon_a = np.asarray(lon, dtype=float)
    if lat_a.size == 0:
        return np.array([], dtype=str)
    n = lat_a.size
    if n == 1:  # see corners(): jismesh's vector path needs two or more elements
        lat_a, lon_a = np.repeat(lat_a.ravel(), 2), np.repeat(lon_a.ravel(), 2)
    out = ju.to_meshcode(lat_a, lon_a, level)
    return np.asarray(out).astype(np.int64).astype(str)[:n]


def of_cells(cells: Any, *, digits: int = 8) -> npt.NDArray[np.str_]:
    """Code of the mesh containing the centre of each H3 cell (H3 → mesh)."""
    lon, lat = grid.centroids(cells)
    return of_points(lon, lat, digits=digits)


def weights(codes: Any, *, resolution: int, crs: CRS | None = None) -> pd.DataFrame:
    """Share of each mesh's area in each H3 cell, for spreading mesh totals onto the grid.

    Parameters
    ----------
    codes
        Mesh codes.
    resolution
        H3 resolution of the cells.
    crs
        Metric CRS in which areas are measured (see :func:`crs_for`); by default the UTM zone
        of the meshes' centre, which gives the same shares to well under 0.1 %.

    Returns
    -------
    pandas.DataFrame
        As :func:`geo.grid.areal_weights`: ``zone`` (the mesh code), ``cell``, ``area_m2``,
        ``weight``; each mesh's weights sum to 1.
    """
    polys = polygons(codes)
    return grid.areal_weights(polys, resolution=resolution, metric_crs=crs or crs_for(polys))


def crs_for(polys: gpd.GeoSeries, *, prefecture: int | None = None) -> CRS:
    """A metric CRS for meshes: the prefecture's JGD2011 zone if known, else the UTM zone.

    Parameters
    ----------
    polys
        Mesh polygons (EPSG:4326).
    prefecture
        JIS prefecture code (e.g. 10 for Gunma → EPSG:6677).
    """
    if prefecture is not None:
        return metric_crs(prefecture=prefecture)
    minx, miny, maxx, maxy = polys.total_bounds
    return metric_crs(lon=float((minx + maxx) / 2), lat=float((miny + maxy) / 2))


def spread(values: pd.Series, w: pd.DataFrame) -> pd.Series:
    """Spread mesh totals onto H3 cells by areal weights; every mesh's total is conserved.

    Parameters
    ----------
    values
        Totals indexed by mesh code (str). Meshes without weights are dropped.
    w
        Output of :func:`weights`.

    Returns
    -------
    pandas.Series
        Float values indexed by cell (uint64), summed over meshes sharing a cell.
    """
    pieces = grid.spread(values, w)
    out = pieces.groupby("cell")["value"].sum()
    out.index = out.index.astype(np.uint64)
    out.index.name = "cell"
    return out
