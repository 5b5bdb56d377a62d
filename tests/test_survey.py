"""Survey import, scoring, aggregation, suppression under k, intervals and the gap view."""

from __future__ import annotations

import io
import math
import tomllib

import h3
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from geo.errors import InputError
from geo.ingest import bundle
from geo.participation import survey
from geo.participation.framework import FRAMEWORK, parse_framework
from geo.samples.survey import generate, sample_path

# --- a tiny framework, towns and areas that can be worked by hand ------------------------------

TINY = parse_framework(tomllib.loads("""
id = "tiny"
version = "1"
title_ja = "t"
title_en = "t"
[[groups]]
key = "living"
ja = "生活環境"
en = "Living"
[[headlines]]
key = "life_satisfaction"
ja = "生活満足度"
en = "Life satisfaction"
question_ja = "q"
question_en = "q"
scale = [0, 10]
[[factors]]
key = "mobility"
group = "living"
ja = "移動・交通"
en = "Mobility"
kinds = ["bus_stop"]
items = [["a", "a"], ["b", "b"]]
[[factors]]
key = "health"
group = "living"
ja = "健康状態"
en = "Health"
items = [["c", "c"]]
"""), file="tiny.toml")

TOWNS = pd.DataFrame({"town_code": ["A01", "B02", "C03"],
                      "name": ["千代田町二丁目", "大手町", "上泉町"]})
#: Towns A and B lie in res-8 cell X, town C in Y; X and Y in res-7 cell P.
AREAS = pd.DataFrame({"name": ["千代田町二丁目", "大手町", "上泉町"], "h3_8": ["X", "X", "Y"],
                      "h3_7": ["P", "P", "P"]}, index=pd.Index(["A01", "B02", "C03"],
                                                               name="town_code"))
HEADER = "回答者ID,年代,性別,居住地域,Q01,Q02,Q03,生活満足度\n"


def rows(*lines: str) -> str:
    return HEADER + "".join(line + "\n" for line in lines)


def tiny_import(text: str, *, encoding: str = "utf-8") -> survey.SurveyImport:
    return survey.import_survey(text.encode(encoding), towns=TOWNS, file="s.csv",
                                framework=TINY)


def tiny_data(text: str, *, k: int) -> survey.SurveyData:
    imp = tiny_import(text)
    assert imp.problems == ()
    return survey.prepare(imp.responses, areas=AREAS, k=k, framework=TINY)


# --- import -----------------------------------------------------------------------------------

GOOD = rows(
    "1,30代,女性,千代田町２丁目,2,2,5,7",      # full-width digit and Arabic chome number
    "2,30〜39歳,男性,千代田町二丁目,3,3,4,8",
    "3,70歳以上,女,A01,3,無回答,3,6",          # the town by code, a blank answer
    "4,18〜29歳,回答しない,大手町,4,4,,",
)


def test_cp932_and_utf8_bom_import_identically() -> None:
    a = tiny_import(GOOD, encoding="cp932")
    b = survey.import_survey(GOOD.encode("utf-8-sig"), towns=TOWNS, file="s.csv",
                             framework=TINY)
    assert (a.encoding, b.encoding) == ("cp932", "utf-8-sig")
    pd.testing.assert_frame_equal(a.responses, b.responses)
    assert a.problems == b.problems == ()
    r = a.responses
    assert r["town_code"].tolist() == ["A01", "A01", "A01", "B02"]
    assert r["age_band"].tolist() == ["30-39", "30-39", "70+", "18-29"]
    assert r["sex"].tolist() == ["female", "male", "female", "other"]
    assert r["mobility_2"].isna().tolist() == [False, False, True, False]
    assert math.isnan(r.at[3, "life_satisfaction"])


def test_nfc_normalisation_of_decomposed_text() -> None:
    # "大手町" is plain, but a decomposed kana voiced mark must still match after NFC
    towns = pd.DataFrame({"town_code": ["D04"], "name": ["ガ町"]})
    text = (HEADER + "1,30代,男性,カ\u3099町,1,1,1,1\n").encode("utf-8")
    imp = survey.import_survey(text, towns=towns, file="s.csv", framework=TINY)
    assert imp.problems == () and imp.responses["town_code"].tolist() == ["D04"]


