"""What every part of the survey shares: area levels, attribute values, k, the sample label,
and how names and codes are compared."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from geo.privacy import ALL
from geo.settings import FRAMEWORK_DIR, SURVEY_MIN_N_DEFAULT, SURVEY_MIN_N_ENV, settings

__all__ = [
    "AGE_BANDS",
    "ALL",
    "CITY",
    "DEFAULT_MAPPING_PATH",
    "K_DEFAULT",
    "K_ENV",
    "LEVELS",
    "LEVEL_RES",
    "NO_ANSWER",
    "REQUIRED",
    "SAMPLE_LABEL",
    "SEXES",
    "Level",
    "min_k",
    "norm",
    "normalise_town",
]

Level = Literal["city", "h3_7", "h3_8", "town"]
#: Area systems offered on the map, coarsest first (``"city"`` is the whole city).
LEVELS: tuple[Level, ...] = ("h3_7", "h3_8", "town")
#: H3 resolution of each cell level.
LEVEL_RES: dict[str, int] = {"h3_7": 7, "h3_8": 8}
#: Area id of the whole city.
CITY = "city"
#: Canonical age bands and sexes (the mapping file says how files spell them).
AGE_BANDS: tuple[str, ...] = ("18-29", "30-39", "40-49", "50-59", "60-69", "70+")
SEXES: tuple[str, ...] = ("male", "female", "other")
#: Minimum number of respondents behind any published figure, unless configured higher.
K_DEFAULT = SURVEY_MIN_N_DEFAULT
#: Environment variable raising (never lowering below 5) the minimum group size.
K_ENV = SURVEY_MIN_N_ENV
#: Label carried by every output made from generated answers.
SAMPLE_LABEL = "サンプルデータ / sample data"
#: Answers that mean "no answer".
NO_ANSWER = frozenset({"", "-", "－", "無回答", "不明", "na", "n/a", "nan", "*"})
#: The documented column mapping shipped with the app.
DEFAULT_MAPPING_PATH = (
    FRAMEWORK_DIR / "survey_columns.toml"
)

REQUIRED = ("age_band", "sex", "town")
_KANJI = "〇一二三四五六七八九"


def min_k() -> int:
    """The configured minimum group size: ``DIORAMA_SURVEY_MIN_N`` (at least 5), else 10."""
    return settings().survey_min_n


def norm(value: object) -> str:
    """NFKC, no spaces, lower case: how headers and coded values are compared."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value))).lower()


def _kanji_number(n: int) -> str:
    if n < 10:
        return _KANJI[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _KANJI[tens]) + "十" + ("" if ones == 0 else _KANJI[ones])


def normalise_town(name: object) -> str:
    """A town name or code as compared by the importer.

    NFKC (full-width digits and letters become ASCII), spaces removed, and a chome number in
    Arabic digits written in kanji as the census does: ``千代田町２丁目`` → ``千代田町二丁目``.
    """
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(name)))
    return re.sub(r"(\d{1,2})丁目", lambda m: _kanji_number(int(m.group(1))) + "丁目", s)
