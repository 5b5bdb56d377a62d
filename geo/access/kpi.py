"""City coverage results from a bundle: the distance table once, then KPIs for any radii."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from geo.access.coverage import (
    Mode,
    by_zone,
    distance_table,
    facilities_by_kind,
    summary,
)
from geo.ingest.bundle import CityBundle
from geo.kinds import FREQUENT_DEPARTURES, KIND_BY_KEY, MAX_DISTANCE_M, default_radii


@dataclass(frozen=True)
class CityCoverage:
    """Everything the coverage pages and the command line show for one city and setting."""

    mode: Mode
    radii: dict[str, float]
    distances: pd.DataFrame
    summary: pd.DataFrame
    towns: pd.DataFrame | None


def available_modes(bundle: CityBundle) -> list[Mode]:
    """Straight line always; network when the bundle has a walking graph."""
    return ["line", "network"] if bundle.network is not None else ["line"]


def city_distances(
    bundle: CityBundle,
    *,
    mode: Mode = "line",
    frequent_departures: int = FREQUENT_DEPARTURES,
    max_distance: float = MAX_DISTANCE_M,
) -> pd.DataFrame:
    """Distance table (cells × kinds, metres) of a bundle; independent of the radii."""
    fac = facilities_by_kind(bundle.facilities, frequent_departures=frequent_departures)
    return distance_table(
        bundle.cells, fac, metric_crs=bundle.crs, mode=mode, network=bundle.network,
        max_distance=max_distance,
    )


def city_coverage(
    bundle: CityBundle,
    *,
    mode: Mode = "line",
    radii: Mapping[str, float] | None = None,
    frequent_departures: int = FREQUENT_DEPARTURES,
    distances: pd.DataFrame | None = None,
) -> CityCoverage:
    """Coverage of every kind for a city.

    Parameters
    ----------
    bundle
        A loaded city bundle.
    mode
        ``"line"`` (official straight-line method) or ``"network"``.
    radii
        Radius per kind in metres; missing kinds take the official defaults.
    frequent_departures
        Departures a day from which a bus stop is frequent.
    distances
        A precomputed :func:`city_distances` table to reuse (it does not depend on radii).
    """
    r = default_radii() | dict(radii or {})
    if max(r.values()) > MAX_DISTANCE_M:
        raise ValueError(f"radii above {MAX_DISTANCE_M:.0f} m are not supported")
    d = distances if distances is not None else city_distances(
        bundle, mode=mode, frequent_departures=frequent_departures)
    fac = facilities_by_kind(bundle.facilities, frequent_departures=frequent_departures)
    counts = {k: len(v) for k, v in fac.items()}
    s = summary(d, bundle.population, radii=r, facility_counts=counts)
    s.insert(0, "factor", [KIND_BY_KEY[k].factor for k in s.index])
    towns = None
    if bundle.pieces is not None and bundle.towns is not None:
        z = by_zone(d, bundle.pieces.rename(columns={"town_code": "zone"}), radii=r)
        t = bundle.towns.drop(columns="geometry").set_index("town_code")
        towns = t[["name"]].join(z, how="left")
        towns["population"] = t["population"].astype("Float64")
    return CityCoverage(mode=mode, radii=r, distances=d, summary=s, towns=towns)
