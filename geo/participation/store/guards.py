"""What keeps anonymous abuse in check, as the writing transactions use it: the back-off policy
of failed logins, what each anonymous session has done and since when, and the moderators'
alerts.

Everything here lives in the database, not in a process: several app processes (replicas
behind nginx, ``scripts/cluster.sh``) share one PostgreSQL, and a new browser session starts
from what the store remembers, never from zero.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Literal

from geo.participation.store.backends import Tx
from geo.participation.store.base import as_datetime

logger = logging.getLogger(__name__)

__all__ = ["ALL_CITIES", "AlertKind", "Backoff", "note_activity", "raise_alert", "standing"]

AlertKind = Literal["login_burst", "comment_ceiling", "report_burst"]

ALL_CITIES: Final = "*"
"""The ``city`` of an alert about the whole app (failed logins: one password for all cities)."""

ALERT_SPAN: Final = timedelta(minutes=10)
"""An alert of a kind and city seen again within this time counts as the same one (its hits
grow); after a quiet spell a new alert starts."""


@dataclass(frozen=True)
class Backoff:
    """Exponential back-off after a number of failures in a row.

    After ``free`` failures the next attempt must wait ``base`` seconds, and each further
    failure doubles the wait (times ``factor``), up to ``cap``.

    Parameters
    ----------
    free
        Failures allowed without waiting.
    base
        Wait after the first failure beyond ``free`` (seconds).
    factor
        Growth of the wait per failure.
    cap
        Longest wait (seconds).
    """

    free: int = 5
    base: float = 1.0
    factor: float = 2.0
    cap: float = 900.0

    def delay(self, failures: int) -> float:
        """Seconds to wait after ``failures`` failures in a row before the next attempt."""
        if failures < self.free:
            return 0.0
        exponent = min(failures - self.free, 64)  # 2**64 s is beyond any cap
        return float(min(self.cap, self.base * self.factor ** exponent))


def note_activity(tx: Tx, session: str, moment: datetime, *, action: bool) -> None:
    """Remember that a session was seen (and, with ``action``, did something a person does: a
    post, a reply, a +1). One statement: posting pays one round trip for it."""
    tx.execute(
        "INSERT INTO session_activity (session_hash, first_seen, last_seen, actions) "
        "VALUES (?, ?, ?, ?) ON CONFLICT (session_hash) DO UPDATE SET "
        "actions = session_activity.actions + excluded.actions, "
        "first_seen = CASE WHEN excluded.first_seen < session_activity.first_seen "
        "THEN excluded.first_seen ELSE session_activity.first_seen END, "
        "last_seen = CASE WHEN excluded.last_seen > session_activity.last_seen "
        "THEN excluded.last_seen ELSE session_activity.last_seen END",
        [session, moment, moment, 1 if action else 0],
    )


def standing(tx: Tx, session: str, moment: datetime) -> tuple[datetime, int]:
    """Note that a session was seen, and return when it was first seen and its actions so far
    (what decides whether its report counts)."""
    note_activity(tx, session, moment, action=False)
    row = tx.fetchone("SELECT first_seen, actions FROM session_activity WHERE session_hash = ?",
                      [session])
    assert row is not None
    return as_datetime(row[0]), int(row[1])


def raise_alert(tx: Tx, *, city: str, kind: AlertKind, moment: datetime, detail: str) -> bool:
    """Record an alert for the moderators (or one more hit of the same alert); True when new.

    An alert of the same kind and city whose last hit is within :data:`ALERT_SPAN` is the same
    alert: its hits grow and its detail becomes the latest.
    """
    row = tx.fetchone(
        "SELECT id FROM alerts WHERE city = ? AND kind = ? AND last_at > ? "
        "ORDER BY last_at DESC LIMIT 1", [city, kind, moment - ALERT_SPAN])
    if row is not None:
        tx.execute("UPDATE alerts SET hits = hits + 1, last_at = ?, detail = ? WHERE id = ?",
                   [moment, detail, int(row[0])])
        return False
    tx.execute("INSERT INTO alerts (city, kind, first_at, last_at, hits, detail) "
               "VALUES (?, ?, ?, ?, 1, ?)", [city, kind, moment, moment, detail])
    logger.warning("moderator alert %s in %s: %s", kind, city, detail)
    return True
