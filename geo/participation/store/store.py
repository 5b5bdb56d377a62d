"""The comment store: post, +1, reply, report, moderate, list, summarise, purge and export."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final

import h3

from geo.participation.store.backends import (
    Backend,
    PostgresBackend,
    SQLiteBackend,
    Tx,
    apply_migrations,
)
from geo.participation.store.errors import (
    CommentNotFound,
    IdempotencyConflict,
    InvalidAction,
    InvalidInput,
    RateLimited,
    TokenMismatch,
)
from geo.participation.store.migrations import SUMMARY_RESOLUTIONS, parent_cells
from geo.participation.store.models import (
    FACTOR_KEYS,
    AuditEntry,
    CellCount,
    Comment,
    CommentPage,
    Kind,
    ModerationAction,
    PostResult,
    QueueItem,
    ReportResult,
    Status,
    factor_by_key,
    utc,
    validate_cell,
    validate_code,
    validate_factor,
    validate_kind,
)
from geo.settings import DATA_DIR_ENV, DATABASE_URL_ENV, DEFAULT_DATA_DIR, settings
from geo.text import sanitize_comment, sanitize_line, sanitize_nickname

if TYPE_CHECKING:  # pandas is imported when first needed: posting does not need it
    import pandas as pd

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

_KEY = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_RECORD_COLUMNS = (
    "c.id, c.parent_id, c.created_at, c.city, c.cell, c.resolution, c.town_code, c.factor, "
    "c.kind, c.body, c.nickname, c.status, c.scenario_id, c.plus_count"
)
_FRAME_COLUMNS = (
    "id",
    "parent_id",
    "created_at",
    "city",
    "cell",
    "resolution",
    "town_code",
    "factor",
    "kind",
    "text",
    "nickname",
    "status",
    "scenario_id",
    "plus_ones",
    "replies",
)
_SQLITE_TS_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"  # as written by geo.store.backends
_DOMINANCE_ORDER: tuple[Kind, ...] = ("concern", "idea", "good")
_SYSTEM = "system"
_POSTER = "poster"


def _sha256(value: str) -> str:
    """Hex SHA-256 of a string (UTF-8)."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def _session_hash(session_id: object) -> str:
    """Hash a browser-session id; the raw id is never stored."""
    if not isinstance(session_id, str) or not 1 <= len(session_id) <= 256:
        raise InvalidInput(
            "セッションIDが正しくありません。",
            "session_id must be a non-empty string of at most 256 characters.",
        )
    return _sha256("session:" + session_id)


def _comment_id(value: object) -> int:
    """Check a comment id."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput(
            "コメントIDが正しくありません。", f"A comment id is a positive integer, not {value!r}."
        )
    return value


def _as_datetime(value: Any) -> datetime:
    """Read a timestamp column (SQLite text or PostgreSQL timestamptz) as aware UTC."""
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.strptime(str(value), _SQLITE_TS_FORMAT).replace(tzinfo=UTC)


def _record(row: Sequence[Any]) -> Comment:
    """A comment row (``_RECORD_COLUMNS`` then the reply count) as a typed record."""
    return Comment(
        id=int(row[0]),
        parent_id=None if row[1] is None else int(row[1]),
        created_at=_as_datetime(row[2]),
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
        replies=int(row[14] or 0),
    )


def _positive(value: object, *, name: str, most: int = 100_000) -> int:
    """Check a positive count (a page size, a limit)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        raise InvalidInput(f"{name} が正しくありません。", f"{name} must be an int 1-{most}")
    return value


def _bump(tx: Tx, city: str) -> None:
    """Move a city's data version on (see :meth:`Store.data_version`)."""
    tx.execute(
        "INSERT INTO data_versions (city, version) VALUES (?, 1) "
        "ON CONFLICT (city) DO UPDATE SET version = data_versions.version + 1",
        [city],
    )


def _to_resolution(cell: str, resolution: int) -> str:
    """Bring a cell to ``resolution``: its parent when finer, its centre child when coarser."""
    own = h3.get_resolution(cell)
    if own > resolution:
        return str(h3.cell_to_parent(cell, resolution))
    if own < resolution:
        return str(h3.cell_to_center_child(cell, resolution))
    return cell


