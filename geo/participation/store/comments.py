"""Posting and reactions: a comment, an import of many, a reply, a +1."""

from __future__ import annotations

import hmac
import logging
import operator
import secrets
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final

from geo.grid import ids
from geo.participation.photos import CleanPhoto, clean_photo
from geo.participation.store.backends import Tx, _lock_id, in_chunks
from geo.participation.store.base import (
    StoreBase,
    as_datetime,
    bump,
    check_id,
    check_key,
    positive,
    session_hash,
    sha256,
)
from geo.participation.store.errors import (
    CityBusy,
    CommentNotFound,
    IdempotencyConflict,
    InvalidAction,
    InvalidInput,
    RateLimited,
)
from geo.participation.store.guards import note_activity, raise_alert
from geo.participation.store.links import group_of
from geo.participation.store.migrations import (
    CITY_WINDOW,
    POST_AT_ONCE_ARGUMENTS,
    POST_AT_ONCE_FUNCTION,
    POST_ROW_ARGUMENTS,
    POST_ROW_FUNCTION,
    SESSION_WINDOW,
    parent_cells,
)
from geo.participation.store.models import (
    Kind,
    PostResult,
    Status,
    utc,
    validate_cell,
    validate_code,
    validate_factor,
    validate_kind,
)
from geo.participation.store.photos import store_photo
from geo.participation.store.proposals import ProposalDraft, check_proposal, store_proposal
from geo.participation.store.shapes import ShapeDraft, check_shape, store_shape
from geo.settings import settings
from geo.text import sanitize_comment, sanitize_nickname

logger = logging.getLogger(__name__)

#: Every this many comments the database's planner statistics are checked (and refreshed when
#: the table has more than doubled or halved since).
STATISTICS_EVERY: Final = 4096

__all__ = ["MAX_IMPORTED_PLUS_ONES", "CommentsMixin"]

MAX_IMPORTED_PLUS_ONES: Final = 10_000
"""Most +1s one imported comment may bring (each is a row of ``plus_ones``)."""

_INSERT = (
    "INSERT INTO comments (idempotency_key, session_hash, city, cell, resolution, town_code, "
    "factor, kind, body, nickname, created_at, parent_id, status, edit_token_hash, consent, "
    "scenario_id, cell7, cell8, cell9, plus_count) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'visible', ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id"
)


def _call(function: str, arguments: Sequence[tuple[str, str]]) -> str:
    """``SELECT function(?::type, ...)`` for a PL/pgSQL function of the migrations."""
    return f"SELECT {function}(" + ", ".join(f"?::{t}" for _, t in arguments) + ")"


def _session_lock(session: str) -> str:
    """Name of the lock that serialises one session's posts (its rate limit's count holds)."""
    return "post:" + session


def _city_lock(city: str) -> str:
    """Name of the lock that serialises one city's posts (its ceiling's count holds)."""
    return "post-city:" + city


_POST_ROW = _call(POST_ROW_FUNCTION, POST_ROW_ARGUMENTS)
"""PostgreSQL: :data:`_INSERT`, the data version and the poster's activity in one call
(migration 12); the new id, or NULL when the key is stored already."""
_POST_AT_ONCE = _call(POST_AT_ONCE_FUNCTION, POST_AT_ONCE_ARGUMENTS)
"""PostgreSQL: a bare comment with its locks and rate limits in one statement (migration 13);
the new id, or NULL when a limit refuses it or the key is stored already."""
_IMPORT_REQUIRED = ("idempotency_key", "session_id", "cell", "factor", "kind", "text")


@dataclass(frozen=True)
class _Draft:
    """A validated comment, ready to be inserted."""

    key: str
    session: str
    city: str
    cell: str
    town: str | None
    factor: str
    kind: str
    body: str
    nickname: str | None
    moment: datetime
    parent: int | None
    scenario: str | None
    photo: CleanPhoto | None = None
    proposal: ProposalDraft | None = None
    shape: ShapeDraft | None = None

    @property
    def nothing_attached(self) -> bool:
        """No photo, proposal or shape to store beside the comment's row."""
        return self.photo is None and self.proposal is None and self.shape is None

    @property
    def bare(self) -> bool:
        """Nothing attached and nothing referred to (no parent, no scenario): most comments."""
        return self.nothing_attached and self.parent is None and self.scenario is None

    def values(self, token_hash: str, *, plus_ones: int = 0) -> list[Any]:
        """The parameters of :data:`_INSERT`."""
        return [self.key, self.session, self.city, self.cell, ids.resolution_of_string(self.cell),
                self.town, self.factor, self.kind, self.body, self.nickname, self.moment,
                self.parent, token_hash, True, self.scenario, *parent_cells(self.cell),
                plus_ones]


