"""Visitor flows from MLIT's people-flow data: import, mesh → H3, change, day/night, origins."""

from __future__ import annotations

import argparse
import hashlib
import json
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely
from pyproj import CRS

from geo import grid
from geo.errors import InputError, Problem
from geo.grid import mesh
from geo.grid.crs import WGS84
from geo.ingest.formats.jis import municipality_code
from geo.ingest.io import missing_column, parse_count, read_csv

#: Attribution the licence (CC BY 4.0) asks for, word for word.
ATTRIBUTION = "出典：「全国の人流オープンデータ」（国土交通省）"
LICENCE = "CC BY 4.0"
TITLE = "全国の人流オープンデータ (1 km mesh stay population and stay population by origin)"

#: ``dayflag`` codes of the dataset.
DAYFLAGS: dict[int, str] = {0: "holiday", 1: "weekday", 2: "all_days"}
#: ``timezone`` codes: 0 daytime (average of 11:00–14:59), 1 late night (01:00–04:59),
#: 2 all day (00:00–23:59), as the dataset's column definition states.
TIMEZONES: dict[int, str] = {0: "daytime", 1: "night", 2: "all_day"}
#: ``from_area`` codes of the by-origin file: where the visitors live, relative to the city.
#: The dataset's spec lists 居住地 "同市区町村 / 同都道府県 / 同地方 / それ以外"; we read 1 as the
#: same prefecture outside the city and 2 as the same region (地方) outside the prefecture.
ORIGINS: dict[int, str] = {0: "same_city", 1: "same_prefecture", 2: "same_region",
                           3: "elsewhere"}
DAYTIME, NIGHT, ALL_DAY = 0, 1, 2
HOLIDAY, WEEKDAY, ALL_DAYS = 0, 1, 2
#: Meshes with fewer than this many people are not published (the row is absent).
PUBLISHED_MIN = 10
#: Year that changes are measured against (the same month of it): before the pandemic.
BASE_YEAR = 2019
#: H3 resolution onto which meshes are spread (≈0.105 km², about ten cells per 1 km mesh);
#: coarser maps are sums of these cells. Finer cells would only repeat the uniform spread.
FLOW_RESOLUTION = 9
#: Resolutions offered for flows (a 1 km mesh is finer than res 7 and coarser than res 9).
RESOLUTIONS: tuple[int, ...] = (7, 8, 9)

STAY_COLUMNS: tuple[str, ...] = ("mesh1kmid", "prefcode", "citycode", "year", "month",
                                 "dayflag", "timezone", "population")
ORIGIN_COLUMNS: tuple[str, ...] = ("year", "month", "dayflag", "timezone", "prefcode",
                                   "citycode", "from_area", "population")
#: File names recognised in a raw folder: our copies and MLIT's own monthly file names.
STAY_PATTERNS: tuple[str, ...] = ("jinryu_mdp_mesh1km_*.csv", "monthly_mdp_mesh1km*.csv")
ORIGIN_PATTERNS: tuple[str, ...] = ("jinryu_fromto_city_*.csv", "monthly_fromto_city*.csv")
#: Name of the processed file in a bundle folder.
FLOWS_FILE = "flows.parquet"
#: At most this many problems are listed per column (the rest are counted).
MAX_PROBLEMS = 20

_RANGES: dict[str, tuple[int, int]] = {
    "year": (2000, 2100), "month": (1, 12), "dayflag": (0, 2), "timezone": (0, 2),
    "from_area": (0, 3), "prefcode": (1, 47),
}


