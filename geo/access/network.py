"""Search on the walking network: snap points to it, and the walking distance from every node
to the nearest of a set of points (one multi-source Dijkstra run with scipy's csgraph).

The graph itself (:class:`~geo.ingest.walkgraph.WalkNetwork`) and its readers live in
:mod:`geo.ingest.walkgraph`. The coverage engine (:mod:`geo.access.scenario`) searches with
:func:`nearest_source`; :func:`nearest_facility_distance` is the same search for a table of
origins and kinds.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import sparse
from scipy.sparse import csgraph

from geo.ingest.walkgraph import MIN_EDGE_M, WalkNetwork

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def snap(net: WalkNetwork, x: FloatArray, y: FloatArray) -> tuple[IntArray, FloatArray]:
    """Nearest node of each point (metric coordinates) and the straight-line distance to it."""
    if len(x) == 0:
        return np.array([], dtype=np.int64), np.array([], dtype=float)
    dist, idx = net.tree().query(np.column_stack([x, y]))
    return idx.astype(np.int64), dist.astype(float)


def nearest_source(
    net: WalkNetwork, x: FloatArray, y: FloatArray, *, limit: float
) -> tuple[FloatArray, IntArray]:
    """Walking distance from every node to the nearest of the points, and which point it is.

    One Dijkstra run from one virtual node per point, joined by a one-way edge to the point's
    snapped node (weight: the snap distance), so the snap distance is exact and no path can
    cut through a virtual node.

    Parameters
    ----------
    net
        The walking network.
    x, y
        The points (metric, in ``net.crs``), e.g. the facilities of one kind.
    limit
        Search radius in metres.

    Returns
    -------
    tuple
        Per node: the distance in metres (``inf`` beyond ``limit`` or unreachable) and the
        position in ``x``/``y`` of the nearest point (-1 where none is within reach).
    """
    n, k = net.n_nodes, len(x)
    if k == 0:
        return np.full(n, np.inf), np.full(n, -1, np.int64)
    dist, _, src = csgraph.dijkstra(
        _with_virtual_sources(net, x, y), directed=True, indices=np.arange(n, n + k),
        limit=limit, min_only=True, return_predecessors=True)
    src = np.asarray(src[:n], dtype=np.int64)
    which = np.where(src >= n, src - n, -1)
    return np.asarray(dist[:n], float), which.astype(np.int64)


def origin_distance(
    node_dist: FloatArray, o_node: IntArray, o_snap: FloatArray, *, limit: float
) -> FloatArray:
    """Distance of origins snapped to ``o_node`` at ``o_snap`` metres, given each node's
    distance: snap + path, ``inf`` beyond ``limit``."""
    d = node_dist[o_node] + o_snap
    d[d > limit] = np.inf
    return d


def nearest_facility_distance(
    net: WalkNetwork,
    *,
    origins_xy: tuple[FloatArray, FloatArray],
    facilities_xy: Mapping[str, tuple[FloatArray, FloatArray]],
    limit: float,
) -> pd.DataFrame:
    """Walking distance from each origin to the nearest facility of each kind.

    One :func:`nearest_source` run per kind, so the snap distances at both ends are exact and
    kinds cannot reach each other's facilities.

    Parameters
    ----------
    net
        The walking network.
    origins_xy
        Origin coordinates (metric, in ``net.crs``), e.g. population cell centres.
    facilities_xy
        For each kind, facility coordinates (metric).
    limit
        Search radius in metres; farther distances are ``inf``.

    Returns
    -------
    pandas.DataFrame
        One row per origin (positional index), one column per kind, metres:
        origin snap distance + network path + facility snap distance.
    """
    ox, oy = origins_xy
    o_node, o_snap = snap(net, np.asarray(ox, float), np.asarray(oy, float))
    columns: dict[str, FloatArray] = {}
    for key, (fx, fy) in facilities_xy.items():
        node_dist, _ = nearest_source(net, np.asarray(fx, float), np.asarray(fy, float),
                                      limit=limit)
        columns[key] = origin_distance(node_dist, o_node, o_snap, limit=limit)
    return pd.DataFrame(columns, index=pd.RangeIndex(len(o_node)))


def _with_virtual_sources(net: WalkNetwork, x: FloatArray, y: FloatArray) -> sparse.csr_matrix:
    """The network's matrix plus one virtual source row per point, with a one-way edge to the
    point's snapped node weighted by the snap distance (at least :data:`MIN_EDGE_M`: csgraph
    reads a stored zero as no edge).

    The virtual rows are appended to the cached CSR arrays, so the street edges are not
    re-sorted for every call.
    """
    n, k = net.n_nodes, len(x)
    node, d = snap(net, np.asarray(x, float), np.asarray(y, float))
    base = net.matrix()
    return sparse.csr_matrix(
        (np.concatenate([base.data, np.maximum(d, MIN_EDGE_M)]),
         np.concatenate([base.indices, node]),
         np.concatenate([base.indptr, base.indptr[-1] + np.arange(1, k + 1)])),
        shape=(n + k, n + k),
    )
