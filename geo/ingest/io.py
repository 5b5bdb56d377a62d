"""Reading and validating input files: encodings, JSON, GeoJSON, CSV, counts and coordinates."""

from __future__ import annotations

import io
import json
import logging
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from pyproj import CRS
from shapely.geometry import shape

from geo.errors import InputError, Problem
from geo.grid.crs import WGS84

logger = logging.getLogger(__name__)

#: Encodings tried in order: Japanese municipal files are UTF-8 or CP932 (Shift_JIS with
#: Windows extensions), older ones EUC-JP. Nothing else is guessed (a detector left to itself
#: reads Shift_JIS as Korean cp949 or Cyrillic cp1251).
ENCODINGS: tuple[str, ...] = ("utf-8", "cp932", "euc_jp")
#: Byte-order marks and what they mean.
BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))

#: Values that mean "no figure" in Japanese statistics tables (blank, dash, secret, ellipsis).
MISSING_MARKS = frozenset(
    {"", "-", "－", "―", "ー", "−", "…", "...", "x", "X", "*", "＊", "秘匿", "NA", "nan", "NaN"}
)

#: Column names accepted for longitude and latitude in point CSVs.
LON_NAMES: tuple[str, ...] = ("lon", "lng", "long", "longitude", "経度", "x")
LAT_NAMES: tuple[str, ...] = ("lat", "latitude", "緯度", "y")

#: Rough extent of Japan (lon, lat), used to recognise swapped coordinates.
JAPAN_BOUNDS = (122.0, 20.0, 154.0, 46.0)


def _decodes(data: bytes, encoding: str) -> str | UnicodeDecodeError:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        return exc


def _header(data: bytes, encoding: str) -> list[str]:
    """Column names of the first line, if it decodes in ``encoding`` (else none)."""
    first = data.split(b"\n", 1)[0].rstrip(b"\r")
    text = _decodes(first, encoding)
    return [] if isinstance(text, UnicodeDecodeError) else [c.strip() for c in text.split(",")]


def _undecodable(failures: dict[str, tuple[bytes, UnicodeDecodeError]], *, file: str,
                 after_bom: bool) -> InputError:
    lines = {enc: buf.count(b"\n", 0, exc.start) + 1 for enc, (buf, exc) in failures.items()}
    where = ", ".join(f"{enc} stops at line {n}" for enc, n in lines.items())
    where_ja = "、".join(f"{enc}は{n}行目で失敗" for enc, n in lines.items())
    best = max(lines, key=lines.__getitem__)
    header = _header(failures[best][0], best)
    cols_en = (f"; the first line read as {best} holds the columns: {', '.join(header)}"
               if header else "")
    cols_ja = f"{best}で読んだ1行目の列: {', '.join(header)}。" if header else ""
    lead = "after its UTF-8 byte-order mark " if after_bom else ""
    lead_ja = "UTF-8のBOMの後ろを" if after_bom else ""
    return InputError(Problem(
        file, f"cannot read the text {lead}in any encoding tried ({where}){cols_en}; the file "
        "may be cut short or mix encodings: save it again as UTF-8 or Shift_JIS (CP932)",
        None, None,
        f"{lead_ja}どの文字コードでも読めません({where_ja})。{cols_ja}ファイルが途中で切れているか、"
        "文字コードが混在しています。UTF-8かShift_JIS(CP932)で保存し直してください。"))


def decode_bytes(data: bytes, *, file: str) -> tuple[str, str]:
    """Decode a text file: UTF-8 (with or without BOM), CP932 (Shift_JIS) or EUC-JP.

    A byte-order mark decides first, except that a UTF-8 BOM in front of CP932 text (as some
    editors save it) is read as CP932. Otherwise UTF-8, CP932 and EUC-JP are tried in that
    order; when CP932 and EUC-JP both decode, charset-normalizer chooses between those two
    only, and CP932 is taken when it cannot tell.

    Parameters
    ----------
    data
        Raw bytes of the file.
    file
        Name used in error messages.

    Returns
    -------
    tuple of str
        The text normalised to NFC, and the encoding that decoded it: a codec name
        (``utf-8``, ``utf-8-sig`` with a BOM, ``cp932``, ``euc_jp``, ``utf-16``) or
        ``"cp932 (after a UTF-8 BOM)"``.

    Raises
    ------
    InputError
        When no encoding decodes the text, naming the file, the line where each encoding
        stopped and the columns of the first line, in English and Japanese.
    """
    bom = next(((mark, enc) for mark, enc in BOMS if data.startswith(mark)), None)
    body = data[len(bom[0]):] if bom else data
    tried = (bom[1], *ENCODINGS[1:]) if bom else ENCODINGS
    decoded: dict[str, str] = {}
    failures: dict[str, tuple[bytes, UnicodeDecodeError]] = {}
    for enc in tried:
        buf = data if enc in {"utf-8-sig", "utf-16"} else body
        text = _decodes(buf, enc)
        if isinstance(text, UnicodeDecodeError):
            failures[enc] = (buf, text)
            continue
        decoded[enc] = text
        if enc in {"utf-8", "utf-8-sig", "utf-16"}:
            break  # a strict UTF decode is never a coincidence
    after_bom = bom is not None and bom[1] == "utf-8-sig"
    if not decoded:
        raise _undecodable(failures, file=file, after_bom=after_bom)
    chosen = next(iter(decoded))
    if len(decoded) > 1:
        from charset_normalizer import from_bytes

        best = from_bytes(body, cp_isolation=list(decoded)).best()
        if best is not None and best.encoding in decoded:
            chosen = best.encoding
    label = f"{chosen} (after a UTF-8 BOM)" if after_bom and chosen != "utf-8-sig" else chosen
    return unicodedata.normalize("NFC", decoded[chosen]), label


