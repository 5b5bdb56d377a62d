"""Vacant-dwelling estimates from building records: rules, score, calibration, suppression."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import expit, logit

from geo import grid
from geo.errors import InputError, Problem
from geo.grid.crs import WGS84
from geo.ingest.io import JAPAN_BOUNDS, coordinate_problem, match_column, parse_count, read_csv
from geo.privacy import area_disclosure

# The method follows the practice the seed documents describe. A building whose water has not
# been used for 12 months or more is *likely vacant* (さいたま市: a meter without a contract for a
# year); combinations of the other administrative signals — nobody on the resident register, no
# business listed at the address (前橋市: resident register ∩ water ∩ business directory) — add to
# a score. Each score maps to a probability of being vacant; the sum of probabilities is the
# estimate, and an optional shift on the log-odds scale makes the city total match the Housing
# and Land Survey (住宅・土地統計調査) vacancy rate exactly. Areas with fewer than ``k`` buildings
# are suppressed in every output, and so is any area that differencing would otherwise reveal
# (geo.privacy, applied to the city, the towns and the cells together: see disclosure).

#: Water unused this many months or more: likely vacant on its own (the primary rule).
WATER_IDLE_MONTHS = 12
#: Water unused this many months (but fewer than :data:`WATER_IDLE_MONTHS`): a weak signal.
WATER_LOW_MONTHS = 6
#: Points of each signal. Unknown signals score 0.
POINTS: dict[str, int] = {
    "water_idle": 3,      # water unused ≥ 12 months
    "water_low": 1,       # water unused 6–11 months
    "water_used": -1,     # water used within the last 6 months
    "no_residents": 2,    # nobody registered at the address
    "no_business": 1,     # the business directory lists nothing at the address
}
#: A building is *likely vacant* when its score reaches this (water ≥ 12 months alone does).
LIKELY_SCORE = 3
#: Prior probability of being vacant for each score (before calibration), chosen so that
#: "likely vacant" means more likely than not, and in line with the reported accuracy of these
#: methods (≈80 % for the register-based method, 82.6 % recall for water records).
PROBABILITY: dict[int, float] = {-1: 0.02, 0: 0.03, 1: 0.08, 2: 0.25, 3: 0.70, 4: 0.80,
                                 5: 0.90, 6: 0.95}
#: Areas (cells, towns) with fewer buildings than this are suppressed by default.
DEFAULT_K = 10
#: Width of the uncertainty band: a normal 95 % interval.
Z_95 = 1.959963984540054
#: National vacancy rate of the 2023 Housing and Land Survey (13.8 %), a default target only;
#: use the city's own figure from the survey where it is published.
NATIONAL_RATE_2023 = 0.138

#: Columns of the building records (the importer's output and the generator's).
COLUMNS: tuple[str, ...] = ("building_id", "town_code", "lon", "lat", "dwellings",
                            "water_idle_months", "residents", "business")
#: Header names accepted for each column (case-insensitive), Japanese and English.
ALIASES: dict[str, tuple[str, ...]] = {
    "building_id": ("building_id", "id", "建物id", "建物番号"),
    "town_code": ("town_code", "key_code", "町丁コード"),
    "lon": ("lon", "lng", "longitude", "経度"),
    "lat": ("lat", "latitude", "緯度"),
    "dwellings": ("dwellings", "住戸数", "戸数"),
    "water_idle_months": ("water_idle_months", "水道未使用月数"),
    "residents": ("residents", "住民登録人数", "住民数"),
    "business": ("business", "事業所", "事業所の有無"),
}
#: At most this many problems are listed per check.
MAX_PROBLEMS = 20
_TRUE = frozenset({"1", "true", "yes", "y", "有", "あり", "有り", "○"})
_FALSE = frozenset({"0", "false", "no", "n", "無", "なし", "無し", "×"})
#: Figures of an area output; all of them are NaN where the area is suppressed.
FIGURES: tuple[str, ...] = ("buildings", "dwellings", "likely_vacant", "estimated", "rate",
                            "low", "high", "rate_low", "rate_high")


# ------------------------------------------------------------------------------------------
# Rules and score
# ------------------------------------------------------------------------------------------


def score(records: pd.DataFrame) -> pd.DataFrame:
    """Apply the rules to building records.

    Parameters
    ----------
    records
        Columns ``water_idle_months`` (float, NaN unknown), ``residents`` (NaN unknown),
        ``business`` (True / False / NA unknown); see :func:`read_buildings`.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``records``: ``score`` (sum of :data:`POINTS`), ``likely`` (score ≥
        :data:`LIKELY_SCORE`, always true when water is unused ≥ 12 months) and ``p`` (the
        prior probability of :data:`PROBABILITY`).
    """
    water = pd.to_numeric(records["water_idle_months"], errors="coerce").to_numpy(float)
    residents = pd.to_numeric(records["residents"], errors="coerce").to_numpy(float)
    business = records["business"].astype("boolean")
    s = np.zeros(len(records), dtype=np.int64)
    with np.errstate(invalid="ignore"):
        s += POINTS["water_idle"] * (water >= WATER_IDLE_MONTHS)
        s += POINTS["water_low"] * ((water >= WATER_LOW_MONTHS) & (water < WATER_IDLE_MONTHS))
        s += POINTS["water_used"] * (water < WATER_LOW_MONTHS)
        s += POINTS["no_residents"] * (residents == 0)
    s += POINTS["no_business"] * business.eq(False).fillna(False).to_numpy(bool)
    p = pd.Series(s).map(PROBABILITY).to_numpy(float)
    return pd.DataFrame({"score": s, "likely": s >= LIKELY_SCORE, "p": p}, index=records.index)


def calibrate(p: Any, dwellings: Any, *, target_rate: float) -> tuple[np.ndarray, float]:
    """Shift probabilities on the log-odds scale so vacant dwellings ÷ dwellings = target.

    Parameters
    ----------
    p
        Probabilities of being vacant, each strictly between 0 and 1.
    dwellings
        Dwellings of each building (weights).
    target_rate
        The rate to hit, strictly between 0 and 1 (e.g. the city's rate in the Housing and
        Land Survey).

    Returns
    -------
    tuple
        The calibrated probabilities (same order) and the shift α added to each log-odds.
        ``sum(dwellings * p') / sum(dwellings)`` equals ``target_rate`` to floating-point
        precision (a root search, then a final rescaling by a factor within 1e-9 of 1).
    """
    if not 0.0 < target_rate < 1.0:
        raise ValueError(f"the target rate must be between 0 and 1 (exclusive), "
                         f"got {target_rate}")
    pa = np.asarray(p, dtype=float)
    d = np.asarray(dwellings, dtype=float)
    if len(pa) == 0 or d.sum() <= 0:
        raise ValueError("no dwellings to calibrate")
    if ((pa <= 0) | (pa >= 1)).any():
        raise ValueError("probabilities must lie strictly between 0 and 1 to be calibrated")
    lo = logit(pa)
    total = d.sum()

    def gap(alpha: float) -> float:
        return float((d * expit(lo + alpha)).sum() / total - target_rate)

    alpha = float(brentq(gap, -50.0, 50.0, xtol=1e-14, rtol=1e-15, maxiter=500))
    out = expit(lo + alpha)
    out = out * (target_rate * total / (d * out).sum())
    return np.clip(out, 0.0, 1.0), alpha


def estimate(records: pd.DataFrame, *, target_rate: float | None = None) -> pd.DataFrame:
    """Score building records and (optionally) calibrate them to a city vacancy rate.

    Parameters
    ----------
    records
        Output of :func:`read_buildings` (or of :func:`geo.samples.sample_buildings`).
    target_rate
        If given, the city-wide share of vacant dwellings to hit exactly (see
        :func:`calibrate`).

    Returns
    -------
    pandas.DataFrame
        ``records`` with ``score``, ``likely``, ``p`` (probability used: calibrated if a
        target is given) and ``p_prior`` added.
    """
    s = score(records)
    out = records.copy()
    out["score"] = s["score"]
    out["likely"] = s["likely"]
    out["p_prior"] = s["p"]
    out["p"] = s["p"]
    if target_rate is not None and len(out):
        out["p"] = calibrate(s["p"], out["dwellings"], target_rate=target_rate)[0]
    return out


# ------------------------------------------------------------------------------------------
# Areas, uncertainty, suppression
# ------------------------------------------------------------------------------------------


def aggregate(est: pd.DataFrame, keys: Any, *, k: int = DEFAULT_K,
              hidden: Collection[Any] = ()) -> pd.DataFrame:
    """Figures per area of one area system, suppressing areas with fewer than ``k`` buildings
    and the areas in ``hidden``.

    On its own this applies only the primary rule to one area system; the published outputs
    (:func:`by_cell`, :func:`by_town`, :func:`city_total`) pass the areas :func:`disclosure`
    suppresses across all of them, so that no area can be worked out by differencing.

    Parameters
    ----------
    est
        Output of :func:`estimate`.
    keys
        Area of each building (an array or Series aligned with ``est``); NA keys are left out.
    k
        Smallest number of buildings an area must hold for its figures to be shown.
    hidden
        Areas suppressed whatever their size (secondary suppression).

    Returns
    -------
    pandas.DataFrame
        Indexed by area: ``buildings``, ``dwellings``, ``likely_vacant`` (dwellings in likely
        vacant buildings), ``estimated`` (expected vacant dwellings, Σ dwellings × p),
        ``rate`` (estimated ÷ dwellings), the 95 % band ``low`` – ``high`` (and
        ``rate_low`` – ``rate_high``): estimated ± 1.96 × √Σ dwellings² p (1 − p), i.e. each
        building vacant or not independently with its probability, clipped to 0 and the
        dwellings; and ``suppressed`` (True where fewer than ``k`` buildings or hidden: every
        figure is then NaN).
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    key = pd.Series(np.asarray(keys), index=est.index)
    ok = key.notna().to_numpy()
    d = est["dwellings"].to_numpy(float)[ok]
    p = est["p"].to_numpy(float)[ok]
    frame = pd.DataFrame({
        "area": key.to_numpy()[ok],
        "buildings": 1.0,
        "dwellings": d,
        "likely_vacant": d * est["likely"].to_numpy(bool)[ok],
        "estimated": d * p,
        "var": d * d * p * (1 - p),
    })
    g = frame.groupby("area", sort=True)[["buildings", "dwellings", "likely_vacant",
                                          "estimated", "var"]].sum()
    sd = np.sqrt(g.pop("var"))
    g["low"] = np.clip(g["estimated"] - Z_95 * sd, 0.0, None)
    g["high"] = np.minimum(g["estimated"] + Z_95 * sd, g["dwellings"])
    with np.errstate(invalid="ignore", divide="ignore"):
        for col, src in (("rate", "estimated"), ("rate_low", "low"), ("rate_high", "high")):
            g[col] = np.where(g["dwellings"] > 0, g[src] / g["dwellings"], np.nan)
    suppressed = (g["buildings"] < k).to_numpy() | g.index.isin(list(hidden))
    g = g[list(FIGURES)].astype(float)
    g.loc[suppressed, :] = np.nan
    g["suppressed"] = suppressed
    g.index.name = None
    return g


def _cells(est: pd.DataFrame) -> pd.DataFrame:
    """Each building's H3 cell at every resolution of :data:`geo.grid.RESOLUTIONS` (NA
    without coordinates): the finest from its point, the coarser ones its parents, so that
    the resolutions nest exactly (as on the comment map)."""
    has = (est["lon"].notna() & est["lat"].notna()).to_numpy()
    finest = max(grid.RESOLUTIONS)
    fine = np.zeros(len(est), dtype=np.uint64)
    if has.any():
        fine[has] = grid.points_to_cells(est.loc[has, "lon"], est.loc[has, "lat"], finest)
    out = pd.DataFrame(index=est.index)
    for r in grid.RESOLUTIONS:
        values = grid.parents(fine, r) if r < finest else fine
        out[f"h3_{r}"] = pd.array(values, dtype="UInt64")
        out.loc[~has, f"h3_{r}"] = pd.NA
    return out


_LOCK = threading.Lock()
_MEMO: OrderedDict[tuple[str, int], pd.DataFrame] = OrderedDict()
_MEMO_SIZE = 8


def disclosure(est: pd.DataFrame, *, k: int = DEFAULT_K) -> pd.DataFrame:
    """Which areas of every vacancy output may be published: the city, the towns and the cells
    at every resolution, decided together by :func:`geo.privacy.area_disclosure`.

    Primary: an area of fewer than ``k`` buildings is suppressed. Secondary: no suppressed area
    can be worked out from the published ones (a town total minus its visible cells, a coarser
    cell minus its finer ones, several towns minus the cells they fill, …), and no published
    area minus the published areas of one system inside it leaves 1 … ``k − 1`` buildings.
    Every figure is a sum over buildings, so protecting the number of buildings protects the
    figures. A building counts in its res-10 cell and that cell's parents (see
    :func:`by_cell`), in its town (if any) and in the city. The answer depends only on where
    the buildings are (not on the calibration), and is remembered for the last few inputs.

    Returns
    -------
    pandas.DataFrame
        One row per area holding buildings: ``level`` (``"city"``, ``"town"`` or
        ``"h3_<r>"``), ``area`` (town code, uint64 cell, or ``"city"``), ``n`` (buildings)
        and ``shown``.
    """
    units = _cells(est)
    units["town"] = est["town_code"].astype("object").where(est["town_code"].notna())
    digest = hashlib.sha256(pd.util.hash_pandas_object(units, index=False).to_numpy()
                            .tobytes()).hexdigest()
    with _LOCK:
        known = _MEMO.get((digest, k))
    if known is None:
        known = area_disclosure(units, nested=[f"h3_{r}" for r in grid.RESOLUTIONS],
                                flat="town", k=k)
        with _LOCK:
            _MEMO[(digest, k)] = known
            while len(_MEMO) > _MEMO_SIZE:
                _MEMO.popitem(last=False)
    return known.copy()


def _hidden(disc: pd.DataFrame, level: str) -> list[Any]:
    """Areas of ``level`` that :func:`disclosure` suppresses."""
    rows = disc[(disc["level"] == level) & ~disc["shown"]]
    return list(rows["area"])


def by_cell(est: pd.DataFrame, *, resolution: int, k: int = DEFAULT_K) -> pd.DataFrame:
    """:func:`aggregate` per H3 cell (uint64 index) of buildings with coordinates.

    A building counts in the res-10 cell of its point and in that cell's parents at coarser
    resolutions, so cells nest exactly across resolutions. Cells suppressed by
    :func:`disclosure` (over all outputs) carry no figure.
    """
    if resolution not in grid.RESOLUTIONS:
        raise ValueError(f"resolution must be one of {grid.RESOLUTIONS}, got {resolution}")
    cells = _cells(est)[f"h3_{resolution}"]
    hidden = _hidden(disclosure(est, k=k), f"h3_{resolution}")
    out = aggregate(est, cells.astype("object").where(cells.notna()), k=k, hidden=hidden)
    out.index = out.index.astype(np.uint64)
    out.index.name = "cell"
    return out


def by_town(est: pd.DataFrame, *, k: int = DEFAULT_K,
            names: pd.Series | None = None) -> pd.DataFrame:
    """:func:`aggregate` per town (``town_code``), with the town ``name`` first if given;
    towns suppressed by :func:`disclosure` (over all outputs) carry no figure."""
    hidden = _hidden(disclosure(est, k=k), "town")
    out = aggregate(est, est["town_code"].astype("object").where(est["town_code"].notna()),
                    k=k, hidden=hidden)
    out.index.name = "town_code"
    if names is not None:
        out.insert(0, "name", names.reindex(out.index).to_numpy())
    return out


def city_total(est: pd.DataFrame, *, k: int = DEFAULT_K) -> pd.Series:
    """The whole city as one area (suppressed below ``k`` buildings, or by
    :func:`disclosure`)."""
    if not len(est):
        return pd.Series({**dict.fromkeys(FIGURES, np.nan), "suppressed": True})
    hidden = [0] if _hidden(disclosure(est, k=k), "city") else []
    return aggregate(est, np.zeros(len(est), dtype=np.int64), k=k, hidden=hidden).iloc[0]


def assign_towns(records: pd.DataFrame, towns: gpd.GeoDataFrame) -> pd.DataFrame:
    """Fill missing ``town_code`` from the town polygon each building's point lies in.

    Parameters
    ----------
    records
        Building records (lon/lat may be NaN).
    towns
        ``town_code`` and polygons (EPSG:4326), e.g. ``CityBundle.towns``.
    """
    out = records.copy()
    need = out["town_code"].isna() & out["lon"].notna() & out["lat"].notna()
    if need.any():
        pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(out.loc[need, "lon"],
                                                           out.loc[need, "lat"]),
                               index=out.index[need], crs=WGS84)
        joined = gpd.sjoin(pts, towns[["town_code", "geometry"]], how="left",
                           predicate="within")
        joined = joined[~joined.index.duplicated(keep="first")]
        out.loc[need, "town_code"] = joined["town_code"].reindex(out.index[need]).to_numpy()
    return out


