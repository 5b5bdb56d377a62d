"""Population tables: census mesh CSVs (JIS X 0410), H3 cell tables and point tables."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import grid
from geo.errors import InputError, Problem
from geo.grid import mesh
from geo.grid.crs import WGS84
from geo.ingest.io import (
    JAPAN_BOUNDS,
    LAT_NAMES,
    LON_NAMES,
    duplicate,
    find_column,
    missing_column,
    parse_count,
    read_csv,
    read_points_csv,
)

_WHAT_JA = {"town code": "町丁コード", "H3 cell": "H3セル", "mesh code": "メッシュコード"}

#: Column names accepted for an H3 cell id.
H3_NAMES: tuple[str, ...] = ("h3", "h3_index", "h3index", "hex", "hex_id", "cell", "id")
#: Column names accepted for a JIS X 0410 mesh code (e-Stat writes KEY_CODE).
MESH_NAMES: tuple[str, ...] = (
    "KEY_CODE", "mesh_code", "meshcode", "mesh", "メッシュコード", "mesh1kmid", "mesh500mid",
    "mesh250mid",
)
#: Column names accepted for a head count; T001101001 is e-Stat's 人口（総数） in mesh tables.
POPULATION_NAMES: tuple[str, ...] = (
    "population", "pop", "T001101001", "人口（総数）", "人口総数", "総人口", "人口",
)
#: Column names accepted for a row id in point tables.
ID_NAMES: tuple[str, ...] = ("id", "code", "key", "ID", "コード")

MAX_PROBLEMS = 20


def _column(df: pd.DataFrame, given: str | None, names: Sequence[str], *, file: str,
            what: str) -> str:
    encoding = df.attrs.get("encoding")
    if given is not None:
        if given not in df.columns:
            raise InputError(missing_column(file, given, df.columns, encoding=encoding))
        return given
    return find_column(df.columns, names, file=file, what=what, encoding=encoding)


def _counts(df: pd.DataFrame, col: str, *, file: str, first_row: int = 1) -> list[int | None]:
    problems: list[Problem] = []
    out: list[int | None] = []
    for i, v in enumerate(df[col], start=first_row):
        try:
            out.append(parse_count(v, file=file, row=i, column=col))
        except InputError as exc:
            problems.extend(exc.problems)
            out.append(None)
    if problems:
        raise InputError(problems[:MAX_PROBLEMS])
    return out


def _duplicates(values: pd.Series, *, file: str, column: str, what: str,
                first_row: int = 1) -> None:
    v = values.astype(str).to_numpy()
    dup = pd.Series(v).duplicated(keep=False).to_numpy()
    if not dup.any():
        return
    problems = []
    for code in pd.unique(v[dup])[:MAX_PROBLEMS]:
        rows = [int(i) + first_row for i in np.flatnonzero(v == code)]
        problems.append(duplicate(file, what, _WHAT_JA.get(what, what), code, rows, column))
    raise InputError(problems)


def _nonempty(df: pd.DataFrame, *, file: str) -> None:
    if len(df) == 0:
        raise InputError(Problem(file, "the table has a header but no rows (empty layer)",
                                 None, None, "見出し行だけで、データの行がありません(空の表)。"))


def _zones(codes: Sequence[str], names: Sequence[str], population: list[int | None],
           geometry: gpd.GeoSeries | np.ndarray) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "town_code": np.asarray(codes, dtype=object),
            "name": np.asarray(names, dtype=object),
            "population": pd.array(population, dtype="Int64"),
            "households": pd.array([None] * len(codes), dtype="Int64"),
        },
        geometry=np.asarray(geometry), crs=WGS84,
    )


def _parse_cells(values: pd.Series, *, file: str, column: str) -> np.ndarray:
    strs = [str(s).strip() for s in values]
    cells, valid = grid.parse_cells(strs, decimal=True)
    if not valid.all():
        raise InputError([
            Problem(file, f"not an H3 cell id: {strs[i]!r}", int(i) + 1, column,
                    f"H3セルIDではありません: 「{strs[i]}」")
            for i in np.flatnonzero(~valid)[:MAX_PROBLEMS]
        ])
    return cells


def read_h3_table(path: str | Path, *, population: str | None = None,
                  id_column: str | None = None) -> gpd.GeoDataFrame:
    """Read a CSV of H3 cells with a head count per cell (any one resolution).

    Parameters
    ----------
    path
        CSV with an H3 id column (``h3``, ``hex``, ``id`` …) and a population column.
    population, id_column
        Column names, when not one of :data:`POPULATION_NAMES` / :data:`H3_NAMES`.

    Returns
    -------
    geopandas.GeoDataFrame
        Zones (``town_code`` = the cell's hex id, ``name``, ``population``) with the cells'
        hexagons as geometry, in file order.
    """
    p = Path(path)
    df = read_csv(p)
    _nonempty(df, file=p.name)
    idc = _column(df, id_column, H3_NAMES, file=p.name, what="H3 cell id")
    popc = _column(df, population, POPULATION_NAMES, file=p.name, what="population")
    cells = _parse_cells(df[idc], file=p.name, column=idc)
    res = grid.resolution_of(cells)
    if len(set(res.tolist())) > 1:
        first = int(res[0])
        i = int(np.flatnonzero(res != first)[0])
        raise InputError(Problem(p.name, f"cells mix H3 resolutions ({first} and {res[i]}); "
                                         "use one resolution per file", i + 1, idc,
                                 f"H3の解像度が混在しています({first}と{res[i]})。1つのファイルは"
                                 "1つの解像度にしてください。"))
    _duplicates(pd.Series(grid.to_strings(cells)), file=p.name, column=idc, what="H3 cell")
    pop = _counts(df, popc, file=p.name)
    hexes = [str(h) for h in grid.to_strings(cells)]
    return _zones(hexes, hexes, pop, grid.polygons(cells).to_numpy())


def h3_pieces(zones: gpd.GeoDataFrame, *, resolution: int = grid.BASE_RESOLUTION) -> pd.DataFrame:
    """Population of H3 zones moved to ``resolution``, conserving every zone's total.

    A coarser cell's count is split equally between its children (H3 children have nearly
    equal areas); finer cells are summed into their parent.

    Returns
    -------
    pandas.DataFrame
        Columns ``zone``, ``cell`` (uint64 at ``resolution``) and ``value``.
    """
    z = zones[zones["population"].notna()]
    cells = grid.to_cells(z["town_code"].to_numpy())
    values = z["population"].to_numpy(dtype=float)
    codes = z["town_code"].to_numpy()
    if len(cells) == 0:
        return pd.DataFrame({"zone": [], "cell": np.array([], np.uint64), "value": []})
    r = int(grid.resolution_of(cells[:1])[0])
    if r >= resolution:
        return pd.DataFrame({"zone": codes, "cell": grid.parents(cells, resolution),
                             "value": values})
    idx, after = grid.children(cells, resolution)
    n_children = np.bincount(idx, minlength=len(cells))
    return pd.DataFrame({"zone": codes[idx], "cell": after,
                         "value": values[idx] / n_children[idx]})


def _skip_label_row(df: pd.DataFrame, code_col: str) -> tuple[pd.DataFrame, int]:
    """e-Stat mesh CSVs have a second header row of Japanese labels; skip it."""
    if len(df) and not str(df[code_col].iat[0]).strip().isdigit():
        return df.iloc[1:].reset_index(drop=True), 2
    return df, 1


def read_mesh_csv(path: str | Path, *, population: str | None = None,
                  code_column: str | None = None) -> gpd.GeoDataFrame:
    """Read a census mesh table (e-Stat 地域メッシュ統計: 1 km, 500 m or 250 m codes).

    Parameters
    ----------
    path
        CSV (often CP932) with a mesh code column (``KEY_CODE``) and a head count column
        (``T001101001`` = 人口（総数）); e-Stat's second header row of labels is skipped.
    population, code_column
        Column names, when not one of :data:`POPULATION_NAMES` / :data:`MESH_NAMES`.

    Returns
    -------
    geopandas.GeoDataFrame
        Zones (``town_code`` = mesh code) with the mesh squares as geometry. Secret
        (``*``/``x``) counts become missing values.
    """
    p = Path(path)
    df = read_csv(p)
    _nonempty(df, file=p.name)
    codec = _column(df, code_column, MESH_NAMES, file=p.name, what="mesh code")
    df, first = _skip_label_row(df, codec)
    _nonempty(df, file=p.name)
    popc = _column(df, population, POPULATION_NAMES, file=p.name, what="population")
    codes = [str(c).strip() for c in df[codec]]
    problems = [Problem(p.name, reason, i, codec)
                for i, c in enumerate(codes, start=first)
                if (reason := mesh.invalid_reason(c)) is not None]
    if problems:
        raise InputError(problems[:MAX_PROBLEMS])
    if len({len(c) for c in codes}) > 1:
        raise InputError(Problem(p.name, "codes mix mesh sizes (1 km / 500 m / 250 m); use one "
                                         "size per file", None, codec,
                                 "メッシュの大きさ(1km・500m・250m)が混在しています。1つのファイルは"
                                 "1つの大きさにしてください。"))
    _duplicates(pd.Series(codes), file=p.name, column=codec, what="mesh code", first_row=first)
    pop = _counts(df, popc, file=p.name, first_row=first)
    return mesh_zones(codes, pop)


def mesh_zones(codes: Sequence[str], population: Sequence[int | None]) -> gpd.GeoDataFrame:
    """Zones of JIS X 0410 mesh squares with a head count each (``town_code`` = mesh code)."""
    return _zones(codes, codes, list(population), mesh.polygons(list(codes)).to_numpy())


def read_points_table(path: str | Path, *, population: str | None = None,
                      id_column: str | None = None,
                      bounds: tuple[float, float, float, float] | None = JAPAN_BOUNDS,
                      ) -> gpd.GeoDataFrame:
    """Read a CSV of points (lon/lat) with a head count each, e.g. building or address points.

    Returns
    -------
    geopandas.GeoDataFrame
        Zones (``town_code`` = the id column, else the row number) with point geometry.
    """
    p = Path(path)
    df = read_csv(p)
    _nonempty(df, file=p.name)
    _column(df, None, LON_NAMES, file=p.name, what="longitude")
    _column(df, None, LAT_NAMES, file=p.name, what="latitude")
    pts = read_points_csv(p, bounds=bounds)
    popc = _column(pts, population, POPULATION_NAMES, file=p.name, what="population")
    if id_column is not None or any(c in pts.columns for c in ID_NAMES):
        idc = _column(pts, id_column, ID_NAMES, file=p.name, what="id")
        codes = pts[idc].astype(str).to_numpy()
        _duplicates(pts[idc], file=p.name, column=idc, what="id")
    else:
        codes = np.array([str(i) for i in range(1, len(pts) + 1)], dtype=object)
    pop = _counts(pts, popc, file=p.name)
    return _zones(codes, codes, pop, pts.geometry.to_numpy())


def points_pieces(zones: gpd.GeoDataFrame, *,
                  resolution: int = grid.BASE_RESOLUTION) -> pd.DataFrame:
    """Each point's head count in the cell containing it (zone, cell, value)."""
    z = zones[zones["population"].notna()]
    cells = grid.points_to_cells(z.geometry.x.to_numpy(), z.geometry.y.to_numpy(), resolution)
    return pd.DataFrame({"zone": z["town_code"].to_numpy(), "cell": cells,
                         "value": z["population"].to_numpy(dtype=float)})


