"""Benchmark: acknowledged comments per second on the SQLite comment store (target 1,000/s)."""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import h3  # noqa: E402

from geo.participation.store import FACTOR_KEYS, KINDS, open_store  # noqa: E402

TARGET_PER_SECOND = 1_000.0
CITY = "13101"
CENTRE = h3.latlng_to_cell(35.6812, 139.7671, 10)


def _post_batch(args: tuple[str, int, int, int, str]) -> tuple[int, float]:
    """Post ``count`` comments as process ``worker``; return (acknowledged, seconds)."""
    path, worker, count, sessions, synchronous = args
    cells = list(h3.grid_disk(CENTRE, 8))
    store = open_store(path, rate_limit=None, synchronous=synchronous)
    acknowledged = 0
    start = time.perf_counter()
    try:
        for i in range(count):
            result = store.post_comment(
                idempotency_key=f"bench-{worker}-{i}",
                session_id=f"session-{(worker * count + i) % sessions}",
                cell=cells[i % len(cells)],
                factor=FACTOR_KEYS[i % len(FACTOR_KEYS)],
                kind=KINDS[i % len(KINDS)],
                text=f"ベンチマーク用のコメント {i}: 歩道が狭く、夜は暗いです。",
                city=CITY,
                consent=True,
            )
            acknowledged += int(result.created)
    finally:
        store.close()
    return acknowledged, time.perf_counter() - start


def run(*, comments: int, sessions: int, processes: int, synchronous: str, data_dir: str) -> Any:
    """Run the benchmark and print the results; return comments per second."""
    path = str(Path(data_dir) / "comments.sqlite3")
    if Path(path).exists():
        raise SystemExit(f"{path} exists already; give an empty --data-dir")
    open_store(path).close()  # create the schema outside the timed part
    per_process = comments // processes
    jobs = [(path, w, per_process, sessions, synchronous) for w in range(processes)]
    start = time.perf_counter()
    if processes == 1:
        results = [_post_batch(jobs[0])]
    else:
        with multiprocessing.get_context("spawn").Pool(processes) as pool:
            results = pool.map(_post_batch, jobs)
    wall = time.perf_counter() - start
    acknowledged = sum(r[0] for r in results)
    # With several processes the wall time includes starting them; report the posting time.
    posting = max(r[1] for r in results)
    rate = acknowledged / posting
    with open_store(path) as store:
        t0 = time.perf_counter()
        frame = store.comments_frame(city=CITY)
        t1 = time.perf_counter()
        summary = store.cell_summary(city=CITY, resolution=8)
        t2 = time.perf_counter()
        assert len(frame) == acknowledged, (len(frame), acknowledged)
        assert store.integrity_check()
    print(f"SQLite comment store, synchronous={synchronous}, {processes} process(es)")
    print(f"acknowledged comments : {acknowledged:,} from {sessions:,} sessions")
    print(f"posting time          : {posting:.2f} s (wall {wall:.2f} s)")
    print(f"acknowledged per sec  : {rate:,.0f}/s")
    verdict = "PASS" if rate >= TARGET_PER_SECOND else "FAIL"
    print(
        f"ratio to target       : {rate / TARGET_PER_SECOND:.2f}x of {TARGET_PER_SECOND:,.0f}/s"
        f" -> {verdict}"
    )
    print(f"list_comments         : {t1 - t0:.3f} s for {len(frame):,} rows")
    print(f"cell_summary (res 8)  : {t2 - t1:.3f} s for {len(summary):,} cells")
    return rate


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--comments", type=int, default=5_000, help="comments to post")
    parser.add_argument("--sessions", type=int, default=1_000, help="distinct browser sessions")
    parser.add_argument("--processes", type=int, default=1, help="posting processes")
    parser.add_argument("--synchronous", default="FULL", choices=["FULL", "NORMAL"])
    parser.add_argument("--data-dir", default=None, help="folder for the database (temp)")
    parser.add_argument("--check", action="store_true", help="exit 1 when below the 1,000/s target")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-comments-") as tmp:
        rate = run(
            comments=args.comments,
            sessions=args.sessions,
            processes=max(1, args.processes),
            synchronous=args.synchronous,
            data_dir=args.data_dir or tmp,
        )
    return 1 if args.check and rate < TARGET_PER_SECOND else 0


if __name__ == "__main__":
    sys.exit(main())