# ------------------------------------------------------------------------------------------
# The real importer
# ------------------------------------------------------------------------------------------


def _resolve_columns(columns: list[str], *, file: str) -> dict[str, str]:
    found = {}
    for name, aliases in ALIASES.items():
        col = match_column(columns, aliases)
        if col is not None:
            found[name] = col
    problems = []
    if "building_id" not in found:
        problems.append(Problem(file, "no building id column; expected one of: "
                                + ", ".join(ALIASES["building_id"]), 0, None))
    has_xy = "lon" in found and "lat" in found
    if not has_xy and "town_code" not in found:
        problems.append(Problem(file, "each building needs a location: give lon and lat "
                                "(経度, 緯度) or town_code (町丁コード)", 0, None))
    if ("lon" in found) != ("lat" in found):
        problems.append(Problem(file, "give both lon (経度) and lat (緯度), or neither", 0,
                                found.get("lon") or found.get("lat")))
    if problems:
        raise InputError(problems)
    return found


def _numbers(raw: pd.Series, *, file: str, column: str, problems: list[Problem],
             whole: bool = False, minimum: float | None = None) -> pd.Series:
    """Parse a text column into floats (NaN for blank), recording each unreadable cell."""
    text = raw.str.normalize("NFKC").str.strip().str.replace(",", "", regex=False)
    num = pd.to_numeric(text, errors="coerce").astype(float)
    bad = (num.isna() & (text != "")).to_numpy().copy()
    if whole:
        bad |= (num.notna() & (num % 1 != 0)).to_numpy()
    for i in np.flatnonzero(bad)[:MAX_PROBLEMS]:
        if whole:
            try:  # accepts the marks of Japanese tables ("-", "x", …) as "no figure"
                if parse_count(raw.iat[i], file=file, row=int(i) + 1, column=column) is None:
                    num.iat[i] = np.nan
                    bad[i] = False
                    continue
            except InputError as exc:
                problems.extend(exc.problems)
                continue
        problems.append(Problem(file, f"expected a number, got {raw.iat[i]!r}", int(i) + 1,
                                column))
    if minimum is not None:
        for i in np.flatnonzero((num < minimum).to_numpy())[:MAX_PROBLEMS]:
            problems.append(Problem(file, f"must be at least {minimum:g}, got {raw.iat[i]!r}",
                                    int(i) + 1, column))
    return num


