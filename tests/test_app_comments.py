"""AppTest flows of the comments and moderation pages against a fresh SQLite store per test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from app_flow import session
from streamlit.testing.v1 import AppTest
from util import APP_PASSWORD, map_specs

from geo.participation.store import open_store

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TOWN = "102012400"  # 粕川町稲里
PASSWORD = APP_PASSWORD
pytestmark = pytest.mark.usefixtures("fresh_store")  # tests/conftest.py



def post(at: AppTest, text: str, *, kind: str = "concern", factor: str = "mobility") -> None:
    at.selectbox(key="c_town").select(TOWN).run()
    at.selectbox(key="c_factor").select(factor).run()
    n = at.session_state["c_form_n"]
    at.radio(key=f"c_kind_{n}").set_value(kind)
    at.text_area(key=f"c_text_{n}").input(text)
    at.checkbox(key=f"c_consent_{n}").check()
    at.button[[b.label for b in at.button].index("投稿")].click().run()
    assert not at.exception, [e.value for e in at.exception]


def texts(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown]


def layer_cells(at: AppTest) -> dict[str, list[str]]:
    spec = map_specs(at)[0]
    return {layer["id"]: [d["h"] for d in layer["data"]] for layer in spec["layers"]
            if str(layer["id"]).startswith("c_")}


def test_post_is_visible_in_list_and_layer():
    at = session()
    post(at, "バス停が遠くて通院が大変です")
    assert any("バス停が遠くて通院が大変です" in m for m in texts(at))
    cell = at.session_state["c_cell"]
    assert cell in layer_cells(at)["c_concern"]
    assert at.session_state["c_last"]["token"]  # shown once for deletion


def test_list_filters_by_town_factor_and_kind():
    at = session()
    post(at, "稲里の声", kind="idea", factor="childcare")
    assert open_store().comments_frame(city="maebashi")["town_code"].tolist() == [TOWN]

    def listed(at: AppTest) -> int:
        return int(next(c.value for c in at.caption if c.value.endswith("件"))[:-1])

    assert listed(at) == 1
    at.selectbox(key="c_f_town").select(TOWN).run()
    assert listed(at) == 1
    at.selectbox(key="c_f_town").select("102012050").run()  # 西大室町
    assert listed(at) == 0
    at.selectbox(key="c_f_town").select(None).run()
    at.selectbox(key="c_f_kind").select("concern").run()
    assert listed(at) == 0
    at.selectbox(key="c_f_kind").select("idea").run()
    at.selectbox(key="c_f_factor").select("childcare").run()
    assert listed(at) == 1


def test_double_submit_does_not_duplicate():
    at = session()
    post(at, "同じ内容")
    first = at.session_state["c_last"]["id"]
    post(at, "同じ内容")  # the same text again from the same tab: a double click
    assert at.session_state["c_last"]["id"] == first
    assert any("すでに受け付けています" in i.value for i in at.info)
    post(at, "別の内容")  # anything different is a new comment
    assert at.session_state["c_last"]["id"] != first
    assert sorted(open_store().comments_frame(city="maebashi")["text"]) == ["別の内容", "同じ内容"]


def test_retry_after_a_server_restart_reuses_the_nonce_in_the_url():
    at = session()
    nonce = at.query_params["k"]
    assert nonce == at.session_state["c_nonce"]
    post(at, "再起動前の投稿")
    first = at.session_state["c_last"]["id"]
    assert at.query_params["k"] == nonce  # never rotated
    # the server restarted: a new session, the same URL (?k=<nonce>)
    again = AppTest.from_file(APP, default_timeout=120)
    again.query_params["k"] = nonce
    again.run()
    again.switch_page("pages/comments.py").run()
    assert again.session_state["c_nonce"] == nonce
    post(again, "再起動前の投稿")
    assert again.session_state.get("c_last") is None  # nothing new was created
    assert any("すでに受け付けています" in i.value for i in again.info)
    assert list(open_store().comments_frame(city="maebashi")["id"]) == [first]


def test_plus_one_once_per_session():
    at = session()
    post(at, "公園がきれい", kind="good", factor="public_space")
    cid = at.session_state["c_last"]["id"]
    at.button(key=f"plus_{cid}").click().run()
    assert at.button(key=f"plus_{cid}").disabled
    assert at.button(key=f"plus_{cid}").label == "+1 (1)"
    other = session()
    other.button(key=f"plus_{cid}").click().run()
    assert other.button(key=f"plus_{cid}").label == "+1 (2)"


def test_reply_is_threaded_under_its_comment():
    at = session()
    post(at, "親コメント")
    cid = at.session_state["c_last"]["id"]
    consent = at.checkbox(key=f"rcons_{cid}")
    assert consent.label.startswith("返信の本文だけが")  # no nickname, kind or photo to agree to
    at.text_area(key=f"rtext_{cid}").input("返信です")
    consent.check().run()
    at.button(key=f"rsend_{cid}").click().run()
    assert not at.exception
    md = texts(at)
    assert md.index("返信です") > md.index("親コメント")
    # the reply says who and when, not its parent's kind and factor (it may disagree)
    [meta] = [m for m in md if m.startswith("↳ ")]
    assert meta.startswith("↳ 匿名 · ") and "#" in meta
    assert "気になるところ" not in meta and "移動" not in meta, meta
    rid = int(meta.rsplit("#", 1)[1])
    assert [s.value for s in at.success if "返信" in s.value] == [f"返信しました (番号 #{rid})。"]
    at.run()  # said once
    assert not [s.value for s in at.success if "返信しました" in s.value]


def _hidden_by_reports(text: str, reasons: tuple[str, ...] = ("spam",) * 3) -> int:
    """A comment hidden by the reports of sessions that have been around (issue 16)."""
    author = session()
    post(author, text)
    cid = author.session_state["c_last"]["id"]
    for reason in reasons:
        s = session()
        open_store().record_activity(session_id=s.session_state["session_id"],
                                     now=datetime.now(UTC) - timedelta(hours=1))
        s.text_input(key=f"rreason_{cid}").input(reason)
        s.button(key=f"rep_{cid}").click().run()
        assert not s.exception
    assert text not in texts(session())
    return int(cid)


def _moderator() -> Any:
    mod = session("pages/moderation.py")
    mod.text_input[0].input("山田")
    mod.text_input[1].input(PASSWORD)
    mod.button[0].click().run()
    assert not mod.exception
    return mod


def test_three_reports_hide_and_moderator_restores():
    cid = _hidden_by_reports("問題のある投稿かも")
    mod = _moderator()
    assert "問題のある投稿かも" in texts(mod)
    # the moderator sees why and where, and only the actions that fit an auto-hidden comment
    assert any("spam" in x.value for x in mod.text)
    assert any("付近の六角形" in c.value for c in mod.caption)
    assert any("報告により自動で非表示" in c.value for c in mod.caption)
    keys = {b.key for b in mod.button}
    assert {f"m_keep_{cid}", f"m_restore_{cid}", f"m_delete_{cid}"} <= keys
    assert f"m_hide_{cid}" not in keys
    mod.text_input(key=f"mreason_{cid}").input("問題なし").run()
    mod.button(key=f"m_restore_{cid}").click().run()
    assert not mod.exception
    assert [x.value for x in mod.success] == [f"#{cid} を表示に戻しました (記録に残りました)。"]
    mod.run()  # said once
    assert not mod.success
    log = open_store().audit_log(comment_id=cid)
    assert "restore" in {e.action for e in log}
    assert "問題のある投稿かも" in texts(session())


def test_a_moderator_keeps_an_auto_hidden_comment_hidden_and_it_leaves_the_queue():
    """Agreeing with the reports: the comment stays hidden (now by a moderator, audited),
    its reports are answered, so it leaves the queue; a report without a reason is said so."""
    cid = _hidden_by_reports("広告です", reasons=("宣伝", "", "宣伝"))
    mod = _moderator()
    assert "・(理由の記入なし)" in "\n".join(x.value for x in mod.text)
    assert "・-" not in "\n".join(x.value for x in mod.text)
    mod.text_input(key=f"mreason_{cid}").input("宣伝のため").run()
    mod.button(key=f"m_keep_{cid}").click().run()
    assert not mod.exception
    assert [x.value for x in mod.success] == [
        f"#{cid} を非表示のまま確定しました (記録に残りました)。"]
    [entry] = [e for e in open_store().audit_log(comment_id=cid) if e.actor == "山田"]
    assert (entry.action, entry.detail, entry.reason) == ("hide", "hidden_auto -> hidden",
                                                          "宣伝のため")
    assert open_store().moderation_queue() == []
    assert f"m_keep_{cid}" not in {b.key for b in mod.button}
    assert "広告です" not in texts(session())


def test_wrong_password_is_refused():
    mod = session("pages/moderation.py")
    mod.text_input[0].input("誰か")
    mod.text_input[1].input("wrong")
    mod.button[0].click().run()
    assert any("パスワードが違います" in e.value for e in mod.error)
    assert "mod_name" not in mod.session_state or not mod.session_state["mod_name"]


def test_purge_removes_expired_rows():
    store = open_store()
    old = datetime.now(UTC) - timedelta(days=400)
    store.post_comment(idempotency_key="old-1", session_id="s", cell="892f5a32803ffff",
                       factor="mobility", kind="idea", text="古い投稿", city="maebashi",
                       consent=True, now=old)
    assert "古い投稿" in texts(session())
    mod = session("pages/moderation.py")
    mod.text_input[0].input("山田")
    mod.text_input[1].input(PASSWORD)
    mod.button[0].click().run()
    mod.button(key="m_purge").click().run()
    assert not mod.exception
    assert any("1件を削除" in s.value for s in mod.success)
    assert "古い投稿" not in texts(session())


def test_delete_by_token():
    at = session()
    post(at, "消したい投稿")
    last = at.session_state["c_last"]
    assert at.code[0].value == last["token"]
    at.number_input(key="c_del_id").set_value(last["id"])
    at.text_input(key="c_del_token").input("not-the-token")
    at.button(key="c_del").click().run()
    assert any("一致しません" in e.value for e in at.error)
    at.text_input(key="c_del_token").input(last["token"])
    at.button(key="c_del").click().run()
    assert any("削除しました" in s.value for s in at.success)
    assert "消したい投稿" not in texts(session())


def test_hostile_text_is_rendered_inert():
    at = session()
    payload = "<script>alert(1)</script> [x](javascript:alert(1)) {h}"
    post(at, payload)
    shown = [m for m in texts(at) if "alert" in m]
    assert shown and all("<script>" not in m for m in shown)
    assert all("](javascript:" not in m for m in shown)


def test_hostile_corpus_on_the_page_and_in_the_map_payload():
    from hostile_strings import HOSTILE
    from markdown_it import MarkdownIt

    store = open_store()
    accepted = [h for h in HOSTILE if h.outcome == "accepted"]
    for i, h in enumerate(accepted):
        store.post_comment(idempotency_key=f"h{i}", session_id=f"s{i}", cell="892f5a32803ffff",
                           factor="mobility", kind="concern", text=h.text, nickname=h.text[:40],
                           city="maebashi", consent=True)
    at = session()
    md = MarkdownIt("commonmark")
    for m in texts(at):
        html = md.render(m)
        # whatever the text was, markdown renders it to plain paragraphs: no tags, no links
        assert "<script" not in html and "<img" not in html and "<a " not in html, m
        assert "<iframe" not in html and "<svg" not in html and "<style" not in html, m
    # the comment layers carry cell ids and counts only: no text, no coordinates
    spec = map_specs(at)[0]
    for layer in spec["layers"]:
        if str(layer["id"]).startswith("c_"):
            assert all(set(d) == {"h", "v"} for d in layer["data"])


def test_database_unavailable_shows_a_message_and_recovers(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    monkeypatch.setenv("DIORAMA_DATA_DIR", str(blocker))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("pages/comments.py").run()
    assert not at.exception
    assert any("データベースに接続できません" in e.value for e in at.error)
    # the database comes back: the next run reconnects by itself
    blocker.unlink()
    at.run()
    assert not at.exception
    assert not at.error
    assert at.title[0].value == "みんなの声"


def test_the_list_is_paged_newest_first(fresh_store: Path):
    store = open_store(str(fresh_store))
    cell = "892e74145a7ffff"
    for i in range(25):
        store.post_comment(idempotency_key=f"page-{i}", session_id=f"s{i}", cell=cell,
                           factor="mobility", kind="idea", text=f"comment number {i:02d}",
                           city="maebashi", consent=True)
    at = session()
    shown = [m for m in texts(at) if m.startswith("comment number")]
    assert len(shown) == 20 and shown[0] == "comment number 24"  # newest first
    at.number_input(key="c_page").set_value(2).run()
    shown = [m for m in texts(at) if m.startswith("comment number")]
    assert shown == [f"comment number {i:02d}" for i in range(4, -1, -1)]
    assert any("25" in c.value for c in at.caption)  # the count is of all comments
