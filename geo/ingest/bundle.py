"""The city bundle as the app loads it: its manifest, boundary, population on H3, facilities
and walking network. Building one is :mod:`geo.build`'s work.

Cities live in two places: the ones shipped with the app (``settings().shipped_dir``, the
package's ``data/``, read-only) and the ones built by users (``settings().bundle_dir``,
default ``$DIORAMA_DATA_DIR/cities``). Without an explicit ``data_dir`` the functions here
look in both, the shipped folder first (a built city never shadows a shipped one).
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
    "MAX_MANIFEST_BYTES",
    "BundleError",
    "CityBundle",
    "city_dir",
    "default_data_dir",
    "is_shipped",
    "list_cities",
    "load",
    "read_manifest",
    "shipped_dir",
]

logger = logging.getLogger(__name__)

#: Version of the bundle layout; a loader refuses other versions.
FORMAT_VERSION = 1
#: The bundle's description, in each bundle folder.
MANIFEST_FILE = "manifest.json"
#: Largest manifest read (the shipped ones are a few hundred KB; the builder bounds every
#: text and list it writes). A larger one is refused, so one bad city cannot stop the app.
MAX_MANIFEST_BYTES = 20 * 1024 * 1024


def default_data_dir() -> Path:
    """Folder where built cities and their ``raw/`` files are written (``DIORAMA_BUNDLE_DIR``,
    default ``$DIORAMA_DATA_DIR/cities``)."""
    return settings().bundle_dir


def shipped_dir() -> Path:
    """Folder of the cities shipped with the app (read-only)."""
    return settings().shipped_dir


def _homes(data_dir: Path | None) -> list[Path]:
    """Where to look for cities: ``data_dir`` alone, else the shipped and the built folder."""
    if data_dir is not None:
        return [data_dir]
    homes = [shipped_dir(), default_data_dir()]
    return homes[:1] if homes[0].resolve() == homes[1].resolve() else homes


def city_dir(city: str, *, data_dir: Path | None = None) -> Path:
    """The folder of ``city``: in ``data_dir`` when given, else the shipped one if it exists,
    else the built one (which may not exist)."""
    homes = _homes(data_dir)
    for home in homes:
        if (home / city / MANIFEST_FILE).exists():
            return home / city
    return homes[-1] / city


def is_shipped(city: str) -> bool:
    """Whether ``city`` is one of the cities shipped with the app (never deleted or replaced)."""
    return (shipped_dir() / city / MANIFEST_FILE).exists()


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
    """Ids of the shipped and built bundles (or those in ``data_dir``), Maebashi first (the
    default city). A city listed here may still fail to open (see :func:`read_manifest`)."""
    ids = {p.parent.name for home in _homes(data_dir) for p in home.glob(f"*/{MANIFEST_FILE}")}
    return sorted(ids, key=lambda c: (c != "maebashi", c))


def read_manifest(city: str, *, data_dir: Path | None = None) -> dict[str, Any]:
    """The manifest of a built city bundle, checked to be of this version's format.

    Raises
    ------
    BundleError
        When the bundle is missing, its manifest is over :data:`MAX_MANIFEST_BYTES` or not
        JSON, or of another format version.
    """
    d = city_dir(city, data_dir=data_dir)
    mf = d / MANIFEST_FILE
    if not mf.exists():
        raise BundleError(
            f"{d.parent} に「{city}」のデータがありません。"
            f"diorama build {city} で作成してください。",
            f"no bundle for '{city}' in {d.parent}; run: diorama build {city}")
    manifest = _manifest_json(city, mf)
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BundleError(
            f"「{city}」のデータは形式 {manifest.get('format_version')} ですが、"
            f"このバージョンは形式 {FORMAT_VERSION} を読みます。"
            f"diorama build {city} で作り直してください。",
            f"bundle '{city}' has format {manifest.get('format_version')}, this version reads "
            f"{FORMAT_VERSION}; rebuild it with: diorama build {city}"
        )
    return manifest


def _manifest_json(city: str, mf: Path) -> dict[str, Any]:
    """The manifest's JSON, refused when too large to be a real one or unreadable."""
    size = mf.stat().st_size
    delete = f"diorama delete-city {city}"
    if size > MAX_MANIFEST_BYTES:
        mb, limit = size / 2**20, MAX_MANIFEST_BYTES / 2**20
        raise BundleError(
            f"「{city}」の manifest.json は {mb:,.0f} MB あり、上限 {limit:,.0f} MB を超えるため"
            f"開けません。この都市を削除してください({delete}、または「都市を追加」ページ)。",
            f"cannot open '{city}': its manifest.json is {mb:,.0f} MB, over the limit of "
            f"{limit:,.0f} MB; delete the city ({delete}, or on the Add a city page)")
    try:
        manifest = json.loads(mf.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleError(
            f"「{city}」の manifest.json が読めません({exc})。"
            f"この都市を削除してください({delete})。",
            f"cannot open '{city}': its manifest.json is not readable JSON ({exc}); "
            f"delete the city ({delete})") from exc
    if not isinstance(manifest, dict):
        raise BundleError(f"「{city}」の manifest.json の形式が違います。",
                          f"cannot open '{city}': its manifest.json is not an object")
    return manifest


def load(city: str, *, data_dir: Path | None = None) -> CityBundle:
    """Load a built city bundle.

    Raises
    ------
    BundleError
        When the bundle is missing or of another format version.
    """
    d = city_dir(city, data_dir=data_dir)
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