def test_five_kinds_of_error_give_five_located_messages() -> None:
    text = ("回答者ID,年代,性別,居住地域,Q01,Q02,生活満足度\n"     # Q03 is missing
            "1,30代,女性,大手町,6,2,5\n"                           # answer out of range
            "2,30代,女性,大手町,3,よい,5\n"                         # not a number
            "3,30代,女性,存在しない町,3,3,5\n"                      # unknown town
            "4,30代,不詳X,大手町,3,3,5\n"                           # unknown sex
            "5,30代,男性,大手町,3,3,5\n")
    imp = survey.import_survey(text.encode("cp932"), towns=TOWNS, file="s.csv",
                               framework=TINY)
    located = [(p.row, p.column) for p in imp.problems]
    assert located == [(0, "Q03"), (1, "Q01"), (2, "Q02"), (3, "居住地域"), (4, "性別")]
    assert all(p.file == "s.csv" for p in imp.problems)
    assert "out of range" in imp.problems[1].message
    assert "unknown town '存在しない町'" in imp.problems[3].message
    # rows with a bad attribute are left out; a bad answer is left blank
    assert imp.responses["respondent"].tolist() == ["1", "2", "5"]
    assert imp.skipped == 2
    assert math.isnan(imp.responses.at[0, "mobility_1"])
    with pytest.raises(InputError) as err:
        survey.read_survey(text.encode("cp932"), towns=TOWNS, file="s.csv", framework=TINY)
    assert len(err.value.problems) == 5
    assert "s.csv, row 3, column '居住地域'" in str(err.value)


def test_more_problems_are_all_reported() -> None:
    text = ("ID,年代,性別,Q01,Q02,Q03,生活満足度\n"           # no town column at all
            "1,99代,男性,1,1,1,11\n"                          # bad age band, LS above 10
            "1,30代,男性,1,1,1.5,3\n")                        # duplicate id, half answer
    imp = survey.import_survey(text.encode(), towns=TOWNS, file="s.csv", framework=TINY)
    assert [(p.row, p.column) for p in imp.problems] == [
        (0, "town"), (1, "年代"), (1, "生活満足度"), (2, "ID"), (2, "Q03")]
    assert imp.responses.empty


def test_town_names_are_normalised() -> None:
    assert survey.normalise_town("千代田町２丁目") == "千代田町二丁目"
    assert survey.normalise_town(" 大友町 12丁目") == "大友町十二丁目"
    assert survey.normalise_town("本町20丁目") == "本町二十丁目"
    assert survey.normalise_town("ＡＢ１２") == "AB12"


def test_a_mapping_file_renames_columns_and_values() -> None:
    mapping = survey.parse_mapping("""
[columns]
age_band = ["年齢"]
sex = ["性"]
town = ["地区"]
life_satisfaction = ["満足度"]
[items]
mobility_1 = ["問7(1)"]
[values.sex]
female = ["F"]
""")
    text = "年齢,性,地区,問7(1),Q02,Q03,満足度\n30代,F,大手町,5,4,3,9\n"
    imp = survey.import_survey(text.encode(), towns=TOWNS, file="m.csv", framework=TINY,
                               mapping=mapping)
    assert imp.problems == ()
    assert imp.responses.iloc[0][["sex", "mobility_1", "life_satisfaction"]].tolist() == [
        "female", 5.0, 9.0]
    with pytest.raises(InputError, match="not one of"):
        survey.parse_mapping('[values.sex]\nwoman = ["W"]\n')


def test_the_shipped_mapping_documents_every_field() -> None:
    text = survey.DEFAULT_MAPPING_PATH.read_text(encoding="utf-8")
    for field in ("respondent", "age_band", "sex", "town", "life_satisfaction", "happiness"):
        assert field in text
    m = survey.load_mapping()
    assert m.values["age_band"]["20代"] == "18-29"


def test_published_aggregate_form() -> None:
    text = ("市区町村名,年度,年代,性別,回答者数,移動・交通,健康状態,生活満足度\n"
            "前橋市,2024,全体,全体,\"1,100\",3.1,3.4,6.2\n"
            "前橋市,2024,30代,女性,58,2.9,3.5,6.0\n"
            "前橋市,2024,70歳以上,その他,4,3.0,3.0,7.0\n"
            "前橋市,2024,30代,男性,abc,3.0,3.0,7.0\n"
            "前橋市,2024,30代,男性,40,6.0,3.0,7.0\n")
    agg = survey.import_aggregate(text.encode("cp932"), file="agg.csv", framework=TINY)
    assert [(p.row, p.column) for p in agg.problems] == [(4, "回答者数"), (5, "移動・交通")]
    f = agg.frame
    assert f["n"].tolist() == [1100, 58, 4]
    assert f[["age_band", "sex"]].values.tolist() == [["*", "*"], ["30-39", "female"],
                                                       ["70+", "other"]]
    pub = survey.published_aggregate(f, k=10)
    assert pub["n"].tolist() == [1100, 58]


