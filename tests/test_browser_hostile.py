"""Data is text, in a real browser (issue 16): a city whose name, attribution, GTFS agency, town
and facility names carry markdown images, links and HTML is opened in Chromium, every page of
the app is visited in one session, and no request leaves for the image host, no image or link
to it is in the page, and the texts are shown as the plain text they are.

The AppTest counterpart (tests/test_app_hostile_metadata.py) checks every markdown element's
source; this one checks what the browser actually does with it.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from browser_support import CHROMIUM, app_server, choose, idle, need, shot, wait_for_app
from test_app_hostile_metadata import CITY, HOST, IMAGE, _hostile_files

from geo.build import citybuild
from geo.settings import settings

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    need(CHROMIUM, "Chromium")
    data = tmp_path_factory.mktemp("hostile-browser")
    towns, feed, parks = _hostile_files(tmp_path_factory.mktemp("hostile-files"))
    citybuild.build_city(
        CITY, population=towns, facilities=[str(feed), f"{parks}:park"], prefecture=10,
        name_ja=f"市{IMAGE}", name_en="Hostile", data_dir=data,
        sources={"towns.geojson": {"attribution": f"町丁{IMAGE}"}})
    with app_server(data, env={"DIORAMA_BUNDLE_DIR": str(data),
                               "DIORAMA_MODERATOR_PASSWORD": "pw-for-tests"}) as (url, _):
        yield url


def test_no_request_leaves_for_a_host_named_in_the_data(server, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="ja-JP")
    hosts: list[str] = []
    where = {"page": "start"}
    requests: list[str] = []
    context.on("request", lambda r: (hosts.append(urlparse(r.url).hostname or ""),
                                     requests.append(f"{where['page']}: {r.url}")))
    page = context.new_page()
    try:
        page.goto(server + "/")
        wait_for_app(page)
        choose(page, "市町村", f"市{IMAGE}")  # the city's name is offered as text
        nav = page.locator('[data-testid="stSidebarNav"] a')
        labels = [nav.nth(i).inner_text() for i in range(nav.count())]
        assert len(labels) >= 10, labels
        shown_as_text = 0
        for i, label in enumerate(labels):
            where["page"] = label
            nav.nth(i).click()
            wait_for_app(page)
            idle(page)
            live = page.locator(f'img[src*="{HOST}"], a[href*="{HOST}"], '
                                f'[style*="{HOST}"], iframe[src*="{HOST}"]')
            assert live.count() == 0, (f"{label}: a live image or link to {HOST}: "
                                       + " | ".join(live.nth(j).evaluate("e => e.outerHTML")[:300]
                                                    for j in range(live.count())))
            # as the reader sees it (the zero-width spaces that keep addresses unlinked are
            # invisible)
            text = page.locator('[data-testid="stMain"]').inner_text().replace("\u200b", "")
            shown_as_text += f"![x](https://{HOST}/x.png)" in text
            assert "Traceback" not in text, label
            picked = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]')
            shown = picked.locator("input").input_value() or picked.inner_text()
            assert HOST in shown, (label, shown)  # the city chosen stays chosen
        shot(page, "hostile_city_about_1400")
        assert shown_as_text >= 1  # the attribution footer says it, literally
        assert HOST not in hosts, [h for h in hosts if h == HOST]
        outside = [r for r in requests if "//127.0.0.1" not in r]
        # and nothing else left but the base map's tiles, which the deployment chose
        # (DIORAMA_BASEMAP_URL; the maps ask for them when they can be reached)
        tiles = urlparse(settings().basemap_url or "").hostname or ""
        assert set(hosts) <= {"127.0.0.1", "", tiles}, outside
    finally:
        context.close()
