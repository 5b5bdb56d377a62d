"""The indicator definition: 24 factors in 3 groups, questions, factor ↔ KPI mapping, versions."""

from __future__ import annotations

import tomllib

import pytest

import geo.participation.store.models as models
from geo.kinds import KINDS
from geo.participation.framework import (
    DEFAULT_PATH,
    FACTOR_KEYS,
    FACTORS,
    FRAMEWORK,
    FrameworkError,
    kind_mismatches,
    load_framework,
    parse_framework,
)

#: The factor list the comment store shipped with before the framework became data: keys and
#: names must never change (they are stored in the database).
STORE_FACTORS = [
    ("生活環境", "medical_welfare", "医療・福祉", "Medical care & welfare"),
    ("生活環境", "shopping_dining", "買物・飲食", "Shopping & dining"),
    ("生活環境", "housing", "住宅環境", "Housing"),
    ("生活環境", "mobility", "移動・交通", "Mobility & transport"),
    ("生活環境", "recreation", "遊び・娯楽", "Recreation & entertainment"),
    ("生活環境", "childcare", "子育て", "Child-rearing"),
    ("生活環境", "school_education", "初等・中等教育", "Primary & secondary education"),
    ("生活環境", "local_government", "地域行政", "Local government"),
    ("生活環境", "digital_life", "デジタル生活", "Digital life"),
    ("生活環境", "public_space", "公共空間", "Public space"),
    ("生活環境", "townscape", "都市景観", "Townscape"),
    ("生活環境", "natural_landscape", "自然景観", "Natural landscape"),
    ("生活環境", "natures_bounty", "自然の恵み", "Nature's bounty"),
    ("生活環境", "environmental_harmony", "環境共生", "Living in harmony with nature"),
    ("生活環境", "natural_disasters", "自然災害", "Natural disasters"),
    ("生活環境", "accidents_crime", "事故・犯罪", "Accidents & crime"),
    ("地域の人間関係", "community_ties", "地域とのつながり", "Ties with the community"),
    ("地域の人間関係", "diversity_tolerance", "多様性と寛容性", "Diversity & tolerance"),
    ("自分らしい生き方", "self_efficacy", "自己効力感", "Self-efficacy"),
    ("自分らしい生き方", "health", "健康状態", "Health"),
    ("自分らしい生き方", "culture_arts", "文化・芸術", "Culture & arts"),
    ("自分らしい生き方", "learning_opportunities", "教育機会の豊かさ", "Learning opportunities"),
    ("自分らしい生き方", "employment_income", "雇用・所得", "Employment & income"),
    ("自分らしい生き方", "business_creation", "事業創造", "Business creation"),
]


def test_the_24_factors_are_the_stores_factors() -> None:
    assert [(f.group, f.key, f.ja, f.en) for f in FACTORS] == STORE_FACTORS
    assert models.FACTORS is FACTORS
    assert models.FACTOR_KEYS == FACTOR_KEYS
    assert models.factor_by_key("mobility") is FACTORS[3]
    assert [g.ja for g in FRAMEWORK.groups] == ["生活環境", "地域の人間関係", "自分らしい生き方"]


def test_framework_is_versioned_data() -> None:
    raw = tomllib.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    assert FRAMEWORK.id == raw["id"] == "lwc"
    assert FRAMEWORK.version == raw["version"]
    assert FRAMEWORK.path == DEFAULT_PATH
    assert FRAMEWORK.wording_note_ja  # the paraphrase is declared


def test_questions_number_fifty() -> None:
    # two 1–5 items per factor, then the two 0–10 headline questions: 50 in all
    assert len(FRAMEWORK.items) == 48
    assert all(len(FRAMEWORK.items_of(k)) == 2 for k in FACTOR_KEYS)
    assert [i.code for i in FRAMEWORK.items[:3]] == ["Q01", "Q02", "Q03"]
    assert FRAMEWORK.items_of("mobility")[0].code == "Q07"
    assert [(h.key, h.code, h.low, h.high) for h in FRAMEWORK.headlines] == [
        ("life_satisfaction", "Q49", 0, 10), ("happiness", "Q50", 0, 10)]
    assert FRAMEWORK.scale_of("mobility") == (1, 5)
    assert FRAMEWORK.scale_of("happiness") == (0, 10)
    assert FRAMEWORK.measures[:2] == ("life_satisfaction", "happiness")
    assert FRAMEWORK.label("childcare", lang="en") == "Child-rearing"


def test_factor_to_objective_kpis() -> None:
    assert FRAMEWORK.kinds["mobility"] == ("station", "bus_stop", "bus_stop_frequent")
    assert FRAMEWORK.kinds["medical_welfare"] == ("medical", "welfare")
    assert FRAMEWORK.kinds["childcare"] == ("nursery",)
    assert FRAMEWORK.factors_of_kind("park") == ("public_space",)
    assert FRAMEWORK.kinds["housing"] == ()  # no coverage KPI, only named other KPIs
    assert "平均住宅地価" in FRAMEWORK.other_kpis["housing"]


def test_kpi_mapping_agrees_with_the_coverage_kinds() -> None:
    pairs = [(k.key, k.factor) for k in KINDS]
    assert kind_mismatches(FRAMEWORK, pairs) == []
    wrong = kind_mismatches(FRAMEWORK, [*pairs[:-1], ("shelter", "公共空間")])
    assert wrong == ["kind 'shelter' belongs to '公共空間' but the framework maps it to "
                     "('natural_disasters',)"]


BASE = """
id = "t"
version = "2022"
title_ja = "テスト"
title_en = "Test"
[[groups]]
key = "g"
ja = "群"
en = "G"
[[headlines]]
key = "ls"
ja = "満足"
en = "LS"
question_ja = "q"
question_en = "q"
scale = [0, 10]
"""


def factor(key: str, group: str = "g", items: str = '[["a", "b"]]') -> str:
    return (f'[[factors]]\nkey = "{key}"\ngroup = "{group}"\nja = "{key}"\nen = "{key}"\n'
            f"items = {items}\n")


def test_another_edition_loads_from_its_file(tmp_path) -> None:
    path = tmp_path / "lwc_2022.toml"
    path.write_text(BASE + factor("walk") + factor("parks"), encoding="utf-8")
    fw = load_framework(path)
    assert (fw.id, fw.version, fw.factor_keys) == ("t", "2022", ("walk", "parks"))
    assert [i.id for i in fw.items] == ["walk_1", "parks_1"]
    assert fw.headlines[0].code == "Q03"
    assert FRAMEWORK.factor_keys == FACTOR_KEYS  # the shipped one is untouched


@pytest.mark.parametrize(("body", "message"), [
    (factor("a") + factor("a"), "factor 2: duplicate factor key 'a'"),
    (factor("a", group="nope"), "factor 1 (a): unknown group 'nope'"),
    (factor("a", items='["just one string"]'), "factor 1 (a) item 1: write items as [ja, en]"),
    (factor("a", items="[]"), "factor 1 (a): a factor needs at least one item"),
    (factor("ls"), "factor and headline keys must all differ"),
    ("", "no factors"),
])
def test_malformed_framework_is_refused_with_the_entry(body: str, message: str) -> None:
    with pytest.raises(FrameworkError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]")):
        parse_framework(tomllib.loads(BASE + body), file="x.toml")