def _ids(raw: pd.Series, *, file: str, column: str, problems: list[Problem]) -> pd.Series:
    """Building ids, with a problem for each empty or repeated one."""
    ids = raw.str.strip()
    for i in np.flatnonzero((ids == "").to_numpy())[:MAX_PROBLEMS]:
        problems.append(Problem(file, "the building id is empty", int(i) + 1, column))
    dup = ids.duplicated(keep="first") & (ids != "")
    for j in np.flatnonzero(dup.to_numpy())[:MAX_PROBLEMS]:
        first = int(np.flatnonzero((ids == ids.iat[j]).to_numpy())[0]) + 1
        problems.append(Problem(file, f"building id {ids.iat[j]!r} already appears in row "
                                f"{first}", int(j) + 1, column))
    return ids


def _location(column: Callable[[str], pd.Series], cols: dict[str, str], town: pd.Series, *,
              file: str, bounds: tuple[float, float, float, float],
              problems: list[Problem]) -> tuple[pd.Series, pd.Series]:
    """Longitude and latitude (NaN where absent), with a problem for each implausible or half
    given point and each building with neither a point nor a town."""
    lon = _numbers(column("lon"), file=file, column=cols.get("lon", "lon"), problems=problems)
    lat = _numbers(column("lat"), file=file, column=cols.get("lat", "lat"), problems=problems)
    xb0, yb0, xb1, yb1 = bounds
    has_xy = lon.notna() & lat.notna()
    outside = has_xy & ~((lon >= xb0) & (lon <= xb1) & (lat >= yb0) & (lat <= yb1))
    for i in np.flatnonzero(outside.to_numpy())[:MAX_PROBLEMS]:
        msg = coordinate_problem(float(lon.iat[i]), float(lat.iat[i]), bounds=bounds)
        problems.append(Problem(file, msg or "implausible coordinates", int(i) + 1,
                                f"{cols['lon']}/{cols['lat']}"))
    half = (lon.isna() != lat.isna()).to_numpy()
    for i in np.flatnonzero(half)[:MAX_PROBLEMS]:
        problems.append(Problem(file, "give both lon and lat, or neither", int(i) + 1,
                                f"{cols['lon']}/{cols['lat']}"))
    nowhere = (~has_xy & (town == "")).to_numpy() & ~half
    for i in np.flatnonzero(nowhere)[:MAX_PROBLEMS]:
        problems.append(Problem(file, "no location: give lon/lat or town_code", int(i) + 1,
                                None))
    return lon, lat