def _draft(*, key: object, session_id: object, cell: object, factor: object, kind: object,
           text: Any, nickname: Any, town_code: object, city: str, parent_id: object,
           scenario_id: object, now: datetime | None, factors: Collection[str],
           photo: bytes | None = None, proposal: object = None,
           shape: object = None) -> _Draft:
    """Validate one comment as :meth:`CommentsMixin.post_comment` documents (a photo is
    re-encoded without metadata here, before any transaction)."""
    draft = _Draft(
        key=check_key(key),
        session=session_hash(session_id),
        city=city,
        cell=validate_cell(cell),
        town=None if town_code is None else validate_code(town_code, name="town_code"),
        factor=validate_factor(factor, allowed=factors),
        kind=validate_kind(kind),
        body=sanitize_comment(text),
        nickname=sanitize_nickname(nickname),
        moment=utc(now),
        parent=None if parent_id is None else check_id(parent_id),
        scenario=None if scenario_id is None else validate_code(scenario_id, name="scenario_id"),
        photo=None if photo is None else clean_photo(photo,
                                                     max_bytes=settings().photo_max_bytes),
    )
    if shape is not None:
        if draft.parent is not None:
            raise InvalidInput("返信にはエリアやルートを付けられません。",
                               "A reply takes its parent's place, not a shape of its own.")
        draft = replace(draft, shape=check_shape(shape, cell=draft.cell))
    if proposal is None:
        return draft
    return replace(draft, proposal=check_proposal(
        proposal, cell=draft.cell, kind=draft.kind, parent=draft.parent,
        scenario=draft.scenario))


def _check_consent(consent: object) -> None:
    """Refuse a comment whose poster did not agree to the terms of publication."""
    if consent is not True:
        raise InvalidInput(
            "投稿の公開に同意していただく必要があります。",
            "The poster must consent to publication (consent=True).",
        )


def _existing(tx: Tx, key: str, session: str) -> PostResult | None:
    """The stored comment of an idempotency key, if any (another session's: a conflict)."""
    row = tx.fetchone(
        "SELECT id, session_hash, status FROM comments WHERE idempotency_key = ?", [key]
    )
    if row is None:
        return None
    if not hmac.compare_digest(str(row[1]), session):
        raise IdempotencyConflict()
    status: Status = row[2]
    return PostResult(comment_id=int(row[0]), created=False, edit_token=None, status=status)


def _stored_after_conflict(tx: Tx, draft: _Draft) -> PostResult:
    """The row that won an insert race on ``draft``'s key (a retry, or a conflict)."""
    existing = _existing(tx, draft.key, draft.session)
    if existing is None:  # pragma: no cover - the conflicting row must exist
        raise IdempotencyConflict()
    return existing


def _check_parent(tx: Tx, parent: int, city: str) -> str | None:
    """Check that a reply's parent exists, is visible and belongs to the same city; return
    the parent's scenario id (a reply is about what its parent is about)."""
    row = tx.fetchone("SELECT city, status, scenario_id FROM comments WHERE id = ?", [parent])
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
    return None if row[2] is None else str(row[2])


def _check_scenarios(tx: Tx, scenarios: Collection[str], city: str, *, lock: str = "") -> None:
    """Check that every scenario id names a workshop scenario of ``city``.

    In a write transaction on PostgreSQL pass ``lock=" FOR KEY SHARE"``: the rows then cannot
    be deleted (:meth:`Workshop.delete_session`) until the comment is committed.
    """
    wanted = sorted(scenarios)
    found: dict[str, str] = {}
    for marks, chunk in in_chunks(wanted):
        rows = tx.fetchall(
            f"SELECT id, city FROM scenarios WHERE id IN ({marks})"  # noqa: S608 - placeholders only; values are bound
            + lock, chunk)
        found.update((str(r[0]), str(r[1])) for r in rows)
    for sid in wanted:
        if sid not in found:
            raise InvalidInput(
                "このシナリオは見つかりません（削除されたか、存在しません）。",
                f"No workshop scenario {sid!r} (deleted, or never made).",
            )
        if found[sid] != city:
            raise InvalidInput(
                "このシナリオは別の市区町村のものです。",
                f"Scenario {sid!r} belongs to another city than {city!r}.",
            )


