"""Concurrency and crash tests of the comment store: many processes, SIGKILL mid-write."""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import sqlite3
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from store_fixtures import (
    CITY,
    TEST_CELL,
    Target,
    concurrent_poster,
    crash_poster,
    light_spawn,
    make_target,
    wait_for,
)

from geo.participation.store.migrations import MIGRATIONS

WORKERS = 20
OWN = 10
SHARED_KEYS = [f"shared-{i}" for i in range(5)]
ROUNDS = 5

spawn = multiprocessing.get_context("spawn")


@pytest.mark.slow
def test_twenty_processes_posting_at_once(target: Target) -> None:
    """20 spawned processes create the schema and post at the same moment, each twice."""
    barrier = spawn.Barrier(WORKERS)
    results = spawn.Queue()
    procs = [
        spawn.Process(
            target=concurrent_poster,
            args=(target.spec(), i, OWN, SHARED_KEYS, barrier, results),
        )
        for i in range(WORKERS)
    ]
    with light_spawn():
        for p in procs:
            p.start()
    acks: list[tuple[str, int, bool]] = []
    done = 0
    deadline = time.monotonic() + 120
    try:
        while done < WORKERS:
            try:
                item = results.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"only {done} of {WORKERS} workers finished in time")
            if item[0] == "done":
                done += 1
            else:
                acks.append(item)
    finally:
        for p in procs:
            p.join(timeout=30)
    assert all(p.exitcode == 0 for p in procs), [p.exitcode for p in procs]

    unique_keys = {f"w{i}-c{j}" for i in range(WORKERS) for j in range(OWN)} | set(SHARED_KEYS)
    assert {key for key, _, _ in acks} == unique_keys
    # Every acknowledgement of one key names the same comment, created exactly once.
    ids_by_key: dict[str, set[int]] = {}
    created = Counter()
    for key, cid, was_created in acks:
        ids_by_key.setdefault(key, set()).add(cid)
        created[key] += int(was_created)
    assert all(len(ids) == 1 for ids in ids_by_key.values())
    assert all(created[key] == 1 for key in unique_keys), created
    assert len(acks) == 2 * WORKERS * (OWN + len(SHARED_KEYS))

    rows = target.raw("SELECT idempotency_key, id FROM comments")
    assert len(rows) == len(unique_keys)
    assert {key: {cid} for key, cid in rows} == ids_by_key
    with target.open() as store:
        assert store.integrity_check()
        assert len(store.comments_frame(city=CITY)) == len(unique_keys)
        assert store.migrations_applied == []
    assert target.raw("SELECT version FROM schema_migrations ORDER BY version") == [
        (m.version,) for m in MIGRATIONS]


def _acked(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [line for line in path.read_text().splitlines() if line]


@pytest.mark.slow
def test_sigkill_while_posting_loses_nothing(tmp_path: Path) -> None:
    """Kill a posting process 5 times; retrying the in-flight keys loses and duplicates none."""
    target = make_target("sqlite", tmp_path)
    ack_path = tmp_path / "acks.txt"
    with target.open(rate_limit=None) as parent:  # the parent also creates the schema
        next_index = 0
        retried: dict[str, bool] = {}
        acked_per_round = []
        for round_no in range(ROUNDS):
            ready = tmp_path / f"ready-{round_no}"
            child = spawn.Process(
                target=crash_poster, args=(target.spec(), next_index, str(ack_path), str(ready))
            )
            with light_spawn():
                child.start()
            wait_for(ready, timeout=60)
            time.sleep(0.15 + 0.05 * round_no)
            os.kill(child.pid, signal.SIGKILL)  # type: ignore[arg-type]
            child.join(timeout=30)
            assert child.exitcode == -signal.SIGKILL

            acked = _acked(ack_path)
            acked_indices = [int(k[1:]) for k in acked]
            last = max([i for i in acked_indices if i >= next_index], default=next_index - 1)
            acked_per_round.append(last - next_index + 1)
            # The client retries what it sent but never saw acknowledged: the key in flight
            # when the child died (and one more, as a client that batches would).
            for index in (last + 1, last + 2):
                key = f"k{index}"
                result = parent.post_comment(
                    idempotency_key=key,
                    session_id="crash-session",
                    cell=TEST_CELL,
                    factor="mobility",
                    kind="good",
                    text=f"comment {index} " + "あ" * (index % 50),
                    city=CITY,
                    consent=True,
                )
                retried[key] = result.created
            next_index = last + 3

        assert parent.integrity_check()
        acked = _acked(ack_path)

    assert sum(acked_per_round) >= ROUNDS, acked_per_round  # the child really posted
    assert len(acked) == len(set(acked))
    rows = target.raw("SELECT idempotency_key FROM comments")
    stored = Counter(key for (key,) in rows)
    assert all(n == 1 for n in stored.values()), "duplicate comments"
    missing = set(acked) - set(stored)
    assert not missing, f"acknowledged comments lost: {sorted(missing)}"
    assert set(stored) == set(acked) | set(retried)
    conn = sqlite3.connect(target.location)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()


def test_threads_share_one_store(target: Target) -> None:
    """Streamlit serves sessions from threads of one process; they may share one store."""
    store = target.open(rate_limit=None)
    first = store.post_comment(
        idempotency_key="first",
        session_id="owner",
        cell=TEST_CELL,
        factor="mobility",
        kind="good",
        text="最初のコメント",
        city=CITY,
        consent=True,
    ).comment_id

    def work(thread: int) -> list[int]:
        ids = []
        for i in range(25):
            result = store.post_comment(
                idempotency_key=f"t{thread}-{i % 20}",  # the last 5 are retries
                session_id=f"thread-{thread}",
                cell=TEST_CELL,
                factor="mobility",
                kind="idea",
                text=f"thread {thread} comment {i % 20}",
                city=CITY,
                consent=True,
            )
            ids.append(result.comment_id)
            store.comments_frame(city=CITY)
        store.plus_one(comment_id=first, session_id=f"thread-{thread}")
        return ids

    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(work, range(8)))
        assert all(len(set(ids)) == 20 for ids in results)
        assert len({i for ids in results for i in ids}) == 8 * 20
        listed = store.comments_frame(city=CITY).set_index("id")
        assert len(listed) == 8 * 20 + 1
        assert listed.loc[first, "plus_ones"] == 8
        assert store.integrity_check()
    finally:
        store.close()
