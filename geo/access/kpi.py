"""City coverage from a bundle: the engine's baseline (no modifications), read for any radii.

The coverage pages, the command line and the survey show exactly what a workshop scenario
starts from: :func:`city_coverage` is :meth:`Engine.figures <geo.access.scenario.Engine.figures>`
of the baseline, and :func:`city_distances` its distance table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from geo.access.coverage import by_zone
from geo.access.scenario import Engine, Mode
from geo.ingest.bundle import CityBundle
from geo.kinds import FREQUENT_DEPARTURES, KIND_BY_KEY, MAX_DISTANCE_M


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
    """Distance table (cells × kinds, metres) of a bundle's baseline; independent of the radii."""
    return Engine.from_bundle(bundle, mode=mode, frequent_departures=frequent_departures,
                              max_distance=max_distance).distances()


def city_coverage(
    bundle: CityBundle,
    *,
    mode: Mode = "line",
    radii: Mapping[str, float] | None = None,
    frequent_departures: int = FREQUENT_DEPARTURES,
    baseline: Engine | None = None,
) -> CityCoverage:
    """Coverage of every kind for a city: the baseline engine's figures at these radii.

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
    baseline
        The bundle's :meth:`Engine.from_bundle <geo.access.scenario.Engine.from_bundle>` for
        ``mode`` and ``frequent_departures``, to reuse (its search does not depend on radii);
        built here when not given.

    Raises
    ------
    ValueError
        For a radius beyond the search distance, or a baseline of another mode or with
        modifications.
    """
    base = baseline if baseline is not None else Engine.from_bundle(
        bundle, mode=mode, frequent_departures=frequent_departures)
    if base.mode != mode or base.mods:
        raise ValueError(f"the baseline must be the {mode} engine without modifications, not "
                         f"a {base.mode} one with {len(base.mods)}")
    eng = base.with_radii(radii or {})
    s = eng.figures()
    s.insert(0, "factor", [KIND_BY_KEY[k].factor for k in s.index])
    d = eng.distances()
    return CityCoverage(mode=mode, radii=dict(eng.radii), distances=d, summary=s,
                        towns=_towns(bundle, d, eng.radii))


def _towns(bundle: CityBundle, d: pd.DataFrame, radii: Mapping[str, float]) -> pd.DataFrame | None:
    """Coverage per town (None for a city without town population pieces)."""
    if bundle.pieces is None or bundle.towns is None:
        return None
    z = by_zone(d, bundle.pieces.rename(columns={"town_code": "zone"}), radii=radii)
    t = bundle.towns.drop(columns="geometry").set_index("town_code")
    towns = t[["name"]].join(z, how="left")
    towns["population"] = t["population"].astype("Float64")
    return towns
