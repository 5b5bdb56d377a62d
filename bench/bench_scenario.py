"""Scenario bench: "add one facility" → new city figures and changed cells, vs a full recompute.

Run:  .venv/bin/python bench/bench_scenario.py [--city maebashi] [--kind bus_stop] [--runs 50]

Each run adds one facility of ``kind`` at a random populated cell of the baseline (a fresh
copy-on-write scenario each time) and times ``Engine.apply`` (the incremental update, which
returns the cells that changed) plus ``Engine.figures()`` (the city figures of every kind).
The full recompute is a fresh ``Engine.baseline`` on the scenario's facilities + its
``figures()`` (what the coverage page computes for a city), measured in the same run. Target:
median incremental < 50 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo import access as sc
from geo import grid
from geo.ingest import bundle

TARGET_MS = 50.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--city", default="maebashi")
    ap.add_argument("--kind", default="bus_stop")
    ap.add_argument("--mode", default="line", choices=["line", "network"])
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    b = bundle.load(args.city)
    base = sc.Engine.from_bundle(b, mode=args.mode)
    base.copy().apply(sc.add(args.kind, grid.to_strings(b.cells[:1])[0]))  # warm the cell tree
    rng = np.random.default_rng(args.seed)
    cells = grid.to_strings(b.cells)
    inc, full, changed = [], [], []
    for _ in range(args.runs):
        cell = cells[rng.integers(len(cells))]
        s = base.copy()
        t0 = time.perf_counter()
        ch = s.apply(sc.add(args.kind, cell))
        s.figures()
        inc.append((time.perf_counter() - t0) * 1000)
        changed.append(len(ch.cells))
    for _ in range(max(3, args.runs // 10)):
        t0 = time.perf_counter()
        sc.Engine.baseline(b.cells, s.facilities_by_kind(), metric_crs=b.crs,
                           population=b.population, radii=s.radii, mode=args.mode,
                           network=b.network).figures()
        full.append((time.perf_counter() - t0) * 1000)
    res = sorted(set(grid.resolution_of(b.cells).tolist()))
    mi, mf = statistics.median(inc), statistics.median(full)
    print(f"city {args.city} (res {res}, {len(b.cells):,} cells), kind {args.kind}, "
          f"mode {args.mode}, {args.runs} adds")
    print(f"incremental add → figures + changed cells: median {mi:7.2f} ms "
          f"(p90 {np.percentile(inc, 90):.2f} ms; median {statistics.median(changed):.0f} "
          "cells changed)")
    print(f"full recompute (baseline + figures): median {mf:7.2f} ms")
    print(f"speed-up {mf / mi:.1f}x; target < {TARGET_MS:.0f} ms: "
          f"{'PASS' if mi < TARGET_MS else 'FAIL'}")
    return 0 if mi < TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
