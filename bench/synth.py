"""Synthetic city-sized inputs for the benchmark: a tiled copy of a real walk network.

Not part of the library or the test suite; used by ``bench/run.py`` only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from pyproj import Transformer
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from geo.grid.crs import WGS84
from geo.ingest.walkgraph import MIN_EDGE_M, WalkNetwork

#: Border nodes of adjacent tiles closer than this (metres) are joined by a straight edge.
JOIN_RADIUS_M = 200.0


@dataclass(frozen=True)
class Tiled:
    """A tiled network and how it was made."""

    net: WalkNetwork
    tiles: tuple[int, int]
    join_edges: int
    giant: npt.NDArray[np.int64]  # node positions in the largest connected component


def tile_network(
    net: WalkNetwork, nx_tiles: int, ny_tiles: int, *, join_radius: float = JOIN_RADIUS_M
) -> Tiled:
    """``nx_tiles`` × ``ny_tiles`` copies of ``net``, each shifted by the network's extent.

    Copy (i, j) is moved by (i · width, j · height) of the original's bounding box, so the
    copies sit edge to edge without overlapping. Every pair of nodes from *different* copies
    closer than ``join_radius`` is joined by an edge as long as the straight line between them,
    which makes the tiles one walkable network (plus the small islands the original has).
    """
    n = net.n_nodes
    width = float(net.x.max() - net.x.min())
    height = float(net.y.max() - net.y.min())
    xs, ys, us, vs, ls, tile = [], [], [], [], [], []
    for j in range(ny_tiles):
        for i in range(nx_tiles):
            t = j * nx_tiles + i
            xs.append(net.x + i * width)
            ys.append(net.y + j * height)
            us.append(net.u + t * n)
            vs.append(net.v + t * n)
            ls.append(net.length)
            tile.append(np.full(n, t))
    x = np.concatenate(xs)
    y = np.concatenate(ys)
    tile_of = np.concatenate(tile)
    pairs = cKDTree(np.column_stack([x, y])).query_pairs(join_radius, output_type="ndarray")
    pairs = pairs[tile_of[pairs[:, 0]] != tile_of[pairs[:, 1]]]
    join_len = np.maximum(
        np.hypot(x[pairs[:, 0]] - x[pairs[:, 1]], y[pairs[:, 0]] - y[pairs[:, 1]]), MIN_EDGE_M
    )
    u = np.concatenate([*us, pairs[:, 0]]).astype(np.int64)
    v = np.concatenate([*vs, pairs[:, 1]]).astype(np.int64)
    length = np.concatenate([*ls, join_len])
    lon, lat = Transformer.from_crs(net.crs, WGS84, always_xy=True).transform(x, y)
    big = WalkNetwork(np.asarray(lon), np.asarray(lat), x, y, u, v, length, net.crs)
    m = sparse.coo_matrix((np.ones(len(u)), (u, v)), shape=(len(x), len(x)))
    _, labels = csgraph.connected_components(m, directed=False)
    giant = np.flatnonzero(labels == np.bincount(labels).argmax())
    return Tiled(big, (nx_tiles, ny_tiles), len(pairs), giant)


def _jitter(rng: np.random.Generator, n: int, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """Offsets uniform in a disc of ``radius`` metres."""
    r = radius * np.sqrt(rng.random(n))
    a = 2 * np.pi * rng.random(n)
    return r * np.cos(a), r * np.sin(a)


def facility_counts(n_kinds: int, lo: int = 10, hi: int = 600) -> list[int]:
    """Facility counts per kind spread geometrically from ``lo`` to ``hi`` (like real cities:
    a few stations and high schools, hundreds of bus stops and shelters)."""
    return [round(float(c)) for c in np.geomspace(lo, hi, n_kinds)]


def random_facilities(
    t: Tiled, counts: list[int], *, seed: int = 1, jitter_m: float = 30.0
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Facility points per kind: random nodes of the main network, moved up to ``jitter_m``."""
    rng = np.random.default_rng(seed)
    out = {}
    for k, c in enumerate(counts):
        nodes = rng.choice(t.giant, size=c, replace=False)
        dx, dy = _jitter(rng, c, jitter_m)
        out[f"kind{k:02d}_{c}"] = (t.net.x[nodes] + dx, t.net.y[nodes] + dy)
    return out


def random_origins(
    t: Tiled, n: int, *, seed: int = 2, jitter_m: float = 60.0
) -> tuple[np.ndarray, np.ndarray]:
    """Origin points (stand-ins for population cell centres): random nodes moved up to
    ``jitter_m`` (about a res-10 H3 cell's radius)."""
    rng = np.random.default_rng(seed)
    nodes = rng.choice(t.giant, size=n, replace=True)
    dx, dy = _jitter(rng, n, jitter_m)
    return t.net.x[nodes] + dx, t.net.y[nodes] + dy
