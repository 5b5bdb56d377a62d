"""Helpers for the comment-store tests: backends, raw SQL access and worker processes."""

from __future__ import annotations

import importlib.util
import os
import sqlite3
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

# Make the project importable when pytest runs without the package installed; spawned
# worker processes inherit this sys.path.
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import h3  # noqa: E402

from geo.participation.store import Store, open_store  # noqa: E402

PG_ENV = "DIORAMA_TEST_PG_URL"
PG_SKIP_REASON = (
    "PostgreSQL variant skipped: set DIORAMA_TEST_PG_URL to a postgresql:// URL "
    "(e.g. export DIORAMA_TEST_PG_URL=$(bash scripts/postgres.sh start))"
)

# A test point (Tokyo Station). Its coordinates must never appear in the database or exports.
TEST_LAT = 35.681236
TEST_LNG = 139.767125
TEST_CELL = h3.latlng_to_cell(TEST_LAT, TEST_LNG, 10)
CITY = "13101"


def backend_params() -> list[Any]:
    """Pytest params for the two backends (PostgreSQL marked ``postgres``)."""
    import pytest

    return [
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]


@dataclass
class Target:
    """Where a test store lives: an SQLite file, or a private schema on PostgreSQL."""

    backend: str
    location: str
    schema: str | None = None

    def open(self, **options: Any) -> Store:
        """Open a store on this target (each call a new connection)."""
        if self.schema is not None:
            options.setdefault("schema", self.schema)
        return open_store(self.location, **options)

    def raw(self, sql: str, params: Sequence[Any] = (),
            setup: Sequence[str] = ()) -> list[tuple[Any, ...]]:
        """Run SQL on a fresh connection outside the store, after the ``setup`` statements
        (PostgreSQL settings of that connection); commit; return rows if any."""
        if self.backend == "sqlite":
            conn = sqlite3.connect(self.location, isolation_level=None)
            try:
                cur = conn.execute(sql, list(params))
                return [tuple(r) for r in cur.fetchall()]
            finally:
                conn.close()
        import psycopg
        from psycopg import sql as pgsql

        with psycopg.connect(self.location, autocommit=True) as pg:
            pg.execute(pgsql.SQL("SET search_path TO {}").format(pgsql.Identifier(self.schema)))
            for statement in setup:
                pg.execute(statement)
            cur = pg.execute(sql.replace("?", "%s"), list(params))
            return [tuple(r) for r in cur.fetchall()] if cur.description else []

    def drop(self) -> None:
        """Remove the PostgreSQL schema (SQLite files go with tmp_path)."""
        if self.backend != "postgres":
            return
        import psycopg
        from psycopg import sql as pgsql

        with psycopg.connect(self.location, autocommit=True) as pg:
            pg.execute(
                pgsql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(pgsql.Identifier(self.schema))
            )

    def spec(self) -> dict[str, Any]:
        """A picklable description for worker processes."""
        return {"backend": self.backend, "location": self.location, "schema": self.schema}


def make_target(backend: str, tmp_path: Path) -> Target:
    """Create a target for ``backend``, skipping the PostgreSQL one without a server URL."""
    if backend == "sqlite":
        return Target("sqlite", str(tmp_path / "comments.sqlite3"))
    import pytest

    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(PG_SKIP_REASON)
    if importlib.util.find_spec("psycopg") is None:
        pytest.skip("PostgreSQL variant skipped: psycopg is not installed (psycopg[binary]>=3.2)")
    return Target("postgres", url, schema="test_" + uuid.uuid4().hex[:16])


#: Join-link token of the group that made each test scenario (see :func:`register_scenario`).
SCENARIO_TOKENS: dict[str, str] = {}


def schema_before(monkeypatch: Any, version: int) -> None:
    """Open stores with the schema as it stood before ``version`` (until ``monkeypatch.undo``),
    for a test that fills a database the old way and then migrates it.

    Before version 17 a city's data version was one row (no shards): the store bumps it the
    way it then did."""
    from geo.participation.store import backends, base, migrations

    monkeypatch.setattr(backends, "MIGRATIONS",
                        tuple(m for m in migrations.MIGRATIONS if m.version < version))
    if version <= 17:  # the shard is bound but not stored
        monkeypatch.setattr(base, "BUMP_SQL", (
            "INSERT INTO data_versions (city, version) SELECT {city}, 1 WHERE {shard} >= 0 "
            "ON CONFLICT (city) DO UPDATE SET version = data_versions.version + 1"))


