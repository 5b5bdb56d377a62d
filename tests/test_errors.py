"""One bilingual error base: every error a user can see says what is wrong in both languages."""

from __future__ import annotations

import json

import pytest

from geo.access import ScenarioError
from geo.errors import MAX_SHOWN_PROBLEMS, BundleError, DioramaError, InputError, Problem
from geo.ingest.io import (
    JAPAN_BOUNDS,
    column_key,
    decode_bytes,
    find_column,
    match_column,
    parse_count,
    point_problem,
    read_geojson,
)
from geo.participation.store.errors import CommentNotFound, InvalidInput, StoreError
from geo.settings import SettingsError
from geo.text import TextEmpty, TextError


@pytest.mark.parametrize("cls", [StoreError, InvalidInput, TextError, ScenarioError,
                                 SettingsError, BundleError])
def test_every_bilingual_error_shares_the_one_base(cls: type[DioramaError]) -> None:
    exc = cls("日本語の説明", "the English text")
    assert isinstance(exc, DioramaError)
    assert (exc.message_ja, exc.message_en) == ("日本語の説明", "the English text")
    assert exc.text("ja") == "日本語の説明" and exc.text("en") == "the English text"


def test_str_shows_english_then_japanese_except_where_a_class_kept_its_own() -> None:
    assert str(BundleError("ない", "missing")) == "missing / ない"
    assert str(TextEmpty(field_ja="コメント", field_en="A comment")) == \
        "A comment cannot be empty. / コメントを入力してください。"
    assert str(ScenarioError("だめ", "no")) == "no"  # ScenarioError: English alone, as before
    assert str(CommentNotFound(3)).startswith("Comment 3 does not exist")


def test_input_error_gives_file_row_and_field_in_both_languages() -> None:
    err = InputError([Problem("a.csv", "bad count", 3, "人口", "人数が不正です"),
                      Problem("b.csv", "only English yet", 0, "x")])
    assert err.message_en == "a.csv, row 3, column '人口': bad count\n" \
                             "b.csv, row 0, column 'x': only English yet"
    assert err.message_ja == "a.csv 3行目 列「人口」: 人数が不正です\n" \
                             "b.csv 見出し行 列「x」: only English yet"
    assert err.text("ja") == err.message_ja
    assert str(err) == "a.csv, row 3, column '人口': bad count / 人数が不正です\n" \
                       "b.csv, row 0, column 'x': only English yet"


def test_a_long_list_of_problems_is_cut_with_a_count() -> None:
    err = InputError([Problem("a.csv", f"p{i}", i) for i in range(MAX_SHOWN_PROBLEMS + 7)])
    ja = err.text("ja").splitlines()
    assert len(ja) == MAX_SHOWN_PROBLEMS + 1 and ja[-1] == "…ほか7件"
    assert err.text("en").splitlines()[-1] == "… and 7 more"
    assert len(err.text("en", limit=None).splitlines()) == MAX_SHOWN_PROBLEMS + 7
    assert len(err.message_en.splitlines()) == MAX_SHOWN_PROBLEMS + 7


def _problem(call) -> Problem:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError) as exc:
        call()
    (p, *_) = exc.value.problems
    return p


def test_the_common_problem_kinds_have_japanese_text(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad_value = _problem(lambda: parse_count("many", file="t.csv", row=2, column="人口"))
    missing = _problem(lambda: find_column(["名称"], ("lon",), file="t.csv", what="longitude"))
    encoding = _problem(lambda: decode_bytes("名称".encode("cp932") + b"\x82", file="t.csv"))
    crs = tmp_path / "crs.geojson"
    crs.write_text(json.dumps({"type": "FeatureCollection", "crs": {"properties": {
        "name": "urn:nowhere"}}, "features": [{"type": "Feature", "properties": {},
                                              "geometry": {"type": "Point",
                                                           "coordinates": [139, 36]}}]}))
    wrong_crs = _problem(lambda: read_geojson(crs))
    empty = tmp_path / "empty.geojson"
    empty.write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    empty_layer = _problem(lambda: read_geojson(empty))
    for p in (bad_value, missing, encoding, wrong_crs, empty_layer):
        assert p.message_ja, p
    assert bad_value.text("ja").startswith("t.csv 2行目 列「人口」: ")
    assert "経度の列がありません" in missing.message_ja
    assert "座標参照系" in wrong_crs.message_ja
    assert "空のレイヤ" in empty_layer.message_ja
    projected = point_problem(-69000.0, 43500.0, bounds=JAPAN_BOUNDS, file="p.csv", row=4,
                              column="x/y")
    swapped = point_problem(36.39, 139.06, bounds=JAPAN_BOUNDS, file="p.csv", row=5,
                            column="x/y")
    outside = point_problem(-51.2, -30.0, bounds=JAPAN_BOUNDS, file="p.csv", row=6, column=None)
    assert projected is not None and "平面直角座標" in projected.message_ja
    assert swapped is not None and "入れ替わって" in swapped.message_ja
    assert outside is not None and "範囲" in outside.message_ja
    assert point_problem(139.06, 36.39, bounds=JAPAN_BOUNDS, file="p.csv", row=1,
                         column=None) is None


def test_one_column_finder_compares_names_loosely() -> None:
    assert column_key("ＫＥＹ＿ＣＯＤＥ") == column_key(" key_code ") == "key_code"
    assert match_column(["ＫＥＹ＿ＣＯＤＥ", "人口"], ("key_code",)) == "ＫＥＹ＿ＣＯＤＥ"
    assert match_column(["LON", "lon"], ("lon",)) == "LON"  # the first of equal names wins
    assert match_column(["a", "b"], ("c", "B")) == "b"  # the first name found, in name order
    assert match_column(["a"], ("b",)) is None
