"""Walking network: a hand-built 3×3 grid with exact answers, and the real Ube network."""

from __future__ import annotations

import gzip

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from util import (
    BASE_X,
    BASE_Y,
    CRS_6677,
    GRID_EDGES,
    SPACING,
    cell_at,
    cell_centre_xy,
    grid_network,
    node_xy,
    points_gdf,
    to_lonlat,
)

from geo.access import coverage, network
from geo.access.kpi import available_modes, city_distances
from geo.access.network import nearest_facility_distance
from geo.errors import InputError
from geo.ingest.walkgraph import MIN_EDGE_M, from_frames, read_graphml

#: Facility snap edges get at least MIN_EDGE_M (csgraph would drop a zero weight), so a
#: facility standing exactly on a node is reported 1 mm farther.
EPS = MIN_EDGE_M
SPACING_M = SPACING


def xy(*points):
    """Split (x, y) pairs into the (xs, ys) arrays the network functions take."""
    return (np.array([p[0] for p in points], float), np.array([p[1] for p in points], float))


#: Node 9 of the ``net`` fixture: 600 m east of node 0, with no edge at all.
ISLAND = (BASE_X + 600.0, BASE_Y)


def near(k, dx=0.0, dy=0.0):
    """A point (dx, dy) metres off node k (0..8 on the grid, 9 the island)."""
    x, y = ISLAND if k == 9 else node_xy(k)
    return x + dx, y + dy


@pytest.fixture(scope="module")
def net():
    return grid_network(extra_nodes=[ISLAND])


# --------------------------------------------------------------------------------------------
# The hand-built network itself
# --------------------------------------------------------------------------------------------


def test_grid_network_round_trips_metric_coordinates(net):
    assert net.n_nodes == 10
    assert len(net.u) == 12
    assert net.crs.to_epsg() == 6677
    assert net.x[:9] == pytest.approx([node_xy(k)[0] for k in range(9)], abs=1e-6)
    assert net.y[:9] == pytest.approx([node_xy(k)[1] for k in range(9)], abs=1e-6)
    # Every edge is 100 m (the given length equals the straight line to within micrometres).
    assert net.length == pytest.approx(np.full(12, 100.0), abs=1e-6)
    m = net.matrix()
    assert m.shape == (10, 10)
    assert (m != m.T).nnz == 0  # symmetric
    assert m.nnz == 24
    assert m[9].nnz == 0  # the disconnected node


def test_from_frames_raises_short_edges_keeps_shortest_parallel_and_drops_loops():
    (x0, x1), (y0, y1) = xy(node_xy(0), node_xy(1))
    lon, lat = to_lonlat([x0, x1], [y0, y1])
    nodes = pd.DataFrame({"lon": lon, "lat": lat})
    # 0–1 is 100 m apart: a stated 60 m is raised to 100 m; the parallel 130 m edge loses to
    # the 120 m one in the matrix; the self-loop disappears.
    edges = pd.DataFrame({"u": [0, 1, 0, 1], "v": [1, 0, 0, 1], "length": [60.0, 130.0, 5.0, 0.0]})
    n = from_frames(nodes, edges, crs=CRS_6677)
    assert n.u.tolist() == [0, 1]
    assert n.length == pytest.approx([100.0, 130.0], abs=1e-6)
    assert n.matrix()[0, 1] == pytest.approx(100.0, abs=1e-6)
    edges2 = pd.DataFrame({"u": [0, 1], "v": [1, 0], "length": [130.0, 120.0]})
    assert from_frames(nodes, edges2, crs=CRS_6677).matrix()[1, 0] == pytest.approx(120.0)
    frames = n.to_frames()
    assert frames[0].columns.tolist() == ["lon", "lat"]
    assert frames[1]["length"].tolist() == pytest.approx([100.0, 130.0], abs=1e-6)


