"""Anonymous abuse (issue 16) on SQLite and PostgreSQL: throttled secrets, reports one person
cannot weaponise, join links that end for comments too, and a per-city comment ceiling."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from store_fixtures import CITY, Target, comment_args, schema_before

from geo.participation.store import CityBusy, InvalidInput, RateLimited, Store, Workshop
from geo.participation.store.guards import Backoff
from geo.participation.store.security import secret_matches
from geo.participation.store.store import DEFAULT_LOGIN_BACKOFF, DEFAULT_SESSION_BACKOFF
from geo.participation.store.workshop import LinkRevoked, UnknownLink

T0 = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"


@pytest.fixture
def store(target: Target) -> Iterator[Store]:
    s = target.open()
    yield s
    s.close()


class FakeClock:
    """Time that moves only when the attacker "sleeps": no test really waits."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def sleep(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


# -- throttled secrets --------------------------------------------------------------------------


def test_fifty_wrong_passwords_take_the_back_off_and_the_right_one_still_works(
        store: Store) -> None:
    clock = FakeClock(T0)
    refused = 0

    def attempt(given: str, session: str = "attacker") -> bool:
        """Try until the store looks at the attempt, sleeping as it says (as a script would)."""
        nonlocal refused
        while True:
            r = store.check_secret(given=given, expected=PASSWORD, session_id=session,
                                   who="mallory", now=clock.now)
            if r.checked:
                return r.ok
            refused += 1
            assert r.retry_after > 0 and not r.ok
            clock.sleep(r.retry_after)

    for i in range(50):
        assert not attempt(f"guess-{i}")
    took = (clock.now - T0).total_seconds()
    # the wait before attempt k is the longer of the two back-offs after k-1 failures
    owed = sum(max(DEFAULT_LOGIN_BACKOFF.delay(n), DEFAULT_SESSION_BACKOFF.delay(n))
               for n in range(50))
    assert took >= owed > 10_000  # 5 free, then 1, 2, 4, ... s: hours, not seconds
    assert refused >= 45
    # a new browser session starts from what the store remembers: it waits too
    fresh = store.check_secret(given=PASSWORD, expected=PASSWORD, session_id="new-tab",
                               now=clock.now)
    assert not fresh.checked and not fresh.ok and fresh.retry_after > 0
    # the right password after the back-off works, and resets the app-wide streak
    assert attempt(PASSWORD, session="new-tab")
    assert store.login_failures(now=clock.now) == 0
    log = store.audit_log()
    failed = [e for e in log if e.action == "login_failed"]
    assert len(failed) == 50 and {e.actor for e in failed} == {"login"}
    assert all(PASSWORD not in (e.reason + (e.detail or "")) for e in log)
    assert "name given: mallory" in (failed[-1].detail or "")
    assert [e.action for e in log if e.action == "login"] == ["login"]
    alerts = store.alerts(city=CITY, now=clock.now, since=T0)
    assert [a.kind for a in alerts] == ["login_burst"] and alerts[0].city == "*"


def test_a_session_cannot_reset_the_app_wide_back_off_by_rotating(store: Store) -> None:
    clock = FakeClock(T0)
    for i in range(DEFAULT_LOGIN_BACKOFF.free):
        r = store.check_secret(given="x", expected=PASSWORD, session_id=f"s{i}", now=clock.now)
        assert r.checked and not r.ok
    # five sessions, one failure each: the sixth session is slowed down all the same
    r = store.check_secret(given="y", expected=PASSWORD, session_id="s-new", now=clock.now)
    assert not r.checked and r.retry_after == pytest.approx(DEFAULT_LOGIN_BACKOFF.base)
    # a burst across sessions alerts the moderators
    assert [a.kind for a in store.alerts(now=clock.now, since=T0)] == ["login_burst"]
    assert "5 browser sessions" in store.alerts(now=clock.now, since=T0)[0].detail