def _check_group(tx: Tx, scenario: str, group_token: object) -> None:
    """A comment on a scenario comes from a group of its workshop session holding a join link
    that works now: a renewed (revoked) link ends here as it ends for edits."""
    _, session_id, _ = group_of(tx, group_token)
    row = tx.fetchone("SELECT session_id FROM scenarios WHERE id = ?", [scenario])
    if row is not None and str(row[0]) != session_id:
        raise InvalidInput(
            "このシナリオは別のワークショップのものです。",
            f"Scenario {scenario!r} belongs to another workshop session than this group's.",
        )


def _plus_count(value: object) -> int:
    """Check an imported comment's number of +1s (0 … :data:`MAX_IMPORTED_PLUS_ONES`)."""
    try:
        n = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        n = -1
    if isinstance(value, bool) or not 0 <= n <= MAX_IMPORTED_PLUS_ONES:
        raise InvalidInput(
            "+1の数が正しくありません。",
            f"plus_ones must be a whole number 0-{MAX_IMPORTED_PLUS_ONES}, not {value!r}",
        )
    return n


class CommentsMixin(StoreBase):
    """Posting and reactions: :meth:`post_comment`, :meth:`import_comments`, :meth:`reply`,
    :meth:`plus_one`."""

    @property
    def _key_share(self) -> str:
        """Row lock that keeps a scenario from being deleted under a comment (PostgreSQL)."""
        return " FOR KEY SHARE" if self._backend.dialect == "postgres" else ""

    def post_comment(
        self, *, idempotency_key: str, session_id: str, cell: str, factor: str, kind: Kind,
        text: str, nickname: str | None = None, town_code: str | None = None, city: str,
        consent: bool, parent_id: int | None = None, scenario_id: str | None = None,
        group_token: str | None = None, now: datetime | None = None, photo: bytes | None = None,
        proposal: ProposalDraft | None = None, shape: ShapeDraft | None = None,
    ) -> PostResult:
        """Store a comment once, however often the same submission is retried.

        Parameters
        ----------
        idempotency_key
            Unique id of this submission chosen by the client (e.g. a UUID made when the
            form is shown): 1-128 characters of ``A-Z a-z 0-9 . _ : -``. A retry with the
            same key, from any process, returns the stored comment.
        session_id, cell
            The browser session, used (hashed) for the rate limit, never an IP address; an H3
            cell id of resolution 10 or coarser (coordinates are refused).
        factor, kind, town_code, city
            Well-Being factor key (see ``FACTORS``); ``"good"``, ``"concern"`` or ``"idea"``;
            optional code of the town (町丁目) the cell lies in; the city id.
        text, nickname
            The comment, cleaned by :func:`geo.text.sanitize_comment` (at most 1,000
            characters after cleaning, never truncated); an optional nickname (≤ 40).
        consent, parent_id
            True: the poster agreed to the terms of publication; the comment this one replies
            to (visible, same city).
        scenario_id
            Optional workshop scenario the comment is about: it must exist and belong to
            ``city`` (checked in the writing transaction). A reply may keep its parent's.
        group_token
            Join-link token of a group of the scenario's session, required with a new
            ``scenario_id`` (checked in the writing transaction: a renewed link cannot comment).
        photo, proposal, shape, now
            A photo (:mod:`.photos`), a facility an idea proposes (:mod:`.proposals`), an area
            or a route (:mod:`.shapes`, ``cell`` one of its cells), all stored in the
            comment's transaction; the time (aware; default now).

        Returns
        -------
        PostResult
            The comment id; the plain edit token only when this call created it.
        Raises
        ------
        InvalidInput
            For any invalid parameter (``InvalidCell`` for the location), an unknown scenario
            or one of another city.
        geo.text.TextError, geo.participation.photos.PhotoError
            If the text or nickname is empty or too long; if the photo is refused.
        RateLimited
            If this session already posted ``rate_limit`` comments in the window (a retry of
            a stored key is never limited); :class:`CityBusy` if the city received
            ``city_rate_limit`` comments in the window (the moderators are alerted).
        UnknownLink, LinkRevoked
            For a new scenario comment without a working join link.
        IdempotencyConflict
            If another session already used this key.
        """
        draft = _draft(key=idempotency_key, session_id=session_id, cell=cell, factor=factor,
                       kind=kind, text=text, nickname=nickname, town_code=town_code, now=now,
                       city=validate_code(city, name="city"), parent_id=parent_id, photo=photo,
                       scenario_id=scenario_id, factors=self.factors, proposal=proposal,
                       shape=shape)
        _check_consent(consent)
        token = secrets.token_urlsafe(24)
        cid = self._post_at_once(draft, token)
        if cid is None:
            return self._post_in_steps(draft, token, group_token)
        self._after_post(cid, draft)
        return PostResult(comment_id=cid, created=True, edit_token=token, status="visible")

    def _post_in_steps(self, draft: _Draft, token: str, group_token: object) -> PostResult:
        """:meth:`post_comment`'s full path: a stored key's comment is returned; the session's
        rate limit, the city's ceiling, the parent, scenario and link are checked; then the
        comment is stored with its photo, proposal or shape, in one transaction."""
        with self._backend.write(lock=_session_lock(draft.session)) as tx:
            existing = _existing(tx, draft.key, draft.session)
            if existing is not None:
                return existing
            self._check_rate(tx, draft.session, draft.moment)
            busy, cid = self._city_ceiling(tx, draft.city, draft.moment), None
            if busy is None:  # else the alert is committed, then the poster told
                cid = self._insert(tx, draft, token, group_token)
        if busy is not None:
            raise busy
        if cid is None:  # another session stored this key meanwhile (nothing was written)
            with self._backend.read() as stored:
                return _stored_after_conflict(stored, draft)
        self._after_post(cid, draft)
        return PostResult(comment_id=cid, created=True, edit_token=token, status="visible")

    def _post_at_once(self, draft: _Draft, token: str) -> int | None:
        """Store a bare comment on PostgreSQL in one statement (migration 13, sent by
        :meth:`Backend.write_at_once`): under the locks of the full path, and only when the
        session's rate limit and the city's ceiling allow it (the same queries). The new id;
        None when a limit would refuse it or its key is stored already: nothing was written,
        and the full path of :meth:`post_comment` decides (a retry gets its stored comment, a
        refusal is raised and alerted). None at once for any other comment, or on SQLite."""
        if self._backend.dialect != "postgres" or not draft.bare:
            return None
        locks = []
        if self.rate_limit is not None:  # a session's posts one at a time: its count holds
            locks.append(_lock_id(_session_lock(draft.session)))
        if self.city_rate_limit is not None:  # and a city's, for its ceiling
            locks.append(_lock_id(_city_lock(draft.city)))
        row = self._backend.write_at_once(_POST_AT_ONCE, [
            *draft.values(sha256(token)), locks, self.rate_limit, self.city_rate_limit,
            draft.moment - self.rate_window])
        return None if row is None or row[0] is None else int(row[0])

    def _insert(self, tx: Tx, draft: _Draft, token: str, group_token: object) -> int | None:
        """Check the parent, scenario and group link, insert the comment, move the city's data
        version on and note the poster's activity; the new id, or None when a concurrent
        writer stored this key first. A comment without a photo, proposal or shape commits
        the transaction with its insert (:meth:`Tx.commit_with`)."""
        inherited = None if draft.parent is None else _check_parent(tx, draft.parent,
                                                                     draft.city)
        if draft.scenario is not None and draft.scenario != inherited:
            _check_scenarios(tx, [draft.scenario], draft.city, lock=self._key_share)
            _check_group(tx, draft.scenario, group_token)
        values = draft.values(sha256(token))
        if self._backend.dialect == "postgres":
            row = (tx.commit_with(_POST_ROW, values) if draft.nothing_attached
                   else tx.fetchone(_POST_ROW, values))
            if row is None or row[0] is None:
                return None
        else:
            row = tx.fetchone(_INSERT, values)
            if row is None:
                return None
            bump(tx, draft.city)
            note_activity(tx, draft.session, draft.moment, action=True)
        if draft.photo is not None:  # re-encoded without metadata by _draft
            store_photo(tx, int(row[0]), draft.photo, draft.moment)
        if draft.proposal is not None:  # checked by _draft
            store_proposal(tx, int(row[0]), draft.city, draft.proposal, draft.moment)
        if draft.shape is not None:  # checked by _draft
            store_shape(tx, int(row[0]), draft.shape)
        return int(row[0])

    def _city_ceiling(self, tx: Tx, city: str, moment: datetime) -> CityBusy | None:
        """The refusal when the city received its ceiling of comments in the window (all
        sessions; a moderators' alert is recorded), else None. On PostgreSQL the city's posts
        are serialised for it, so the count holds across processes."""
        limit = self.city_rate_limit
        if limit is None:
            return None
        if self._backend.dialect == "postgres":
            tx.execute("SELECT pg_advisory_xact_lock(?)", [_lock_id(_city_lock(city))])
        row = tx.fetchone(f"SELECT COUNT(*), MIN(created_at) FROM ({CITY_WINDOW}) w",  # noqa: S608
                          [city, moment - self.rate_window, moment, limit])
        if row is None or int(row[0]) < limit:
            return None
        window = self.rate_window.total_seconds()
        wait = max((as_datetime(row[1]) + self.rate_window - moment).total_seconds(), 0.0)
        raise_alert(tx, city=city, kind="comment_ceiling", moment=moment,
                    detail=f"{limit} comments in {window:g} s from all sessions: further "
                    f"comments refused for about {wait:.0f} s")
        return CityBusy(limit=limit, window_seconds=window, retry_after=wait)

    def _after_post(self, comment_id: int, draft: _Draft) -> None:
        """Log a stored comment (ids only) and keep the planner's statistics fresh."""
        # the text, nickname and cell never go into the log above DEBUG
        logger.info("comment %d posted in %s (%s%s)", comment_id, draft.city, draft.kind,
                    ", reply" if draft.parent is not None else "")
        if comment_id % STATISTICS_EVERY == 0:  # a growing city keeps good query plans
            self._backend.refresh_statistics()

    def import_comments(
        self, items: Iterable[Mapping[str, Any]], *, city: str, batch: int = 2000
    ) -> list[PostResult]:
        """Store many top-level comments at once (an import, or sample data), validated as
        :meth:`post_comment` validates them, in transactions of ``batch`` rows.

        Each item holds ``idempotency_key, session_id, cell, factor, kind, text`` and may
        hold ``nickname, town_code, scenario_id, created_at`` (aware datetime) and
        ``plus_ones`` (that many +1s from distinct anonymous sessions, at most
        :data:`MAX_IMPORTED_PLUS_ONES`). Consent is taken as given: import only what was
        posted with the same terms. No rate limit applies.

        Every item is checked — its fields, its scenario, and its key against the stored
        comments and the other items — before anything is written, so a bad item anywhere
        stores nothing. An item whose key the same session already stored is not stored
        again: its outcome is the stored comment, as for a retried :meth:`post_comment`.

        Parameters
        ----------
        items
            The comments.
        city
            City id of every comment.
        batch
            Rows per write transaction.

        Returns
        -------
        list of PostResult
            One outcome per item, in order: ``created`` is False for a key already stored
            (or given twice by the same session). ``edit_token`` is always None: imported
            comments cannot be deleted by their poster.

        Raises
        ------
        InvalidInput, geo.text.TextError
            As for :meth:`post_comment` (the error carries a note naming the item).
        IdempotencyConflict
            If a key is stored, or given in the items, by another session. Nothing is
            written; only a conflicting key stored by a concurrent writer after the check
            interrupts an import between two batches (the earlier batches stay stored).
        """
        city_id = validate_code(city, name="city")
        size = positive(batch, name="batch", most=1_000_000)
        drafts, plus = self._import_drafts(items, city_id)
        out, todo, twins = self._import_plan(drafts, city_id)
        for start in range(0, len(todo), size):
            chunk = todo[start:start + size]
            with self._backend.write() as tx:
                scenarios = {s for i in chunk if (s := drafts[i].scenario) is not None}
                _check_scenarios(tx, scenarios, city_id, lock=self._key_share)
                for i in chunk:
                    out[i] = _import_one(tx, drafts[i], plus[i])
                bump(tx, city_id)
        for i, first in twins.items():
            stored = out[first]
            assert stored is not None
            out[i] = PostResult(comment_id=stored.comment_id, created=False, edit_token=None,
                                status=stored.status)
        if todo:
            self._backend.refresh_statistics()
        return [r for r in out if r is not None]

    def _import_drafts(self, items: Iterable[Mapping[str, Any]],
                       city: str) -> tuple[list[_Draft], list[int]]:
        """Validate every item of an import (nothing is written)."""
        drafts: list[_Draft] = []
        plus: list[int] = []
        for i, item in enumerate(items):
            try:
                missing = [name for name in _IMPORT_REQUIRED if name not in item]
                if missing:
                    raise InvalidInput(f"項目がありません: {', '.join(missing)}",
                                       f"missing field(s): {', '.join(missing)}")
                drafts.append(_draft(
                    key=item["idempotency_key"], session_id=item["session_id"],
                    cell=item["cell"], factor=item["factor"], kind=item["kind"],
                    text=item["text"], nickname=item.get("nickname"),
                    town_code=item.get("town_code"), city=city, parent_id=None,
                    scenario_id=item.get("scenario_id"), now=item.get("created_at"),
                    factors=self.factors))
                plus.append(_plus_count(item.get("plus_ones", 0)))
            except Exception as exc:
                exc.add_note(f"import item {i} (0-based)")
                raise
        return drafts, plus

    def _import_plan(
        self, drafts: Sequence[_Draft], city: str
    ) -> tuple[list[PostResult | None], list[int], dict[int, int]]:
        """Check an import's keys and scenarios against the database and each other.

        Returns the outcomes known already (keys this session stored), the positions to
        insert, and each repeated item's first position.
        """
        out: list[PostResult | None] = [None] * len(drafts)
        stored: dict[str, tuple[int, str, Status]] = {}
        keys = sorted({d.key for d in drafts})
        with self._backend.read() as tx:
            for marks, chunk in in_chunks(keys):
                for key, cid, session, status in tx.fetchall(
                        "SELECT idempotency_key, id, session_hash, status FROM comments "  # noqa: S608 - placeholders only; values are bound
                        f"WHERE idempotency_key IN ({marks})", chunk):
                    stored[str(key)] = (int(cid), str(session), status)
            _check_scenarios(tx, {d.scenario for d in drafts if d.scenario is not None}, city)
        todo: list[int] = []
        first: dict[str, int] = {}
        twins: dict[int, int] = {}
        for i, d in enumerate(drafts):
            owner = stored[d.key][1] if d.key in stored else (
                drafts[first[d.key]].session if d.key in first else d.session)
            if not hmac.compare_digest(owner, d.session):
                raise IdempotencyConflict()
            if d.key in stored:
                cid, _, status = stored[d.key]
                out[i] = PostResult(comment_id=cid, created=False, edit_token=None, status=status)
            elif d.key in first:
                twins[i] = first[d.key]
            else:
                first[d.key] = i
                todo.append(i)
        return out, todo, twins

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
        """Reply to a visible comment; the reply inherits its city, cell, town, factor and
        scenario.

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
        parent = check_id(parent_id)
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

    def _check_rate(self, tx: Tx, session: str, moment: datetime) -> None:
        """Raise RateLimited when the session used up its comments of the window."""
        if self.rate_limit is None:
            return
        rows = tx.fetchall(SESSION_WINDOW,
                           [session, moment - self.rate_window, moment, self.rate_limit])
        if len(rows) >= self.rate_limit:
            oldest = as_datetime(rows[0][0])
            retry_after = (oldest + self.rate_window - moment).total_seconds()
            raise RateLimited(
                limit=self.rate_limit,
                window_seconds=self.rate_window.total_seconds(),
                retry_after=max(retry_after, 0.0),
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
        cid = check_id(comment_id)
        session = session_hash(session_id)
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
                bump(tx, str(row[1]))
                note_activity(tx, session, moment, action=True)
            count = tx.fetchone("SELECT plus_count FROM comments WHERE id = ?", [cid])
        return int(count[0]) if count else 0



def _import_one(tx: Tx, draft: _Draft, plus_ones: int) -> PostResult:
    """Insert one imported comment with its +1s (or return the row a concurrent writer
    stored under its key)."""
    row = tx.fetchone(_INSERT, draft.values(sha256(secrets.token_urlsafe(24)),
                                            plus_ones=plus_ones))
    if row is None:
        return _stored_after_conflict(tx, draft)
    cid = int(row[0])
    for k in range(plus_ones):
        tx.execute(
            "INSERT INTO plus_ones (comment_id, session_hash, created_at) VALUES (?, ?, ?)",
            [cid, sha256(f"import-plus:{cid}:{k}"), draft.moment],
        )
    return PostResult(comment_id=cid, created=True, edit_token=None, status="visible")
