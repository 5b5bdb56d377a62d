"""Every table download comes for tools and for people (issue 13).

For tools: the stable snake_case columns the README lists. For people (``ui.columns``): the
same rows with every header in the user's language and numbers as people read them - whole
people whose column still adds up, rates in % with one decimal, distances in whole metres.
The frames are the ones the pages offer (coverage cells and towns, flows cells and a
vitality series, vacancy cells and towns), built from the shipped Maebashi bundle.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pytest

from geo.context import flows
from geo.kinds import KINDS, default_radii
from geo.render import export
from ui import columns, i18n
from ui import format as ui_format
from ui import vacancy_view as vv
from ui.cache import get_cell_kpis, get_coverage
from ui.flows import get_area_series, get_flow_cells, get_sample_cells, get_sample_towns

README = Path(__file__).resolve().parent.parent / "README.md"
SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
RADII = tuple(sorted(default_radii().items()))


@pytest.fixture(params=["ja", "en"])
def language(request, monkeypatch) -> str:
    from ui import survey as ui_survey

    for module in (i18n, ui_format, ui_survey):
        monkeypatch.setattr(module, "lang", lambda: request.param)
    return str(request.param)


def frames() -> dict[str, tuple[pd.DataFrame, bool]]:
    """Each download's machine frame (as the page passes it) and whether its index is written."""
    kpis = get_cell_kpis("maebashi", "line", RADII, 30, 9)
    towns = get_coverage("maebashi", "line", RADII, 30).towns
    assert towns is not None
    kind = "bus_stop"
    fl_month = flows.month_key(2020, 5)
    sample_cells = get_sample_cells("maebashi", None, 10, 9)
    return {
        "coverage cells": (export.cells_frame(kpis), False),
        "coverage towns": (towns[["name", "population", f"covered_{kind}",
                                  f"uncovered_{kind}", f"rate_{kind}"]], True),
        "flows cells": (export.cells_frame(get_flow_cells("maebashi", fl_month, 0, 0, 9)), False),
        "flows vitality": (get_area_series("maebashi", "centre", (), 0)[["stay", "change_pct"]]
                           .round(1).rename_axis("month"), True),
        "vacancy cells": (export.cells_frame(vv.for_download(sample_cells, "x")), False),
        "vacancy towns": (vv.for_download(get_sample_towns("maebashi", None, 10), "x"), True),
    }


@pytest.fixture(scope="module")
def downloads() -> dict[str, tuple[pd.DataFrame, bool]]:
    return frames()


def test_tools_version_has_stable_snake_case_columns_listed_in_the_readme(downloads) -> None:
    readme = README.read_text(encoding="utf-8")
    for name, (frame, index) in downloads.items():
        cols = [frame.index.name, *frame.columns] if index else list(frame.columns)
        for c in cols:
            assert re.fullmatch(r"[a-z][a-z0-9_]*", str(c)), (name, c)
            pattern = re.sub(r"_(" + "|".join(k.key for k in KINDS) + r")$", "_<kind>", str(c))
            assert f"`{pattern}`" in readme, f"README does not document the column {pattern!r}"


def test_people_version_has_headers_in_the_users_language(downloads, language) -> None:
    for name, (frame, index) in downloads.items():
        shown = columns.for_people(frame, index=index)
        assert len(shown.columns) == len(frame.columns) + index, name
        for header in shown.columns:
            assert not SNAKE.match(str(header)), (name, header)
            if language == "ja":
                assert JAPANESE.search(str(header)) or str(header).startswith("H3"), (name,
                                                                                       header)
            else:
                assert not JAPANESE.search(str(header)), (name, header)


