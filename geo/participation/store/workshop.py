"""Workshop sessions: groups joining by unguessable link, their scenarios, optimistic locking.

Join links are derived from the facilitator's key: a group's token is
``HMAC-SHA256(facilitator key, "join:<group id>:<generation>")``, and only its SHA-256 and the
generation are stored. Whoever holds the facilitator key can therefore show the same links (the
same QR codes) again, on any machine, while the database alone cannot; renewing a group's link
bumps the generation, so the old link stops working. Groups made before this scheme (their
``link_generation`` is NULL) keep their random tokens until the facilitator renews them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from geo.participation.store.backends import Tx
from geo.participation.store.base import as_datetime, audit, wipe
from geo.participation.store.errors import InvalidInput, StoreError, TokenMismatch
from geo.participation.store.links import (
    LinkRevoked,
    UnknownLink,
    checked_hash,
    group_of,
    refused,
    token_hash,
)
from geo.participation.store.models import utc, validate_code
from geo.participation.store.store import Store
from geo.text import sanitize_line

__all__ = [
    "MAX_GROUPS",
    "CreatedSession",
    "Group",
    "LinkRevoked",
    "NotYourScenario",
    "Scenario",
    "ScenarioNotFound",
    "Session",
    "StaleScenario",
    "UnknownLink",
    "Workshop",
    "WrongFacilitatorKey",
]

#: Most groups one session may have.
MAX_GROUPS = 12
#: Most scenarios one group may keep.
MAX_SCENARIOS_PER_GROUP = 20
_MODES = ("line", "network")


class StaleScenario(StoreError):
    """The scenario changed since it was read; the write was refused, nothing was overwritten."""

    def __init__(self, *, current_version: int) -> None:
        self.current_version = current_version
        super().__init__(
            "このシナリオは別の画面で更新されました。最新の内容を読み込んでからもう一度編集してください。",
            f"This scenario was changed elsewhere (now version {current_version}); reload it "
            "and edit again. Nothing was overwritten.",
        )


class ScenarioNotFound(StoreError, LookupError):
    """No such scenario (or session)."""

    def __init__(self) -> None:
        super().__init__("シナリオが見つかりません。", "No such scenario.")


class WrongFacilitatorKey(TokenMismatch):
    """No session has this facilitator key."""

    def __init__(self) -> None:
        StoreError.__init__(
            self,
            "ファシリテーター用キーが正しくないか、セッションが削除されました。",
            "This facilitator key opens no session (mistyped, or the session was deleted).",
        )


class NotYourScenario(TokenMismatch):
    """The scenario belongs to another group."""

    def __init__(self) -> None:
        StoreError.__init__(
            self,
            "このシナリオは別のグループのものです。編集できるのは自分のグループのシナリオだけです。",
            "This scenario belongs to another group; a group edits only its own scenarios.",
        )


@dataclass(frozen=True)
class Session:
    """A workshop session (one afternoon: title, agenda steps, groups)."""

    id: str
    city: str
    title: str
    agenda: tuple[str, ...]
    created_at: datetime


@dataclass(frozen=True)
class Group:
    """A group of participants in a session."""

    id: str
    session_id: str
    position: int
    name: str


@dataclass(frozen=True)
class Scenario:
    """A group's named scenario: modifications as JSON (geo.access.modification), a version."""

    id: str
    session_id: str
    group_id: str
    city: str
    name: str
    mode: str
    modifications: str
    version: int
    updated_at: datetime


@dataclass(frozen=True)
class CreatedSession:
    """A new session with its plain tokens (only hashes are stored; the join tokens can be
    computed again from the facilitator token, see :meth:`Workshop.group_links`).

    Attributes
    ----------
    session
        The session.
    groups
        Its groups, in order.
    facilitator_token
        Opens the facilitator's view (all groups, export, delete).
    group_tokens
        Join token of each group, by group id; a token lets anyone holding the link edit
        that group's scenarios, and only those.
    """

    session: Session
    groups: tuple[Group, ...]
    facilitator_token: str
    group_tokens: dict[str, str]


