"""Real-browser test: two saved scenarios of a seeded workshop side by side on the diorama, in
Japanese, on a wide screen and a phone (screenshots under ``artifacts/screenshots``); and every
group's scenario on maps in the facilitator's view."""

from __future__ import annotations

import pytest
from browser_support import ARTIFACTS, CHROMIUM, app_server, choose, idle, need, shot, wait_for_app
from room import build_room

from geo import access as sc
from geo import fmt
from geo.access import comparison as cmp
from geo.ingest import bundle
from geo.participation.store import SQLITE_FILENAME, Workshop, open_store

pytestmark = pytest.mark.browser
WIDE = {"width": 1400, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    need(CHROMIUM, "Chromium")
    data = tmp_path_factory.mktemp("browser-compare-db")
    summary = build_room(data, n_comments=400)
    with app_server(data) as (url, _):
        yield url, data, summary


def pair(data, summary) -> dict:
    """Two saved scenarios of different groups, their option labels and B − A of bus stops."""
    w = summary.workshop
    groups = [g for g in w.group_ids if w.scenarios_by_group[g]][:2]
    with open_store(data / SQLITE_FILENAME) as store:
        ws = Workshop(store)
        names = {g.id: g.name for g in ws.groups(w.session_id)}
        a, b = (ws.scenario(w.scenarios_by_group[g][0]) for g in groups)
    base = sc.Engine.from_bundle(bundle.load("maebashi"))
    ea, eb = (base.with_modifications(sc.loads(s.modifications)) for s in (a, b))
    f = cmp.pair_figures(ea, eb, ["bus_stop"]).loc["bus_stop"]
    return {"token": w.group_tokens[groups[0]], "a": f"{names[a.group_id]} · {a.name}",
            "b": f"{names[b.group_id]} · {b.name}", "diff": fmt.people_change(f["covered_diff"]),
            "b_people": fmt.people(f["covered_b"])}


def open_comparison(page, url: str, p: dict) -> None:
    page.goto(f"{url}/diorama?join={p['token']}")
    wait_for_app(page, heading="ジオラマ(シナリオ)")
    heading = page.get_by_role("heading", name="2つのシナリオを並べて比べる")
    heading.wait_for(timeout=60_000)
    choose(page, "A(比べる元)", p["a"])
    choose(page, "B(比べる先)", p["b"])
    page.get_by_text("差の地図 (B − A)").first.wait_for(timeout=30_000)
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="B 徒歩圏内の人口")
    metric.first.wait_for(timeout=30_000)
    assert p["b_people"] in metric.first.inner_text()
    assert p["diff"] in metric.first.inner_text()
    idle(page)
    page.wait_for_function(  # the editor's map, A, B and the difference, each drawn
        "() => document.querySelectorAll('[data-testid=dioramaMap][data-drawn]').length >= 4",
        timeout=60_000)


@pytest.mark.parametrize("viewport,name", [(WIDE, "1400"), (PHONE, "390")])
def test_two_saved_scenarios_side_by_side(room, browser, viewport, name):
    url, data, summary = room
    p = pair(data, summary)
    context = browser.new_context(viewport=viewport, locale="ja-JP")
    try:
        page = context.new_page()
        open_comparison(page, url, p)
        section = page.get_by_role("heading", name="2つのシナリオを並べて比べる")
        section.scroll_into_view_if_needed()
        (ARTIFACTS / "screenshots").mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "screenshots" / f"compare_view_{name}.png"))
        shot(page, f"compare_{name}")
        assert "Traceback" not in page.inner_text("body")
    finally:
        context.close()


def test_facilitator_sees_every_groups_scenario_on_maps(room, browser):
    url, _, summary = room
    context = browser.new_context(viewport=WIDE, locale="ja-JP")
    try:
        page = context.new_page()
        page.goto(url + "/workshop")
        wait_for_app(page, heading="ワークショップ")
        page.get_by_text("ファシリテーター用キーで開く").first.click()
        page.get_by_label("ファシリテーター用キー").fill(summary.workshop.facilitator_token)
        page.get_by_role("button", name="ファシリテーター用キーで開く").click()
        heading = page.get_by_role("heading", name="グループのシナリオを地図で並べる")
        heading.wait_for(timeout=60_000)
        idle(page)
        groups = sum(1 for g in summary.workshop.group_ids
                     if summary.workshop.scenarios_by_group[g])
        page.wait_for_function(  # one map per group, then A, B and the difference, each drawn
            "n => document.querySelectorAll('[data-testid=dioramaMap][data-drawn]').length >= n",
            arg=groups + 3, timeout=60_000)
        heading.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "screenshots" / "compare_groups_view_1400.png"))
        shot(page, "compare_groups_1400")
    finally:
        context.close()
