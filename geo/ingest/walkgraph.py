"""The walking graph as data: nodes, street edges and their lengths, and its readers (the
street network a bundle stores, OSMnx GraphML). The search on it lives in
:mod:`geo.access.network`.

May import: :mod:`geo.grid`, :mod:`geo.ingest.archive` and the core.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd
from pyproj import CRS
from scipy import sparse
from scipy.spatial import cKDTree

from geo.errors import InputError, Problem
from geo.grid.crs import to_metric
from geo.ingest.archive import gunzip_bounded

FloatArray = npt.NDArray[np.float64]

#: Edge weights below this (metres) are raised to it: csgraph treats explicit zeros as no edge.
MIN_EDGE_M = 1e-3
#: OSM ``highway`` classes used only on foot. A walking network (OSMnx ``network_type="walk"``,
#: pyrosm ``"walking"``) of any town has some; a drive network or a roads-only extract none.
FOOT_CLASSES = frozenset({"footway", "pedestrian", "path", "steps", "track", "corridor",
                          "bridleway"})
#: Classes where walking is not allowed (expressways): left out of a walking network.
NO_FOOT_CLASSES = frozenset({"motorway", "motorway_link"})


@dataclass(frozen=True, eq=False)
class WalkNetwork:
    """An undirected walking graph with node coordinates in a metric CRS.

    Attributes
    ----------
    lon, lat
        Node coordinates in EPSG:4326.
    x, y
        Node coordinates in ``crs`` (metres).
    u, v, length
        Edges (node positions) and their walking length in metres; each street segment once.
    crs
        The metric CRS of ``x``/``y``.
    """

    lon: FloatArray
    lat: FloatArray
    x: FloatArray
    y: FloatArray
    u: npt.NDArray[np.int64]
    v: npt.NDArray[np.int64]
    length: FloatArray
    crs: CRS

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.x)

    def matrix(self) -> sparse.csr_matrix:
        """Symmetric sparse adjacency matrix of edge lengths (cached; do not modify it)."""
        return self._matrix

    def tree(self) -> cKDTree:
        """KD-tree of node positions for snapping (cached)."""
        return self._tree

    @cached_property
    def _matrix(self) -> sparse.csr_matrix:
        """Symmetric sparse adjacency matrix of edge lengths (the shortest parallel edge kept).

        Built once per network and reused by every search.
        """
        rows = np.concatenate([self.u, self.v])
        cols = np.concatenate([self.v, self.u])
        w = np.concatenate([self.length, self.length])
        return _min_duplicates(rows, cols, w, self.n_nodes)

    @cached_property
    def _tree(self) -> cKDTree:
        """KD-tree of node positions, built once per network."""
        return cKDTree(np.column_stack([self.x, self.y]))

    def to_frames(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Nodes (lon, lat) and edges (u, v, length) as frames for storage."""
        nodes = pd.DataFrame({"lon": self.lon, "lat": self.lat})
        edges = pd.DataFrame({"u": self.u, "v": self.v, "length": self.length})
        return nodes, edges


def from_frames(nodes: pd.DataFrame, edges: pd.DataFrame, *, crs: CRS) -> WalkNetwork:
    """Build a network from node lon/lat and edges given as node positions.

    Edge lengths shorter than the straight line between their ends (rounding in the source, or
    projection scale) are raised to it, so that a network distance is never shorter than the
    straight-line distance in ``crs``.
    """
    lon = nodes["lon"].to_numpy(dtype=float)
    lat = nodes["lat"].to_numpy(dtype=float)
    x, y = to_metric(lon, lat, crs)
    u = edges["u"].to_numpy(dtype=np.int64)
    v = edges["v"].to_numpy(dtype=np.int64)
    straight = np.hypot(x[u] - x[v], y[u] - y[v])
    length = np.maximum.reduce(
        [edges["length"].to_numpy(dtype=float), straight, np.full(len(u), MIN_EDGE_M)]
    )
    keep = u != v
    return WalkNetwork(lon, lat, x, y, u[keep], v[keep], length[keep], crs)


