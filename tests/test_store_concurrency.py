"""Concurrency and crash tests of the comment store: many processes, SIGKILL mid-write."""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
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

from geo.participation.store import open_store
from geo.participation.store.backends import SQLiteBackend
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


# -- SQLite: one process's threads commit their writes in groups -------------------------


def _queued(backend: SQLiteBackend, n: int) -> None:
    """Wait (up to 30 s) until ``n`` threads wait to write on ``backend``."""
    deadline = time.monotonic() + 30
    while backend._queued < n:
        assert time.monotonic() < deadline, "the other writer never queued"
        time.sleep(0.001)


def _in_block(backend: SQLiteBackend) -> None:
    """Wait (up to 30 s) until a thread runs a write block on ``backend``."""
    deadline = time.monotonic() + 30
    while backend._in_body is None:
        assert time.monotonic() < deadline, "the writer never began its block"
        time.sleep(0.001)


def _stored(path: Path) -> list[int]:
    """The rows of table ``t`` as another connection (another process) sees them."""
    conn = sqlite3.connect(path)
    try:
        return sorted(r[0] for r in conn.execute("SELECT x FROM t"))
    finally:
        conn.close()


@pytest.fixture
def plain(tmp_path: Path) -> Iterator[SQLiteBackend]:
    """A SQLite backend with a table ``t (x)`` and a deferred foreign key (``child``)."""
    backend = SQLiteBackend(tmp_path / "g.sqlite3")
    with backend.write() as tx:
        tx.execute("CREATE TABLE t (x INTEGER NOT NULL)")
        tx.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        tx.execute("CREATE TABLE child (pid INTEGER REFERENCES parent (id) "
                   "DEFERRABLE INITIALLY DEFERRED)")
    yield backend
    backend.close()


def _write_after(backend: SQLiteBackend, value: int, *, fail: bool = False,
                 orphan: bool = False, wait_queued: int = 0) -> BaseException | None:
    """One write block: insert ``value`` (an orphan child row with ``orphan``), wait until
    ``wait_queued`` threads queue behind it, raise with ``fail``; the error, if any."""
    try:
        with backend.write() as tx:
            tx.execute("INSERT INTO t (x) VALUES (?)", [value])
            if orphan:
                tx.execute("INSERT INTO child (pid) VALUES (?)", [999])
            if wait_queued:
                _queued(backend, wait_queued)
            if fail:
                raise ValueError(f"block {value} failed")
    except BaseException as exc:  # returned to the test
        return exc
    return None


def test_a_write_ended_while_others_wait_is_committed_with_theirs(plain: SQLiteBackend) -> None:
    """The first block leaves its transaction open for the two queued behind it; the last
    commits all three at once, and none returned before that commit (another connection,
    as another process, sees all three as soon as the first returns)."""
    path, before = plain.path, plain.commits
    with ThreadPoolExecutor(max_workers=3) as pool:
        first = pool.submit(_write_after, plain, 1, wait_queued=2)
        _in_block(plain)
        others = [pool.submit(_write_after, plain, v) for v in (2, 3)]
        assert first.result(timeout=60) is None
        assert _stored(path) == [1, 2, 3]
        assert [f.result(timeout=60) for f in others] == [None, None]
    assert plain.commits - before == 1


def test_a_failed_block_of_a_group_is_rolled_back_alone(plain: SQLiteBackend) -> None:
    """One of the two blocks queued behind the first raises (whichever runs first): its row
    is undone (to its savepoint) and its error is its own; the others' rows are committed
    in one commit."""
    before = plain.commits
    with ThreadPoolExecutor(max_workers=3) as pool:
        first = pool.submit(_write_after, plain, 1, wait_queued=2)
        _in_block(plain)
        second = pool.submit(_write_after, plain, 2, fail=True)
        third = pool.submit(_write_after, plain, 3)
        assert first.result(timeout=60) is None
        assert isinstance(second.result(timeout=60), ValueError)
        assert third.result(timeout=60) is None
    assert _stored(plain.path) == [1, 3]
    assert plain.commits - before == 1


