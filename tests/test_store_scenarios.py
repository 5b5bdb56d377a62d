"""Workshop store: sessions, join tokens, group isolation, optimistic concurrency, deletion."""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from store_fixtures import TEST_CELL, Target, comment_args, schema_before

from geo import access as sc
from geo.participation.store import (
    InvalidInput,
    ScenarioNotFound,
    StaleScenario,
    Store,
    TokenMismatch,
    Workshop,
)
from geo.participation.store.workshop import (
    LinkRevoked,
    NotYourScenario,
    UnknownLink,
    WrongFacilitatorKey,
)

CITY = "maebashi"
CELL = "8a2f5a363a07fff"


@pytest.fixture
def store(target: Target) -> Iterator[Store]:
    s = target.open(rate_limit=None)
    yield s
    s.close()


@pytest.fixture
def ws(store: Store) -> Workshop:
    return Workshop(store)


def _session(ws: Workshop):
    return ws.create_session(city=CITY, title="駅前を考える", groups=["A班", "B班"],
                             agenda=["現状を見る", "バス停を足す", "", "発表"])


def test_create_and_join(ws: Workshop) -> None:
    made = _session(ws)
    assert [g.name for g in made.groups] == ["A班", "B班"]
    assert made.session.agenda == ("現状を見る", "バス停を足す", "発表")
    tokens = list(made.group_tokens.values())
    assert len(set(tokens)) == 2 and all(len(t) >= 32 for t in tokens)
    assert len(made.facilitator_token) >= 32 and made.facilitator_token not in tokens
    session, group = ws.join(made.group_tokens[made.groups[1].id])
    assert session.id == made.session.id and group.name == "B班" and group.position == 2
    assert ws.facilitator_session(made.facilitator_token).title == "駅前を考える"
    for bad in ["", "x" * 40, made.facilitator_token]:
        with pytest.raises(TokenMismatch):
            ws.join(bad)
    with pytest.raises(TokenMismatch):
        ws.facilitator_session(tokens[0])


def test_renewing_a_link_retires_the_old_one_and_keeps_the_work(ws: Workshop) -> None:
    made = _session(ws)
    a, b = made.groups
    old = made.group_tokens[a.id]
    s = ws.create_scenario(group_token=old, name="案1")
    new = ws.renew_link(facilitator_token=made.facilitator_token, group_id=a.id)
    assert new != old and len(new) >= 32
    with pytest.raises(TokenMismatch):
        ws.join(old)
    session, group = ws.join(new)
    assert group.id == a.id and session.id == made.session.id
    assert [x.id for x in ws.scenarios(group_id=a.id)] == [s.id]  # the group's work stays
    ws.join(made.group_tokens[b.id])  # the other group's link still works
    # only this session's facilitator may renew, and only its own groups
    other = ws.create_session(city=CITY, title="別の会", groups=["X"])
    with pytest.raises(ScenarioNotFound):
        ws.renew_link(facilitator_token=other.facilitator_token, group_id=a.id)
    with pytest.raises(TokenMismatch):
        ws.renew_link(facilitator_token=new, group_id=a.id)


def test_tokens_are_stored_hashed(ws: Workshop, target: Target) -> None:
    made = _session(ws)
    dump = repr(target.raw("SELECT * FROM workshop_groups")) + repr(
        target.raw("SELECT * FROM workshop_sessions"))
    assert made.facilitator_token not in dump
    assert all(t not in dump for t in made.group_tokens.values())