# --- scoring, aggregation and intervals -------------------------------------------------------


def test_factor_score_is_the_mean_of_answered_items() -> None:
    imp = tiny_import(GOOD)
    s = survey.scores(imp.responses, framework=TINY)
    assert s["mobility"].tolist() == [2.0, 3.0, 3.0, 4.0]  # row 3 has only item 1 (3)
    assert s["health"].tolist()[:3] == [5.0, 4.0, 3.0] and math.isnan(s["health"][3])
    assert list(s.columns) == ["life_satisfaction", "mobility", "health"]


HAND = rows(
    "1,30代,女性,千代田町二丁目,2,2,5,7",
    "2,30代,女性,千代田町二丁目,3,3,4,8",
    "3,30代,女性,千代田町二丁目,3,3,3,6",
    "4,30代,女性,千代田町二丁目,4,4,1,9",
    "5,30代,女性,大手町,1,1,2,3",
    "6,30代,女性,大手町,5,5,2,5",
    "7,30代,女性,大手町,3,3,2,4",
    "8,30代,女性,上泉町,1,1,1,1",
)


def test_aggregation_matches_a_hand_computed_case() -> None:
    data = tiny_data(HAND, k=3)
    town = survey.area_stats(data, level="town")
    a = town.loc[("A01", "mobility")]
    # scores 2, 3, 3, 4: mean 3, sd √(2/3) = 0.8165; t(0.975, 3) = 3.1824
    assert a["n"] == 4 and a["mean"] == 3.0
    assert a["sd"] == pytest.approx(math.sqrt(2 / 3))
    assert a["ci_low"] == pytest.approx(3 - 3.182446 * math.sqrt(2 / 3) / 2, abs=1e-5)
    assert a["ci_high"] == pytest.approx(4.29923, abs=1e-5)
    dist = survey.distribution(data, level="town", measure="mobility")
    assert dist.loc["A01"].tolist() == [4, 0, 0.25, 0.5, 0.25, 0]  # n, shares of 1…5
    city = survey.area_stats(data, level="city")
    assert city.loc[("city", "life_satisfaction"), "mean"] == pytest.approx(43 / 8)
    assert city.loc[("city", "mobility"), "n"] == 8


def test_secondary_suppression_by_hand() -> None:
    # k = 3: town C (1 person) and cell Y (the same person) are too small. P (8) is published,
    # so X (7) must stay unknown or P − X reveals Y; X = A + B, so town B (the smaller) goes.
    data = tiny_data(HAND, k=3)
    d = data.disclosure
    whole = d[(d["age_band"] == "*") & (d["sex"] == "*")].set_index(["level", "area"])
    assert whole["n"].to_dict() == {("city", "city"): 8, ("h3_7", "P"): 8, ("h3_8", "X"): 7,
                                    ("h3_8", "Y"): 1, ("town", "A01"): 4, ("town", "B02"): 3,
                                    ("town", "C03"): 1}
    shown = {key for key, ok in whole["shown"].items() if ok}
    assert shown == {("city", "city"), ("h3_7", "P"), ("town", "A01")}
    assert list(survey.area_stats(data, level="h3_8").index.unique("area")) == []
    assert list(survey.area_stats(data, level="town").index.unique("area")) == ["A01"]


def test_interval_narrows_as_n_grows() -> None:
    ns = [2, 5, 10, 30, 100, 400, 1000]
    lo, hi = survey.mean_interval([3.0] * len(ns), [1.0] * len(ns), ns)
    widths = hi - lo
    assert all(np.diff(widths) < 0)
    # the rule of thumb in the domain notes: n = 400, sd ≈ 1 → about ±0.10
    assert widths[ns.index(400)] / 2 == pytest.approx(0.0983, abs=1e-3)
    assert np.isnan(survey.mean_interval(3.0, 1.0, 1)[0])
    # and through the aggregation: the same answers, repeated, give a narrower interval
    one = tiny_data(HAND, k=1)
    body = HAND[len(HEADER):].splitlines()
    many = tiny_data(HEADER + "".join(f"{r}-{line}\n" for r in range(10) for line in body),
                     k=1)
    w1 = survey.area_stats(one, level="city").loc[("city", "mobility")]
    w10 = survey.area_stats(many, level="city").loc[("city", "mobility")]
    assert w1["mean"] == pytest.approx(w10["mean"])
    assert (w10["ci_high"] - w10["ci_low"]) < (w1["ci_high"] - w1["ci_low"]) / 3


