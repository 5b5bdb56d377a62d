"""Start the app on localhost and drive Debian's Chromium with Playwright (for browser tests)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
ARTIFACTS = ROOT / "artifacts"
AXE = ROOT / "var" / "node" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--headless=new", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--use-gl=angle", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, *, timeout: float = 90.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the app exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not become healthy in {timeout:.0f} s")


@contextmanager
def app_server(data_dir: Path, *, port: int | None = None,
               env: dict[str, str] | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """Run ``streamlit run app.py`` on 127.0.0.1 with its comments in ``data_dir``."""
    port = port or free_port()
    log = open(data_dir / f"streamlit-{port}.log", "ab")  # noqa: SIM115
    full_env = os.environ | {"DIORAMA_DATA_DIR": str(data_dir)} | (env or {})
    full_env.pop("DIORAMA_DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(APP), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc=proc)
        yield url, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        log.close()


def idle(page, *, timeout: float = 60_000, quiet_ms: int = 300) -> None:
    """Wait until the app has finished its run and stayed idle for ``quiet_ms``.

    Streamlit marks the app element with its script state; right after a click the state
    may still read "notRunning" for a moment before the rerun starts, hence the quiet time.
    Tests still wait for what the user should see; this only lets the page settle.
    """
    page.evaluate("() => { window.__stBusy = performance.now(); }")
    page.wait_for_function(
        """quiet => {
             const s = document.querySelector('[data-testid=stApp]')
               ?.getAttribute('data-test-script-state');
             const now = performance.now();
             if (s !== 'notRunning') { window.__stBusy = now; return false; }
             return now - window.__stBusy >= quiet;
           }""", arg=quiet_ms, timeout=timeout)


def wait_for_app(page, *, heading: str | None = None, timeout: float = 60_000) -> None:
    """Wait until Streamlit has drawn the page (its first heading) and finished running."""
    page.wait_for_selector("h1", timeout=timeout)
    if heading:
        page.get_by_role("heading", name=heading).first.wait_for(timeout=timeout)
    idle(page, timeout=timeout)


#: Every map of the app (ui/deckmap.py draws them).
MAP = '[data-testid="dioramaMap"]'


def map_point(page, *, dx: float = 0.0, dy: float = 0.0, index: int = 0) -> tuple[float, float]:
    """A point on a map (its centre, offset by a share of its size), scrolled into view."""
    chart = page.locator(MAP).nth(index)
    chart.scroll_into_view_if_needed()
    chart.locator("canvas").first.wait_for()
    box = chart.bounding_box()
    return box["x"] + box["width"] * (0.5 + dx), box["y"] + box["height"] * (0.5 + dy)


def click_map(page, *, dx: float = 0.0, dy: float = 0.0, index: int = 0) -> None:
    """One click (a tap on a touch device) on a map: no retries, a lost click fails the test."""
    x, y = map_point(page, dx=dx, dy=dy, index=index)
    if page.evaluate("navigator.maxTouchPoints > 0"):
        page.touchscreen.tap(x, y)
    else:
        page.mouse.click(x, y)


def pin_on_map(page, *, pinned: str = "付近の六角形", timeout: float = 10_000) -> None:
    """Click the middle of the map once and expect the place to be shown in words."""
    shown = page.get_by_text(pinned).first
    click_map(page)
    shown.wait_for(timeout=timeout)


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the selectbox labelled ``label`` (typing to search, as people do)."""
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text=label).first
    box.scroll_into_view_if_needed()
    box.locator("input").click()
    box.locator("input").fill(option)
    page.get_by_role("option", name=option).first.click()
    idle(page)


#: Every page: its path and its Japanese heading.
PAGES = {
    "map": ("/", "ウェルビーイング・ジオラマ"),
    "coverage": ("/coverage", "徒歩圏カバー率"),
    "comments": ("/comments", "みんなの声"),
    "workshop": ("/workshop", "ワークショップ"),
    "diorama": ("/diorama", "ジオラマ(シナリオ)"),
    "moderation": ("/moderation", "モデレーション"),
    "flows": ("/flows", "人の流れ"),
    "vacancy": ("/vacancy", "空き家の推定"),
    "survey": ("/survey", "Well-Being調査"),
    "catalog": ("/catalog", "因子とサービス"),
    "about": ("/about", "データと出典"),
    "build_city": ("/build_city", "都市を追加"),
}

TALLEST = """() => Math.max(document.body.scrollHeight, ...[...document.querySelectorAll(
  '[data-testid="stMain"], [data-testid="stMain"] *')].map(e => e.scrollHeight))"""