def read_text(path: str | Path) -> tuple[str, str]:
    """Read a text file with :func:`decode_bytes`; returns (text, encoding)."""
    p = Path(path)
    text, encoding = decode_bytes(p.read_bytes(), file=p.name)
    logger.info("read %s (%s)", p.name, encoding)
    return text, encoding


def read_csv(path: str | Path) -> pd.DataFrame:
    """Read a CSV of any accepted encoding with every cell as a string (no guessing of types).

    Parameters
    ----------
    path
        The CSV file.

    Returns
    -------
    pandas.DataFrame
        Columns named as in the header (NFC, stripped); empty cells are "". The encoding
        that decoded the file is in ``attrs["encoding"]`` (for messages).
    """
    p = Path(path)
    text, encoding = read_text(p)
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(unreadable(p.name, "CSV table", "CSVの表",
                                    f"{exc}; read as {encoding}")) from exc
    df.columns = [str(c).strip() for c in df.columns]
    df.attrs["encoding"] = encoding
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
        raise InputError(_not_a_count(value, file=file, row=row, column=column))
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
            raise InputError(_not_a_count(value, file=file, row=row, column=column)) from None
    if not math.isfinite(number) or number < 0 or number != int(number):
        raise InputError(Problem(
            file, f"a head count must be a whole number ≥ 0, got {value!r}", row, column,
            f"人数は0以上の整数で書いてください(「{value}」)。"))
    return int(number)


def _not_a_count(value: object, *, file: str, row: int | None, column: str) -> Problem:
    return Problem(file, f"expected a head count, got {value!r}", row, column,
                   f"人数が入るところに「{value}」とあります。数字で書いてください。")


def _json_problem(file: str, text: str, exc: json.JSONDecodeError) -> Problem:
    if exc.pos >= len(text.rstrip()) - 1 or exc.msg.startswith("Unterminated string"):
        return Problem(
            file, f"the file ends early (truncated at line {exc.lineno}, column {exc.colno}); "
            "download or export it again", None, None,
            f"ファイルが途中で切れています({exc.lineno}行目 {exc.colno}文字目)。"
            "もう一度ダウンロードするか書き出してください。")
    return Problem(file, f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                   None, None, f"JSONとして読めません({exc.lineno}行目 {exc.colno}文字目: "
                   f"{exc.msg})。")


def _declared_crs(obj: dict[str, Any], *, file: str) -> CRS | None:
    member = obj.get("crs")
    if not member:
        return None
    try:
        name = member["properties"]["name"]
        return CRS.from_user_input(name)
    except Exception as exc:
        raise InputError(Problem(
            file, f"unknown coordinate reference system {member!r}", None, None,
            f"座標参照系(CRS) {member!r} が分かりません。WGS84 / JGD2011 の経度・緯度"
            "(EPSG:4326 / 6668)で書き出してください。")) from exc


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
    text, encoding = read_text(p)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(_json_problem(p.name, text, exc)) from exc
    if not isinstance(obj, dict) or obj.get("type") != "FeatureCollection":
        raise InputError(Problem(p.name, "expected a GeoJSON FeatureCollection", None, None,
                                 "GeoJSONのFeatureCollectionではありません。"))
    features = obj.get("features")
    if not isinstance(features, list):
        raise InputError(Problem(p.name, "the FeatureCollection has no 'features' list", None,
                                 None, "FeatureCollectionに地物の一覧(features)がありません。"))
    if not features:
        raise InputError(empty_layer(p.name))
    crs = _declared_crs(obj, file=p.name) or CRS.from_user_input(WGS84)
    problems: list[Problem] = []
    geoms: list[Any] = []
    props: list[dict[str, Any]] = []
    for i, feat in enumerate(features, start=1):
        geom = feat.get("geometry") if isinstance(feat, dict) else None
        if not geom:
            problems.append(no_geometry(p.name, i))
            geoms.append(None)
            props.append({})
            continue
        if geometry_types is not None and geom.get("type") not in geometry_types:
            problems.append(wrong_geometry(p.name, i, geom.get("type"), geometry_types))
        try:
            geoms.append(shape(geom))
        except Exception as exc:
            problems.append(Problem(p.name, f"broken geometry ({exc})", i, "geometry",
                                    f"形状が壊れています({exc})。"))
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
    gdf.attrs["encoding"] = encoding
    return gdf


