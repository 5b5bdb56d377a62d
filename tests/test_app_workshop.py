"""AppTest: a facilitator creates a session, a group joins, adds a bus stop, minutes exported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo import access as sc
from geo.participation.store import Workshop, open_store

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TOWN = "102012400"  # 粕川町稲里


@pytest.fixture(autouse=True)
def fresh_store(tmp_path, monkeypatch):
    monkeypatch.setenv("DIORAMA_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DIORAMA_DATABASE_URL", raising=False)
    return tmp_path


def run(x) -> AppTest:
    """Run an AppTest, or the AppTest of a widget just interacted with; no exception."""
    at = x.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> tuple[str, str]:
    m = next(m for m in at.metric if m.label == label)
    return m.value, m.delta


def test_workshop_flow(fresh_store: Path) -> None:
    # the facilitator creates a session with two groups
    fac = AppTest.from_file(APP, default_timeout=120)
    fac = run(fac)
    run(fac.switch_page("pages/workshop.py"))
    fac.text_input(key="ws_title").input("駅前<script>x</script>")
    fac.text_area(key="ws_groups").input("A班\nB班")
    fac.text_area(key="ws_agenda").input("現状を見る\nバス停を足す")
    run(fac.button[[b.label for b in fac.button].index("セッションを作る")].click())
    links = join_links(fac)
    assert len(links) == 2 and len(fac.get("image")) == 2  # a QR code per group
    token = links[0].split("join=")[1]

    # a participant of group A joins by link (no account) and opens the diorama
    grp = AppTest.from_file(APP, default_timeout=120)
    grp.query_params["join"] = token
    run(grp)
    run(grp.switch_page("pages/workshop.py"))
    assert grp.session_state["wd_group"]["group"] in ("A班", "B班")
    assert_participant_view(grp)
    run(grp.switch_page("pages/diorama.py"))
    grp.text_input(key="dio_new_name").input("バス停を1つ")
    run(grp.button(key="dio_create").click())
    before_cov, _ = metric(grp, "徒歩圏内の人口")
    # the non-map path: a town from the list, then "add here"
    run(grp.selectbox(key="dio_town").select(TOWN))
    assert grp.session_state["dio_cell"] is not None
    run(grp.button(key="dio_add").click())
    after_cov, delta = metric(grp, "徒歩圏内の人口")
    assert float(after_cov.replace(",", "")) > float(before_cov.replace(",", ""))
    assert delta.startswith("+") and float(delta.replace(",", "")) > 0
    assert any("ms" in s.value for s in grp.success)  # recompute time shown
    table = next(d.value for d in grp.dataframe if "徒歩圏に入るセル" in d.value.columns)
    bus = table[table["施設の種類"] == "バス停"].iloc[0]
    assert bus["Δ 徒歩圏内の人口"] > 0 and bus["徒歩圏に入るセル"] > 0
    assert bus["徒歩圏から外れるセル"] == 0

    # the store holds exactly that one modification, in group A's scenario
    with open_store(data_dir=fresh_store) as store:
        (s,) = Workshop(store).scenarios()
        mods = sc.loads(s.modifications)
        assert [(m.op, m.kind) for m in mods] == [("add", "bus_stop")] and s.version == 2

    # the facilitator sees the group's figures and exports the minutes
    run(fac)
    assert any(d.value is not None and len(d.value) for d in fac.dataframe)
    run(fac.button(key="ws_export_btn").click())
    html, geojson = fac.session_state["ws_export"]
    assert "バス停を1つ" in html and "<script>x" not in html and "&lt;script&gt;" in html
    assert "data:image/png;base64," in html
    feats = json.loads(geojson)["features"]
    assert len(feats) == 1 and feats[0]["properties"]["kind"] == "bus_stop"
    assert feats[0]["geometry"]["type"] == "Point"


def join_links(at: AppTest) -> list[str]:
    """The join links the facilitator's page shows, in group order."""
    return [c.value.strip() for c in at.code if "join=" in c.value]


FACILITATOR_WIDGETS = ("ws_title", "ws_groups", "ws_open_key", "ws_open_btn", "ws_export_btn",
                       "ws_leave_session", "ws_del")


