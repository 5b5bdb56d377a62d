"""Municipality codes (全国地方公共団体コード, JIS X 0401 prefecture + JIS X 0402 municipality).

A municipality is named by five digits: the prefecture (01–47) and three digits for the city,
ward, town or village (``02201`` 青森市, ``10201`` 前橋市); official lists add a sixth, check
digit (``022012``, ``102016``). Files written by spreadsheets often drop the leading zero
(MLIT's people-flow files hold ``2201``), so every form is read here and compared as the
five-digit code.
"""

from __future__ import annotations

import unicodedata

from geo.errors import InputError, Problem

#: Weights of the five digits in the check-digit sum (総務省「全国地方公共団体コード」).
CHECK_WEIGHTS: tuple[int, ...] = (6, 5, 4, 3, 2)


def check_digit(code: str) -> int:
    """Check digit of a five-digit municipality code.

    The digits are weighted 6, 5, 4, 3, 2 and summed; the check digit is the last digit of
    11 minus the remainder of that sum divided by 11 (``02201`` → 2, ``13104`` → 1,
    ``13113`` → 0).
    """
    total = sum(int(d) * w for d, w in zip(code, CHECK_WEIGHTS, strict=True))
    return (11 - total % 11) % 10


def _plausible(code: str) -> bool:
    """A prefecture 01–47 and a city part that is 000 (the prefecture) or 100 and above."""
    return 1 <= int(code[:2]) <= 47 and (code[2:] == "000" or int(code[2:]) >= 100)


def municipality_code(value: object, *, file: str = "city code", row: int | None = None,
                      column: str | None = None) -> str:
    """The five-digit municipality code of ``value``, in any of its written forms.

    Parameters
    ----------
    value
        ``"02201"`` / ``"2201"`` (five digits, or four with the leading zero dropped),
        ``"022012"`` / ``"22012"`` (six digits with the check digit, or five with the leading
        zero dropped), an int, full-width digits or ``"2201.0"`` from a spreadsheet. A five-digit
        value is read as a code without check digit unless its city part cannot be one
        (``22012``: no municipality has the city part ``012``) and the check digit fits.
    file, row, column
        Where the value comes from, for the error message.

    Returns
    -------
    str
        Five digits, leading zero kept (``"02201"``).

    Raises
    ------
    InputError
        Naming the place, in English and Japanese: not digits, a wrong length, a prefecture
        outside 01–47, or a six-digit code whose check digit does not match.
    """
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]

    def bad(en: str, ja: str) -> InputError:
        return InputError(Problem(file, f"{text!r} is not a municipality code: {en}", row,
                                  column, f"「{text}」は市区町村コードではありません。{ja}"))

    if not text.isascii() or not text.isdigit():
        raise bad("use the 5-digit JIS code, e.g. 02201 (or 022012 with its check digit)",
                  "5桁の全国地方公共団体コード(例: 02201、検査数字付きなら022012)を"
                  "指定してください。")
    if len(text) == 5 and not _plausible(text):
        six = text.zfill(6)  # 022012 written as 22012
        if _plausible(six[:5]) and check_digit(six[:5]) == int(six[5]):
            text = six
    if len(text) == 6:
        code, given = text[:5], int(text[5])
        expected = check_digit(code)
        if given != expected:
            raise bad(f"its check digit is {given}, but {code} has check digit {expected} "
                      f"({code}{expected}); check the code",
                      f"検査数字が{given}ですが、{code}の検査数字は{expected}です"
                      f"({code}{expected})。コードを確かめてください。")
    elif len(text) in (4, 5):
        code = text.zfill(5)
    else:
        raise bad(f"it has {len(text)} digits; expected 5 (e.g. 02201), 6 with the check digit "
                  "(022012), or 4 or 5 when a spreadsheet dropped the leading zero",
                  f"{len(text)}桁です。5桁(例: 02201)、検査数字付きの6桁(022012)、または先頭の0が"
                  "落ちた4桁・5桁で指定してください。")
    if not 1 <= int(code[:2]) <= 47:
        raise bad(f"its prefecture part {code[:2]} is not 01–47",
                  f"都道府県の部分({code[:2]})が01〜47ではありません。")
    if not _plausible(code):
        raise bad(f"its city part {code[2:]} is neither 000 (the prefecture) nor 100 or above",
                  f"市区町村の部分({code[2:]})が000(都道府県)でも100以上でもありません。")
    return code


def prefecture_of(code: str) -> int:
    """JIS X 0401 prefecture code of a five-digit municipality code (``02201`` → 2)."""
    return int(code[:2])
