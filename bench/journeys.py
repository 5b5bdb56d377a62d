"""What a user waits for, measured in Chromium on a realistic state (the journeys issue).

    .venv/bin/python bench/journeys.py [--comments 5000] [--rounds 7]

Starts the app on a temporary database seeded with a city's worth of comments and a workshop
(geo.samples_comments), drives Debian's Chromium with Playwright, and prints the median
(and slowest) wait of each step against its target:

- diorama: "ここに追加" clicked -> the new figures visible (target median <= 1 s);
- a comment posted -> the confirmation visible (<= 1 s);
- an idea proposing a bus stop posted -> the confirmation with its figures visible (people
  newly within walking distance; <= 1 s), measured in the same run as plain comments, alternating
  with them, and printed with its ratio to them (the figures' extra cost);
- cold open of each page in a new browser session (<= 3 s);
- page switch from the sidebar (<= 1.5 s);
- the server-side rerun of every page (AppTest, <= 300 ms).

Run it on the 2-core machine with nothing else running; it is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from browser_support import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    PAGES,
    app_server,
    choose,
    click_map,
    idle,
    wait_for_app,
)

TARGETS = {"edit": 1.0, "post": 1.0, "propose": 1.0, "open": 3.0, "switch": 1.5,
           "rerun": 0.3}
STEPS = ("opens", "switches", "edits", "posts", "reruns")


def seed(data: Path, n_comments: int) -> str:
    """Seed comments and a workshop; return a group's join token."""
    from geo.participation.store import open_store
    from geo.samples.comments import seed_room

    store = open_store(str(data), rate_limit=None)
    room = seed_room(store, city="maebashi", n_comments=n_comments, seed=1)
    store.close()
    return str(next(iter(room.group_tokens.values())))


def timed(action: Callable[[], None], done: Callable[[], None]) -> float:
    """Seconds from ``action`` until ``done`` returns."""
    t0 = time.perf_counter()
    action()
    done()
    return time.perf_counter() - t0


def bench_edits(browser, url: str, token: str, rounds: int) -> list[float]:
    page = browser.new_context(viewport={"width": 1400, "height": 900},
                               locale="ja-JP").new_page()
    page.goto(f"{url}/diorama?join={token}")
    wait_for_app(page, heading="ジオラマ(シナリオ)")
    if page.get_by_text("まだシナリオがありません").count():
        page.get_by_role("button", name="新しいシナリオ").click()
        page.get_by_label("シナリオ名").fill("計測")
        page.get_by_role("button", name="作る", exact=True).click()
        page.get_by_text("現状とシナリオの比較").wait_for(timeout=60_000)
        idle(page)
    waits = []
    for i in range(rounds):
        click_map(page, dx=-0.15 + 0.05 * i, dy=0.1 - 0.03 * i)
        page.get_by_text("付近の六角形").first.wait_for(timeout=30_000)
        idle(page)
        # the edit's answer: the confirmation with the new figures (people newly within
        # reach, the rate before -> after) and the updated metrics in the same fragment run
        flash = page.locator('[data-testid="stAlert"]', has_text="再計算")
        assert flash.count() == 0
        waits.append(timed(
            lambda: page.get_by_role("button", name="ここに追加").click(),
            lambda f=flash: f.first.wait_for(timeout=60_000)))
        idle(page)
    page.context.close()
    return waits


def post_once(browser, url: str, i: int, *, propose: bool) -> float:
    """A citizen posts once, in a new browser session (a session may post 5 a minute): a
    concern, or an idea proposing a bus stop, whose answer is the dialog with its figures."""
    page = browser.new_context(viewport={"width": 1400, "height": 900},
                               locale="ja-JP").new_page()
    page.goto(f"{url}/comments")
    wait_for_app(page, heading="みんなの声")
    click_map(page, dx=0.02 * (i % 4), dy=0.03 * (i % 3))
    page.get_by_text("付近の六角形").first.wait_for(timeout=30_000)
    choose(page, "関連するWell-Being因子", "移動・交通")
    kind = "アイデア" if propose else "気になるところ"
    page.locator('[data-testid="stForm"]').get_by_text(kind, exact=True).click()
    if propose:
        choose(page, "施設の提案", "バス停")
    page.get_by_label("本文 (1000文字まで)").fill(f"計測用の投稿 {i} {propose}")
    page.locator('label:has-text("同意します") input[type="checkbox"]').check(force=True)
    idle(page)
    answer = page.get_by_role("dialog").get_by_text(
        "徒歩圏に新たに入る人" if propose else "投稿しました")
    wait = timed(lambda: page.get_by_role("button", name="投稿", exact=True).click(),
                 lambda: answer.first.wait_for(timeout=60_000))
    page.context.close()
    return wait