def h3_count_facilities(path: str | Path, *, kind: str, count: str,
                        id_column: str | None = None) -> gpd.GeoDataFrame:
    """Facilities given as counts per H3 cell (e.g. ``schools`` in r5r's hexgrid): one point per
    facility at the centre of its cell.

    Returns
    -------
    geopandas.GeoDataFrame
        The facility frame (``name``, ``kind``, ``departures``, ``source_row``, points).
    """
    p = Path(path)
    df = read_csv(p)
    _nonempty(df, file=p.name)
    idc = _column(df, id_column, H3_NAMES, file=p.name, what="H3 cell id")
    _column(df, count, (), file=p.name, what=count)
    cells = _parse_cells(df[idc], file=p.name, column=idc)
    n = np.array([c or 0 for c in _counts(df, count, file=p.name)], dtype=int)
    lon, lat = grid.centroids(cells)
    rows = np.repeat(np.arange(len(cells)), n)
    hexes = grid.to_strings(cells)
    return gpd.GeoDataFrame(
        {
            "name": [f"{count} in {hexes[i]}" for i in rows],
            "kind": kind,
            "departures": pd.array([None] * len(rows), dtype="Int64"),
            "source_row": rows + 1,
        },
        geometry=gpd.points_from_xy(lon[rows], lat[rows]), crs=WGS84,
    )
