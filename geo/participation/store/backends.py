"""Database connections for the comment store: SQLite (default) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

import logging
import os
import random
import sqlite3
import threading
import time
import zlib
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

try:  # POSIX advisory file locks queue writers fairly; elsewhere SQLite's own lock suffices
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

from geo.participation.store.errors import SchemaTooNew
from geo.participation.store.migrations import MIGRATIONS, Dialect, migration_table_sql

logger = logging.getLogger(__name__)

__all__ = ["SQLITE_TS_FORMAT", "Backend", "PostgresBackend", "SQLiteBackend", "Tx",
           "apply_migrations", "in_chunks"]

Row = tuple[Any, ...]
V = TypeVar("V")

#: How the SQLite backend writes an aware datetime (UTC, sortable text); readers parse it back.
SQLITE_TS_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

#: Values per ``IN (...)`` lookup, well under every database's limit of bound parameters.
IN_CHUNK = 500

#: Most write blocks of one process's threads committed together (see SQLiteBackend's Notes).
GROUP_MAX = 32

#: Rows a SQLite connection changes (triggers' rows included) between two checkpoints of the
#: write-ahead log: about 100 comments, some 10 MB of log.
CHECKPOINT_CHANGES = 1000


class Tx(Protocol):
    """One open transaction; SQL uses ``?`` placeholders on both databases."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one statement."""

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run a query and return every row."""

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """Run a query and return its first row, or None."""

    def commit_with(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """Run the transaction's last statement and commit it; the statement's first row.

        On PostgreSQL the statement and the ``COMMIT`` travel in one message, so the rows it
        locks are released as soon as the server has run both, not after a round trip to this
        process (other writers queue on those locks meanwhile). Nothing may run on the
        transaction afterwards. In a transaction nested in another (a savepoint) it only runs
        the statement: the outer one commits.
        """


class Backend(Protocol):
    """A database the store can talk to."""

    dialect: Dialect
    for_update: str

    def read(self) -> AbstractContextManager[Tx]:
        """Open a read-only transaction (a consistent snapshot)."""

    def write(self, *, lock: str | None = None) -> AbstractContextManager[Tx]:
        """Open a write transaction, serialised with ``lock`` (a name) where needed."""

    def read_at_once(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run one read statement on a snapshot of its own; its rows.

        On PostgreSQL it is one statement in one round trip, without ``BEGIN`` or ``COMMIT``
        (a statement alone sees one snapshot); inside a transaction it runs in that one."""

    def write_at_once(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """Run one statement as a write transaction of its own; its first row.

        On PostgreSQL it is one prepared statement in one round trip, without ``BEGIN`` or
        ``COMMIT``: the transaction never waits for this process."""

    def integrity_check(self) -> list[str]:
        """Return problems found in the database file (empty when sound)."""

    def refresh_statistics(self) -> bool:
        """Refresh the query planner's statistics when they are missing or stale; True if
        refreshed."""

    def close(self) -> None:
        """Close the connection."""


def in_chunks(values: Sequence[V]) -> list[tuple[str, list[V]]]:
    """``values`` in chunks of :data:`IN_CHUNK`, each with its placeholders (``?, ?, ?``) for
    an ``IN (...)`` lookup; none for no values."""
    chunks = [list(values[start:start + IN_CHUNK]) for start in range(0, len(values), IN_CHUNK)]
    return [(", ".join("?" * len(chunk)), chunk) for chunk in chunks]


def _sqlite_param(value: Any) -> Any:
    """Adapt a Python value for sqlite3 (aware datetimes become sortable UTC text)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime(SQLITE_TS_FORMAT)
    return value


class _SQLiteTx:
    """A transaction on a sqlite3 connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._conn.execute(sql, [_sqlite_param(p) for p in params])

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self._conn.execute(sql, [_sqlite_param(p) for p in params]).fetchall()

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        row: Row | None = self._conn.execute(sql, [_sqlite_param(p) for p in params]).fetchone()
        return row

    def commit_with(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        # SQLite commits when the write block ends, right after this statement
        return self.fetchone(sql, params)


@dataclass(slots=True)
class _Group:
    """A write transaction of one SQLite connection that several threads' blocks share."""

    locked: bool  # holds the writers' file lock
    members: int = 0
    done: threading.Event = field(default_factory=threading.Event)
    failure: BaseException | None = None


class SQLiteBackend:
    """One SQLite file in WAL mode; writers take the lock up front (``BEGIN IMMEDIATE``).

    Parameters
    ----------
    path
        The database file; its folder is created when missing.
    busy_timeout
        Seconds a writer waits for another process's write to finish.
    synchronous
        ``PRAGMA synchronous``: ``"FULL"`` (default, every acknowledged comment survives a
        power cut) or ``"NORMAL"`` (survives a crash of the app, not of the machine).

    Notes
    -----
    The write-ahead log is copied back into the file (a checkpoint) by the connection that
    wrote :data:`CHECKPOINT_CHANGES` rows since its last one, right after its write, on a
    connection of its own and outside the writers' lock, never inside a ``COMMIT``: SQLite's
    automatic checkpoint runs in the commit that crosses 1,000 pages of log, and that commit
    held the writers' file lock for the 10-20 ms of the copy and its fsync while every other
    writer waited (a third of a comment's time in the lock, averaged). A passive checkpoint
    lets other processes write meanwhile; one busy with another checkpoint is skipped.

    Threads of one process share the connection, and their writes are committed in groups:
    a block that ends while other threads wait to write leaves the transaction open, each
    of them runs its block in it (under a savepoint: a block that fails is rolled back
    alone), and the last of them, or the :data:`GROUP_MAX`-th, commits for all. Each block
    returns only after that commit, so what is acknowledged is durable, and a commit that
    fails fails every block of its group. One fsync then stands for many comments: the
    sessions of a hall, on one server, post at the rate of the processor rather than of
    the disk's flushes. Reads commit an open group first, so they see only what is stored.
    """

    dialect: Dialect = "sqlite"
    for_update = ""

    def __init__(
        self, path: str | Path, *, busy_timeout: float = 10.0, synchronous: str = "FULL"
    ) -> None:
        if synchronous.upper() not in ("FULL", "NORMAL", "EXTRA"):
            raise ValueError(f"synchronous must be FULL, NORMAL or EXTRA, not {synchronous!r}")
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._busy_timeout = busy_timeout
        self._lock_fd: int | None = None
        if fcntl is not None:
            self._lock_fd = os.open(
                f"{self.path}.lock", os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644
            )
        self._conn = sqlite3.connect(
            self.path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
        )
        self._conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        self._conn.execute("PRAGMA foreign_keys = ON")
        # deleted rows (a comment's text, its photo) are overwritten in the file, not left in
        # free pages until they happen to be reused
        self._conn.execute("PRAGMA secure_delete = ON")
        self._set_wal(busy_timeout)
        self._conn.execute(f"PRAGMA synchronous = {synchronous.upper()}")
        self._conn.execute("PRAGMA wal_autocheckpoint = 0")  # see Notes: _checkpoint
        self._checkpointer: sqlite3.Connection | None = None
        self._checkpoint_lock = threading.Lock()
        self._checkpointed_at = 0  # the connection's total_changes at its last checkpoint
        self._group: _Group | None = None  # the open write transaction (group commit)
        self._in_body: int | None = None  # the thread running a write block
        self._in_read: int | None = None  # the thread running a read block
        self._gate = threading.Lock()  # guards _queued
        self._queued = 0  # threads waiting to write
        self.commits = 0  # write transactions committed (a group counts once)

    def _set_wal(self, busy_timeout: float) -> None:
        """Switch the file to WAL, waiting if another process is switching it too."""
        deadline = time.monotonic() + busy_timeout
        while True:
            try:
                mode = self._conn.execute("PRAGMA journal_mode = WAL").fetchone()
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
                continue
            if mode is not None and str(mode[0]).lower() == "wal":
                return
            raise sqlite3.OperationalError(f"could not switch {self.path} to WAL mode: {mode}")

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """Open a deferred (read) transaction (after any open group's commit: it sees
        only what is committed).

        Yields
        ------
        Tx
            The transaction; it is committed when the block ends.
        """
        with self._lock:
            self._settle()
            self._conn.execute("BEGIN")
            self._in_read = threading.get_ident()
            try:
                yield _SQLiteTx(self._conn)
            finally:
                self._in_read = None
                self._conn.execute("COMMIT")

    @contextmanager
    def write(self, *, lock: str | None = None) -> Iterator[Tx]:
        """Open a write transaction (``BEGIN IMMEDIATE``: SQLite serialises all writers),
        or join the group another thread of this process opened (see Notes).

        Parameters
        ----------
        lock
            Ignored: the immediate transaction already excludes every other writer.

        Yields
        ------
        Tx
            The transaction; when the block ends the block's statements are committed
            (this returns once they are durable), on an exception they are rolled back.

        Raises
        ------
        sqlite3.OperationalError
            When the group's commit fails (nothing of the block is stored).
        """
        del lock
        if self._in_body == threading.get_ident():  # inside this thread's own write block
            with self._lock, self._nested() as tx:
                yield tx
            return
        with self._gate:
            self._queued += 1
        self._lock.acquire()
        with self._gate:
            self._queued -= 1
        group, joined, committer = self._group, False, False
        try:
            if group is None:
                self._group = group = self._open_group()
            group.members += 1
            self._in_body = threading.get_ident()
            try:
                if group.members > 1:
                    self._conn.execute("SAVEPOINT member")
                    joined = True
                yield _SQLiteTx(self._conn)
                if joined:
                    self._conn.execute("RELEASE member")
            except BaseException as exc:
                self._undo(group, joined, exc)
                raise
            finally:
                self._in_body = None
                if self._group is group:  # still open: commit it unless others wait to join
                    with self._gate:
                        committer = self._queued == 0 or group.members >= GROUP_MAX
                    if committer:
                        self._end_group(group)
        finally:
            self._lock.release()
        self._await(group)
        if committer:
            self._maybe_checkpoint()

    @contextmanager
    def _nested(self) -> Iterator[Tx]:
        """A write block inside another of the same thread: a savepoint of its own."""
        self._conn.execute("SAVEPOINT nested")
        try:
            yield _SQLiteTx(self._conn)
        except BaseException:
            self._conn.execute("ROLLBACK TO nested")
            self._conn.execute("RELEASE nested")
            raise
        self._conn.execute("RELEASE nested")

    def _open_group(self) -> _Group:
        """Take the writers' file lock and begin an immediate transaction."""
        locked = self._lock_file()
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except BaseException:
            if locked and self._lock_fd is not None:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            raise
        return _Group(locked=locked)

    def _undo(self, group: _Group, joined: bool, failure: BaseException) -> None:
        """Roll back a failed block: to its savepoint when it joined a group (the others'
        blocks stay), else, or when that fails or SQLite rolled the whole group back, the
        group."""
        if joined and self._conn.in_transaction:
            try:
                self._conn.execute("ROLLBACK TO member")
                self._conn.execute("RELEASE member")
                return
            except sqlite3.Error as exc:
                failure = exc
        self._end_group(group, failure)

    def _end_group(self, group: _Group, failure: BaseException | None = None) -> None:
        """Commit the group (roll it back after ``failure``), release the writers' file lock
        and wake its members; a failed commit is each member's error (under ``_lock``)."""
        self._group = None
        try:
            if failure is None:
                self._conn.execute("COMMIT")
                self.commits += 1
            elif self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
        except BaseException as exc:
            failure = exc
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
        finally:
            if group.locked and self._lock_fd is not None:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            group.failure = failure
            group.done.set()

    def _await(self, group: _Group) -> None:
        """Return once the group is committed; raise if it was not."""
        while not group.done.wait(1.0):  # its last block commits it; this is a safety net
            with self._lock:  # no block is running: close the group if nobody did
                if self._group is group:
                    logger.warning("a write group of %s was left open; committed", self.path)
                    self._end_group(group)
        if group.failure is not None:
            raise sqlite3.OperationalError(
                f"the write was not stored: {group.failure}") from group.failure

    def _settle(self) -> None:
        """Commit an open group before another use of the connection (under ``_lock``), not
        from inside a write block (a read there sees its own transaction)."""
        group = self._group
        if group is not None and self._in_body != threading.get_ident():
            self._end_group(group)

    def _maybe_checkpoint(self) -> None:
        """Checkpoint after :data:`CHECKPOINT_CHANGES` rows written since the last one."""
        changes = self._conn.total_changes
        if changes - self._checkpointed_at >= CHECKPOINT_CHANGES:
            self._checkpointed_at = changes
            self._checkpoint()

    def _checkpoint(self) -> None:
        """Copy the write-ahead log into the file without waiting for or blocking writers
        (``PRAGMA wal_checkpoint(PASSIVE)``) on the checkpointing connection; skipped while
        this or another process is checkpointing."""
        if not self._checkpoint_lock.acquire(blocking=False):
            return
        try:
            if self._checkpointer is None:
                self._checkpointer = sqlite3.connect(
                    self.path, isolation_level=None, check_same_thread=False)
                self._checkpointer.execute("PRAGMA busy_timeout = 0")
            busy, log, copied = self._checkpointer.execute(
                "PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            logger.debug("checkpoint of %s: %s of %s frames%s", self.path.name, copied, log,
                         " (busy)" if busy else "")
        except sqlite3.OperationalError as exc:  # another checkpoint runs: the next one will do
            logger.debug("checkpoint of %s skipped: %s", self.path.name, exc)
        finally:
            self._checkpoint_lock.release()

    def read_at_once(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run one read statement in a read transaction of its own (inside a transaction:
        in that one); its rows."""
        with self._lock:
            if threading.get_ident() in (self._in_body, self._in_read):  # nested: that one
                return _SQLiteTx(self._conn).fetchall(sql, params)
            with self.read() as tx:
                return tx.fetchall(sql, params)

    def write_at_once(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """Run one statement in a write transaction of its own; its first row."""
        with self.write() as tx:
            return tx.fetchone(sql, params)

    def _lock_file(self) -> bool:
        """Take the writers' file lock (``<db>.lock``), polling briefly until the busy timeout.

        SQLite's busy handler backs off to 100 ms sleeps under contention; queueing the
        processes of this app on a file lock first keeps many concurrent writers fast.
        ``BEGIN IMMEDIATE`` with the busy timeout still guards against any other writer.

        Returns
        -------
        bool
            Whether the lock is held (False without ``fcntl`` or after the timeout).
        """
        if self._lock_fd is None:
            return False
        deadline = time.monotonic() + self._busy_timeout
        while True:
            try:
                fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return False
                time.sleep(random.uniform(0.0002, 0.002))  # noqa: S311 - jitter, not crypto

    def refresh_statistics(self) -> bool:
        """ANALYZE when the comments table's statistics are missing or off by 2x.

        Without statistics SQLite plans ``parent_id IS NULL`` through the reply index and the
        map summary through a table scan (140 ms instead of 35 ms at 100,000 comments)."""
        with self._lock:
            self._settle()
            have = self._conn.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone()
            stat = self._conn.execute(
                "SELECT stat FROM sqlite_stat1 WHERE tbl = 'comments' LIMIT 1"
            ).fetchone() if have else None
            # the highest id stands for the row count: O(log n), where COUNT(*) reads the table
            # (and an import checks after every batch)
            rows = int(self._conn.execute("SELECT COALESCE(MAX(id), 0) FROM comments"
                                          ).fetchone()[0])
            known = int(str(stat[0]).split()[0]) if stat else -1
            if rows < 1000 or (known > 0 and known / 2 <= rows <= known * 2):
                return False
            self._conn.execute("ANALYZE")
            return True

    def integrity_check(self) -> list[str]:
        """Run ``PRAGMA integrity_check`` and ``PRAGMA foreign_key_check``.

        Returns
        -------
        list of str
            Problems found; empty when the file is sound.
        """
        with self._lock:
            self._settle()
            rows = self._conn.execute("PRAGMA integrity_check").fetchall()
            problems = [str(r[0]) for r in rows if str(r[0]).lower() != "ok"]
            fk = self._conn.execute("PRAGMA foreign_key_check").fetchall()
            problems += [f"foreign key violation: {tuple(r)}" for r in fk]
        return problems

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock, self._checkpoint_lock:
            self._settle()
            if self._checkpointer is not None:
                self._checkpointer.close()
                self._checkpointer = None
            self._conn.close()
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None


class _PostgresTx:
    """A transaction on a psycopg connection; converts ``?`` placeholders to ``%s``.

    ``client`` (a client-side binding cursor of the same connection) is given when this object
    holds the outermost transaction, which :meth:`commit_with` may then commit."""

    def __init__(self, cursor: Any, client: Any = None) -> None:
        self._cur = cursor
        self._client = client
        self.committed = False

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("%", "%%").replace("?", "%s")

    def _cursor(self) -> Any:
        if self.committed:
            raise RuntimeError("the transaction was committed by commit_with()")
        return self._cur

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._cursor().execute(self._sql(sql), list(params))

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        cur = self._cursor()
        cur.execute(self._sql(sql), list(params))
        return [tuple(r) for r in cur.fetchall()]

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        cur = self._cursor()
        cur.execute(self._sql(sql), list(params))
        row = cur.fetchone()
        return None if row is None else tuple(row)

    def commit_with(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        if self._client is None:  # a savepoint: the outer transaction commits
            return self.fetchone(sql, params)
        self._cursor()
        # one simple-protocol message (the values bound by psycopg, quoted as literals): the
        # server commits right after the statement, or skips the COMMIT when it fails
        self._client.execute(self._sql(sql) + "; COMMIT", list(params))
        self.committed = True
        row = self._client.fetchone()
        return None if row is None else tuple(row)


class PostgresBackend:
    """One psycopg 3 connection to PostgreSQL, optionally inside its own schema.

    Parameters
    ----------
    url
        A ``postgresql://`` connection URL.
    schema
        Schema to create (if missing) and use via ``search_path``; ``None`` keeps the
        server's default (normally ``public``).
    connect_timeout
        Seconds to wait for the server.
    """

    dialect: Dialect = "postgres"
    for_update = " FOR UPDATE"

    def __init__(self, url: str, *, schema: str | None = None, connect_timeout: int = 10) -> None:
        try:
            import psycopg
            from psycopg import sql
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise ImportError(
                "PostgreSQL support needs psycopg 3: pip install 'psycopg[binary]>=3.2'"
            ) from exc

        self._lock = threading.RLock()
        self.schema = schema
        self._conn = psycopg.connect(url, autocommit=True, connect_timeout=connect_timeout)
        self._prepared: dict[str, _Prepared] = {}  # write_at_once's statements, by SQL
        if schema is not None:
            ident = sql.Identifier(schema)
            with self._conn.transaction():
                self._conn.execute(
                    "SELECT pg_advisory_xact_lock(%s)", [_lock_id("create-schema:" + schema)]
                )
                self._conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(ident))
            self._conn.execute(sql.SQL("SET search_path TO {}").format(ident))
        self._conn.execute("SET TIME ZONE 'UTC'")

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """Open a read-only ``REPEATABLE READ`` transaction (one consistent snapshot).

        Yields
        ------
        Tx
            The transaction.
        """
        with self._lock, self._conn.cursor() as cur:
            if self._conn.info.transaction_status != _IDLE:  # inside a write: its snapshot
                with self._conn.transaction():
                    yield _PostgresTx(cur)
                return
            # one statement opens it (BEGIN and SET TRANSACTION were two round trips)
            cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                yield _PostgresTx(cur)
            except BaseException:
                self._rollback()
                raise
            cur.execute("COMMIT")

    @contextmanager
    def write(self, *, lock: str | None = None) -> Iterator[Tx]:
        """Open a ``READ COMMITTED`` transaction, first taking an advisory lock if named.

        ``BEGIN`` and the lock go to the server in one message, and the block may end the
        transaction with :meth:`Tx.commit_with` (its last statement and the ``COMMIT`` in one
        message): a post makes three round trips, not seven.

        Parameters
        ----------
        lock
            Name of a transaction-level advisory lock that serialises writers doing the
            same kind of change (for example one browser session's posts).

        Yields
        ------
        Tx
            The transaction; committed when the block ends, rolled back on an exception.
        """
        from psycopg import ClientCursor

        with self._lock:
            if self._conn.info.transaction_status != _IDLE:  # nested: a savepoint, as before
                with self._conn.transaction(), self._conn.cursor() as cur:
                    if lock is not None:
                        cur.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_id(lock)])
                    yield _PostgresTx(cur)
                return
            with self._conn.cursor() as cur, ClientCursor(self._conn) as client:
                try:
                    if lock is None:
                        client.execute("BEGIN")
                    else:
                        client.execute("BEGIN; SELECT pg_advisory_xact_lock(%s)",
                                       [_lock_id(lock)])
                    tx = _PostgresTx(cur, client)
                    yield tx
                    if not tx.committed:
                        client.execute("COMMIT")
                except BaseException:
                    self._rollback()
                    raise

    def read_at_once(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run one read statement alone; its rows.

        In autocommit the statement is sent alone and sees one snapshot of its own: one
        round trip where :meth:`read` takes three (``BEGIN``, the statement, ``COMMIT``;
        0.14 against 0.48 ms for the data version here). Inside a transaction it runs in
        that one.
        """
        with self._lock:
            if self._conn.info.transaction_status != _IDLE:  # nested: the open snapshot
                with self.read() as tx:
                    return tx.fetchall(sql, params)
            return [tuple(r) for r in
                    self._conn.execute(_PostgresTx._sql(sql), list(params)).fetchall()]

    def write_at_once(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """Run one statement as a transaction of its own; its first row.

        The connection is in autocommit mode, so the statement is sent alone (no ``BEGIN``,
        no ``COMMIT``: one round trip) and commits when it ends, or rolls back when it fails.
        It is prepared on the connection the first time (:class:`_Prepared`), so the server
        plans it once. Inside another write transaction it runs in that one.
        """
        with self._lock:
            if self._conn.info.transaction_status != _IDLE:  # nested
                with self.write() as tx:
                    return tx.fetchone(sql, params)
            prepared = self._prepared.get(sql)
            if prepared is None:
                if len(self._prepared) >= _MAX_PREPARED:  # callers pass constants; bounded
                    row = self._conn.execute(_PostgresTx._sql(sql), list(params)).fetchone()
                    return None if row is None else tuple(row)
                prepared = self._prepared[sql] = _Prepared(
                    self._conn, sql, f"diorama_at_once_{len(self._prepared)}")
            return prepared.first_row(params)

    def _rollback(self) -> None:
        """Roll back the open transaction, if any (after an error in a write block)."""
        if self._conn.info.transaction_status not in (_IN_TRANSACTION, _IN_ERROR):
            return  # committed, never begun, or the connection is lost
        try:
            self._conn.execute("ROLLBACK")
        except Exception:  # the block's own error is the one to report
            logger.warning("rollback failed on the PostgreSQL store", exc_info=True)

    def refresh_statistics(self) -> bool:
        """PostgreSQL's autovacuum keeps the statistics; nothing to do."""
        return False

    def integrity_check(self) -> list[str]:
        """Check that the server answers and the tables can be read.

        Returns
        -------
        list of str
            Problems found; empty when sound.
        """
        with self.read() as tx:
            row = tx.fetchone("SELECT 1 FROM comments LIMIT 1")
            del row
            one = tx.fetchone("SELECT 1")
        return [] if one == (1,) else [f"unexpected answer {one!r} to SELECT 1"]

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock:
            self._conn.close()


# libpq's transaction states (psycopg.pq.TransactionStatus), without importing psycopg here
_IDLE, _IN_TRANSACTION, _IN_ERROR = 0, 2, 3
_MAX_PREPARED = 16
"""Statements :meth:`PostgresBackend.write_at_once` keeps prepared on its connection."""
_NO_SUCH_STATEMENT = b"26000"  # SQLSTATE invalid_sql_statement_name


class _Prepared:
    """One statement prepared on a psycopg connection and run through libpq directly
    (``PGconn.exec_prepared``), its parameters dumped and its row loaded by psycopg's own
    adapters (a ``Transformer`` of the connection). The caller holds the connection's lock.

    A comment is posted in one such statement. psycopg's cursor sends it the same way, through
    generators and a wait loop written in Python: with 8 writer processes sharing 2 cores with
    the server, the writers spent 0.36-0.52 ms of CPU a comment that way and 0.17-0.35 ms this
    way, and were acknowledged 1,550-2,193 and 1,775-2,444 times a second (six alternating
    rounds on copies of the 100,000-comment city, durable server). libpq waits for the answer
    with Python's lock released, as psycopg's wait does.
    """

    def __init__(self, conn: Any, sql: str, name: str) -> None:
        from psycopg.adapt import PyFormat, Transformer

        self._conn, self._name = conn, name.encode()
        self._adapt = Transformer(conn)
        parts = sql.split("?")  # as _PostgresTx._sql: the statements bind with ? only
        self._formats = [PyFormat.TEXT] * (len(parts) - 1)
        self._sql = ("".join(f"{part}${i}" for i, part in enumerate(parts[:-1], 1))
                     + parts[-1]).encode()
        self._prepare()

    def _prepare(self) -> None:
        """Prepare the statement on the connection (again)."""
        from psycopg import pq

        self._check(self._conn.pgconn.prepare(self._name, self._sql, None),
                    pq.ExecStatus.COMMAND_OK)

    def _check(self, result: Any, *ok: Any) -> None:
        """Raise the psycopg error of a failed ``result``, as its cursor would: the server's
        error by its SQLSTATE, or ``OperationalError`` when the connection is lost (what the
        pages take for "the database is unavailable")."""
        if result.status in ok:
            return
        from psycopg import OperationalError, pq
        from psycopg.errors import error_from_result

        encoding = self._conn.info.encoding
        if self._conn.pgconn.status != pq.ConnStatus.OK:
            raise OperationalError(result.get_error_message(encoding)
                                   or "the connection to the server was lost")
        raise error_from_result(result, encoding=encoding)

    def first_row(self, params: Sequence[Any]) -> Row | None:
        """Run the statement with ``params``; its first row (None without one)."""
        from psycopg import pq

        values = self._adapt.dump_sequence(list(params), self._formats)
        result = self._conn.pgconn.exec_prepared(self._name, values)
        if (result.status == pq.ExecStatus.FATAL_ERROR  # nothing ran: prepare it again
                and result.error_field(pq.DiagnosticField.SQLSTATE) == _NO_SUCH_STATEMENT):
            # psycopg deallocates every statement of its connection after a ROLLBACK, a DROP
            # or an ALTER it runs (its own, and so this one)
            self._prepare()
            result = self._conn.pgconn.exec_prepared(self._name, values)
        self._check(result, pq.ExecStatus.TUPLES_OK, pq.ExecStatus.COMMAND_OK)
        if not result.ntuples:  # no row, or a statement that returns none
            return None
        self._adapt.set_pgresult(result)
        return tuple(self._adapt.load_row(0, tuple))


def _lock_id(name: str) -> int:
    """Map a lock name to a signed 64-bit advisory-lock key (stable across processes)."""
    value = zlib.crc32(name.encode()) | (zlib.adler32(name.encode()) << 32)
    return value - (1 << 64) if value >= (1 << 63) else value


def apply_migrations(backend: Backend, *, now: datetime | None = None) -> list[int]:
    """Bring the schema up to date; each pending step runs in its own transaction.

    Safe to call from many processes at once and on every start: applied steps are
    recorded in ``schema_migrations`` and skipped.

    Parameters
    ----------
    backend
        The database.
    now
        Time recorded as ``applied_at`` (default: now).

    Returns
    -------
    list of int
        Versions applied by this call (empty when the schema was already current).

    Raises
    ------
    SchemaTooNew
        If the database has a step this code does not know (the app is older than the
        database).
    """
    applied_now: list[int] = []
    known = {m.version for m in MIGRATIONS}
    for migration in MIGRATIONS:
        with backend.write(lock="diorama-schema-migrations") as tx:
            tx.execute(migration_table_sql(backend.dialect))
            applied = {int(r[0]) for r in tx.fetchall("SELECT version FROM schema_migrations")}
            unknown = sorted(applied - known)
            if unknown:
                raise SchemaTooNew(
                    "データベースがこのアプリより新しい版で更新されています。アプリを更新してください。",
                    f"The database has schema version(s) {unknown} that this app does not know; "
                    "upgrade the app.",
                )
            if migration.version in applied:
                continue
            for statement in migration.statements(backend.dialect):
                tx.execute(statement)
            if migration.backfill is not None:
                migration.backfill(tx)
            tx.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                [migration.version, migration.name, now or datetime.now(UTC)],
            )
            applied_now.append(migration.version)
        logger.info("schema migration %d (%s) applied to the %s store", migration.version,
                    migration.name, backend.dialect)
    return applied_now