def test_the_app_wide_wait_is_capped_so_moderators_are_not_locked_out_for_long(
        target: Target) -> None:
    with target.open(login_backoff=Backoff(free=1, base=1, cap=30),
                     login_backoff_session=Backoff(free=1, base=1, cap=3600)) as s:
        for i in range(12):  # each from a new session, a minute apart
            s.check_secret(given="x", expected=PASSWORD, session_id=f"a{i}",
                           now=T0 + timedelta(minutes=i))
        later = T0 + timedelta(minutes=11, seconds=30)
        assert s.check_secret(given=PASSWORD, expected=PASSWORD, session_id="moderator",
                              now=later).ok


def test_secrets_are_compared_whole() -> None:
    assert secret_matches(PASSWORD, PASSWORD)
    assert not secret_matches(PASSWORD[:-1], PASSWORD)
    assert not secret_matches(PASSWORD + " ", PASSWORD)
    assert not secret_matches("", PASSWORD)
    assert not secret_matches(None, PASSWORD)
    assert Backoff().delay(4) == 0 and Backoff().delay(5) == 1 and Backoff().delay(9) == 16
    assert Backoff(cap=60).delay(1000) == 60


# -- reports one person cannot weaponise ----------------------------------------------------------


def test_fresh_sessions_queue_a_comment_and_established_ones_hide(store: Store) -> None:
    target_a = store.post_comment(**comment_args(session_id="author-a", now=T0)).comment_id
    target_b = store.post_comment(**comment_args(session_id="author-b", now=T0)).comment_id
    # three brand-new sessions within a minute: the comment stays, waits for a moderator
    for i in range(3):
        r = store.report(comment_id=target_a, session_id=f"fresh-{i}", reason="spam",
                         now=T0 + timedelta(seconds=20 * i))
        assert r.recorded and not r.counted and not r.hidden
    assert [c.id for c in store.list_comments(city=CITY)] == [target_a, target_b]
    # three sessions that have been around and +1'd something: their reports hide
    for i in range(3):
        store.plus_one(comment_id=target_a, session_id=f"regular-{i}", now=T0)
    late = T0 + timedelta(minutes=30)
    for i in range(3):
        r = store.report(comment_id=target_b, session_id=f"regular-{i}", reason="abuse",
                         now=late + timedelta(seconds=i))
        assert r.counted
    assert r.hidden
    assert [c.id for c in store.list_comments(city=CITY)] == [target_a]
    queue = store.moderation_queue(city=CITY)
    assert [q.comment.id for q in queue] == [target_b, target_a]
    hidden, burst = queue
    assert hidden.comment.status == "hidden_auto" and hidden.counted_reports == 3
    assert not hidden.burst and hidden.new_session_reports == 0
    assert burst.comment.status == "visible" and burst.burst
    assert burst.new_session_reports == 3 and burst.counted_reports == 0
    assert burst.reasons == ("spam", "spam", "spam")
    auto = [e for e in store.audit_log() if e.action == "auto_hide"]
    assert [e.comment_id for e in auto] == [target_b] and "3 established" in auto[0].reason
    assert [a.kind for a in store.alerts(city=CITY, now=late, since=T0)] == ["report_burst"]
    # the author's own session is told; nobody else's is
    assert [c.id for c in store.held_for_author(city=CITY, session_id="author-b")] == [target_b]
    assert store.held_for_author(city=CITY, session_id="author-a") == []


def test_a_session_must_have_done_something_and_been_around(store: Store) -> None:
    cid = store.post_comment(**comment_args(session_id="author", now=T0)).comment_id
    other = store.post_comment(**comment_args(session_id="someone", now=T0)).comment_id
    # seen long ago but never did anything: does not count
    store.report(comment_id=other, session_id="idle", reason="", now=T0)
    assert not store.report(comment_id=cid, session_id="idle", reason="",
                            now=T0 + timedelta(hours=2)).counted
    # did something a minute ago: not yet
    store.plus_one(comment_id=other, session_id="quick", now=T0)
    assert not store.report(comment_id=cid, session_id="quick", reason="",
                            now=T0 + timedelta(minutes=1)).counted
    # posted, and ten minutes later: counts
    assert store.report(comment_id=cid, session_id="author", reason="",
                        now=T0 + timedelta(minutes=10)).counted