def register_scenario(scenario_id: str, group_token: str) -> str:
    """Remember the group token of a test scenario: :func:`comment_args` then passes it with
    that ``scenario_id`` (a comment on a scenario needs a working join link of its session)."""
    SCENARIO_TOKENS[scenario_id] = group_token
    return scenario_id


def established(store: Store, *sessions: str, ago: timedelta = timedelta(hours=1)) -> None:
    """Make browser sessions look like people who have been around: first seen ``ago`` before
    now and having done something (their reports then count towards the automatic hide)."""
    for session in sessions:
        store.record_activity(session_id=session, now=datetime.now(UTC) - ago)


def comment_args(**overrides: Any) -> dict[str, Any]:
    """Keyword arguments of a valid ``post_comment`` call, with a fresh idempotency key (and
    the group token of a registered scenario named by ``scenario_id``)."""
    args: dict[str, Any] = {
        "idempotency_key": uuid.uuid4().hex,
        "session_id": "session-a",
        "cell": TEST_CELL,
        "factor": "mobility",
        "kind": "concern",
        "text": "歩道が狭くてベビーカーが通れません。",
        "city": CITY,
        "consent": True,
    }
    args.update(overrides)
    token = SCENARIO_TOKENS.get(str(args.get("scenario_id")))
    if token is not None:
        args.setdefault("group_token", token)
    return args


# -- worker processes (spawned: they import only this module, geo.store and h3) ---------


def concurrent_poster(
    spec: dict[str, Any],
    index: int,
    own: int,
    shared_keys: list[str],
    barrier: Any,
    results: Any,
) -> None:
    """Wait for all workers, then open the store and post own and shared comments.

    Every comment is posted twice (a client retry). Each acknowledgement is sent to
    ``results`` as ``(key, comment_id, created)``; finally ``("done", index, None)``.
    """
    target = Target(**spec)
    barrier.wait(timeout=60)
    store = target.open(rate_limit=None)
    try:
        keys = [f"w{index}-c{i}" for i in range(own)]
        plan = [(k, f"session-{index}") for k in keys] + [(k, "shared") for k in shared_keys]
        for key, session in plan + plan:
            result = store.post_comment(
                idempotency_key=key,
                session_id=session,
                cell=TEST_CELL,
                factor="mobility",
                kind="idea",
                text=f"{key} from worker {index}",
                city=CITY,
                consent=True,
            )
            results.put((key, result.comment_id, result.created))
    finally:
        store.close()
    results.put(("done", index, None))


def crash_poster(spec: dict[str, Any], start: int, ack_path: str, ready_path: str) -> None:
    """Post comments ``k{start}``, ``k{start+1}``, ... forever, logging each acknowledgement.

    The key is appended to ``ack_path`` (unbuffered) only after ``post_comment`` returned,
    as a client would record a success; the parent kills this process with SIGKILL.
    """
    target = Target(**spec)
    store = target.open(rate_limit=None)
    Path(ready_path).touch()
    fd = os.open(ack_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    i = start
    while True:
        key = f"k{i}"
        store.post_comment(
            idempotency_key=key,
            session_id="crash-session",
            cell=TEST_CELL,
            factor="mobility",
            kind="good",
            text=f"comment {i} " + "あ" * (i % 50),
            city=CITY,
            consent=True,
        )
        os.write(fd, f"{key}\n".encode())
        i += 1


@contextmanager
def light_spawn() -> Iterator[None]:
    """Start spawned children without re-running the parent's ``__main__`` (pytest's).

    ``multiprocessing`` (spawn) imports the parent's main module in every child; under
    pytest that is pytest itself, about a second per child when 20 start at once on 2
    cores. The workers live in this module, so the children do not need it.
    """
    main = sys.modules["__main__"]
    saved = dict(vars(main))
    main.__spec__ = None
    main.__dict__.pop("__file__", None)
    try:
        yield
    finally:
        main.__spec__ = saved.get("__spec__")
        if "__file__" in saved:
            main.__file__ = saved["__file__"]


def wait_for(path: Path, timeout: float) -> None:
    """Wait until ``path`` exists."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} did not appear within {timeout} s")
        time.sleep(0.01)