def test_a_group_whose_commit_fails_fails_every_block(plain: SQLiteBackend) -> None:
    """The second block leaves a deferred foreign key broken: the group's COMMIT is refused,
    so neither block is stored and both are told so; the next write works."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(_write_after, plain, 1, wait_queued=1)
        _in_block(plain)
        second = pool.submit(_write_after, plain, 2, orphan=True)
        errors = [first.result(timeout=60), second.result(timeout=60)]
    assert all(isinstance(e, sqlite3.OperationalError) for e in errors), errors
    assert all("not stored" in str(e) and "FOREIGN KEY" in str(e) for e in errors), errors
    assert _stored(plain.path) == []
    assert _write_after(plain, 4) is None
    assert _stored(plain.path) == [4]


def test_a_read_commits_an_open_group_first(plain: SQLiteBackend) -> None:
    """A block ended while another writer is announced stays uncommitted; a read from
    another thread commits it before reading, so it sees the row and the writer returns."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        with plain._gate:
            plain._queued += 1  # a writer about to queue (stands for one in this test)
        try:
            first = pool.submit(_write_after, plain, 1)
            deadline = time.monotonic() + 30
            while plain._group is None or first.done():  # its block ended, group kept open
                assert time.monotonic() < deadline and not first.done()
                time.sleep(0.001)
            while plain._in_body is not None:
                time.sleep(0.001)
            assert plain.read_at_once("SELECT COUNT(*) FROM t") == [(1,)]
            assert first.result(timeout=60) is None
        finally:
            with plain._gate:
                plain._queued -= 1
    assert plain._group is None


def test_threads_posting_at_once_each_stored_once(tmp_path: Path) -> None:
    """Eight threads of one server post 40 comments each into one SQLite store: every
    acknowledged comment is stored once, under the id it was acknowledged with."""
    store = open_store(tmp_path / "c.sqlite3", rate_limit=None, city_rate_limit=None)

    def work(thread: int) -> dict[int, str]:
        acked = {}
        for i in range(40):
            text = f"スレッド {thread} のコメント {i}"
            result = store.post_comment(
                idempotency_key=f"g{thread}-{i}", session_id=f"s{thread}", cell=TEST_CELL,
                factor="mobility", kind="idea", text=text, city=CITY, consent=True)
            acked[result.comment_id] = text
        return acked

    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            acked = [a for part in pool.map(work, range(8)) for a in part.items()]
        conn = sqlite3.connect(tmp_path / "c.sqlite3")
        stored = dict(conn.execute("SELECT id, body FROM comments").fetchall())
        conn.close()
        assert len(acked) == 8 * 40 and dict(acked) == stored
    finally:
        store.close()


def test_a_write_inside_a_write_is_part_of_it(plain: SQLiteBackend) -> None:
    """A write block opened inside another of the same thread is a savepoint of the outer
    transaction: undone alone when it fails, committed only with the outer one."""
    with plain.write() as tx:
        tx.execute("INSERT INTO t (x) VALUES (1)")
        with pytest.raises(ValueError), plain.write() as inner:
            inner.execute("INSERT INTO t (x) VALUES (2)")
            raise ValueError("inner")
        with plain.write() as inner:
            inner.execute("INSERT INTO t (x) VALUES (3)")
        assert _stored(plain.path) == []  # nothing committed before the outer block ends
    assert _stored(plain.path) == [1, 3]
    assert plain.read_at_once("SELECT COUNT(*) FROM t") == [(2,)]


def test_a_single_read_inside_a_read_is_part_of_it(plain: SQLiteBackend) -> None:
    """A one-statement read inside a read block of the same thread runs in that block's
    transaction (as it did before grouped commits), not in a transaction of its own."""
    assert _write_after(plain, 7) is None
    with plain.read() as tx:
        assert tx.fetchall("SELECT x FROM t") == [(7,)]
        assert plain.read_at_once("SELECT COUNT(*) FROM t") == [(1,)]
