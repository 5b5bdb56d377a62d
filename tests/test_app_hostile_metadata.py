"""Data is text (issue 16): a city built from files whose city name, attribution, GTFS agency
name, town and facility names carry markdown images, links and HTML shows them on every page
as inert text, never as markdown or HTML; and a city that cannot be opened neither stops the
app nor resists deletion (by the moderator on the add-a-city page, and on the command line).
"""

from __future__ import annotations

import re
import zipfile

import pytest
from streamlit.testing.v1 import AppTest
from test_app import APP, PAGES, open_page
from util import BASE_X, BASE_Y, REPO_DATA, TINY_TOWNS, polygon_feature, rect_lonlat, write_geojson

from geo import cli
from geo.build import citybuild
from ui.cache import city_names, list_cities

CITY = "hostile"
HOST = "evil.example"
IMAGE = f"![x](https://{HOST}/x.png)"
LINK = f"[公式サイト](https://{HOST}/login)"
HTML = f'<img src="https://{HOST}/h.png" onerror="alert(1)">'
#: What must never reach a markdown element unescaped.
FORBIDDEN = ("![", "](", "<img", "<a ", "onerror=")


def _live(markdown: str) -> bool:
    """Whether markdown source holds an image, a link or an HTML tag that would render: the
    forbidden sequences once every backslash-escaped character is taken out."""
    bare = re.sub(r"\\.", "", markdown)
    return any(bad in bare for bad in FORBIDDEN)


def _hostile_files(folder):
    towns = [polygon_feature(rect_lonlat(x0 + BASE_X, y0 + BASE_Y, x1 + BASE_X, y1 + BASE_Y),
                             {"KEY_CODE": f"T{i}", "S_NAME": f"{name}{IMAGE}{HTML}",
                              "総人口": 100 * i, f"col{LINK}": "x"})
             for i, (_, name, (x0, y0, x1, y1)) in enumerate(TINY_TOWNS, start=1)]
    write_geojson(folder / "towns.geojson", towns)
    feed = folder / "feed.zip"
    with zipfile.ZipFile(feed, "w") as z:
        z.writestr("agency.txt", f"agency_id,agency_name\n1,バス{IMAGE}{LINK}\n")
        z.writestr("stops.txt", "stop_id,stop_name,stop_lat,stop_lon\n"
                   f"S1,駅前{IMAGE},36.3895,139.0634\n")
    parks = folder / "parks.csv"
    parks.write_text(f"名称,経度,緯度\n公園{HTML},139.0640,36.3900\n", encoding="utf-8")
    return folder / "towns.geojson", feed, parks


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    data = tmp_path_factory.mktemp("hostile")
    towns, feed, parks = _hostile_files(tmp_path_factory.mktemp("files"))
    citybuild.build_city(
        CITY, population=towns, facilities=[str(feed), f"{parks}:park"], prefecture=10,
        name_ja=f"市{IMAGE}", name_en=f"City{LINK}{HTML}", data_dir=data,
        sources={"towns.geojson": {"attribution": f"町丁{IMAGE}{HTML}"}})
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DIORAMA_BUNDLE_DIR", str(data))
        list_cities.clear()
        city_names.clear()
        yield data
    list_cities.clear()
    city_names.clear()


def _markdown_values(at: AppTest) -> list[str]:
    """Every element whose text Streamlit renders as markdown."""
    out = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "title",
                 "header", "subheader"):
        out += [str(e.value) for e in getattr(at, kind)]
    out += [str(e.label) for e in at.expander]
    return out


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_hostile_metadata_is_inert_text_on_every_page(data_dir, page, lang):
    at = open_page(page, city=CITY, lang=lang)
    values = _markdown_values(at)
    for v in values:
        assert not _live(v), (page, v)
    # the texts did arrive, escaped: the footer credits the agency and the attribution
    footer = [v for v in values if "evil" in v and "example" in v]
    assert footer, page
    assert at.session_state["city"] == CITY


