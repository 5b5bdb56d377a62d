"""Checks for scripts/cluster.sh: wait for health, and what must pass through the proxy.

    python scripts/cluster_check.py wait URL [URL ...] [--timeout 120] [--pid PID ...]
        wait until every URL's /_stcore/health answers "ok" (exit 1 on timeout, or as soon
        as one of the PIDs, the servers being waited for, has exited)
    python scripts/cluster_check.py proxy URL --access-log FILE
        through the proxy at URL: the page, one of Streamlit's static files, /_stcore/health
        and the WebSocket /_stcore/stream (101 Switching Protocols) all pass; the proxy sets
        its sticky cookie, and requests that carry it reach one replica (read from the
        access log's upstream= field)

Only the standard library and the app's own dependencies (websockets, via Streamlit).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import time
import urllib.request
from pathlib import Path

COOKIE = "diorama_node"


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=3) as r:  # noqa: S310
            return r.status == 200 and r.read().strip() == b"ok"
    except OSError:
        return False


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")


def wait(urls: list[str], timeout: float, pids: list[int]) -> int:
    """Wait for every URL (``URL`` or ``URL=PID``: a process that must stay alive)."""
    deadline = time.monotonic() + timeout
    pending = list(urls)
    while pending and time.monotonic() < deadline:
        pending = [u for u in pending if not healthy(u)]
        dead = [p for p in pids if not alive(p)]
        if dead:
            print(f"cluster_check: process {dead} exited before it was healthy",
                  file=sys.stderr)
            return 1
        if pending:
            time.sleep(0.5)
    for u in pending:
        print(f"cluster_check: {u}/_stcore/health did not answer ok in {timeout:g} s",
              file=sys.stderr)
    return 1 if pending else 0


def get(url: str, cookie: str | None = None) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310
    with urllib.request.urlopen(req, timeout=10) as r:  # noqa: S310
        headers = {k.lower(): v for k, v in r.getheaders() if k.lower() != "set-cookie"}
        cookies = [v for k, v in r.getheaders() if k.lower() == "set-cookie"]
        headers["set-cookie"] = "\n".join(cookies)
        return r.status, headers, r.read()


async def handshake(url: str, cookie: str) -> None:
    import websockets

    async with websockets.connect(
            url.replace("http://", "ws://", 1) + "/_stcore/stream", subprotocols=["streamlit"],
            additional_headers={"Origin": url, "Cookie": cookie}, open_timeout=10) as ws:
        assert ws.subprotocol == "streamlit", ws.subprotocol


def proxy(url: str, access_log: Path | None) -> int:
    problems: list[str] = []
    status, headers, body = get(url + "/")
    m = re.search(rf"{COOKIE}=([0-9a-f]{{32}})", headers["set-cookie"])
    if status != 200 or b"<div id=\"root\"" not in body:
        problems.append(f"GET / answered {status} without Streamlit's page")
    if not m:
        problems.append(f"GET / set no {COOKIE} cookie (got {headers['set-cookie']!r})")
    cookie = f"{COOKIE}={m.group(1)}" if m else ""
    static = re.search(rb"(?:\./)?(static/js/[\w.-]+\.js)", body)
    if static is None:
        problems.append("the page names no static/js file")
    else:
        s_status, s_headers, s_body = get(f"{url}/{static.group(1).decode()}", cookie)
        if s_status != 200 or not s_body:
            problems.append(f"static file answered {s_status}")
        if "set-cookie" in s_headers and COOKIE in s_headers["set-cookie"]:
            problems.append("the proxy set its cookie again although the request carried it")
    for _ in range(3):
        h_status, _, h_body = get(url + "/_stcore/health", cookie)
        if h_status != 200 or h_body.strip() != b"ok":
            problems.append(f"/_stcore/health answered {h_status} {h_body[:40]!r}")
    try:
        asyncio.run(handshake(url, cookie))
    except Exception as exc:  # any failure of the upgrade is the finding
        problems.append(f"WebSocket /_stcore/stream: {type(exc).__name__}: {exc}")
    if access_log is not None and m:
        time.sleep(0.3)  # nginx writes the line when the request ends
        ups = {line.split("upstream=", 1)[1].split()[0]
               for line in access_log.read_text(errors="replace").splitlines()
               if f"node={m.group(1)}" in line and "upstream=" in line}
        if len(ups) != 1:
            problems.append(f"requests with one cookie reached {sorted(ups)} (want one replica)")
        else:
            print(f"cluster_check: sticky cookie → {ups.pop()}")
    for p in problems:
        print(f"cluster_check: {p}", file=sys.stderr)
    if not problems:
        print("cluster_check: page, static file, /_stcore/health and /_stcore/stream pass "
              "through the proxy")
    return 1 if problems else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("wait")
    w.add_argument("urls", nargs="+")
    w.add_argument("--timeout", type=float, default=120.0)
    w.add_argument("--pid", type=int, action="append", default=[],
                   help="a process that must stay alive meanwhile (repeatable)")
    p = sub.add_parser("proxy")
    p.add_argument("url")
    p.add_argument("--access-log", type=Path)
    args = ap.parse_args()
    sys.exit(wait(args.urls, args.timeout, args.pid) if args.cmd == "wait"
             else proxy(args.url.rstrip("/"), args.access_log))


if __name__ == "__main__":
    main()