# --- suppression holds everywhere -------------------------------------------------------------


@pytest.fixture(scope="module")
def maebashi() -> bundle.CityBundle:
    return bundle.load("maebashi")


@pytest.fixture(scope="module")
def sample(maebashi) -> survey.SurveyData:
    imp = survey.import_survey(sample_path("maebashi"), towns=maebashi.towns)
    areas = survey.town_areas(maebashi.towns, maebashi.pieces)
    return survey.prepare(imp.responses, areas=areas, k=10, sample=True)


SLICES = [(None, None), ("70+", None), (None, "other"), ("30-39", "male")]


@pytest.mark.parametrize("level", ["city", *survey.LEVELS])
def test_no_group_under_k_in_any_output(sample, level) -> None:
    k = sample.k
    for age, sex in SLICES:
        stats = survey.area_stats(sample, level=level, age_band=age, sex=sex)
        assert (stats["n"] >= k).all()
        areas = set(stats.index.unique("area"))
        d = sample.disclosure
        allowed = set(d[(d["level"] == level) & (d["age_band"] == (age or "*"))
                        & (d["sex"] == (sex or "*")) & d["shown"]]["area"])
        assert areas <= allowed
        for measure in ("mobility", "life_satisfaction"):
            dist = survey.distribution(sample, level=level, measure=measure, age_band=age,
                                       sex=sex)
            assert (dist["n"] >= k).all() and set(dist.index) <= areas
        table = survey.area_table(sample, level=level, age_band=age, sex=sex)
        assert (table["n"] >= k).all() and set(table.index) <= allowed
        csv = pd.read_csv(io.BytesIO(survey.export_csv(sample, level=level, age_band=age,
                                                       sex=sex)), encoding="utf-8-sig",
                          dtype={"area": str})
        assert (csv["n"] >= k).all() and set(csv["area"]) <= allowed
        assert (csv["data_note"] == survey.SAMPLE_LABEL).all()
        if len(stats):
            one = stats.xs("mobility", level="measure")
            gap = survey.gap_view(one, city_mean=3.0)
            assert (gap["n"] >= k).all()


def test_export_csv_is_formula_safe(sample) -> None:
    """An area name from a file (a town name such as '=HYPERLINK(...)') stays text."""
    table = survey.area_table(sample, level="town")
    names = dict.fromkeys(table.index, '=HYPERLINK("http://x")')
    csv = pd.read_csv(io.BytesIO(survey.export_csv(sample, level="town", names=names)),
                      encoding="utf-8-sig", dtype=str)
    assert len(csv) and (csv["name"] == '\'=HYPERLINK("http://x")').all()


