"""AppTest: the flows and vacancy pages render, their controls change the figures, sample data
is labelled and suppressed cells never reach the map."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from util import REPO_DATA, map_specs

from geo import grid
from geo.context import flows

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def open_page(page: str, *, city: str = "maebashi", lang: str = "ja") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["city"] = city
    at.session_state["lang"] = lang
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def layer(at: AppTest, layer_id: str) -> list[dict]:
    spec = map_specs(at)[0]
    return next(x["data"] for x in spec["layers"] if x["id"] == layer_id)


def charts(at: AppTest) -> int:
    return len(at.get("vega_lite_chart"))


# ------------------------------------------------------------------------------------------
# Flows
# ------------------------------------------------------------------------------------------


def test_flows_page_renders_with_map_charts_and_downloads():
    at = open_page("pages/flows.py")
    assert at.title[0].value == "人の流れ"
    assert len(layer(at, "flows")) > 100
    assert charts(at) == 2  # visitors by origin; centre vitality
    labels = [b.label for b in at.get("download_button")]
    assert any("CSV" in x for x in labels) and any("GeoJSON" in x for x in labels)
    assert any("全国の人流オープンデータ" in c.value for c in at.caption)


def test_month_slider_changes_the_figures():
    at = open_page("pages/flows.py")
    before = metrics(at)
    cells_before = layer(at, "flows")
    at.select_slider(key="flows_month").set_value("2020-05").run()
    assert not at.exception
    after = metrics(at)
    assert "市内の滞在人口 (2020年5月)" in after
    assert after != before
    assert layer(at, "flows") != cells_before
    at.select_slider(key="flows_month").set_value("2019-05").run()
    assert not at.exception
    assert metrics(at)["市内の滞在人口 (2019年5月)"] != after["市内の滞在人口 (2020年5月)"]


def test_day_and_time_switches_and_metrics():
    at = open_page("pages/flows.py")
    base = metrics(at)
    at.radio(key="flows_day").set_value(0).run()  # holidays
    assert metrics(at) != base
    at.radio(key="flows_tz").set_value(1).run()  # late night
    assert not at.exception
    for metric in ["change", "ratio", "stay"]:
        at.selectbox(key="flows_metric").select(metric).run()
        assert not at.exception
    for res in [7, 9]:
        at.select_slider(key="flows_res").set_value(res).run()
        assert not at.exception
    at.toggle(key="flows_3d").set_value(True).run()
    assert not at.exception


def test_city_figures_are_the_published_in_both_terms_ratios():
    # the README: "a ratio uses only meshes published in both of its terms"
    at = open_page("pages/flows.py")
    at.select_slider(key="flows_month").set_value("2020-10").run()
    at.radio(key="flows_day").set_value(flows.HOLIDAY).run()
    fl = flows.load(REPO_DATA / "maebashi")
    ratio = flows.city_day_night_pct(fl, month="2020-10", dayflag=flows.HOLIDAY)
    assert metrics(at)["市全体の昼夜比"] == f"{ratio:,.1f}%"
    change = flows.city_change_pct(fl, month="2020-10", dayflag=flows.HOLIDAY,
                                   timezone=flows.DAYTIME)
    delta = next(m.delta for m in at.metric if m.label.startswith("市内の滞在人口"))
    assert delta.startswith(f"{change:+.1f}%")


def test_play_moves_to_the_next_month_and_wraps():
    at = open_page("pages/flows.py")
    assert at.session_state["flows_month"] == "2021-12"
    at.toggle(key="flows_play").set_value(True).run()
    assert not at.exception
    assert at.session_state["flows_month"] == "2019-01"  # wrapped round to the first month
    at.toggle(key="flows_play").set_value(False).run()
    assert at.session_state["flows_month"] == "2019-01"  # stopping keeps the month


def test_vitality_for_picked_towns():
    at = open_page("pages/flows.py")
    at.radio(key="flows_area").set_value("towns").run()
    assert charts(at) == 1
    assert any("範囲を選んでください" in i.value for i in at.info)
    at.multiselect(key="flows_towns").select("10201033002").select("10201033003").run()
    assert not at.exception
    assert charts(at) == 2


def test_flows_page_on_ube_says_there_is_no_data():
    at = open_page("pages/flows.py", city="ube")
    assert any("人流データはありません" in i.value for i in at.info)


def test_flows_page_in_english():
    at = open_page("pages/flows.py", lang="en")
    assert at.title[0].value == "Visitor flows"


# ------------------------------------------------------------------------------------------
# Vacancy
# ------------------------------------------------------------------------------------------


def test_vacancy_page_shows_labelled_sample_data():
    at = open_page("pages/vacancy.py")
    assert any("サンプルデータ / sample data" in w.value for w in at.warning)
    assert any(c.value == "サンプルデータ / sample data" for c in at.caption)
    assert "建物数" in metrics(at)
    assert len(layer(at, "vacancy")) > 100
    town_table = at.dataframe[0].value
    assert (town_table["データの種類"] == "サンプルデータ / sample data").all()


def test_vacancy_suppressed_cells_never_reach_the_map():
    at = open_page("pages/vacancy.py")
    at.select_slider(key="vac_res").set_value(10).run()
    at.number_input(key="vac_k").set_value(20).run()
    assert not at.exception
    note = next(c.value for c in at.caption if "秘匿しています" in c.value)
    from ui.flows import get_sample_cells

    cells = get_sample_cells("maebashi", None, 20, 10)
    suppressed = set(grid.to_strings(cells.index[cells["suppressed"]]))
    assert suppressed  # at res 10 many hexagons hold fewer than 20 buildings
    assert f"{len(cells)}個中{len(suppressed)}個" in note
    assert not {r["h"] for r in layer(at, "vacancy")} & suppressed
    table = at.dataframe[0].value
    sup = table[table["秘匿"] == "はい"]
    assert sup.drop(columns=["町丁", "秘匿", "データの種類"]).isna().all().all()


def test_map_values_are_read_as_people_do():
    """Tooltips show rates in % with one decimal and people as whole numbers (issue 13)."""
    at = open_page("pages/vacancy.py")
    rates = [r["v"] for r in layer(at, "vacancy")]
    assert rates and all(round(v, 1) == v for v in rates) and max(rates) > 1
    at.selectbox(key="vac_metric").select("estimated").run()
    assert all(isinstance(r["v"], int) for r in layer(at, "vacancy"))
    at = open_page("pages/flows.py")
    assert all(isinstance(r["v"], int) for r in layer(at, "flows"))
    at.selectbox(key="flows_metric").select("ratio").run()
    ratios = [r["v"] for r in layer(at, "flows")]
    assert ratios and all(round(v, 1) == v for v in ratios)


def test_vacancy_calibration_hits_the_target_rate():
    at = open_page("pages/vacancy.py")
    at.toggle(key="vac_cal").set_value(True).run()
    at.number_input(key="vac_target").set_value(15.0).run()
    assert not at.exception
    assert metrics(at)["推定空き家率 (%)"] == "15.0%"
    for metric in ["estimated", "likely_vacant", "rate"]:
        at.selectbox(key="vac_metric").select(metric).run()
        assert not at.exception


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_vacancy_page_on_ube_asks_for_a_file(lang):
    at = open_page("pages/vacancy.py", city="ube", lang=lang)
    assert at.info  # no towns with households: no sample, upload only
    assert at.radio(key="vac_source").options == (["CSVを読み込む"] if lang == "ja"
                                                  else ["Upload a CSV"])