def bench_posts(browser, url: str, rounds: int) -> tuple[list[float], list[float]]:
    """Comments and proposals posted, alternating (so that load hits both alike)."""
    posts, proposals = [], []
    for i in range(rounds):
        posts.append(post_once(browser, url, 2 * i, propose=False))
        proposals.append(post_once(browser, url, 2 * i + 1, propose=True))
    return posts, proposals


def bench_opens(browser, url: str) -> dict[str, float]:
    out = {}
    for name, (path, heading) in PAGES.items():
        if name == "diorama":  # needs a join link: measured by the edit bench
            continue
        ctx = browser.new_context(viewport={"width": 1400, "height": 900}, locale="ja-JP")
        page = ctx.new_page()
        out[name] = timed(lambda p=page, u=url + path: p.goto(u),
                          lambda p=page, h=heading: wait_for_app(p, heading=h))
        ctx.close()
    return out


def bench_switches(browser, url: str) -> dict[str, float]:
    page = browser.new_context(viewport={"width": 1400, "height": 900},
                               locale="ja-JP").new_page()
    page.goto(url + "/")
    wait_for_app(page)
    out = {}
    for name, (path, heading) in PAGES.items():
        if path == "/" or name == "diorama":
            continue
        link = page.locator(f'[data-testid="stSidebarNav"] a[href$="{path}"]')
        out[name] = timed(lambda lk=link: lk.click(),
                          lambda h=heading: wait_for_app(page, heading=h))
    page.context.close()
    return out


def bench_reruns(data: Path) -> dict[str, float]:
    """Server-side rerun of each page (AppTest, the median of three after a warm-up run)."""
    from streamlit.testing.v1 import AppTest

    os.environ["DIORAMA_DATA_DIR"] = str(data)
    out = {}
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    for name in PAGES:
        if name == "diorama":
            continue
        at.switch_page(f"pages/{name}.py").run()
        runs = []
        for _ in range(3):
            t0 = time.perf_counter()
            at.run()
            runs.append(time.perf_counter() - t0)
        out[name] = statistics.median(runs)
    return out


def row(what: str, values: list[float], target: float) -> str:
    med = statistics.median(values)
    verdict = "PASS" if med <= target else "FAIL"
    return f"{what:<40s} {med:7.2f} s {max(values):7.2f} s   <= {target:4.1f} s  {verdict}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--comments", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--steps", nargs="+", choices=STEPS, default=list(STEPS),
                    help="what to measure (default: everything)")
    args = ap.parse_args()
    steps = set(args.steps)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        t0 = time.perf_counter()
        token = seed(data, args.comments)
        print(f"seeded {args.comments:,} comments and a workshop in "
              f"{time.perf_counter() - t0:.1f} s")
        with app_server(data) as (url, _), sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            # the first page opened is the cold server
            opens = bench_opens(browser, url) if "opens" in steps else {}
            switches = bench_switches(browser, url) if "switches" in steps else {}
            edits = bench_edits(browser, url, token, args.rounds) if "edits" in steps else []
            posts, proposals = (bench_posts(browser, url, args.rounds) if "posts" in steps
                                else ([], []))
            browser.close()
        reruns = bench_reruns(data) if "reruns" in steps else {}
    print(f"\n{'step':<40s} {'median':>9s} {'slowest':>9s}   target")
    if edits:
        print(row("diorama: add -> new figures", edits, TARGETS["edit"]))
    if posts:
        print(row("comment posted -> confirmation", posts, TARGETS["post"]))
        print(row("proposal posted -> figures visible", proposals, TARGETS["propose"]))
        print(f"{'  ratio proposal / comment (info)':<40s} "
              f"{statistics.median(proposals) / statistics.median(posts):7.2f} x")
    for name, v in opens.items():
        print(row(f"cold open: {name}", [v], TARGETS["open"]))
    for name, v in switches.items():
        print(row(f"page switch: -> {name}", [v], TARGETS["switch"]))
    for name, v in reruns.items():
        print(row(f"server rerun (AppTest): {name}", [v], TARGETS["rerun"]))


if __name__ == "__main__":
    main()