def _new_id() -> str:
    """A random id for a session, group or scenario: hex digits only, so it always passes the
    store's code check (a URL-safe token may start with '-' or '_', which that check refuses —
    a scenario comment then failed about one time in 32)."""
    return secrets.token_hex(8)


def _hash(token: str) -> str:
    return token_hash(token)


def _line(text: str, *, max_length: int, ja: str, en: str) -> str:
    return sanitize_line(text, max_length=max_length, field_ja=ja, field_en=en)


def _join_token(facilitator_token: str, group_id: str, generation: int) -> str:
    """The join token of a group at a link generation, derived from the facilitator token
    (43 URL-safe characters: the unpadded base64 of an HMAC-SHA256)."""
    mac = hmac.new(facilitator_token.encode("utf-8", "surrogatepass"),
                   f"join:{group_id}:{generation}".encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def _check_token(token: object, error: type[TokenMismatch] = TokenMismatch) -> str:
    return checked_hash(token, error)


def _ts(value: Any) -> datetime:
    return as_datetime(value)


class Workshop:
    """Workshop sessions, groups and scenarios kept in the comment store's database.

    Parameters
    ----------
    store
        The open :class:`geo.participation.store.Store` (SQLite or PostgreSQL).
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._backend = store.backend

    # -- sessions --------------------------------------------------------------------

    def create_session(
        self,
        *,
        city: str,
        title: str,
        groups: Sequence[str],
        agenda: Sequence[str] = (),
        now: datetime | None = None,
    ) -> CreatedSession:
        """Create a session with its groups; return the plain tokens.

        Each group's join token is derived from the facilitator token (generation 1), so
        :meth:`group_links` gives the same links again to whoever holds that token.

        Raises
        ------
        InvalidInput
            For an empty title, no group, more than :data:`MAX_GROUPS` or a bad city id.
        """
        city_id = validate_code(city, name="city")
        title_s = _line(title, max_length=120, ja="タイトル", en="The title")
        names = [_line(g, max_length=40, ja="グループ名", en="A group name") for g in groups]
        if not 1 <= len(names) <= MAX_GROUPS:
            raise InvalidInput(f"グループは1〜{MAX_GROUPS}個にしてください。",
                               f"A session has 1 to {MAX_GROUPS} groups.")
        steps = [sanitize_line(a, max_length=200, field_ja="進行", field_en="An agenda step",
                               allow_empty=True) for a in agenda]
        steps = [a for a in steps if a][:20]
        moment = utc(now)
        session = Session(id=_new_id(), city=city_id, title=title_s,
                          agenda=tuple(steps), created_at=moment)
        fac_token = secrets.token_urlsafe(24)
        made: list[Group] = []
        tokens: dict[str, str] = {}
        with self._backend.write() as tx:
            tx.execute(
                "INSERT INTO workshop_sessions (id, city, title, agenda, facilitator_token_hash, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                [session.id, city_id, title_s, json.dumps(steps, ensure_ascii=False),
                 _hash(fac_token), moment])
            for i, name in enumerate(names):
                g = Group(id=_new_id(), session_id=session.id, position=i + 1,
                          name=name)
                token = _join_token(fac_token, g.id, 1)
                tx.execute(
                    "INSERT INTO workshop_groups (id, session_id, position, name, token_hash, "
                    "link_generation) VALUES (?, ?, ?, ?, ?, 1)",
                    [g.id, session.id, g.position, name, _hash(token)])
                made.append(g)
                tokens[g.id] = token
        return CreatedSession(session=session, groups=tuple(made), facilitator_token=fac_token,
                              group_tokens=tokens)

    @staticmethod
    def _session_row(row: Sequence[Any]) -> Session:
        return Session(id=str(row[0]), city=str(row[1]), title=str(row[2]),
                       agenda=tuple(json.loads(row[3])), created_at=_ts(row[4]))

    def facilitator_session(self, token: str) -> Session:
        """The session a facilitator token opens.

        Raises
        ------
        WrongFacilitatorKey
            If no session has this token (a :class:`TokenMismatch`).
        """
        h = _check_token(token, WrongFacilitatorKey)
        with self._backend.read() as tx:
            row = tx.fetchone("SELECT id, city, title, agenda, created_at FROM workshop_sessions "
                              "WHERE facilitator_token_hash = ?", [h])
        if row is None:
            raise WrongFacilitatorKey()
        return self._session_row(row)

    @staticmethod
    def _refused(tx: Tx, hashed: str) -> UnknownLink:
        """Why a join token opens nothing: replaced by a newer link, or never valid."""
        return refused(tx, hashed)

    def join(self, token: str) -> tuple[Session, Group]:
        """The session and group a join link's token opens (no account needed).

        Raises
        ------
        LinkRevoked
            If the link was replaced by a newer one (a :class:`TokenMismatch`).
        UnknownLink
            If no group has this token (a :class:`TokenMismatch`).
        """
        h = _check_token(token, UnknownLink)
        with self._backend.read() as tx:
            row = tx.fetchone(
                "SELECT g.id, g.session_id, g.position, g.name, s.id, s.city, s.title, s.agenda, "
                "s.created_at FROM workshop_groups g JOIN workshop_sessions s "
                "ON s.id = g.session_id WHERE g.token_hash = ?", [h])
            if row is None:
                raise self._refused(tx, h)
        return self._session_row(row[4:]), Group(id=str(row[0]), session_id=str(row[1]),
                                                 position=int(row[2]), name=str(row[3]))

    def groups(self, session_id: str) -> list[Group]:
        """Groups of a session, in order."""
        with self._backend.read() as tx:
            rows = tx.fetchall("SELECT id, session_id, position, name FROM workshop_groups "
                               "WHERE session_id = ? ORDER BY position", [session_id])
        return [Group(str(r[0]), str(r[1]), int(r[2]), str(r[3])) for r in rows]

    def group_links(self, facilitator_token: str) -> dict[str, str | None]:
        """The current join token of every group of the facilitator's session, by group id.

        The tokens are computed again from the facilitator token, so the key holder gets the
        same links (and QR codes) on any machine. A group made before links were derived
        (or whose stored hash does not match) maps to None: its link cannot be shown, only
        renewed (:meth:`renew_link`).

        Raises
        ------
        WrongFacilitatorKey
            If the facilitator token opens no session.
        """
        session = self.facilitator_session(facilitator_token)
        with self._backend.read() as tx:
            rows = tx.fetchall("SELECT id, link_generation, token_hash FROM workshop_groups "
                               "WHERE session_id = ? ORDER BY position", [session.id])
        out: dict[str, str | None] = {}
        for gid, generation, stored in rows:
            token = (None if generation is None
                     else _join_token(facilitator_token, str(gid), int(generation)))
            ok = token is not None and hmac.compare_digest(_hash(token), str(stored))
            out[str(gid)] = token if ok else None
        return out

    def renew_link(self, *, facilitator_token: str, group_id: str,
                   now: datetime | None = None) -> str:
        """Replace a group's join link: the next generation's token, derived from the
        facilitator token; the old link stops working (joining with it raises
        :class:`LinkRevoked`) and the group's work stays. A group made before links were
        derived gets a derived link, which :meth:`group_links` can then show again.

        Raises
        ------
        WrongFacilitatorKey
            If the facilitator token opens no session.
        ScenarioNotFound
            If the group is not in that session.
        """
        session = self.facilitator_session(facilitator_token)
        moment = utc(now)
        with self._backend.write() as tx:
            # the row stays locked until commit: two renewals at once each get a generation
            lock = self._backend.for_update  # constant: "" or " FOR UPDATE"
            row = tx.fetchone("SELECT link_generation, token_hash FROM workshop_groups "  # noqa: S608
                              "WHERE id = ? AND session_id = ?" + lock, [group_id, session.id])
            if row is None:
                raise ScenarioNotFound()
            generation = (0 if row[0] is None else int(row[0])) + 1
            token = _join_token(facilitator_token, group_id, generation)
            tx.execute("INSERT INTO workshop_retired_links (token_hash, group_id, retired_at) "
                       "VALUES (?, ?, ?)", [str(row[1]), group_id, moment])
            tx.execute("UPDATE workshop_groups SET token_hash = ?, link_generation = ? "
                       "WHERE id = ?", [_hash(token), generation, group_id])
        return token

    def delete_session(self, *, facilitator_token: str, now: datetime | None = None) -> int:
        """Delete a session, its groups, scenarios and the comments attached to them.

        The deletion is recorded in the append-only moderation audit (action ``delete``,
        actor ``facilitator``).

        Returns
        -------
        int
            Number of scenarios deleted.
        """
        session = self.facilitator_session(facilitator_token)
        moment = utc(now)
        with self._backend.write() as tx:
            # lock the scenarios first: a comment being posted on one (which holds it with
            # FOR KEY SHARE on PostgreSQL) is committed before its comments are listed here
            ids = [str(r[0]) for r in tx.fetchall(
                "SELECT id FROM scenarios WHERE session_id = ? ORDER BY id"  # noqa: S608 - constant SQL fragments; values are bound
                + self._backend.for_update, [session.id])]
            wiped = 0
            for sid in ids:
                for (cid,) in tx.fetchall(
                        "SELECT id FROM comments WHERE scenario_id = ? AND status <> 'deleted'",
                        [sid]):
                    wipe(tx, int(cid))
                    audit(tx, moment=moment, comment_id=int(cid), action="delete",
                          actor="facilitator", reason="workshop session deleted",
                          detail=f"scenario {sid}")
                    wiped += 1
            tx.execute("DELETE FROM scenarios WHERE session_id = ?", [session.id])
            tx.execute("DELETE FROM workshop_retired_links WHERE group_id IN "
                       "(SELECT id FROM workshop_groups WHERE session_id = ?)", [session.id])
            tx.execute("DELETE FROM workshop_groups WHERE session_id = ?", [session.id])
            tx.execute("DELETE FROM workshop_sessions WHERE id = ?", [session.id])
            audit(tx, moment=moment, comment_id=None, action="delete",
                  actor="facilitator", reason="workshop session deleted",
                  detail=json.dumps({"session": session.id, "scenarios": len(ids),
                                     "comments": wiped}))
        return len(ids)

    # -- scenarios -------------------------------------------------------------------

    def _group_of(self, tx: Tx, token: str) -> tuple[str, str, str]:
        return group_of(tx, token)

    @staticmethod
    def _scenario_row(r: Sequence[Any]) -> Scenario:
        return Scenario(id=str(r[0]), session_id=str(r[1]), group_id=str(r[2]), city=str(r[3]),
                        name=str(r[4]), mode=str(r[5]), modifications=str(r[6]),
                        version=int(r[7]), updated_at=_ts(r[8]))

    _SELECT = ("SELECT id, session_id, group_id, city, name, mode, modifications, version, "
               "updated_at FROM scenarios")

    def create_scenario(self, *, group_token: str, name: str, mode: str = "line",
                        modifications: str = "[]", now: datetime | None = None) -> Scenario:
        """Create a scenario owned by the group of ``group_token`` (version 1)."""
        name_s = _line(name, max_length=80, ja="シナリオ名", en="A scenario name")
        mods = _checked(modifications)
        if mode not in _MODES:
            raise InvalidInput("計算方法が正しくありません。", f"mode must be one of {_MODES}")
        moment = utc(now)
        sid = _new_id()
        with self._backend.write() as tx:
            gid, session_id, city = self._group_of(tx, group_token)
            n = tx.fetchone("SELECT COUNT(*) FROM scenarios WHERE group_id = ?", [gid])
            if n is not None and int(n[0]) >= MAX_SCENARIOS_PER_GROUP:
                raise InvalidInput(
                    f"1つのグループのシナリオは{MAX_SCENARIOS_PER_GROUP}個までです。",
                    f"A group keeps at most {MAX_SCENARIOS_PER_GROUP} scenarios.")
            tx.execute(
                "INSERT INTO scenarios (id, session_id, group_id, city, name, mode, modifications, "
                "version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
                [sid, session_id, gid, city, name_s, mode, mods, moment, moment])
        return Scenario(id=sid, session_id=session_id, group_id=gid, city=city, name=name_s,
                        mode=mode, modifications=mods, version=1, updated_at=moment)

    def scenario(self, scenario_id: str) -> Scenario:
        """One scenario (read-only; anyone with the id may look)."""
        with self._backend.read() as tx:
            row = tx.fetchone(self._SELECT + " WHERE id = ?", [scenario_id])
        if row is None:
            raise ScenarioNotFound()
        return self._scenario_row(row)

    def scenarios(self, *, session_id: str | None = None,
                  group_id: str | None = None) -> list[Scenario]:
        """Scenarios of a session or a group, oldest first."""
        where, params = [], []
        if session_id is not None:
            where.append("session_id = ?")
            params.append(session_id)
        if group_id is not None:
            where.append("group_id = ?")
            params.append(group_id)
        sql = self._SELECT + (" WHERE " + " AND ".join(where) if where else "")
        with self._backend.read() as tx:
            rows = tx.fetchall(sql + " ORDER BY created_at, id", params)
        return [self._scenario_row(r) for r in rows]

    def save_scenario(self, *, group_token: str, scenario_id: str, expected_version: int,
                      modifications: str | None = None, name: str | None = None,
                      now: datetime | None = None) -> Scenario:
        """Replace a scenario's modifications (and name) if nobody saved it since.

        Parameters
        ----------
        group_token
            Token of the owning group; another group's token is refused.
        scenario_id
            The scenario.
        expected_version
            The version the editor read.
        modifications, name
            New content (None keeps the current one).

        Raises
        ------
        TokenMismatch
            If the token is not the owning group's.
        StaleScenario
            If the scenario was saved by someone else since ``expected_version``.
        """
        mods = None if modifications is None else _checked(modifications)
        name_s = None if name is None else _line(name, max_length=80, ja="シナリオ名",
                                                 en="A scenario name")
        moment = utc(now)
        with self._backend.write() as tx:
            gid, _, _ = self._group_of(tx, group_token)
            row = tx.fetchone(self._SELECT + " WHERE id = ?" + self._backend.for_update,
                              [scenario_id])
            if row is None:
                raise ScenarioNotFound()
            current = self._scenario_row(row)
            if current.group_id != gid:
                raise NotYourScenario()
            updated = tx.fetchone(
                "UPDATE scenarios SET modifications = ?, name = ?, version = version + 1, "
                "updated_at = ? WHERE id = ? AND version = ? RETURNING version",
                [current.modifications if mods is None else mods,
                 current.name if name_s is None else name_s, moment, scenario_id,
                 int(expected_version)])
            if updated is None:
                raise StaleScenario(current_version=current.version)
        return Scenario(id=current.id, session_id=current.session_id, group_id=gid,
                        city=current.city, name=current.name if name_s is None else name_s,
                        mode=current.mode,
                        modifications=current.modifications if mods is None else mods,
                        version=int(updated[0]), updated_at=moment)

    def delete_scenario(self, *, group_token: str, scenario_id: str,
                        expected_version: int) -> None:
        """Delete a group's own scenario (refused when stale or another group's)."""
        with self._backend.write() as tx:
            gid, _, _ = self._group_of(tx, group_token)
            row = tx.fetchone("SELECT group_id, version FROM scenarios WHERE id = ?",
                              [scenario_id])
            if row is None:
                raise ScenarioNotFound()
            if str(row[0]) != gid:
                raise NotYourScenario()
            if int(row[1]) != int(expected_version):
                raise StaleScenario(current_version=int(row[1]))
            tx.execute("DELETE FROM scenarios WHERE id = ?", [scenario_id])


def _checked(modifications: str) -> str:
    """Validate modifications JSON with :mod:`geo.access.modification` and return it normalised."""
    from geo.access import dumps, loads

    try:
        return dumps(loads(modifications))
    except (ValueError, TypeError) as exc:  # ScenarioError is a ValueError, so is bad JSON
        ja = getattr(exc, "message_ja", "修正の一覧が正しくありません。")
        raise InvalidInput(ja, f"invalid modifications: {exc}") from exc
