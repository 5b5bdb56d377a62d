"""Keep every core busy until killed: browser tests run beside it, so a test that passes only
on a quiet machine fails here first (scripts/test.sh starts it for the browser tests)."""

import multiprocessing
import os
import signal
import sys


def spin() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    x = 0
    while True:
        x = (x * 1103515245 + 12345) & 0xFFFFFFFF


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else os.cpu_count() or 2
    procs = [multiprocessing.Process(target=spin, daemon=True) for _ in range(n)]
    for p in procs:
        p.start()
    signal.signal(signal.SIGTERM, lambda *_: [q.terminate() for q in procs] and sys.exit(0))
    for p in procs:
        p.join()