@dataclass(frozen=True)
class Flows:
    """People-flow tables of one city.

    Attributes
    ----------
    stay
        One row per mesh, month, day kind and time band: ``mesh`` (str), ``year``, ``month``,
        ``dayflag``, ``timezone``, ``population`` (average stay population per day).
    origins
        City-wide stay population by where people live: ``year``, ``month``, ``dayflag``,
        ``timezone``, ``from_area``, ``population`` (empty when no by-origin file was given).
    meta
        ``sources`` (file, sha256, rows), ``attribution``, ``licence``, ``prefecture``,
        ``city_code``.
    """

    stay: pd.DataFrame
    origins: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def months(self) -> list[str]:
        """Months with data, ``"YYYY-MM"``, in order."""
        keys = self.stay[["year", "month"]].drop_duplicates().sort_values(["year", "month"])
        return [month_key(int(y), int(m)) for y, m in keys.itertuples(index=False)]

    @property
    def meshes(self) -> list[str]:
        """Every mesh code in the stay table, sorted."""
        return sorted(self.stay["mesh"].unique().tolist())

    @property
    def crs(self) -> CRS:
        """Metric CRS for areas (the prefecture's JGD2011 zone, else a UTM zone)."""
        pref = self.meta.get("prefecture")
        return mesh.crs_for(mesh.polygons(self.meshes), prefecture=int(pref) if pref else None)


def month_key(year: int, month: int) -> str:
    """``"2019-01"`` for year 2019, month 1."""
    return f"{year:04d}-{month:02d}"


def parse_month(key: str) -> tuple[int, int]:
    """(year, month) of a ``"YYYY-MM"`` key; raises ValueError otherwise."""
    y, m = key.split("-")
    year, mon = int(y), int(m)
    if not 1 <= mon <= 12:
        raise ValueError(f"not a month: {key!r}")
    return year, mon


# ------------------------------------------------------------------------------------------
# Reading the raw files
# ------------------------------------------------------------------------------------------


def _int_column(df: pd.DataFrame, col: str, *, file: str, problems: list[Problem],
                allow_missing: bool = False) -> pd.Series:
    """Parse a column of whole numbers; blank/marks give NA when ``allow_missing``."""
    raw = df[col].astype(str).str.strip()
    num = pd.to_numeric(raw, errors="coerce")
    out = pd.Series(num, index=df.index, dtype="Float64")
    found: list[Problem] = []
    for i in np.flatnonzero(num.isna().to_numpy() | (num.to_numpy() % 1 != 0)):
        try:
            v = parse_count(raw.iat[i], file=file, row=int(i) + 1, column=col)
        except InputError as exc:
            found.extend(exc.problems)
            continue
        if v is None and not allow_missing:
            found.append(Problem(file, f"a value is needed, got {raw.iat[i]!r}", int(i) + 1, col))
        out.iat[i] = pd.NA if v is None else v
    if col in _RANGES:
        lo, hi = _RANGES[col]
        bad = out.notna() & ((out < lo) | (out > hi))
        for i in np.flatnonzero(bad.to_numpy()):
            found.append(Problem(file, f"must be between {lo} and {hi}, got {raw.iat[i]!r}",
                                 int(i) + 1, col))
    if len(found) > MAX_PROBLEMS:
        rest = len(found) - MAX_PROBLEMS
        found = [*found[:MAX_PROBLEMS], Problem(file, f"… and {rest} more problems", None, col)]
    problems.extend(found)
    return out


