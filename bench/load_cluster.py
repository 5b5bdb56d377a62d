"""Load through the proxy of scripts/cluster.sh: a plain run, then a run with a replica killed.

    bash scripts/cluster.sh start                  # PostgreSQL + 3 replicas + nginx
    .venv/bin/python bench/load_cluster.py         # 200 sessions over 60 s, twice
    .venv/bin/python bench/load_cluster.py --sessions 50 --over 20 --kill-at 10

Both runs are bench/load_ws.py's protocol sessions (open みんなの声, pick a town, a factor and
a kind, post, read the acknowledgement) sent to the proxy's URL, each with its own run id.

1. **Plain**: every replica is warmed with one uncounted session (sent to its own port),
   then N sessions arrive over T seconds.
2. **kill -9**: the same, and ``--kill-at`` seconds into the arrivals (default: half of
   T) the replica serving the most sessions in flight at that moment (found from the
   sessions' sticky cookies and the nginx access log) is sent SIGKILL, as ``kill -9``
   does. Its sessions' sockets drop; they reconnect through the proxy, which sends them to
   another replica, and do their steps again; a post whose acknowledgement was lost is
   re-sent with the same idempotency key. Afterwards ``cluster.sh start`` starts the killed
   replica again (``--no-restore`` leaves it down).

Each run prints load_ws's table (targets as options; defaults: page P95 < 2 s, submit
P95 < 1 s, 0 errors, 0 lost or duplicated), checked against the cluster's PostgreSQL, and
how the sessions spread over the replicas (from the access log). When the cluster is not
up the script starts it (``cluster.sh start``) and stops it at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE)]

from load_ws import (  # noqa: E402
    Client,
    add_target_options,
    drive,
    outcome,
    targets_of,
    warm,
)

CLUSTER = ROOT / "scripts" / "cluster.sh"
COOKIE = "diorama_node"
#: The fields of cluster.sh's access log format this script reads.
LINE = re.compile(r"upstream=(?P<up>.*?) ustatus=.* node=(?P<node>\S+)")


def cluster(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(CLUSTER), *args], text=True, capture_output=True,
                          check=check, cwd=ROOT)


def cluster_env() -> dict[str, str]:
    """``cluster.sh env``: PROXY_URL, DATABASE_URL, REPLICA_URLS, REPLICA_PIDS, ACCESS_LOG."""
    out: dict[str, str] = {}
    for line in cluster("env").stdout.splitlines():
        key, _, value = line.partition("=")
        out[key] = " ".join(shlex.split(value))
    return out


def upstreams(log: Path, offset: int) -> dict[str, list[str]]:
    """Sticky cookie → the upstreams its requests reached, in order, from ``offset`` on."""
    seen: dict[str, list[str]] = {}
    with log.open(errors="replace") as f:
        f.seek(offset)
        for line in f:
            m = LINE.search(line)
            if m and m["up"] != "-":
                node = m["node"]
                for u in m["up"].split(", "):  # "a, b": a failed, then b answered
                    seen.setdefault(node, [])
                    if not seen[node] or seen[node][-1] != u:
                        seen[node].append(u)
    return seen


def spread(results: list[dict[str, Any]], log: Path, offset: int) -> str:
    """How the run's sessions spread over the replicas, and who moved."""
    ups = upstreams(log, offset)
    first = Counter(ups[r["cookies"][COOKIE]][0] for r in results
                    if r.get("cookies", {}).get(COOKIE) in ups)
    moved = sum(1 for r in results if len(ups.get(r.get("cookies", {}).get(COOKIE, ""), [])) > 1)
    return ("sessions per replica (first request): "
            + ", ".join(f"{u} {n}" for u, n in sorted(first.items()))
            + f"; sessions whose requests reached a second replica: {moved}")


