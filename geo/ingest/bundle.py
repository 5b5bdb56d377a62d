"""The city bundle as the app loads it: its manifest, boundary, population on H3, facilities
and walking network. Building one is :mod:`geo.build`'s work.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from geo.errors import BundleError
from geo.ingest.walkgraph import WalkNetwork, from_frames
from geo.settings import settings

__all__ = [
    "FORMAT_VERSION",
    "MANIFEST_FILE",
    "BundleError",
    "CityBundle",
    "default_data_dir",
    "list_cities",
    "load",
    "read_manifest",
]

logger = logging.getLogger(__name__)

#: Version of the bundle layout; a loader refuses other versions.
FORMAT_VERSION = 1
#: The bundle's description, in each bundle folder.
MANIFEST_FILE = "manifest.json"


def default_data_dir() -> Path:
    """Folder holding ``raw/`` and the built bundles (``DIORAMA_BUNDLE_DIR`` overrides)."""
    return settings().bundle_dir


@dataclass
class CityBundle:
    """A built city: boundary, population on H3, facilities by kind, optional walking network."""

    path: Path
    manifest: dict[str, Any]
    boundary: gpd.GeoDataFrame
    cells: np.ndarray
    facilities: gpd.GeoDataFrame
    towns: gpd.GeoDataFrame | None = None
    pieces: pd.DataFrame | None = None
    network: WalkNetwork | None = None
    population: pd.Series | None = field(default=None)

    @property
    def id(self) -> str:
        """City id, e.g. ``maebashi``."""
        return str(self.manifest["city"]["id"])

    @property
    def crs(self) -> CRS:
        """The metric CRS of the city."""
        return CRS.from_user_input(self.manifest["city"]["crs"])

    @property
    def has_population(self) -> bool:
        """Whether population figures exist for the cells."""
        return self.population is not None


def list_cities(*, data_dir: Path | None = None) -> list[str]:
    """Ids of the built bundles, Maebashi first (the default city)."""
    d = data_dir or default_data_dir()
    ids = sorted(p.parent.name for p in d.glob(f"*/{MANIFEST_FILE}"))
    return sorted(ids, key=lambda c: (c != "maebashi", c))


def read_manifest(city: str, *, data_dir: Path | None = None) -> dict[str, Any]:
    """The manifest of a built city bundle, checked to be of this version's format.

    Raises
    ------
    BundleError
        When the bundle is missing or of another format version.
    """
    d = (data_dir or default_data_dir()) / city
    mf = d / MANIFEST_FILE
    if not mf.exists():
        raise BundleError(
            f"{d.parent} に「{city}」のデータがありません。"
            f"diorama build {city} で作成してください。",
            f"no bundle for '{city}' in {d.parent}; run: diorama build {city}")
    manifest: dict[str, Any] = json.loads(mf.read_text(encoding="utf-8"))
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BundleError(
            f"「{city}」のデータは形式 {manifest.get('format_version')} ですが、"
            f"このバージョンは形式 {FORMAT_VERSION} を読みます。"
            f"diorama build {city} で作り直してください。",
            f"bundle '{city}' has format {manifest.get('format_version')}, this version reads "
            f"{FORMAT_VERSION}; rebuild it with: diorama build {city}"
        )
    return manifest


def load(city: str, *, data_dir: Path | None = None) -> CityBundle:
    """Load a built city bundle.

    Raises
    ------
    BundleError
        When the bundle is missing or of another format version.
    """
    d = (data_dir or default_data_dir()) / city
    manifest = read_manifest(city, data_dir=data_dir)
    logger.debug("loading city bundle %s from %s", city, d)
    cells = pd.read_parquet(d / "cells.parquet")["cell"].to_numpy().astype(np.uint64)
    b = CityBundle(
        path=d,
        manifest=manifest,
        boundary=gpd.read_parquet(d / "boundary.parquet"),
        cells=cells,
        facilities=gpd.read_parquet(d / "facilities.parquet"),
    )
    if manifest["has_population"]:
        b.towns = gpd.read_parquet(d / "towns.parquet")
        b.pieces = pd.read_parquet(d / "population.parquet")
        b.pieces["cell"] = b.pieces["cell"].astype(np.uint64)
        pop = b.pieces.groupby("cell")["value"].sum()
        pop.index = pop.index.astype(np.uint64)
        b.population = pop.reindex(cells).fillna(0.0)
    if manifest["has_network"]:
        b.network = from_frames(
            pd.read_parquet(d / "network_nodes.parquet"),
            pd.read_parquet(d / "network_edges.parquet"),
            crs=b.crs,
        )
    return b
