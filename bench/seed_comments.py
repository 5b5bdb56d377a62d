"""Seed a comment database with a SAMPLE room (geo.samples_comments) and say how long it took.

    .venv/bin/python bench/seed_comments.py --n 100000 --db var/bench.sqlite3
    .venv/bin/python bench/seed_comments.py --n 5000 --db postgresql://... --schema bench

The database gets what months of use leave behind: comments over the city's towns, replies,
+1s, reports, moderation, deletions, scored proposals, areas and routes, a purge run and
(unless ``--no-workshop``) a workshop with scenarios. Everything goes through the store's
validating write API. Point the app at a seeded SQLite folder with ``DIORAMA_DATA_DIR`` (the
file must then be named comments.sqlite3).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from geo.participation.store import open_store  # noqa: E402
from geo.samples.comments import MIN_COMMENTS, seed_room  # noqa: E402


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=100_000,
                   help=f"comments to leave in the database (at least {MIN_COMMENTS})")
    p.add_argument("--db", required=True,
                   help="SQLite file or folder, or a postgresql:// URL")
    p.add_argument("--schema", help="PostgreSQL schema to create and use")
    p.add_argument("--city", default="maebashi", help="city bundle (default: maebashi)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--now", help="reference time, ISO 8601 with a time zone (default: now)")
    p.add_argument("--no-workshop", action="store_true", help="no workshop session")
    p.add_argument("--one-by-one", action="store_true",
                   help="post every comment and +1 separately (no import_comments batches)")
    p.add_argument("--synchronous", default="FULL", choices=["FULL", "NORMAL"],
                   help="SQLite PRAGMA synchronous (NORMAL: about twice as fast)")
    p.add_argument("--replace", action="store_true",
                   help="delete an existing SQLite file first")
    return p.parse_args(argv)


def _sqlite_file(db: str) -> Path | None:
    """The SQLite file a --db names, or None for PostgreSQL."""
    if db.startswith(("postgresql://", "postgres://")):
        return None
    path = Path(db.removeprefix("sqlite:///"))
    return path / "comments.sqlite3" if path.is_dir() or db.endswith("/") else path


def main(argv: list[str] | None = None) -> int:
    """Seed the database; print the time taken and the rows written."""
    args = _parse(argv)
    now = datetime.fromisoformat(args.now) if args.now else datetime.now(UTC)
    path = _sqlite_file(args.db)
    if path is not None and path.exists():
        if not args.replace:
            print(f"{path} exists; give --replace to start from an empty file", file=sys.stderr)
            return 2
        for extra in ("", "-wal", "-shm", ".lock"):
            Path(f"{path}{extra}").unlink(missing_ok=True)
    store = open_store(args.db if path is None else path, schema=args.schema, rate_limit=None,
                       synchronous=args.synchronous)
    try:
        start = time.perf_counter()
        try:
            room = seed_room(store, city=args.city, n_comments=args.n, seed=args.seed, now=now,
                             with_workshop=not args.no_workshop, bulk=not args.one_by_one)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        seconds = time.perf_counter() - start
    finally:
        store.close()
    c = room.counts
    where = path if path is not None else f"{args.db} (schema {args.schema or 'default'})"
    print(f"seeded {where} in {seconds:.1f} s ({c.comments / seconds:,.0f} comments/s)")
    print(f"  comments   {c.comments:>9,}  ({c.top_level:,} top-level, {c.replies:,} replies, "
          f"{c.nested_replies:,} of them to a reply, {c.scenario_comments:,} on scenarios)")
    print("  statuses   " + ", ".join(f"{k} {v:,}" for k, v in c.statuses.items()))
    print(f"  +1s        {c.plus_ones:>9,}")
    print(f"  reports    {c.reports:>9,}")
    print(f"  nicknames  {c.nicknamed:>9,}  (anonymous {c.anonymous:,}); hostile texts "
          f"{c.hostile:,}; towns {c.towns:,}; purged {c.purged:,}")
    print(f"  shapes     {c.proposals:>9,}  proposals (scored), {c.areas:,} areas, "
          f"{c.routes:,} routes")
    if room.workshop is not None:
        w = room.workshop
        print(f"  workshop   {w.title}: {len(w.group_ids)} groups, "
              f"{len(w.scenario_ids)} scenarios; facilitator key {w.facilitator_token}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