def test_scenario_versions_and_stale_write_refused(ws: Workshop) -> None:
    made = _session(ws)
    ta = made.group_tokens[made.groups[0].id]
    s = ws.create_scenario(group_token=ta, name="バス停を1つ")
    assert s.version == 1 and s.modifications == "[]" and s.city == CITY
    mods = sc.dumps([sc.add("bus_stop", CELL, facility="new-1")])
    s2 = ws.save_scenario(group_token=ta, scenario_id=s.id, expected_version=1,
                          modifications=mods)
    assert s2.version == 2 and sc.loads(s2.modifications)[0].facility == "new-1"
    # a second editor still holding version 1 is refused, and nothing is overwritten
    with pytest.raises(StaleScenario) as info:
        ws.save_scenario(group_token=ta, scenario_id=s.id, expected_version=1,
                         modifications="[]")
    assert info.value.current_version == 2
    assert "最新" in info.value.message_ja and "Nothing was overwritten" in info.value.message_en
    assert ws.scenario(s.id).modifications == mods
    with pytest.raises(InvalidInput):
        ws.save_scenario(group_token=ta, scenario_id=s.id, expected_version=2,
                         modifications='[{"op": "explode", "kind": "park"}]')
    with pytest.raises(ScenarioNotFound):
        ws.scenario("nope")


def test_a_group_cannot_write_another_groups_scenario(ws: Workshop) -> None:
    made = _session(ws)
    ta, tb = (made.group_tokens[g.id] for g in made.groups)
    s = ws.create_scenario(group_token=ta, name="A案")
    with pytest.raises(TokenMismatch):
        ws.save_scenario(group_token=tb, scenario_id=s.id, expected_version=1,
                         modifications="[]", name="乗っ取り")
    with pytest.raises(TokenMismatch):
        ws.delete_scenario(group_token=tb, scenario_id=s.id, expected_version=1)
    other = _session(ws)  # a group of another session cannot either
    with pytest.raises(TokenMismatch):
        ws.save_scenario(group_token=next(iter(other.group_tokens.values())),
                         scenario_id=s.id, expected_version=1, modifications="[]")
    assert ws.scenario(s.id).name == "A案" and ws.scenario(s.id).version == 1


