"""The one number formatter (:mod:`geo.fmt`) in the session's language.

Pages and UI helpers show every number through these: people as whole numbers with
thousands separators, rates as percentages with one decimal, distances in m or km, dates in
the locale's form, places by name.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd

from geo import fmt
from geo.fmt import DASH, count, distance, people_change, percent, points, rate, round_total

from .i18n import lang

__all__ = ["DASH", "count", "day", "distance", "month", "people", "people_change",
           "people_column", "percent", "place", "points", "rate", "round_total", "stamp",
           "vega_month_format"]


def people(v: Any, *, unit: bool = False) -> str:
    """A head count (see :func:`geo.fmt.people`)."""
    return fmt.people(v, lang(), unit=unit)


def people_column(values: pd.Series) -> pd.Series:
    """A column of head counts as text, rounded by the largest remainder (the shown parts
    add up to the shown total of the column)."""
    return pd.Series([fmt.people(v) for v in round_total(list(values))], index=values.index,
                     dtype=object)


def day(when: date | datetime | str | None) -> str:
    """A date in the session's language."""
    return fmt.day(when, lang())


def stamp(when: datetime | str | None) -> str:
    """A moment (Japan time) in the session's language."""
    return fmt.stamp(when, lang())


def month(key: str | date) -> str:
    """A month (``"2019-01"``) in the session's language."""
    return fmt.month(key, lang())


def vega_month_format() -> str:
    """The d3 time format of month axes and tooltips in the session's language."""
    return fmt.vega_month_format(lang())


def place(town: str | None) -> str:
    """A place near a town, in the session's language."""
    return fmt.place(town, lang())