def need(path: str, what: str) -> None:
    """Skip (fail under CI) when a tool the browser tests need is missing."""
    import pytest

    if not Path(path).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{what} is missing at {path}; scripts/test.sh installs it")
        pytest.skip(f"{what} not installed ({path}); run scripts/test.sh")


def shot(page, name: str) -> None:
    """A screenshot of the whole page under ``artifacts/screenshots/<name>.png``.

    Streamlit scrolls inside its main block, so a full-page screenshot alone shows only the
    window: the window is made as tall as the page for the picture, then restored."""
    (ARTIFACTS / "screenshots").mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    tall = min(max(size["height"], int(page.evaluate(TALLEST)) + 40), 12000)
    page.set_viewport_size({"width": size["width"], "height": tall})
    page.wait_for_timeout(500)  # let the layout settle for the picture (not an assertion)
    page.screenshot(path=str(ARTIFACTS / "screenshots" / f"{name}.png"), full_page=True)
    page.set_viewport_size(size)


def add_here_and_wait(page, *, timeout: float = 30_000) -> tuple[str, str]:
    """On the diorama: press "ここに追加" and wait until the first figure changed.

    Returns the figure before and after (what a group sees move)."""
    value = page.locator('[data-testid="stMetricValue"]').first
    before = value.inner_text()
    page.get_by_role("button", name="ここに追加").click()
    page.get_by_text("徒歩圏内の人口").first.wait_for(timeout=timeout)
    page.wait_for_function(
        "b => document.querySelector('[data-testid=stMetricValue]')?.innerText !== b",
        arg=before, timeout=timeout)
    idle(page)
    return before, value.inner_text()


def join_links(page, n: int) -> list[str]:
    """The join links shown (in group order), once every group's link and QR code has been
    drawn (the cards appear one after another)."""
    try:
        page.wait_for_function(
            """n => document.querySelectorAll('[data-testid=stImage] img').length >= n
                   && [...document.querySelectorAll('[data-testid=stCode]')]
                        .filter(e => e.innerText.includes('join=')).length >= n""",
            arg=n, timeout=60_000)
    except Exception as exc:  # say what was on the page instead (CI keeps no screenshots)
        seen = page.evaluate(
            """() => ({state: document.querySelector('[data-testid=stApp]')
                         ?.getAttribute('data-test-script-state'),
                       images: document.querySelectorAll('[data-testid=stImage] img').length,
                       codes: [...document.querySelectorAll('[data-testid=stCode]')]
                                .map(e => e.innerText.slice(0, 80)),
                       body: document.body.innerText.slice(0, 3000)})""")
        raise AssertionError(f"{n} join links and QR codes not shown: {seen}") from exc
    codes = page.locator('[data-testid="stCode"]').all_inner_texts()
    return [t.strip() for t in codes if "join=" in t]


class Server:
    """A restartable app server on a fixed port, for crash tests."""

    def __init__(self, data_dir: Path, *, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env or {}
        self.proc: subprocess.Popen | None = None
        self._cm = None

    def start(self) -> None:
        self._cm = app_server(self.data_dir, port=self.port, env=self.env)
        _, self.proc = self._cm.__enter__()

    def kill9(self) -> None:
        """SIGKILL, as a crash would: no shutdown handlers run."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()
        self._cm.__exit__(None, None, None)

    def stop(self) -> None:
        if self._cm is not None and self.proc is not None and self.proc.poll() is None:
            self._cm.__exit__(None, None, None)


def colourful_share(page, *, index: int = 0) -> float:
    """The share of a map's pixels in a clear colour (not grey, white or black): the data
    layers people read, as opposed to the faint grey pin grid and the page around it."""
    import io

    from PIL import Image

    chart = page.locator(MAP).nth(index)
    chart.scroll_into_view_if_needed()
    img = Image.open(io.BytesIO(chart.screenshot())).convert("RGB")
    px = list(img.getdata())
    vivid = sum(1 for r, g, b in px if max(r, g, b) - min(r, g, b) > 60)
    return vivid / max(len(px), 1)


def wait_for_colour(page, *, index: int = 0, share: float = 0.01,
                    timeout: float = 15.0) -> float:
    """Wait until a map shows its data in colour (deck.gl draws after the page settles);
    the share reached, or the last seen when the time is up."""
    deadline = time.monotonic() + timeout
    seen = colourful_share(page, index=index)
    while seen < share and time.monotonic() < deadline:
        page.wait_for_timeout(500)
        seen = colourful_share(page, index=index)
    return seen