def test_a_town_name_is_text_in_the_town_detail(data_dir):
    at = open_page("pages/map.py", city=CITY)
    at.selectbox(key="map_town").set_value("T1").run()
    assert not at.exception
    names = [m.value for m in at.markdown if "北" in m.value or "南" in m.value
             or "T1" in m.value or "evil" in m.value]
    assert names and not any(_live(v) for v in names)


def test_the_manifest_keeps_every_name_bounded(data_dir):
    import json

    m = json.loads((data_dir / CITY / "manifest.json").read_text(encoding="utf-8"))
    gtfs_source = next(s for s in m["sources"] if s["file"] == "feed.zip")
    assert IMAGE in gtfs_source["attribution"]  # kept as data, shown escaped
    assert all(len(s["attribution"]) <= 500 for s in m["sources"])


# ---- a city that cannot be opened -----------------------------------------------------------


def _break(data, city):
    """A city whose manifest is over the reader's limit (as the 268 MB one of the attack)."""
    import geo.ingest.bundle as bundle_mod

    mf = data / city / "manifest.json"
    with open(mf, "ab") as f:
        f.truncate(bundle_mod.MAX_MANIFEST_BYTES + 1)


@pytest.fixture
def broken_dir(tmp_path, monkeypatch):
    data = tmp_path / "cities"
    towns, _, _ = _hostile_files(tmp_path)
    citybuild.build_city("broken", population=towns, prefecture=10, data_dir=data)
    _break(data, "broken")
    monkeypatch.setenv("DIORAMA_BUNDLE_DIR", str(data))
    monkeypatch.setenv("DIORAMA_MODERATOR_PASSWORD", "pw-for-tests")
    list_cities.clear()
    city_names.clear()
    yield data
    list_cities.clear()
    city_names.clear()


def test_a_city_that_cannot_be_opened_does_not_stop_the_app(broken_dir):
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    picker = at.sidebar.selectbox[0]  # its options are the names shown
    assert "broken" not in picker.options and "前橋市" in picker.options
    assert "broken" not in list_cities() and "maebashi" in list_cities()


def test_a_moderator_deletes_a_city_that_cannot_be_opened(broken_dir):
    at = open_page("pages/build_city.py", city="maebashi")
    at.text_input(key="_bc_password").input("pw-for-tests")
    next(b for b in at.button if b.label == "ログイン").click().run()
    assert any("broken" in w.value and "開けない" in w.value for w in at.warning)
    assert any("manifest.json" in x.value and "MB" in x.value for x in at.text)
    box = at.selectbox(key="bc_del_city")
    assert box.options == ["broken"]  # shipped cities are not offered
    box.set_value("broken").run()
    at.text_input(key="bc_del_reason").input("manifest too large").run()
    at.checkbox(key="bc_del_confirm").check().run()
    at.button(key="bc_del_go").click().run()
    assert not at.exception
    assert any("削除しました" in s.value for s in at.success)
    assert not (broken_dir / "broken").exists() and not (broken_dir / "raw" / "broken").exists()
    log = (broken_dir / citybuild.DELETIONS_LOG).read_text(encoding="utf-8")
    assert '"city": "broken"' in log and '"actor": "moderator"' in log
    assert "manifest too large" in log


def test_without_the_password_nothing_can_be_deleted(broken_dir):
    at = open_page("pages/build_city.py", city="maebashi")
    assert not [s for s in at.selectbox if s.key == "bc_del_city"]


def test_the_command_line_deletes_a_city_that_cannot_be_opened(broken_dir, capsys):
    assert cli.main(["delete-city", "broken"]) == 2  # asks for --yes first
    assert (broken_dir / "broken").exists()
    assert cli.main(["delete-city", "broken", "--yes", "--reason", "too large"]) == 0
    assert not (broken_dir / "broken").exists()
    assert cli.main(["delete-city", "maebashi", "--yes"]) == 2  # shipped: read-only
    assert "read-only" in capsys.readouterr().err
    assert (REPO_DATA / "maebashi" / "manifest.json").exists()