async def run_with_kill(env: dict[str, str], args: argparse.Namespace, run_id: str,
                        log: Path, offset: int, note: dict[str, Any]) -> list[dict[str, Any]]:
    live: dict[int, Client] = {}
    urls = env["REPLICA_URLS"].split()
    pids = [int(p) for p in env["REPLICA_PIDS"].split()]
    addr = {u.removeprefix("http://"): (u, pid) for u, pid in zip(urls, pids, strict=True)}

    async def killer() -> None:
        await asyncio.sleep(args.kill_at)
        ups = upstreams(log, offset)
        flight = Counter(ups[n][-1] for c in list(live.values())
                         if (n := c.cookies.get(COOKIE)) in ups)
        target = flight.most_common(1)[0][0] if flight else next(iter(addr))
        url, pid = addr[target]
        os.kill(pid, signal.SIGKILL)  # kill -9
        note.update(url=url, pid=pid, in_flight=flight.get(target, 0), total=len(live),
                    at=args.kill_at)
        print(f"kill -9 {pid} ({url}) at {args.kill_at:g} s: it served "
              f"{flight.get(target, 0)} of the {len(live)} sessions in flight", flush=True)

    results, _ = await asyncio.gather(
        drive(env["PROXY_URL"], args.sessions, args.over, run_id, timeout=args.timeout,
              attempts=args.attempts, think=args.think, live=live),
        killer())
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=200)
    ap.add_argument("--over", type=float, default=60.0, help="arrival window in seconds")
    ap.add_argument("--kill-at", type=float, help="seconds into the second run (default T/2)")
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--attempts", type=int, default=5)
    ap.add_argument("--think", type=float, default=5.0,
                    help="average seconds a person takes before each of the three steps, "
                    "with the socket open (so a killed replica has sessions to drop)")
    ap.add_argument("--only", choices=["plain", "kill"], help="run one of the two")
    ap.add_argument("--no-restore", action="store_true",
                    help="leave the killed replica down afterwards")
    add_target_options(ap, page=2.0)
    args = ap.parse_args()
    args.kill_at = args.over / 2 if args.kill_at is None else args.kill_at
    started = cluster("status", check=False).returncode != 0
    if started:
        print("the cluster is not up: bash scripts/cluster.sh start", flush=True)
        r = cluster("start", check=False)
        if r.returncode:
            sys.exit(f"cluster.sh start failed:\n{r.stderr[-3000:]}")
    try:
        env = cluster_env()
        log = Path(env["ACCESS_LOG"])
        print(cluster("status", check=False).stdout, end="", flush=True)
        base = f"{int(time.time())}"
        warm(env["REPLICA_URLS"].split(), base, args.timeout)
        kw = {"timeout": args.timeout, "attempts": args.attempts, "think": args.think}
        tables = []
        if args.only in (None, "plain"):
            run_id, offset = f"{base}p", log.stat().st_size
            print(f"run 1: {args.sessions} sessions over {args.over:g} s through "
                  f"{env['PROXY_URL']}", flush=True)
            res = asyncio.run(drive(env["PROXY_URL"], args.sessions, args.over, run_id, **kw))
            out = outcome(f"run 1 — {args.sessions} sessions over {args.over:g} s through "
                          f"nginx, {len(env['REPLICA_URLS'].split())} replicas, PostgreSQL",
                          res, targets_of(args), env["DATABASE_URL"], run_id)
            tables.append(out.table() + "\n  " + spread(res, log, offset))
            print(tables[-1], flush=True)
        if args.only in (None, "kill"):
            run_id, offset = f"{base}k", log.stat().st_size
            note: dict[str, Any] = {}
            print(f"run 2: {args.sessions} sessions over {args.over:g} s, one replica "
                  f"killed with kill -9 at {args.kill_at:g} s", flush=True)
            res = asyncio.run(run_with_kill(env, args, run_id, log, offset, note))
            out = outcome(f"run 2 — the same, replica {note.get('url')} killed with kill -9 "
                          f"at {args.kill_at:g} s ({note.get('in_flight')} of "
                          f"{note.get('total')} sessions in flight were on it)",
                          res, targets_of(args), env["DATABASE_URL"], run_id)
            tables.append(out.table() + "\n  " + spread(res, log, offset))
            print(tables[-1], flush=True)
            if not args.no_restore and not started:
                r = cluster("start", check=False)
                print("restarted the killed replica (cluster.sh start): "
                      + ("ok" if r.returncode == 0 else r.stderr[-500:]), flush=True)
        print("\n" + "\n\n".join(tables))
    finally:
        if started:
            cluster("stop", check=False)


if __name__ == "__main__":
    main()
