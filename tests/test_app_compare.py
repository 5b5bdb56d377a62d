"""AppTest: any two scenarios side by side on the seeded workshop, on the diorama (a group) and
in the facilitator's view; the shown differences are B − A of the one engine's figures."""

from __future__ import annotations

from pathlib import Path

import pytest
from room import room_fixture
from streamlit.testing.v1 import AppTest
from util import map_specs

from geo import access as sc
from geo import fmt
from geo.access import comparison as cmp
from geo.ingest import bundle
from geo.participation.store import Workshop

TOWN = "102012400"  # 粕川町稲里
APP = str(Path(__file__).resolve().parent.parent / "app.py")

room = room_fixture(n_comments=400, with_workshop=True)


@pytest.fixture(autouse=True)
def in_room(room, monkeypatch):
    monkeypatch.setenv("DIORAMA_DATA_DIR", str(room.data_dir))
    monkeypatch.delenv("DIORAMA_DATABASE_URL", raising=False)


def run(x) -> AppTest:
    at = x.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def two_scenarios(room) -> tuple[str, str, str, str]:
    """(group token, its first scenario, another group's first scenario, that one's name)."""
    w = room.summary.workshop
    groups = [g for g in w.group_ids if w.scenarios_by_group[g]]
    g1, g2 = groups[0], groups[1]
    with room.open() as store:
        other = Workshop(store).scenario(w.scenarios_by_group[g2][0])
    return w.group_tokens[g1], w.scenarios_by_group[g1][0], other.id, other.name


def expected(room, a_id: str, b_id: str) -> cmp.pd.DataFrame:
    """B − A recomputed here, from the stored modifications, on a fresh baseline."""
    base = sc.Engine.from_bundle(bundle.load("maebashi"))
    with room.open() as store:
        ws = Workshop(store)
        a, b = (base.with_modifications(sc.loads(ws.scenario(i).modifications))
                for i in (a_id, b_id))
    return cmp.pair_figures(a, b)


def shown_table(at: AppTest):
    """The figures table A vs B (the last one: the comparison is the last on the page)."""
    return [d.value for d in at.dataframe if "B − A 徒歩圏内の人口" in d.value.columns][-1]


def charts(at: AppTest) -> list[dict]:
    return map_specs(at)


def test_group_compares_two_saved_scenarios(room):
    token, a_id, b_id, b_name = two_scenarios(room)
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["join"] = token
    run(at)
    run(at.switch_page("pages/diorama.py"))
    assert any(s.value == "2つのシナリオを並べて比べる" for s in at.subheader)
    # at first A is today's baseline and B the group's scenario being edited
    assert at.selectbox(key="cmp_a").value == "base:line"
    run(at.selectbox(key="cmp_a").select(a_id))
    run(at.selectbox(key="cmp_b").select(b_id))
    assert b_name in at.selectbox(key="cmp_b").format_func(b_id)
    want = expected(room, a_id, b_id)
    table = shown_table(at)
    assert len(table) >= 2
    for _, row in table.iterrows():
        kind = next(k for k, v in _kind_names().items() if v == row["施設の種類"])
        f = want.loc[kind]
        assert row["A 徒歩圏内の人口"] == fmt.people(f["covered_a"])
        assert row["B 徒歩圏内の人口"] == fmt.people(f["covered_b"])
        assert row["B − A 徒歩圏内の人口"] == fmt.people_change(f["covered_diff"])
        assert row["A カバー率"] == fmt.rate(f["rate_a"])
        assert row["B − A カバー率"] == fmt.points(f["rate_diff"])
        assert row["B − A カバーされたセル"] == fmt.people_change(f["cells_diff"])
    assert table.iloc[0]["B − A 徒歩圏内の人口"] != "±0"  # the two scenarios differ
    bus = want.loc["bus_stop"]
    m = {x.label: (x.value, x.delta) for x in at.metric}
    assert m["B 徒歩圏内の人口"] == (fmt.people(bus["covered_b"]),
                                fmt.people_change(bus["covered_diff"]))
    assert m["B カバー率"] == (fmt.rate(bus["rate_b"]), fmt.points(bus["rate_diff"]))
    # the two maps and the difference map share one view state
    views = [c["initialViewState"] for c in charts(at)[-3:]]
    assert views[0] == views[1] == views[2]
    assert "Well-Being因子(客観側): A と B" in [m.value.strip("*") for m in at.markdown]
    assert at.get("image")  # the radar
    # a town moves every map there
    run(at.selectbox(key="cmp_town").select(TOWN))
    moved = [c["initialViewState"] for c in charts(at)[-3:]]
    assert moved[0] == moved[1] == moved[2] != views[0]
    # the same A and B: nothing to compare
    run(at.selectbox(key="cmp_b").select(a_id))
    assert any("A と B が同じです" in i.value for i in at.info)


def _kind_names() -> dict[str, str]:
    from geo.kinds import KINDS

    return {k.key: k.ja for k in KINDS}


def test_facilitator_sees_every_groups_scenario_on_maps(room):
    w = room.summary.workshop
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["wd_fac"] = w.facilitator_token
    run(at)
    run(at.switch_page("pages/workshop.py"))
    assert any(s.value == "グループのシナリオを地図で並べる" for s in at.subheader)
    with_scenarios = [g for g in w.group_ids if w.scenarios_by_group[g]]
    pickers = [at.selectbox(key=f"wsg_{g}") for g in with_scenarios]
    assert len(pickers) == len(with_scenarios) >= 2
    # one map per group with a scenario, plus A, B and the difference of the comparison
    assert len(charts(at)) >= len(with_scenarios) + 3
    run(at.selectbox(key="wcmp_a").select(w.scenarios_by_group[with_scenarios[0]][0]))
    run(at.selectbox(key="wcmp_b").select(w.scenarios_by_group[with_scenarios[1]][0]))
    assert len(shown_table(at)) >= 1
