"""The library's log: ids, counts and file names at INFO; never a citizen's words above DEBUG."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from store_fixtures import TEST_CELL, comment_args
from util import make_tiny_city

from geo.build.build import build
from geo.participation.store import open_store
from geo.settings import configure_logging

TEXT = "通学路の見通しが悪い交差点です(ログ確認用)"
NICKNAME = "ログ確認さん"


def _above_debug(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.levelno > logging.DEBUG and r.name.startswith("geo")]


def test_store_writes_log_ids_never_the_text_nickname_or_cell(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="geo")
    with open_store(tmp_path) as store:
        posted = store.post_comment(**comment_args(text=TEXT, nickname=NICKNAME))
        store.moderate(comment_id=posted.comment_id, action="hide", moderator="mod-1",
                       reason="テスト")
        store.purge_expired(retention_days=1, now=datetime.now(UTC) + timedelta(days=2))
    lines = _above_debug(caplog)
    assert any("schema migration" in m for m in lines)
    assert f"comment {posted.comment_id} posted in" in "\n".join(lines)
    assert f"comment {posted.comment_id} moderated: hide" in "\n".join(lines)
    assert any(m.startswith("purge: 1 comments") for m in lines)
    for m in lines:
        assert TEXT not in m and NICKNAME not in m and TEST_CELL not in m, m


def test_a_build_logs_its_start_its_files_and_its_counts(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    make_tiny_city(tmp_path, populations=("1,200", 800, "-"))
    caplog.set_level(logging.INFO, logger="geo")
    build("tiny", data_dir=tmp_path)
    lines = _above_debug(caplog)
    assert any(m.startswith("building city tiny from") for m in lines)
    assert any(m.startswith("read towns.geojson") for m in lines)
    assert any(m.startswith("built city tiny: ") and "1 warnings" in m for m in lines)
    warned = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.getMessage() for r in warned] == [
        "build of tiny: 1 warnings about towns.geojson (see the manifest)"]
    assert "北町" not in warned[0].getMessage()  # the warning itself is at DEBUG


def test_configure_logging_once_at_the_configured_level(
        monkeypatch: pytest.MonkeyPatch) -> None:
    log = logging.getLogger("geo")
    handlers, level = list(log.handlers), log.level
    try:
        monkeypatch.delenv("DIORAMA_LOG_LEVEL", raising=False)
        configure_logging()
        assert log.level == logging.INFO
        configure_logging(default="WARNING")
        assert log.level == logging.WARNING
        monkeypatch.setenv("DIORAMA_LOG_LEVEL", "debug")
        configure_logging(default="WARNING")
        assert log.level == logging.DEBUG
        assert sum(h.get_name() == "diorama" for h in log.handlers) == 1
    finally:
        log.handlers[:] = handlers
        log.setLevel(level)