def audit(placed: pd.DataFrame, disc: pd.DataFrame, *, k: int) -> list[str]:
    """Exact (LP) range of each suppressed group, and of the suppressed remainder of every split,
    given the published counts; anything pinned to 1…k−1 people is a leak."""
    # unknowns: every town × age band × sex, including empty ones (which groups are empty is
    # not published, so an attacker cannot assume it)
    leaves = pd.MultiIndex.from_product(
        [sorted(set(placed["town"])), sorted(set(placed["age_band"])), sorted(set(placed["sex"]))],
        names=["town", "age_band", "sex"]).to_frame(index=False)
    chain = placed.drop_duplicates("town").set_index("town")
    cols = {"town": leaves["town"].to_numpy(), "age": leaves["age_band"].to_numpy(),
            "sex": leaves["sex"].to_numpy()}
    for lvl in ("h3_8", "h3_7", "city"):
        cols[lvl] = chain.loc[leaves["town"], lvl].to_numpy()

    def vec(level: str, area: str, age: str, sex: str) -> np.ndarray:
        m = cols[level] == area
        if age != "*":
            m &= cols["age"] == age
        if sex != "*":
            m &= cols["sex"] == sex
        return m.astype(float)

    rows_ = list(disc.itertuples(index=False))
    published = [r for r in rows_ if r.shown]
    if not published:
        return []
    a_eq = np.array([vec(r.level, r.area, r.age_band, r.sex) for r in published])
    b_eq = np.array([r.n for r in published], dtype=float)

    def pinned(v: np.ndarray) -> float | None:
        lo = linprog(v, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        hi = linprog(-v, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        assert lo.status == 0 and hi.status == 0
        return lo.fun if abs(lo.fun + hi.fun) < 1e-6 else None

    leaks = []
    hidden = [r for r in rows_ if not r.shown]
    for r in hidden:
        value = pinned(vec(r.level, r.area, r.age_band, r.sex))
        if value is not None and 0.5 < value < k - 0.5:
            leaks.append(f"{tuple(r)} is pinned to {value}")
    # remainders: a published total minus its published parts, one dimension at a time
    finer = {"city": "h3_7", "h3_7": "h3_8", "h3_8": "town"}
    for r in published:
        splits = []
        if r.level in finer:
            splits.append([h for h in hidden if h.level == finer[r.level]
                           and h.age_band == r.age_band and h.sex == r.sex
                           and (vec(h.level, h.area, "*", "*") <= vec(r.level, r.area, "*", "*"))
                           .all()])
        if r.age_band == "*":
            splits.append([h for h in hidden if (h.level, h.area, h.sex) == (r.level, r.area,
                                                                             r.sex)
                           and h.age_band != "*"])
        if r.sex == "*":
            splits.append([h for h in hidden if (h.level, h.area, h.age_band) == (
                r.level, r.area, r.age_band) and h.sex != "*"])
        for parts in splits:
            if len(parts) > 1:
                v = sum(vec(h.level, h.area, h.age_band, h.sex) for h in parts)
                value = pinned(v)
                if value is not None and 0.5 < value < k - 0.5:
                    leaks.append(f"{tuple(r)} minus its published parts is pinned to {value}")
    return leaks


@st.composite
def small_surveys(draw):
    n_towns = draw(st.integers(2, 5))
    cells8 = draw(st.lists(st.sampled_from(["X", "Y", "Z"]), min_size=n_towns,
                           max_size=n_towns))
    parent7 = {"X": "P", "Y": "P", "Z": draw(st.sampled_from(["P", "Q"]))}
    people = []
    for t_ in range(n_towns):
        for _ in range(draw(st.integers(0, 12))):
            people.append({"town": f"T{t_}", "h3_8": cells8[t_], "h3_7": parent7[cells8[t_]],
                           "age_band": draw(st.sampled_from(["30-39", "70+"])),
                           "sex": draw(st.sampled_from(["male", "female", "other"]))})
    k = draw(st.integers(2, 6))
    return pd.DataFrame(people, columns=["town", "h3_8", "h3_7", "age_band", "sex"]), k


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_surveys())
def test_suppression_survives_an_exact_audit(case) -> None:
    placed, k = case
    placed = placed.assign(city="city")
    if placed.empty:
        return
    disc = survey.disclosure(placed, k=k)
    assert not ((disc["n"] < k) & disc["shown"]).any()  # primary
    assert audit(placed, disc, k=k) == []              # nothing small can be worked out


# --- areas, comments, gap view ----------------------------------------------------------------


def test_each_town_lies_in_the_cell_holding_most_of_its_people(maebashi) -> None:
    areas = survey.town_areas(maebashi.towns, maebashi.pieces)
    assert len(areas) == len(maebashi.towns) == areas.index.nunique()
    code = maebashi.towns.loc[maebashi.towns["name"] == "元総社町", "town_code"].iloc[0]
    p = maebashi.pieces[maebashi.pieces["town_code"] == code]
    by8 = p.groupby([h3.cell_to_parent(h3.int_to_str(int(c)), 8) for c in p["cell"]])[
        "value"].sum()
    assert areas.at[code, "h3_8"] == by8.idxmax()
    assert all(h3.cell_to_parent(c8, 7) == c7 for c8, c7 in zip(areas["h3_8"], areas["h3_7"],
                                                                 strict=True))
    # a town without population is placed by its polygon
    nopop = maebashi.towns[maebashi.towns["population"].isna()]
    assert len(nopop) == 4 and nopop["town_code"].isin(areas.index).all()


def test_comments_are_counted_per_area() -> None:
    base = h3.latlng_to_cell(36.3895, 139.0634, 9)
    fine = h3.cell_to_center_child(base, 10)
    far = h3.latlng_to_cell(36.45, 139.19, 9)
    comments = pd.DataFrame({
        "cell": [base, fine, far, base, h3.cell_to_parent(base, 7)],
        "town_code": ["A01", None, "C03", "A01", None],
        "kind": ["concern", "concern", "good", "idea", "good"],
        "parent_id": [None, None, None, 1, None],   # the 4th is a reply: not counted
    })
    res8 = survey.comments_by_area(comments, level="h3_8")
    assert res8.loc[h3.cell_to_parent(base, 8)].tolist() == [2, 0, 2, 0]
    assert res8.loc[h3.cell_to_parent(far, 8)].tolist() == [1, 1, 0, 0]
    assert res8["count"].sum() == 3  # the res-7 comment cannot be placed in a res-8 cell
    towns = survey.comments_by_area(comments, level="town", cell_town={base: "B02"})
    assert towns.to_dict("index") == {"A01": {"count": 1, "good": 0, "concern": 1, "idea": 0},
                                      "B02": {"count": 1, "good": 0, "concern": 1, "idea": 0},
                                      "C03": {"count": 1, "good": 1, "concern": 0, "idea": 0}}
    assert survey.comments_by_area(comments, level="city").loc["city", "count"] == 4


def test_gap_view_flags_mismatches_and_never_sorts_by_score() -> None:
    stats = pd.DataFrame({"n": [40, 30, 25, 50], "mean": [2.5, 3.6, 3.1, 3.0],
                          "ci_low": [2.3, 3.4, 2.8, 2.8], "ci_high": [2.7, 3.8, 3.4, 3.2]},
                         index=pd.Index(["c", "a", "d", "b"], name="area"))
    objective = pd.Series({"a": 0.2, "b": 0.9, "c": 0.8, "d": 0.5})
    comments = pd.DataFrame({"count": [5, 1], "good": [1, 1], "concern": [4, 0], "idea": [0, 0]},
                            index=["c", "a"])
    gap = survey.gap_view(stats, city_mean=3.0, objective=objective, city_rate=0.6,
                          comments=comments)
    assert list(gap.index) == ["c", "a", "d", "b"]
    assert gap["subjective"].tolist() == ["below", "above", "similar", "similar"]
    assert gap["objective_vs_city"].tolist() == ["higher", "lower", "lower", "higher"]
    assert gap.loc["c", "flags"] == ("kpi_high_score_low", "concerns_cluster")
    assert gap.loc["a", "flags"] == ("kpi_low_score_high",)
    assert gap.loc["d", "flags"] == () and gap.loc["b", "flags"] == ()
    assert gap.loc["c", "concern_share"] == 0.8 and gap.loc["c", "tone"] == -0.6
    assert math.isnan(gap.loc["b", "tone"])


# --- the sample -------------------------------------------------------------------------------


def test_sample_file_is_the_documented_labelled_sample(maebashi) -> None:
    path = sample_path("maebashi")
    imp = survey.import_survey(path, towns=maebashi.towns)
    assert imp.problems == () and imp.encoding == "utf-8-sig"
    assert len(imp.responses) == 1100
    meta = path.with_suffix(".meta.json").read_text(encoding="utf-8")
    assert survey.SAMPLE_LABEL in meta and '"seed": 20250630' in meta
    # spread over towns by real population: big towns get more respondents
    per_town = imp.responses["town_code"].value_counts()
    pop = maebashi.towns.set_index("town_code")["population"].astype(float)
    assert np.corrcoef(per_town.reindex(pop.index).fillna(0), pop.fillna(0))[0, 1] > 0.8
    assert set(imp.responses["town_code"]) <= set(pop[pop > 0].index)


def test_sample_varies_between_areas_and_groups(sample) -> None:
    cells = survey.area_stats(sample, level="h3_7", measures=["mobility"]).xs(
        "mobility", level="measure")
    # some areas differ from each other beyond their 95 % intervals
    assert cells["ci_high"].min() < cells["ci_low"].max()
    old = survey.area_stats(sample, level="city", age_band="70+").loc[("city", "community_ties")]
    young = survey.area_stats(sample, level="city", age_band="18-29").loc[
        ("city", "community_ties")]
    assert old["ci_low"] > young["ci_high"]


def test_generator_is_seeded(maebashi) -> None:
    a = generate(maebashi, n=60, seed=7)
    b = generate(maebashi, n=60, seed=7)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(generate(maebashi, n=60, seed=8))
    assert list(a.columns[:4]) == ["回答者ID", "年代", "性別", "居住地域"]
    assert len(a.columns) == 4 + len(FRAMEWORK.items) + len(FRAMEWORK.headlines)


def test_min_k_can_only_be_raised(monkeypatch) -> None:
    monkeypatch.delenv(survey.K_ENV, raising=False)
    assert survey.min_k() == 10
    monkeypatch.setenv(survey.K_ENV, "25")
    assert survey.min_k() == 25
    monkeypatch.setenv(survey.K_ENV, "2")
    assert survey.min_k() == 5