def assert_participant_view(at: AppTest) -> None:
    """Only the group's view: no form to create or open a session, no facilitator part."""
    keys = {w.key for kind in ("button", "text_input", "text_area", "checkbox")
            for w in at.get(kind) if getattr(w, "key", None)}
    assert not keys & set(FACILITATOR_WIDGETS), keys
    assert not at.get("form") and not at.get("form_submit_button")
    assert "ファシリテーター" not in [h.value for h in at.subheader]
    assert not join_links(at)


def test_bad_join_link_is_refused() -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["join"] = "x" * 32
    run(at)
    run(at.switch_page("pages/workshop.py"))
    assert any("参加リンクが正しくない" in e.value for e in at.error)
    assert "wd_group" not in at.session_state
    assert_participant_view(at)  # a participant never sees the facilitator's forms
    run(at.switch_page("pages/diorama.py"))
    assert any("参加" in i.value for i in at.info)


def participant(token: str, page: str = "pages/workshop.py") -> AppTest:
    """A participant's browser that opened the join link of ``token`` on ``page``."""
    grp = AppTest.from_file(APP, default_timeout=120)
    grp.query_params["join"] = token
    run(grp)
    return run(grp.switch_page(page))


def open_with_key(key: str) -> AppTest:
    """The facilitator's view, opened by typing the key (another machine)."""
    fac = AppTest.from_file(APP, default_timeout=120)
    run(fac)
    run(fac.switch_page("pages/workshop.py"))
    fac.text_input(key="ws_open_key").input(key)
    return run(fac.button(key="ws_open_btn").click())


def test_the_key_holder_sees_the_same_links_again(fresh_store: Path) -> None:
    with open_store(data_dir=fresh_store) as store:
        made = Workshop(store).create_session(city="maebashi", title="再開", groups=["A", "B"])
    fac = open_with_key(made.facilitator_token)
    tokens = [u.split("join=")[1] for u in join_links(fac)]
    assert tokens == [made.group_tokens[g.id] for g in made.groups]  # the same QR codes
    assert len(fac.get("image")) == 2
    # the key is on the page only inside a folded expander (not on the projected screen)
    key_box = next(e for e in fac.expander if e.label == "ファシリテーター用キーを表示")
    assert [c.value for c in key_box.code] == [made.facilitator_token]
    assert made.facilitator_token not in [c.value for c in fac.main.code
                                          if c not in list(key_box.code)]


def test_renewing_a_link_asks_first_and_revokes_the_old_one(fresh_store: Path) -> None:
    with open_store(data_dir=fresh_store) as store:
        made = Workshop(store).create_session(city="maebashi", title="再開", groups=["A", "B"])
    a = made.groups[0]
    old = made.group_tokens[a.id]
    grp = participant(old)  # a participant already in the group with the old link
    assert grp.session_state["wd_group"]["group_id"] == a.id
    fac = open_with_key(made.facilitator_token)
    run(fac.button(key=f"ws_renew_{a.id}").click())
    warning = " ".join(w.value for w in fac.warning)
    assert "古いリンクとQRコードは使えなくなります" in warning
    run(fac.button(key=f"ws_renew_no_{a.id}").click())  # cancelled: nothing changed
    assert join_links(fac)[0].endswith(old) and not fac.warning
    run(fac.button(key=f"ws_renew_{a.id}").click())
    run(fac.button(key=f"ws_renew_yes_{a.id}").click())
    assert any("使えなくなりました" in m.value for m in fac.success)
    links = join_links(fac)
    new = links[0].split("join=")[1]
    assert new != old and links[1].endswith(made.group_tokens[made.groups[1].id])
    assert len(fac.get("image")) == 2
    assert participant(new).session_state["wd_group"]["group_id"] == a.id
    # the old link stops working: for a newcomer, and for the participant already in
    for at in (participant(old), run(grp)):
        errors = [e.value for e in at.error]
        assert any(e.startswith("このリンクは無効になりました") for e in errors), errors
        assert not any("削除用のキー" in e for e in errors)
        assert "wd_group" not in at.session_state
        assert_participant_view(at)