# -- tokens end everywhere --------------------------------------------------------------------


def test_a_renewed_link_can_neither_edit_nor_comment(store: Store, target: Target) -> None:
    ws = Workshop(store)
    made = ws.create_session(city=CITY, title="t", groups=["A", "B"])
    gid = made.groups[0].id
    old = made.group_tokens[gid]
    s = ws.create_scenario(group_token=old, name="案")
    args = comment_args(scenario_id=s.id, session_id="group-a")
    assert store.post_comment(**{**args, "group_token": old}).created
    new = ws.renew_link(facilitator_token=made.facilitator_token, group_id=gid)
    with pytest.raises(LinkRevoked) as edit:
        ws.save_scenario(group_token=old, scenario_id=s.id, expected_version=1,
                         modifications="[]")
    with pytest.raises(LinkRevoked) as said:
        store.post_comment(**comment_args(scenario_id=s.id, group_token=old))
    assert str(said.value) == str(edit.value)
    assert "新しい参加リンク" in said.value.message_ja and "削除用" not in said.value.message_ja
    with pytest.raises(UnknownLink):
        store.post_comment(**comment_args(scenario_id=s.id))  # no link at all
    other = ws.create_session(city=CITY, title="u", groups=["C"])
    with pytest.raises(InvalidInput, match="another workshop session"):
        store.post_comment(**comment_args(scenario_id=s.id,
                                          group_token=next(iter(other.group_tokens.values()))))
    assert len(store.list_comments(city=CITY, scenario_id=s.id)) == 1
    # the new link comments, and so does another group of the same session
    assert store.post_comment(**comment_args(scenario_id=s.id, group_token=new)).created
    assert store.post_comment(**comment_args(
        scenario_id=s.id, group_token=made.group_tokens[made.groups[1].id])).created
    # a reply keeps its parent's scenario without a link (a citizen answering)
    parent = store.list_comments(city=CITY, scenario_id=s.id)[0].id
    assert store.reply(parent_id=parent, idempotency_key="reply-1", session_id="citizen",
                       text="賛成", consent=True).created


# -- a ceiling per city -------------------------------------------------------------------------


def test_a_city_ceiling_holds_across_sessions_and_alerts(target: Target) -> None:
    with target.open(city_rate_limit=3) as s:
        for i in range(3):
            assert s.post_comment(**comment_args(session_id=f"s{i}",
                                                 now=T0 + timedelta(seconds=i))).created
        with pytest.raises(CityBusy) as busy:
            s.post_comment(**comment_args(session_id="s-new", now=T0 + timedelta(seconds=10)))
        assert isinstance(busy.value, RateLimited)
        assert busy.value.retry_after == pytest.approx(50)
        assert "この市区町村" in busy.value.message_ja and "3" in busy.value.message_en
        # another city is not affected; the city takes comments again after the window
        assert s.post_comment(**comment_args(city="27100", session_id="s-new",
                                             now=T0 + timedelta(seconds=11))).created
        assert s.post_comment(**comment_args(session_id="s-new",
                                             now=T0 + timedelta(seconds=61))).created
        alerts = s.alerts(city=CITY, now=T0 + timedelta(minutes=2), since=T0)
        assert [(a.kind, a.city, a.hits) for a in alerts] == [("comment_ceiling", CITY, 1)]
        # a retry of a stored comment is never refused
        args = comment_args(session_id="s9", now=T0 + timedelta(seconds=62))
        assert s.post_comment(**args).created
        s.post_comment(**comment_args(session_id="s8", now=T0 + timedelta(seconds=63)))
        assert not s.post_comment(**{**args, "now": T0 + timedelta(seconds=64)}).created


def _each_in_a_thread(stores: list[Store], attempt: Callable[[int], None]) -> None:
    """Run ``attempt(k)`` for each store ``k`` in a thread of its own (the attempts meet at
    their barrier); then close the stores."""
    threads = [threading.Thread(target=attempt, args=(k,)) for k in range(len(stores))]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    for s in stores:
        s.close()


