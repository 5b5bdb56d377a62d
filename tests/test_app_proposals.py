"""AppTest journey of a proposal: a citizen proposes a bus stop with an idea and sees what it
changes, another +1s it, a workshop group pulls it into its scenario in one click, and the
minutes name it. Then what happens when the figures cannot be computed."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_flow import run, session
from streamlit.testing.v1 import AppTest
from util import map_specs

from geo import access as sc
from geo.participation import proposals as pr
from geo.participation.store import Workshop, open_store

TOWN = "102012400"  # 粕川町稲里
pytestmark = pytest.mark.usefixtures("fresh_store")  # tests/conftest.py




def propose(at: AppTest, text: str, *, facility: str | None = "bus_stop",
            kind: str = "idea") -> None:
    """Fill in the comment form on 粕川町稲里 (the town list) and post."""
    run(at.selectbox(key="c_town").select(TOWN))
    run(at.selectbox(key="c_factor").select("mobility"))
    n = at.session_state["c_form_n"]
    at.radio(key=f"c_kind_{n}").set_value(kind)
    at.selectbox(key=f"c_prop_{n}").select(facility)
    at.text_area(key=f"c_text_{n}").input(text)
    at.checkbox(key=f"c_consent_{n}").check()
    run(at.button[[b.label for b in at.button].index("投稿")].click())


def metric(at: AppTest, label: str) -> tuple[str, str]:
    m = next(m for m in at.metric if m.label == label)
    return m.value, m.delta


def test_propose_plus_one_pull_into_a_scenario_and_the_minutes_name_it(
        fresh_store: Path) -> None:
    # a citizen proposes a bus stop with an idea: the confirmation shows what it changes
    citizen = session()
    propose(citizen, "粕川町稲里の集会所の前にバス停を")
    pid = citizen.session_state["c_last"]["id"]
    with open_store(data_dir=fresh_store) as store:
        stored = store.proposal(pid)
    assert stored is not None and stored.figures is not None and stored.kind == "bus_stop"
    f = stored.figures
    assert f.people_gained and f.people_gained > 0 and f.towns and f.factors
    assert metric(citizen, "徒歩圏に新たに入る人")[0] == f"+{f.people_gained:,}"
    value, delta = metric(citizen, "市のバス停の徒歩圏カバー率")
    assert value == f"{f.rate_after * 100:.1f}%" and delta
    shown = [m.value for m in citizen.markdown]
    assert any(f.towns[0].name in m and m.startswith("**人が増える町丁:**") for m in shown)
    assert any("移動・交通" in m for m in shown)
    # ... and the list of proposals has it, with its figures; the map shows it as a point at
    # the centre of its pin
    assert any(m.startswith(f"**提案 \\#{pid} バス停") for m in shown)
    (layer,) = [la for la in map_specs(citizen)[0]["layers"] if la["id"] == "proposals"]
    lon, lat = sc.cell_centre(stored.cell)
    assert layer["data"] == [{"p": [round(lon, 5), round(lat, 5)]}]

    # another browser session +1s it in the list of proposals
    other = session()
    assert other.button(key=f"prop_plus_{pid}").label == "+1 (0)"
    run(other.button(key=f"prop_plus_{pid}").click())
    assert other.button(key=f"prop_plus_{pid}").label == "+1 (1)"
    assert other.button(key=f"prop_plus_{pid}").disabled

    # a facilitator opens a session; a group joins and pulls the proposal into its scenario
    fac = session("pages/workshop.py")
    fac.text_input(key="ws_title").input("提案を検討する会")
    fac.text_area(key="ws_groups").input("A班")
    fac.text_area(key="ws_agenda").input("提案を見る")
    run(fac.button[[b.label for b in fac.button].index("セッションを作る")].click())
    token = next(c.value.strip() for c in fac.code if "join=" in c.value).split("join=")[1]
    grp = session("pages/diorama.py", join=token)
    grp.text_input(key="dio_new_name").input("市民の提案")
    run(grp.button(key="dio_create").click())
    assert grp.selectbox(key="dio_prop_pick").value == pid  # the most people first
    run(grp.button(key="dio_prop_add").click())  # one click
    assert any(f"+{f.people_gained:,}人" in s.value for s in grp.success)
    assert grp.selectbox(key="dio_kind").value == "bus_stop"
    assert grp.session_state["dio_cell"] == stored.cell  # its place is chosen on the map
    with open_store(data_dir=fresh_store) as store:
        (s,) = Workshop(store).scenarios()
    (m,) = sc.loads(s.modifications)
    assert (m.op, m.kind, m.cell, m.source, m.name) == (
        "add", "bus_stop", stored.cell, f"proposal:{pid}", f"提案 #{pid}")
    assert any(f"提案 #{pid}" in t.value for t in grp.text)  # the edit list names it
    run(grp.button(key="dio_prop_add").click())  # a second time: refused, not doubled
    assert any("同じIDの施設" in e.value for e in grp.error)

    # the minutes name the proposal, its figures, its +1 and its text
    run(fac)
    run(fac.button(key="ws_export_btn").click())
    html = fac.session_state["ws_export"][0]
    assert f"バス停「提案 #{pid}」を粕川町稲里周辺に追加" in html
    line = (f"<li>提案 #{pid} バス停(粕川町稲里周辺): 徒歩圏に新たに入る人 "
            f"{f.people_gained:,}人、バス停の徒歩圏カバー率 ")
    assert line in html
    assert "+1 1件 — 「粕川町稲里の集会所の前にバス停を」</li>" in html


def test_a_failed_computation_posts_the_comment_and_says_why(
        fresh_store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args, **kwargs):
        raise RuntimeError("the engine broke")

    monkeypatch.setattr(pr, "proposal_figures", boom)
    at = session()
    propose(at, "公園がほしい", facility="park")
    pid = at.session_state["c_last"]["id"]
    assert any("効果の計算中に問題が起きました。 投稿と提案は保存されました。" in w.value
               for w in at.warning)
    assert at.session_state["c_last"]["token"]  # the deletion code is shown as ever
    with open_store(data_dir=fresh_store) as store:
        p = store.proposal(pid)
        assert p is not None and p.kind == "park" and p.figures is None
        assert p.comment.text == "公園がほしい"


def test_a_kind_without_data_is_proposed_without_figures(fresh_store: Path) -> None:
    at = session()
    propose(at, "近くに診療所がほしい", facility="medical")
    assert any("医療施設のデータがない" in w.value for w in at.warning)
    with open_store(data_dir=fresh_store) as store:
        (p,) = store.proposals(city="maebashi")
    assert p.kind == "medical" and p.figures is None


def test_a_facility_comes_with_an_idea_only(fresh_store: Path) -> None:
    at = session()
    propose(at, "バス停が遠い", kind="concern")
    assert any("「アイデア」を選んでください" in e.value for e in at.error)
    assert at.session_state.get("c_last") is None
    with open_store(data_dir=fresh_store) as store:
        assert store.list_comments(city="maebashi") == []
    propose(at, "バス停が遠い", kind="concern", facility=None)  # without one: posted
    assert at.session_state["c_last"]["id"]