def test_snap_returns_nearest_node_and_offset(net):
    idx, dist = network.snap(net, *xy(near(0, -30, -40), near(4, 6, 8), near(9, 3, 4)))
    assert idx.tolist() == [0, 4, 9]
    assert dist == pytest.approx([50.0, 10.0, 5.0], abs=1e-6)
    idx, dist = network.snap(net, np.array([]), np.array([]))
    assert len(idx) == 0 and len(dist) == 0


# --------------------------------------------------------------------------------------------
# (b) Exact nearest distances on the 3×3 grid
# --------------------------------------------------------------------------------------------


def test_hand_nearest_distances_include_both_snap_offsets(net):
    # Origin 50 m off node 0 (a 30-40-50 triangle); kind "far": one facility 10 m off node 8
    # (6-8-10); kind "two": facilities exactly on nodes 2 and 6; kind "none": no facility.
    out = nearest_facility_distance(
        net,
        origins_xy=xy(near(0, -30, -40), near(4), near(8)),
        facilities_xy={"far": xy(near(8, 6, 8)), "two": xy(near(2), near(6)),
                       "none": (np.array([]), np.array([]))},
        limit=3000,
    )
    assert list(out.columns) == ["far", "two", "none"]
    # 50 (snap) + 400 (0→1→2→5→8, Manhattan) + 10 (snap) = 460 m.
    assert out.loc[0, "far"] == pytest.approx(460.0, abs=1e-6)
    assert out.loc[1, "far"] == pytest.approx(210.0, abs=1e-6)  # 4→5→8 + 10
    assert out.loc[2, "far"] == pytest.approx(10.0, abs=1e-6)
    # 50 + 200 to node 2 (or node 6), facility on the node: + 1 mm.
    assert out.loc[0, "two"] == pytest.approx(250.0 + EPS, abs=1e-6)
    assert out.loc[1, "two"] == pytest.approx(200.0 + EPS, abs=1e-6)
    assert out.loc[2, "two"] == pytest.approx(200.0 + EPS, abs=1e-6)
    assert np.isinf(out["none"]).all()


def test_kinds_do_not_leak_into_each_other(net):
    # Kind a stands on node 0, kind b on node 8. From node 8, a is 400 m away: the virtual
    # source of kind b (on node 8) must not offer a 0 m shortcut to kind a.
    out = nearest_facility_distance(
        net, origins_xy=xy(near(8), near(0)),
        facilities_xy={"a": xy(near(0)), "b": xy(near(8))}, limit=3000)
    assert out["a"].tolist() == pytest.approx([400.0 + EPS, EPS], abs=1e-6)
    assert out["b"].tolist() == pytest.approx([EPS, 400.0 + EPS], abs=1e-6)


def test_a_missing_street_forces_a_detour():
    # Without edges 1–2 and 4–5, node 2 reaches node 4 only via 2→5→8→7→4 (400 m, not 200).
    n = grid_network(edges=[e for e in GRID_EDGES if e not in {(1, 2), (4, 5)}])
    out = nearest_facility_distance(n, origins_xy=xy(near(2)), facilities_xy={"f": xy(near(4))},
                                    limit=3000)
    assert out.loc[0, "f"] == pytest.approx(400.0 + EPS, abs=1e-6)


@pytest.mark.parametrize(("limit", "expected"), [(470.0, 460.0), (450.0, np.inf),
                                                 (300.0, np.inf), (3000.0, 460.0)])
def test_a_facility_beyond_limit_is_inf(net, limit, expected):
    # 460 m = 50 origin snap + 400 path + 10 facility snap; with limit 450 the path alone
    # (410 m from the virtual source) fits, but the origin's snap pushes the total over.
    out = nearest_facility_distance(net, origins_xy=xy(near(0, -30, -40)),
                                    facilities_xy={"f": xy(near(8, 6, 8))}, limit=limit)
    assert out.loc[0, "f"] == pytest.approx(expected, abs=1e-6)


