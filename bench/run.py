"""Performance report: our engine and payloads against naive baselines, in one run.

Run from the project root with the project's venv::

    python bench/run.py            # full run (≈1–2 min on 2 cores)
    python bench/run.py --quick    # smaller city-sized graph, fewer repeats (≈20 s)

Every figure is measured in this run; ratios compare against a baseline measured in the same
run. The exit code is 0 even when a target fails: this is a report, not a test. See
``bench/README.md`` for what is measured and why.
"""

from __future__ import annotations

import argparse
import platform
import resource
import statistics
import sys
import time
import traceback
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import nxbase
import synth
from pyproj import Transformer
from scipy.sparse import csgraph

from geo import grid
from geo.access.coverage import cell_kpis
from geo.access.kpi import city_coverage, city_distances
from geo.access.network import _with_virtual_sources, nearest_facility_distance, snap
from geo.access.scenario import Engine, facilities_by_kind
from geo.grid.crs import WGS84
from geo.ingest import bundle as gbundle
from geo.ingest.walkgraph import WalkNetwork
from geo.kinds import default_radii
from geo.render import deck as gdeck

SPEED_TARGET = 20.0  # × faster than networkx
BYTES_TARGET = 40.0  # bytes per cell at most
CHECK_TOL_M = 1e-6


# ---------------------------------------------------------------------------------- helpers


@dataclass
class Row:
    """One line of the final table."""

    metric: str
    ours: str
    baseline: str = "—"
    ratio: str = "—"
    target: str = "info"
    result: str = ""


ROWS: list[Row] = []


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, list[float], Any]:
    """Median wall time (perf_counter) of ``repeat`` calls, all times, and the last result."""
    times = []
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times, out


def timed_pair(
    fa: Callable[[], Any], fb: Callable[[], Any], repeat: int
) -> tuple[tuple[float, list[float], Any], tuple[float, list[float], Any]]:
    """Like :func:`timed` for two functions, alternating a, b, a, b … so that load from other
    processes on the machine hits both about equally."""
    ta: list[float] = []
    tb: list[float] = []
    ra = rb = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        ra = fa()
        t1 = time.perf_counter()
        rb = fb()
        t2 = time.perf_counter()
        ta.append(t1 - t0)
        tb.append(t2 - t1)
    return (statistics.median(ta), ta, ra), (statistics.median(tb), tb, rb)


def fmt_t(s: float) -> str:
    """Seconds, human-sized."""
    return f"{s * 1000:.1f} ms" if s < 1 else f"{s:.2f} s"


def fmt_ts(ts: list[float]) -> str:
    """All times when few, else min … max."""
    if len(ts) <= 5:
        return "[" + ", ".join(fmt_t(t) for t in ts) + "]"
    return f"{len(ts)} runs [{fmt_t(min(ts))} … {fmt_t(max(ts))}]"


def say(msg: str = "") -> None:
    print(msg, flush=True)


