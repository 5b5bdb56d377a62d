"""The five journeys in Chromium, on the state a real room leaves, on a desk and on a phone.

Each journey is walked as its user walks it - a citizen, a moderator, a workshop participant,
a facilitator, a planner - at 1400x900 and at 390x844 (touch), in Japanese, on a city with
5,000+ comments (anonymous and nicknamed, replies, reports, hidden, deleted, hostile and
long text) and a five-group workshop. Assertions are on what the user sees and on what was
stored. A map is clicked (tapped) once: a lost click fails the test. Screenshots go to
``artifacts/screenshots/journey_*``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from browser_support import (
    CHROMIUM,
    MAP,
    add_here_and_wait,
    app_server,
    choose,
    click_map,
    idle,
    join_links,
    shot,
    wait_for_app,
    wait_for_colour,
)

pytestmark = pytest.mark.browser
PASSWORD = "journey-password"
VIEWPORTS = {"desk": (1400, 900), "phone": (390, 844)}
TOWN = "千代田町二丁目"


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing; scripts/test.sh installs it")
        pytest.skip("Chromium not installed; run scripts/test.sh")
    from room import build_room

    data = tmp_path_factory.mktemp("journeys")
    summary = build_room(data, n_comments=5000)
    with app_server(data, env={"DIORAMA_MODERATOR_PASSWORD": PASSWORD}) as (url, _):
        yield url, data, summary


@pytest.fixture(params=list(VIEWPORTS))
def page(request, browser):
    width, height = VIEWPORTS[request.param]
    phone = request.param == "phone"
    context = browser.new_context(viewport={"width": width, "height": height}, locale="ja-JP",
                                  has_touch=phone, is_mobile=phone,
                                  device_scale_factor=2 if phone else 1)
    pg = context.new_page()
    pg.device = request.param
    pg.errors = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    yield pg
    context.close()


def snap(page, name: str) -> None:
    """The page's screenshot, named after the journey and the device."""
    shot(page, f"journey_{name}_{page.device}")


