"""Reports, moderation, deletion, the moderation queue, the audit and the retention purge."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Final

from geo.participation.store.backends import Row, Tx, in_chunks
from geo.participation.store.base import (
    POSTER,
    RECORD_COLUMNS,
    SYSTEM,
    StoreBase,
    as_datetime,
    audit,
    bump,
    check_id,
    positive,
    record,
    session_hash,
    sha256,
    wipe,
)
from geo.participation.store.errors import (
    CommentNotFound,
    InvalidAction,
    InvalidInput,
    TokenMismatch,
)
from geo.participation.store.guards import raise_alert, standing
from geo.participation.store.models import (
    AuditEntry,
    Comment,
    ModerationAction,
    QueueItem,
    ReportResult,
    Status,
    utc,
    validate_code,
)
from geo.participation.store.shapes import attach_shapes
from geo.text import sanitize_line

logger = logging.getLogger(__name__)

__all__ = ["REPORT_BURST_WINDOW", "ModerationMixin"]

REPORT_BURST_WINDOW: Final = timedelta(minutes=10)
"""Reports from new sessions reaching the hiding threshold within this time are a burst: the
comment stays visible, waits in the queue marked as such, and the moderators are alerted."""

# restore and hide acknowledge the reports received so far (see ModerationMixin.moderate)
_ACKNOWLEDGE = (
    "UPDATE comments SET status = ?, reports_acknowledged = "
    "(SELECT COUNT(*) FROM reports WHERE comment_id = ?) WHERE id = ?"
)


def _pending_counted(tx: Tx, cid: int, acknowledged: int) -> tuple[int, int, list[datetime]]:
    """Reports since the last acknowledgement: how many, how many count towards the automatic
    hide, and when the others (from new sessions) came."""
    rows = tx.fetchall("SELECT counts, created_at FROM reports WHERE comment_id = ? ORDER BY id",
                       [cid])
    pending = rows[acknowledged:]
    fresh = [as_datetime(r[1]) for r in pending if not r[0]]
    return len(pending), len(pending) - len(fresh), fresh


def _is_burst(times: Sequence[datetime], threshold: int) -> bool:
    """Whether ``threshold`` of these times fall within :data:`REPORT_BURST_WINDOW`."""
    ordered = sorted(times)
    return any(ordered[i + threshold - 1] - ordered[i] <= REPORT_BURST_WINDOW
               for i in range(len(ordered) - threshold + 1))


def _apply(tx: Tx, cid: int, action: ModerationAction) -> Status:
    """Change a comment's status for a moderation action; return the new status."""
    if action == "delete":
        wipe(tx, cid)
        return "deleted"
    new: Status = "hidden" if action == "hide" else "visible"
    tx.execute(_ACKNOWLEDGE, [new, cid, cid])
    return new


