"""Fixtures shared by the store's test modules."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from store_fixtures import Target, backend_params, make_target


@pytest.fixture(params=backend_params())
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    """An empty database on each backend (SQLite always; PostgreSQL when configured)."""
    t = make_target(request.param, tmp_path)
    yield t
    t.drop()


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright (one per test module)."""
    from browser_support import CHROMIUM, CHROMIUM_ARGS, need
    from playwright.sync_api import sync_playwright

    need(CHROMIUM, "Chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def fresh_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An AppTest flow's own SQLite store in ``tmp_path`` and the moderators' password
    (``util.APP_PASSWORD``); test modules take it with ``pytest.mark.usefixtures``."""
    from util import APP_PASSWORD

    monkeypatch.setenv("DIORAMA_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DIORAMA_DATABASE_URL", raising=False)
    monkeypatch.setenv("DIORAMA_MODERATOR_PASSWORD", APP_PASSWORD)
    return tmp_path
