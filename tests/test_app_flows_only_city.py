"""AppTest: a city built from MLIT people-flow files alone opens on every page, and the pages
say that its population is the stay-population stand-in, not residents."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest
from test_app import PAGES, open_page
from util import REPO_DATA

from geo.build import citybuild
from ui.cache import list_cities

RAW = REPO_DATA / "raw" / "maebashi"
CITY = "flows_only_maebashi"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    data = tmp_path_factory.mktemp("flows_only")
    (data / "maebashi").symlink_to(REPO_DATA / "maebashi")
    citybuild.build_city(CITY, flows=[RAW / "jinryu_mdp_mesh1km_10201_2019-2021.csv",
                                      RAW / "jinryu_fromto_city_10201_2019-2021.csv"],
                         city_code="10201", name_ja="前橋市(人流のみ)",
                         name_en="Maebashi (flows only)", data_dir=data)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DIORAMA_BUNDLE_DIR", str(data))
        list_cities.clear()
        yield data
    list_cities.clear()


def _open(page: str, lang: str = "ja") -> AppTest:
    at = open_page(page, city=CITY, lang=lang)  # asserts that nothing raised
    assert not at.error, [e.value for e in at.error]
    return at


@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens(data_dir, page):
    at = _open(page)
    assert any("全国の人流オープンデータ" in c.value for c in at.caption)  # credited


@pytest.mark.parametrize(("lang", "said"), [("ja", "住民の数ではありません"),
                                             ("en", "not the number of residents")])
def test_coverage_says_the_population_is_a_stand_in(data_dir, lang, said):
    at = _open("pages/coverage.py", lang)
    assert any(said in c.value for c in at.caption)
    # what it cannot show: no facilities were given, so every kind is 'no data', not 0 %
    assert any(("データなし" if lang == "ja" else "no data") in c.value for c in at.caption)


def test_flows_page_shows_the_flows(data_dir):
    at = _open("pages/flows.py")
    assert at.title[0].value == "人の流れ"
    assert not any("人流データはありません" in i.value for i in at.info)


def test_map_without_facilities_shows_the_stand_in_population(data_dir):
    at = _open("pages/map.py")
    assert at.selectbox(key="map_metric").value == "population"  # the only metric it can show
    assert any("データなし" in i.value for i in at.info)
    assert any("住民の数ではありません" in c.value for c in at.caption)
