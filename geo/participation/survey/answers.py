"""Importing answers: a survey file with one row per respondent, and the published aggregate
form (per municipality × year × age band × sex)."""

from __future__ import annotations

import difflib
import io
import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.errors import InputError, Problem
from geo.ingest.io import decode_bytes, match_column, parse_count
from geo.participation.framework import FRAMEWORK, Framework
from geo.participation.survey.common import (
    AGE_BANDS,
    ALL,
    NO_ANSWER,
    REQUIRED,
    SEXES,
    norm,
    normalise_town,
)
from geo.participation.survey.mapping import ColumnMapping, load_mapping

__all__ = [
    "AggregateImport",
    "SurveyImport",
    "import_aggregate",
    "import_survey",
    "published_aggregate",
    "read_survey",
]


@dataclass(frozen=True)
class SurveyImport:
    """Result of importing a survey file: the usable answers and every problem found.

    Attributes
    ----------
    responses
        One row per usable respondent: ``respondent``, ``age_band``, ``sex``, ``town_code``,
        one float column per item id (NaN = no answer or an invalid one) and per headline key.
    problems
        Every problem, each with file, row (1-based data row; 0 = header) and column.
    encoding
        The encoding the file was read with.
    rows
        Data rows read.
    framework
        ``id:version`` of the indicator definition the answers were read against.
    """

    responses: pd.DataFrame
    problems: tuple[Problem, ...]
    encoding: str
    rows: int
    framework: str

    @property
    def skipped(self) -> int:
        """Rows left out because an attribute was missing or invalid."""
        return self.rows - len(self.responses)


def _read_table(source: bytes | str | Path, file: str | None) -> tuple[pd.DataFrame, str, str]:
    if isinstance(source, bytes):
        data, name = source, file or "survey.csv"
    else:
        data, name = Path(source).read_bytes(), file or Path(source).name
    text, encoding = decode_bytes(data, file=name)
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(Problem(name, f"not a readable CSV table ({exc})")) from exc
    df.columns = [str(c).strip() for c in df.columns]
    return df, name, encoding


def _answers(
    raw: pd.Series, *, low: int, high: int, file: str, column: str, problems: list[Problem]
) -> npt.NDArray[np.float64]:
    """Parse one answer column; out-of-range and non-numbers become NaN with a problem each."""
    text = raw.map(lambda v: unicodedata.normalize("NFKC", str(v)).strip())
    blank = text.str.lower().isin(NO_ANSWER)
    num = pd.to_numeric(text.where(~blank), errors="coerce")
    bad_text = ~blank & num.isna()
    off_scale = num.notna() & ((num < low) | (num > high) | (num != num.round()))
    for pos in np.flatnonzero(bad_text.to_numpy()):
        problems.append(Problem(file, f"not a number: {raw.iloc[pos]!r} (answers are {low}–{high})",
                                int(pos) + 1, column))
    for pos in np.flatnonzero(off_scale.to_numpy()):
        problems.append(Problem(
            file, f"answer {raw.iloc[pos]!r} is out of range: expected a whole number {low}–{high}",
            int(pos) + 1, column))
    out: npt.NDArray[np.float64] = num.where(~off_scale).to_numpy(dtype=float, na_value=np.nan)
    return out


def import_survey(
    source: bytes | str | Path,
    *,
    towns: pd.DataFrame,
    file: str | None = None,
    framework: Framework = FRAMEWORK,
    mapping: ColumnMapping | None = None,
) -> SurveyImport:
    """Import a survey CSV with one row per respondent, reporting every problem with its place.

    Parameters
    ----------
    source
        The file (path) or its bytes: UTF-8, UTF-8 with BOM or CP932; text is normalised to NFC.
    towns
        The city's towns: columns ``town_code`` and ``name``. A respondent's area may be given
        by either (names compared with :func:`normalise_town`).
    file
        Name used in messages (default: the file's name).
    framework
        The indicator definition (items and headline questions).
    mapping
        Headers and value spellings (default: ``data/framework/survey_columns.toml``).

    Returns
    -------
    SurveyImport
        The usable respondents and all problems. A row whose age band, sex or town is missing
        or unknown is left out; an invalid answer is left blank (NaN). A missing column is one
        problem on row 0.

    Raises
    ------
    InputError
        Only when the file cannot be read as a CSV table at all.
    """
    m = mapping or load_mapping()
    df, name, encoding = _read_table(source, file)
    problems: list[Problem] = []
    out = pd.DataFrame(index=df.index)
    found: dict[str, str | None] = {}
    for fld in ("respondent", *REQUIRED):
        found[fld] = match_column(df.columns, m.columns.get(fld, (fld,)))
        if found[fld] is None and fld in REQUIRED:
            problems.append(Problem(
                name, f"missing column for {fld}; expected one of: "
                f"{', '.join(m.columns.get(fld, (fld,)))}", 0, fld))
    keep = _attributes(df, found, m, name=name, problems=problems, out=out)
    keep &= _towns(df, found["town"], towns, name=name, problems=problems, out=out)
    keep &= _respondents(df, found["respondent"], name=name, problems=problems, out=out)
    _answer_columns(df, framework, m, name=name, problems=problems, out=out)
    attrs = ["respondent", "age_band", "sex", "town_code"]
    for a in attrs:
        if a not in out:
            out[a] = pd.Series(pd.NA, index=df.index, dtype="object")
    responses = out.loc[keep, attrs + [i.id for i in framework.items]
                        + [h.key for h in framework.headlines]].reset_index(drop=True)
    for a in attrs:
        responses[a] = responses[a].astype(str)
    problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    return SurveyImport(responses=responses, problems=tuple(problems), encoding=encoding,
                        rows=len(df), framework=f"{framework.id}:{framework.version}")


