"""The networkx baseline for nearest-facility walking distances.

Not part of the library or the test suite; used by ``bench/run.py`` only.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import networkx as nx
import numpy as np
import pandas as pd

from geo.access.network import snap
from geo.ingest.walkgraph import WalkNetwork


def build_graph(net: WalkNetwork) -> nx.Graph:
    """Undirected networkx graph of the same edges (u, v, length), shortest parallel edge kept
    (as ``WalkNetwork.matrix`` does)."""
    order = np.argsort(-net.length, kind="stable")  # longest first, so the shortest wins
    g = nx.Graph()
    g.add_nodes_from(range(net.n_nodes))
    g.add_weighted_edges_from(
        zip(net.u[order].tolist(), net.v[order].tolist(), net.length[order].tolist(), strict=True),
        weight="length",
    )
    return g


def coverage(
    g: nx.Graph,
    net: WalkNetwork,
    *,
    origins_xy: tuple[np.ndarray, np.ndarray],
    facilities_xy: Mapping[str, tuple[np.ndarray, np.ndarray]],
    limit: float,
    exact: bool = False,
    timings: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Distance from each origin to the nearest facility of each kind, with networkx.

    Same snapping as the engine (``geo.network.snap``: nearest node, straight-line distance).

    ``exact=False`` (the timed baseline): one ``multi_source_dijkstra_path_length`` per kind
    from the facilities' snapped nodes with ``cutoff=limit``; the result is origin snap +
    network path. networkx cannot start sources at a non-zero distance, so the facility-end
    snap distance is *not* added (slightly less work and a slightly shorter answer than ours).

    ``exact=True`` (the verification): the same call from a temporary virtual node joined to the
    facilities' snapped nodes by edges as long as their snap distances — exactly the engine's
    construction, so both give origin snap + network path + facility snap. (The engine raises
    edge weights below ``MIN_EDGE_M`` = 1 mm; this one does not, so a facility lying exactly on
    a node would differ by ≤ 1 mm.)

    ``timings``, if given, receives the seconds spent in ``snap``, ``search`` and ``lookup``.
    """
    t = {"snap": 0.0, "search": 0.0, "lookup": 0.0}
    t0 = time.perf_counter()
    ox, oy = origins_xy
    o_node, o_snap = snap(net, np.asarray(ox, float), np.asarray(oy, float))
    t["snap"] += time.perf_counter() - t0
    o_list = o_node.tolist()
    out = {}
    for k, (fx, fy) in facilities_xy.items():
        if len(fx) == 0:
            out[k] = np.full(len(o_list), np.inf)
            continue
        t0 = time.perf_counter()
        f_node, f_snap = snap(net, np.asarray(fx, float), np.asarray(fy, float))
        t1 = time.perf_counter()
        t["snap"] += t1 - t0
        if exact:
            src = ("virtual", k)
            g.add_node(src)
            for n, s in zip(f_node.tolist(), f_snap.tolist(), strict=True):
                if not g.has_edge(src, n) or s < g[src][n]["length"]:
                    g.add_edge(src, n, length=s)
            try:
                dist = nx.multi_source_dijkstra_path_length(g, {src}, cutoff=limit, weight="length")
            finally:
                g.remove_node(src)
        else:
            dist = nx.multi_source_dijkstra_path_length(
                g, set(f_node.tolist()), cutoff=limit, weight="length"
            )
        t2 = time.perf_counter()
        t["search"] += t2 - t1
        inf = np.inf
        d = np.fromiter((dist.get(n, inf) for n in o_list), float, len(o_list)) + o_snap
        d[d > limit] = np.inf
        out[k] = d
        t["lookup"] += time.perf_counter() - t2
    if timings is not None:
        timings.update(t)
    return pd.DataFrame(out)
