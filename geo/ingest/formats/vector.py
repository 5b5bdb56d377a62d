"""Vector layers in any format staff download: GeoJSON, GeoPackage, Shapefile (also zipped)."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import pyogrio
from pyproj import CRS

from geo.errors import InputError, Problem
from geo.grid.crs import WGS84
from geo.ingest.archive import BoundedZip
from geo.ingest.io import (
    JAPAN_BOUNDS,
    check_bounds,
    empty_layer,
    no_geometry,
    read_geojson,
    unreadable,
    wrong_geometry,
)

logger = logging.getLogger(__name__)

#: File endings read by :func:`read_vector`.
VECTOR_SUFFIXES: tuple[str, ...] = (".geojson", ".json", ".gpkg", ".shp", ".zip")

#: Whole-world lon/lat bounds, for cities outside Japan (only catches projected coordinates).
WORLD_BOUNDS = (-180.0, -90.0, 180.0, 90.0)


def _is_geojson(p: Path) -> bool:
    return p.suffix.lower() in {".geojson", ".json"}


def _shapefile_encoding(p: Path) -> str | None:
    """CP932 for a Shapefile without a ``.cpg`` (国土数値情報 ships Shift_JIS DBFs that way)."""
    if p.suffix.lower() != ".shp":
        return None
    if p.with_suffix(".cpg").exists() or p.with_suffix(".CPG").exists():
        return None
    return "cp932"


def _read_file(p: Path, layer: str | None) -> gpd.GeoDataFrame:
    """Read the layer with pyogrio (CP932 for a Shapefile without ``.cpg``, GDAL's guess when
    that fails); a ``.zip`` is unpacked first by :class:`geo.ingest.archive.BoundedZip`."""
    if p.suffix.lower() == ".zip":
        return _read_zip(p, layer)
    return _read_dataframe(p, layer, encoding=_shapefile_encoding(p), name=p.name)


def _read_dataframe(p: Path, layer: str | None, *, encoding: str | None,
                    name: str) -> gpd.GeoDataFrame:
    try:
        gdf = pyogrio.read_dataframe(p, layer=layer, encoding=encoding)
    except UnicodeDecodeError:
        gdf = pyogrio.read_dataframe(p, layer=layer)
    except Exception as exc:  # pyogrio raises several GDAL error classes
        raise InputError(unreadable(name, "vector file", "地図データ", exc)) from exc
    logger.info("read %s (%d features)", name, len(gdf))
    return gdf


def _read_zip(p: Path, layer: str | None) -> gpd.GeoDataFrame:
    """The Shapefile (else GeoPackage or GeoJSON) inside a zip, unpacked with every member
    checked and capped first (a zip bomb is refused before it is unpacked). Like GDAL's
    ``/vsizip/``, the encoding is GDAL's guess unless the zip holds a ``.cpg``."""
    with tempfile.TemporaryDirectory(prefix="diorama-zip-") as tmp, BoundedZip(p) as z:
        files = z.extract_all(Path(tmp))
        inner = [f for suffix in (".shp", ".gpkg", ".geojson", ".json") for f in files
                 if f.suffix.lower() == suffix]
        if not inner:
            raise InputError(Problem(p.name, "the zip holds no Shapefile (.shp), GeoPackage or "
                                     "GeoJSON", None, None, "zipの中にシェープファイル(.shp)、"
                                     "GeoPackage、GeoJSONがありません。"))
        chosen = next((f for f in inner if layer and f.stem == layer), inner[0])
        return _read_dataframe(chosen, None if chosen.stem == layer else layer,
                               encoding=None, name=p.name)


