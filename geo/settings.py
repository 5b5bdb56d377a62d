"""Settings read from the environment in one place, and where the shipped data lives.

Every ``DIORAMA_*`` variable the project reads is a field of :class:`Settings`; nothing else
reads ``os.environ``. :func:`settings` parses the environment once and keeps the result for
as long as the variables it reads stay the same (so ``monkeypatch.setenv`` in a test is seen
at the next call, and a server whose environment never changes parses it exactly once);
:func:`reload` forgets the parsed value.

The library never imports Streamlit. The app passes its secrets in
(``settings(secrets=st.secrets)``): ``moderator_password`` is the one secret read by name.
Root-level ``DIORAMA_*`` keys of ``.streamlit/secrets.toml`` reach every other setting
through the environment, where Streamlit puts them.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

from geo.errors import DioramaError

__all__ = [
    "BUNDLE_DIR_ENV",
    "DATABASE_URL_ENV",
    "DATA_DIR_ENV",
    "DEFAULT_DATA_DIR",
    "DEFAULT_LOG_LEVEL",
    "DEFAULT_RETENTION_DAYS",
    "ENV_NAMES",
    "FRAMEWORK_DIR",
    "LOG_LEVEL_ENV",
    "MODERATOR_PASSWORD_ENV",
    "PROJECT_ROOT",
    "PUBLIC_URL_ENV",
    "RETENTION_DAYS_ENV",
    "SHIPPED_DATA",
    "SURVEY_MIN_N_DEFAULT",
    "SURVEY_MIN_N_ENV",
    "SURVEY_MIN_N_FLOOR",
    "Settings",
    "SettingsError",
    "configure_logging",
    "reload",
    "settings",
]

#: The project folder (the checkout): ``app.py`` and the shipped ``data/`` are here.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: Data shipped with the app: processed city bundles, the framework, the sample inputs.
SHIPPED_DATA = PROJECT_ROOT / "data"
#: The versioned Well-Being framework files (factors, survey columns, service catalogue).
FRAMEWORK_DIR = SHIPPED_DATA / "framework"

DATA_DIR_ENV: Final = "DIORAMA_DATA_DIR"
"""Folder of the SQLite comment store (when no database URL is set)."""
DATABASE_URL_ENV: Final = "DIORAMA_DATABASE_URL"
"""A ``postgresql://`` URL (or a SQLite path); when set, the comment store lives there."""
RETENTION_DAYS_ENV: Final = "DIORAMA_RETENTION_DAYS"
"""Days a comment is kept before the purge removes it."""
MODERATOR_PASSWORD_ENV: Final = "DIORAMA_MODERATOR_PASSWORD"  # noqa: S105 - a name, not a password
"""The moderators' password (the ``moderator_password`` secret wins over it)."""
PUBLIC_URL_ENV: Final = "DIORAMA_PUBLIC_URL"
"""Address the app is reached at from outside (workshop join links are made under it)."""
BUNDLE_DIR_ENV: Final = "DIORAMA_BUNDLE_DIR"
"""Folder holding ``raw/`` and the built city bundles."""
SURVEY_MIN_N_ENV: Final = "DIORAMA_SURVEY_MIN_N"
"""Smallest group of survey answers ever shown (can only be raised above the floor)."""
LOG_LEVEL_ENV: Final = "DIORAMA_LOG_LEVEL"
"""Level of the app's log (``DEBUG``, ``INFO``, ``WARNING``, ``ERROR``)."""

#: Every variable :func:`settings` reads.
ENV_NAMES: Final = (DATA_DIR_ENV, DATABASE_URL_ENV, RETENTION_DAYS_ENV, MODERATOR_PASSWORD_ENV,
                    PUBLIC_URL_ENV, BUNDLE_DIR_ENV, SURVEY_MIN_N_ENV, LOG_LEVEL_ENV)

#: Folder of the SQLite store when neither a path nor ``DIORAMA_DATA_DIR`` is given
#: (relative to the working directory, as ``streamlit run`` and the CLI are started).
DEFAULT_DATA_DIR: Final = Path("var")
#: Days a comment is kept when ``DIORAMA_RETENTION_DAYS`` is not set.
DEFAULT_RETENTION_DAYS: Final = 365
#: Smallest group of survey answers shown when ``DIORAMA_SURVEY_MIN_N`` is not set.
SURVEY_MIN_N_DEFAULT: Final = 10
#: ``DIORAMA_SURVEY_MIN_N`` can never lower the smallest group below this.
SURVEY_MIN_N_FLOOR: Final = 5
#: Level of the app's log when ``DIORAMA_LOG_LEVEL`` is not set.
DEFAULT_LOG_LEVEL: Final = "INFO"

_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class SettingsError(DioramaError, ValueError):
    """A ``DIORAMA_*`` variable holds a value that cannot be used."""


