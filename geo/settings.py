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
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

from geo.errors import DioramaError

__all__ = [
    "BASEMAP_ATTRIBUTION_ENV",
    "BASEMAP_URL_ENV",
    "BUILD_MEMORY_ENV",
    "BUNDLE_DIR_ENV",
    "CITY_COMMENTS_ENV",
    "DATABASE_URL_ENV",
    "DATA_DIR_ENV",
    "DEFAULT_BASEMAP_ATTRIBUTION",
    "DEFAULT_BASEMAP_URL",
    "DEFAULT_BUILD_MEMORY_MB",
    "DEFAULT_CITY_COMMENTS_PER_MINUTE",
    "DEFAULT_DATA_DIR",
    "DEFAULT_LOG_LEVEL",
    "DEFAULT_PHOTO_MAX_MB",
    "DEFAULT_RETENTION_DAYS",
    "DEFAULT_UNPACKED_LIMIT_MB",
    "DEFAULT_UPLOAD_LIMITS_MB",
    "ENV_NAMES",
    "FRAMEWORK_DIR",
    "LOG_LEVEL_ENV",
    "MODERATOR_PASSWORD_ENV",
    "PHOTO_MAX_MB_ENV",
    "PROJECT_ROOT",
    "PUBLIC_URL_ENV",
    "RETENTION_DAYS_ENV",
    "SHIPPED_DATA",
    "SURVEY_MIN_N_DEFAULT",
    "SURVEY_MIN_N_ENV",
    "SURVEY_MIN_N_FLOOR",
    "UNPACKED_LIMIT_ENV",
    "UPLOAD_KINDS",
    "UPLOAD_LIMITS_ENV",
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
"""Folder where built cities (and their ``raw/`` files) are written; default
``$DIORAMA_DATA_DIR/cities``. The shipped cities stay in the package's ``data/``."""
SURVEY_MIN_N_ENV: Final = "DIORAMA_SURVEY_MIN_N"
"""Smallest group of survey answers ever shown (can only be raised above the floor)."""
LOG_LEVEL_ENV: Final = "DIORAMA_LOG_LEVEL"
"""Level of the app's log (``DEBUG``, ``INFO``, ``WARNING``, ``ERROR``)."""
CITY_COMMENTS_ENV: Final = "DIORAMA_CITY_COMMENTS_PER_MINUTE"
"""Comments one city may receive per minute from all sessions together (0: no ceiling)."""
UPLOAD_LIMITS_ENV: Final = "DIORAMA_UPLOAD_LIMITS_MB"
"""Largest file per upload kind, in MB, e.g. ``gtfs=500,survey=20`` (others keep defaults)."""
UNPACKED_LIMIT_ENV: Final = "DIORAMA_UNPACKED_LIMIT_MB"
"""Largest total size, in MB, that one zip archive may unpack to."""
BUILD_MEMORY_ENV: Final = "DIORAMA_BUILD_MEMORY_MB"
"""Memory (address space), in MB, one city build may use before it is stopped."""
PHOTO_MAX_MB_ENV: Final = "DIORAMA_PHOTO_MAX_MB"
"""Largest photo a citizen may attach to a comment, in MB (it is re-encoded smaller)."""
BASEMAP_URL_ENV: Final = "DIORAMA_BASEMAP_URL"
"""Raster tiles under the maps when they can be reached (``{z}/{x}/{y}``), or ``off``."""
BASEMAP_ATTRIBUTION_ENV: Final = "DIORAMA_BASEMAP_ATTRIBUTION"
"""Credit shown on the map while those tiles are drawn (required with a custom URL)."""

#: Every variable :func:`settings` reads.
ENV_NAMES: Final = (DATA_DIR_ENV, DATABASE_URL_ENV, RETENTION_DAYS_ENV, MODERATOR_PASSWORD_ENV,
                    PUBLIC_URL_ENV, BUNDLE_DIR_ENV, SURVEY_MIN_N_ENV, LOG_LEVEL_ENV,
                    UPLOAD_LIMITS_ENV, UNPACKED_LIMIT_ENV, BUILD_MEMORY_ENV,
                    CITY_COMMENTS_ENV, PHOTO_MAX_MB_ENV, BASEMAP_URL_ENV,
                    BASEMAP_ATTRIBUTION_ENV)

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
#: Comments one city may receive per minute when ``DIORAMA_CITY_COMMENTS_PER_MINUTE`` is not
#: set: a workshop room of 30 posting at once fits; 20 scripted sessions at 5 a minute do not.
DEFAULT_CITY_COMMENTS_PER_MINUTE: Final = 60
#: Largest file of each upload kind, in MB, sized to fit real files with room to spare: a
#: prefecture's N03 boundary or 町丁 polygons (tens of MB), a prefecture's GTFS-JP feed
#: (under 100 MB zipped), a city's or prefecture's OSM extract (Geofabrik's Kanto .osm.pbf is
#: about 400 MB), a year of MLIT monthly people-flow CSVs, a city's survey answers (a 100,000
#: respondent survey is about 15 MB) and a city's building records.
DEFAULT_UPLOAD_LIMITS_MB: Final[Mapping[str, int]] = {
    "boundary": 300, "population": 300, "facilities": 300, "gtfs": 300, "network": 600,
    "flows": 500, "survey": 50, "vacancy": 100, "mapping": 1,
}
#: The upload kinds (keys of :attr:`Settings.upload_limits_mb`).
UPLOAD_KINDS: Final = tuple(DEFAULT_UPLOAD_LIMITS_MB)
#: Largest total one zip may unpack to, in MB (a prefecture's GTFS stop_times.txt included).
DEFAULT_UNPACKED_LIMIT_MB: Final = 2048
#: Address space one city build may use, in MB (imports alone take about 0.7 GB).
DEFAULT_BUILD_MEMORY_MB: Final = 6144
#: Largest photo with a comment when ``DIORAMA_PHOTO_MAX_MB`` is not set: a phone's JPEG.
DEFAULT_PHOTO_MAX_MB: Final = 5
#: The base map when ``DIORAMA_BASEMAP_URL`` is not set: GSI's pale map (地理院タイル 淡色地図),
#: Japanese labels drawn light enough to read the app's layers over it.
DEFAULT_BASEMAP_URL: Final = "https://cyberjapandata.gsi.go.jp/xyz/pale/{z}/{x}/{y}.png"
#: Its credit, as GSI's terms of use ask (shown on the map while its tiles are drawn).
DEFAULT_BASEMAP_ATTRIBUTION: Final = "地理院タイル"

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
        ``DIORAMA_BUNDLE_DIR``: folder where built cities and their ``raw/`` files are written
        (default ``<data_dir>/cities``); the shipped cities stay read-only in
        :attr:`shipped_dir`, and both are listed.
    survey_min_n
        ``DIORAMA_SURVEY_MIN_N``: smallest group of survey answers shown (default 10, at
        least 5; a value that is not a number is ignored).
    log_level
        ``DIORAMA_LOG_LEVEL``: level of the library's log, or None for the caller's default
        (``INFO`` in the app, ``WARNING`` on the command line, which prints its own report).
    city_comments_per_minute
        ``DIORAMA_CITY_COMMENTS_PER_MINUTE``: comments one city may receive per minute from
        all sessions together, besides the per-session limit (default 60; 0: no ceiling).
    upload_limits_mb
        ``DIORAMA_UPLOAD_LIMITS_MB``: largest file per upload kind (:data:`UPLOAD_KINDS`), in
        MB; kinds not named keep :data:`DEFAULT_UPLOAD_LIMITS_MB`.
    unpacked_limit_mb
        ``DIORAMA_UNPACKED_LIMIT_MB``: largest total a zip may unpack to (default 2048).
    build_memory_mb
        ``DIORAMA_BUILD_MEMORY_MB``: address space of one city build (default 6144).
    photo_max_mb
        ``DIORAMA_PHOTO_MAX_MB``: largest photo file with a comment (default 5); see
        :func:`geo.participation.photos.clean_photo`.
    basemap_url
        ``DIORAMA_BASEMAP_URL``: raster tiles drawn under the maps when the browser can reach
        them (default GSI's pale map); None (``off``) for none: the maps never ask for tiles.
    basemap_attribution
        ``DIORAMA_BASEMAP_ATTRIBUTION``: the tiles' credit (default GSI's, for its tiles).
    shipped_dir
        The cities shipped with the app (read-only; not configurable).
    """

    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str | None = None
    retention_days: int = DEFAULT_RETENTION_DAYS
    moderator_password: str | None = None
    public_url: str | None = None
    bundle_dir: Path = DEFAULT_DATA_DIR / "cities"
    survey_min_n: int = SURVEY_MIN_N_DEFAULT
    log_level: str | None = None
    city_comments_per_minute: int = DEFAULT_CITY_COMMENTS_PER_MINUTE
    upload_limits_mb: Mapping[str, int] = field(
        default_factory=lambda: dict(DEFAULT_UPLOAD_LIMITS_MB))
    unpacked_limit_mb: int = DEFAULT_UNPACKED_LIMIT_MB
    build_memory_mb: int = DEFAULT_BUILD_MEMORY_MB
    photo_max_mb: int = DEFAULT_PHOTO_MAX_MB
    basemap_url: str | None = DEFAULT_BASEMAP_URL
    basemap_attribution: str = DEFAULT_BASEMAP_ATTRIBUTION
    shipped_dir: Path = SHIPPED_DATA

    def upload_limit_bytes(self, kind: str) -> int:
        """Largest file of upload ``kind`` (one of :data:`UPLOAD_KINDS`), in bytes."""
        return self.upload_limits_mb[kind] * 1024 * 1024

    @property
    def photo_max_bytes(self) -> int:
        """Largest photo file with a comment, in bytes."""
        return self.photo_max_mb * 1024 * 1024

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
        data_dir = Path(get(DATA_DIR_ENV) or DEFAULT_DATA_DIR)
        bundle_dir = get(BUNDLE_DIR_ENV)
        return cls(
            data_dir=data_dir,
            database_url=get(DATABASE_URL_ENV),
            retention_days=_retention_days(get(RETENTION_DAYS_ENV)),
            moderator_password=(str(secret) if secret else None) or get(MODERATOR_PASSWORD_ENV),
            public_url=get(PUBLIC_URL_ENV),
            bundle_dir=Path(bundle_dir) if bundle_dir else data_dir / "cities",
            survey_min_n=_survey_min_n(get(SURVEY_MIN_N_ENV)),
            log_level=_log_level(get(LOG_LEVEL_ENV)),
            city_comments_per_minute=_per_minute(get(CITY_COMMENTS_ENV)),
            upload_limits_mb=_upload_limits(get(UPLOAD_LIMITS_ENV)),
            unpacked_limit_mb=_megabytes(UNPACKED_LIMIT_ENV, get(UNPACKED_LIMIT_ENV),
                                         DEFAULT_UNPACKED_LIMIT_MB),
            build_memory_mb=_megabytes(BUILD_MEMORY_ENV, get(BUILD_MEMORY_ENV),
                                       DEFAULT_BUILD_MEMORY_MB),
            photo_max_mb=_megabytes(PHOTO_MAX_MB_ENV, get(PHOTO_MAX_MB_ENV),
                                    DEFAULT_PHOTO_MAX_MB),
            **_basemap(get(BASEMAP_URL_ENV), get(BASEMAP_ATTRIBUTION_ENV)),
        )


def _basemap(url: str | None, attribution: str | None) -> dict[str, Any]:
    """The base map's tile URL and credit; ``off`` (or ``none``) for no base map."""
    if url is None:
        return {"basemap_url": DEFAULT_BASEMAP_URL,
                "basemap_attribution": attribution or DEFAULT_BASEMAP_ATTRIBUTION}
    if url.lower() in ("off", "none", "0", "false"):
        return {"basemap_url": None, "basemap_attribution": ""}
    if not url.startswith("https://") or not all(f"{{{k}}}" in url for k in "zxy"):
        raise SettingsError(
            f"{BASEMAP_URL_ENV} は https:// で始まり {{z}} {{x}} {{y}} を含むタイルのURLか "
            f"off にしてください(現在: {url!r})。",
            f"{BASEMAP_URL_ENV} must be an https:// tile URL with {{z}}, {{x}} and {{y}}, or off: "
            f"{url!r}")
    if not attribution:
        raise SettingsError(
            f"{BASEMAP_URL_ENV} を指定したときは {BASEMAP_ATTRIBUTION_ENV}(地図の出典)も必要です。",
            f"{BASEMAP_ATTRIBUTION_ENV} (the tiles' credit) is needed with {BASEMAP_URL_ENV}")
    return {"basemap_url": url, "basemap_attribution": attribution}


def _megabytes(name: str, raw: str | None, default: int) -> int:
    """A positive whole number of MB, or ``default`` when not set."""
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise SettingsError(
            f"{name} は正の整数(MB)にしてください(現在: {raw!r})。",
            f"{name} must be a positive whole number of MB (got {raw!r}).",
        )
    return value


def _upload_limits(raw: str | None) -> dict[str, int]:
    """``kind=MB`` pairs separated by commas over :data:`DEFAULT_UPLOAD_LIMITS_MB`."""
    limits = dict(DEFAULT_UPLOAD_LIMITS_MB)
    for part in filter(None, (p.strip() for p in (raw or "").split(","))):
        kind, _, mb = part.partition("=")
        kind = kind.strip()
        if kind not in limits:
            kinds = ", ".join(UPLOAD_KINDS)
            raise SettingsError(
                f"{UPLOAD_LIMITS_ENV} の「{kind}」は種類名ではありません({kinds} のいずれか)。",
                f"{UPLOAD_LIMITS_ENV}: {kind!r} is not an upload kind (one of {kinds}).")
        limits[kind] = _megabytes(f"{UPLOAD_LIMITS_ENV} ({kind})", mb.strip(), 0)
    return limits


def _per_minute(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_CITY_COMMENTS_PER_MINUTE
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        raise SettingsError(
            f"{CITY_COMMENTS_ENV} は0以上の整数(1分あたりの件数、0で上限なし)にしてください"
            f"(現在: {raw!r})。",
            f"{CITY_COMMENTS_ENV} must be a whole number of comments a minute, 0 for no "
            f"ceiling (got {raw!r}).",
        )
    return value


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
