"""AppTest: a facilitator creates a session, a group joins, adds a bus stop, minutes exported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo import scenario as sc
from geo.store import Workshop, open_store

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
    links = fac.session_state["ws_links"]
    assert len(links) == 2 and len(fac.get("image")) == 2  # a QR code per group
    link_a = next(u for u in links.values())
    token = link_a.split("join=")[1]

    # a participant of group A joins by link (no account) and opens the diorama
    grp = AppTest.from_file(APP, default_timeout=120)
    grp.query_params["join"] = token
    run(grp)
    run(grp.switch_page("pages/workshop.py"))
    assert grp.session_state["wd_group"]["group"] in ("A班", "B班")
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
    table = next(d.value for d in grp.dataframe if "+cells" in d.value.columns)
    bus = table[table["施設の種類"] == "バス停"].iloc[0]
    assert bus["Δ 徒歩圏内の人口"] > 0 and bus["+cells"] > 0 and bus["−cells"] == 0

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


def test_bad_join_link_is_refused() -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["join"] = "x" * 32
    run(at)
    run(at.switch_page("pages/workshop.py"))
    assert any("参加リンクが正しくない" in e.value for e in at.error)
    assert "wd_group" not in at.session_state
    run(at.switch_page("pages/diorama.py"))
    assert any("参加" in i.value for i in at.info)


def test_facilitator_reopening_the_session_makes_new_links(fresh_store: Path) -> None:
    with open_store(data_dir=fresh_store) as store:
        made = Workshop(store).create_session(city="maebashi", title="再開", groups=["A", "B"])
    fac = AppTest.from_file(APP, default_timeout=120)
    run(fac)
    run(fac.switch_page("pages/workshop.py"))
    fac.text_input(key="ws_open_key").input(made.facilitator_token)
    run(fac.button(key="ws_open_btn").click())
    assert not fac.get("image")  # the old links cannot be shown again: only hashes are kept
    a = made.groups[0]
    run(fac.button(key=f"ws_renew_{a.id}").click())
    link = fac.session_state["ws_links"][a.id]
    assert len(fac.get("image")) == 1  # its QR code
    grp = AppTest.from_file(APP, default_timeout=120)
    grp.query_params["join"] = link.split("join=")[1]
    run(grp)
    run(grp.switch_page("pages/workshop.py"))
    assert grp.session_state["wd_group"]["group_id"] == a.id
    old = AppTest.from_file(APP, default_timeout=120)
    old.query_params["join"] = made.group_tokens[a.id]
    run(old)
    run(old.switch_page("pages/workshop.py"))
    assert any("参加リンクが正しくない" in e.value for e in old.error)