def _inside(x: float, y: float, bounds: tuple[float, float, float, float]) -> bool:
    return bounds[0] <= x <= bounds[2] and bounds[1] <= y <= bounds[3]


def empty_layer(file: str, what: str = "features", what_ja: str = "地物") -> Problem:
    """The problem "the file holds no features (empty layer)"."""
    return Problem(file, f"the file holds no {what} (empty layer)", None, None,
                   f"{what_ja}が1つもありません(空のレイヤ)。")


def unreadable(file: str, what: str, what_ja: str, exc: object) -> Problem:
    """The problem "not a readable <what> (<why>)", e.g. a broken zip or GeoPackage."""
    return Problem(file, f"not a readable {what} ({exc})", None, None,
                   f"{what_ja}として読めません({exc})。")


def no_geometry(file: str, row: int) -> Problem:
    """The problem "feature has no geometry" of the ``row``-th feature."""
    return Problem(file, "feature has no geometry", row, "geometry",
                   "形状(geometry)がありません。")


def wrong_geometry(file: str, row: int, got: object, expected: Sequence[str]) -> Problem:
    """The problem "geometry is <got>, expected <expected>" of the ``row``-th feature."""
    return Problem(file, f"geometry is {got}, expected {' or '.join(expected)}", row, "geometry",
                   f"形状が{got}です。{'か'.join(expected)}にしてください。")


def duplicate(file: str, what: str, what_ja: str, value: object, rows: Sequence[int],
              column: str | None) -> Problem:
    """The problem "<what> <value> appears more than once (rows …)", at its second row."""
    return Problem(file, f"{what} {value} appears more than once (rows {list(rows)}); "
                   "each must be listed once", rows[1] if len(rows) > 1 else None, column,
                   f"{what_ja} {value} が複数回あります({'・'.join(map(str, rows))}行目)。"
                   "1回だけにしてください。")


def _coordinate_messages(
    lon: float, lat: float, bounds: tuple[float, float, float, float]
) -> tuple[str, str] | None:
    """Why a lon/lat pair is implausible, in English and Japanese, or None when it is fine."""
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return "coordinates are missing or not numbers", "座標がないか、数値ではありません。"
    if _inside(lon, lat, bounds):
        return None
    if _inside(lat, lon, bounds):
        return (f"latitude and longitude look swapped (lon={lon}, lat={lat}); "
                "put longitude (経度) first",
                f"緯度と経度が入れ替わっているようです(経度={lon}、緯度={lat})。経度を先に"
                "書いてください。")
    if abs(lon) > 180 or abs(lat) > 90:
        return (f"coordinates ({lon}, {lat}) are not longitude/latitude degrees; they look "
                "projected (e.g. plane rectangular metres): export as WGS84 / JGD2011 lon/lat",
                f"座標({lon}, {lat})が経度・緯度(度)ではありません。平面直角座標(メートル)など"
                "投影された座標のようです。WGS84 / JGD2011 の経度・緯度で書き出してください。")
    return (f"point ({lon}, {lat}) lies outside the expected area {bounds}",
            f"地点({lon}, {lat})が想定した範囲 {bounds} の外にあります。")


def coordinate_problem(
    lon: float, lat: float, *, bounds: tuple[float, float, float, float]
) -> str | None:
    """Explain why a lon/lat pair is implausible for the area, or None when it is fine."""
    messages = _coordinate_messages(lon, lat, bounds)
    return None if messages is None else messages[0]


def point_problem(
    lon: float, lat: float, *, bounds: tuple[float, float, float, float], file: str,
    row: int | None, column: str | None,
) -> Problem | None:
    """:func:`coordinate_problem` as a located :class:`Problem` in English and Japanese."""
    messages = _coordinate_messages(lon, lat, bounds)
    return None if messages is None else Problem(file, messages[0], row, column, messages[1])