def highway_classes(value: object) -> list[str]:
    """The ``highway`` classes of one edge, however the file writes them: ``"footway"``,
    OSMnx's merged ``"path,residential"`` or ``"['path', 'residential']"``, or a list."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    items = value if isinstance(value, list | tuple | np.ndarray) else [value]
    out: list[str] = []
    for item in items:
        out += [c for c in re.split(r"[^a-z_]+", str(item).lower()) if c]
    return out


def check_walkable(highway: Sequence[object], length: npt.ArrayLike, *, file: str,
                   warnings: list[str] | None = None) -> npt.NDArray[np.bool_]:
    """Which edges a pedestrian may use, warning when the network looks like a drive network.

    Parameters
    ----------
    highway
        OSM ``highway`` value of each edge (see :func:`highway_classes`); all empty when the
        file carries no tags, and then nothing can be checked.
    length
        Edge lengths in metres (for the warnings).
    file
        File name for the messages.
    warnings
        Where to add the warnings (in English and Japanese): motorways left out; no footway,
        path, steps or pedestrian street at all, as in a drive network.

    Returns
    -------
    numpy.ndarray
        True for the edges to keep (all but motorways).

    Raises
    ------
    InputError
        When the classes are known and no edge is walkable.
    """
    classes = [highway_classes(h) for h in highway]
    lengths = np.asarray(length, dtype=float)
    keep = np.array([not c or not set(c) <= NO_FOOT_CLASSES for c in classes], dtype=bool)
    tagged = np.array([bool(c) for c in classes], dtype=bool)
    if not tagged.any():
        return keep
    if not keep.any():
        raise InputError(Problem(
            file, f"no walkable edges: all {len(keep)} are motorways (highway=motorway), where "
            "walking is not allowed; this is not a walking network: export one with OSMnx "
            "network_type='walk' or give an .osm.pbf extract", None, "highway",
            f"歩ける道がありません。{len(keep)}本の辺がすべて高速道路(highway=motorway)で、歩行者は"
            "通れません。OSMnxのnetwork_type='walk'で作った歩行ネットワークか、.osm.pbfを指定して"
            "ください。"))
    out = [] if warnings is None else warnings
    if (~keep).any():
        km = lengths[~keep].sum() / 1000
        out.append(str(Problem(
            file, f"motorway edges, where walking is not allowed, are left out of the walking "
            f"network: {int((~keep).sum())} ({km:.1f} km)", None, "highway",
            f"{int((~keep).sum())}本({km:.1f} km)の辺は歩行者が通れない高速道路のため、"
            "歩行ネットワークから除きました。")))
    found = {c for cs in classes for c in cs}
    if not found & FOOT_CLASSES:
        top = ", ".join(sorted(found - NO_FOOT_CLASSES)[:8])
        out.append(str(Problem(
            file, f"no footways, paths, steps or pedestrian streets among its {len(keep)} "
            f"edges (classes: {top}): it looks like a drive network (OSMnx "
            "network_type='drive' or a roads-only extract), not a walking one; walking "
            "distances will follow roads only and miss footpaths and shortcuts. Use a walking "
            "network (network_type='walk') if you can", None, "highway",
            f"{len(keep)}本の辺に歩道・小道・階段・歩行者専用道が1本もありません(種類: {top})。"
            "歩行ネットワークではなく自動車用ネットワーク(OSMnxのnetwork_type='drive'など)の"
            "ようです。徒歩距離は車道だけに沿って測られ、近道を見落とします。できれば歩行ネット"
            "ワーク(network_type='walk')を使ってください。")))
    return keep


def _graphml(p: Path) -> nx.Graph:
    """The graph of a GraphML file; a ``.gz`` is unpacked first with a hard cap
    (:func:`geo.ingest.archive.gunzip_bounded`), so a decompression bomb is stopped."""
    with tempfile.TemporaryDirectory(prefix="diorama-graphml-") as tmp:
        src = p
        if p.suffix.lower() == ".gz":
            src = gunzip_bounded(p, Path(tmp) / p.stem)
        try:
            return nx.read_graphml(src)
        except Exception as exc:
            raise InputError(Problem(p.name, f"not a readable GraphML file ({exc})")) from exc


def read_graphml(path: str | Path, *, crs: CRS,
                 warnings: list[str] | None = None) -> WalkNetwork:
    """Read an OSMnx GraphML walking graph (optionally gzipped).

    Parameters
    ----------
    path
        GraphML file written by OSMnx (nodes with ``x``/``y`` lon/lat, edges with ``length``).
    crs
        Metric CRS for distances.
    warnings
        Where to add warnings about a network that does not look walkable (see
        :func:`check_walkable`; motorways are left out).
    """
    p = Path(path)
    g = _graphml(p)
    ids = list(g.nodes)
    if not ids:
        raise InputError(Problem(p.name, "the graph has no nodes"))
    pos = {n: i for i, n in enumerate(ids)}
    problems = []
    lon = np.empty(len(ids))
    lat = np.empty(len(ids))
    for i, n in enumerate(ids):
        d = g.nodes[n]
        try:
            lon[i] = float(d["x"])
            lat[i] = float(d["y"])
        except (KeyError, ValueError):
            problems.append(Problem(p.name, f"node {n} has no numeric x/y", i + 1, "x/y"))
    if problems:
        raise InputError(problems[:20])
    us, vs, ls, hw = [], [], [], []
    for a, b, d in g.edges(data=True):
        us.append(pos[a])
        vs.append(pos[b])
        ls.append(float(d.get("length", 0.0) or 0.0))
        hw.append(d.get("highway"))
    edges = pd.DataFrame({"u": us, "v": vs, "length": ls})
    edges = edges[check_walkable(hw, edges["length"].to_numpy(), file=p.name,
                                 warnings=warnings)]
    # OSMnx stores both directions of a two-way street; keep each segment once.
    key = np.sort(edges[["u", "v"]].to_numpy(), axis=1)
    edges = (
        edges.assign(a=key[:, 0], b=key[:, 1], r=edges["length"].round(2))
        .sort_values("length")
        .drop_duplicates(["a", "b", "r"])[["u", "v", "length"]]
        .reset_index(drop=True)
    )
    return from_frames(pd.DataFrame({"lon": lon, "lat": lat}), edges, crs=crs)


def _min_duplicates(
    rows: npt.NDArray[np.int64], cols: npt.NDArray[np.int64], vals: FloatArray, m: int
) -> sparse.csr_matrix:
    """Sparse m×m matrix keeping the smallest weight of parallel edges (csr would sum)."""
    order = np.lexsort((vals, cols, rows))
    rows, cols, vals = rows[order], cols[order], vals[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    return sparse.csr_matrix((vals[first], (rows[first], cols[first])), shape=(m, m))
