"""Comment model: Well-Being factors, kinds, statuses, results and input validation."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, get_args

from geo.grid import ids
from geo.participation.framework import FACTOR_KEYS, FACTORS, Factor
from geo.participation.store.errors import InvalidCell, InvalidInput

__all__ = [
    "FACTORS",
    "FACTOR_KEYS",
    "KINDS",
    "KIND_NAMES_JA",
    "MAX_CELL_RESOLUTION",
    "SHAPES",
    "STATUSES",
    "Alert",
    "AuditEntry",
    "CellCount",
    "Comment",
    "CommentPage",
    "Factor",
    "Kind",
    "LoginResult",
    "ModerationAction",
    "PostResult",
    "QueueItem",
    "ReportResult",
    "Shape",
    "Status",
    "factor_by_key",
    "utc",
    "validate_cell",
    "validate_code",
    "validate_factor",
    "validate_kind",
]

Kind = Literal["good", "concern", "idea"]
Status = Literal["visible", "hidden_auto", "hidden", "deleted"]
#: What a comment is about: one hexagon, an area of hexagons or a route through them.
Shape = Literal["point", "area", "route"]
SHAPES: tuple[Shape, ...] = get_args(Shape)
ModerationAction = Literal["hide", "restore", "delete"]

KINDS: tuple[Kind, ...] = get_args(Kind)
"""Kinds of comment: a good point, a concern, an idea."""

KIND_NAMES_JA: dict[str, str] = {
    "good": "良いところ",
    "concern": "気になるところ",
    "idea": "アイデア",
}
"""Japanese label of each kind."""

STATUSES: tuple[Status, ...] = get_args(Status)
"""Lifecycle of a comment; only ``visible`` ones are ever shown to the public."""

MAX_CELL_RESOLUTION = 10
"""Finest H3 resolution a comment may be attached to (about 15,000 m² per cell)."""


# The factors are defined once, as versioned data, in geo.participation.framework
# (data/framework/lwc.toml).

_FACTOR_BY_KEY = {f.key: f for f in FACTORS}
_CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z_.:-]*")
_HEX_CELL = re.compile(r"[0-9A-Fa-f]{15,16}")


def factor_by_key(key: str) -> Factor | None:
    """Return the built-in factor with this key, or ``None``.

    Parameters
    ----------
    key
        A factor key such as ``"mobility"``.

    Returns
    -------
    Factor or None
        The factor, or ``None`` for a key that is not one of :data:`FACTORS`.
    """
    return _FACTOR_BY_KEY.get(key)


@dataclass(frozen=True)
class PostResult:
    """Outcome of posting a comment.

    Parameters
    ----------
    comment_id
        Id of the stored comment (the same for every retry of one idempotency key).
    created
        True when this call stored the comment, False when it was already stored.
    edit_token
        The plain edit token, returned only when ``created`` is true; only its SHA-256
        is stored, so it cannot be shown again.
    status
        Status of the comment now.
    """

    comment_id: int
    created: bool
    edit_token: str | None
    status: Status


@dataclass(frozen=True)
class ReportResult:
    """Outcome of reporting a comment.

    Parameters
    ----------
    recorded
        False when this session had already reported the comment.
    reports
        Number of distinct sessions that have reported it.
    hidden
        Whether the comment is now hidden (automatically or by a moderator).
    counted
        Whether this report counts towards the automatic hide: only a report from a session
        that has been around for a while and done something else (posted, replied, +1'd)
        does; any report puts the comment in the moderators' queue.
    """

    recorded: bool
    reports: int
    hidden: bool
    counted: bool = True


@dataclass(frozen=True, slots=True)
class Comment:
    """One comment as the store hands it to a page: every missing value is ``None``.

    Parameters
    ----------
    id
        Comment id.
    parent_id
        The comment this one replies to, or ``None`` for a top-level comment.
    created_at
        Time of posting (aware, UTC).
    city
        City id.
    cell
        H3 cell id (resolution 10 or coarser) the comment is pinned on.
    resolution
        Resolution of ``cell``.
    town_code
        Code of the town the cell lies in, or ``None``.
    factor
        Well-Being factor key.
    kind
        ``"good"``, ``"concern"`` or ``"idea"``.
    text
        The cleaned text (empty once deleted).
    nickname
        The poster's nickname, or ``None`` when anonymous.
    status
        ``visible``, ``hidden_auto``, ``hidden`` or ``deleted``.
    scenario_id
        The workshop scenario the comment is about, or ``None``.
    plus_ones
        Number of +1s.
    replies
        Number of visible direct replies.
    shape
        ``"point"`` (the comment is about ``cell``), ``"area"`` or ``"route"``.
    cells
        An area's or a route's res-9 cells (a route's in order); empty for a point. ``cell``
        is then one of them, the shape's representative cell.
    """

    id: int
    parent_id: int | None
    created_at: datetime
    city: str
    cell: str
    resolution: int
    town_code: str | None
    factor: str
    kind: Kind
    text: str
    nickname: str | None
    status: Status
    scenario_id: str | None
    plus_ones: int
    replies: int
    shape: Shape = "point"
    cells: tuple[str, ...] = ()

    @property
    def factor_ja(self) -> str:
        """Japanese name of the factor (the key itself for an unknown factor)."""
        f = factor_by_key(self.factor)
        return f.ja if f is not None else self.factor


@dataclass(frozen=True, slots=True)
class CommentPage:
    """One page of a filtered list of top-level comments, with their visible replies.

    Parameters
    ----------
    items
        The page's top-level comments, newest first.
    total
        Number of top-level comments matching the filters (all pages).
    replies
        Visible replies of the page's comments, by parent id, oldest first.
    offset, limit
        Where this page starts and how many it may hold.
    """

    items: tuple[Comment, ...]
    total: int
    replies: dict[int, tuple[Comment, ...]]
    offset: int
    limit: int

    @property
    def pages(self) -> int:
        """Number of pages of ``limit`` comments (at least 1)."""
        return max(1, -(-self.total // max(self.limit, 1)))


@dataclass(slots=True)  # not frozen: a frozen dataclass took 5x as long to make (4.2 against
class CellCount:         # 0.8 ms for a city's 2,868 cells), on every open after a write
    """Visible top-level comments in one H3 cell (for the map).

    Parameters
    ----------
    cell
        H3 cell id at the summary's resolution (or coarser, when the comment was coarser).
    count
        Comments in the cell.
    good, concern, idea
        Comments of each kind.
    plus_ones
        +1s of those comments.
    dominant_kind
        The most common kind; ties go to concern, then idea, then good.
    """

    cell: str
    count: int
    good: int
    concern: int
    idea: int
    plus_ones: int
    dominant_kind: Kind

    @property
    def resolution(self) -> int:
        """Resolution of :attr:`cell`."""
        return ids.resolution_of_string(self.cell)


@dataclass(frozen=True, slots=True)
class QueueItem:
    """A comment waiting for a moderator, with why it is there.

    Parameters
    ----------
    comment
        The comment (any status but ``deleted``).
    reports
        All reports ever received.
    pending_reports
        Reports received since a moderator last restored it.
    reasons
        The reporters' reasons, oldest first (``"-"`` where none was given).
    counted_reports
        Pending reports from sessions that had been around and done something else: these
        hide a comment automatically at the threshold.
    new_session_reports
        Pending reports from new or idle sessions: they queue the comment, never hide it.
    burst
        Whether reports from new sessions came in a burst (the threshold's worth within
        minutes): a sign of one person using several sessions, or of a real problem.
    """

    comment: Comment
    reports: int
    pending_reports: int
    reasons: tuple[str, ...]
    counted_reports: int = 0
    new_session_reports: int = 0
    burst: bool = False


@dataclass(frozen=True, slots=True)
class Alert:
    """Something the moderators should know about (shown on the moderation page).

    Parameters
    ----------
    id
        Row id.
    city
        City id, or ``"*"`` for the whole app (failed logins).
    kind
        ``login_burst`` (failed logins from several sessions), ``comment_ceiling`` (a city's
        comments per minute reached their ceiling) or ``report_burst`` (reports from new
        sessions in a burst).
    first_at, last_at
        First and latest occurrence (aware, UTC).
    hits
        Occurrences (failed logins, refused comments, reports).
    detail
        What happened, in English, with ids and counts only (never a password or a text).
    """

    id: int
    city: str
    kind: str
    first_at: datetime
    last_at: datetime
    hits: int
    detail: str


@dataclass(frozen=True, slots=True)
class LoginResult:
    """Outcome of one attempt at a secret (see :meth:`Store.check_secret`).

    Parameters
    ----------
    ok
        The secret was right.
    checked
        False when the attempt came too early and was refused without looking at the secret.
    retry_after
        Seconds until the next attempt will be looked at (0 when it may come at once).
    failures
        Failed attempts in a row at this secret (all sessions) after this one.
    """

    ok: bool
    checked: bool
    retry_after: float
    failures: int


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One row of the append-only moderation audit.

    Parameters
    ----------
    id
        Row id.
    created_at
        When (aware, UTC).
    comment_id
        The comment acted on, or ``None`` (a purge run).
    action
        ``hide``, ``restore``, ``delete``, ``auto_hide``, ``delete_by_token``, ``purge``,
        ``login`` or ``login_failed``.
    actor
        Who acted (``system`` and ``poster`` for the automatic and self-service actions).
    reason
        Why.
    detail
        What changed (e.g. ``visible -> hidden``), or ``None``.
    """

    id: int
    created_at: datetime
    comment_id: int | None
    action: str
    actor: str
    reason: str
    detail: str | None


def validate_cell(cell: object, *, max_resolution: int = MAX_CELL_RESOLUTION) -> str:
    """Check an H3 cell id and return it in canonical lower-case form.

    Only H3 cell id strings are accepted: a latitude, longitude, tuple or number is refused,
    so raw coordinates can never reach the database.

    Parameters
    ----------
    cell
        An H3 cell id such as ``"8a2f5aadb2d7fff"``.
    max_resolution
        Finest resolution accepted.

    Returns
    -------
    str
        The cell id.

    Raises
    ------
    InvalidCell
        If ``cell`` is not a valid H3 cell id string of resolution ``max_resolution`` or
        coarser.
    """
    if not isinstance(cell, str):
        raise InvalidCell(
            "場所はH3セルIDで指定してください（緯度経度は受け付けません）。",
            f"A location must be an H3 cell id string, not {type(cell).__name__}; "
            "latitude/longitude are never accepted.",
        )
    if not _HEX_CELL.fullmatch(cell) or not ids.is_cell(cell):
        raise InvalidCell(
            "場所のH3セルIDが正しくありません。",
            f"{cell[:32]!r} is not a valid H3 cell id (latitude/longitude are never accepted).",
        )
    canonical = ids.string_of_cell(ids.cell_of_string(cell))
    resolution = ids.resolution_of_string(canonical)
    if resolution > max_resolution:
        raise InvalidCell(
            f"場所が細かすぎます（H3解像度{resolution}）。解像度{max_resolution}以下のセルを"
            "指定してください。",
            f"H3 cell {canonical} has resolution {resolution}; at most {max_resolution} "
            "is allowed so that no comment pinpoints a home.",
        )
    return canonical


def validate_factor(factor: object, *, allowed: Iterable[str] = FACTOR_KEYS) -> str:
    """Check a Well-Being factor key.

    Parameters
    ----------
    factor
        A factor key such as ``"mobility"``.
    allowed
        The accepted keys (default: the 24 keys of :data:`FACTORS`).

    Returns
    -------
    str
        The key.

    Raises
    ------
    InvalidInput
        If the key is not one of ``allowed``.
    """
    allowed_set = allowed if isinstance(allowed, frozenset | set) else frozenset(allowed)
    if not isinstance(factor, str) or factor not in allowed_set:
        shown = ", ".join(sorted(allowed_set)[:30])
        raise InvalidInput(
            "Well-Being因子が正しくありません。",
            f"Unknown Well-Being factor {factor!r}; expected one of: {shown}.",
        )
    return factor


def validate_kind(kind: object) -> Kind:
    """Check a comment kind.

    Parameters
    ----------
    kind
        ``"good"``, ``"concern"`` or ``"idea"``.

    Returns
    -------
    Kind
        The kind.

    Raises
    ------
    InvalidInput
        For any other value.
    """
    for candidate in KINDS:
        if kind == candidate:
            return candidate
    raise InvalidInput(
        "コメントの種類（良いところ・気になるところ・アイデア）を選んでください。",
        f"Unknown kind {kind!r}; expected one of: {', '.join(KINDS)}.",
    )


def validate_code(value: object, *, name: str, max_length: int = 64) -> str:
    """Check an identifier such as a city id, a town code or a scenario id.

    Parameters
    ----------
    value
        The identifier: ASCII letters, digits and ``_ . : -``, starting with a letter or
        digit.
    name
        Name of the parameter, for the error message.
    max_length
        Longest identifier accepted.

    Returns
    -------
    str
        The identifier.

    Raises
    ------
    InvalidInput
        If it is not such a string.
    """
    if not isinstance(value, str) or len(value) > max_length or not _CODE.fullmatch(value):
        raise InvalidInput(
            f"{name} の形式が正しくありません。",
            f"{name} must be 1-{max_length} ASCII letters, digits or '_.:-', got {value!r:.80}.",
        )
    return value


def utc(moment: datetime | None) -> datetime:
    """Return an aware UTC datetime (``now`` when ``moment`` is None).

    Parameters
    ----------
    moment
        An aware datetime, or None.

    Returns
    -------
    datetime
        The same instant in UTC.

    Raises
    ------
    InvalidInput
        If ``moment`` is naive (its time zone would be a guess).
    """
    if moment is None:
        return datetime.now(UTC)
    if not isinstance(moment, datetime):
        raise InvalidInput(
            "日時の形式が正しくありません。", f"Expected a datetime, got {moment!r}."
        )
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(
            "日時にタイムゾーンがありません。",
            f"Datetime {moment.isoformat()} has no time zone; pass an aware datetime.",
        )
    return moment.astimezone(UTC)
