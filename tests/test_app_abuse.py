"""AppTest: abuse guards as people meet them (issue 16) — a slowed-down login, reports from new
sessions that queue instead of hiding, "under review" for the author, a renewed workshop link
that can neither edit nor comment, and the city's comment ceiling with the moderators' alert."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from app_flow import run, session
from streamlit.testing.v1 import AppTest
from util import APP_PASSWORD

from geo.participation.store import Workshop, open_store

TOWN = "102012400"  # 粕川町稲里
CELL = "892f5a32803ffff"
PASSWORD = APP_PASSWORD
pytestmark = pytest.mark.usefixtures("fresh_store")  # tests/conftest.py




def log_in(mod: AppTest, password: str = PASSWORD) -> AppTest:
    mod.text_input[0].input("山田")
    mod.text_input[1].input(password)
    return run(mod.button[0].click())


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def test_failed_logins_are_slowed_down_across_sessions_and_audited():
    mod = session("pages/moderation.py")
    for _ in range(5):
        log_in(mod, "hunter2-guess")
        assert errors(mod)[-1].startswith("パスワードが違います")
    assert "失敗が続いているため" in errors(mod)[-1]  # the fifth failure starts the back-off
    log_in(mod, PASSWORD)  # too early: not even looked at
    assert any("いまは受け付けていません" in e for e in errors(mod))
    assert not mod.session_state["mod_name"] if "mod_name" in mod.session_state else True
    other = session("pages/moderation.py")  # a new browser session resets nothing
    log_in(other, PASSWORD)
    assert any("いまは受け付けていません" in e for e in errors(other))
    time.sleep(1.2)  # the back-off after five failures is one second
    log_in(other, PASSWORD)
    assert other.session_state["mod_name"] == "山田"
    # the moderator sees the failures in the audit (never the password) and the alert
    actions = [e.action for e in open_store().audit_log()]
    assert actions == ["login_failed"] * 5 + ["login"]
    table = other.dataframe[-1].value
    assert (table.iloc[:, 2] == "ログイン失敗").sum() == 5
    assert "hunter2" not in table.to_string() and PASSWORD not in table.to_string()


def test_fresh_sessions_queue_a_comment_and_established_ones_hide_it():
    store = open_store()
    mine = store.post_comment(idempotency_key="a1", session_id="author", cell=CELL,
                              factor="mobility", kind="concern", text="報告される投稿",
                              city="maebashi", consent=True).comment_id
    # three new browser sessions report it within a minute: it stays, and waits for review
    for _ in range(3):
        s = session()
        s.text_input(key=f"rreason_{mine}").input("spam")
        run(s.button(key=f"rep_{mine}").click())
    assert "報告される投稿" in [m.value for m in session().markdown]
    mod = log_in(session("pages/moderation.py"))
    assert any(m.value == "報告される投稿" for m in mod.markdown)
    assert any("集中しました" in w.value for w in mod.warning)  # the burst, on the item
    assert any("新しい端末からの報告が短時間に集中" in w.value for w in mod.warning)  # alert
    assert any("新しい端末から 3件" in c.value for c in mod.caption)
    # three sessions that have been around (they +1'd something an hour ago) hide it
    for _ in range(3):
        s = session()
        store.record_activity(session_id=s.session_state["session_id"],
                              now=datetime.now(UTC) - timedelta(hours=1))
        s.text_input(key=f"rreason_{mine}").input("abuse")
        run(s.button(key=f"rep_{mine}").click())
    assert "報告される投稿" not in [m.value for m in session().markdown]
    assert store.list_comments(city="maebashi") == []
    mod = run(mod)
    assert any("利用実績のある端末から 3件" in c.value for c in mod.caption)
    assert any("報告により自動で非表示" in c.value for c in mod.caption)


def test_the_author_sees_a_hidden_comment_under_review():
    author = session()
    author.selectbox(key="c_town").select(TOWN).run()
    author.selectbox(key="c_factor").select("mobility").run()
    n = author.session_state["c_form_n"]
    author.radio(key=f"c_kind_{n}").set_value("concern")
    author.text_area(key=f"c_text_{n}").input("私の投稿")
    author.checkbox(key=f"c_consent_{n}").check()
    run(author.button[[b.label for b in author.button].index("投稿")].click())
    cid = author.session_state["c_last"]["id"]
    store = open_store()
    for i in range(3):
        store.record_activity(session_id=f"r{i}", now=datetime.now(UTC) - timedelta(hours=1))
        store.report(comment_id=cid, session_id=f"r{i}", reason="x")
    author = run(author)
    assert any("確認中のあなたの投稿" in s.value for s in author.subheader)
    assert any("審査中" in c.value for c in author.caption)
    assert "私の投稿" in [m.value for m in author.markdown]
    other = session()
    assert not any("確認中のあなたの投稿" in s.value for s in other.subheader)
    assert "私の投稿" not in [m.value for m in other.markdown]


def test_a_renewed_link_can_neither_edit_nor_comment(fresh_store: Path):
    with open_store(data_dir=fresh_store) as store:
        ws = Workshop(store)
        made = ws.create_session(city="maebashi", title="駅前", groups=["A"])
        gid = made.groups[0].id
        old = made.group_tokens[gid]
        ws.create_scenario(group_token=old, name="案")
    grp = session("pages/diorama.py", join=old)
    grp.text_area(key="dio_c_text").input("書いたコメント")
    grp.checkbox(key="dio_c_consent").check()
    with open_store(data_dir=fresh_store) as store:
        Workshop(store).renew_link(facilitator_token=made.facilitator_token, group_id=gid)
    run(grp.button(key="dio_set_radius").click())  # an edit with the old link
    said = errors(grp)
    assert any(e.startswith("このリンクは無効になりました") for e in said), said
    assert not any("削除用のキー" in e for e in said)
    grp = session("pages/diorama.py", join=old)
    assert any(e.startswith("このリンクは無効になりました") for e in errors(grp))
    with open_store(data_dir=fresh_store) as store:
        assert store.list_comments(city="maebashi", include_hidden=True) == []


def test_the_city_ceiling_says_so_and_alerts_the_moderators(monkeypatch):
    monkeypatch.setenv("DIORAMA_CITY_COMMENTS_PER_MINUTE", "2")
    store = open_store()
    for i in range(2):
        store.post_comment(idempotency_key=f"c{i}", session_id=f"s{i}", cell=CELL,
                           factor="mobility", kind="idea", text=f"投稿{i}", city="maebashi",
                           consent=True)
    at = session()
    at.selectbox(key="c_town").select(TOWN).run()
    at.selectbox(key="c_factor").select("mobility").run()
    n = at.session_state["c_form_n"]
    at.radio(key=f"c_kind_{n}").set_value("idea")
    at.text_area(key=f"c_text_{n}").input("三つ目")
    at.checkbox(key=f"c_consent_{n}").check()
    run(at.button[[b.label for b in at.button].index("投稿")].click())
    assert any("この市区町村への投稿がとても多く" in e for e in errors(at)), errors(at)
    assert at.text_area(key=f"c_text_{n}").value == "三つ目"  # what was written is kept
    mod = log_in(session("pages/moderation.py"))
    assert any("投稿が上限に達しました" in w.value for w in mod.warning)


def test_the_add_a_city_password_shares_the_throttle_and_the_audit():
    """Guessing the password on the add-a-city page is slowed down like the moderators'
    login (one counter for the app), each submission is one audited attempt, and a rerun of
    the page is not another attempt."""
    build = session("pages/build_city.py")

    def submit(password: str) -> AppTest:
        build.text_input(key="_bc_password").input(password)
        return run(next(b for b in build.button if b.label == "ログイン").click())

    for _ in range(5):
        submit("hunter2-guess")
        assert errors(build)[-1].startswith("パスワードが違います")
    run(build)  # a rerun alone is not an attempt
    submit(PASSWORD)  # too early: not even looked at
    assert any("いまは受け付けていません" in e for e in errors(build))
    mod = session("pages/moderation.py")  # the same back-off holds for the moderators' login
    log_in(mod, PASSWORD)
    assert any("いまは受け付けていません" in e for e in errors(mod))
    time.sleep(1.2)
    submit(PASSWORD)
    assert build.session_state["_bc_unlocked"] is True
    logins = [e for e in open_store().audit_log() if e.action.startswith("login")]
    assert [e.action for e in logins] == ["login_failed"] * 5 + ["login"]
    assert all("build_city" in (e.reason or "") for e in logins)