def test_people_version_shows_whole_people_and_percent(downloads, language) -> None:
    frame, _ = downloads["coverage towns"]
    shown = columns.for_people(frame, index=True)
    pop = shown[columns.header("population")]
    assert str(pop.dtype) == "Int64"
    # whole people that still add up to the rounded total
    assert int(pop.sum()) == round(frame["population"].sum())
    covered = shown[columns.header("covered_bus_stop")]
    assert int(covered.sum()) == round(frame["covered_bus_stop"].sum())
    rate = shown[columns.header("rate_bus_stop")].dropna()
    assert rate.between(0, 100).all() and (rate.round(1) == rate).all()
    assert rate.max() > 1  # percent, not the fraction the tool version keeps
    cells, _ = downloads["coverage cells"]
    dist = columns.for_people(cells)[columns.header("dist_bus_stop")].dropna()
    assert str(dist.dtype) == "Int64"
    vit, _ = downloads["flows vitality"]
    months = columns.for_people(vit, index=True).iloc[:, 0]
    assert months.iloc[0] == ("2019年1月" if language == "ja" else "Jan 2019")


def test_people_csv_is_formula_safe_and_excel_readable(language) -> None:
    frame = pd.DataFrame({"name": ["=HYPERLINK(\"http://x\")", "千代田町"],
                          "population": [112.7307, 103820.505]}).rename_axis("town_code")
    frame.index = ["1", "2"]
    frame.index.name = "town_code"
    data = export.csv_bytes(columns.for_people(frame, index=True))
    assert data.startswith("\ufeff".encode())
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str)
    assert back.iloc[0, 1].startswith("'=")
    assert back.iloc[:, 2].tolist() == ["113", "103820"]  # largest remainder: total 103,933


def test_survey_download_for_people(language) -> None:
    from geo.participation import survey
    from ui import survey as ui_survey

    data = ui_survey.sample_bytes("maebashi")
    assert data is not None
    src = ("maebashi", data, "maebashi_survey_sample.csv", None, survey.min_k(), True)
    csv = ui_survey.downloads(src, "town", None, None)[0]
    machine = pd.read_csv(io.BytesIO(csv), encoding="utf-8-sig")
    shown = ui_survey.for_people(csv)
    assert len(shown) == len(machine) and len(shown.columns) == len(machine.columns)
    for header in shown.columns:
        assert not SNAKE.match(str(header)), header
        assert bool(JAPANESE.search(str(header))) == (language == "ja") or "(" in str(header), \
            header
    level = shown.iloc[:, list(machine.columns).index("level")]
    assert set(level) == {i18n.t("sv_level_town")}
    means = shown[[c for c, m in zip(shown.columns, machine.columns, strict=True)
                   if m.endswith("_mean")]]
    assert ((means.round(2) == means) | means.isna()).all().all()


def test_comment_export_for_people(language) -> None:
    from geo.participation.store.export import CSV_COLUMNS, comments_to_csv

    row = dict.fromkeys(CSV_COLUMNS, None) | {
        "id": 7, "created_at": "2026-11-01T12:00:00+00:00", "city": "maebashi",
        "cell": "892f5a3a0c3ffff", "resolution": 9, "town_code": "102012400",
        "factor": "mobility", "factor_ja": "移動・交通", "kind": "concern",
        "text": "=HYPERLINK(\"http://x\")", "nickname": "たろう", "plus_ones": 3, "replies": 0}
    tools = comments_to_csv(pd.DataFrame([row]))
    shown = columns.comments_for_people(tools)
    for header in shown.columns:
        assert not SNAKE.match(str(header)), header
    values = shown.iloc[0].tolist()
    assert "maebashi" not in values and "mobility" not in values
    if language == "ja":
        assert "気になるところ" in values and "2026年11月1日 21:00" in values
        assert "移動・交通" in values
    else:
        assert "Concern" in values and "1 Nov 2026, 21:00" in values
        assert "移動・交通" not in values
    back = pd.read_csv(io.BytesIO(export.csv_bytes(shown)), encoding="utf-8-sig", dtype=str)
    text = back.iloc[0, list(shown.columns).index(i18n.t("col_c_text"))]
    assert text.startswith("'=")  # still formula-safe


def test_an_unknown_machine_column_cannot_reach_a_person_untranslated() -> None:
    with pytest.raises(KeyError):
        columns.header("brand_new_column")
