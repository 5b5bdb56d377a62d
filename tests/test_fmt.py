"""The one number formatter (geo.fmt): hand-worked examples."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import pytest

from geo import fmt


@pytest.mark.parametrize(("value", "shown"), [
    (0, "0"), (0.49, "0"), (0.5, "0"), (1.5, "2"), (112.7307, "113"),
    (103820.505, "103,821"), (321390, "321,390"), (-12.4, "-12"),
    (None, "—"), (math.nan, "—"), (math.inf, "—"), ("x", "—"),
])
def test_people_are_whole_with_separators(value, shown) -> None:
    assert fmt.people(value) == shown


def test_people_with_unit_in_both_languages() -> None:
    assert fmt.people(1234.6, "ja", unit=True) == "1,235人"
    assert fmt.people(1234.6, "en", unit=True) == "1,235 people"
    assert fmt.people(1.2, "en", unit=True) == "1 person"


def test_round_total_keeps_the_sum() -> None:
    # 0.4 + 0.4 + 0.2 = 1: each rounds to 0, the largest remainder (first 0.4) gets the 1
    assert fmt.round_total([0.4, 0.4, 0.2]) == [1, 0, 0]
    # 33.3 + 33.3 + 33.4 = 100: floors 33, 33, 33; shortfall 1 to 33.4
    assert fmt.round_total([33.3, 33.3, 33.4]) == [33, 33, 34]
    # 1.5 + 1.5 + 1.0 = 4: floors 1, 1, 1; shortfall 1 to the first .5
    assert fmt.round_total([1.5, 1.5, 1.0]) == [2, 1, 1]
    # the example: 112.7307 + 103,820.505 = 103,933.2357 -> 103,933; floors 112 and
    # 103,820 leave 1, given to the larger remainder (.7307): 113 + 103,820 (not 113 + 103,821)
    assert fmt.round_total([112.7307, 103820.505]) == [113, 103820]
    assert fmt.round_total([2.6, None, 1.6]) == [3, None, 1]
    assert fmt.round_total([]) == []


def test_round_total_on_many_parts() -> None:
    parts = [100 / 7] * 7  # 14.2857... each, total 100
    shown = fmt.round_total(parts)
    assert sum(shown) == 100 and sorted(shown) == [14] * 5 + [15] * 2


@pytest.mark.parametrize(("value", "shown"), [
    (0.323, "32.3%"), (0.3234, "32.3%"), (1, "100.0%"), (0, "0.0%"), (0.00049, "0.0%"),
    (None, "—"),
])
def test_rates_are_percent_with_one_decimal(value, shown) -> None:
    assert fmt.rate(value) == shown


def test_percent_points_and_changes() -> None:
    assert fmt.percent(12.345) == "12.3%"
    assert fmt.percent(-4.56, sign=True) == "-4.6%"
    assert fmt.points(0.0123) == "+1.2 pt"
    assert fmt.points(-0.0004) == "±0.0 pt"
    assert fmt.people_change(1234.5) == "+1,234"  # round half to even: 1234
    assert fmt.people_change(-0.4) == "±0"


@pytest.mark.parametrize(("value", "shown"), [
    (0, "0 m"), (4.9, "0 m"), (347.2, "350 m"), (994, "990 m"), (996, "1.0 km"),
    (1234, "1.2 km"), (12_345, "12.3 km"), (None, "—"),
])
def test_distances_in_metres_or_km(value, shown) -> None:
    assert fmt.distance(value) == shown


def test_dates_in_the_locale_form_and_japan_time() -> None:
    assert fmt.day(date(2026, 11, 1), "ja") == "2026年11月1日"
    assert fmt.day(date(2026, 11, 1), "en") == "1 Nov 2026"
    late = datetime(2026, 10, 31, 20, 30, tzinfo=UTC)  # 05:30 on 1 November in Japan
    assert fmt.day(late, "ja") == "2026年11月1日"
    assert fmt.stamp(late, "ja") == "2026年11月1日 05:30"
    assert fmt.stamp("2026-10-31T20:30:00+00:00", "en") == "1 Nov 2026, 05:30"
    assert fmt.day(None) == "—"


def test_months_and_chart_formats() -> None:
    assert fmt.month("2019-01", "ja") == "2019年1月"
    assert fmt.month("2021-12", "en") == "Dec 2021"
    assert fmt.month(date(2020, 5, 1), "ja") == "2020年5月"
    assert "%b" not in fmt.vega_month_format("ja")


def test_places_are_named() -> None:
    assert fmt.place("千代田町二丁目", "ja") == "千代田町二丁目周辺"
    assert fmt.place("千代田町二丁目", "en") == "near 千代田町二丁目"
    assert fmt.place(None, "ja") == "市内"
