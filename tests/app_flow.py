"""The AppTest steps the page-flow tests share: run without exceptions, open a page."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def run(x) -> AppTest:
    """Run an AppTest, or the AppTest of a widget just interacted with; no exception."""
    at = x.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def session(page: str = "pages/comments.py", *, join: str | None = None) -> AppTest:
    """A new browser session on ``page`` (through app.py), optionally by a join link."""
    at = AppTest.from_file(APP, default_timeout=120)
    if join is not None:
        at.query_params["join"] = join
    run(at)
    return run(at.switch_page(page))
