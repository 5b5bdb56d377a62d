"""The build-city page: renders, reports input errors, and a built city appears in the picker."""

from __future__ import annotations

import pytest
import shapely
from streamlit.testing.v1 import AppTest
from util import REPO_DATA

from geo import grid
from geo.errors import InputError
from ui import build_city
from ui.cache import list_cities

APP = str(REPO_DATA.parent / "app.py")
PAGE = "pages/build_city.py"


class Upload:
    """What st.file_uploader returns, as far as the page uses it."""

    def __init__(self, name: str, data: bytes) -> None:
        self.name = name
        self._data = data

    def getvalue(self) -> bytes:
        return self._data


def _open(lang: str = "ja") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = lang
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_page_renders_in_japanese_and_english():
    at = _open()
    assert at.title[0].value == "都市を追加"
    assert any("出典" in c.value for c in at.caption)
    at = _open("en")
    assert at.title[0].value == "Add a city"


def test_submitting_without_population_or_network_names_the_problem(tmp_path, monkeypatch):
    monkeypatch.setenv("DIORAMA_BUNDLE_DIR", str(tmp_path))
    (tmp_path / "maebashi").symlink_to(REPO_DATA / "maebashi")
    list_cities.clear()
    at = _open()
    at.text_input(key="bc_city").input("tiny")
    at.button[0].click().run()
    assert not at.exception
    assert at.error[0].value.startswith("作成できませんでした")
    message = at.code[0].value
    # the inputs are named by the labels on this page, not by command-line options
    assert "人口(町丁ポリゴン" in message and "人流オープンデータ(国土交通省" in message
    assert "--population" not in message and "--network" not in message
    assert [p.name for p in tmp_path.iterdir() if p.name != "raw"] == ["maebashi"]
    list_cities.clear()


def test_a_network_without_boundary_or_prefecture_names_the_page_fields(tmp_path, monkeypatch):
    monkeypatch.setenv("DIORAMA_BUNDLE_DIR", str(tmp_path))
    with pytest.raises(InputError) as exc:
        build_city.run("tiny", uploads={"network": Upload("walk.graphml", b"<graphml/>")},
                       facility_kind=None, meta={}, progress=lambda done, what: None)
    text = str(exc.value)
    assert "「行政区域(GeoJSON" in text and "「都道府県コード" in text
    assert "--boundary" not in text and "[boundary]" not in text


def test_an_unsafe_city_id_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("DIORAMA_BUNDLE_DIR", str(tmp_path))
    (tmp_path / "maebashi").symlink_to(REPO_DATA / "maebashi")
    list_cities.clear()
    at = _open()
    at.text_input(key="bc_city").input("../maebashi")
    at.button[0].click().run()
    assert "都市IDに使えません" in at.code[0].value  # the session's language (Japanese)
    list_cities.clear()


def test_a_built_city_appears_in_the_city_picker(tmp_path, monkeypatch):
    monkeypatch.setenv("DIORAMA_BUNDLE_DIR", str(tmp_path))
    (tmp_path / "maebashi").symlink_to(REPO_DATA / "maebashi")
    square = shapely.box(139.04, 36.375, 139.08, 36.405)
    cells = grid.to_strings(grid.cover(square, 9))
    pop = "h3,population\n" + "".join(f"{c},10\n" for c in cells)
    steps: list[float] = []
    report = build_city.run(
        "tiny", uploads={"population": Upload("pop.csv", pop.encode()),
                         "facilities": [Upload("parks.csv",
                                               "名称,経度,緯度\n中央公園,139.06,36.39\n"
                                               .encode("cp932"))]},
        facility_kind="park", meta={"name_ja": "テスト市", "name_en": "Test city",
                                    "prefecture": 10, "attribution": "テスト"},
        progress=lambda done, what: steps.append(done))
    assert report.counts["population"] == 10 * len(cells)
    assert steps[0] == 0.0 and steps[-1] == 1.0 and steps == sorted(steps)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    picker = at.sidebar.selectbox[0]
    assert "tiny" in picker.options or "テスト市" in picker.options
    picker.set_value("tiny").run()
    at.switch_page("pages/about.py").run()
    assert not at.exception
    assert any("テスト" in c.value for c in at.caption)  # the attribution reaches the app
    list_cities.clear()