def check_bounds(
    gdf: gpd.GeoDataFrame, *, file: str, bounds: tuple[float, float, float, float]
) -> None:
    """Raise :class:`InputError` naming each feature whose coordinates fall outside ``bounds``."""
    problems = []
    b = gdf.geometry.bounds
    for i, (minx, miny, maxx, maxy) in enumerate(b.itertuples(index=False), start=1):
        for x, y in ((minx, miny), (maxx, maxy)):
            problem = point_problem(x, y, bounds=bounds, file=file, row=i, column="geometry")
            if problem:
                problems.append(problem)
                break
    if problems:
        raise InputError(problems)


#: Japanese names of the columns :func:`find_column` looks for, for its messages.
WHAT_JA: dict[str, str] = {
    "longitude": "経度", "latitude": "緯度", "population": "人口", "mesh code": "メッシュコード",
    "H3 cell id": "H3セルID", "id": "ID",
}


def columns_found(columns: Iterable[object], encoding: str | None = None) -> tuple[str, str]:
    """"columns found: a, b (read as cp932)" in English and Japanese, for messages about a
    column that is not there: mojibake names point at a wrong encoding at once."""
    names = ", ".join(str(c) for c in columns)
    return (f"columns found: {names}" + (f" (read as {encoding})" if encoding else ""),
            f"ファイルにある列: {names}" + (f"({encoding}として読み込み)" if encoding else ""))


def missing_column(file: str, column: str, columns: Iterable[object], *,
                   encoding: str | None = None) -> Problem:
    """The problem "column X is missing", listing the columns found and the encoding used."""
    en, ja = columns_found(columns, encoding)
    return Problem(file, f"column '{column}' is missing; {en}", 0, column,
                   f"列「{column}」がありません。{ja}")


def column_key(name: object) -> str:
    """How column names are compared: NFKC (full-width letters and digits become ASCII), no
    spaces, lower case; so ``ＫＥＹ＿ＣＯＤＥ``, ``key_code`` and ``Key Code`` are one name."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(name))).lower()


def match_column(columns: Iterable[object], names: Iterable[str]) -> str | None:
    """The column named by the first of ``names`` that is present (compared by
    :func:`column_key`; the first of equal columns wins), or None.

    The one column finder: readers, the city builder, the survey and the vacancy importer
    all look columns up with it (or with :func:`find_column`, which raises instead).
    """
    by_key: dict[str, str] = {}
    for c in columns:
        by_key.setdefault(column_key(c), str(c))
    for n in names:
        found = by_key.get(column_key(n))
        if found is not None:
            return found
    return None


def find_column(
    columns: Iterable[str], names: Sequence[str], *, file: str, what: str,
    encoding: str | None = None,
) -> str:
    """Return the column :func:`match_column` finds, or raise naming ``names``, the columns
    found and ``encoding`` (how the file was decoded)."""
    columns = list(columns)
    found = match_column(columns, names)
    if found is not None:
        return found
    en, ja = columns_found(columns, encoding)
    raise InputError(Problem(
        file, f"no {what} column; expected one of: {', '.join(names)}; {en}", 0, None,
        f"{WHAT_JA.get(what, what)}の列がありません。使える列名: {', '.join(names)}。{ja}"))


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
    encoding = df.attrs["encoding"]
    lon_col = find_column(df.columns, LON_NAMES, file=p.name, what="longitude", encoding=encoding)
    lat_col = find_column(df.columns, LAT_NAMES, file=p.name, what="latitude", encoding=encoding)
    problems: list[Problem] = []
    lons: list[float] = []
    lats: list[float] = []
    for i, (lo, la) in enumerate(zip(df[lon_col], df[lat_col], strict=True), start=1):
        try:
            x = float(unicodedata.normalize("NFKC", lo).strip())
            y = float(unicodedata.normalize("NFKC", la).strip())
        except ValueError:
            problems.append(Problem(p.name, f"not a number: {lo!r}, {la!r}", i,
                                    f"{lon_col}/{lat_col}",
                                    f"数値ではありません: 「{lo}」「{la}」"))
            lons.append(math.nan)
            lats.append(math.nan)
            continue
        if bounds is not None:
            problem = point_problem(x, y, bounds=bounds, file=p.name, row=i,
                                    column=f"{lon_col}/{lat_col}")
            if problem:
                problems.append(problem)
        lons.append(x)
        lats.append(y)
    if problems:
        raise InputError(problems)
    out = gpd.GeoDataFrame(
        df.drop(columns=[lon_col, lat_col]),
        geometry=gpd.points_from_xy(lons, lats),
        crs=WGS84,
    )
    out.attrs["encoding"] = encoding
    return out


def read_points(path: str | Path, **kwargs: Any) -> gpd.GeoDataFrame:
    """Read points from GeoJSON or CSV, chosen by the file's extension."""
    p = Path(path)
    if p.suffix.lower() in {".csv", ".txt"}:
        return read_points_csv(p, **kwargs)
    return read_geojson(p, geometry_types=("Point",), **kwargs)
