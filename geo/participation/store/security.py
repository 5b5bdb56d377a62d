"""Secrets under attack and what the moderators are told: throttled logins, session activity,
alerts.

A secret (the moderators' password, which also guards "add a city") is looked at only when
neither the browser session nor the app as a whole is in back-off: after
:attr:`Backoff.free` failures in a row each further failure doubles the wait
(:class:`geo.participation.store.guards.Backoff`). The counters live in the database, so a new
browser session, another replica or a restart does not reset them. Every attempt that is looked
at writes one audit row (``login`` / ``login_failed``) and a log line without the secret; a
burst of failures from several sessions raises an alert on the moderation page.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import datetime, timedelta
from typing import Any, Final

from geo.participation.store.backends import Tx
from geo.participation.store.base import StoreBase, as_datetime, audit, session_hash
from geo.participation.store.guards import ALL_CITIES, Backoff, note_activity, raise_alert
from geo.participation.store.models import Alert, LoginResult, utc, validate_code
from geo.text import sanitize_line

logger = logging.getLogger(__name__)

__all__ = ["BURST_FAILURES", "BURST_SESSIONS", "BURST_WINDOW", "LOGIN_ACTOR", "MODERATOR_SECRET",
           "SecurityMixin", "secret_matches"]

#: Failures in a row older than this no longer count (a forgotten attempt last week).
FAILURE_MEMORY: Final = timedelta(hours=24)
#: A burst of failed logins: this many failures, or failures from this many browser sessions,
#: within :data:`BURST_WINDOW`.
BURST_FAILURES: Final = 10
BURST_SESSIONS: Final = 3
BURST_WINDOW: Final = timedelta(minutes=15)
#: Audit actor of a failed attempt (the name typed with it is only its detail: anyone can
#: type a moderator's name).
LOGIN_ACTOR: Final = "login"
#: Name of the moderators' password as a throttled secret (it also guards "add a city").
MODERATOR_SECRET: Final = "moderator_password"  # noqa: S105 - a name, not a password


def _digest(value: str) -> bytes:
    """SHA-256 of a secret: both sides are hashed, so the comparison takes the same time
    whatever the lengths."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()


def secret_matches(given: object, expected: str) -> bool:
    """Compare a secret in constant time, length included."""
    text = given if isinstance(given, str) else ""
    return hmac.compare_digest(_digest(text), _digest(expected)) and isinstance(given, str)


