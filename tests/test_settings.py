"""Settings: every DIORAMA_* variable read in one place, with one default each."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo import settings as settings_mod
from geo.settings import SHIPPED_DATA, Settings, SettingsError, reload, settings


def test_defaults_when_nothing_is_set() -> None:
    s = Settings.from_environ({})
    assert s.data_dir == Path("var")
    assert s.database_url is None
    assert s.retention_days == 365
    assert s.moderator_password is None
    assert s.public_url is None
    assert s.bundle_dir == Path("var/cities")  # built cities: user data, apart from the code
    assert s.shipped_dir == SHIPPED_DATA  # shipped cities: read-only, in the package
    assert s.survey_min_n == 10
    assert s.log_level is None  # the app logs at INFO, the command line at WARNING
    assert s.store_location == "var"
    assert s.basemap_url == settings_mod.DEFAULT_BASEMAP_URL  # GSI's pale map, when reachable
    assert s.basemap_attribution == "地理院タイル"


def test_the_base_map_can_be_replaced_or_switched_off() -> None:
    own = Settings.from_environ({"DIORAMA_BASEMAP_URL": "https://tiles.example.lg.jp/{z}/{x}/{y}.png",
                                 "DIORAMA_BASEMAP_ATTRIBUTION": "○○市 都市計画図"})
    assert own.basemap_url == "https://tiles.example.lg.jp/{z}/{x}/{y}.png"
    assert own.basemap_attribution == "○○市 都市計画図"
    assert Settings.from_environ({"DIORAMA_BASEMAP_URL": "off"}).basemap_url is None
    with pytest.raises(SettingsError, match="ATTRIBUTION"):  # tiles need their credit
        Settings.from_environ({"DIORAMA_BASEMAP_URL": "https://t.example/{z}/{x}/{y}.png"})
    with pytest.raises(SettingsError, match="https"):  # no plain http, no template-less URL
        Settings.from_environ({"DIORAMA_BASEMAP_URL": "http://t.example/{z}/{x}/{y}.png",
                               "DIORAMA_BASEMAP_ATTRIBUTION": "x"})


def test_every_variable_is_read() -> None:
    s = Settings.from_environ({
        "DIORAMA_DATA_DIR": "/srv/d", "DIORAMA_DATABASE_URL": "postgresql://h/db",
        "DIORAMA_RETENTION_DAYS": "30", "DIORAMA_MODERATOR_PASSWORD": "pw",
        "DIORAMA_PUBLIC_URL": "https://x.example", "DIORAMA_BUNDLE_DIR": "/srv/b",
        "DIORAMA_SURVEY_MIN_N": "20", "DIORAMA_LOG_LEVEL": "debug",
    })
    assert s == Settings(Path("/srv/d"), "postgresql://h/db", 30, "pw", "https://x.example",
                         Path("/srv/b"), 20, "DEBUG")
    assert s.store_location == "postgresql://h/db"


def test_the_secret_wins_over_the_environment() -> None:
    env = {"DIORAMA_MODERATOR_PASSWORD": "from-env"}
    assert Settings.from_environ(env, {"moderator_password": "secret"}).moderator_password \
        == "secret"
    assert Settings.from_environ(env, {"moderator_password": None}).moderator_password \
        == "from-env"


@pytest.mark.parametrize("value", ["abc", "0", "-3"])
def test_a_bad_retention_is_refused_in_both_languages(value: str) -> None:
    with pytest.raises(SettingsError, match="DIORAMA_RETENTION_DAYS") as info:
        Settings.from_environ({"DIORAMA_RETENTION_DAYS": value})
    assert "日数" in info.value.message_ja and "days" in info.value.message_en


def test_a_bad_log_level_is_refused() -> None:
    with pytest.raises(SettingsError, match="DIORAMA_LOG_LEVEL"):
        Settings.from_environ({"DIORAMA_LOG_LEVEL": "loud"})


def test_survey_min_n_can_only_be_raised() -> None:
    assert Settings.from_environ({"DIORAMA_SURVEY_MIN_N": "2"}).survey_min_n == 5
    assert Settings.from_environ({"DIORAMA_SURVEY_MIN_N": "x"}).survey_min_n == 10


def test_parsed_once_and_re_read_when_the_environment_changes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIORAMA_RETENTION_DAYS", "40")
    first = settings()
    assert first.retention_days == 40
    assert settings() is first  # cached
    monkeypatch.setenv("DIORAMA_RETENTION_DAYS", "41")
    assert settings().retention_days == 41
    reload()
    assert settings() is not first


def test_no_other_module_reads_the_environment() -> None:
    root = Path(settings_mod.__file__).resolve().parent.parent
    readers = [
        str(path.relative_to(root))
        for folder in ("geo", "ui", "pages")
        for path in sorted((root / folder).rglob("*.py"))
        if path.name != "settings.py"
        and ("os.environ" in path.read_text(encoding="utf-8")
             or "getenv(" in path.read_text(encoding="utf-8"))
    ]
    assert "os.environ" not in (root / "app.py").read_text(encoding="utf-8")
    assert readers == []
