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
from typing import Any, Final

from geo.participation.store.backends import (
    Backend,
    PostgresBackend,
    SQLiteBackend,
    apply_migrations,
)
from geo.participation.store.comments import CommentsMixin
from geo.participation.store.guards import Backoff
from geo.participation.store.models import FACTOR_KEYS
from geo.participation.store.moderation import ModerationMixin
from geo.participation.store.photos import PhotosMixin
from geo.participation.store.proposals import ProposalsMixin
from geo.participation.store.queries import QueriesMixin, comments_to_frame
from geo.participation.store.security import SecurityMixin
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

DEFAULT_LOGIN_BACKOFF: Final = Backoff(free=5, base=1.0, factor=2.0, cap=60.0)
"""Failed attempts at a secret from every session together: 5 free, then 1 s, 2 s, 4 s …,
at most a minute, so that an attacker's sessions cannot lock the moderators out for longer."""
DEFAULT_SESSION_BACKOFF: Final = Backoff(free=5, base=1.0, factor=2.0, cap=900.0)
"""Failed attempts from one browser session: 5 free, then 1 s, 2 s, 4 s …, at most 15 minutes."""

_FROM_SETTINGS: Final = -1


class Store(CommentsMixin, ModerationMixin, QueriesMixin, SecurityMixin, PhotosMixin,
            ProposalsMixin):
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
        Length of the rate-limit window (per session and per city).
    city_rate_limit
        Comments one city may receive per window from all sessions together (checked in
        the writing transaction, so it holds across processes); ``None`` or 0: no ceiling.
    report_threshold
        Number of distinct sessions whose reports hide a comment automatically.
    report_min_age_seconds, report_min_actions
        A report counts towards the automatic hide only from a session first seen at least
        this long before it and that posted, replied or +1'd at least this often; other
        reports put the comment in the moderators' queue without hiding it.
    login_backoff, login_backoff_session
        Back-off of failed attempts at a secret from all sessions together, and from one.
    factors
        Accepted Well-Being factor keys (default: the 24 of ``FACTORS``).
    """

    def __init__(
        self,
        backend: Backend,
        *,
        rate_limit: int | None = 5,
        rate_window_seconds: float = 60.0,
        city_rate_limit: int | None = None,
        report_threshold: int = 3,
        report_min_age_seconds: float = 600.0,
        report_min_actions: int = 1,
        login_backoff: Backoff = DEFAULT_LOGIN_BACKOFF,
        login_backoff_session: Backoff = DEFAULT_SESSION_BACKOFF,
        factors: Iterable[str] | None = None,
    ) -> None:
        for name, value in (("rate_limit", rate_limit), ("city_rate_limit", city_rate_limit)):
            if value is not None and value < 0:
                raise ValueError(f"{name} must be >= 0 or None")
        if rate_window_seconds <= 0:
            raise ValueError("rate_window_seconds must be > 0")
        if report_threshold < 1:
            raise ValueError("report_threshold must be >= 1")
        if report_min_age_seconds < 0 or report_min_actions < 0:
            raise ValueError("report_min_age_seconds and report_min_actions must be >= 0")
        self._backend = backend
        self.rate_limit = rate_limit or None
        self.rate_window = timedelta(seconds=rate_window_seconds)
        self.city_rate_limit = city_rate_limit or None
        self.report_threshold = report_threshold
        self.report_min_age = timedelta(seconds=report_min_age_seconds)
        self.report_min_actions = report_min_actions
        self.login_backoff = login_backoff
        self.login_backoff_session = login_backoff_session
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
    city_rate_limit: int | None = _FROM_SETTINGS,
    report_threshold: int = 3,
    factors: Iterable[str] | None = None,
    synchronous: str = "FULL", busy_timeout: float = 10.0, **options: Any,
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
    rate_limit, rate_window_seconds
        Comments per session per window (``None`` or 0: no limit); the window.
    city_rate_limit
        Comments per city per window from all sessions (``None`` or 0: no ceiling); by default
        ``DIORAMA_CITY_COMMENTS_PER_MINUTE``, or none when ``rate_limit`` is None.
    report_threshold
        Distinct reporting sessions that hide a comment automatically.
    factors
        Accepted factor keys (default: the 24 built-in ones).
    synchronous
        SQLite ``PRAGMA synchronous`` (``"FULL"`` or ``"NORMAL"``).
    busy_timeout
        Seconds a SQLite writer waits for another process.
    **options
        Further :class:`Store` parameters (the report and login guards).

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
        if city_rate_limit == _FROM_SETTINGS:
            city_rate_limit = _city_ceiling(rate_limit, rate_window_seconds)
        return Store(
            backend,
            rate_limit=rate_limit,
            rate_window_seconds=rate_window_seconds,
            city_rate_limit=city_rate_limit,
            report_threshold=report_threshold,
            factors=factors,
            **options,
        )
    except BaseException:
        backend.close()
        raise


def _city_ceiling(rate_limit: int | None, window_seconds: float) -> int | None:
    """The city's ceiling per window from ``DIORAMA_CITY_COMMENTS_PER_MINUTE``; none when the
    per-session limit is off too (imports, benchmarks and seeding open the store so)."""
    per_minute = settings().city_comments_per_minute
    if not rate_limit or not per_minute:
        return None
    return max(1, round(per_minute * window_seconds / 60))
