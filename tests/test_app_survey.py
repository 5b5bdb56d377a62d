"""AppTest of the survey overlay and the catalog pages on the shipped sample survey."""

from __future__ import annotations

from pathlib import Path

import h3
import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest
from util import map_specs

from geo.ingest import bundle
from geo.participation import survey
from geo.participation.store import open_store
from geo.samples.survey import sample_path

APP = str(Path(__file__).resolve().parent.parent / "app.py")
K = 10


@pytest.fixture(scope="module")
def truth():
    """What may be published, computed directly from the library (the page must agree)."""
    b = bundle.load("maebashi")
    areas = survey.town_areas(b.towns, b.pieces)
    imp = survey.import_survey(sample_path("maebashi"), towns=b.towns)
    return b, areas, survey.prepare(imp.responses, areas=areas, k=K, sample=True)


@pytest.fixture(autouse=True)
def fresh_store(tmp_path, monkeypatch):
    monkeypatch.setenv("DIORAMA_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DIORAMA_DATABASE_URL", raising=False)
    monkeypatch.delenv(survey.K_ENV, raising=False)
    return tmp_path


def open_survey(lang: str = "ja") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = lang
    at.run()
    at.switch_page("pages/survey.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def layers(at: AppTest) -> dict[str, list[dict]]:
    spec = map_specs(at)[0]
    return {layer["id"]: layer["data"] for layer in spec["layers"]
            if isinstance(layer.get("data"), list)}


def chart_frames(element) -> list[pd.DataFrame]:
    """The data sets of a Vega-Lite chart (Arrow-encoded in the message)."""
    return [pa.ipc.open_stream(d.data.data).read_all().to_pandas()
            for d in element.proto.datasets]


def shown_areas(data: survey.SurveyData, level: str, age=None, sex=None) -> set[str]:
    d = data.disclosure
    return set(d[(d["level"] == level) & (d["age_band"] == (age or "*"))
                 & (d["sex"] == (sex or "*")) & d["shown"]]["area"])


def test_overlay_renders_choropleth_comments_and_radar(truth) -> None:
    b, areas, data = truth
    code = b.towns.loc[b.towns["name"] == "元総社町", "town_code"].iloc[0]
    pin = h3.cell_to_center_child(areas.at[code, "h3_8"], 9)
    with open_store() as store:
        for i, kind in enumerate(["concern", "concern", "good"]):
            store.post_comment(idempotency_key=f"k{i}", session_id=f"s{i}", cell=pin,
                               factor="mobility", kind=kind, text=f"駅まで遠いです{i}",
                               town_code=code, city="maebashi", consent=True)
        store.post_comment(idempotency_key="other", session_id="s9", cell=pin,
                           factor="health", kind="idea", text="体操教室がほしい",
                           town_code=code, city="maebashi", consent=True)
    at = open_survey()
    assert "サンプルデータ" in at.warning[0].value
    assert any("サンプルデータ / sample data" in c.value for c in at.caption)
    data_layers = layers(at)
    cells = [d["h"] for d in data_layers["sv_values"]]
    assert cells and set(cells) == shown_areas(data, "h3_7")
    assert [d["n"] for d in data_layers["sv_comments"]] == [3]  # mobility comments only
    assert "3" in data_layers["sv_comments"][0]["h"]
    # the city radar and the answer distribution are drawn before any area is picked
    assert len(at.get("vega_lite_chart")) == 2
    # pick the area holding the comments without the map
    area = areas.at[code, "h3_7"]
    at.selectbox(key="sv_area_pick").select(area).run()
    assert not at.exception
    # the hexagon is named after its main town, never by its H3 id (issue 13)
    assert at.subheader[0].value == "選んだ地域: 元総社町周辺" and area not in at.subheader[0].value
    assert len(at.get("vega_lite_chart")) == 2
    points = chart_frames(at.get("vega_lite_chart")[0])[-1]  # the dots of the radar
    assert set(points["series"]) == {"市全体", at.subheader[0].value.split(": ", 1)[1]}
    assert len(points) == 48  # 24 factors × (area, city): every factor has ≥ k answers here
    city_mobility = points[(points["series"] == "市全体") & (points["factor"] == "移動・交通")]
    expected = survey.area_stats(data, level="city").loc[("city", "mobility"), "mean"]
    assert city_mobility["value"].iloc[0] == round(expected, 2)
    texts = [m.value for m in at.markdown]
    assert sum("駅まで遠いです" in m for m in texts) == 3
    assert not any("体操教室" in m for m in texts)
    n = data.placed["h3_7"].eq(area).sum()
    assert at.metric[2].value == f"{n:,}"
    # the gap view lists the area with its 2 concerns
    gap = next(d.value for d in at.dataframe if "食い違い" in d.value.columns)
    row = gap[gap["地域"] == "元総社町周辺"].iloc[0]
    assert row["声の件数"] == 3 and row["気になるところ"] == 2


def test_every_output_on_the_page_respects_k(truth) -> None:
    _, _, data = truth
    at = open_survey()
    for level in ("h3_7", "h3_8", "town"):
        for age, sex in [(None, None), ("70+", None), ("40-49", "female")]:
            at.selectbox(key="sv_level").select(level)
            at.selectbox(key="sv_age").select(age)
            at.selectbox(key="sv_sex").select(sex).run()
            assert not at.exception
            allowed = shown_areas(data, level, age, sex)
            drawn = {d.get("id") or d["h"] for d in layers(at)["sv_values"]}
            assert drawn <= allowed
            for frame in at.dataframe:
                df = frame.value
                if "回答者数" in df.columns:
                    assert (pd.to_numeric(df["回答者数"]) >= K).all()
            picks = at.selectbox(key="sv_area_pick").options
            assert len(picks) == len(drawn)


def test_k_can_be_raised_but_not_lowered(truth) -> None:
    _, _, data = truth
    at = open_survey()
    box = at.number_input(key="sv_k")
    assert box.min == K
    before = len(layers(at)["sv_values"])
    box.set_value(40).run()
    assert not at.exception
    after = layers(at)["sv_values"]
    assert 0 < len(after) < before
    counts = data.placed["h3_7"].value_counts()
    assert all(counts[d["h"]] >= 40 for d in after)


def test_overlay_in_english_and_for_life_satisfaction() -> None:
    at = open_survey(lang="en")
    assert at.title[0].value == "Well-Being survey"
    at.selectbox(key="sv_measure").select("life_satisfaction").run()
    assert not at.exception
    assert any("0 to 10" in c.value for c in at.caption)


def test_ube_has_no_towns_so_says_so() -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["city"] = "ube"
    at.run()
    at.switch_page("pages/survey.py").run()
    assert not at.exception and not at.error
    assert "町丁" in at.info[0].value


def test_catalog_page_looks_up_both_ways() -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("pages/catalog.py").run()
    assert not at.exception
    at.selectbox(key="cat_factor").select("natural_disasters").run()
    texts = [m.value for m in at.markdown]
    assert any("防災IoT" in m for m in texts)
    assert any("除雪車" in m for m in texts)
    at.selectbox(key="cat_service").select("mytaxi").run()
    texts = [m.value for m in at.markdown]
    assert "- 生活環境 / 移動・交通" in texts and "- 生活環境 / 医療・福祉" in texts
