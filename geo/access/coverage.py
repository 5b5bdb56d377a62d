"""Walking-coverage KPIs: a distance table per cell and kind, then coverage from it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS, Transformer
from scipy.spatial import cKDTree

from geo import grid
from geo.access.network import WalkNetwork, nearest_facility_distance
from geo.grid.crs import WGS84
from geo.kinds import FREQUENT_DEPARTURES, KINDS, MAX_DISTANCE_M

Mode = Literal["line", "network"]

def facilities_by_kind(
    facilities: gpd.GeoDataFrame, *, frequent_departures: int = FREQUENT_DEPARTURES
) -> dict[str, gpd.GeoDataFrame]:
    """Split a bundle's facility table into kinds, deriving frequent bus stops.

    Parameters
    ----------
    facilities
        Columns ``kind`` and ``geometry`` (points, EPSG:4326); bus stops may carry ``departures``.
    frequent_departures
        A bus stop with at least this many departures a day is also a ``bus_stop_frequent``.

    Returns
    -------
    dict
        Every key of :data:`KINDS`, each mapped to its (possibly empty) facilities.
    """
    out = {k.key: facilities[facilities["kind"] == k.key] for k in KINDS}
    if "departures" in facilities.columns:
        bus = out["bus_stop"]
        dep = pd.to_numeric(bus["departures"], errors="coerce")
        out["bus_stop_frequent"] = bus[dep >= frequent_departures].assign(
            kind="bus_stop_frequent"
        )
    return out


def _xy(lon: np.ndarray, lat: np.ndarray, crs: CRS) -> tuple[np.ndarray, np.ndarray]:
    x, y = Transformer.from_crs(WGS84, crs, always_xy=True).transform(lon, lat)
    return np.asarray(x, float), np.asarray(y, float)


def distance_table(
    cells: np.ndarray,
    facilities: Mapping[str, gpd.GeoDataFrame],
    *,
    metric_crs: CRS,
    mode: Mode = "line",
    network: WalkNetwork | None = None,
    max_distance: float = MAX_DISTANCE_M,
) -> pd.DataFrame:
    """Distance in metres from each cell's centre to the nearest facility of each kind.

    Parameters
    ----------
    cells
        H3 cells (uint64) whose centres are the population points.
    facilities
        Facilities per kind (points in EPSG:4326), e.g. from :func:`facilities_by_kind`.
    metric_crs
        CRS in which straight lines are measured (JGD2011 plane rectangular zone).
    mode
        ``"line"``: straight line in ``metric_crs`` (the official MLIT method);
        ``"network"``: shortest walk on ``network``.
    network
        Required for ``mode="network"``.
    max_distance
        Farthest distance searched; farther gives ``inf``.

    Returns
    -------
    pandas.DataFrame
        Indexed by cell, one float column per kind. A kind without any facility is all NaN
        ("no data"); ``inf`` means farther than ``max_distance`` or unreachable.
    """
    cells = grid.as_cells(cells)
    lon, lat = grid.centroids(cells)
    ox, oy = _xy(lon, lat, metric_crs)
    fac_xy: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for key, f in facilities.items():
        fac_xy[key] = _xy(f.geometry.x.to_numpy(), f.geometry.y.to_numpy(), metric_crs)
    if mode == "network":
        if network is None:
            raise ValueError("network mode needs a walking network; this city has none")
        table = nearest_facility_distance(
            network, origins_xy=(ox, oy), facilities_xy=fac_xy, limit=max_distance
        )
        table.index = pd.Index(cells, name="cell")
    elif mode == "line":
        table = pd.DataFrame(index=pd.Index(cells, name="cell"))
        pts = np.column_stack([ox, oy])
        for key, (fx, fy) in fac_xy.items():
            if len(fx) == 0:
                continue
            d, _ = cKDTree(np.column_stack([fx, fy])).query(pts, distance_upper_bound=max_distance)
            table[key] = d
    else:
        raise ValueError(f"unknown mode {mode!r}; use 'line' or 'network'")
    for key, f in facilities.items():
        if len(f) == 0:
            table[key] = np.nan
    return table[[k for k in facilities]]


def covered(distances: pd.DataFrame, radii: Mapping[str, float]) -> pd.DataFrame:
    """Whether each cell lies within the radius of each kind (NaN stays NaN: no data)."""
    out = pd.DataFrame(index=distances.index)
    for key in distances.columns:
        d = distances[key]
        out[key] = (d <= radii[key]).astype(float).where(d.notna())
    return out


def summary(
    distances: pd.DataFrame,
    population: pd.Series | None,
    *,
    radii: Mapping[str, float],
    facility_counts: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """City totals per kind: population, covered, uncovered and coverage rate.

    Parameters
    ----------
    distances
        Output of :func:`distance_table`.
    population
        People per cell (same index), or None for a city without population data.
    radii
        Walking radius (metres) of each kind.
    facility_counts
        Number of facilities per kind, reported alongside.

    Returns
    -------
    pandas.DataFrame
        Indexed by kind: ``status`` ("ok", "no_data" for a kind without facilities,
        "no_population"), ``facilities``, ``radius_m``, ``population``, ``covered``,
        ``uncovered``, ``rate`` (0..1, NaN unless status is "ok"), ``cells_covered_share``.
    """
    cov = covered(distances, radii)
    rows = []
    for key in distances.columns:
        has_data = distances[key].notna().all() and len(distances) > 0
        row: dict[str, object] = {
            "kind": key,
            "facilities": (facility_counts or {}).get(key, np.nan),
            "radius_m": float(radii[key]),
        }
        if not has_data:
            row.update(status="no_data", population=np.nan, covered=np.nan,
                       uncovered=np.nan, rate=np.nan, cells_covered_share=np.nan)
        elif population is None:
            row.update(status="no_population", population=np.nan, covered=np.nan,
                       uncovered=np.nan, rate=np.nan,
                       cells_covered_share=float(cov[key].mean()))
        else:
            pop = population.reindex(distances.index).fillna(0.0)
            total = float(pop.sum())
            c = float((pop * cov[key]).sum())
            row.update(status="ok", population=total, covered=c, uncovered=total - c,
                       rate=c / total if total > 0 else np.nan,
                       cells_covered_share=float(cov[key].mean()))
        rows.append(row)
    return pd.DataFrame(rows).set_index("kind")


def by_zone(
    distances: pd.DataFrame, pieces: pd.DataFrame, *, radii: Mapping[str, float]
) -> pd.DataFrame:
    """Coverage per zone (town) from population pieces (zone, cell, value).

    Returns
    -------
    pandas.DataFrame
        Indexed by zone; ``population`` and for each kind ``covered_<kind>``,
        ``uncovered_<kind>`` and ``rate_<kind>`` (NaN for kinds without data).
    """
    cov = covered(distances, radii)
    p = pieces.set_index("cell")
    pop = p["value"].to_numpy()
    out = pd.DataFrame({"population": p.groupby("zone")["value"].sum()})
    for key in distances.columns:
        c = cov[key].reindex(p.index).to_numpy() * pop
        cs = pd.Series(c, index=p["zone"].to_numpy()).groupby(level=0).sum(min_count=1)
        out[f"covered_{key}"] = cs
        out[f"uncovered_{key}"] = out["population"] - cs
        out[f"rate_{key}"] = cs / out["population"].where(out["population"] > 0)
    return out


def cell_kpis(
    distances: pd.DataFrame,
    population: pd.Series | None,
    *,
    radii: Mapping[str, float],
    resolution: int,
    kinds: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Per-cell KPIs at a resolution (7–10), aggregated from the base-resolution cells.

    Returns
    -------
    pandas.DataFrame
        Indexed by cell at ``resolution``: ``population`` (NaN without population data) and per
        kind ``dist_<kind>`` (population-weighted mean distance of the child cells, plain mean
        without population; capped at the search distance), ``rate_<kind>`` (covered share of
        people, or of cells without population) and ``uncovered_<kind>`` (people).
    """
    keys = list(kinds) if kinds is not None else list(distances.columns)
    cov = covered(distances[keys], radii)
    if population is None:
        w = pd.Series(1.0, index=distances.index)
    else:
        w = population.reindex(distances.index).fillna(0.0)
    frames: dict[str, pd.Series] = {}
    wsum = grid.rollup(w, resolution)
    frames["population"] = wsum if population is not None else wsum * np.nan
    for key in keys:
        d = distances[key].clip(upper=MAX_DISTANCE_M)
        if d.isna().all():
            for col in ("dist", "rate", "uncovered"):
                frames[f"{col}_{key}"] = wsum * np.nan
            continue
        weighted_d = grid.rollup(d * w, resolution)
        cov_w = grid.rollup(cov[key] * w, resolution)
        safe = wsum.where(wsum > 0)
        if population is None:
            frames[f"dist_{key}"] = weighted_d / safe
        else:
            plain = grid.rollup(d, resolution, how="mean")
            frames[f"dist_{key}"] = (weighted_d / safe).fillna(plain)
        frames[f"rate_{key}"] = cov_w / safe
        frames[f"uncovered_{key}"] = (wsum - cov_w) if population is not None else wsum * np.nan
    out = pd.DataFrame(frames)
    out.index.name = "cell"
    return out
