"""The comment store: post, +1, reply, report, moderate, list, summarise, purge and export.

:class:`Store` is composed of one part per concern — posting and reactions
(:mod:`geo.participation.store.comments`), reports, moderation, deletion and purge
(:mod:`geo.participation.store.moderation`), reading and exports
(:mod:`geo.participation.store.queries`) — on the shared state and helpers of
:mod:`geo.participation.store.base`. This module opens it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import Final

from geo.participation.store.backends import (
    Backend,
    PostgresBackend,
    SQLiteBackend,
    apply_migrations,
)
from geo.participation.store.comments import CommentsMixin
from geo.participation.store.models import FACTOR_KEYS
from geo.participation.store.moderation import ModerationMixin
from geo.participation.store.queries import QueriesMixin, comments_to_frame
from geo.settings import DATA_DIR_ENV, DATABASE_URL_ENV, DEFAULT_DATA_DIR, settings

__all__ = [
    "DATABASE_URL_ENV",
    "DATA_DIR_ENV",
    "DEFAULT_DATA_DIR",
    "SQLITE_FILENAME",
    "Store",
    "comments_to_frame",
    "open_store",
]

SQLITE_FILENAME: Final = "comments.sqlite3"
"""Name of the SQLite file inside the data folder."""


class Store(CommentsMixin, ModerationMixin, QueriesMixin):
    """Citizens' comments on the map, on SQLite or PostgreSQL; open it with :func:`open_store`.

    A store may be shared by the threads of one process (calls are serialised); every
    process opens its own. Comments carry an H3 cell, never coordinates, and no IP address
    or raw session id is stored.

    Parameters
    ----------
    backend
        The database connection.
    rate_limit
        Comments one browser session may post per ``rate_window_seconds``; ``None`` or 0
        disables the limit.
    rate_window_seconds
        Length of the rate-limit window.
    report_threshold
        Number of distinct sessions whose reports hide a comment automatically.
    factors
        Accepted Well-Being factor keys (default: the 24 of ``FACTORS``).
    """

    def __init__(
        self,
        backend: Backend,
        *,
        rate_limit: int | None = 5,
        rate_window_seconds: float = 60.0,
        report_threshold: int = 3,
        factors: Iterable[str] | None = None,
    ) -> None:
        if rate_limit is not None and rate_limit < 0:
            raise ValueError("rate_limit must be >= 0 or None")
        if rate_window_seconds <= 0:
            raise ValueError("rate_window_seconds must be > 0")
        if report_threshold < 1:
            raise ValueError("report_threshold must be >= 1")
        self._backend = backend
        self.rate_limit = rate_limit or None
        self.rate_window = timedelta(seconds=rate_window_seconds)
        self.report_threshold = report_threshold
        self.factors = frozenset(FACTOR_KEYS if factors is None else factors)
        self.migrations_applied = apply_migrations(backend)
        backend.refresh_statistics()

    # -- lifecycle -------------------------------------------------------------------

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgres"``."""
        return self._backend.dialect

    @property
    def backend(self) -> Backend:
        """The database connection (for companion stores such as
        :mod:`geo.participation.store.workshop`)."""
        return self._backend

    @property
    def path(self) -> Path | None:
        """The SQLite file, or ``None`` on PostgreSQL."""
        return self._backend.path if isinstance(self._backend, SQLiteBackend) else None

    def close(self) -> None:
        """Close the database connection."""
        self._backend.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def integrity_check(self) -> bool:
        """Check the database.

        On SQLite runs ``PRAGMA integrity_check`` and ``PRAGMA foreign_key_check``; on
        PostgreSQL checks that the server answers and the tables can be read.

        Returns
        -------
        bool
            True when no problem was found.
        """
        return not self._backend.integrity_check()


def open_store(
    url_or_path: str | os.PathLike[str] | None = None,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    schema: str | None = None,
    rate_limit: int | None = 5,
    rate_window_seconds: float = 60.0,
    report_threshold: int = 3,
    factors: Iterable[str] | None = None,
    synchronous: str = "FULL",
    busy_timeout: float = 10.0,
) -> Store:
    """Open (and create or migrate) the comment store.

    Resolution order: ``url_or_path``; else ``$DIORAMA_DATABASE_URL``; else the SQLite
    file ``comments.sqlite3`` in ``data_dir``, ``$DIORAMA_DATA_DIR`` or ``./var``.
    A ``postgresql://`` (or ``postgres://``) URL selects PostgreSQL; ``sqlite:///path``, a
    file path or a folder selects SQLite.

    Parameters
    ----------
    url_or_path
        Database URL, SQLite file or folder.
    data_dir
        Folder of the SQLite file when no path is given.
    schema
        PostgreSQL schema to create and use (default: the server's ``search_path``).
    rate_limit
        Comments per session per window; ``None`` or 0 disables the limit.
    rate_window_seconds
        Rate-limit window.
    report_threshold
        Distinct reporting sessions that hide a comment automatically.
    factors
        Accepted factor keys (default: the 24 built-in ones).
    synchronous
        SQLite ``PRAGMA synchronous`` (``"FULL"`` or ``"NORMAL"``).
    busy_timeout
        Seconds a SQLite writer waits for another process.

    Returns
    -------
    Store
        The open store; close it with :meth:`Store.close` or a ``with`` block.
    """
    target: str | None = None if url_or_path is None else os.fspath(url_or_path)
    if target is None:
        target = settings().database_url
    backend: Backend
    if target is not None and target.startswith(("postgresql://", "postgres://")):
        backend = PostgresBackend(target, schema=schema)
    else:
        if target is None:
            path = Path(data_dir if data_dir is not None else settings().data_dir) / SQLITE_FILENAME
        else:
            if target.startswith("sqlite:///"):
                target = target[len("sqlite:///") :]
            path = Path(target)
            if path.is_dir() or target.endswith(("/", os.sep)):
                path = path / SQLITE_FILENAME
        backend = SQLiteBackend(path, busy_timeout=busy_timeout, synchronous=synchronous)
    try:
        return Store(
            backend,
            rate_limit=rate_limit,
            rate_window_seconds=rate_window_seconds,
            report_threshold=report_threshold,
            factors=factors,
        )
    except BaseException:
        backend.close()
        raise
