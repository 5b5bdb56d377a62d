"""Reading and validating input files: encodings, JSON, GeoJSON, CSV, counts and coordinates."""

from __future__ import annotations

import io
import json
import math
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from pyproj import CRS
from shapely.geometry import shape

from .crs import WGS84
from .errors import InputError, Problem

#: Encodings tried in order; government files are usually CP932 (Shift_JIS with Windows extensions).
ENCODINGS: tuple[str, ...] = ("utf-8-sig", "cp932")

#: Values that mean "no figure" in Japanese statistics tables (blank, dash, secret, ellipsis).
MISSING_MARKS = frozenset(
    {"", "-", "－", "―", "ー", "−", "…", "...", "x", "X", "*", "＊", "秘匿", "NA", "nan", "NaN"}
)

#: Column names accepted for longitude and latitude in point CSVs.
LON_NAMES: tuple[str, ...] = ("lon", "lng", "long", "longitude", "経度", "x")
LAT_NAMES: tuple[str, ...] = ("lat", "latitude", "緯度", "y")

#: Rough extent of Japan (lon, lat), used to recognise swapped coordinates.
JAPAN_BOUNDS = (122.0, 20.0, 154.0, 46.0)


def decode_bytes(data: bytes, *, file: str) -> tuple[str, str]:
    """Decode a text file, detecting UTF-8 (with or without BOM) and CP932.

    Parameters
    ----------
    data
        Raw bytes of the file.
    file
        Name used in error messages.

    Returns
    -------
    tuple of str
        The text normalised to NFC, and the encoding that decoded it.
    """
    for enc in ENCODINGS:
        try:
            return unicodedata.normalize("NFC", data.decode(enc)), enc
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise InputError(
            Problem(file, "cannot tell the text encoding; save it as UTF-8 or Shift_JIS (CP932)")
        )
    return unicodedata.normalize("NFC", str(best)), best.encoding


def read_text(path: str | Path) -> tuple[str, str]:
    """Read a text file with :func:`decode_bytes`; returns (text, encoding)."""
    p = Path(path)
    return decode_bytes(p.read_bytes(), file=p.name)


def read_csv(path: str | Path) -> pd.DataFrame:
    """Read a CSV of any accepted encoding with every cell as a string (no guessing of types).

    Parameters
    ----------
    path
        The CSV file.

    Returns
    -------
    pandas.DataFrame
        Columns named as in the header (NFC, stripped); empty cells are "".
    """
    p = Path(path)
    text, _ = read_text(p)
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(Problem(p.name, f"not a readable CSV table ({exc})")) from exc
    df.columns = [str(c).strip() for c in df.columns]
    return df


