"""What every part of the comment store holds, and the private helpers they share.

:class:`geo.participation.store.Store` is composed of three parts, one per concern —
posting and reactions (:mod:`.comments`), reports, moderation, deletion and purge
(:mod:`.moderation`), reading (:mod:`.queries`) — each a mixin on :class:`StoreBase`. The
helpers below (hashing, id checks, timestamps, row → record, the data version, the audit) are
used by more than one part, so they live here, once.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from geo.participation.store.backends import SQLITE_TS_FORMAT, Backend, Tx
from geo.participation.store.errors import InvalidInput
from geo.participation.store.migrations import BUMP_SQL, VERSION_SHARDS
from geo.participation.store.models import Comment

KEY_PATTERN: Final = re.compile(r"[A-Za-z0-9._:-]{1,128}")
"""An idempotency key: 1-128 characters of ``A-Z a-z 0-9 . _ : -``."""

RECORD_COLUMNS: Final = (
    "c.id, c.parent_id, c.created_at, c.city, c.cell, c.resolution, c.town_code, c.factor, "
    "c.kind, c.body, c.nickname, c.status, c.scenario_id, c.plus_count, c.shape"
)
"""The columns :func:`record` reads (then the reply count), as SQL over ``comments c``."""

SYSTEM: Final = "system"
POSTER: Final = "poster"


class StoreBase:
    """The state every part of the store reads (set by :class:`Store.__init__`)."""

    _backend: Backend
    rate_limit: int | None
    rate_window: timedelta
    city_rate_limit: int | None
    report_threshold: int
    report_min_age: timedelta
    report_min_actions: int
    factors: frozenset[str]


def sha256(value: str) -> str:
    """Hex SHA-256 of a string (UTF-8)."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def session_hash(session_id: object) -> str:
    """Hash a browser-session id; the raw id is never stored."""
    if not isinstance(session_id, str) or not 1 <= len(session_id) <= 256:
        raise InvalidInput(
            "セッションIDが正しくありません。",
            "session_id must be a non-empty string of at most 256 characters.",
        )
    return sha256("session:" + session_id)


def check_key(key: object) -> str:
    """Check an idempotency key (see :data:`KEY_PATTERN`)."""
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise InvalidInput(
            "送信IDが正しくありません。",
            "idempotency_key must be 1-128 characters of A-Z a-z 0-9 . _ : -",
        )
    return key


def check_id(value: object) -> int:
    """Check a comment id."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput(
            "コメントIDが正しくありません。", f"A comment id is a positive integer, not {value!r}."
        )
    return value


def positive(value: object, *, name: str, most: int = 100_000) -> int:
    """Check a positive count (a page size, a limit)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        raise InvalidInput(f"{name} が正しくありません。", f"{name} must be an int 1-{most}")
    return value


def as_datetime(value: Any) -> datetime:
    """Read a timestamp column (SQLite text or PostgreSQL timestamptz) as aware UTC."""
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    text = str(value)
    # the backend's own shape, read in 0.2 µs (strptime: 7 µs; a moderation queue of 1,300
    # comments reads 3,700 timestamps); any other text is held to the format as before
    if len(text) == 27 and text[10] == "T" and text[-1] == "Z":
        return datetime.fromisoformat(text)
    return datetime.strptime(text, SQLITE_TS_FORMAT).replace(tzinfo=UTC)


def record(row: Sequence[Any]) -> Comment:
    """A comment row (:data:`RECORD_COLUMNS` then the reply count) as a typed record."""
    return Comment(
        id=int(row[0]),
        parent_id=None if row[1] is None else int(row[1]),
        created_at=as_datetime(row[2]),
        city=str(row[3]),
        cell=str(row[4]),
        resolution=int(row[5]),
        town_code=None if row[6] is None else str(row[6]),
        factor=str(row[7]),
        kind=row[8],
        text=str(row[9]),
        nickname=None if row[10] is None or row[10] == "" else str(row[10]),
        status=row[11],
        scenario_id=None if row[12] is None else str(row[12]),
        plus_ones=int(row[13] or 0),
        replies=int(row[15] or 0),
        shape=row[14] or "point",
    )


def bump(tx: Tx, city: str) -> None:
    """Move a city's data version on (see :meth:`Store.data_version`): one of its shards,
    chosen at random, so that writers at the same moment seldom wait on one row."""
    shard = random.randrange(VERSION_SHARDS)  # noqa: S311 - spreads writers; not a secret
    tx.execute(BUMP_SQL.format(city="?", shard="?"), [city, shard])


def wipe(tx: Tx, cid: int) -> None:
    """Mark a comment deleted and erase what the citizen wrote."""
    tx.execute(
        "UPDATE comments SET status = 'deleted', body = '', nickname = NULL WHERE id = ?",
        [cid],
    )


def audit(
    tx: Tx,
    *,
    moment: datetime,
    comment_id: int | None,
    action: str,
    actor: str,
    reason: str,
    detail: str | None,
) -> None:
    """Append one row to the append-only moderation audit."""
    tx.execute(
        "INSERT INTO moderation_audit (created_at, comment_id, action, actor, reason, detail) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [moment, comment_id, action, actor, reason, detail],
    )