def _empty_frame(columns: Sequence[str]) -> pd.DataFrame:
    """A typed empty comments frame."""
    import pandas as pd

    return _typed(pd.DataFrame({c: [] for c in columns}))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Give the comment columns stable dtypes on both databases."""
    import pandas as pd

    if "created_at" in frame:
        column = frame["created_at"]
        if len(column) and isinstance(column.iloc[0], str):  # SQLite: our fixed text format
            frame["created_at"] = pd.to_datetime(column, format=_SQLITE_TS_FORMAT, utc=True)
        else:
            frame["created_at"] = pd.to_datetime(column, utc=True)
    for col in ("id", "resolution", "plus_ones", "replies", "reports", "pending_reports"):
        if col in frame:
            frame[col] = frame[col].astype("int64")
    if "parent_id" in frame:
        frame["parent_id"] = frame["parent_id"].astype("Int64")
    return frame


def _with_factor_names(frame: pd.DataFrame) -> pd.DataFrame:
    """Insert ``factor_ja`` (Japanese factor name) after ``factor``."""
    frame.insert(
        int(frame.columns.get_loc("factor")) + 1,
        "factor_ja",
        [(f.ja if (f := factor_by_key(k)) else k) for k in frame["factor"]],
    )
    return frame


class Store:
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
        self.factors: frozenset[str] = frozenset(FACTOR_KEYS if factors is None else factors)
        self.migrations_applied = apply_migrations(backend)

    # -- lifecycle -------------------------------------------------------------------

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgres"``."""
        return self._backend.dialect

    @property
    def backend(self) -> Backend:
        """The database connection (for companion stores such as :mod:`geo.store.workshop`)."""
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

    # -- posting ---------------------------------------------------------------------

    def post_comment(
        self,
        *,
        idempotency_key: str,
        session_id: str,
        cell: str,
        factor: str,
        kind: Kind,
        text: str,
        nickname: str | None = None,
        town_code: str | None = None,
        city: str,
        consent: bool,
        parent_id: int | None = None,
        scenario_id: str | None = None,
        now: datetime | None = None,
    ) -> PostResult:
        """Store a comment once, however often the same submission is retried.

        Parameters
        ----------
        idempotency_key
            Unique id of this submission chosen by the client (e.g. a UUID made when the
            form is shown): 1-128 characters of ``A-Z a-z 0-9 . _ : -``. A retry with the
            same key, from any process, returns the stored comment.
        session_id
            The browser session; used (hashed) for the rate limit. Never an IP address.
        cell
            H3 cell id of resolution 10 or coarser. Coordinates are refused.
        factor
            Well-Being factor key (see ``FACTORS``).
        kind
            ``"good"``, ``"concern"`` or ``"idea"``.
        text
            The comment; cleaned by :func:`geo.text.sanitize_comment` (at most 1,000
            characters after cleaning, never truncated).
        nickname
            Optional nickname of at most 40 characters.
        town_code
            Optional code of the town (町丁目) the cell lies in.
        city
            City id.
        consent
            The poster agreed to the terms of publication; must be True.
        parent_id
            Comment this one replies to (visible, same city).
        scenario_id
            Optional scenario the comment is about.
        now
            Time of posting (aware; default now).

        Returns
        -------
        PostResult
            The comment id; the plain edit token only when this call created it.

        Raises
        ------
        InvalidInput
            For any invalid parameter (``InvalidCell`` for the location).
        geo.text.TextError
            If the text or nickname is empty or too long.
        RateLimited
            If this session already posted ``rate_limit`` comments in the window (a retry of
            a stored key is never limited).
        IdempotencyConflict
            If another session already used this key.
        """
        if not isinstance(idempotency_key, str) or not _KEY.fullmatch(idempotency_key):
            raise InvalidInput(
                "送信IDが正しくありません。",
                "idempotency_key must be 1-128 characters of A-Z a-z 0-9 . _ : -",
            )
        session = _session_hash(session_id)
        cell_id = validate_cell(cell)
        factor_key = validate_factor(factor, allowed=self.factors)
        kind_value = validate_kind(kind)
        body = sanitize_comment(text)
        nick = sanitize_nickname(nickname)
        city_id = validate_code(city, name="city")
        town = None if town_code is None else validate_code(town_code, name="town_code")
        scenario = None if scenario_id is None else validate_code(scenario_id, name="scenario_id")
        if consent is not True:
            raise InvalidInput(
                "投稿の公開に同意していただく必要があります。",
                "The poster must consent to publication (consent=True).",
            )
        parent = None if parent_id is None else _comment_id(parent_id)
        moment = utc(now)
        token = secrets.token_urlsafe(24)

        with self._backend.write(lock="post:" + session) as tx:
            existing = self._existing(tx, idempotency_key, session)
            if existing is not None:
                return existing
            self._check_rate(tx, session, moment)
            if parent is not None:
                self._check_parent(tx, parent, city_id)
            row = tx.fetchone(
                "INSERT INTO comments (idempotency_key, session_hash, city, cell, resolution, "
                "town_code, factor, kind, body, nickname, created_at, parent_id, status, "
                "edit_token_hash, consent, scenario_id, cell7, cell8, cell9) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'visible', ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
                [
                    idempotency_key,
                    session,
                    city_id,
                    cell_id,
                    h3.get_resolution(cell_id),
                    town,
                    factor_key,
                    kind_value,
                    body,
                    nick,
                    moment,
                    parent,
                    _sha256(token),
                    True,
                    scenario,
                    *parent_cells(cell_id),
                ],
            )
            if row is None:  # another session inserted this key concurrently
                existing = self._existing(tx, idempotency_key, session)
                if existing is None:  # pragma: no cover - the conflicting row must exist
                    raise IdempotencyConflict()
                return existing
            _bump(tx, city_id)
        return PostResult(comment_id=int(row[0]), created=True, edit_token=token, status="visible")

    def import_comments(
        self,
        items: Iterable[Mapping[str, Any]],
        *,
        city: str,
        batch: int = 2000,
    ) -> list[int]:
        """Store many top-level comments at once (an import, or sample data), validated as
        :meth:`post_comment` validates them, in transactions of ``batch`` rows.

        Each item holds ``idempotency_key, session_id, cell, factor, kind, text`` and may
        hold ``nickname, town_code, scenario_id, created_at`` (aware datetime) and
        ``plus_ones`` (that many +1s from distinct anonymous sessions). Consent is taken as
        given: import only what was posted with the same terms. No rate limit applies; an
        item whose key is already stored is skipped.

        Parameters
        ----------
        items
            The comments.
        city
            City id of every comment.
        batch
            Rows per transaction.

        Returns
        -------
        list of int
            Ids of the stored comments, in order (skipped items left out).
        """
        city_id = validate_code(city, name="city")
        ids: list[int] = []
        rows: list[list[Any]] = []
        plus: list[int] = []

        def flush() -> None:
            with self._backend.write() as tx:
                for values, n_plus in zip(rows, plus, strict=True):
                    row = tx.fetchone(
                        "INSERT INTO comments (idempotency_key, session_hash, city, cell, "
                        "resolution, town_code, factor, kind, body, nickname, created_at, "
                        "status, edit_token_hash, consent, scenario_id, cell7, cell8, cell9, "
                        "plus_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'visible', ?, ?, "
                        "?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
                        values,
                    )
                    if row is None:
                        continue
                    cid = int(row[0])
                    ids.append(cid)
                    for k in range(n_plus):
                        tx.execute(
                            "INSERT INTO plus_ones (comment_id, session_hash, created_at) "
                            "VALUES (?, ?, ?)",
                            [cid, _sha256(f"import-plus:{cid}:{k}"), values[10]],
                        )
                _bump(tx, city_id)
            rows.clear()
            plus.clear()

        for item in items:
            key = item["idempotency_key"]
            if not isinstance(key, str) or not _KEY.fullmatch(key):
                raise InvalidInput("送信IDが正しくありません。",
                                   "idempotency_key must be 1-128 characters of A-Z a-z 0-9 ._:-")
            cell_id = validate_cell(item["cell"])
            town = item.get("town_code")
            scenario = item.get("scenario_id")
            n_plus = int(item.get("plus_ones", 0))
            if n_plus < 0:
                raise InvalidInput("+1の数が正しくありません。", "plus_ones must be >= 0")
            rows.append([
                key, _session_hash(item["session_id"]), city_id, cell_id,
                h3.get_resolution(cell_id),
                None if town is None else validate_code(town, name="town_code"),
                validate_factor(item["factor"], allowed=self.factors),
                validate_kind(item["kind"]), sanitize_comment(item["text"]),
                sanitize_nickname(item.get("nickname")), utc(item.get("created_at")),
                _sha256(secrets.token_urlsafe(24)), True,
                None if scenario is None else validate_code(scenario, name="scenario_id"),
                *parent_cells(cell_id), n_plus,
            ])
            plus.append(n_plus)
            if len(rows) >= batch:
                flush()
        if rows:
            flush()
        return ids

    def reply(
        self,
        *,
        parent_id: int,
        idempotency_key: str,
        session_id: str,
        text: str,
        consent: bool,
        kind: Kind | None = None,
        nickname: str | None = None,
        now: datetime | None = None,
    ) -> PostResult:
        """Reply to a visible comment; the reply inherits its city, cell, town and factor.

        Parameters
        ----------
        parent_id
            The comment replied to.
        idempotency_key, session_id, text, consent, nickname, now
            As for :meth:`post_comment`.
        kind
            Kind of the reply (default: the parent's kind).

        Returns
        -------
        PostResult
            As for :meth:`post_comment`.

        Raises
        ------
        CommentNotFound
            If the parent does not exist.
        InvalidAction
            If the parent is hidden or deleted.
        """
        parent = _comment_id(parent_id)
        with self._backend.read() as tx:
            row = tx.fetchone(
                "SELECT city, cell, town_code, factor, kind, scenario_id FROM comments "
                "WHERE id = ?",
                [parent],
            )
        if row is None:
            raise CommentNotFound(parent)
        return self.post_comment(
            idempotency_key=idempotency_key,
            session_id=session_id,
            cell=row[1],
            factor=row[3],
            kind=row[4] if kind is None else kind,
            text=text,
            nickname=nickname,
            town_code=row[2],
            city=row[0],
            consent=consent,
            parent_id=parent,
            scenario_id=row[5],
            now=now,
        )

    def _existing(self, tx: Tx, key: str, session: str) -> PostResult | None:
        """The stored comment of an idempotency key, if any."""
        row = tx.fetchone(
            "SELECT id, session_hash, status FROM comments WHERE idempotency_key = ?", [key]
        )
        if row is None:
            return None
        if not hmac.compare_digest(str(row[1]), session):
            raise IdempotencyConflict()
        status: Status = row[2]
        return PostResult(comment_id=int(row[0]), created=False, edit_token=None, status=status)

    def _check_rate(self, tx: Tx, session: str, moment: datetime) -> None:
        """Raise RateLimited when the session used up its comments of the window."""
        if self.rate_limit is None:
            return
        rows = tx.fetchall(
            "SELECT created_at FROM comments WHERE session_hash = ? AND created_at > ? "
            "AND created_at <= ? ORDER BY created_at LIMIT ?",
            [session, moment - self.rate_window, moment, self.rate_limit],
        )
        if len(rows) >= self.rate_limit:
            oldest = _as_datetime(rows[0][0])
            retry_after = (oldest + self.rate_window - moment).total_seconds()
            raise RateLimited(
                limit=self.rate_limit,
                window_seconds=self.rate_window.total_seconds(),
                retry_after=max(retry_after, 0.0),
            )

    def _check_parent(self, tx: Tx, parent: int, city: str) -> None:
        """Check that a reply's parent exists, is visible and belongs to the same city."""
        row = tx.fetchone("SELECT city, status FROM comments WHERE id = ?", [parent])
        if row is None:
            raise CommentNotFound(parent)
        if row[0] != city:
            raise InvalidInput(
                "返信先のコメントは別の市区町村のものです。",
                f"Comment {parent} belongs to another city than {city!r}.",
            )
        if row[1] != "visible":
            raise InvalidAction(
                "このコメントには返信できません（非表示または削除済み）。",
                f"Comment {parent} is {row[1]}; only visible comments can be replied to.",
            )

    # -- reactions -------------------------------------------------------------------

    def plus_one(self, *, comment_id: int, session_id: str, now: datetime | None = None) -> int:
        """Add this session's +1 ("me too") to a visible comment; a second +1 is ignored.

        Parameters
        ----------
        comment_id
            The comment.
        session_id
            The browser session (one +1 per session and comment).
        now
            Time of the +1 (aware; default now).

        Returns
        -------
        int
            The comment's number of +1s after this call.

        Raises
        ------
        CommentNotFound
            If the comment does not exist.
        InvalidAction
            If it is not visible.
        """
        cid = _comment_id(comment_id)
        session = _session_hash(session_id)
        moment = utc(now)
        with self._backend.write() as tx:
            row = tx.fetchone("SELECT status, city FROM comments WHERE id = ?", [cid])
            if row is None:
                raise CommentNotFound(cid)
            if row[0] != "visible":
                raise InvalidAction(
                    "このコメントには+1できません。",
                    f"Comment {cid} is {row[0]}; only visible comments take +1s.",
                )
            added = tx.fetchone(
                "INSERT INTO plus_ones (comment_id, session_hash, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT (comment_id, session_hash) DO NOTHING RETURNING comment_id",
                [cid, session, moment],
            )
            if added is not None:
                tx.execute("UPDATE comments SET plus_count = plus_count + 1 WHERE id = ?", [cid])
                _bump(tx, str(row[1]))
            count = tx.fetchone("SELECT plus_count FROM comments WHERE id = ?", [cid])
        return int(count[0]) if count else 0

    def report(
        self, *, comment_id: int, session_id: str, reason: str, now: datetime | None = None
    ) -> ReportResult:
        """Report a comment as inappropriate; once per session.

        When ``report_threshold`` distinct sessions have reported a visible comment (since a
        moderator last restored it), it becomes ``hidden_auto`` and an audit row is written.

        Parameters
        ----------
        comment_id
            The comment.
        session_id
            The reporting browser session.
        reason
            Why (at most 200 characters; may be empty).
        now
            Time of the report (aware; default now).

        Returns
        -------
        ReportResult
            Whether this report was new, the number of reporting sessions, and whether the
            comment is hidden now.

        Raises
        ------
        CommentNotFound
            If the comment does not exist.
        InvalidAction
            If it was deleted.
        """
        cid = _comment_id(comment_id)
        session = _session_hash(session_id)
        why = sanitize_line(
            reason, max_length=200, field_ja="通報の理由", field_en="A reason", allow_empty=True
        )
        moment = utc(now)
        with self._backend.write() as tx:
            row = tx.fetchone(
                "SELECT status, reports_acknowledged, city FROM comments WHERE id = ?"  # noqa: S608 - constant SQL fragments; values are bound
                + self._backend.for_update,
                [cid],
            )
            if row is None:
                raise CommentNotFound(cid)
            status, acknowledged = str(row[0]), int(row[1])
            if status == "deleted":
                raise InvalidAction("このコメントは削除済みです。", f"Comment {cid} was deleted.")
            inserted = tx.fetchone(
                "INSERT INTO reports (comment_id, session_hash, reason, created_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (comment_id, session_hash) DO NOTHING "
                "RETURNING id",
                [cid, session, why, moment],
            )
            counted = tx.fetchone("SELECT COUNT(*) FROM reports WHERE comment_id = ?", [cid])
            reports = int(counted[0]) if counted else 0
            hidden = status in ("hidden", "hidden_auto")
            if status == "visible" and reports - acknowledged >= self.report_threshold:
                tx.execute("UPDATE comments SET status = 'hidden_auto' WHERE id = ?", [cid])
                _bump(tx, str(row[2]))
                self._audit(
                    tx,
                    moment=moment,
                    comment_id=cid,
                    action="auto_hide",
                    actor=_SYSTEM,
                    reason=f"reported by {reports - acknowledged} sessions "
                    f"(threshold {self.report_threshold})",
                    detail="visible -> hidden_auto",
                )
                hidden = True
        return ReportResult(recorded=inserted is not None, reports=reports, hidden=hidden)

    # -- moderation ------------------------------------------------------------------

    def moderate(
        self,
        *,
        comment_id: int,
        action: ModerationAction,
        moderator: str,
        reason: str,
        now: datetime | None = None,
    ) -> Status:
        """Hide, restore or delete a comment; writes exactly one audit row.

        ``restore`` and ``hide`` also acknowledge the reports received so far (the comment
        leaves the moderation queue and they no longer count towards the automatic hide);
        restoring a visible comment dismisses its reports.
        ``delete`` wipes the text and nickname for good.

        Parameters
        ----------
        comment_id
            The comment.
        action
            ``"hide"``, ``"restore"`` or ``"delete"``.
        moderator
            Who acts (name or staff id; at most 100 characters).
        reason
            Why (required, at most 500 characters).
        now
            Time of the action (aware; default now).

        Returns
        -------
        Status
            The comment's new status.

        Raises
        ------
        CommentNotFound
            If the comment does not exist.
        InvalidAction
            If it was already deleted.
        InvalidInput
            For an unknown action.
        """
        cid = _comment_id(comment_id)
        if action not in ("hide", "restore", "delete"):
            raise InvalidInput(
                "操作が正しくありません。",
                f"Unknown moderation action {action!r}; expected hide, restore or delete.",
            )
        who = sanitize_line(moderator, max_length=100, field_ja="担当者名", field_en="A moderator")
        why = sanitize_line(reason, max_length=500, field_ja="理由", field_en="A reason")
        moment = utc(now)
        with self._backend.write() as tx:
            row = tx.fetchone(
                "SELECT status, city FROM comments WHERE id = ?"  # noqa: S608 - constant fragments
                + self._backend.for_update,
                [cid],
            )
            if row is None:
                raise CommentNotFound(cid)
            old = str(row[0])
            _bump(tx, str(row[1]))
            if old == "deleted":
                raise InvalidAction(
                    "削除済みのコメントは操作できません。", f"Comment {cid} was already deleted."
                )
            new: Status
            if action == "hide":
                new = "hidden"
                # the moderator has seen the reports: the comment leaves the queue
                tx.execute(
                    "UPDATE comments SET status = 'hidden', reports_acknowledged = "
                    "(SELECT COUNT(*) FROM reports WHERE comment_id = ?) WHERE id = ?",
                    [cid, cid],
                )
            elif action == "restore":
                new = "visible"
                tx.execute(
                    "UPDATE comments SET status = 'visible', reports_acknowledged = "
                    "(SELECT COUNT(*) FROM reports WHERE comment_id = ?) WHERE id = ?",
                    [cid, cid],
                )
            else:
                new = "deleted"
                self._wipe(tx, cid)
            self._audit(
                tx,
                moment=moment,
                comment_id=cid,
                action=action,
                actor=who,
                reason=why,
                detail=f"{old} -> {new}",
            )
        return new

    def delete_by_token(self, *, comment_id: int, token: str, now: datetime | None = None) -> bool:
        """Delete one's own comment with the edit token received when posting.

        Parameters
        ----------
        comment_id
            The comment.
        token
            The plain edit token; compared in constant time with the stored SHA-256.
        now
            Time of the deletion (aware; default now).

        Returns
        -------
        bool
            True when deleted now, False when it was already deleted.

        Raises
        ------
        CommentNotFound
            If the comment does not exist.
        TokenMismatch
            If the token is wrong.
        """
        cid = _comment_id(comment_id)
        if not isinstance(token, str):
            raise TokenMismatch()
        given = _sha256(token)
        moment = utc(now)
        with self._backend.write() as tx:
            row = tx.fetchone(
                "SELECT edit_token_hash, status, city FROM comments WHERE id = ?"  # noqa: S608 - constant SQL fragments; values are bound
                + self._backend.for_update,
                [cid],
            )
            if row is None:
                raise CommentNotFound(cid)
            if not hmac.compare_digest(str(row[0]), given):
                raise TokenMismatch()
            if row[1] == "deleted":
                return False
            self._wipe(tx, cid)
            _bump(tx, str(row[2]))
            self._audit(
                tx,
                moment=moment,
                comment_id=cid,
                action="delete_by_token",
                actor=_POSTER,
                reason="deleted by the poster with the edit token",
                detail=f"{row[1]} -> deleted",
            )
        return True

    @staticmethod
    def _wipe(tx: Tx, cid: int) -> None:
        """Mark a comment deleted and erase what the citizen wrote."""
        tx.execute(
            "UPDATE comments SET status = 'deleted', body = '', nickname = NULL WHERE id = ?",
            [cid],
        )

    @staticmethod
    def _audit(
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

    def moderation_queue(self, *, city: str | None = None) -> list[QueueItem]:
        """List comments needing a moderator: auto-hidden, or with unacknowledged reports.

        Parameters
        ----------
        city
            Only this city (default: all).

        Returns
        -------
        list of QueueItem
            Each comment with its report counts and the reporters' reasons; auto-hidden
            first, then by pending reports, then by id.
        """
        params: list[Any] = []
        city_filter = ""
        if city is not None:
            city_filter = " AND c.city = ?"
            params.append(validate_code(city, name="city"))
        sql = (
            f"SELECT {_RECORD_COLUMNS}, "  # noqa: S608 - constant SQL fragments; values are bound
            "(SELECT COUNT(*) FROM comments r WHERE r.parent_id = c.id), "
            "(SELECT COUNT(*) FROM reports x WHERE x.comment_id = c.id), "
            "c.reports_acknowledged "
            "FROM comments c WHERE c.status <> 'deleted' AND (c.status = 'hidden_auto' OR "
            "(SELECT COUNT(*) FROM reports x WHERE x.comment_id = c.id) > c.reports_acknowledged)"
            f"{city_filter} ORDER BY c.id"
        )
        with self._backend.read() as tx:
            rows = tx.fetchall(sql, params)
            reasons: dict[int, list[str]] = {}
            if rows:
                for cid, why in tx.fetchall(
                    "SELECT x.comment_id, x.reason FROM reports x JOIN comments c "  # noqa: S608 - constant SQL fragments; values are bound
                    f"ON c.id = x.comment_id WHERE c.status <> 'deleted'{city_filter} "
                    "ORDER BY x.id",
                    params,
                ):
                    reasons.setdefault(int(cid), []).append(str(why) or "-")
        items = []
        for row in rows:
            comment = _record(row[:-2])
            reports, acknowledged = int(row[-2]), int(row[-1])
            items.append(QueueItem(comment=comment, reports=reports,
                                   pending_reports=max(reports - acknowledged, 0),
                                   reasons=tuple(reasons.get(comment.id, ()))))
        items.sort(key=lambda q: (q.comment.status != "hidden_auto", -q.pending_reports,
                                  q.comment.id))
        return items

    def audit_log(self, *, comment_id: int | None = None,
                  limit: int | None = None) -> list[AuditEntry]:
        """Read the moderation audit (oldest first).

        Parameters
        ----------
        comment_id
            Only rows about this comment (default: all, including purge runs).
        limit
            Only the newest ``limit`` rows (still oldest first).

        Returns
        -------
        list of AuditEntry
            The rows.
        """
        sql = (
            "SELECT id, created_at, comment_id, action, actor, reason, detail FROM moderation_audit"
        )
        params: list[Any] = []
        if comment_id is not None:
            sql += " WHERE comment_id = ?"
            params.append(_comment_id(comment_id))
        if limit is not None:
            sql += " ORDER BY id DESC LIMIT ?"
            params.append(_positive(limit, name="limit"))
        else:
            sql += " ORDER BY id"
        with self._backend.read() as tx:
            rows = tx.fetchall(sql, params)
        entries = [
            AuditEntry(id=int(r[0]), created_at=_as_datetime(r[1]),
                       comment_id=None if r[2] is None else int(r[2]), action=str(r[3]),
                       actor=str(r[4]), reason=str(r[5]),
                       detail=None if r[6] is None else str(r[6]))
            for r in rows
        ]
        return sorted(entries, key=lambda e: e.id) if limit is not None else entries

    # -- reading ---------------------------------------------------------------------

    def data_version(self, *, city: str) -> int:
        """A number that changes whenever anything the public sees of a city may change.

        Every post, +1, report that hides, moderation, deletion and purge bumps it in the
        same transaction, so a page may cache what it read under ``(city, version)``.

        Parameters
        ----------
        city
            City id.

        Returns
        -------
        int
            The city's version (0 before its first comment).
        """
        with self._backend.read() as tx:
            row = tx.fetchone("SELECT version FROM data_versions WHERE city = ?",
                              [validate_code(city, name="city")])
        return int(row[0]) if row else 0

    def _where(
        self,
        *,
        city: str,
        factor: str | None = None,
        kind: Kind | None = None,
        town_code: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        include_hidden: bool = False,
        scenario_id: str | None = None,
        top_level: bool = False,
        cells: Iterable[str] | None = None,
    ) -> tuple[list[str], list[Any], set[str] | None]:
        """SQL conditions and parameters of a comment filter (see :meth:`list_comments`).

        The third value is the set of wanted cells that SQL could not express (a resolution
        without a parent column); the caller filters those in Python.
        """
        where = ["c.city = ?"]
        params: list[Any] = [validate_code(city, name="city")]
        if not include_hidden:
            where.append("c.status = 'visible'")
            where.append(
                "(c.parent_id IS NULL OR EXISTS (SELECT 1 FROM comments q "
                "WHERE q.id = c.parent_id AND q.status = 'visible'))"
            )
        if top_level:
            where.append("c.parent_id IS NULL")
        if factor is not None:
            where.append("c.factor = ?")
            params.append(validate_factor(factor, allowed=self.factors))
        if kind is not None:
            where.append("c.kind = ?")
            params.append(validate_kind(kind))
        if town_code is not None:
            where.append("c.town_code = ?")
            params.append(validate_code(town_code, name="town_code"))
        if scenario_id is not None:
            where.append("c.scenario_id = ?")
            params.append(validate_code(scenario_id, name="scenario_id"))
        if since is not None:
            where.append("c.created_at >= ?")
            params.append(utc(since))
        if until is not None:
            where.append("c.created_at < ?")
            params.append(utc(until))
        rest: set[str] | None = None
        if cells is not None:
            wanted = {validate_cell(c, max_resolution=15) for c in cells}
            by_res: dict[int, list[str]] = {}
            for cell in wanted:
                by_res.setdefault(h3.get_resolution(cell), []).append(cell)
            ors = []
            for r, group in sorted(by_res.items()):
                column = f"c.cell{r}" if r in SUMMARY_RESOLUTIONS else "c.cell" if r >= 10 \
                    else None
                if column is None:
                    continue
                ors.append(f"{column} IN ({', '.join('?' * len(group))})")
                params.extend(sorted(group))
            coarse = {c for r, g in by_res.items() if r < SUMMARY_RESOLUTIONS[0] for c in g}
            if coarse:
                rest = coarse
                ors.append("1 = 1")  # filtered in Python (see _inside)
            where.append("(" + (" OR ".join(ors) or "1 = 0") + ")")
        return where, params, rest

    def _fetch(self, tx: Tx, where: list[str], params: list[Any], *, order: str,
               include_hidden: bool, limit: int | None = None,
               offset: int = 0) -> list[Comment]:
        """Comments matching ``where`` as records."""
        replies_filter = "" if include_hidden else " AND r.status = 'visible'"
        sql = (
            f"SELECT {_RECORD_COLUMNS}, "  # noqa: S608 - constant SQL fragments; values are bound
            f"(SELECT COUNT(*) FROM comments r WHERE r.parent_id = c.id{replies_filter}) "
            f"FROM comments c WHERE {' AND '.join(where)} ORDER BY {order}"
        )
        args = list(params)
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            args += [limit, offset]
        return [_record(r) for r in tx.fetchall(sql, args)]

    def list_comments(
        self,
        *,
        city: str,
        factor: str | None = None,
        kind: Kind | None = None,
        town_code: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        include_hidden: bool = False,
        cells: Iterable[str] | None = None,
        scenario_id: str | None = None,
        top_level: bool = False,
    ) -> list[Comment]:
        """List a city's comments, oldest first, as typed records.

        Without ``include_hidden`` only visible comments are returned, and replies only
        when the comment they answer is visible too. Filtering happens in SQL.

        Parameters
        ----------
        city
            City id.
        factor, kind, town_code, scenario_id
            Optional filters.
        since, until
            Optional aware datetimes: ``since <= created_at < until``.
        include_hidden
            Also return hidden, auto-hidden and deleted comments (moderators only).
        cells
            Only comments whose cell is one of these H3 cells or lies inside one of them.
        top_level
            Only comments that are not replies.

        Returns
        -------
        list of Comment
            Missing values are ``None`` (never NaN); ``replies`` counts visible direct
            replies unless ``include_hidden``.
        """
        where, params, rest = self._where(
            city=city, factor=factor, kind=kind, town_code=town_code, since=since,
            until=until, include_hidden=include_hidden, scenario_id=scenario_id,
            top_level=top_level, cells=cells)
        with self._backend.read() as tx:
            out = self._fetch(tx, where, params, order="c.created_at, c.id",
                              include_hidden=include_hidden)
        if rest is not None and cells is not None:
            wanted = {validate_cell(c, max_resolution=15) for c in cells}
            out = [c for c, ok in zip(out, _inside([c.cell for c in out], wanted),
                                      strict=True) if ok]
        return out

    def comment_page(
        self,
        *,
        city: str,
        factor: str | None = None,
        kind: Kind | None = None,
        town_code: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        scenario_id: str | None = None,
        cells: Iterable[str] | None = None,
        offset: int = 0,
        limit: int = 20,
    ) -> CommentPage:
        """One page of a city's visible top-level comments, newest first, with their replies.

        Paging, filtering and counting happen in SQL, so the cost of a page does not grow
        with the number of comments the city holds.

        Parameters
        ----------
        city, factor, kind, town_code, since, until, scenario_id, cells
            As for :meth:`list_comments`.
        offset
            Comments to skip (a multiple of ``limit`` for page ``offset // limit + 1``).
        limit
            Comments per page (1-200).

        Returns
        -------
        CommentPage
            The page's comments, the number matching in all, and their visible replies.
        """
        limit = _positive(limit, name="limit", most=200)
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise InvalidInput("ページの位置が正しくありません。", "offset must be an int >= 0")
        where, params, rest = self._where(
            city=city, factor=factor, kind=kind, town_code=town_code, since=since,
            until=until, scenario_id=scenario_id, top_level=True, cells=cells)
        if rest is not None:  # a coarse cell filter: filter in Python, then page
            everything = self.list_comments(
                city=city, factor=factor, kind=kind, town_code=town_code, since=since,
                until=until, scenario_id=scenario_id, top_level=True, cells=cells)[::-1]
            items = everything[offset:offset + limit]
            total = len(everything)
            with self._backend.read() as tx:
                replies = self._replies(tx, [c.id for c in items])
            return CommentPage(items=tuple(items), total=total, replies=replies,
                               offset=offset, limit=limit)
        with self._backend.read() as tx:
            counted = tx.fetchone(
                f"SELECT COUNT(*) FROM comments c WHERE {' AND '.join(where)}",  # noqa: S608 - constant SQL fragments; values are bound
                params)
            items = self._fetch(tx, where, params, order="c.created_at DESC, c.id DESC",
                                include_hidden=False, limit=limit, offset=offset)
            replies = self._replies(tx, [c.id for c in items])
        return CommentPage(items=tuple(items), total=int(counted[0]) if counted else 0,
                           replies=replies, offset=offset, limit=limit)

    def _replies(self, tx: Tx, parents: Sequence[int]) -> dict[int, tuple[Comment, ...]]:
        """Visible direct replies of ``parents``, oldest first."""
        if not parents:
            return {}
        marks = ", ".join("?" * len(parents))
        found = self._fetch(tx, [f"c.parent_id IN ({marks})", "c.status = 'visible'"],
                            list(parents), order="c.created_at, c.id", include_hidden=False)
        out: dict[int, list[Comment]] = {}
        for c in found:
            out.setdefault(int(c.parent_id or 0), []).append(c)
        return {k: tuple(v) for k, v in out.items()}

    def comments_frame(self, **filters: Any) -> pd.DataFrame:
        """:meth:`list_comments` as a frame, for exports and analysis (not for page code).

        Parameters
        ----------
        **filters
            The keyword arguments of :meth:`list_comments`.

        Returns
        -------
        pandas.DataFrame
            Columns ``id, parent_id, created_at (UTC), city, cell, resolution, town_code,
            factor, factor_ja, kind, text, nickname, status, scenario_id, plus_ones,
            replies``.
        """
        return comments_to_frame(self.list_comments(**filters))

    def cell_summary(
        self,
        *,
        city: str,
        factor: str | None = None,
        resolution: int = 10,
        include_replies: bool = False,
    ) -> list[CellCount]:
        """Count visible comments per H3 cell, for the map (a GROUP BY in SQL).

        Parameters
        ----------
        city
            City id.
        factor
            Only this Well-Being factor.
        resolution
            Cells finer than this are coarsened to their parent at this resolution (cells
            already coarser are kept as they are).
        include_replies
            Count replies too (default: only top-level comments).

        Returns
        -------
        list of CellCount
            Most-commented cells first (then by cell id). Ties for the dominant kind go to
            concern, then idea, then good.
        """
        if isinstance(resolution, bool) or not isinstance(resolution, int):
            raise InvalidInput("解像度が正しくありません。", "resolution must be an int 0-15")
        if not 0 <= resolution <= 15:
            raise InvalidInput("解像度が正しくありません。", "resolution must be 0-15")
        where, params, _ = self._where(city=city, factor=factor, top_level=not include_replies)
        column = f"c.cell{resolution}" if resolution in SUMMARY_RESOLUTIONS else "c.cell"
        sql = (
            f"SELECT {column}, c.kind, COUNT(*), SUM(c.plus_count) "  # noqa: S608 - constant SQL fragments; values are bound
            f"FROM comments c WHERE {' AND '.join(where)} GROUP BY {column}, c.kind"
        )
        with self._backend.read() as tx:
            rows = tx.fetchall(sql, params)
        counts: dict[str, dict[str, int]] = {}
        for cell, kind, n, plus in rows:
            own = str(cell)
            if resolution not in SUMMARY_RESOLUTIONS and h3.get_resolution(own) > resolution:
                own = str(h3.cell_to_parent(own, resolution))
            slot = counts.setdefault(own, {"good": 0, "concern": 0, "idea": 0, "plus": 0})
            slot[str(kind)] += int(n)
            slot["plus"] += int(plus or 0)
        out = [
            CellCount(cell=cell, count=v["good"] + v["concern"] + v["idea"], good=v["good"],
                      concern=v["concern"], idea=v["idea"], plus_ones=v["plus"],
                      dominant_kind=max(_DOMINANCE_ORDER, key=lambda k, v=v: v[k]))  # type: ignore[misc]
            for cell, v in counts.items()
        ]
        return sorted(out, key=lambda c: (-c.count, c.cell))

    def similar_nearby(
        self, *, city: str, cell: str, factor: str, k: int = 2, limit: int = 20
    ) -> list[Comment]:
        """Find visible top-level comments on the same factor within ``k`` cells.

        Shown before posting, so that a citizen can +1 an existing comment instead of
        writing the same thing again.

        Parameters
        ----------
        city
            City id.
        cell
            The H3 cell about to be commented on.
        factor
            Its Well-Being factor.
        k
            Grid distance (``h3.grid_disk``) at ``cell``'s resolution.
        limit
            Most comments returned.

        Returns
        -------
        list of Comment
            Nearest first (grid steps at ``cell``'s resolution), then most +1s, then newest.
        """
        origin = validate_cell(cell)
        if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k <= 10:
            raise InvalidInput("範囲が正しくありません。", "k must be an int between 0 and 10")
        limit = _positive(limit, name="limit", most=200)
        resolution = h3.get_resolution(origin)
        disk = set(h3.grid_disk(origin, k))
        where, params, _ = self._where(city=city, factor=factor, top_level=True)
        # candidates in SQL: the disk in a parent column, plus comments coarser than it
        probe = min(max(resolution, SUMMARY_RESOLUTIONS[0]), SUMMARY_RESOLUTIONS[-1])
        if resolution >= probe:
            keys = {d if resolution == probe else str(h3.cell_to_parent(d, probe)) for d in disk}
        else:
            keys = {str(x) for d in disk for x in h3.cell_to_children(d, probe)}
        where.append(f"(c.cell{probe} IN ({', '.join('?' * len(keys))}) OR c.resolution < ?)")
        params = [*params, *sorted(keys), resolution]
        with self._backend.read() as tx:
            candidates = self._fetch(tx, where, params, order="c.id", include_hidden=False)
        near = []
        for c in candidates:
            mapped = _to_resolution(c.cell, resolution)
            if mapped in disk:
                near.append((int(h3.grid_distance(origin, mapped)), c))
        near.sort(key=lambda dc: (dc[0], -dc[1].plus_ones, -dc[1].created_at.timestamp()))
        return [c for _, c in near[:limit]]

    # -- retention -------------------------------------------------------------------

    def purge_expired(
        self, *, retention_days: float, now: datetime | None = None, actor: str = _SYSTEM
    ) -> int:
        """Delete comments older than the retention period, with their +1s, reports and replies.

        Writes one audit row per run (also when nothing was purged). Audit rows themselves
        are kept.

        Parameters
        ----------
        retention_days
            Comments created more than this many days before ``now`` are deleted.
        now
            Reference time (aware; default now).
        actor
            Who runs the purge (recorded in the audit).

        Returns
        -------
        int
            Number of comment rows deleted (replies removed with their parent included).
        """
        if isinstance(retention_days, bool) or not retention_days > 0:
            raise InvalidInput(
                "保存期間が正しくありません。", "retention_days must be a positive number"
            )
        moment = utc(now)
        cutoff = moment - timedelta(days=retention_days)
        who = sanitize_line(actor, max_length=100, field_ja="実行者", field_en="An actor")
        with self._backend.write() as tx:
            before = tx.fetchone("SELECT COUNT(*) FROM comments")
            tx.execute("DELETE FROM comments WHERE created_at < ?", [cutoff])
            tx.execute("UPDATE data_versions SET version = version + 1")
            after = tx.fetchone("SELECT COUNT(*) FROM comments")
            purged = (int(before[0]) if before else 0) - (int(after[0]) if after else 0)
            self._audit(
                tx,
                moment=moment,
                comment_id=None,
                action="purge",
                actor=who,
                reason=f"retention {retention_days:g} days",
                detail=f"{purged} comments created before {cutoff.isoformat()} deleted",
            )
        return purged

    # -- exports ---------------------------------------------------------------------

    def export_csv(self, *, city: str) -> bytes:
        """Export a city's visible comments as CSV (UTF-8 with BOM, formula-safe).

        Parameters
        ----------
        city
            City id.

        Returns
        -------
        bytes
            The CSV file; see :func:`geo.store.export.comments_to_csv`.
        """
        from geo.participation.store.export import comments_to_csv

        return comments_to_csv(self.comments_frame(city=city))

    def export_geojson(self, *, city: str) -> dict[str, Any]:
        """Export a city's visible comments as GeoJSON H3-cell polygons (never points).

        Parameters
        ----------
        city
            City id.

        Returns
        -------
        dict
            A FeatureCollection; see :func:`geo.store.export.comments_to_geojson`.
        """
        from geo.participation.store.export import comments_to_geojson

        return comments_to_geojson(self.comments_frame(city=city))

    def export_decidim(
        self,
        *,
        city: str,
        locale: str = "ja",
        category_ids: Mapping[str, int] | None = None,
        scope_ids: Mapping[str, int] | None = None,
        include_replies: bool = False,
    ) -> bytes:
        """Export a city's visible comments for Decidim's proposal import.

        Parameters
        ----------
        city
            City id.
        locale
            The Decidim organisation's default locale (column suffix).
        category_ids
            Decidim category id per factor key.
        scope_ids
            Decidim scope id per town code or city id.
        include_replies
            Also export replies (default: top-level comments only).

        Returns
        -------
        bytes
            ``;``-separated CSV with columns ``title/<locale>, body/<locale>, category/id,
            scope/id``; see :func:`geo.store.export.comments_to_decidim_csv`.
        """
        from geo.participation.store.export import comments_to_decidim_csv

        comments = self.comments_frame(city=city, top_level=not include_replies)
        return comments_to_decidim_csv(
            comments, locale=locale, category_ids=category_ids, scope_ids=scope_ids
        )


def comments_to_frame(records: Sequence[Comment]) -> pd.DataFrame:
    """Comment records as a frame (for exports and area statistics, not for page code).

    Parameters
    ----------
    records
        Comments from :meth:`Store.list_comments`.

    Returns
    -------
    pandas.DataFrame
        Columns ``id, parent_id, created_at (UTC), city, cell, resolution, town_code,
        factor, factor_ja, kind, text, nickname, status, scenario_id, plus_ones, replies``.
    """
    import pandas as pd

    if not records:
        return _with_factor_names(_empty_frame(_FRAME_COLUMNS))
    frame = pd.DataFrame([[getattr(c, name) for name in _FRAME_COLUMNS] for c in records],
                         columns=list(_FRAME_COLUMNS))
    return _with_factor_names(_typed(frame))


def _inside(cells: Iterable[str], wanted: Iterable[str]) -> list[bool]:
    """Whether each cell equals, or lies inside, one of ``wanted``."""
    wanted_set = {validate_cell(c, max_resolution=15) for c in wanted}
    resolutions = sorted({h3.get_resolution(c) for c in wanted_set})
    out = []
    for cell in cells:
        own = h3.get_resolution(cell)
        out.append(
            any(
                (cell if r == own else str(h3.cell_to_parent(cell, r))) in wanted_set
                for r in resolutions
                if r <= own
            )
        )
    return out


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
