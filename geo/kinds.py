"""Facility kinds: what walking coverage is measured to, with the official default radii.

The vocabulary every layer shares (the bundle checks facility kinds against it, the access
engine measures them, the pages name them). Core: imports nothing from :mod:`geo`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "FREQUENT_DEPARTURES",
    "KINDS",
    "KIND_BY_KEY",
    "MAX_DISTANCE_M",
    "Kind",
    "default_radii",
]

#: Departures a day from which a bus stop counts as "frequent" (MLIT urban-structure handbook).
FREQUENT_DEPARTURES = 30
#: Farthest distance searched and reported (metres); farther is shown as "more than this".
#: No walking radius may exceed it.
MAX_DISTANCE_M = 3000.0


@dataclass(frozen=True)
class Kind:
    """A kind of facility whose walking coverage is measured.

    Attributes
    ----------
    key
        Stable identifier used in files and URLs.
    ja, en
        Display names.
    radius_m
        Default walking radius (official value where one exists).
    factor
        The Well-Being factor (Japanese name) this coverage informs.
    """

    key: str
    ja: str
    en: str
    radius_m: float
    factor: str


#: Facility kinds in display order, with the official default radii (MLIT: stations 800 m,
#: bus stops 300 m, general walking distance 800 m, shelters 500 m).
KINDS: tuple[Kind, ...] = (
    Kind("station", "鉄道駅", "Railway station", 800, "移動・交通"),
    Kind("bus_stop", "バス停", "Bus stop", 300, "移動・交通"),
    Kind("bus_stop_frequent", "バス停(運行本数の多い)", "Frequent bus stop", 300, "移動・交通"),
    Kind("medical", "医療施設", "Clinic / hospital", 800, "医療・福祉"),
    Kind("welfare", "福祉施設", "Welfare facility", 800, "医療・福祉"),
    Kind("commercial", "商業施設", "Supermarket / shop", 800, "買物・飲食"),
    Kind("nursery", "保育施設", "Nursery", 800, "子育て"),
    Kind("elementary_school", "小学校", "Elementary school", 800, "初等・中等教育"),
    Kind("junior_high_school", "中学校", "Junior high school", 800, "初等・中等教育"),
    Kind("high_school", "高等学校", "High school", 800, "初等・中等教育"),
    Kind("school", "学校(種別不明)", "School (level not given)", 800, "初等・中等教育"),
    Kind("park", "公園", "Park", 800, "公共空間"),
    Kind("community_hall", "公民館等", "Community hall", 800, "地域とのつながり"),
    Kind("shelter", "指定緊急避難場所", "Evacuation site", 500, "自然災害"),
)
KIND_BY_KEY: dict[str, Kind] = {k.key: k for k in KINDS}


def default_radii() -> dict[str, float]:
    """Official default radius (metres) of every kind."""
    return {k.key: k.radius_m for k in KINDS}
