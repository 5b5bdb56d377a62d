"""Crash test: kill -9 the app while comments are being posted from a browser, then restart."""

from __future__ import annotations

import os
import random
import re
from pathlib import Path

import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, Server, choose, pin_on_map, wait_for_app

pytestmark = pytest.mark.browser


def _fill_and_send(page, text: str) -> None:
    factor = page.locator('[data-testid="stSelectbox"]').filter(has_text="関連するWell-Being因子")
    if "移動・交通" not in factor.last.inner_text():
        choose(page, "関連するWell-Being因子", "移動・交通")
    page.locator('[data-testid="stForm"]').get_by_text("気になるところ", exact=True).click()
    page.get_by_label("本文 (1000文字まで)").fill(text)
    page.locator('label:has-text("同意します") input[type="checkbox"]').check(force=True)
    page.get_by_role("button", name="投稿", exact=True).click()


def _open(page, url: str | None = None) -> None:
    """Open the comments page (or reload it, keeping the URL and its ``?k=`` key)."""
    if url is None:
        page.reload()
    else:
        page.goto(url + "/comments")
    wait_for_app(page, heading="みんなの声")
    pin_on_map(page)


def _outcome(page, before: str, *, retry: bool) -> str:
    """Wait for this submission's answer: a new "posted #id" (or, for a retry after a crash,
    possibly "already received")."""
    handle = page.wait_for_function(
        """([before, retry]) => [...document.querySelectorAll('[data-testid="stAlert"]')]
             .map(e => e.innerText)
             .find(t => (t.includes('投稿しました') && t !== before)
                        || (retry && t.includes('すでに受け付けています'))) || false""",
        arg=[before, retry], timeout=30_000)
    answer = str(handle.json_value())
    wait_for_app(page)
    close = page.get_by_role("dialog").get_by_role("button", name="閉じる")
    if close.count():
        close.click()
        wait_for_app(page)
    return answer


def _post_through_crashes(page, server, rng, acknowledged, in_flight) -> None:
    _open(page, server.url)
    before = ""
    for i in range(7):
        text = f"fault-{i}"
        _fill_and_send(page, text)
        retry = i in (1, 3, 5)
        if retry:
            # crash somewhere between the click and the acknowledgement
            page.wait_for_timeout(rng.randint(0, 250))
            server.kill9()
            in_flight.append(text)
            server.start()
            assert "k=" in page.url
            _open(page)  # reload: the URL still carries the tab's nonce
            _fill_and_send(page, text)  # the citizen sends it again
        answer = _outcome(page, before, retry=retry)
        if "投稿しました" in answer:
            m = re.search(r"#(\d+)", answer)
            assert m is not None
            acknowledged[text] = int(m.group(1))
            before = answer


def test_kill_9_while_posting_loses_nothing_acknowledged_and_duplicates_nothing(tmp_path):
    from playwright.sync_api import sync_playwright

    from geo.participation.store import open_store

    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing; scripts/test.sh installs it")
        pytest.skip("Chromium not installed")
    rng = random.Random(7)
    server = Server(tmp_path)
    server.start()
    acknowledged: dict[str, int] = {}
    in_flight: list[str] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 1600})
            try:
                _post_through_crashes(page, server, rng, acknowledged, in_flight)
            except Exception:
                page.screenshot(path=str(tmp_path / "failure.png"), full_page=True)
                print("screenshot:", tmp_path / "failure.png", "url:", page.url)
                raise
            browser.close()
    finally:
        server.stop()
    store = open_store(str(tmp_path))
    assert store.integrity_check()
    rows = store.comments_frame(city="maebashi")
    counts = rows["text"].value_counts().to_dict()
    for text, cid in acknowledged.items():
        assert counts.get(text) == 1, (text, counts)
        assert int(rows.loc[rows["text"] == text, "id"].iloc[0]) == cid
    for text in in_flight:  # sent twice around a crash, stored once
        assert counts.get(text) == 1, (text, counts)
    assert len(rows) == 7