def _attributes(df: pd.DataFrame, found: Mapping[str, str | None], m: ColumnMapping, *,
                name: str, problems: list[Problem], out: pd.DataFrame) -> pd.Series:
    """Read age band and sex into ``out``; return the rows where both are known."""
    keep = pd.Series(True, index=df.index)
    for fld in ("age_band", "sex"):
        col = found[fld]
        if col is None:
            keep[:] = False
            continue
        values = df[col].map(norm).map(m.values[fld])
        for pos in np.flatnonzero(values.isna().to_numpy()):
            problems.append(Problem(
                name, f"unknown {fld.replace('_', ' ')} {df[col].iloc[pos]!r}; expected one of: "
                f"{', '.join(AGE_BANDS if fld == 'age_band' else SEXES)} "
                "(spellings: see the mapping file)", int(pos) + 1, col))
        keep &= values.notna()
        out[fld] = values
    return keep


def _towns(df: pd.DataFrame, col: str | None, towns: pd.DataFrame, *, name: str,
           problems: list[Problem], out: pd.DataFrame) -> pd.Series:
    """Read each respondent's town (name or code) into ``out["town_code"]``; return the rows
    where it is known."""
    if col is None:
        return pd.Series(False, index=df.index)
    lookup: dict[str, str] = {}
    for code, nm in zip(towns["town_code"], towns["name"], strict=True):
        lookup[normalise_town(nm)] = str(code)
        lookup[normalise_town(code)] = str(code)
    keys = df[col].map(normalise_town)
    codes = keys.map(lookup)
    for pos in np.flatnonzero(codes.isna().to_numpy()):
        given = df[col].iloc[pos]
        near = difflib.get_close_matches(str(keys.iloc[pos]), list(towns["name"]), n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        what = "no town given" if not str(given).strip() else f"unknown town {given!r}"
        problems.append(Problem(name, what + hint, int(pos) + 1, col))
    out["town_code"] = codes
    return codes.notna()


def _respondents(df: pd.DataFrame, col: str | None, *, name: str, problems: list[Problem],
                 out: pd.DataFrame) -> pd.Series:
    """Read respondent ids into ``out`` (``row<n>`` where none is given); return the rows
    that are not a repeated id."""
    if col is None:
        out["respondent"] = [f"row{i + 1}" for i in range(len(df))]
        return pd.Series(True, index=df.index)
    ids = df[col].map(lambda v: unicodedata.normalize("NFKC", str(v)).strip())
    dup = ids.duplicated(keep="first") & (ids != "")
    for pos in np.flatnonzero(dup.to_numpy()):
        problems.append(Problem(name, f"respondent id {ids.iloc[pos]!r} appears again; "
                                "the later row is left out", int(pos) + 1, col))
    out["respondent"] = ids.where(ids != "", pd.Series(
        [f"row{i + 1}" for i in range(len(df))], index=df.index))
    return ~dup


def _answer_columns(df: pd.DataFrame, framework: Framework, m: ColumnMapping, *, name: str,
                    problems: list[Problem], out: pd.DataFrame) -> None:
    """Read every item and headline question into ``out`` (NaN where missing or invalid)."""
    for item in framework.items:
        names = (norm(item.id), norm(item.code), *m.items.get(item.id, ()))
        col = match_column(df.columns, names)
        if col is None:
            problems.append(Problem(name, f"missing column for question {item.code} "
                                    f"({item.id}: {item.ja})", 0, item.code))
            out[item.id] = np.nan
            continue
        low, high = framework.item_scale
        out[item.id] = _answers(df[col], low=low, high=high, file=name, column=col,
                                problems=problems)
    for h in framework.headlines:
        names = (norm(h.key), norm(h.code), *m.columns.get(h.key, ()))
        col = match_column(df.columns, names)
        if col is None:
            problems.append(Problem(name, f"missing column for {h.ja} ({h.key}, {h.code})",
                                    0, h.key))
            out[h.key] = np.nan
            continue
        out[h.key] = _answers(df[col], low=h.low, high=h.high, file=name, column=col,
                              problems=problems)


def read_survey(source: bytes | str | Path, **kwargs: Any) -> pd.DataFrame:
    """Like :func:`import_survey`, but raise :class:`InputError` listing every problem."""
    result = import_survey(source, **kwargs)
    if result.problems:
        raise InputError(list(result.problems))
    return result.responses


@dataclass(frozen=True)
class AggregateImport:
    """A published table: municipality × year × age band × sex, with counts and mean scores.

    ``frame`` has ``municipality``, ``year``, ``age_band`` and ``sex`` (:data:`ALL` for a
    total row), ``n`` and one float column per measure found; ``problems`` as for a survey.
    """

    frame: pd.DataFrame
    problems: tuple[Problem, ...]
    encoding: str


_AGG_COLUMNS: dict[str, tuple[str, ...]] = {
    "municipality": ("市区町村", "市区町村名", "自治体", "自治体名", "市区町村コード", "団体コード",
                     "municipality", "city"),
    "year": ("年度", "調査年度", "調査年", "year"),
    "age_band": ("年代", "年齢層", "age_band", "age"),
    "sex": ("性別", "sex", "gender"),
    "n": ("回答者数", "回答数", "n", "count", "respondents"),
}
_TOTALS = frozenset(norm(s) for s in ("全体", "計", "合計", "総数", "all", "total", "*"))


def import_aggregate(
    source: bytes | str | Path,
    *,
    file: str | None = None,
    framework: Framework = FRAMEWORK,
    mapping: ColumnMapping | None = None,
) -> AggregateImport:
    """Import the published aggregate form (per municipality × year × age band × sex).

    Parameters
    ----------
    source
        CSV path or bytes (UTF-8, UTF-8 with BOM or CP932). Columns: municipality, year, age
        band, sex (``全体`` / ``計`` for totals), number of respondents, and one column per
        measure named by its Japanese name, English name or key (e.g. ``移動・交通``).
    file
        Name used in messages.
    framework
        The indicator definition naming the measures.
    mapping
        Spellings of age bands and sexes.

    Returns
    -------
    AggregateImport
        Rows with any problem are left out; every problem is reported with row and column.
    """
    m = mapping or load_mapping()
    df, name, encoding = _read_table(source, file)
    problems: list[Problem] = []
    cols: dict[str, str] = {}
    for fld, names in _AGG_COLUMNS.items():
        col = match_column(df.columns, names)
        if col is None:
            problems.append(Problem(name, f"missing column for {fld}; expected one of: "
                                    f"{', '.join(names)}", 0, fld))
        else:
            cols[fld] = col
    measures: dict[str, str] = {}
    for key in framework.measures:
        names = (norm(key), norm(framework.label(key, lang="ja")),
                 norm(framework.label(key, lang="en")))
        col = match_column(df.columns, names)
        if col is not None:
            measures[key] = col
    if not measures:
        problems.append(Problem(name, "no measure columns: name them after the factors, e.g. "
                                "移動・交通 or mobility", 0, None))
    rows: list[dict[str, Any]] = []
    for i, rec in enumerate(df.to_dict("records"), start=1):
        before = len(problems)
        row = _aggregate_row(rec, i, cols, measures, m, framework, name=name, problems=problems)
        if len(problems) == before and len(cols) == len(_AGG_COLUMNS):
            rows.append(row)
    frame = pd.DataFrame(rows, columns=[*_AGG_COLUMNS, *measures])
    frame["n"] = frame["n"].astype("Int64")
    return AggregateImport(frame=frame, problems=tuple(problems), encoding=encoding)


def _aggregate_row(rec: Mapping[str, Any], i: int, cols: Mapping[str, str],
                   measures: Mapping[str, str], m: ColumnMapping, framework: Framework, *,
                   name: str, problems: list[Problem]) -> dict[str, Any]:
    """One row of the aggregate form (problems are added to ``problems``)."""
    row: dict[str, Any] = {}
    for fld in ("municipality", "year"):
        if fld in cols:
            row[fld] = unicodedata.normalize("NFKC", rec[cols[fld]]).strip()
    for fld in ("age_band", "sex"):
        if fld not in cols:
            continue
        v = norm(rec[cols[fld]])
        value = ALL if v in _TOTALS else m.values[fld].get(v)
        if value is None:
            problems.append(Problem(name, f"unknown {fld.replace('_', ' ')} "
                                    f"{rec[cols[fld]]!r}", i, cols[fld]))
        row[fld] = value
    if "n" in cols:
        try:
            row["n"] = parse_count(rec[cols["n"]], file=name, row=i, column=cols["n"])
        except InputError as exc:
            problems.extend(exc.problems)
    for key, col in measures.items():
        low, high = framework.scale_of(key)
        raw = unicodedata.normalize("NFKC", rec[col]).strip()
        if raw.lower() in NO_ANSWER:
            row[key] = math.nan
            continue
        try:
            value_f = float(raw)
        except ValueError:
            problems.append(Problem(name, f"not a number: {rec[col]!r}", i, col))
            continue
        if not low <= value_f <= high:
            problems.append(Problem(name, f"mean {value_f} is outside {low}–{high}", i, col))
            continue
        row[key] = value_f
    return row


def published_aggregate(frame: pd.DataFrame, *, k: int) -> pd.DataFrame:
    """The aggregate table without any group of fewer than ``k`` respondents (or unknown n)."""
    n = frame["n"].astype("Float64")
    return frame[(n >= k).fillna(False).astype(bool)].reset_index(drop=True)