def maxrss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def traced_peak(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Peak Python/numpy heap allocated while ``fn`` runs (MiB), via tracemalloc."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        out = fn()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return (peak - base) / 2**20, out


def to_xy(lon: np.ndarray, lat: np.ndarray, crs: Any) -> tuple[np.ndarray, np.ndarray]:
    x, y = Transformer.from_crs(WGS84, crs, always_xy=True).transform(lon, lat)
    return np.asarray(x, float), np.asarray(y, float)


def compare(ours: pd.DataFrame, base: pd.DataFrame, kinds: list[str]) -> tuple[bool, list[str]]:
    """Per kind: same reachable set and max |difference| of finite distances ≤ CHECK_TOL_M."""
    ok_all = True
    lines = []
    for k in kinds:
        a = ours[k].to_numpy(float)
        b = base[k].to_numpy(float)
        same_mask = bool((np.isfinite(a) == np.isfinite(b)).all())
        both = np.isfinite(a) & np.isfinite(b)
        diff = float(np.abs(a[both] - b[both]).max()) if both.any() else 0.0
        ok = same_mask and diff <= CHECK_TOL_M
        ok_all &= ok
        lines.append(
            f"    {k:<22} reachable {int(both.sum()):>7,} / {len(a):,}  same set: {same_mask}  "
            f"max |Δ| = {diff:.3g} m  -> {'OK' if ok else 'MISMATCH'}"
        )
    return ok_all, lines


def nx_baseline(g, net, oxy, fxy, limit: float, nx_t: dict[str, float]):
    """The networkx run as a callable; ``nx_t`` keeps the median time of each of its steps."""
    runs: list[dict[str, float]] = []

    def base() -> pd.DataFrame:
        t: dict[str, float] = {}
        out = nxbase.coverage(g, net, origins_xy=oxy, facilities_xy=fxy, limit=limit, timings=t)
        runs.append(t)
        nx_t.update({k: statistics.median(r[k] for r in runs) for k in t})
        return out

    return base


def engine_breakdown(
    net: WalkNetwork,
    origins_xy: tuple[np.ndarray, np.ndarray],
    facilities_xy: dict[str, tuple[np.ndarray, np.ndarray]],
    limit: float,
    repeat: int,
) -> dict[str, float]:
    """Time the pieces ``nearest_facility_distance`` does (re-enacted here; nothing changed),
    each repeat also timing the whole call, so that shares are of a total measured alongside.
    The network's KD-tree and street matrix are cached on first use, so they are not pieces."""
    kinds_with = [k for k, (fx, _) in facilities_xy.items() if len(fx)]
    n = net.n_nodes
    parts: dict[str, list[float]] = {k: [] for k in ("total", "snap", "virtual", "dijkstra")}
    for _ in range(repeat):
        t0 = time.perf_counter()
        nearest_facility_distance(net, origins_xy=origins_xy, facilities_xy=facilities_xy,
                                  limit=limit)
        t1 = time.perf_counter()
        snap(net, np.asarray(origins_xy[0], float), np.asarray(origins_xy[1], float))
        t2 = time.perf_counter()
        g = {k: _with_virtual_sources(net, *facilities_xy[k]) for k in kinds_with}
        t3 = time.perf_counter()
        for k in kinds_with:  # one multi-source run per kind, as nearest_source does
            csgraph.dijkstra(g[k], directed=True, limit=limit, min_only=True,
                             indices=np.arange(n, n + len(facilities_xy[k][0])))
        t4 = time.perf_counter()
        for key, dt in (("total", t1 - t0), ("snap", t2 - t1), ("virtual", t3 - t2),
                        ("dijkstra", t4 - t3)):
            parts[key].append(dt)
    return {k: statistics.median(v) for k, v in parts.items()}


def breakdown_rows(label: str, bd: dict[str, float], nx_t: dict[str, float]) -> None:
    total = bd["total"]
    ROWS.append(Row(
        f"{label}: ours, whole call (timed again alongside the parts)", fmt_t(total),
    ))
    ROWS.append(Row(
        f"{label}:   snap origins to nodes (cached KD-tree)",
        f"{fmt_t(bd['snap'])} ({bd['snap'] / total:.0%})",
    ))
    ROWS.append(Row(
        f"{label}:   virtual sources + CSR append",
        f"{fmt_t(bd['virtual'])} ({bd['virtual'] / total:.0%})",
    ))
    rest = total - bd["snap"] - bd["virtual"] - bd["dijkstra"]
    ROWS.append(Row(
        f"{label}:   rest (gathering origin distances, frame)",
        f"{fmt_t(max(rest, 0.0))} ({max(rest, 0.0) / total:.0%})",
    ))
    ratio = nx_t["search"] / bd["dijkstra"]
    ROWS.append(Row(
        f"{label}:   search only (csgraph.dijkstra vs nx searches)",
        f"{fmt_t(bd['dijkstra'])} ({bd['dijkstra'] / total:.0%})",
        fmt_t(nx_t["search"]), f"{ratio:.1f}×",
    ))


# ---------------------------------------------------------------------------------- sections


def section_ube(args: argparse.Namespace) -> None:
    say("== 1. Network coverage on the Ube walk graph")
    t0 = time.perf_counter()
    b = gbundle.load("ube")
    say(f"   bundle loaded in {fmt_t(time.perf_counter() - t0)}")
    net = b.network
    assert net is not None
    fac = facilities_by_kind(b.facilities)
    fxy = {
        k: to_xy(f.geometry.x.to_numpy(), f.geometry.y.to_numpy(), b.crs) for k, f in fac.items()
    }
    lon, lat = grid.centroids(b.cells)
    oxy = to_xy(lon, lat, b.crs)
    kinds_with = [k for k, (fx, _) in fxy.items() if len(fx)]
    say(
        f"   {net.n_nodes:,} nodes, {len(net.u):,} edges; {len(b.cells):,} origins (cell "
        f"centres); {len(fxy)} kinds, {len(kinds_with)} with facilities "
        f"({', '.join(f'{k}={len(fxy[k][0])}' for k in kinds_with)}); limit {args.limit:.0f} m"
    )

    def ours() -> pd.DataFrame:
        return nearest_facility_distance(net, origins_xy=oxy, facilities_xy=fxy, limit=args.limit)

    t_build, _, g = timed(lambda: nxbase.build_graph(net), 1)
    say(
        f"   networkx graph built in {fmt_t(t_build)} (not in the timed baseline): "
        f"{g.number_of_nodes():,} nodes, {g.number_of_edges():,} edges"
    )
    nx_t: dict[str, float] = {}
    base = nx_baseline(g, net, oxy, fxy, args.limit, nx_t)

    (t_ours, ts_ours, res_ours), (t_nx, ts_nx, res_nx) = timed_pair(ours, base, args.repeat_ube)
    say(f"   ours (nearest_facility_distance): median {fmt_t(t_ours)} of {fmt_ts(ts_ours)}")
    say(
        f"   networkx multi_source_dijkstra_path_length per kind: median {fmt_t(t_nx)} of "
        f"{fmt_ts(ts_nx)}  (medians: snap {fmt_t(nx_t['snap'])}, search "
        f"{fmt_t(nx_t['search'])}, lookup {fmt_t(nx_t['lookup'])})"
    )
    say("   (runs alternate ours / networkx)")

    # Verification: networkx with the engine's exact construction (virtual source node).
    res_exact = nxbase.coverage(
        g, net, origins_xy=oxy, facilities_xy=fxy, limit=args.limit, exact=True
    )
    fsnap = np.concatenate([snap(net, *fxy[k])[1] for k in kinds_with])
    say(
        f"   check vs networkx, exact semantics (virtual source, facility snap as edge weight; "
        f"smallest facility snap {fsnap.min():.3f} m):"
    )
    ok, lines = compare(res_ours, res_exact, kinds_with)
    for line in lines:
        say(line)
    say(
        f"   CHECK {'PASSED' if ok else 'FAILED'}: node distances agree within {CHECK_TOL_M:g} m "
        f"for all {len(kinds_with)} kinds with facilities"
    )
    gap = [(res_ours[k] - res_nx[k])[np.isfinite(res_ours[k])] for k in kinds_with]
    gap_all = pd.concat(gap)
    say(
        f"   timed baseline omits the facility snap: ours − baseline in "
        f"[{gap_all.min():.1f}, {gap_all.max():.1f}] m where ours is finite "
        f"(largest facility snap {fsnap.max():.1f} m)"
    )

    ratio = t_nx / t_ours
    ROWS.append(
        Row(
            f"Ube network coverage ({net.n_nodes:,} nodes, {len(kinds_with)}/{len(fxy)} kinds, "
            f"{len(b.cells):,} origins, {args.limit:.0f} m)",
            fmt_t(t_ours),
            fmt_t(t_nx),
            f"{ratio:.1f}×",
            f"≥ {SPEED_TARGET:.0f}×",
            "PASS" if ratio >= SPEED_TARGET else "FAIL",
        )
    )
    ROWS.append(
        Row(
            "Ube: distances equal networkx (exact semantics)",
            "all kinds" if ok else "MISMATCH",
            "",
            "",
            f"≤ {CHECK_TOL_M:g} m",
            "PASS" if ok else "FAIL",
        )
    )
    bd = engine_breakdown(net, oxy, fxy, args.limit, args.repeat_ube)
    breakdown_rows("Ube", bd, nx_t)
    ROWS.append(Row("Ube: networkx graph construction (once, untimed above)", fmt_t(t_build)))


def nx_memory(
    net: WalkNetwork,
    oxy: tuple[np.ndarray, np.ndarray],
    fac: tuple[np.ndarray, np.ndarray],
    limit: float,
) -> tuple[float, float]:
    """tracemalloc peaks (MiB) of building the networkx graph and of one kind's search."""
    mem_graph, g = traced_peak(lambda: nxbase.build_graph(net))
    mem_search, _ = traced_peak(
        lambda: nxbase.coverage(g, net, origins_xy=oxy, facilities_xy={"k": fac}, limit=limit)
    )
    return mem_graph, mem_search


def section_city(args: argparse.Namespace) -> None:
    tx, ty = args.tiles
    say(f"== 2. City-sized graph: Ube tiled {tx}×{ty}")
    ube = gbundle.load("ube").network
    assert ube is not None
    t_tile, _, tiled = timed(lambda: synth.tile_network(ube, tx, ty), 1)
    net = tiled.net
    counts = synth.facility_counts(args.kinds, 10, args.max_facilities)
    fxy = synth.random_facilities(tiled, counts, seed=1)
    oxy = synth.random_origins(tiled, args.origins, seed=2)
    say(
        f"   {net.n_nodes:,} nodes ({len(tiled.giant):,} in the main component), "
        f"{len(net.u):,} edges incl. {tiled.join_edges} joins ≤ {synth.JOIN_RADIUS_M:.0f} m; "
        f"built in {fmt_t(t_tile)}"
    )
    say(
        f"   {args.kinds} kinds with {counts[0]}–{counts[-1]} facilities "
        f"({sum(counts):,} total), {args.origins:,} origins; limit {args.limit:.0f} m"
    )

    def ours() -> pd.DataFrame:
        return nearest_facility_distance(net, origins_xy=oxy, facilities_xy=fxy, limit=args.limit)

    t_build, _, g = timed(lambda: nxbase.build_graph(net), 1)
    say(f"   networkx graph built in {fmt_t(t_build)} (not in the timed baseline)")
    nx_t: dict[str, float] = {}
    base = nx_baseline(g, net, oxy, fxy, args.limit, nx_t)

    (t_ours, ts_ours, res_ours), (t_nx, ts_nx, _) = timed_pair(ours, base, args.repeat_nx)
    say(f"   ours: median {fmt_t(t_ours)} of {fmt_ts(ts_ours)}")
    say(
        f"   networkx: median {fmt_t(t_nx)} of {fmt_ts(ts_nx)}  (medians: snap "
        f"{fmt_t(nx_t['snap'])}, search {fmt_t(nx_t['search'])}, lookup {fmt_t(nx_t['lookup'])})"
    )
    say("   (runs alternate ours / networkx)")
    mem_ours, _ = traced_peak(ours)
    say(f"   ours: peak traced allocation {mem_ours:.0f} MiB (tracemalloc, separate run)")

    check_kinds = list(fxy)
    t0 = time.perf_counter()
    res_exact = nxbase.coverage(
        g, net, origins_xy=oxy, facilities_xy=fxy, limit=args.limit, exact=True
    )
    say(f"   check vs networkx, exact semantics ({fmt_t(time.perf_counter() - t0)}):")
    ok, lines = compare(res_ours, res_exact, check_kinds)
    for line in lines:
        say(line)
    say(
        f"   CHECK {'PASSED' if ok else 'FAILED'}: node distances agree within {CHECK_TOL_M:g} m "
        f"for all {len(check_kinds)} kinds"
    )

    big = check_kinds[-1]
    mem_graph, mem_search = nx_memory(net, oxy, fxy[big], args.limit)
    say(
        f"   networkx: graph {mem_graph:.0f} MiB + one search ({big}) {mem_search:.0f} MiB "
        f"(tracemalloc, separate runs)"
    )

    ratio = t_nx / t_ours
    label = f"City-sized ({tx}×{ty} Ube tiles)"
    ROWS.append(
        Row(
            f"{label}: coverage ({net.n_nodes:,} nodes, {args.kinds} kinds, "
            f"{args.origins:,} origins, {args.limit:.0f} m)",
            fmt_t(t_ours),
            fmt_t(t_nx),
            f"{ratio:.1f}×",
            f"≥ {SPEED_TARGET:.0f}×",
            "PASS" if ratio >= SPEED_TARGET else "FAIL",
        )
    )
    ROWS.append(
        Row(
            f"{label}: distances equal networkx (exact semantics)",
            "all kinds" if ok else "MISMATCH",
            "",
            "",
            f"≤ {CHECK_TOL_M:g} m",
            "PASS" if ok else "FAIL",
        )
    )
    bd = engine_breakdown(net, oxy, fxy, args.limit, 3)
    breakdown_rows(label, bd, nx_t)
    ROWS.append(
        Row(
            f"{label}: peak memory (tracemalloc)",
            f"{mem_ours:.0f} MiB",
            f"{mem_graph:.0f} + {mem_search:.0f} MiB",
            f"{(mem_graph + mem_search) / mem_ours:.1f}×",
        )
    )
    ROWS.append(Row(f"{label}: networkx graph construction (once, untimed above)", fmt_t(t_build)))


def section_deck(args: argparse.Namespace, state: dict[str, Any]) -> None:
    import pydeck as pdk

    say("== 3. Bytes per cell of the map page (Maebashi, res 10, bus_stop distance)")
    b = gbundle.load("maebashi")
    state["maebashi"] = b
    dist = city_distances(b, mode="line")
    kpis = cell_kpis(dist, b.population, radii=default_radii(), resolution=10, kinds=["bus_stop"])
    col = "dist_bus_stop"
    n_cells = int(np.isfinite(kpis[col]).sum())
    view = gdeck.view_of(b.boundary)

    def ours_json() -> str:
        d = gdeck.deck([gdeck.hex_layer(kpis[col]), gdeck.boundary_layer(b.boundary)], view=view)
        state["bpc"] = gdeck.bytes_per_cell(d, n_cells)
        return d.to_json()

    t_ours, _, js = timed(ours_json, args.repeat_fast)
    ours_bpc = state["bpc"]
    assert abs(ours_bpc - len(js.encode()) / n_cells) < 1e-9

    # A naive page: the KPI frame as it is, cell id as a string, pydeck's default Deck/to_json.
    df = kpis.reset_index()
    df["cell"] = grid.to_strings(df["cell"].to_numpy())

    def naive(frame: pd.DataFrame) -> str:
        layer = pdk.Layer(
            "H3HexagonLayer",
            frame,
            id="kpi",
            get_hexagon="cell",
            get_fill_color=f"[255, 255 - {col} / 3000 * 255, 0, 200]",
            pickable=True,
            auto_highlight=True,
            opacity=0.75,
            stroked=False,
            filled=True,
        )
        return str(
            pdk.Deck(
                layers=[layer, gdeck.boundary_layer(b.boundary)], initial_view_state=view
            ).to_json()
        )

    t_base, _, js_base = timed(lambda: naive(df), args.repeat_fast)
    base_bpc = len(js_base.encode()) / n_cells
    js_one = naive(df[["cell", col]])
    one_bpc = len(js_one.encode()) / n_cells
    say(
        f"   {n_cells:,} cells drawn; ours {ours_bpc:.1f} B/cell ({len(js):,} B, built+serialised "
        f"in {fmt_t(t_ours)}); naive pydeck with all {len(kpis.columns)} KPI columns "
        f"{base_bpc:.1f} B/cell ({len(js_base):,} B, {fmt_t(t_base)}); naive with only "
        f"'{col}' {one_bpc:.1f} B/cell"
    )
    ROWS.append(
        Row(
            f"Map payload, Maebashi res 10 ({n_cells:,} cells, {col})",
            f"{ours_bpc:.1f} B/cell",
            f"{base_bpc:.1f} B/cell",
            f"{base_bpc / ours_bpc:.1f}× smaller",
            f"≤ {BYTES_TARGET:.0f} B/cell",
            "PASS" if ours_bpc <= BYTES_TARGET else "FAIL",
        )
    )
    ROWS.append(
        Row(
            "Map payload vs naive pydeck with the one column only",
            f"{ours_bpc:.1f} B/cell",
            f"{one_bpc:.1f} B/cell",
            f"{one_bpc / ours_bpc:.1f}× smaller",
        )
    )


def section_line(args: argparse.Namespace, state: dict[str, Any]) -> None:
    say("== 4. Straight-line coverage on Maebashi (information)")
    b = state.get("maebashi") or gbundle.load("maebashi")
    t_d, ts_d, dist = timed(lambda: city_distances(b, mode="line"), args.repeat_fast)
    say(
        f"   city_distances(line): {len(dist):,} cells × {dist.shape[1]} kinds, median "
        f"{fmt_t(t_d)} of {fmt_ts(ts_d)}"
    )
    t_c, ts_c, _ = timed(lambda: city_coverage(b), args.repeat_fast)
    say(
        f"   city_coverage (line, default radii, incl. distances): median {fmt_t(t_c)} of "
        f"{fmt_ts(ts_c)}"
    )
    base = Engine.from_bundle(b)
    t_r, _, _ = timed(lambda: city_coverage(b, baseline=base), args.repeat_fast)
    ROWS.append(
        Row(
            f"Maebashi line distance table ({len(dist):,} cells, {dist.shape[1]} kinds)", fmt_t(t_d)
        )
    )
    ROWS.append(Row("Maebashi city_coverage (line, incl. distance table)", fmt_t(t_c)))
    ROWS.append(Row("Maebashi city_coverage reusing the baseline engine", fmt_t(t_r)))


# ---------------------------------------------------------------------------------- main


def print_table() -> None:
    head = Row("metric", "ours", "baseline", "ratio", "target", "result")
    rows = [head, *ROWS]
    w = [
        max(len(getattr(r, f)) for r in rows)
        for f in ("metric", "ours", "baseline", "ratio", "target", "result")
    ]

    def line(r: Row) -> str:
        cells = [
            r.metric.ljust(w[0]),
            r.ours.rjust(w[1]),
            r.baseline.rjust(w[2]),
            r.ratio.rjust(w[3]),
            r.target.ljust(w[4]),
            r.result.ljust(w[5]),
        ]
        return " | ".join(cells).rstrip()

    rule = "-+-".join("-" * x for x in w)
    say(rule)
    say(line(head))
    say(rule)
    for r in ROWS:
        say(line(r))
    say(rule)


def parse_tiles(s: str) -> tuple[int, int]:
    a, b = s.lower().split("x")
    return int(a), int(b)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--quick",
        action="store_true",
        help="2×2 tiles, 20k origins, facilities up to 150, 3 repeats",
    )
    p.add_argument("--tiles", type=parse_tiles, default=None, help="city graph tiles, e.g. 4x5")
    p.add_argument("--origins", type=int, default=None, help="origins on the city graph")
    p.add_argument("--kinds", type=int, default=20, help="facility kinds on the city graph")
    p.add_argument(
        "--max-facilities",
        type=int,
        default=None,
        help="facilities of the largest kind on the city graph",
    )
    p.add_argument("--limit", type=float, default=800.0, help="search radius in metres")
    p.add_argument(
        "--repeat",
        dest="repeat_fast",
        type=int,
        default=None,
        help="repeats of the fast measurements (median reported; ≥3)",
    )
    p.add_argument(
        "--repeat-nx",
        type=int,
        default=3,
        help="alternating ours/networkx runs on the city graph (networkx is slow)",
    )
    args = p.parse_args(argv)
    if args.tiles is None:
        args.tiles = (2, 2) if args.quick else (4, 5)
    if args.origins is None:
        args.origins = 20_000 if args.quick else 100_000
    if args.max_facilities is None:
        args.max_facilities = 150 if args.quick else 600
    if args.repeat_fast is None:
        args.repeat_fast = 3 if args.quick else 5
    args.repeat_fast = max(3, args.repeat_fast)
    args.repeat_nx = max(3, args.repeat_nx)  # ours runs as often, and ours is a fast measurement
    args.repeat_ube = 3 * args.repeat_fast  # Ube runs take tens of ms: repeat more

    import networkx
    import pydeck
    import scipy

    say(
        f"Well-Being Diorama benchmark ({'quick' if args.quick else 'full'}) — python "
        f"{platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
        f"networkx {networkx.__version__}, pydeck {pydeck.__version__}, {platform.machine()}"
    )
    t_all = time.perf_counter()
    state: dict[str, Any] = {}
    sections: list[tuple[str, Callable[[], None]]] = [
        ("1. Ube network coverage", lambda: section_ube(args)),
        ("2. City-sized network coverage", lambda: section_city(args)),
        ("3. Map payload", lambda: section_deck(args, state)),
        ("4. Line coverage", lambda: section_line(args, state)),
    ]
    for name, fn in sections:
        try:
            fn()
        except Exception:
            traceback.print_exc()
            ROWS.append(Row(f"{name}: ERROR (see traceback above)", "—", result="FAIL"))
        say()
    ROWS.append(Row("Process peak RSS (getrusage maxrss)", f"{maxrss_mb():.0f} MiB"))
    ROWS.append(Row("Whole benchmark wall time", fmt_t(time.perf_counter() - t_all)))
    say("== Results (ratio = baseline / ours; every figure measured in this run)")
    print_table()
    fails = [r for r in ROWS if r.result == "FAIL"]
    if fails:
        say(f"FAIL: {len(fails)} target(s) not met:")
        for r in fails:
            say(
                f"  FAIL  {r.metric}: ours {r.ours}, baseline {r.baseline}, ratio {r.ratio}, "
                f"target {r.target}"
            )
    else:
        say("All targets met.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