def no_error(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "Traceback" not in page.inner_text("body")
    assert not page.errors, page.errors


def in_view(page, locator) -> bool:
    """Whether the element is inside the window (where the user is looking)."""
    box = locator.bounding_box()
    size = page.viewport_size
    return bool(box) and box["y"] >= 0 and box["y"] + min(box["height"], 40) <= size["height"]


def open_sidebar_if_phone(page) -> None:
    if page.device == "phone":
        toggle = page.locator('[data-testid="stExpandSidebarButton"], '
                              '[data-testid="stSidebarCollapsedControl"] button').first
        if toggle.count() and toggle.is_visible():
            toggle.click()


# --- the citizen -------------------------------------------------------------------------


def test_citizen_pins_by_map_then_town_posts_and_gets_the_code(room, page):
    url, data, _ = room
    from geo.participation.store import open_store

    store = open_store(str(data))
    page.goto(url + "/comments")
    wait_for_app(page, heading="みんなの声")
    no_error(page)
    # the map shows the room's comments in their kinds' colours (a flat pin grid under them)
    assert wait_for_colour(page) >= 0.01
    # the list of a real city: nicknamed, anonymous and replied comments side by side
    assert page.get_by_text("件").first.is_visible()
    # a map click chooses a place, shown in words; then the town list overrides it
    click_map(page)
    page.get_by_text("付近の六角形").first.wait_for(timeout=15_000)
    clicked = page.locator('[data-testid="stMarkdownContainer"]', has_text="投稿場所:").first
    first_place = clicked.inner_text()
    choose(page, "町丁を選ぶ", TOWN)
    page.get_by_text(f"{TOWN} 付近の六角形").first.wait_for(timeout=15_000)
    assert page.locator('[data-testid="stMarkdownContainer"]', has_text="投稿場所:").first \
        .inner_text() != first_place
    choose(page, "関連するWell-Being因子", "移動・交通")
    form = page.locator('[data-testid="stForm"]')
    form.get_by_text("アイデア", exact=True).click()
    text = f"旅の途中の投稿 {page.device}"
    page.get_by_label("本文 (1000文字まで)").fill(text)
    page.get_by_label("ニックネーム (任意)").fill("ジャーニー")
    page.locator('label:has-text("同意します") input[type="checkbox"]').check(force=True)
    page.get_by_role("button", name="投稿", exact=True).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("投稿しました").wait_for(timeout=15_000)
    code = dialog.locator('[data-testid="stCode"]')
    assert code.inner_text().strip() and in_view(page, code)  # seen without scrolling
    snap(page, "citizen_posted")
    dialog.get_by_role("button", name="閉じる").click()
    idle(page)
    no_error(page)
    # stored once, at the town chosen last (not at the earlier map click)
    mine = [c for c in store.list_comments(city="maebashi") if c.text == text]
    assert len(mine) == 1
    from geo.ingest.bundle import load

    towns = load("maebashi").towns
    chosen = towns.loc[towns["name"] == TOWN, "town_code"].iloc[0]
    assert mine[0].town_code == chosen and mine[0].nickname == "ジャーニー"
    assert mine[0].factor == "mobility" and mine[0].kind == "idea"
    # it heads the list (newest first)
    assert page.get_by_text(text).first.is_visible()
    # +1 another comment
    plus = page.get_by_role("button", name=re.compile(r"^\+1 \(\d+\)$")).nth(1)
    before = int(re.search(r"\((\d+)\)", plus.inner_text()).group(1))
    plus.click()
    idle(page)
    assert f"+1 ({before + 1})" in page.inner_text("body")
    no_error(page)


# --- the citizen who proposes a facility -------------------------------------------------


def test_citizen_proposes_a_bus_stop_and_sees_what_it_changes(room, page):
    url, data, _ = room
    from geo.participation.store import open_store

    page.goto(url + "/comments")
    wait_for_app(page, heading="みんなの声")
    no_error(page)
    click_map(page, dx=-0.08, dy=0.04)  # once: a lost click fails the test
    page.get_by_text("付近の六角形").first.wait_for(timeout=15_000)
    choose(page, "関連するWell-Being因子", "移動・交通")
    form = page.locator('[data-testid="stForm"]')
    form.get_by_text("アイデア", exact=True).click()
    choose(page, "施設の提案", "バス停")
    text = f"ここにバス停がほしい {page.device}"
    page.get_by_label("本文 (1000文字まで)").fill(text)
    page.locator('label:has-text("同意します") input[type="checkbox"]').check(force=True)
    page.get_by_role("button", name="投稿", exact=True).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("投稿しました").wait_for(timeout=15_000)
    assert in_view(page, dialog.locator('[data-testid="stCode"]'))  # the code first
    # what the bus stop would change, in the confirmation
    people = dialog.locator('[data-testid="stMetric"]').filter(has_text="徒歩圏に新たに入る人")
    people.wait_for(timeout=15_000)
    people.scroll_into_view_if_needed()
    shown = people.locator('[data-testid="stMetricValue"]').inner_text().strip()
    rate = dialog.locator('[data-testid="stMetric"]').filter(has_text="徒歩圏カバー率")
    assert re.fullmatch(r"\d+\.\d%", rate.locator('[data-testid="stMetricValue"]')
                        .inner_text().strip())
    body = dialog.inner_text()
    assert "人が増える町丁:" in body and "動くWell-Being因子(客観側):" in body
    assert "移動・交通" in body
    snap(page, "citizen_proposed")
    # the figures shown are the ones stored with the comment
    store = open_store(str(data))
    (mine,) = [c for c in store.list_comments(city="maebashi") if c.text == text]
    stored = store.proposal(mine.id)
    assert stored is not None and stored.kind == "bus_stop" and stored.figures is not None
    assert stored.figures.people_gained is not None
    assert shown == (f"{stored.figures.people_gained:+,d}" if stored.figures.people_gained
                     else "±0")
    dialog.get_by_role("button", name="閉じる").click()
    idle(page)
    no_error(page)
    # it is in the list of proposals (most people gained first), with its +1
    page.get_by_text(f"提案 #{mine.id} バス停").first.wait_for(timeout=15_000)
    assert page.get_by_role("button", name="+1 (0)").count() >= 1
    snap(page, "citizen_proposals_list")


# --- the moderator -----------------------------------------------------------------------


def find_in_queue(page, cid: int) -> None:
    """The moderator looks a comment up by its number (the queue shows 20 at a time)."""
    box = page.get_by_label("番号で探す (# の後の数字)")
    box.fill(str(cid))
    box.press("Enter")
    idle(page)
    page.get_by_text(re.compile(rf"#{cid}$")).first.wait_for(timeout=15_000)


def test_moderator_sees_reasons_and_place_and_acts(room, page):
    url, data, summary = room
    from geo.participation.store import open_store

    page.goto(url + "/moderation")
    wait_for_app(page, heading="モデレーション")
    page.get_by_label("お名前 (記録に残ります)").fill("担当 山田")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.get_by_text("確認待ち").first.wait_for(timeout=30_000)
    idle(page)
    no_error(page)
    # on the desk: an auto-hidden comment is restored; on the phone: a reported one is hidden
    desk = page.device == "desk"
    cid = summary.hidden_auto_id if desk else summary.reported_id
    find_in_queue(page, cid)
    # the comment's card: the innermost block holding its header and its delete button
    card = page.locator('[data-testid="stVerticalBlock"]').filter(
        has=page.get_by_text(re.compile(rf"#{cid}$"))).filter(
        has=page.get_by_role("button", name="削除する")).last
    card.scroll_into_view_if_needed()
    text = card.inner_text()
    assert ("報告により自動で非表示" if desk else "公開中") in text
    assert "付近の六角形" in text or "市内の六角形" in text
    assert "報告の理由" in text
    # only the actions that fit the state: no "hide" for a hidden comment
    assert card.get_by_role("button", name="非表示にする").count() == (0 if desk else 1), text
    snap(page, "moderator_queue")
    reason = card.get_by_label("理由 (必須・記録されます)")
    reason.fill("確認しました")
    reason.press("Enter")  # a text field sends its value on Enter or when left
    idle(page)
    card.get_by_role("button", name="表示に戻す" if desk else "非表示にする").click()
    card.wait_for(state="detached", timeout=15_000)  # it leaves the queue
    idle(page)
    store = open_store(str(data))
    status = {c.id: c.status for c in store.list_comments(city="maebashi",
                                                          include_hidden=True)}[cid]
    assert status == ("visible" if desk else "hidden")
    # the looked-up number is no longer waiting, and the act is in the audit with its reason
    page.get_by_text(f"#{cid} は確認待ちにありません。").first.wait_for(timeout=15_000)
    assert [(e.action, e.actor, e.reason) for e in store.audit_log(limit=20)
            if e.comment_id == cid][-1] == ("restore" if desk else "hide", "担当 山田",
                                            "確認しました")
    no_error(page)


# --- the citizen who comments on an area or a route -------------------------------------


def place_says(page, words: str, *, timeout: float = 15_000) -> None:
    """Wait until the place chosen is said in these words above the form."""
    page.locator('[data-testid="stMarkdownContainer"]', has_text="投稿場所:").filter(
        has_text=words).first.wait_for(timeout=timeout)


def post_form(page, text: str) -> int:
    """Fill and send the comment form; close the confirmation; the new comment's number."""
    choose(page, "関連するWell-Being因子", "移動・交通")
    page.locator('[data-testid="stForm"]').get_by_text("気になるところ", exact=True).click()
    page.get_by_label("本文 (1000文字まで)").fill(text)
    page.locator('label:has-text("同意します") input[type="checkbox"]').check(force=True)
    page.get_by_role("button", name="投稿", exact=True).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("投稿しました").wait_for(timeout=15_000)
    cid = int(re.search(r"#(\d+)", dialog.inner_text()).group(1))
    dialog.get_by_role("button", name="閉じる").click()
    idle(page)
    return cid


def test_citizen_posts_an_area_by_map_and_a_route_by_towns_moderator_hides_one(room, page):
    url, data, _ = room
    import json

    from geo.participation.store import open_store

    store = open_store(str(data))
    page.goto(url + "/comments")
    wait_for_app(page, heading="みんなの声")
    no_error(page)
    # an area: three hexagons tapped on the map, each once
    page.get_by_text("エリア(六角形をいくつか)").click()
    page.get_by_text("エリアを決めてください").first.wait_for(timeout=15_000)
    idle(page)  # the run that follows the choice has drawn its map
    page.locator(f'{MAP}[data-drawn="1"]').first.wait_for(timeout=30_000)
    for k, (dx, dy) in enumerate([(0.0, 0.0), (0.07, 0.0), (0.0, 0.07)], start=1):
        click_map(page, dx=dx, dy=dy)  # once: a lost tap fails the test
        place_says(page, f"エリア: {k}個の六角形")
    snap(page, "area_chosen")
    area_text = f"この公園は夜暗い {page.device}"
    area_id = post_form(page, area_text)
    # a route: from one town to another, without the map
    page.get_by_text("ルート(道のり)").click()
    page.get_by_text("出発と到着の町丁を選んでください").first.wait_for(timeout=15_000)
    choose(page, "出発の町丁", "千代田町一丁目")
    choose(page, "到着の町丁", "大手町一丁目")
    place_says(page, "(千代田町一丁目 → 大手町一丁目)")  # named after the towns chosen
    snap(page, "route_chosen")
    route_text = f"通学路に歩道がない {page.device}"
    route_id = post_form(page, route_text)
    no_error(page)
    stored = {c.id: c for c in store.list_comments(city="maebashi", since=None)
              if c.id in (area_id, route_id)}
    assert stored[area_id].shape == "area" and len(stored[area_id].cells) == 3
    assert stored[route_id].shape == "route" and len(stored[route_id].cells) >= 2
    # both in the list, with their shape in words
    for text, words in ((area_text, "エリア: 3個の六角形"), (route_text, "ルート: ")):
        card = page.locator('[data-testid="stVerticalBlock"]').filter(
            has=page.get_by_text(text)).last
        card.wait_for(timeout=15_000)
        assert words in card.inner_text()
    snap(page, "area_route_listed")
    # the GeoJSON export holds the area as a polygon and the route as a line
    with page.expect_download() as download:
        page.get_by_role("button", name="声をGeoJSON(六角形)で保存").click()
    geo = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    kinds = {f["id"]: f["geometry"]["type"] for f in geo["features"]}
    assert kinds[area_id] in ("Polygon", "MultiPolygon") and kinds[route_id] == "LineString"
    # someone reports the area; a moderator hides it; it is gone from the list
    store.report(comment_id=area_id, session_id=f"reporter-{page.device}", reason="確認して")
    page.goto(url + "/moderation")
    wait_for_app(page, heading="モデレーション")
    page.get_by_label("お名前 (記録に残ります)").fill("担当 山田")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.get_by_text("確認待ち").first.wait_for(timeout=30_000)
    idle(page)
    find_in_queue(page, area_id)
    card = page.locator('[data-testid="stVerticalBlock"]').filter(
        has=page.get_by_text(re.compile(rf"#{area_id}$"))).filter(
        has=page.get_by_role("button", name="削除する")).last
    card.scroll_into_view_if_needed()
    assert "エリア: 3個の六角形" in card.inner_text()  # the moderator sees the shape in words
    snap(page, "area_moderated")
    reason = card.get_by_label("理由 (必須・記録されます)")
    reason.fill("不適切な内容")
    reason.press("Enter")
    idle(page)
    card.get_by_role("button", name="非表示にする").click()
    card.wait_for(state="detached", timeout=15_000)
    idle(page)
    assert {c.id: c.status for c in store.list_comments(
        city="maebashi", include_hidden=True)}[area_id] == "hidden"
    page.goto(url + "/comments")
    wait_for_app(page, heading="みんなの声")
    page.get_by_text(route_text).first.wait_for(timeout=15_000)
    assert area_text not in page.inner_text("body")
    no_error(page)


# --- the workshop participant ------------------------------------------------------------


def test_participant_joins_edits_and_stays_after_a_reload(room, page):
    url, _, summary = room
    ws = summary.workshop
    token = ws.group_tokens[ws.group_ids[page.device == "phone"]]
    page.goto(f"{url}/workshop?join={token}")
    wait_for_app(page, heading="ワークショップ")
    no_error(page)
    assert page.get_by_text("セッションを作る").count() == 0  # no facilitator forms
    page.locator('[data-testid="stMain"] a[href*="diorama"]').first.click()
    wait_for_app(page, heading="ジオラマ(シナリオ)")
    page.get_by_text("現状とシナリオの比較").first.wait_for(timeout=30_000)
    no_error(page)
    click_map(page, dx=0.1, dy=-0.05)
    page.get_by_text("付近の六角形").first.wait_for(timeout=15_000)
    before, after = add_here_and_wait(page, timeout=15_000)
    no_error(page)
    assert after != before
    snap(page, "participant_after_edit")
    page.reload()
    wait_for_app(page, heading="ジオラマ(シナリオ)")
    page.get_by_text("現状とシナリオの比較").first.wait_for(timeout=30_000)
    assert page.locator('[data-testid="stMetricValue"]').first.inner_text() == after
    no_error(page)


# --- the facilitator ---------------------------------------------------------------------


def test_facilitator_opens_the_session_and_gets_the_same_links(room, page):
    url, _, summary = room
    ws = summary.workshop
    page.goto(url + "/workshop")
    wait_for_app(page, heading="ワークショップ")
    page.get_by_text("ファシリテーター用キーで開く").first.click()
    page.get_by_label("ファシリテーター用キー").fill(ws.facilitator_token)
    page.get_by_role("button", name="ファシリテーター用キーで開く").click()
    page.get_by_text(ws.title).first.wait_for(timeout=30_000)
    idle(page)
    no_error(page)
    n = len(ws.group_ids)
    links = sorted(join_links(page, n))
    assert len(links) == n
    snap(page, "facilitator_session")
    page.reload()
    page.get_by_text(ws.title).first.wait_for(timeout=30_000)
    assert sorted(join_links(page, n)) == links
    no_error(page)


# --- the planner -------------------------------------------------------------------------


def test_planner_reads_a_cell_a_town_and_changes_a_radius(room, page):
    url, _, _ = room
    page.goto(url + "/")
    wait_for_app(page, heading="ウェルビーイング・ジオラマ")
    no_error(page)
    click_map(page)
    page.get_by_text("付近の六角形").first.wait_for(timeout=15_000)
    idle(page)
    choose(page, "町丁を選ぶ", TOWN)
    page.get_by_text(TOWN).first.wait_for(timeout=15_000)
    no_error(page)
    snap(page, "planner_map")
    page.goto(url + "/coverage")
    wait_for_app(page, heading="徒歩圏カバー率")
    no_error(page)
    assert page.locator('[data-testid="stDataFrame"]').count() >= 1
    snap(page, "planner_coverage")