class ModerationMixin(StoreBase):
    """Reports and moderation: :meth:`report`, :meth:`moderate`, :meth:`delete_by_token`,
    :meth:`moderation_queue`, :meth:`audit_log`, :meth:`purge_expired`."""

    def _locked(self, tx: Tx, cid: int, columns: str) -> Row:
        """``columns`` of a comment, its row locked for this transaction (PostgreSQL)."""
        row = tx.fetchone(
            f"SELECT {columns} FROM comments WHERE id = ?"  # noqa: S608 - constant column lists; values are bound
            + self._backend.for_update, [cid])
        if row is None:
            raise CommentNotFound(cid)
        return row

    def report(
        self, *, comment_id: int, session_id: str, reason: str, now: datetime | None = None
    ) -> ReportResult:
        """Report a comment as inappropriate; once per session.

        Every report puts the comment in the moderators' queue. A report counts towards the
        automatic hide only when its session was first seen at least ``report_min_age``
        before and has posted, replied or +1'd (``report_min_actions``): anonymous sessions
        cost nothing, so one person could otherwise be three. When ``report_threshold``
        counted reports (since a moderator last restored it) are reached, a visible comment
        becomes ``hidden_auto`` and an audit row is written. Reports from new sessions that
        reach the threshold within :data:`REPORT_BURST_WINDOW` leave it visible, mark it as a
        burst in the queue and alert the moderators.

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
            Whether this report was new and counted, the number of reporting sessions, and
            whether the comment is hidden now.

        Raises
        ------
        CommentNotFound
            If the comment does not exist.
        InvalidAction
            If it was deleted.
        """
        cid = check_id(comment_id)
        session = session_hash(session_id)
        why = sanitize_line(
            reason, max_length=200, field_ja="通報の理由", field_en="A reason", allow_empty=True
        )
        moment = utc(now)
        with self._backend.write() as tx:
            row = self._locked(tx, cid, "status, reports_acknowledged, city")
            status, acknowledged, city = str(row[0]), int(row[1]), str(row[2])
            if status == "deleted":
                raise InvalidAction("このコメントは削除済みです。", f"Comment {cid} was deleted.")
            first, actions = standing(tx, session, moment)
            counts = (moment - first >= self.report_min_age
                      and actions >= self.report_min_actions)
            inserted = tx.fetchone(
                "INSERT INTO reports (comment_id, session_hash, reason, created_at, counts) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (comment_id, session_hash) DO NOTHING "
                "RETURNING id",
                [cid, session, why, moment, counts],
            )
            counted_row = tx.fetchone("SELECT COUNT(*) FROM reports WHERE comment_id = ?", [cid])
            reports = int(counted_row[0]) if counted_row else 0
            hidden = status in ("hidden", "hidden_auto")
            if status == "visible" and inserted is not None:
                hidden = self._after_report(tx, cid, city, acknowledged, moment)
        return ReportResult(recorded=inserted is not None, reports=reports, hidden=hidden,
                            counted=inserted is not None and counts)

    def _after_report(self, tx: Tx, cid: int, city: str, acknowledged: int,
                      moment: datetime) -> bool:
        """Hide a visible comment at the threshold of counted reports, or alert the moderators
        to a burst of reports from new sessions; return whether it is hidden now."""
        pending, counted, fresh = _pending_counted(tx, cid, acknowledged)
        if counted >= self.report_threshold:
            tx.execute("UPDATE comments SET status = 'hidden_auto' WHERE id = ?", [cid])
            bump(tx, city)
            audit(tx, moment=moment, comment_id=cid, action="auto_hide", actor=SYSTEM,
                  reason=f"reported by {counted} established sessions "
                  f"(threshold {self.report_threshold}; {pending - counted} more from new "
                  "sessions)", detail="visible -> hidden_auto")
            logger.info("comment %d hidden after %d counted reports", cid, counted)
            return True
        if len(fresh) >= self.report_threshold and _is_burst(fresh, self.report_threshold):
            raise_alert(tx, city=city, kind="report_burst", moment=moment,
                        detail=f"comment {cid}: {len(fresh)} reports from new sessions within "
                        f"{REPORT_BURST_WINDOW.total_seconds() / 60:g} minutes (not hidden; "
                        "in the queue)")
        return False

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
        cid = check_id(comment_id)
        if action not in ("hide", "restore", "delete"):
            raise InvalidInput(
                "操作が正しくありません。",
                f"Unknown moderation action {action!r}; expected hide, restore or delete.",
            )
        who = sanitize_line(moderator, max_length=100, field_ja="担当者名", field_en="A moderator")
        why = sanitize_line(reason, max_length=500, field_ja="理由", field_en="A reason")
        moment = utc(now)
        with self._backend.write() as tx:
            row = self._locked(tx, cid, "status, city")
            old = str(row[0])
            bump(tx, str(row[1]))
            if old == "deleted":
                raise InvalidAction(
                    "削除済みのコメントは操作できません。", f"Comment {cid} was already deleted."
                )
            new = _apply(tx, cid, action)
            audit(tx, moment=moment, comment_id=cid, action=action, actor=who, reason=why,
                  detail=f"{old} -> {new}")
        logger.info("comment %d moderated: %s (%s -> %s)", cid, action, old, new)
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
        cid = check_id(comment_id)
        if not isinstance(token, str):
            raise TokenMismatch()
        given = sha256(token)
        moment = utc(now)
        with self._backend.write() as tx:
            row = self._locked(tx, cid, "edit_token_hash, status, city")
            if not hmac.compare_digest(str(row[0]), given):
                raise TokenMismatch()
            if row[1] == "deleted":
                return False
            wipe(tx, cid)
            bump(tx, str(row[2]))
            audit(tx, moment=moment, comment_id=cid, action="delete_by_token", actor=POSTER,
                  reason="deleted by the poster with the edit token",
                  detail=f"{row[1]} -> deleted")
        logger.info("comment %d deleted by its poster", cid)
        return True

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
        # the queued ids from the two places that say so, both indexed: the city's
        # auto-hidden comments, and the reports grouped by comment (a city's reports are
        # few where its comments are many: not a pass over every comment)
        queued = (
            f"SELECT c.id FROM comments c WHERE c.status = 'hidden_auto'{city_filter} "  # noqa: S608 - constant SQL fragments; values are bound
            "UNION SELECT c.id FROM comments c JOIN (SELECT comment_id, COUNT(*) AS n "
            "FROM reports GROUP BY comment_id) x ON x.comment_id = c.id "
            f"WHERE c.status <> 'deleted' AND x.n > c.reports_acknowledged{city_filter}")
        sql = (
            f"SELECT {RECORD_COLUMNS}, "  # noqa: S608 - constant SQL fragments; values are bound
            "(SELECT COUNT(*) FROM comments r WHERE r.parent_id = c.id), "
            "(SELECT COUNT(*) FROM reports x WHERE x.comment_id = c.id), "
            f"c.reports_acknowledged FROM comments c WHERE c.id IN ({queued}) ORDER BY c.id"
        )
        with self._backend.read() as tx:
            rows = tx.fetchall(sql, params * 2)
            reports_of: dict[int, list[tuple[str, bool, datetime]]] = {}
            for marks, chunk in in_chunks([int(row[0]) for row in rows]):  # those, found once
                for cid, why, counts, at in tx.fetchall(
                    "SELECT x.comment_id, x.reason, x.counts, x.created_at FROM reports x "  # noqa: S608 - placeholders only; values are bound
                    f"WHERE x.comment_id IN ({marks}) ORDER BY x.id", chunk,
                ):
                    reports_of.setdefault(int(cid), []).append(
                        (str(why) or "-", bool(counts), as_datetime(at)))
        items = self._with_shapes([self._queue_item(row, reports_of.get(int(row[0]), []))
                                   for row in rows])
        items.sort(key=lambda q: (q.comment.status != "hidden_auto", not q.burst,
                                  -q.pending_reports, q.comment.id))
        return items

    def _with_shapes(self, items: list[QueueItem]) -> list[QueueItem]:
        """Queued comments with their areas' and routes' cells (a moderator sees the shape)."""
        if all(q.comment.shape == "point" for q in items):
            return items
        with self._backend.read() as tx:
            comments = attach_shapes(tx, [q.comment for q in items])
        return [replace(q, comment=c) for q, c in zip(items, comments, strict=True)]

    def _queue_item(self, row: Row, reports: list[tuple[str, bool, datetime]]) -> QueueItem:
        """One queued comment with its reports: why it is hidden or waiting."""
        comment = record(row[:-2])
        total, acknowledged = int(row[-2]), int(row[-1])
        pending = reports[acknowledged:]
        fresh = [at for _, counts, at in pending if not counts]
        return QueueItem(comment=comment, reports=total,
                         pending_reports=max(total - acknowledged, 0),
                         reasons=tuple(why for why, _, _ in reports),
                         counted_reports=len(pending) - len(fresh),
                         new_session_reports=len(fresh),
                         burst=len(fresh) >= self.report_threshold
                         and _is_burst(fresh, self.report_threshold))

    def held_for_author(self, *, city: str, session_id: str) -> list[Comment]:
        """This browser session's own comments that are hidden (automatically after reports:
        under review; or by a moderator), newest first, so their author can be told.

        Parameters
        ----------
        city
            City id.
        session_id
            The author's browser session (hashed as when posting).
        """
        sql = (f"SELECT {RECORD_COLUMNS}, 0 FROM comments c WHERE c.city = ? "  # noqa: S608 - constant SQL fragments; values are bound
               "AND c.session_hash = ? AND c.status IN ('hidden_auto', 'hidden') "
               "ORDER BY c.created_at DESC, c.id DESC LIMIT 50")
        with self._backend.read() as tx:
            rows = tx.fetchall(sql, [validate_code(city, name="city"), session_hash(session_id)])
            return attach_shapes(tx, [record(r) for r in rows])

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
            params.append(check_id(comment_id))
        if limit is not None:
            sql += " ORDER BY id DESC LIMIT ?"
            params.append(positive(limit, name="limit"))
        else:
            sql += " ORDER BY id"
        with self._backend.read() as tx:
            rows = tx.fetchall(sql, params)
        entries = [
            AuditEntry(id=int(r[0]), created_at=as_datetime(r[1]),
                       comment_id=None if r[2] is None else int(r[2]), action=str(r[3]),
                       actor=str(r[4]), reason=str(r[5]),
                       detail=None if r[6] is None else str(r[6]))
            for r in rows
        ]
        return sorted(entries, key=lambda e: e.id) if limit is not None else entries

    # -- retention -------------------------------------------------------------------

    def purge_expired(
        self, *, retention_days: float, now: datetime | None = None, actor: str = SYSTEM
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
            # what the abuse guards remember about anonymous sessions goes with the comments
            tx.execute("DELETE FROM session_activity WHERE last_seen < ?", [cutoff])
            tx.execute("DELETE FROM login_attempts WHERE created_at < ?", [cutoff])
            tx.execute("DELETE FROM alerts WHERE last_at < ?", [cutoff])
            tx.execute("UPDATE data_versions SET version = version + 1")
            after = tx.fetchone("SELECT COUNT(*) FROM comments")
            purged = (int(before[0]) if before else 0) - (int(after[0]) if after else 0)
            audit(tx, moment=moment, comment_id=None, action="purge", actor=who,
                  reason=f"retention {retention_days:g} days",
                  detail=f"{purged} comments created before {cutoff.isoformat()} deleted")
        logger.info("purge: %d comments older than %g days deleted", purged, retention_days)
        return purged