class SecurityMixin(StoreBase):
    """Throttled secrets and alerts: :meth:`check_secret`, :meth:`login_failures`,
    :meth:`record_activity`, :meth:`alerts`."""

    login_backoff: Backoff
    login_backoff_session: Backoff

    def _streak(self, tx: Tx, secret: str, moment: datetime,
                session: str | None = None) -> tuple[int, datetime | None]:
        """Failures in a row at ``secret`` (of one session, or of all) and the latest one."""
        who = "" if session is None else " AND session_hash = ?"
        base: list[Any] = [secret] + ([] if session is None else [session])
        ok = tx.fetchone(
            f"SELECT MAX(created_at) FROM login_attempts WHERE secret = ?{who} AND ok",  # noqa: S608 - constant fragments; values are bound
            base)
        since = moment - FAILURE_MEMORY
        if ok is not None and ok[0] is not None:
            since = max(since, as_datetime(ok[0]))
        row = tx.fetchone(
            "SELECT COUNT(*), MAX(created_at) FROM login_attempts "  # noqa: S608 - constant fragments; values are bound
            f"WHERE secret = ?{who} AND NOT ok AND created_at > ?", [*base, since])
        if row is None or not row[0]:
            return 0, None
        return int(row[0]), as_datetime(row[1])

    def _wait(self, tx: Tx, secret: str, session: str, moment: datetime) -> tuple[float, int]:
        """Seconds before ``session`` may try ``secret`` again, and the app-wide streak."""
        waits = [0.0]
        shared = 0
        for who, policy in ((None, self.login_backoff), (session, self.login_backoff_session)):
            n, last = self._streak(tx, secret, moment, who)
            if who is None:
                shared = n
            if last is not None:
                waits.append(policy.delay(n) - (moment - last).total_seconds())
        return max(waits), shared

    def check_secret(self, *, given: object, expected: str, session_id: str,
                     secret: str = MODERATOR_SECRET, purpose: str = "moderation",
                     who: str = "", now: datetime | None = None) -> LoginResult:
        """Try a secret, slowed down after failures; audited and logged, never stored.

        The attempt is refused without looking at ``given`` while this browser session or the
        app as a whole (every session together: a new session resets nothing) is in back-off.
        Otherwise ``given`` is compared with ``expected`` in constant time (both hashed) and
        the attempt is recorded: an audit row (``login`` with the name typed, or
        ``login_failed``), a log line, and for a burst of failures from several sessions an
        alert for the moderators (:meth:`alerts`).

        Parameters
        ----------
        given
            What was typed.
        expected
            The secret.
        session_id
            The browser session (hashed; never stored raw).
        secret
            Name of the secret: attempts at one secret share one back-off, whichever page
            asked (``purpose``).
        purpose
            Where it was asked, e.g. ``"moderation"`` or ``"build_city"`` (for the audit).
        who
            The name typed with it (a successful login's audit actor).
        now
            Time of the attempt (aware; default now).

        Returns
        -------
        LoginResult
            Whether it was right, whether it was looked at, and when to try again.
        """
        session = session_hash(session_id)
        name = validate_code(secret, name="secret")
        why = validate_code(purpose, name="purpose")
        typed = sanitize_line(who if isinstance(who, str) else "", max_length=80,
                              field_ja="名前", field_en="A name", allow_empty=True)
        moment = utc(now)
        with self._backend.write(lock="login:" + name) as tx:
            wait, streak = self._wait(tx, name, session, moment)
            if wait > 0:
                logger.debug("login to %s refused for %.1f s (back-off)", why, wait)
                return LoginResult(ok=False, checked=False, retry_after=wait, failures=streak)
            ok = secret_matches(given, expected)
            tx.execute("INSERT INTO login_attempts (created_at, secret, purpose, session_hash, "
                       "ok) VALUES (?, ?, ?, ?, ?)", [moment, name, why, session, ok])
            streak = 0 if ok else streak + 1
            after, _ = (0.0, 0) if ok else self._wait(tx, name, session, moment)
            self._audit_login(tx, ok=ok, moment=moment, purpose=why, who=typed,
                              streak=streak, after=after)
            if not ok:
                self._login_burst(tx, name, moment)
        if ok:
            logger.info("login to %s succeeded", why)
        else:
            logger.warning("failed login to %s (%d in a row; next attempt in %.0f s)", why,
                           streak, after)
        return LoginResult(ok=ok, checked=True, retry_after=max(after, 0.0), failures=streak)

    @staticmethod
    def _audit_login(tx: Tx, *, ok: bool, moment: datetime, purpose: str, who: str,
                     streak: int, after: float) -> None:
        """One audit row per attempt looked at (the secret never appears)."""
        if ok:
            audit(tx, moment=moment, comment_id=None, action="login", actor=who or LOGIN_ACTOR,
                  reason=purpose, detail=None)
            return
        audit(tx, moment=moment, comment_id=None, action="login_failed", actor=LOGIN_ACTOR,
              reason=f"{purpose}: wrong password ({streak} in a row)",
              detail=f"next attempt after {after:.0f} s" + (f"; name given: {who}" if who
                                                           else ""))

    def _login_burst(self, tx: Tx, secret: str, moment: datetime) -> None:
        """Alert the moderators to a burst of failed logins across sessions."""
        row = tx.fetchone(
            "SELECT COUNT(*), COUNT(DISTINCT session_hash) FROM login_attempts "
            "WHERE secret = ? AND NOT ok AND created_at > ?", [secret, moment - BURST_WINDOW])
        failures, sessions = (int(row[0]), int(row[1])) if row else (0, 0)
        if failures >= BURST_FAILURES or sessions >= BURST_SESSIONS:
            raise_alert(tx, city=ALL_CITIES, kind="login_burst", moment=moment,
                        detail=f"{failures} failed logins from {sessions} browser sessions in "
                        f"{BURST_WINDOW.total_seconds() / 60:g} minutes")

    def login_failures(self, *, secret: str = MODERATOR_SECRET,
                       now: datetime | None = None) -> int:
        """Failed attempts in a row at a secret, from all sessions (for the page's notice)."""
        moment = utc(now)
        with self._backend.read() as tx:
            n, _ = self._streak(tx, validate_code(secret, name="secret"), moment)
        return n

    def record_activity(self, *, session_id: str, now: datetime | None = None) -> None:
        """Remember that a browser session did something a person does (what posting, replying
        and +1 record by themselves); for importers that bring such activity along."""
        session = session_hash(session_id)
        with self._backend.write() as tx:
            note_activity(tx, session, utc(now), action=True)

    def alerts(self, *, city: str | None = None, since: datetime | None = None,
               now: datetime | None = None) -> list[Alert]:
        """Alerts for the moderators, newest first: a city's own and the app-wide ones.

        Parameters
        ----------
        city
            Only this city's alerts and the app-wide ones (default: all).
        since
            Only alerts whose latest hit is at or after this time (default: 24 hours before
            ``now``).
        now
            Reference time (aware; default now).
        """
        moment = utc(now)
        start = utc(since) if since is not None else moment - timedelta(hours=24)
        sql = ("SELECT id, city, kind, first_at, last_at, hits, detail FROM alerts "
               "WHERE last_at >= ?")
        params: list[Any] = [start]
        if city is not None:
            sql += " AND city IN (?, ?)"
            params += [validate_code(city, name="city"), ALL_CITIES]
        with self._backend.read() as tx:
            rows = tx.fetchall(sql + " ORDER BY last_at DESC, id DESC", params)
        return [Alert(id=int(r[0]), city=str(r[1]), kind=str(r[2]), first_at=as_datetime(r[3]),
                      last_at=as_datetime(r[4]), hits=int(r[5]), detail=str(r[6]))
                for r in rows]