def _require_columns(df: pd.DataFrame, columns: Sequence[str], *, file: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError([missing_column(file, c, df.columns, encoding=df.attrs.get("encoding"))
                          for c in missing])


def _check_duplicates(df: pd.DataFrame, keys: list[str], *, file: str,
                      problems: list[Problem]) -> None:
    dup = df.duplicated(keys, keep="first").to_numpy()
    for i in np.flatnonzero(dup)[:MAX_PROBLEMS]:
        first = int(np.flatnonzero((df[keys] == df[keys].iloc[i]).all(axis=1).to_numpy())[0])
        problems.append(Problem(
            file, f"the same {', '.join(keys)} as row {first + 1} appears again", int(i) + 1,
            keys[0]))


def _city_codes(codes: pd.Series, *, file: str, problems: list[Problem]) -> pd.Series:
    """Municipality codes in their five-digit form (files write ``2201`` for ``02201``)."""
    found: dict[str, str] = {}
    for code in codes.unique():
        row = int(np.flatnonzero((codes == code).to_numpy())[0]) + 1
        try:
            found[code] = municipality_code(code, file=file, row=row, column="citycode")
        except InputError as exc:
            problems.extend(exc.problems)
            found[code] = code
    return codes.map(found)


def _read_table(path: Path, columns: Sequence[str], *, text_columns: Sequence[str],
                keys: list[str]) -> pd.DataFrame:
    df = read_csv(path)
    file = path.name
    _require_columns(df, columns, file=file)
    problems: list[Problem] = []
    out = pd.DataFrame(index=df.index)
    for col in columns:
        if col in text_columns:
            out[col] = df[col].map(lambda s: unicodedata.normalize("NFKC", str(s)).strip())
        else:
            out[col] = _int_column(df, col, file=file, problems=problems,
                                   allow_missing=col == "population")
    if "citycode" in out.columns:
        out["citycode"] = _city_codes(out["citycode"], file=file, problems=problems)
    if "mesh1kmid" in out.columns:
        for code in out["mesh1kmid"].unique():
            reason = mesh.invalid_reason(code)
            if reason is None and len(code) != 8:
                reason = f"mesh code {code!r} is not a 1 km (8-digit) mesh"
            if reason:
                rows = np.flatnonzero((out["mesh1kmid"] == code).to_numpy())
                problems.append(Problem(file, reason, int(rows[0]) + 1, "mesh1kmid"))
    if not problems:
        _check_duplicates(out, keys, file=file, problems=problems)
    if problems:
        raise InputError(problems)
    # rows whose population is a "not published" mark (blank, "-", "x"…) mean fewer than 10
    out = out[out["population"].notna()].copy()
    for col in columns:
        if col not in text_columns:
            out[col] = out[col].astype("int64")
    return out.reset_index(drop=True)


def read_stay(path: str | Path) -> pd.DataFrame:
    """Read a 1 km mesh stay-population file (``monthly_mdp_mesh1km``) of any city.

    Parameters
    ----------
    path
        CSV (UTF-8, UTF-8 with BOM or CP932) with the columns of :data:`STAY_COLUMNS`:
        ``mesh1kmid`` (8-digit JIS X 0410 code), ``prefcode``, ``citycode``, ``year``,
        ``month`` ("1" or "01"), ``dayflag`` (0 holiday, 1 weekday, 2 all days),
        ``timezone`` (0 daytime, 1 late night, 2 all day), ``population`` (average stay
        population per day; thousands separators accepted). Other columns are ignored, so a
        file of another city or a whole prefecture is read unchanged.

    Returns
    -------
    pandas.DataFrame
        Columns ``mesh`` (str), ``prefcode``, ``citycode`` (str), ``year``, ``month``,
        ``dayflag``, ``timezone``, ``population`` (int). Rows whose population is blank or a
        "not published" mark are dropped (the dataset omits meshes under 10 people).

    Raises
    ------
    InputError
        Naming file, row and column of every problem: a missing column, a word where a number
        belongs, a month 13, an invalid mesh code, the same mesh and month twice.
    """
    p = Path(path)
    out = _read_table(p, STAY_COLUMNS, text_columns=("mesh1kmid", "citycode"),
                      keys=["mesh1kmid", "year", "month", "dayflag", "timezone"])
    return out.rename(columns={"mesh1kmid": "mesh"})


def read_origins(path: str | Path) -> pd.DataFrame:
    """Read a by-origin stay-population file (``monthly_fromto_city``) of any city.

    Parameters
    ----------
    path
        CSV with the columns of :data:`ORIGIN_COLUMNS` (``from_area``: 0 same city,
        1 same prefecture, 2 same region, 3 elsewhere).

    Returns
    -------
    pandas.DataFrame
        Columns ``year``, ``month``, ``dayflag``, ``timezone``, ``prefcode``, ``citycode``
        (str), ``from_area``, ``population``.

    Raises
    ------
    InputError
        As :func:`read_stay`.
    """
    p = Path(path)
    return _read_table(p, ORIGIN_COLUMNS, text_columns=("citycode",),
                       keys=["citycode", "year", "month", "dayflag", "timezone", "from_area"])


def _find(raw_dir: Path, patterns: Sequence[str]) -> list[Path]:
    found: list[Path] = []
    for pat in patterns:
        found.extend(sorted(raw_dir.rglob(pat)))
    return list(dict.fromkeys(found))


def find_files(raw_dir: str | Path) -> list[Path]:
    """Every people-flow file (stay, then by-origin) under ``raw_dir``, searched recursively."""
    raw = Path(raw_dir)
    return [*_find(raw, STAY_PATTERNS), *_find(raw, ORIGIN_PATTERNS)]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _one_city(df: pd.DataFrame, city_code: str | None, *, file: str) -> pd.DataFrame:
    codes = sorted(df["citycode"].unique().tolist())
    if city_code is not None:
        code = municipality_code(city_code)
        kept = df[df["citycode"] == code]
        if kept.empty:
            raise InputError(Problem(
                file, f"no rows for city code {code}; the files hold {', '.join(codes)}",
                None, "citycode",
                f"市区町村コード{code}の行がありません。ファイルにあるのは{'、'.join(codes)}です。"))
        return kept
    if len(codes) > 1:
        raise InputError(Problem(
            file, f"the files hold {len(codes)} cities ({', '.join(codes[:5])}…); choose one "
            "with its city code (--city-code, or city_code in city.toml)",
            None, "citycode",
            f"{len(codes)}市区町村分のデータがあります({'、'.join(codes[:5])}…)。市区町村コード"
            "(--city-code、またはcity.tomlのcity_code)で1つ選んでください。"))
    return df


def read_flows(raw_dir: str | Path, *, city_code: str | None = None) -> Flows:
    """Read a city's people-flow CSVs (see :func:`build_flows`) without writing anything.

    Returns
    -------
    Flows
        ``stay`` and ``origins`` of the city; ``meta`` as written by :func:`write_flows`, its
        ``sources`` listing each file (its path inside ``raw_dir``), SHA-256 and the rows read
        for the city.

    Raises
    ------
    InputError
        When no stay file is found, or naming file, row and column of bad values.
    """
    raw = Path(raw_dir)
    stay_files = _find(raw, STAY_PATTERNS)
    if not stay_files:
        raise InputError(Problem(
            str(raw), "no people-flow file found; expected one of " + ", ".join(STAY_PATTERNS),
            None, None, "人流データのファイルがありません。次の名前のファイルを置いてください: "
            + "、".join(STAY_PATTERNS)))
    origin_files = _find(raw, ORIGIN_PATTERNS)
    stays = [read_stay(f).assign(_file=i) for i, f in enumerate(stay_files)]
    stay = _one_city(pd.concat(stays, ignore_index=True), city_code, file=stay_files[0].name)
    city = str(stay["citycode"].iat[0])
    origins = pd.DataFrame(columns=[*ORIGIN_COLUMNS, "_file"])
    if origin_files:
        parts = [read_origins(f).assign(_file=len(stay_files) + i)
                 for i, f in enumerate(origin_files)]
        origins = _one_city(pd.concat(parts, ignore_index=True), city,
                            file=origin_files[0].name)
    rows = pd.concat([stay["_file"], origins["_file"]]).astype(int).value_counts()
    sources = [{"file": f.relative_to(raw).as_posix(), "sha256": _sha256(f),
                "rows": int(rows.get(i, 0)), "title": TITLE, "licence": LICENCE,
                "attribution": ATTRIBUTION}
               for i, f in enumerate([*stay_files, *origin_files])]
    meta = {"sources": sources, "attribution": ATTRIBUTION, "licence": LICENCE,
            "prefecture": int(stay["prefcode"].iat[0]), "city_code": city,
            "columns": {"kind": "stay | origin", "mesh": "JIS X 0410 1 km mesh code",
                        "from_area": "0 same city, 1 same prefecture, 2 same region, 3 elsewhere",
                        "dayflag": "0 holiday, 1 weekday, 2 all days",
                        "timezone": "0 daytime 11-15h, 1 late night 1-5h, 2 all day",
                        "population": "average stay population per day in the month"}}
    keys = ["year", "month", "dayflag", "timezone"]
    return Flows(stay=stay[["mesh", *keys, "population"]].reset_index(drop=True),
                 origins=origins[[*keys, "from_area", "population"]].reset_index(drop=True),
                 meta=meta)


def write_flows(fl: Flows, out_dir: str | Path) -> Path:
    """Write ``<out_dir>/flows.parquet`` from flows read by :func:`read_flows`."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    arrow = pa.Table.from_pandas(_long_table(fl.stay, fl.origins), preserve_index=False)
    arrow = arrow.replace_schema_metadata(
        {**(arrow.schema.metadata or {}),
         b"diorama": json.dumps(fl.meta, ensure_ascii=False).encode("utf-8")})
    path = out / FLOWS_FILE
    pq.write_table(arrow, path, compression="zstd")
    return path


def build_flows(raw_dir: str | Path, out_dir: str | Path, *,
                city_code: str | None = None) -> Path:
    """Read a city's people-flow CSVs and write the processed table ``<out_dir>/flows.parquet``.

    Parameters
    ----------
    raw_dir
        Folder searched (recursively) for stay files (:data:`STAY_PATTERNS`, e.g.
        ``jinryu_mdp_mesh1km_10201_2019-2021.csv`` or MLIT's monthly
        ``monthly_mdp_mesh1km_10.csv``) and optional by-origin files
        (:data:`ORIGIN_PATTERNS`). Several files (e.g. one per month) are concatenated.
    out_dir
        The city's bundle folder (e.g. ``data/maebashi``).
    city_code
        Keep only this city (needed when the files cover a whole prefecture): the JIS
        municipality code in any form :func:`geo.formats.jis.municipality_code` reads
        (``02201``, ``2201``, ``022012``).

    Returns
    -------
    pathlib.Path
        The written file: one long table with ``kind`` = "stay" (per mesh) or "origin" (city
        by ``from_area``); the sources' paths, SHA-256 and rows read, the attribution and
        licence are in the Parquet metadata under ``diorama``.

    Raises
    ------
    InputError
        When no stay file is found, or naming file, row and column of bad values.
    """
    return write_flows(read_flows(raw_dir, city_code=city_code), out_dir)


def _long_table(stay: pd.DataFrame, origins: pd.DataFrame) -> pd.DataFrame:
    keys = ["year", "month", "dayflag", "timezone"]
    s = stay.sort_values(["mesh", *keys])
    o = origins.sort_values([*keys, "from_area"]) if len(origins) else origins
    n_s, n_o = len(s), len(o)
    return pd.DataFrame({
        "kind": pd.Categorical(["stay"] * n_s + ["origin"] * n_o, categories=["stay", "origin"]),
        "mesh": pd.array([*s["mesh"].tolist(), *([None] * n_o)], dtype="string"),
        "from_area": pd.array([*([None] * n_s), *o.get("from_area", pd.Series()).tolist()],
                              dtype="Int8"),
        **{k: np.concatenate([s[k].to_numpy(), o[k].to_numpy() if n_o else []]).astype(
            np.int16 if k == "year" else np.int8) for k in keys},
        "population": np.concatenate(
            [s["population"].to_numpy(), o["population"].to_numpy() if n_o else []]
        ).astype(np.int32),
    })


def load(bundle_dir: str | Path) -> Flows | None:
    """Load ``<bundle_dir>/flows.parquet`` written by :func:`build_flows`, or None if absent."""
    path = Path(bundle_dir) / FLOWS_FILE
    if not path.exists():
        return None
    table = pq.read_table(path)
    raw_meta = (table.schema.metadata or {}).get(b"diorama", b"{}")
    meta: dict[str, Any] = json.loads(raw_meta.decode("utf-8"))
    df = table.to_pandas()
    keys = ["year", "month", "dayflag", "timezone"]
    stay = df[df["kind"] == "stay"][["mesh", *keys, "population"]].reset_index(drop=True)
    stay["mesh"] = stay["mesh"].astype(str)
    origins = df[df["kind"] == "origin"][[*keys, "from_area", "population"]]
    origins = origins.astype({"from_area": "int64"}).reset_index(drop=True)
    for frame in (stay, origins):
        frame[[*keys, "population"]] = frame[[*keys, "population"]].astype("int64")
    return Flows(stay=stay, origins=origins, meta=meta)


# ------------------------------------------------------------------------------------------
# Figures
# ------------------------------------------------------------------------------------------


def stay_by_mesh(flows: Flows, *, month: str, dayflag: int, timezone: int) -> pd.Series:
    """Stay population of each published mesh in one month (mesh code → people).

    Parameters
    ----------
    flows
        The city's flows.
    month
        ``"YYYY-MM"``.
    dayflag, timezone
        Codes of :data:`DAYFLAGS` and :data:`TIMEZONES`.
    """
    year, mon = parse_month(month)
    s = flows.stay
    sel = s[(s["year"] == year) & (s["month"] == mon) & (s["dayflag"] == dayflag)
            & (s["timezone"] == timezone)]
    out = pd.Series(sel["population"].to_numpy(dtype=float), index=sel["mesh"].to_numpy(),
                    name="stay")
    out.index.name = "mesh"
    return out


def weights(flows: Flows, *, resolution: int = FLOW_RESOLUTION) -> pd.DataFrame:
    """Areal weights of every mesh of ``flows`` onto H3 cells (:func:`geo.grid.mesh.weights`)."""
    return mesh.weights(flows.meshes, resolution=resolution, crs=flows.crs)


def to_cells(values: pd.Series, w: pd.DataFrame, *, resolution: int) -> pd.Series:
    """Mesh values spread onto cells of ``w`` and summed up to ``resolution`` (totals kept)."""
    return grid.rollup(mesh.spread(values, w), resolution)


def cell_frame(flows: Flows, w: pd.DataFrame, *, month: str, dayflag: int, timezone: int,
               resolution: int) -> pd.DataFrame:
    """Per-cell figures of one month: stay, change against the same month of 2019, day/night.

    Parameters
    ----------
    flows
        The city's flows.
    w
        Weights from :func:`weights` (at :data:`FLOW_RESOLUTION`).
    month
        ``"YYYY-MM"``.
    dayflag, timezone
        Day kind and time band of ``stay``.
    resolution
        Output resolution (≤ that of ``w``).

    Returns
    -------
    pandas.DataFrame
        Indexed by cell (uint64): ``stay``; ``stay_2019`` and ``change_pct`` (100 × (stay −
        stay_2019) / stay_2019, NaN where 2019 had nobody); ``daytime``, ``night`` and
        ``day_night_pct`` (100 × daytime / late night of the same day kind: over 100 where
        people come to, under 100 where they live). Unpublished meshes (under 10 people) count
        as 0 in the sums and are left out of both terms of a ratio; a ratio is NaN where no
        mesh has both terms.
    """
    _, mon = parse_month(month)
    base = month_key(BASE_YEAR, mon)

    def mesh_values(m: str, tz: int) -> pd.Series:
        return stay_by_mesh(flows, month=m, dayflag=dayflag, timezone=tz)

    def cells(values: pd.Series) -> pd.Series:
        return to_cells(values, w, resolution=resolution)

    stay, stay_2019 = mesh_values(month, timezone), mesh_values(base, timezone)
    day, night = mesh_values(month, DAYTIME), mesh_values(month, NIGHT)
    # ratios only from meshes published in both terms, so a cell never divides by a sliver
    both_years = stay.index.intersection(stay_2019.index)
    both_times = day.index.intersection(night.index)
    out = pd.DataFrame({
        "stay": cells(stay), "stay_2019": cells(stay_2019),
        "daytime": cells(day), "night": cells(night),
        "_now": cells(stay[both_years]), "_then": cells(stay_2019[both_years]),
        "_day": cells(day[both_times]), "_night": cells(night[both_times]),
    }).fillna(0.0)
    out.index = out.index.astype(np.uint64)
    out.index.name = "cell"
    with np.errstate(divide="ignore", invalid="ignore"):
        out["change_pct"] = np.where(out["_then"] > 0,
                                     100 * (out["_now"] - out["_then"]) / out["_then"], np.nan)
        out["day_night_pct"] = np.where(out["_night"] > 0, 100 * out["_day"] / out["_night"],
                                        np.nan)
    return out[["stay", "stay_2019", "change_pct", "daytime", "night", "day_night_pct"]]


def city_series(flows: Flows, *, dayflag: int, timezone: int) -> pd.Series:
    """Sum over the city's published meshes for each month (``"YYYY-MM"`` → people)."""
    s = flows.stay
    sel = s[(s["dayflag"] == dayflag) & (s["timezone"] == timezone)]
    out = sel.groupby(["year", "month"])["population"].sum()
    out.index = [month_key(int(y), int(m)) for y, m in out.index]
    return out.astype(float).rename("stay")


def _published_pct(num: pd.Series, den: pd.Series) -> float:
    """100 × Σ num / Σ den over the meshes published in both (NaN when none or Σ den = 0)."""
    both = num.index.intersection(den.index)
    total = float(den[both].sum())
    return 100 * float(num[both].sum()) / total if total > 0 else float("nan")


def city_day_night_pct(flows: Flows, *, month: str, dayflag: int) -> float:
    """City day / night ratio of one month in percent: Σ daytime ÷ Σ late night.

    Only meshes published (10 people or more) in both time bands count, as in each cell of
    :func:`cell_frame`: a mesh that empties at night (offices, shops) is not published at
    night, and counting its daytime people over nobody would inflate the ratio.
    """
    return _published_pct(stay_by_mesh(flows, month=month, dayflag=dayflag, timezone=DAYTIME),
                          stay_by_mesh(flows, month=month, dayflag=dayflag, timezone=NIGHT))


def city_change_pct(flows: Flows, *, month: str, dayflag: int, timezone: int) -> float:
    """City change against the same month of :data:`BASE_YEAR` in percent, over the meshes
    published in both months (see :func:`city_day_night_pct`)."""
    base = month_key(BASE_YEAR, parse_month(month)[1])
    now = stay_by_mesh(flows, month=month, dayflag=dayflag, timezone=timezone)
    then = stay_by_mesh(flows, month=base, dayflag=dayflag, timezone=timezone)
    return _published_pct(now, then) - 100


def stand_in_population(flows: Flows, *, dayflag: int = ALL_DAYS,
                        timezone: int = NIGHT) -> pd.Series:
    """Stay population per mesh averaged over every month of the data (mesh → people).

    Used as a stand-in where a city has no population figures, only people-flow files: late
    night on all days by default, when people are mostly where they sleep. It is not the
    number of residents (visitors staying overnight count, residents away do not). A month in
    which a mesh was not published (under 10 people) counts as 0.

    Returns
    -------
    pandas.Series
        Every mesh of ``flows`` (0 where never published in that band), sorted by code.
    """
    s = flows.stay
    sel = s[(s["dayflag"] == dayflag) & (s["timezone"] == timezone)]
    total = sel.groupby("mesh")["population"].sum().reindex(flows.meshes, fill_value=0)
    out = total.astype(float) / max(len(flows.months), 1)
    out.index.name = "mesh"
    return out.rename("population")


def origin_table(flows: Flows, *, dayflag: int, timezone: int) -> pd.DataFrame:
    """City-wide stay population by origin over time.

    Returns
    -------
    pandas.DataFrame
        Index month ``"YYYY-MM"``, one column per key of :data:`ORIGINS` (people).
    """
    o = flows.origins
    if o.empty:
        return pd.DataFrame(columns=list(ORIGINS.values()), dtype=float)
    sel = o[(o["dayflag"] == dayflag) & (o["timezone"] == timezone)]
    wide = sel.pivot_table(index=["year", "month"], columns="from_area", values="population",
                           aggfunc="sum").reindex(columns=list(ORIGINS)).astype(float)
    wide.index = [month_key(int(y), int(m)) for y, m in wide.index]
    wide.columns = [ORIGINS[int(c)] for c in wide.columns]
    return wide


def area_shares(flows: Flows, area: shapely.Geometry) -> pd.Series:
    """Share of each mesh's area lying inside ``area`` (lon/lat), measured in a metric CRS.

    Returns
    -------
    pandas.Series
        Mesh code → share in [0, 1]; meshes not touching the area are absent.
    """
    import geopandas as gpd

    crs = flows.crs
    polys = mesh.polygons(flows.meshes).to_crs(crs)
    a = gpd.GeoSeries([area], crs=WGS84).to_crs(crs).iloc[0]
    inter = shapely.area(shapely.intersection(polys.to_numpy(), a))
    share = pd.Series(inter / polys.area.to_numpy(), index=polys.index, name="share")
    return share[share > 0]


def area_series(flows: Flows, shares: pd.Series, *, dayflag: int,
                timezone: int = DAYTIME) -> pd.DataFrame:
    """Stay population of an area over time (people uniformly spread within each mesh).

    Parameters
    ----------
    flows
        The city's flows.
    shares
        Output of :func:`area_shares`.
    dayflag, timezone
        Day kind and time band (daytime by default: "is the centre lively").

    Returns
    -------
    pandas.DataFrame
        Index month ``"YYYY-MM"``: ``stay`` and ``change_pct`` against the same month of 2019.
    """
    s = flows.stay
    sel = s[(s["dayflag"] == dayflag) & (s["timezone"] == timezone)
            & s["mesh"].isin(shares.index)]
    part = sel["population"].to_numpy(float) * shares.reindex(sel["mesh"]).to_numpy(float)
    total = pd.Series(part, index=pd.MultiIndex.from_frame(sel[["year", "month"]])) \
        .groupby(level=[0, 1]).sum()
    out = pd.DataFrame({"stay": total})
    base = {m: v for (y, m), v in total.items() if y == BASE_YEAR}
    out["change_pct"] = [100 * (v - base[m]) / base[m] if base.get(m) else np.nan
                         for (_, m), v in total.items()]
    out.index = [month_key(int(y), int(m)) for y, m in out.index]
    return out


def centre_mesh(flows: Flows) -> str:
    """The mesh with the most people on weekday daytimes of the first year: the busy centre."""
    s = flows.stay
    first = int(s["year"].min())
    sel = s[(s["year"] == first) & (s["dayflag"] == WEEKDAY) & (s["timezone"] == DAYTIME)]
    return str(sel.groupby("mesh")["population"].mean().idxmax())


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m geo.context.flows RAW_DIR BUNDLE_DIR [--city-code CODE]``: write the flows."""
    ap = argparse.ArgumentParser(prog="python -m geo.context.flows", description=build_flows.__doc__
                                 and build_flows.__doc__.splitlines()[0])
    ap.add_argument("raw_dir", type=Path)
    ap.add_argument("bundle_dir", type=Path)
    ap.add_argument("--city-code")
    args = ap.parse_args(argv)
    try:
        path = build_flows(args.raw_dir, args.bundle_dir, city_code=args.city_code)
    except InputError as exc:
        print(exc)
        return 1
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