def test_a_disconnected_node_gives_inf(net):
    out = nearest_facility_distance(
        net,
        origins_xy=xy(near(9, 3, 4), near(0), near(4)),
        facilities_xy={"grid": xy(near(4)), "island": xy(near(9, 0, -10))},
        limit=3000,
    )
    # From the island (node 9) nothing on the grid is reachable, and vice versa …
    assert np.isinf(out.loc[0, "grid"])
    assert np.isinf(out.loc[1, "island"]) and np.isinf(out.loc[2, "island"])
    # … but the island reaches its own facility: 5 m snap + 10 m snap.
    assert out.loc[0, "island"] == pytest.approx(15.0, abs=1e-6)
    assert out.loc[1, "grid"] == pytest.approx(200.0 + EPS, abs=1e-6)


def test_distance_table_network_mode_with_a_real_h3_cell():
    # Build the grid around one res-10 cell so that its centre lies 50 m off node 0.
    cell = cell_at(BASE_X, BASE_Y)
    cx, cy = cell_centre_xy(cell)
    ox, oy = cx + 30, cy + 40
    n = grid_network(ox, oy)
    fx, fy = ox + 200 + 6, oy + 200 + 8  # 10 m off node 8
    fac = {"shelter": points_gdf([(fx, fy)]), "park": points_gdf([(ox, oy)], kind="park"),
           "station": points_gdf([])}
    cells = np.array([cell], np.uint64)
    net_d = coverage.distance_table(cells, fac, metric_crs=CRS_6677, mode="network", network=n)
    line_d = coverage.distance_table(cells, fac, metric_crs=CRS_6677, mode="line")
    assert net_d.loc[cell, "shelter"] == pytest.approx(460.0, abs=1e-3)
    assert net_d.loc[cell, "park"] == pytest.approx(50.0 + EPS, abs=1e-3)
    assert np.isnan(net_d.loc[cell, "station"])  # no facilities: no data, not inf
    assert line_d.loc[cell, "shelter"] == pytest.approx(np.hypot(236.0, 248.0), abs=1e-3)
    assert line_d.loc[cell, "park"] == pytest.approx(50.0, abs=1e-3)
    assert np.isnan(line_d.loc[cell, "station"])
    with pytest.raises(ValueError, match="network mode needs a walking network"):
        coverage.distance_table(cells, fac, metric_crs=CRS_6677, mode="network")
    with pytest.raises(ValueError, match="unknown mode 'bus'"):
        coverage.distance_table(cells, fac, metric_crs=CRS_6677, mode="bus")


# --------------------------------------------------------------------------------------------
# Property: network distance ≥ straight-line distance (random points on the hand grid)
# --------------------------------------------------------------------------------------------

point = st.tuples(st.floats(-150, 350, allow_nan=False), st.floats(-150, 350, allow_nan=False))


@settings(max_examples=60, deadline=None, database=None)
@given(origins=st.lists(point, min_size=1, max_size=8),
       facilities=st.lists(point, min_size=1, max_size=4))
