"""Numbers, dates and places as people read them, in Japanese or English: the one formatter.

- **People** are whole numbers with thousands separators (``1,235``); they are rounded only
  for display, and a column of them is rounded by the largest remainder so that the shown
  parts add up to the shown total (:func:`round_total`).
- **Rates** are percentages with one decimal (``32.3%``); a change of a rate is in points.
- **Distances** are metres to the nearest 10 m under 1 km, else km with one decimal.
- **Dates** are in the locale's form (``2026年11月1日`` / ``1 Nov 2026``), times in Japan time.
- **Places** are named (``千代田町周辺`` / ``near 千代田町``), never a raw H3 id.

Missing figures (None, NaN, infinite) are an em dash. Pure functions of their arguments and
the language code (``"ja"`` or ``"en"``); :mod:`ui.format` binds the session's language.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

__all__ = [
    "DASH",
    "JST",
    "count",
    "day",
    "distance",
    "finite",
    "month",
    "people",
    "people_change",
    "percent",
    "place",
    "points",
    "rate",
    "round_total",
    "stamp",
    "vega_month_format",
]

DASH = "—"
"""What a missing figure shows."""
JST = ZoneInfo("Asia/Tokyo")
"""Times are shown in Japan time."""

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
              "Dec")


def finite(v: Any) -> float | None:
    """``v`` as a float, or None when it is missing, not a number or infinite."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def round_total(values: Sequence[Any]) -> list[int | None]:
    """Round people to whole numbers so that the rounded parts add up to the rounded total.

    Largest-remainder (Hamilton) method: every value is rounded down, then the shortfall
    ``round(sum) - sum(floors)`` is given, one each, to the values with the largest
    fractional parts (ties: the earlier value). Missing values stay ``None`` and count as 0.

    >>> round_total([0.4, 0.4, 0.2])
    [1, 0, 0]
    >>> round_total([1.5, 1.5, 1.0])
    [2, 1, 1]
    """
    nums = [finite(v) for v in values]
    present = [v for v in nums if v is not None]
    floors = [math.floor(v) if v is not None else None for v in nums]
    short = round(math.fsum(present)) - sum(f for f in floors if f is not None)
    order = sorted((i for i, v in enumerate(nums) if v is not None),
                   key=lambda i: (-(nums[i] - floors[i]), i))  # type: ignore[operator]
    out = list(floors)
    for i in order[:max(short, 0)]:
        out[i] += 1  # type: ignore[operator]
    for i in order[::-1][:max(-short, 0)]:  # negative values can round the sum down
        out[i] -= 1  # type: ignore[operator]
    return out


def people(v: Any, lang: str = "ja", *, unit: bool = False) -> str:
    """A head count: ``1,235`` (with ``unit``: ``1,235人`` / ``1,235 people``)."""
    f = finite(v)
    if f is None:
        return DASH
    n = f"{round(f):,d}"
    if not unit:
        return n
    return f"{n}人" if lang == "ja" else f"{n} {'person' if round(f) == 1 else 'people'}"


def people_change(v: Any) -> str:
    """A change in people with its sign: ``+1,235``, ``-12``, ``±0``."""
    f = finite(v)
    if f is None:
        return DASH
    r = round(f)
    return "±0" if r == 0 else f"{r:+,d}"


def count(v: Any) -> str:
    """A count of things (facilities, cells, comments): ``1,234``."""
    return people(v)


def rate(fraction: Any, *, digits: int = 1) -> str:
    """A share as a percentage: ``0.3234`` → ``32.3%``."""
    f = finite(fraction)
    return DASH if f is None else f"{f * 100:,.{digits}f}%"


def percent(value: Any, *, digits: int = 1, sign: bool = False) -> str:
    """A figure that is already in percent: ``32.34`` → ``32.3%`` (``+32.3%`` with sign)."""
    f = finite(value)
    if f is None:
        return DASH
    return f"{f:+,.{digits}f}%" if sign else f"{f:,.{digits}f}%"


def points(fraction_change: Any) -> str:
    """A change of a rate in percentage points: ``0.0123`` → ``+1.2 pt``."""
    f = finite(fraction_change)
    if f is None:
        return DASH
    r = round(f * 100, 1)
    return "±0.0 pt" if r == 0 else f"{r:+.1f} pt"


def distance(metres: Any) -> str:
    """A walking distance: ``347.2`` → ``350 m``; ``1234`` → ``1.2 km``."""
    f = finite(metres)
    if f is None:
        return DASH
    if round(f, -1) < 1000:
        return f"{round(f, -1):,.0f} m"
    return f"{f / 1000:,.1f} km"


def _to_date(when: date | datetime | str) -> date:
    if isinstance(when, str):
        when = datetime.fromisoformat(when)
    if isinstance(when, datetime):
        return (when.astimezone(JST) if when.tzinfo else when).date()
    return when


def day(when: date | datetime | str | None, lang: str = "ja") -> str:
    """A date: ``2026年11月1日`` / ``1 Nov 2026`` (an aware time is taken in Japan time)."""
    if when is None or (isinstance(when, float) and math.isnan(when)):
        return DASH
    d = _to_date(when)
    if lang == "ja":
        return f"{d.year}年{d.month}月{d.day}日"
    return f"{d.day} {_MONTHS_EN[d.month - 1]} {d.year}"


def stamp(when: datetime | str | None, lang: str = "ja") -> str:
    """A moment: ``2026年11月1日 21:00`` / ``1 Nov 2026, 21:00`` (Japan time)."""
    if when is None or (isinstance(when, float) and math.isnan(when)):
        return DASH
    if isinstance(when, str):
        when = datetime.fromisoformat(when)
    local = when.astimezone(JST) if when.tzinfo else when
    sep = " " if lang == "ja" else ", "
    return f"{day(local, lang)}{sep}{local:%H:%M}"


def month(key: str | date, lang: str = "ja") -> str:
    """A month: ``"2019-01"`` → ``2019年1月`` / ``Jan 2019``."""
    if isinstance(key, date):
        y, m = key.year, key.month
    else:
        y, m = (int(x) for x in str(key)[:7].split("-"))
    return f"{y}年{m}月" if lang == "ja" else f"{_MONTHS_EN[m - 1]} {y}"


def vega_month_format(lang: str = "ja") -> str:
    """A d3 time format for month axes and tooltips that needs no locale (numbers in ja)."""
    return "%Y年%-m月" if lang == "ja" else "%b %Y"


def place(town: str | None, lang: str = "ja") -> str:
    """A place near a town: ``千代田町周辺`` / ``near 千代田町`` (empty town: the city)."""
    if not town:
        return "市内" if lang == "ja" else "in the city"
    return f"{town}周辺" if lang == "ja" else f"near {town}"


def join(items: Iterable[str], lang: str = "ja") -> str:
    """A list in words: ``A、B`` / ``A, B``."""
    return ("、" if lang == "ja" else ", ").join(items)