def parse_count(value: Any, *, file: str, row: int | None, column: str) -> int | None:
    """Parse a head count written the way Japanese tables write them.

    Accepts thousands separators ("1,271", "1，271"), full-width digits, surrounding spaces and
    integral floats ("1271.0"). Blank, "-", "x", "*" and similar marks mean "no figure" and give
    None. Anything else (a word, a negative or fractional count) raises :class:`InputError`.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        raise InputError(Problem(file, f"expected a head count, got {value!r}", row, column))
    if isinstance(value, int):
        number: float = value
    else:
        s = unicodedata.normalize("NFKC", str(value)).strip()
        if s in MISSING_MARKS:
            return None
        s = s.replace(",", "").replace("_", "").replace(" ", "")
        try:
            number = float(s)
        except ValueError:
            raise InputError(
                Problem(file, f"expected a head count, got {value!r}", row, column)
            ) from None
    if not math.isfinite(number) or number < 0 or number != int(number):
        raise InputError(
            Problem(file, f"a head count must be a whole number ≥ 0, got {value!r}", row, column)
        )
    return int(number)


def _json_error_message(text: str, exc: json.JSONDecodeError) -> str:
    if exc.pos >= len(text.rstrip()) - 1 or exc.msg.startswith("Unterminated string"):
        return (
            f"the file ends early (truncated at line {exc.lineno}, column {exc.colno}); "
            "download or export it again"
        )
    return f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"


def _declared_crs(obj: dict[str, Any], *, file: str) -> CRS | None:
    member = obj.get("crs")
    if not member:
        return None
    try:
        name = member["properties"]["name"]
        return CRS.from_user_input(name)
    except Exception as exc:
        raise InputError(Problem(file, f"unknown coordinate reference system {member!r}")) from exc


def read_geojson(
    path: str | Path,
    *,
    geometry_types: Sequence[str] | None = None,
    bounds: tuple[float, float, float, float] | None = JAPAN_BOUNDS,
) -> gpd.GeoDataFrame:
    """Read and validate a GeoJSON FeatureCollection into lon/lat (EPSG:4326).

    Parameters
    ----------
    path
        The GeoJSON file (any accepted encoding).
    geometry_types
        Allowed geometry types, e.g. ``("Polygon", "MultiPolygon")``; None allows any.
    bounds
        (min lon, min lat, max lon, max lat) every coordinate must fall in after
        reprojection; used to catch swapped latitude/longitude and projected coordinates.
        None skips the check.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per feature, in file order (row numbers in messages are 1-based feature
        numbers), with the properties as columns.

    Raises
    ------
    InputError
        With every problem found, each naming the file, the feature and the field.
    """
    p = Path(path)
    text, _ = read_text(p)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(Problem(p.name, _json_error_message(text, exc))) from exc
    if not isinstance(obj, dict) or obj.get("type") != "FeatureCollection":
        raise InputError(Problem(p.name, "expected a GeoJSON FeatureCollection"))
    features = obj.get("features")
    if not isinstance(features, list):
        raise InputError(Problem(p.name, "the FeatureCollection has no 'features' list"))
    if not features:
        raise InputError(Problem(p.name, "the file holds no features (empty layer)"))
    crs = _declared_crs(obj, file=p.name) or CRS.from_user_input(WGS84)
    problems: list[Problem] = []
    geoms: list[Any] = []
    props: list[dict[str, Any]] = []
    for i, feat in enumerate(features, start=1):
        geom = feat.get("geometry") if isinstance(feat, dict) else None
        if not geom:
            problems.append(Problem(p.name, "feature has no geometry", i, "geometry"))
            geoms.append(None)
            props.append({})
            continue
        if geometry_types is not None and geom.get("type") not in geometry_types:
            problems.append(
                Problem(
                    p.name,
                    f"geometry is {geom.get('type')}, expected {' or '.join(geometry_types)}",
                    i,
                    "geometry",
                )
            )
        try:
            geoms.append(shape(geom))
        except Exception as exc:
            problems.append(Problem(p.name, f"broken geometry ({exc})", i, "geometry"))
            geoms.append(None)
        props.append(feat.get("properties") or {})
    if problems:
        raise InputError(problems)
    gdf = gpd.GeoDataFrame(pd.DataFrame(props), geometry=geoms, crs=crs)
    if not crs.equals(CRS.from_user_input(WGS84), ignore_axis_order=True):
        gdf = gdf.to_crs(WGS84)
    if bounds is not None:
        check_bounds(gdf, file=p.name, bounds=bounds)
    invalid = ~gdf.geometry.is_valid
    if invalid.any():
        gdf.loc[invalid, "geometry"] = gdf.geometry[invalid].make_valid()
    return gdf


def _inside(x: float, y: float, bounds: tuple[float, float, float, float]) -> bool:
    return bounds[0] <= x <= bounds[2] and bounds[1] <= y <= bounds[3]


def coordinate_problem(
    lon: float, lat: float, *, bounds: tuple[float, float, float, float]
) -> str | None:
    """Explain why a lon/lat pair is implausible for the area, or None when it is fine."""
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return "coordinates are missing or not numbers"
    if _inside(lon, lat, bounds):
        return None
    if _inside(lat, lon, bounds):
        return (
            f"latitude and longitude look swapped (lon={lon}, lat={lat}); "
            "put longitude (経度) first"
        )
    if abs(lon) > 180 or abs(lat) > 90:
        return (
            f"coordinates ({lon}, {lat}) are not longitude/latitude degrees; "
            "they look projected (e.g. plane rectangular metres): export as WGS84 / JGD2011 lon/lat"
        )
    return f"point ({lon}, {lat}) lies outside the expected area {bounds}"


def check_bounds(
    gdf: gpd.GeoDataFrame, *, file: str, bounds: tuple[float, float, float, float]
) -> None:
    """Raise :class:`InputError` naming each feature whose coordinates fall outside ``bounds``."""
    problems = []
    b = gdf.geometry.bounds
    for i, (minx, miny, maxx, maxy) in enumerate(b.itertuples(index=False), start=1):
        for x, y in ((minx, miny), (maxx, maxy)):
            msg = coordinate_problem(x, y, bounds=bounds)
            if msg:
                problems.append(Problem(file, msg, i, "geometry"))
                break
    if problems:
        raise InputError(problems)


def find_column(
    columns: Iterable[str], names: Sequence[str], *, file: str, what: str
) -> str:
    """Return the first column whose lower-cased name is in ``names``, or raise naming them."""
    lowered = {c.lower(): c for c in columns}
    for n in names:
        if n.lower() in lowered:
            return lowered[n.lower()]
    raise InputError(
        Problem(file, f"no {what} column; expected one of: {', '.join(names)}", 0, None)
    )


def read_points_csv(
    path: str | Path,
    *,
    bounds: tuple[float, float, float, float] | None = JAPAN_BOUNDS,
) -> gpd.GeoDataFrame:
    """Read a CSV of points with longitude/latitude columns (経度/緯度 or lon/lat).

    Parameters
    ----------
    path
        CSV in UTF-8, UTF-8 with BOM or CP932.
    bounds
        Plausible lon/lat extent (see :func:`read_geojson`).

    Returns
    -------
    geopandas.GeoDataFrame
        The other columns as strings, point geometry in EPSG:4326.
    """
    p = Path(path)
    df = read_csv(p)
    lon_col = find_column(df.columns, LON_NAMES, file=p.name, what="longitude")
    lat_col = find_column(df.columns, LAT_NAMES, file=p.name, what="latitude")
    problems: list[Problem] = []
    lons: list[float] = []
    lats: list[float] = []
    for i, (lo, la) in enumerate(zip(df[lon_col], df[lat_col], strict=True), start=1):
        try:
            x = float(unicodedata.normalize("NFKC", lo).strip())
            y = float(unicodedata.normalize("NFKC", la).strip())
        except ValueError:
            problems.append(
                Problem(p.name, f"not a number: {lo!r}, {la!r}", i, f"{lon_col}/{lat_col}")
            )
            lons.append(math.nan)
            lats.append(math.nan)
            continue
        if bounds is not None:
            msg = coordinate_problem(x, y, bounds=bounds)
            if msg:
                problems.append(Problem(p.name, msg, i, f"{lon_col}/{lat_col}"))
        lons.append(x)
        lats.append(y)
    if problems:
        raise InputError(problems)
    return gpd.GeoDataFrame(
        df.drop(columns=[lon_col, lat_col]),
        geometry=gpd.points_from_xy(lons, lats),
        crs=WGS84,
    )


def read_points(path: str | Path, **kwargs: Any) -> gpd.GeoDataFrame:
    """Read points from GeoJSON or CSV, chosen by the file's extension."""
    p = Path(path)
    if p.suffix.lower() in {".csv", ".txt"}:
        return read_points_csv(p, **kwargs)
    return read_geojson(p, geometry_types=("Point",), **kwargs)