def _to_lonlat(gdf: gpd.GeoDataFrame, p: Path) -> gpd.GeoDataFrame:
    """The layer in lon/lat: reprojected, or taken as lon/lat when it has no CRS and its
    coordinates fit (refused when they look like metres)."""
    if gdf.crs is None:
        minx, miny, maxx, maxy = gdf.total_bounds
        if max(abs(minx), abs(maxx)) > 180 or max(abs(miny), abs(maxy)) > 90:
            raise InputError(Problem(
                p.name, "the file has no coordinate reference system (.prj missing) and its "
                "coordinates are not longitude/latitude degrees (they look like metres); "
                "add the .prj file or export as EPSG:4326 / JGD2011 (EPSG:6668)", None,
                "geometry", "座標参照系がなく(.prj がありません)、座標が経度・緯度(度)ではなく"
                "メートルのようです。.prj ファイルを添えるか、EPSG:4326 / JGD2011(EPSG:6668)で"
                "書き出してください。"))
        return gdf.set_crs(WGS84)
    if not CRS.from_user_input(gdf.crs).equals(CRS.from_user_input(WGS84),
                                               ignore_axis_order=True):
        return gdf.to_crs(WGS84)
    return gdf


def _geometry_problems(gdf: gpd.GeoDataFrame, p: Path,
                       geometry_types: Sequence[str]) -> list[Problem]:
    """Features without a geometry or of a type not allowed (multi-part variants are)."""
    problems: list[Problem] = []
    allowed = set(geometry_types) | {f"Multi{t}" for t in geometry_types}
    for i, (g, t) in enumerate(zip(gdf.geometry, gdf.geom_type, strict=True), start=1):
        if g is None or g.is_empty:
            problems.append(no_geometry(p.name, i))
        elif t not in allowed:
            problems.append(wrong_geometry(p.name, i, t, geometry_types))
    return problems


def read_vector(
    path: str | Path,
    *,
    geometry_types: Sequence[str] | None = None,
    bounds: tuple[float, float, float, float] | None = JAPAN_BOUNDS,
    layer: str | None = None,
) -> gpd.GeoDataFrame:
    """Read a vector layer into lon/lat (EPSG:4326), validated like
    :func:`geo.ingest.io.read_geojson`.

    Parameters
    ----------
    path
        A GeoJSON, GeoPackage (``.gpkg``), Shapefile (``.shp`` beside its ``.dbf``/``.shx``/
        ``.prj``) or a ``.zip`` holding one Shapefile.
    geometry_types
        Allowed geometry types (e.g. ``("Point",)``); multi-part variants of them are allowed
        too for non-GeoJSON files. None allows any.
    bounds
        Plausible lon/lat extent after reprojection (catches swapped axes, a wrong or missing
        CRS). None skips the check.
    layer
        Layer of a multi-layer GeoPackage; the first layer by default.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per feature in file order (row numbers in messages are 1-based).

    Raises
    ------
    InputError
        Naming the file, the feature and the field: unreadable file, empty layer, no CRS with
        projected coordinates, geometry of the wrong type, coordinates outside ``bounds``.
    """
    p = Path(path)
    if _is_geojson(p):
        return read_geojson(p, geometry_types=geometry_types, bounds=bounds)
    if p.suffix.lower() not in VECTOR_SUFFIXES:
        raise InputError(Problem(p.name, "not a vector format this tool reads; use GeoJSON, "
                                         "GeoPackage (.gpkg) or a Shapefile (.shp or .zip)",
                                 None, None, "読めない形式です。GeoJSON、GeoPackage(.gpkg)、"
                                 "シェープファイル(.shp か .zip)にしてください。"))
    gdf = _read_file(p, layer)
    if len(gdf) == 0:
        raise InputError(empty_layer(p.name))
    gdf = _to_lonlat(gdf, p)
    if geometry_types is not None:
        problems = _geometry_problems(gdf, p, geometry_types)
        if problems:
            raise InputError(problems[:20])
    if bounds is not None:
        check_bounds(gdf, file=p.name, bounds=bounds)
    invalid = ~gdf.geometry.is_valid
    if invalid.any():
        gdf.loc[invalid, "geometry"] = gdf.geometry[invalid].make_valid()
    return gdf.reset_index(drop=True)