def test_two_groups_editing_at_once_do_not_interfere(target: Target) -> None:
    with target.open(rate_limit=None) as setup:
        made = _session(Workshop(setup))
    tokens = [made.group_tokens[g.id] for g in made.groups]
    rounds = 15
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def editor(token: str, kind: str) -> None:
        try:
            with target.open(rate_limit=None) as st:  # each group its own connection
                w = Workshop(st)
                s = w.create_scenario(group_token=token, name=f"{kind}案")
                barrier.wait()
                mods: list[sc.Modification] = []
                for i in range(rounds):
                    mods.append(sc.add(kind, CELL, facility=f"{kind}-{i}"))
                    s = w.save_scenario(group_token=token, scenario_id=s.id,
                                        expected_version=s.version, modifications=sc.dumps(mods))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=editor, args=(tok, kind))
               for tok, kind in zip(tokens, ["bus_stop", "park"], strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    with target.open(rate_limit=None) as st:
        w = Workshop(st)
        for g, kind in zip(made.groups, ["bus_stop", "park"], strict=True):
            (s,) = w.scenarios(group_id=g.id)
            mods = sc.loads(s.modifications)
            assert s.version == rounds + 1
            assert [m.facility for m in mods] == [f"{kind}-{i}" for i in range(rounds)]
            assert {m.kind for m in mods} == {kind}
        assert len(w.scenarios(session_id=made.session.id)) == 2


def test_delete_session_removes_scenarios_and_comments_and_is_audited(
        ws: Workshop, store: Store, target: Target) -> None:
    made = _session(ws)
    keep = _session(ws)
    ta = made.group_tokens[made.groups[0].id]
    s = ws.create_scenario(group_token=ta, name="A案")
    other = ws.create_scenario(group_token=next(iter(keep.group_tokens.values())), name="残す")
    c = store.post_comment(**comment_args(city=CITY, cell=TEST_CELL, scenario_id=s.id,
                                          group_token=ta, text="ここにバス停があると通院が楽"))
    with pytest.raises(TokenMismatch):
        ws.delete_session(facilitator_token=ta)
    assert ws.delete_session(facilitator_token=made.facilitator_token) == 1
    assert ws.scenarios(session_id=made.session.id) == []
    assert ws.groups(made.session.id) == []
    with pytest.raises(TokenMismatch):
        ws.join(ta)
    assert ws.scenario(other.id).name == "残す"
    rows = target.raw("SELECT status, body FROM comments WHERE id = ?", [c.comment_id])
    assert rows == [("deleted", "")]
    log = store.audit_log()
    assert [e.action for e in log] == ["delete", "delete"]
    assert {e.actor for e in log} == {"facilitator"}
    assert made.session.id in (log[-1].detail or "")


def test_ids_always_pass_the_code_check() -> None:
    """Ids are used as codes elsewhere (a comment's scenario_id): one that starts with '-' or
    '_' was refused, so a comment on about one scenario in 32 failed."""
    from geo.participation.store import workshop
    from geo.participation.store.models import validate_code

    for _ in range(2000):
        validate_code(workshop._new_id(), name="scenario_id")



# --- join links the facilitator can show again (derived from the facilitator key) ----------

def test_links_are_derived_from_the_facilitator_key(ws: Workshop, target: Target) -> None:
    """Whoever holds the facilitator key gets the same links again, on another connection
    (another machine): the QR codes already handed out stay valid."""
    made = _session(ws)
    assert ws.group_links(made.facilitator_token) == made.group_tokens
    with target.open(rate_limit=None) as elsewhere:
        again = Workshop(elsewhere).group_links(made.facilitator_token)
    assert again == made.group_tokens
    assert list(again) == [g.id for g in made.groups]  # in group order
    for token in again.values():
        assert len(token) >= 32 and re.fullmatch(r"[A-Za-z0-9_-]+", token)
    other = _session(ws)  # another session's links share nothing with these
    assert not set(other.group_tokens.values()) & set(made.group_tokens.values())
    # a join token is not a facilitator key: it shows no links
    with pytest.raises(WrongFacilitatorKey) as info:
        ws.group_links(made.group_tokens[made.groups[0].id])
    assert "ファシリテーター用キー" in info.value.message_ja


def test_renewal_bumps_the_generation_and_revokes_the_old_link(
        ws: Workshop, target: Target) -> None:
    made = _session(ws)
    a, b = made.groups
    first = made.group_tokens[a.id]
    s = ws.create_scenario(group_token=first, name="案1")
    second = ws.renew_link(facilitator_token=made.facilitator_token, group_id=a.id)
    third = ws.renew_link(facilitator_token=made.facilitator_token, group_id=a.id)
    assert len({first, second, third}) == 3
    assert target.raw("SELECT link_generation FROM workshop_groups WHERE id = ?",
                      [a.id]) == [(3,)]
    # the key holder is shown the newest link; the other group's link did not move
    assert ws.group_links(made.facilitator_token) == {a.id: third, b.id: made.group_tokens[b.id]}
    assert ws.join(third)[1].id == a.id
    for old in (first, second):  # refused everywhere, with a message about the link
        with pytest.raises(LinkRevoked) as info:
            ws.join(old)
        assert info.value.message_ja.startswith("このリンクは無効になりました")
        assert "削除用のキー" not in info.value.message_ja
        with pytest.raises(LinkRevoked):
            ws.create_scenario(group_token=old, name="古いリンクから")
        with pytest.raises(LinkRevoked):
            ws.save_scenario(group_token=old, scenario_id=s.id, expected_version=1,
                             modifications="[]")
        with pytest.raises(LinkRevoked):
            ws.delete_scenario(group_token=old, scenario_id=s.id, expected_version=1)
    assert ws.scenario(s.id).version == 1  # nothing written through a revoked link
    assert [x.id for x in ws.scenarios(group_id=a.id)] == [s.id]
    # deleting the session forgets the retired links too
    ws.delete_session(facilitator_token=made.facilitator_token)
    assert target.raw("SELECT COUNT(*) FROM workshop_retired_links") == [(0,)]
    with pytest.raises(UnknownLink) as gone:
        ws.join(first)
    assert not isinstance(gone.value, LinkRevoked)


def test_a_made_up_link_and_another_groups_scenario_have_their_own_messages(
        ws: Workshop) -> None:
    made = _session(ws)
    ta, tb = (made.group_tokens[g.id] for g in made.groups)
    for bad in ["x" * 40, "short", made.facilitator_token]:
        with pytest.raises(UnknownLink) as info:
            ws.join(bad)
        assert not isinstance(info.value, LinkRevoked)
        assert "参加リンクが正しくない" in info.value.message_ja
    s = ws.create_scenario(group_token=ta, name="A案")
    with pytest.raises(NotYourScenario) as other:
        ws.save_scenario(group_token=tb, scenario_id=s.id, expected_version=1,
                         modifications="[]")
    assert "別のグループ" in other.value.message_ja


def test_sessions_made_before_derived_links_keep_working(
        target: Target, monkeypatch: pytest.MonkeyPatch) -> None:
    """A session stored by the previous version (random join tokens, only hashes kept): its
    links stay valid after the migration; they cannot be shown, and renewing gives a link
    the key holder can show again."""
    from geo.participation.store.workshop import _hash

    schema_before(monkeypatch, 4)
    fac, tokens = secrets.token_urlsafe(24), [secrets.token_urlsafe(24) for _ in range(2)]
    with target.open(rate_limit=None) as old_app, old_app.backend.write() as tx:
        # what the previous create_session wrote
        tx.execute("INSERT INTO workshop_sessions (id, city, title, agenda, "
                   "facilitator_token_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                   ["s0", CITY, "前の版の会", "[]", _hash(fac), datetime.now(UTC)])
        for i, tok in enumerate(tokens):
            tx.execute("INSERT INTO workshop_groups (id, session_id, position, name, "
                       "token_hash) VALUES (?, ?, ?, ?, ?)",
                       [f"g{i}", "s0", i + 1, f"{i + 1}班", _hash(tok)])
    monkeypatch.undo()
    with target.open(rate_limit=None) as store:
        assert 4 in store.migrations_applied
        ws = Workshop(store)
        assert ws.join(tokens[0])[1].name == "1班"  # the handed-out links still work
        s = ws.create_scenario(group_token=tokens[0], name="移行後の案")
        assert ws.group_links(fac) == {"g0": None, "g1": None}  # cannot be shown again
        new = ws.renew_link(facilitator_token=fac, group_id="g0")
        assert ws.group_links(fac) == {"g0": new, "g1": None}
        with pytest.raises(LinkRevoked):
            ws.join(tokens[0])
        assert ws.join(new)[1].id == "g0" and ws.join(tokens[1])[1].id == "g1"
        assert [x.id for x in ws.scenarios(group_id="g0")] == [s.id]


def test_two_renewals_at_once_each_get_a_generation(target: Target) -> None:
    """Two facilitator tabs renewing the same group at once: the row is locked, so each
    renewal gets its own generation; the newest link wins and both older ones are refused."""
    with target.open(rate_limit=None) as setup:
        made = _session(Workshop(setup))
    a = made.groups[0]
    barrier = threading.Barrier(2)
    got: list[str] = []
    errors: list[BaseException] = []

    def renew() -> None:
        try:
            with target.open(rate_limit=None) as st:
                barrier.wait()
                got.append(Workshop(st).renew_link(facilitator_token=made.facilitator_token,
                                                   group_id=a.id))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=renew) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(set(got)) == 2
    with target.open(rate_limit=None) as st:
        w = Workshop(st)
        newest = w.group_links(made.facilitator_token)[a.id]
        assert newest in got
        assert target.raw("SELECT link_generation FROM workshop_groups WHERE id = ?",
                          [a.id]) == [(3,)]
        for old in {made.group_tokens[a.id], *got} - {newest}:
            with pytest.raises(LinkRevoked):
                w.join(old)
