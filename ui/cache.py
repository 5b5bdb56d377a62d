"""Cached calls into geo/: shared by every user, so they take plain arguments and return copies."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from geo.access import CityCoverage, Engine, cell_kpis, city_coverage
from geo.ingest import bundle as bundle_mod
from geo.ingest.bundle import BundleError, CityBundle


@st.cache_resource(show_spinner=False)
def get_bundle(city: str) -> CityBundle:
    """The loaded bundle (read-only, one object shared by all sessions)."""
    return bundle_mod.load(city)


@st.cache_resource(show_spinner=False)
def map_frame(city: str) -> tuple[Any, ...]:
    """What every map draws over its data so a person can find their way without a base
    map: the towns' borders, the city outline, stations where the bundle has them, and the
    town and station names close up (built once per city; shared, never modified)."""
    from geo.render import deck

    b = get_bundle(city)
    towns = deck.town_layers(b.towns)
    stations = deck.station_layer(b.facilities)
    return (*towns[:1], deck.boundary_layer(b.boundary), *stations[:1], *towns[1:],
            *stations[1:])


@st.cache_data(show_spinner=False)
def list_cities() -> list[str]:
    """Ids of the cities that can be opened (shipped and built; a city whose manifest cannot
    be read is left out, so it cannot stop the app: see :func:`unopenable_cities`)."""
    return [c for c in bundle_mod.list_cities() if _manifest_problem(c) is None]


def unopenable_cities() -> dict[str, BundleError]:
    """Built cities that cannot be opened, with why (the add-a-city page offers to delete them)."""
    out = {}
    for c in bundle_mod.list_cities():
        problem = _manifest_problem(c)
        if problem is not None:
            out[c] = problem
    return out


def _manifest_problem(city: str) -> BundleError | None:
    try:
        bundle_mod.read_manifest(city)
    except BundleError as exc:
        return exc
    return None


@st.cache_data(show_spinner=False)
def city_names(cities: tuple[str, ...], lang: str) -> dict[str, str]:
    """Each city's name in ``lang`` from its manifest (bounded by the builder; shown as plain
    text by the picker), without loading the bundles."""
    key = "name_ja" if lang == "ja" else "name_en"
    return {c: str(bundle_mod.read_manifest(c)["city"].get(key) or c) for c in cities}


@st.cache_resource(show_spinner=False, max_entries=8)
def get_baseline(city: str, mode: str, frequent: int) -> Engine:
    """The city's coverage engine without modifications (one search per setting; shared by
    every session and never modified: other radii and scenarios work on copies)."""
    return Engine.from_bundle(get_bundle(city), mode=mode,  # type: ignore[arg-type]
                              frequent_departures=frequent)


@st.cache_data(show_spinner=False, max_entries=16)
def get_distances(city: str, mode: str, frequent: int) -> pd.DataFrame:
    """Distance table of a city (independent of radii): the baseline engine's."""
    return get_baseline(city, mode, frequent).distances()


@st.cache_data(show_spinner=False, max_entries=64)
def get_coverage(city: str, mode: str, radii: tuple[tuple[str, float], ...],
                 frequent: int) -> CityCoverage:
    """City coverage for one setting (radii as a sorted tuple so it hashes)."""
    return city_coverage(get_bundle(city), mode=mode,  # type: ignore[arg-type]
                         radii=dict(radii), frequent_departures=frequent,
                         baseline=get_baseline(city, mode, frequent))


@st.cache_data(show_spinner=False, max_entries=64)
def get_cell_kpis(city: str, mode: str, radii: tuple[tuple[str, float], ...], frequent: int,
                  resolution: int) -> pd.DataFrame:
    """Per-cell KPIs of every kind at a resolution."""
    b = get_bundle(city)
    return cell_kpis(get_distances(city, mode, frequent), b.population, radii=dict(radii),
                     resolution=resolution)