@dataclass(frozen=True)
class Settings:
    """Everything the deployment can configure; build it with :func:`settings`.

    Attributes
    ----------
    data_dir
        ``DIORAMA_DATA_DIR``: folder of the SQLite comment store (default ``var``).
    database_url
        ``DIORAMA_DATABASE_URL``: where the comment store lives instead, or None.
    retention_days
        ``DIORAMA_RETENTION_DAYS``: days a comment is kept (default 365).
    moderator_password
        The ``moderator_password`` secret, else ``DIORAMA_MODERATOR_PASSWORD``, or None.
    public_url
        ``DIORAMA_PUBLIC_URL``: the app's address from outside, or None.
    bundle_dir
        ``DIORAMA_BUNDLE_DIR``: folder of ``raw/`` and the city bundles (default: shipped data).
    survey_min_n
        ``DIORAMA_SURVEY_MIN_N``: smallest group of survey answers shown (default 10, at
        least 5; a value that is not a number is ignored).
    log_level
        ``DIORAMA_LOG_LEVEL``: level of the library's log, or None for the caller's default
        (``INFO`` in the app, ``WARNING`` on the command line, which prints its own report).
    """

    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str | None = None
    retention_days: int = DEFAULT_RETENTION_DAYS
    moderator_password: str | None = None
    public_url: str | None = None
    bundle_dir: Path = SHIPPED_DATA
    survey_min_n: int = SURVEY_MIN_N_DEFAULT
    log_level: str | None = None

    @property
    def store_location(self) -> str:
        """Where the comment store lives: the database URL, else the SQLite data folder."""
        return self.database_url or str(self.data_dir)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str],
                     secrets: Mapping[str, object] | None = None) -> Settings:
        """Parse the settings from ``environ`` (and ``secrets``), checking every value.

        Raises
        ------
        SettingsError
            When a variable holds a value that cannot be used.
        """
        def get(name: str) -> str | None:
            value = environ.get(name, "").strip()
            return value or None

        secret = (secrets or {}).get("moderator_password")
        data_dir = get(DATA_DIR_ENV)
        bundle_dir = get(BUNDLE_DIR_ENV)
        return cls(
            data_dir=Path(data_dir) if data_dir else DEFAULT_DATA_DIR,
            database_url=get(DATABASE_URL_ENV),
            retention_days=_retention_days(get(RETENTION_DAYS_ENV)),
            moderator_password=(str(secret) if secret else None) or get(MODERATOR_PASSWORD_ENV),
            public_url=get(PUBLIC_URL_ENV),
            bundle_dir=Path(bundle_dir) if bundle_dir else SHIPPED_DATA,
            survey_min_n=_survey_min_n(get(SURVEY_MIN_N_ENV)),
            log_level=_log_level(get(LOG_LEVEL_ENV)),
        )


def _retention_days(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_RETENTION_DAYS
    try:
        days = int(raw)
    except ValueError:
        days = 0
    if days <= 0:
        raise SettingsError(
            f"{RETENTION_DAYS_ENV} は正の整数(日数)にしてください(現在: {raw!r})。",
            f"{RETENTION_DAYS_ENV} must be a positive whole number of days (got {raw!r}).",
        )
    return days


def _survey_min_n(raw: str | None) -> int:
    if raw is None:
        return SURVEY_MIN_N_DEFAULT
    try:
        return max(SURVEY_MIN_N_FLOOR, int(raw))
    except ValueError:
        return SURVEY_MIN_N_DEFAULT


def _log_level(raw: str | None) -> str | None:
    if raw is None:
        return None
    level = raw.upper()
    if level not in _LOG_LEVELS:
        names = ", ".join(_LOG_LEVELS)
        raise SettingsError(
            f"{LOG_LEVEL_ENV} は {names} のいずれかにしてください(現在: {raw!r})。",
            f"{LOG_LEVEL_ENV} must be one of {names} (got {raw!r}).",
        )
    return level


def settings(secrets: Mapping[str, object] | None = None) -> Settings:
    """The current settings, parsed once per distinct environment.

    Parameters
    ----------
    secrets
        The app's secrets (``st.secrets``), when the caller has them; only
        ``moderator_password`` is read.
    """
    values = tuple(os.environ.get(name) for name in ENV_NAMES)
    secret = (secrets or {}).get("moderator_password")
    return _parsed(values, str(secret) if secret else None)


@lru_cache(maxsize=8)
def _parsed(values: tuple[str | None, ...], moderator_secret: str | None) -> Settings:
    environ = {name: value for name, value in zip(ENV_NAMES, values, strict=True)
               if value is not None}
    secrets = {"moderator_password": moderator_secret} if moderator_secret else None
    return Settings.from_environ(environ, secrets)


#: How the app's and the command line's log lines look.
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_HANDLER_NAME = "diorama"


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time (tests and tools replace it)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def configure_logging(default: str = DEFAULT_LOG_LEVEL) -> None:
    """Send the library's log (the ``geo`` loggers) to standard error at ``DIORAMA_LOG_LEVEL``,
    else at ``default``. Called once by the app and the command line, never on import;
    calling it again only changes the level.

    The library logs ids, counts and file names at INFO and above; citizens' text, nicknames
    and cell ids appear at DEBUG at most.
    """
    log = logging.getLogger("geo")
    log.setLevel(settings().log_level or default)
    if not any(h.get_name() == _HANDLER_NAME for h in log.handlers):
        handler = _StderrHandler()
        handler.set_name(_HANDLER_NAME)
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        log.addHandler(handler)


def reload() -> None:
    """Forget the parsed settings: the next :func:`settings` call reads the environment again."""
    _parsed.cache_clear()
