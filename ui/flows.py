"""Cached calls for the flows and vacancy pages (shared by all users: plain arguments only)."""

from __future__ import annotations

import pandas as pd
import shapely
import streamlit as st

from geo import grid
from geo.context import flows, vacancy
from geo.context.flows import Flows
from geo.grid import mesh
from geo.samples import vacancy as samples

from .cache import get_bundle


@st.cache_resource(show_spinner=False)
def get_flows(city: str) -> Flows | None:
    """The city's people-flow tables (read-only, shared), or None when it has none."""
    return flows.load(get_bundle(city).path)


@st.cache_data(show_spinner=False)
def get_flow_weights(city: str) -> pd.DataFrame:
    """Areal weights of the 1 km meshes on H3 cells (:data:`geo.context.flows.FLOW_RESOLUTION`)."""
    fl = get_flows(city)
    assert fl is not None
    return flows.weights(fl)


@st.cache_data(show_spinner=False, max_entries=256)
def get_flow_cells(city: str, month: str, dayflag: int, timezone: int,
                   resolution: int) -> pd.DataFrame:
    """Per-cell stay, change against 2019 and day/night ratio of one month."""
    fl = get_flows(city)
    assert fl is not None
    return flows.cell_frame(fl, get_flow_weights(city), month=month, dayflag=dayflag,
                            timezone=timezone, resolution=resolution)


@st.cache_data(show_spinner=False, max_entries=64)
def get_area_series(city: str, kind: str, members: tuple[str, ...],
                    dayflag: int) -> pd.DataFrame:
    """Daytime stay population over time of an area.

    Parameters
    ----------
    city
        City id.
    kind
        "centre" (the busiest 1 km mesh; ``members`` ignored), "towns" (town codes) or
        "cells" (H3 cell ids as hex strings).
    members
        The towns or cells, sorted, so the cache key is stable.
    dayflag
        Day kind.
    """
    fl = get_flows(city)
    assert fl is not None
    if kind == "centre":
        area = mesh.polygons([flows.centre_mesh(fl)]).iloc[0]
    elif kind == "towns":
        towns = get_bundle(city).towns
        assert towns is not None
        area = shapely.union_all(towns[towns["town_code"].isin(members)].geometry.to_numpy())
    else:
        area = shapely.union_all(grid.polygons(list(members)).to_numpy())
    return flows.area_series(fl, flows.area_shares(fl, area), dayflag=dayflag)


@st.cache_resource(show_spinner=False)
def _sample_records(city: str) -> pd.DataFrame:
    """The city's seeded sample records (read-only, shared; never mutate the result)."""
    b = get_bundle(city)
    assert b.towns is not None
    return samples.sample_buildings(b.towns, crs=b.crs)


@st.cache_resource(show_spinner=False, max_entries=8)
def _sample_estimate(city: str, target_rate: float | None) -> pd.DataFrame:
    """Scored sample records of a city (read-only, shared; never mutate the result)."""
    return vacancy.estimate(_sample_records(city), target_rate=target_rate)


@st.cache_data(show_spinner=False, max_entries=64)
def get_sample_cells(city: str, target_rate: float | None, k: int,
                     resolution: int) -> pd.DataFrame:
    """Vacancy figures per cell from the city's sample records (suppressed below ``k``)."""
    return vacancy.by_cell(_sample_estimate(city, target_rate), resolution=resolution, k=k)


@st.cache_data(show_spinner=False, max_entries=64)
def get_sample_towns(city: str, target_rate: float | None, k: int) -> pd.DataFrame:
    """Vacancy figures per town from the city's sample records (suppressed below ``k``)."""
    b = get_bundle(city)
    assert b.towns is not None
    names = b.towns.set_index("town_code")["name"]
    return vacancy.by_town(_sample_estimate(city, target_rate), k=k, names=names)


@st.cache_data(show_spinner=False, max_entries=64)
def get_sample_total(city: str, target_rate: float | None, k: int) -> pd.Series:
    """City-wide vacancy figures from the sample records."""
    return vacancy.city_total(_sample_estimate(city, target_rate), k=k)