def test_property_network_distance_is_never_shorter_than_the_line(net, origins, facilities):
    o = xy(*[(BASE_X + a, BASE_Y + b) for a, b in origins])
    f = xy(*[(BASE_X + a, BASE_Y + b) for a, b in facilities])
    d = nearest_facility_distance(net, origins_xy=o, facilities_xy={"k": f}, limit=10_000)["k"]
    line = np.hypot(o[0][:, None] - f[0][None, :], o[1][:, None] - f[1][None, :]).min(axis=1)
    assert (d.to_numpy() >= line - 1e-9).all()
    # Oracle: on the full 3×3 grid the shortest walk between nodes is the Manhattan distance,
    # so the answer is min over facilities of origin snap + Manhattan + facility snap.
    on, osnap = network.snap(net, *o)
    fn, fsnap = network.snap(net, *f)
    assert (on < 9).all() and (fn < 9).all()  # node 9 is always farther than the grid
    manhattan = SPACING_M * (np.abs(on[:, None] % 3 - fn[None, :] % 3)
                             + np.abs(on[:, None] // 3 - fn[None, :] // 3))
    expected = (osnap[:, None] + manhattan + np.maximum(fsnap, EPS)[None, :]).min(axis=1)
    assert d.to_numpy() == pytest.approx(expected, abs=1e-6)


# --------------------------------------------------------------------------------------------
# GraphML reading
# --------------------------------------------------------------------------------------------


def _osmnx_like_graph():
    g = nx.MultiDiGraph()
    for k in range(3):
        x, y = node_xy(k)
        lon, lat = to_lonlat([x], [y])
        g.add_node(f"n{k}", x=float(lon[0]), y=float(lat[0]))
    # OSMnx stores both directions of a two-way street.
    g.add_edge("n0", "n1", length=100.0)
    g.add_edge("n1", "n0", length=100.0)
    g.add_edge("n1", "n2", length=100.0)
    g.add_edge("n2", "n1", length=100.0)
    g.add_edge("n0", "n2", length=250.0)  # a longer, curved street
    return g


def test_read_graphml_keeps_each_street_once(tmp_path):
    path = tmp_path / "walk.graphml.gz"
    nx.write_graphml(_osmnx_like_graph(), path)
    with gzip.open(path) as fh:  # really gzipped
        assert b"graphml" in fh.read(400)
    n = read_graphml(path, crs=CRS_6677)
    assert n.n_nodes == 3
    assert sorted(n.length.round(6).tolist()) == [100.0, 100.0, 250.0]
    out = nearest_facility_distance(n, origins_xy=xy(node_xy(0)),
                                    facilities_xy={"f": xy(node_xy(2))}, limit=3000)
    assert out.loc[0, "f"] == pytest.approx(200.0 + EPS, abs=1e-6)


def test_read_graphml_names_bad_files(tmp_path):
    bad = tmp_path / "broken.graphml"
    bad.write_text("<graphml><graph", encoding="utf-8")
    with pytest.raises(InputError, match=r"broken\.graphml: not a readable GraphML file"):
        read_graphml(bad, crs=CRS_6677)
    g = nx.Graph()
    g.add_node("a", x=139.0, y=36.0)
    g.add_node("b", y=36.0)
    path = tmp_path / "nox.graphml"
    nx.write_graphml(g, path)
    with pytest.raises(InputError) as exc:
        read_graphml(path, crs=CRS_6677)
    assert str(exc.value) == "nox.graphml, row 2, column 'x/y': node b has no numeric x/y"


# --------------------------------------------------------------------------------------------
# The real Ube network: network distance ≥ straight-line distance for every cell and kind
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ube():
    from util import load_shipped

    return load_shipped("ube")


@pytest.fixture(scope="module")
def ube_tables(ube):
    return city_distances(ube, mode="line"), city_distances(ube, mode="network")


def test_ube_has_both_modes(ube):
    assert available_modes(ube) == ["line", "network"]
    assert ube.network.n_nodes == ube.manifest["counts"]["network_nodes"] == 10403
    assert len(ube.network.u) == ube.manifest["counts"]["network_edges"]
    assert ube.crs.to_epsg() == 6671


def test_ube_network_distance_is_at_least_the_straight_line(ube_tables):
    line, net = ube_tables
    assert list(line.columns) == list(net.columns)
    assert line.index.equals(net.index)
    kinds = [k for k in line.columns if line[k].notna().any()]
    assert set(kinds) == {"elementary_school", "junior_high_school", "park", "community_hall",
                          "shelter"}
    for k in line.columns:
        # The same kinds have no data in both modes.
        assert line[k].isna().equals(net[k].isna())
    for k in kinds:
        ln, nw = line[k].to_numpy(), net[k].to_numpy()
        assert (nw >= ln).all(), f"{k}: {(nw < ln).sum()} cells shorter on foot than by line"
        # Unreachable within 3 km on foot happens; beyond 3 km by line implies it.
        assert np.isinf(nw[np.isinf(ln)]).all()
    # Walking is longer than the crow flies on the whole: median detour factor above 1.1.
    both = np.isfinite(line["shelter"]) & np.isfinite(net["shelter"]) & (line["shelter"] > 100)
    ratio = (net["shelter"][both] / line["shelter"][both]).median()
    assert 1.1 < ratio < 2.0
