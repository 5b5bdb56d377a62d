"""OpenStreetMap ``.osm.pbf`` extracts (pyrosm): the walking network and amenities as kinds."""

from __future__ import annotations

import warnings as pywarnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from geo.errors import InputError, Problem
from geo.grid.crs import WGS84
from geo.ingest.io import unreadable
from geo.ingest.walkgraph import WalkNetwork, check_walkable, from_frames

ATTRIBUTION = "© OpenStreetMap contributors"
LICENCE = "ODbL 1.0"

#: OSM tag values mapped to coverage kinds, tried in this order.
TAG_KINDS: tuple[tuple[str, str, str], ...] = (
    ("amenity", "hospital", "medical"),
    ("amenity", "clinic", "medical"),
    ("amenity", "doctors", "medical"),
    ("healthcare", "hospital", "medical"),
    ("healthcare", "clinic", "medical"),
    ("healthcare", "doctor", "medical"),
    ("amenity", "social_facility", "welfare"),
    ("amenity", "nursing_home", "welfare"),
    ("amenity", "kindergarten", "nursery"),
    ("amenity", "childcare", "nursery"),
    ("amenity", "school", "school"),
    ("amenity", "community_centre", "community_hall"),
    ("shop", "supermarket", "commercial"),
    ("shop", "convenience", "commercial"),
    ("leisure", "park", "park"),
    ("railway", "station", "station"),
    ("highway", "bus_stop", "bus_stop"),
    ("public_transport", "platform", "bus_stop"),
)


def _osm(path: Path) -> Any:
    from pyrosm import OSM

    if not path.exists() or path.stat().st_size == 0:
        raise InputError(Problem(path.name, "the file is missing or empty", None, None,
                                 "ファイルがないか、空です。"))
    try:
        return OSM(str(path))
    except Exception as exc:
        raise InputError(unreadable(path.name, ".osm.pbf file", ".osm.pbf ファイル", exc)) from exc


def read_walk_network(path: str | Path, *, crs: CRS,
                      warnings: list[str] | None = None) -> WalkNetwork:
    """The walkable ways of an ``.osm.pbf`` extract as a :class:`~geo.ingest.walkgraph.WalkNetwork`.

    Parameters
    ----------
    path
        An OSM PBF extract (e.g. from Geofabrik or BBBike, clipped to the city).
    crs
        Metric CRS for distances.
    warnings
        Where to add a warning when the ways look like a roads-only (drive) extract (see
        :func:`geo.ingest.walkgraph.check_walkable`).
    """
    p = Path(path)
    osm = _osm(p)
    with pywarnings.catch_warnings():
        pywarnings.simplefilter("ignore")
        try:
            nodes, edges = osm.get_network(network_type="walking", nodes=True)
        except Exception as exc:
            raise InputError(Problem(p.name, f"cannot read the street network ({exc})", None,
                                     None, f"道路網を読めません({exc})。")) from exc
    if nodes is None or edges is None or len(edges) == 0:
        raise InputError(Problem(p.name, "no walkable ways in the extract (empty layer)", None,
                                 None, "歩ける道が1本もありません(空のレイヤ)。"))
    pos = pd.Series(np.arange(len(nodes)), index=nodes["id"].to_numpy())
    ok = edges["u"].isin(pos.index) & edges["v"].isin(pos.index)
    highway = edges["highway"] if "highway" in edges.columns else [None] * len(edges)
    ok &= check_walkable(list(highway), edges["length"].to_numpy(dtype=float), file=p.name,
                         warnings=warnings)
    e = edges[ok]
    frame = pd.DataFrame({
        "u": pos.loc[e["u"].to_numpy()].to_numpy(),
        "v": pos.loc[e["v"].to_numpy()].to_numpy(),
        "length": e["length"].to_numpy(dtype=float),
    })
    return from_frames(nodes[["lon", "lat"]].reset_index(drop=True), frame, crs=crs)


def read_amenities(path: str | Path) -> gpd.GeoDataFrame:
    """Points of interest of an ``.osm.pbf`` mapped to coverage kinds (:data:`TAG_KINDS`).

    Returns
    -------
    geopandas.GeoDataFrame
        The facility frame; areas (e.g. parks, hospital grounds) become a point inside them.
        Empty when the extract has no such tags (e.g. a roads-only extract).
    """
    p = Path(path)
    osm = _osm(p)
    filt: dict[str, list[str]] = {}
    for key, value, _ in TAG_KINDS:
        filt.setdefault(key, []).append(value)
    with pywarnings.catch_warnings():
        pywarnings.simplefilter("ignore")
        pois = osm.get_pois(custom_filter=filt)
    cols = {"name": [], "kind": [], "departures": pd.array([], dtype="Int64"), "source_row": []}
    if pois is None or len(pois) == 0:
        return gpd.GeoDataFrame(cols, geometry=[], crs=WGS84)
    kind = pd.Series([None] * len(pois), index=pois.index, dtype=object)
    for key, value, k in TAG_KINDS:
        if key in pois.columns:
            kind = kind.where(kind.notna() | (pois[key] != value), k)
    pois = pois[kind.notna()]
    kind = kind[kind.notna()]
    geom = gpd.GeoSeries(pois.geometry.to_numpy(), crs=WGS84).representative_point()
    names = pois["name"].fillna("").astype(str) if "name" in pois.columns else ""
    return gpd.GeoDataFrame(
        {
            "name": np.where(names == "", kind.to_numpy(), names) if len(pois) else [],
            "kind": kind.to_numpy(),
            "departures": pd.array([None] * len(pois), dtype="Int64"),
            "source_row": pois["id"].to_numpy() if "id" in pois.columns else np.arange(len(pois)),
        },
        geometry=geom.to_numpy(), crs=WGS84,
    ).reset_index(drop=True)