def test_the_city_ceiling_holds_for_concurrent_writers(target: Target) -> None:
    """Eight connections (as eight app processes) post at once: exactly the ceiling is stored."""
    stores = [target.open(city_rate_limit=5) for _ in range(8)]
    barrier = threading.Barrier(len(stores))
    outcomes: list[str] = []

    def post(k: int) -> None:
        barrier.wait(timeout=30)
        try:
            stores[k].post_comment(**comment_args(session_id=f"w{k}", now=T0))
            outcomes.append("stored")
        except CityBusy:
            outcomes.append("busy")

    _each_in_a_thread(stores, post)
    assert sorted(outcomes) == ["busy"] * 3 + ["stored"] * 5
    assert target.raw("SELECT COUNT(*) FROM comments")[0][0] == 5


def test_one_session_posting_from_eight_connections_gets_its_limit_exactly(
        target: Target) -> None:
    """One session posts from eight connections at once (eight tabs, or replicas), five
    times over: the rate limit holds each time, as the city's ceiling does, on PostgreSQL's
    one-statement path too (without the session's lock, two posts counted the same two)."""
    stores = [target.open(rate_limit=3, city_rate_limit=None) for _ in range(8)]
    rounds = 5
    barrier = threading.Barrier(len(stores))
    outcomes: list[tuple[int, str]] = []

    def post(k: int) -> None:
        for r in range(rounds):
            barrier.wait(timeout=30)
            try:
                stores[k].post_comment(**comment_args(session_id=f"phone-{r}", now=T0))
                outcomes.append((r, "stored"))
            except RateLimited:
                outcomes.append((r, "limited"))

    _each_in_a_thread(stores, post)
    for r in range(rounds):
        assert sorted(o for n, o in outcomes if n == r) == ["limited"] * 5 + ["stored"] * 3
    assert target.raw("SELECT COUNT(*) FROM comments")[0][0] == 3 * rounds
    assert target.raw("SELECT SUM(actions) FROM session_activity")[0][0] == 3 * rounds


def test_the_ceiling_comes_from_the_settings_only_with_limits_on(
        target: Target, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIORAMA_CITY_COMMENTS_PER_MINUTE", "7")
    with target.open() as s:
        assert s.city_rate_limit == 7
    with target.open(rate_limit=None) as s:
        assert s.city_rate_limit is None
    monkeypatch.setenv("DIORAMA_CITY_COMMENTS_PER_MINUTE", "0")
    with target.open() as s:
        assert s.city_rate_limit is None


# -- the schema step ---------------------------------------------------------------------------


def test_version_6_keeps_the_audit_append_only_and_its_rows(
        target: Target, monkeypatch: pytest.MonkeyPatch) -> None:

    schema_before(monkeypatch, 6)
    with target.open() as old:
        item = {k: v for k, v in comment_args().items() if k not in ("city", "consent")}
        cid = old.import_comments([item], city=CITY)[0].comment_id
        old.moderate(comment_id=cid, action="hide", moderator="m", reason="r", now=T0)
    monkeypatch.undo()
    with target.open() as s:
        assert 6 in s.migrations_applied
        assert [e.action for e in s.audit_log()] == ["hide"]
        s.check_secret(given="x", expected=PASSWORD, session_id="a", now=T0)
        assert [e.action for e in s.audit_log()] == ["hide", "login_failed"]
        assert [e.id for e in s.audit_log()] == sorted({e.id for e in s.audit_log()})
    with pytest.raises(Exception, match="append-only"):
        target.raw("UPDATE moderation_audit SET reason = 'changed'")
    with pytest.raises(Exception, match="append-only"):
        target.raw("DELETE FROM moderation_audit")


def test_the_purge_forgets_old_sessions_and_attempts(store: Store, target: Target) -> None:
    store.post_comment(**comment_args(now=T0))
    store.check_secret(given="x", expected=PASSWORD, session_id="a", now=T0)
    store.purge_expired(retention_days=30, now=T0 + timedelta(days=31))
    for table in ("session_activity", "login_attempts", "comments"):
        assert target.raw(f"SELECT COUNT(*) FROM {table}")[0][0] == 0
