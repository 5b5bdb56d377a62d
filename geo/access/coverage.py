"""Coverage of plain tables: a distance table per cell and kind (computed by the one engine,
:class:`geo.access.scenario.Engine`), the city figures of such a table (by the engine's rule,
:func:`geo.access.scenario.figures_table`), and its breakdown by town and by coarser cell.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from geo import grid
from geo.access.scenario import Engine, Mode, figures_table
from geo.ingest.walkgraph import WalkNetwork
from geo.kinds import MAX_DISTANCE_M


def distance_table(
    cells: np.ndarray,
    facilities: Mapping[str, gpd.GeoDataFrame],
    *,
    metric_crs: CRS,
    mode: Mode = "line",
    network: WalkNetwork | None = None,
    max_distance: float = MAX_DISTANCE_M,
) -> pd.DataFrame:
    """Distance in metres from each cell's centre to the nearest facility of each kind: the
    distances of the engine's baseline on these facilities.

    Parameters
    ----------
    cells
        H3 cells (uint64) whose centres are the population points.
    facilities
        Facilities per kind (points in EPSG:4326), e.g. from
        :func:`geo.access.scenario.facilities_by_kind`.
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
        Indexed by cell, one float column per kind of ``facilities``. A kind without any
        facility is all NaN ("no data"); ``inf`` means farther than ``max_distance`` or
        unreachable.
    """
    eng = Engine.baseline(cells, facilities, metric_crs=metric_crs, mode=mode, network=network,
                          max_distance=max_distance)
    return eng.distances()[list(facilities)]


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
    """City totals per kind of a distance table, by the engine's rule
    (:func:`geo.access.scenario.figures_table`).

    Parameters
    ----------
    distances
        Output of :func:`distance_table`.
    population
        People per cell (indexed by cell), or None for a city without population data.
    radii
        Walking radius (metres) of each kind.
    facility_counts
        Number of facilities per kind, reported alongside.

    Returns
    -------
    pandas.DataFrame
        Indexed by kind: ``status`` ("ok", "no_data" for a kind without facilities,
        "no_population"), ``facilities``, ``radius_m``, ``population``, ``covered``,
        ``uncovered``, ``rate`` (0..1, NaN unless status is "ok"), ``cells_covered`` and
        ``cells_covered_share``.
    """
    pop = None
    if population is not None:
        pop = population.reindex(distances.index).fillna(0.0).to_numpy(dtype=float)
    return figures_table({k: distances[k].to_numpy(dtype=float) for k in distances.columns},
                         pop, radii=radii, facilities=facility_counts)


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
