"""Municipality codes: every written form of a JIS X 0402 code is the same city."""

from __future__ import annotations

import pytest

from geo.errors import InputError
from geo.ingest.formats.jis import check_digit, municipality_code


@pytest.mark.parametrize(("code", "digit"), [
    ("02201", 2),  # 青森市 022012
    ("10201", 6),  # 前橋市 102016
    ("13104", 1),  # 新宿区 131041: remainder 0 → 11 → last digit 1
    ("13113", 0),  # 渋谷区 131130: remainder 1 → 10 → last digit 0
    ("01100", 2),  # 札幌市 011002
])
def test_check_digit_of_known_codes(code, digit):
    # worked by hand for 02201: 0·6 + 2·5 + 2·4 + 0·3 + 1·2 = 20; 20 mod 11 = 9; 11 − 9 = 2
    assert check_digit(code) == digit


@pytest.mark.parametrize("written", ["02201", "2201", "022012", "22012", 2201, "２２０１",
                                     " 02201 ", "2201.0"])
def test_every_form_of_aomori_is_02201(written):
    assert municipality_code(written) == "02201"


def test_codes_without_a_leading_zero_stay_as_they_are():
    assert municipality_code("10201") == "10201"
    assert municipality_code("102016") == "10201"
    assert municipality_code("13113") == "13113"  # a valid 5-digit code, not 013113


@pytest.mark.parametrize(("bad", "en", "ja"), [
    ("022013", "check digit is 3, but 02201 has check digit 2 (022012)", "検査数字が3"),
    ("123", "it has 3 digits", "3桁です"),
    ("48201", "prefecture part 48 is not 01–47", "都道府県の部分(48)"),
    ("10012", "city part 012", "市区町村の部分(012)"),
    ("前橋", "use the 5-digit JIS code", "5桁の全国地方公共団体コード"),
])
def test_bad_codes_are_refused_in_both_languages(bad, en, ja):
    with pytest.raises(InputError) as exc:
        municipality_code(bad, file="--city-code")
    (p,) = exc.value.problems
    assert p.file == "--city-code"
    assert en in p.message and ja in p.message_ja