def _business(raw: pd.Series, *, file: str, column: str,
              problems: list[Problem]) -> pd.arrays.BooleanArray:
    """The business flag (NA where blank), with a problem for each unreadable value."""
    flag = raw.str.normalize("NFKC").str.strip().str.lower()
    business = pd.array([True if v in _TRUE else False if v in _FALSE else None
                         for v in flag], dtype="boolean")
    unknown = ~flag.isin(_TRUE | _FALSE) & (flag != "")
    for i in np.flatnonzero(unknown.to_numpy())[:MAX_PROBLEMS]:
        problems.append(Problem(file, f"expected 1/0, true/false or 有/無, got {raw.iat[i]!r}",
                                int(i) + 1, column))
    return business


def read_buildings(path: str | Path, *,
                   bounds: tuple[float, float, float, float] = JAPAN_BOUNDS) -> pd.DataFrame:
    """Read building records from a CSV (UTF-8, UTF-8 with BOM or CP932 / Shift_JIS).

    Columns (header names in English or Japanese, see :data:`ALIASES`):

    ============================  ========  ==================================================
    column                        required  meaning
    ============================  ========  ==================================================
    building_id (建物ID)           yes       unique id of the building
    town_code (町丁コード)          or lon/lat the 町丁 code (as in the city bundle)
    lon, lat (経度, 緯度)           or town    location in degrees (JGD2011 / WGS 84)
    dwellings (住戸数)              no        dwellings in the building (default 1)
    water_idle_months (水道未使用月数)  no     months since water was last used (blank: unknown)
    residents (住民登録人数)        no        people on the resident register (blank: unknown)
    business (事業所)               no        a business listed at the address: 1/0, true/false,
                                             有/無, あり/なし (blank: unknown)
    ============================  ========  ==================================================

    Parameters
    ----------
    path
        The CSV file.
    bounds
        Plausible lon/lat extent; swapped or projected coordinates are reported.

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`COLUMNS`: ``building_id`` and ``town_code`` as strings (NA when
        absent), ``lon``/``lat`` float (NaN when absent), ``dwellings`` int, the signals as
        float / Int64 / boolean with NA for unknown.

    Raises
    ------
    InputError
        Naming file, row and column of every problem found.
    """
    p = Path(path)
    df = read_csv(p)
    file = p.name
    cols = _resolve_columns(list(df.columns), file=file)
    problems: list[Problem] = []
    n = len(df)
    blank = pd.Series([""] * n, index=df.index, dtype=str)

    def column(name: str) -> pd.Series:
        return df[cols[name]].astype(str) if name in cols else blank

    ids = _ids(column("building_id"), file=file, column=cols["building_id"], problems=problems)
    town = column("town_code").str.normalize("NFKC").str.strip()
    lon, lat = _location(column, cols, town, file=file, bounds=bounds, problems=problems)
    dwell = _numbers(column("dwellings"), file=file, column=cols.get("dwellings", "dwellings"),
                     problems=problems, whole=True, minimum=1)
    water = _numbers(column("water_idle_months"), file=file,
                     column=cols.get("water_idle_months", "water_idle_months"),
                     problems=problems, minimum=0)
    residents = _numbers(column("residents"), file=file,
                         column=cols.get("residents", "residents"), problems=problems,
                         whole=True, minimum=0)
    business = _business(column("business"), file=file, column=cols.get("business", "business"),
                         problems=problems)
    if problems:
        raise InputError(problems)
    return pd.DataFrame({
        "building_id": ids.to_numpy(),
        "town_code": pd.array(town.where(town != "").to_numpy(), dtype="string"),
        "lon": lon.to_numpy(float),
        "lat": lat.to_numpy(float),
        "dwellings": dwell.fillna(1).to_numpy().astype(np.int64),
        "water_idle_months": water.to_numpy(float),
        "residents": pd.array(residents.round().astype("Int64")),
        "business": business,
    })