def test_a_session_from_before_derived_links_offers_renewal(fresh_store: Path) -> None:
    with open_store(data_dir=fresh_store) as store:
        made = Workshop(store).create_session(city="maebashi", title="前の版", groups=["A"])
        with store.backend.write() as tx:  # as a group stored by the previous version
            tx.execute("UPDATE workshop_groups SET link_generation = NULL")
    (a,) = made.groups
    fac = open_with_key(made.facilitator_token)
    assert not join_links(fac) and not fac.get("image")
    assert any("再表示できません" in c.value for c in fac.caption)
    run(fac.button(key=f"ws_renew_{a.id}").click())
    run(fac.button(key=f"ws_renew_yes_{a.id}").click())
    (link,) = join_links(fac)
    assert participant(link.split("join=")[1]).session_state["wd_group"]["group_id"] == a.id
    assert join_links(open_with_key(made.facilitator_token)) == [link]  # shown again


def test_a_participant_sees_only_the_groups_view_and_can_leave(fresh_store: Path) -> None:
    with open_store(data_dir=fresh_store) as store:
        made = Workshop(store).create_session(city="maebashi", title="参加者", groups=["A"])
    token = made.group_tokens[made.groups[0].id]
    grp = participant(token)
    assert_participant_view(grp)
    assert any("として参加しました" in m.value for m in grp.success)
    (link,) = grp.get("page_link")
    assert link.proto.page.endswith("diorama") or "diorama" in link.proto.page
    assert grp.query_params["join"] in (token, [token])  # a reload comes back to the group
    # on another page the URL lost ?join=; the group is put back into it
    run(grp.switch_page("pages/map.py"))
    grp.query_params.clear()
    run(grp.switch_page("pages/workshop.py"))
    assert grp.session_state["wd_group"]["token"] == token
    assert grp.query_params["join"] in (token, [token])
    run(grp.button(key="ws_leave_group").click())
    assert "wd_group" not in grp.session_state and "join" not in grp.query_params
    assert any("グループから抜けました" in m.value for m in grp.success)
    assert_participant_view(grp)


def test_this_device_remembers_the_key(fresh_store: Path, monkeypatch) -> None:
    """The page writes the key into a cookie (no other text in the script); a new browser
    session that sends the cookie reopens the session; leaving forgets it."""
    from ui import workshop as wk

    fac = AppTest.from_file(APP, default_timeout=120)
    run(fac)
    run(fac.switch_page("pages/workshop.py"))
    fac.text_input(key="ws_title").input("覚える会")
    run(fac.button[[b.label for b in fac.button].index("セッションを作る")].click())
    key = fac.session_state["wd_fac"]
    (script,) = [h.proto.body for h in fac.get("html")]
    assert f"wd_fac={key}; Max-Age=604800; Path=/; SameSite=Strict" in script
    assert script.count("<script>") == 1 and "覚える会" not in script
    links = join_links(fac)

    monkeypatch.setattr(wk, "_device_cookie", lambda: key)  # a reload sends the cookie
    again = AppTest.from_file(APP, default_timeout=120)
    run(again)
    run(again.switch_page("pages/workshop.py"))
    assert again.session_state["wd_fac"] == key and join_links(again) == links
    assert not again.get("html")  # the browser already holds the key
    run(again.button(key="ws_leave_session").click())
    assert "wd_fac" not in again.session_state
    assert any("セッションを閉じました" in m.value for m in again.success)
    (forget,) = [h.proto.body for h in again.get("html")]
    assert "wd_fac=; Max-Age=0" in forget
    run(again)  # the stale cookie of this browser session does not reopen it
    assert "wd_fac" not in again.session_state

    # "remember on this device" off: the key is not written, a remembered one is removed
    off = AppTest.from_file(APP, default_timeout=120)
    run(off)
    run(off.switch_page("pages/workshop.py"))
    run(off.checkbox(key="_wd_fac_remember").uncheck())
    (forget,) = [h.proto.body for h in off.get("html")]
    assert "Max-Age=0" in forget and key not in forget
    assert join_links(off) == links  # still open in this browser session


def test_a_key_of_another_shape_is_never_written_into_a_script(monkeypatch) -> None:
    from ui import workshop as wk

    shown: list[str] = []
    monkeypatch.setattr(wk, "_device_cookie", lambda: None)
    monkeypatch.setattr(wk.st, "html", lambda body, **_: shown.append(body))
    monkeypatch.setattr(wk.st, "session_state", {})
    wk.keep_on_device("abc'; alert(1); '" + "x" * 20)
    assert shown == []
    wk.keep_on_device("A" * 32)
    assert len(shown) == 1 and "A" * 32 in shown[0]
