"""Well-Being survey answers: import, score, aggregate by area with suppression, the gap view."""

from __future__ import annotations

import difflib
import io
import math
import re
import tomllib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats as sstats

from geo import grid
from geo.errors import InputError, Problem
from geo.ingest.io import decode_bytes, match_column, parse_count
from geo.participation.framework import FRAMEWORK, Framework
from geo.settings import FRAMEWORK_DIR, SURVEY_MIN_N_DEFAULT, SURVEY_MIN_N_ENV, settings

__all__ = [
    "AGE_BANDS",
    "ALL",
    "CITY",
    "DEFAULT_MAPPING_PATH",
    "K_DEFAULT",
    "K_ENV",
    "LEVELS",
    "SAMPLE_LABEL",
    "SEXES",
    "AggregateImport",
    "ColumnMapping",
    "Level",
    "SurveyData",
    "SurveyImport",
    "area_stats",
    "area_table",
    "comment_areas",
    "comments_by_area",
    "disclosure",
    "distribution",
    "export_csv",
    "gap_view",
    "import_aggregate",
    "import_survey",
    "load_mapping",
    "mean_interval",
    "min_k",
    "normalise_town",
    "parse_mapping",
    "place",
    "prepare",
    "published_aggregate",
    "read_survey",
    "scores",
    "town_areas",
]

Level = Literal["city", "h3_7", "h3_8", "town"]
#: Area systems offered on the map, coarsest first (``"city"`` is the whole city).
LEVELS: tuple[Level, ...] = ("h3_7", "h3_8", "town")
#: H3 resolution of each cell level.
LEVEL_RES: dict[str, int] = {"h3_7": 7, "h3_8": 8}
#: Area id of the whole city.
CITY = "city"
#: "Any value" of an attribute in the disclosure table (no filter).
ALL = "*"
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


def _norm(value: object) -> str:
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


# --- the column mapping -----------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnMapping:
    """Which headers hold which field, and how attribute values are spelled.

    Attributes
    ----------
    columns
        Field name → accepted headers (normalised), for the attributes and headline questions.
    items
        Item id → extra accepted headers (normalised).
    values
        ``"age_band"`` / ``"sex"`` → {normalised spelling: canonical value}.
    """

    columns: Mapping[str, tuple[str, ...]]
    items: Mapping[str, tuple[str, ...]]
    values: Mapping[str, Mapping[str, str]]


def parse_mapping(text: str, *, file: str = "mapping",
                  base: ColumnMapping | None = None) -> ColumnMapping:
    """Read a column-mapping TOML (see ``data/framework/survey_columns.toml``).

    Parameters
    ----------
    text
        The TOML text.
    file
        Name used in messages.
    base
        Mapping whose entries stand for any field the text does not mention (default: the
        shipped mapping; so a file may list only what differs).

    Raises
    ------
    InputError
        When the text is not TOML or a section has the wrong shape.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(Problem(file, f"not a valid TOML mapping ({exc})")) from exc

    def names(section: str) -> dict[str, tuple[str, ...]]:
        raw = data.get(section, {})
        if not isinstance(raw, dict) or not all(
                isinstance(v, list) and all(isinstance(s, str) for s in v) for v in raw.values()):
            raise InputError(Problem(file, f"[{section}] must map names to lists of headers"))
        return {str(k): tuple(_norm(s) for s in v) for k, v in raw.items()}

    values: dict[str, dict[str, str]] = {}
    raw_values = data.get("values", {})
    for fld in ("age_band", "sex"):
        spell = raw_values.get(fld, {}) if isinstance(raw_values, dict) else {}
        if not isinstance(spell, dict):
            raise InputError(Problem(file, f"[values.{fld}] must map values to spellings"))
        canonical = AGE_BANDS if fld == "age_band" else SEXES
        table = {_norm(c): c for c in canonical}
        for value, spellings in spell.items():
            if value not in canonical:
                raise InputError(Problem(
                    file, f"[values.{fld}] {value!r} is not one of {', '.join(canonical)}"))
            table.update({_norm(s): value for s in spellings})
        values[fld] = table
    given = ColumnMapping(columns=names("columns"), items=names("items"), values=values)
    if base is None and file != DEFAULT_MAPPING_PATH.name:
        base = load_mapping()
    if base is None:
        return given
    spelled = raw_values if isinstance(raw_values, dict) else {}
    return ColumnMapping(
        columns={**base.columns, **given.columns},
        items={**base.items, **given.items},
        values={fld: ({**base.values[fld], **given.values[fld]} if fld in spelled
                      else base.values[fld]) for fld in ("age_band", "sex")},
    )


def load_mapping(path: str | Path | None = None) -> ColumnMapping:
    """Load a column-mapping file (default: the shipped, documented one, cached).

    Fields the file does not mention keep the shipped mapping's entries.
    """
    if path is None:
        return _shipped_mapping()
    p = Path(path)
    text, _ = decode_bytes(p.read_bytes(), file=p.name)
    return parse_mapping(text, file=p.name)


@cache
def _shipped_mapping() -> ColumnMapping:
    text = DEFAULT_MAPPING_PATH.read_text(encoding="utf-8")
    return parse_mapping(text, file=DEFAULT_MAPPING_PATH.name)


# --- importing answers ------------------------------------------------------------------------


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
    keep = pd.Series(True, index=df.index)

    # attributes
    for fld in ("age_band", "sex"):
        col = found[fld]
        if col is None:
            keep[:] = False
            continue
        values = df[col].map(_norm).map(m.values[fld])
        for pos in np.flatnonzero(values.isna().to_numpy()):
            problems.append(Problem(
                name, f"unknown {fld.replace('_', ' ')} {df[col].iloc[pos]!r}; expected one of: "
                f"{', '.join(AGE_BANDS if fld == 'age_band' else SEXES)} "
                "(spellings: see the mapping file)", int(pos) + 1, col))
        keep &= values.notna()
        out[fld] = values
    col = found["town"]
    if col is None:
        keep[:] = False
    else:
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
        keep &= codes.notna()
        out["town_code"] = codes
    rcol = found["respondent"]
    if rcol is not None:
        ids = df[rcol].map(lambda v: unicodedata.normalize("NFKC", str(v)).strip())
        dup = ids.duplicated(keep="first") & (ids != "")
        for pos in np.flatnonzero(dup.to_numpy()):
            problems.append(Problem(name, f"respondent id {ids.iloc[pos]!r} appears again; "
                                    "the later row is left out", int(pos) + 1, rcol))
        keep &= ~dup
        out["respondent"] = ids.where(ids != "", pd.Series(
            [f"row{i + 1}" for i in range(len(df))], index=df.index))
    else:
        out["respondent"] = [f"row{i + 1}" for i in range(len(df))]

    # answers
    for item in framework.items:
        names = (_norm(item.id), _norm(item.code), *m.items.get(item.id, ()))
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
        names = (_norm(h.key), _norm(h.code), *m.columns.get(h.key, ()))
        col = match_column(df.columns, names)
        if col is None:
            problems.append(Problem(name, f"missing column for {h.ja} ({h.key}, {h.code})",
                                    0, h.key))
            out[h.key] = np.nan
            continue
        out[h.key] = _answers(df[col], low=h.low, high=h.high, file=name, column=col,
                              problems=problems)
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


def read_survey(source: bytes | str | Path, **kwargs: Any) -> pd.DataFrame:
    """Like :func:`import_survey`, but raise :class:`InputError` listing every problem."""
    result = import_survey(source, **kwargs)
    if result.problems:
        raise InputError(list(result.problems))
    return result.responses


# --- the published aggregate form -------------------------------------------------------------


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
_TOTALS = frozenset(_norm(s) for s in ("全体", "計", "合計", "総数", "all", "total", "*"))


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
        names = (_norm(key), _norm(framework.label(key, lang="ja")),
                 _norm(framework.label(key, lang="en")))
        col = match_column(df.columns, names)
        if col is not None:
            measures[key] = col
    if not measures:
        problems.append(Problem(name, "no measure columns: name them after the factors, e.g. "
                                "移動・交通 or mobility", 0, None))
    rows: list[dict[str, Any]] = []
    for i, rec in enumerate(df.to_dict("records"), start=1):
        before = len(problems)
        row: dict[str, Any] = {}
        for fld in ("municipality", "year"):
            if fld in cols:
                row[fld] = unicodedata.normalize("NFKC", rec[cols[fld]]).strip()
        for fld in ("age_band", "sex"):
            if fld not in cols:
                continue
            v = _norm(rec[cols[fld]])
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
        if len(problems) == before and len(cols) == len(_AGG_COLUMNS):
            rows.append(row)
    frame = pd.DataFrame(rows, columns=[*_AGG_COLUMNS, *measures])
    frame["n"] = frame["n"].astype("Int64")
    return AggregateImport(frame=frame, problems=tuple(problems), encoding=encoding)


def published_aggregate(frame: pd.DataFrame, *, k: int) -> pd.DataFrame:
    """The aggregate table without any group of fewer than ``k`` respondents (or unknown n)."""
    n = frame["n"].astype("Float64")
    return frame[(n >= k).fillna(False).astype(bool)].reset_index(drop=True)


# --- areas ------------------------------------------------------------------------------------


def town_areas(towns: gpd.GeoDataFrame, pieces: pd.DataFrame | None) -> pd.DataFrame:
    """Place each town in one res-8 cell and its res-7 parent.

    A town goes to the res-8 cell holding most of its people (from the bundle's population
    pieces); a town without population goes to the cell of a point inside its polygon. So every
    town lies in exactly one cell at each level and the levels nest: town ⊂ res 8 ⊂ res 7.

    Parameters
    ----------
    towns
        ``town_code``, ``name`` and polygon ``geometry`` (EPSG:4326).
    pieces
        ``town_code``, ``cell`` (res 10) and ``value`` (people), or None.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``town_code`` (str): ``name``, ``h3_8`` and ``h3_7`` (hex cell ids).
    """
    codes = towns["town_code"].astype(str).to_numpy()
    best: dict[str, int] = {}
    if pieces is not None and len(pieces):
        p = pd.DataFrame({"town_code": pieces["town_code"].astype(str).to_numpy(),
                          "cell": grid.parents(pieces["cell"].to_numpy(), 8),
                          "value": pieces["value"].to_numpy(dtype=float)})
        s = p.groupby(["town_code", "cell"], sort=True)["value"].sum().reset_index()
        top = s.sort_values(["town_code", "value", "cell"], ascending=[True, False, True])
        top = top.drop_duplicates("town_code")
        best = dict(zip(top["town_code"], top["cell"].astype(np.uint64), strict=True))
    missing = [i for i, c in enumerate(codes) if c not in best]
    if missing:
        pts = towns.geometry.iloc[missing].representative_point()
        cells = grid.points_to_cells(pts.x.to_numpy(), pts.y.to_numpy(), 8)
        best.update({codes[i]: int(c) for i, c in zip(missing, cells, strict=True)})
    c8 = np.array([best[c] for c in codes], dtype=np.uint64)
    out = pd.DataFrame({"name": towns["name"].astype(str).to_numpy(),
                        "h3_8": grid.to_strings(c8),
                        "h3_7": grid.to_strings(grid.parents(c8, 7))},
                       index=pd.Index(codes, name="town_code"))
    return out


def place(responses: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    """Add each respondent's areas: ``town`` (= town code), ``h3_8``, ``h3_7``, ``city``.

    Respondents whose town is not in ``areas`` are left out.
    """
    r = responses[responses["town_code"].isin(areas.index)].copy()
    r["town"] = r["town_code"].astype(str)
    r["h3_8"] = areas.loc[r["town"], "h3_8"].to_numpy()
    r["h3_7"] = areas.loc[r["town"], "h3_7"].to_numpy()
    r["city"] = CITY
    return r


# --- scores and intervals ---------------------------------------------------------------------


def scores(responses: pd.DataFrame, *, framework: Framework = FRAMEWORK) -> pd.DataFrame:
    """Each respondent's score per measure.

    A factor's score is the mean of the respondent's answered items of that factor (NaN when
    none is answered); a headline score is the answer itself.

    Returns
    -------
    pandas.DataFrame
        Same index as ``responses``; one float column per measure (headlines, then factors).
    """
    out = pd.DataFrame(index=responses.index)
    for h in framework.headlines:
        out[h.key] = responses[h.key].astype(float)
    for f in framework.factors:
        out[f.key] = responses[[i.id for i in framework.items_of(f.key)]].astype(float).mean(
            axis=1, skipna=True)
    return out


def mean_interval(
    mean: Any, sd: Any, n: Any, *, confidence: float = 0.95
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Student-t confidence interval of a mean: mean ± t(n−1) · sd / √n.

    Parameters
    ----------
    mean, sd, n
        Scalars or arrays (``sd`` with ddof=1). ``n`` below 2 gives NaN.
    confidence
        Coverage, 0.95 by default.

    Returns
    -------
    tuple of numpy.ndarray
        Lower and upper bounds.
    """
    m = np.asarray(mean, dtype=float)
    s = np.asarray(sd, dtype=float)
    nn = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = sstats.t.ppf(0.5 + confidence / 2, np.where(nn >= 2, nn - 1, np.nan))
        half = t * s / np.sqrt(nn)
    return np.asarray(m - half, dtype=float), np.asarray(m + half, dtype=float)


# --- suppression ------------------------------------------------------------------------------


Key = tuple[str, str, str, str]


def _known(members: list[list[int]], of: list[list[int]],
           shown: list[bool]) -> tuple[list[bool], dict[int, int]]:
    """Groups that are published or derivable (the one unknown member of a split), and for
    each derived group the split it was derived from."""
    known = list(shown)
    why: dict[int, int] = {}
    missing = [sum(1 for x in m if not known[x]) for m in members]
    stack = [i for i, c in enumerate(missing) if c == 1]
    while stack:
        i = stack.pop()
        if missing[i] != 1:
            continue
        x = next(x for x in members[i] if not known[x])
        known[x] = True
        why[x] = i
        for j in of[x]:
            missing[j] -= 1
            if missing[j] == 1:
                stack.append(j)
    return known, why


def _protect(n: dict[Key, int], partitions: list[tuple[Key, list[Key]]],
             shown: dict[Key, bool], *, k: int) -> None:
    """Suppress more groups (in place) until no split reveals fewer than ``k`` people."""
    keys = list(n)
    index = {key: i for i, key in enumerate(keys)}
    size = [n[key] for key in keys]
    members = [[index[p], *(index[c] for c in cs)] for p, cs in partitions]
    of: list[list[int]] = [[] for _ in keys]
    for j, m in enumerate(members):
        for x in m:
            of[x].append(j)
    visible = [shown[key] for key in keys]

    def order(c: int) -> tuple[int, Key]:
        return size[c], keys[c]

    def breaker(x: int, known: list[bool], why: dict[int, int], seen: set[int]) -> int | None:
        """A published group whose suppression stops ``x`` being known (smallest first)."""
        if visible[x]:
            return x
        seen.add(x)
        split = members[why[x]]
        if x == split[0]:  # derived as the sum of its parts
            others = sorted(split[1:], key=order)
        else:  # derived as a total minus the other parts: try those, then the total
            others = [*sorted((c for c in split[1:] if c != x), key=order), split[0]]
        for c in others:
            if c not in seen:
                pick = breaker(c, known, why, seen)
                if pick is not None:
                    return pick
        return None

    while True:
        known, why = _known(members, of, visible)
        fixes: set[int] = set()
        for m in members:
            parent, parts = m[0], m[1:]
            if not known[parent]:
                continue
            rest = sum(size[c] for c in parts if not known[c])
            if not 0 < rest < k:
                continue
            for c in sorted((c for c in parts if known[c]), key=order):
                pick = breaker(c, known, why, set())
                if pick is not None:
                    fixes.add(pick)
                    break
            else:  # no part can be hidden: hide the total's own derivation instead
                pick = breaker(parent, known, why, set())
                if pick is None:  # pragma: no cover - a known total is published or derived
                    raise RuntimeError("suppression cannot protect a split")
                fixes.add(pick)
        for x in why:  # a small group worked out on its own
            if 0 < size[x] < k:
                pick = breaker(x, known, why, set())
                if pick is None:  # pragma: no cover - a derived group has published terms
                    raise RuntimeError("suppression cannot protect a group")
                fixes.add(pick)
        if not fixes:
            return
        for x in fixes:
            visible[x] = False
            shown[keys[x]] = False


def disclosure(placed: pd.DataFrame, *, k: int) -> pd.DataFrame:
    """Which (area, age band, sex) groups may be published: primary and secondary suppression.

    Primary: a group of fewer than ``k`` respondents is suppressed. Secondary: published totals
    are split into parts — the city into res-7 cells, a res-7 cell into its res-8 cells, a res-8
    cell into its towns (in every age band × sex slice), and any area's slice into age bands or
    into sexes. A suppressed group is still *known* when it can be worked out: as the one
    unknown term of such a split (a total minus its other parts, or the sum of its parts),
    repeatedly. Wherever a known total minus its known parts leaves between 1 and ``k − 1``
    people, the smallest published part (or a published part of the smallest derivable one)
    is suppressed too, until no split anywhere leaves such a remainder.

    Parameters
    ----------
    placed
        Output of :func:`place`.
    k
        Minimum group size (≥ 1).

    Returns
    -------
    pandas.DataFrame
        One row per group with at least one respondent: ``level``, ``area``, ``age_band``,
        ``sex`` (:data:`ALL` for "any"), ``n`` and ``shown``.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    levels = ("city", "h3_7", "h3_8", "town")
    n: dict[Key, int] = {}
    for lvl in levels:
        for a_all in (False, True):
            for s_all in (False, True):
                by = [lvl] + ([] if a_all else ["age_band"]) + ([] if s_all else ["sex"])
                g = placed.groupby(by, sort=False).size()
                for idx, count in g.items():
                    t = idx if isinstance(idx, tuple) else (idx,)
                    area = str(t[0])
                    a = ALL if a_all else str(t[1])
                    s = ALL if s_all else str(t[-1])
                    n[(lvl, area, a, s)] = int(count)
    ages = sorted({key[2] for key in n if key[2] != ALL})
    sexes = sorted({key[3] for key in n if key[3] != ALL})
    slices = [(a, s) for a in [ALL, *ages] for s in [ALL, *sexes]]
    parent_of = {
        "h3_7": placed.groupby("h3_7")["city"].first().to_dict(),
        "h3_8": placed.groupby("h3_8")["h3_7"].first().to_dict(),
        "town": placed.groupby("town")["h3_8"].first().to_dict(),
    }
    up = {"h3_7": "city", "h3_8": "h3_7", "town": "h3_8"}
    children: dict[tuple[str, str], list[str]] = {}
    for lvl, mapping in parent_of.items():
        for child, parent in mapping.items():
            children.setdefault((up[lvl], str(parent)), []).append(str(child))
    child_level = {v: k_ for k_, v in up.items()}
    partitions: list[tuple[Key, list[Key]]] = []
    for (plvl, parea), kids in children.items():
        clvl = child_level[plvl]
        for a, s in slices:
            parent = (plvl, parea, a, s)
            if parent in n:
                parts = [(clvl, c, a, s) for c in kids if (clvl, c, a, s) in n]
                partitions.append((parent, parts))
    areas = {(key[0], key[1]) for key in n}
    for lvl, area in areas:
        for s in [ALL, *sexes]:
            parent = (lvl, area, ALL, s)
            if parent in n:
                partitions.append((parent, [(lvl, area, a, s) for a in ages
                                            if (lvl, area, a, s) in n]))
        for a in [ALL, *ages]:
            parent = (lvl, area, a, ALL)
            if parent in n:
                partitions.append((parent, [(lvl, area, a, s) for s in sexes
                                            if (lvl, area, a, s) in n]))
    shown = {key: c >= k for key, c in n.items()}
    _protect(n, partitions, shown, k=k)
    groups = sorted(n)
    return pd.DataFrame({
        "level": [g[0] for g in groups], "area": [g[1] for g in groups],
        "age_band": [g[2] for g in groups], "sex": [g[3] for g in groups],
        "n": [n[g] for g in groups], "shown": [shown[g] for g in groups],
    })


# --- the prepared survey and its outputs -----------------------------------------------------


@dataclass(frozen=True)
class SurveyData:
    """A survey ready for publication: respondents placed in areas, scores, disclosure table.

    Build it with :func:`prepare`; every public output reads from it and applies ``k``.
    """

    placed: pd.DataFrame
    scores: pd.DataFrame
    disclosure: pd.DataFrame
    k: int
    sample: bool
    framework: Framework = field(default=FRAMEWORK, compare=False)


def prepare(
    responses: pd.DataFrame,
    *,
    areas: pd.DataFrame,
    k: int = K_DEFAULT,
    sample: bool = False,
    framework: Framework = FRAMEWORK,
) -> SurveyData:
    """Place respondents in areas, score them and decide what may be published.

    Parameters
    ----------
    responses
        :attr:`SurveyImport.responses`.
    areas
        Output of :func:`town_areas`.
    k
        Minimum group size behind any published figure.
    sample
        Whether the answers are generated sample data (carried into every export).
    framework
        The indicator definition.
    """
    placed = place(responses, areas).reset_index(drop=True)
    return SurveyData(placed=placed, scores=scores(placed, framework=framework),
                      disclosure=disclosure(placed, k=k), k=k, sample=sample,
                      framework=framework)


def _slice(data: SurveyData, level: Level, age_band: str | None,
           sex: str | None) -> tuple[pd.DataFrame, pd.DataFrame, set[str]]:
    """Respondents and scores of a slice, and the areas of ``level`` that may be shown."""
    mask = pd.Series(True, index=data.placed.index)
    if age_band is not None:
        mask &= data.placed["age_band"] == age_band
    if sex is not None:
        mask &= data.placed["sex"] == sex
    d = data.disclosure
    ok = d[(d["level"] == level) & (d["age_band"] == (age_band or ALL))
           & (d["sex"] == (sex or ALL)) & d["shown"]]
    return data.placed[mask], data.scores[mask], set(ok["area"])


def area_stats(
    data: SurveyData,
    *,
    level: Level,
    age_band: str | None = None,
    sex: str | None = None,
    measures: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Per area and measure: n, mean, standard deviation and 95 % interval — publishable only.

    Parameters
    ----------
    data
        From :func:`prepare`.
    level
        ``"h3_7"``, ``"h3_8"``, ``"town"`` or ``"city"``.
    age_band, sex
        Optional filters (canonical values); None means all.
    measures
        Measures to report (default: all, headlines first).

    Returns
    -------
    pandas.DataFrame
        Indexed by (``area``, ``measure``): ``n`` (respondents who answered), ``mean``,
        ``sd``, ``ci_low``, ``ci_high``. Only groups that pass :func:`disclosure` and have at
        least ``k`` answers to the measure appear; nothing else does.
    """
    placed, sc, ok = _slice(data, level, age_band, sex)
    wanted = list(measures) if measures is not None else list(data.framework.measures)
    frames = []
    areas = placed[level]
    for measure in wanted:
        g = sc[measure].groupby(areas)
        frame = pd.DataFrame({"n": g.count(), "mean": g.mean(), "sd": g.std(ddof=1)})
        frame["measure"] = measure
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=["n", "mean", "sd", "ci_low", "ci_high"])
    out = pd.concat(frames)
    out.index.name = "area"
    out = out.reset_index()
    out["area"] = out["area"].astype(str)
    out = out[out["area"].isin(ok) & (out["n"] >= data.k)]
    lo, hi = mean_interval(out["mean"], out["sd"], out["n"])
    out = out.assign(ci_low=lo, ci_high=hi).set_index(["area", "measure"]).sort_index()
    out["n"] = out["n"].astype("int64")
    return out[["n", "mean", "sd", "ci_low", "ci_high"]]


def distribution(
    data: SurveyData,
    *,
    level: Level,
    measure: str,
    age_band: str | None = None,
    sex: str | None = None,
) -> pd.DataFrame:
    """Share of each answer (1…5, or 0…10 for a headline) per publishable area.

    A factor pools the answers to its items. Only areas that :func:`area_stats` publishes for
    the same measure appear.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``area``; ``n`` (respondents) and one column per answer value (shares that
        sum to 1 over the answers given).
    """
    placed, _, _ = _slice(data, level, age_band, sex)
    pub = area_stats(data, level=level, age_band=age_band, sex=sex, measures=[measure])
    keep = pub.index.get_level_values("area")
    low, high = data.framework.scale_of(measure)
    h = data.framework.headline(measure)
    cols = [measure] if h is not None else [i.id for i in data.framework.items_of(measure)]
    long = placed[[level, *cols]].melt(id_vars=level, value_name="answer").dropna()
    long = long[long[level].astype(str).isin(keep)]
    counts = pd.crosstab(long[level].astype(str), long["answer"].astype(int))
    counts = counts.reindex(columns=range(low, high + 1), fill_value=0)
    shares = counts.div(counts.sum(axis=1), axis=0)
    shares.columns = [int(c) for c in shares.columns]
    shares.insert(0, "n", pub["n"].droplevel("measure").reindex(shares.index).astype("int64"))
    shares.index.name = "area"
    return shares


def area_table(
    data: SurveyData,
    *,
    level: Level,
    age_band: str | None = None,
    sex: str | None = None,
    names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """One row per publishable area: ``n`` and, per measure, mean and 95 % interval.

    Parameters
    ----------
    names
        Optional display name per area id (e.g. town names), put in a ``name`` column.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``area``: ``name`` (when given), ``n`` (respondents in the slice), then
        ``<measure>_mean``, ``<measure>_ci_low``, ``<measure>_ci_high`` (blank where fewer than
        ``k`` answered that measure).
    """
    stats_ = area_stats(data, level=level, age_band=age_band, sex=sex)
    _, _, ok = _slice(data, level, age_band, sex)
    d = data.disclosure
    n = d[(d["level"] == level) & (d["age_band"] == (age_band or ALL))
          & (d["sex"] == (sex or ALL)) & d["area"].isin(ok)].set_index("area")["n"]
    wide = stats_[["mean", "ci_low", "ci_high"]].unstack("measure")
    wide.columns = [f"{m}_{c}" for c, m in wide.columns]
    order = [f"{m}_{c}" for m in data.framework.measures for c in ("mean", "ci_low", "ci_high")]
    out = pd.DataFrame({"n": n.astype("int64")}).join(
        wide.reindex(columns=order)).sort_index()
    out.index.name = "area"
    if names is not None:
        out.insert(0, "name", [names.get(a, a) for a in out.index])
    return out


def export_csv(
    data: SurveyData,
    *,
    level: Level,
    age_band: str | None = None,
    sex: str | None = None,
    names: Mapping[str, str] | None = None,
) -> bytes:
    """The :func:`area_table` as CSV (UTF-8 with BOM), labelled when made from sample data.

    Every row carries ``level``, the filters, ``k`` and ``data_note`` (:data:`SAMPLE_LABEL`
    for sample data), so a copied file still says what it is.
    """
    table = area_table(data, level=level, age_band=age_band, sex=sex, names=names).round(3)
    table.insert(0, "level", level)
    table.insert(1, "age_band", age_band or "all")
    table.insert(2, "sex", sex or "all")
    table["k_min_respondents"] = data.k
    table["data_note"] = SAMPLE_LABEL if data.sample else ""
    text: str = table.to_csv()
    return text.encode("utf-8-sig")


# --- comments and the gap view ----------------------------------------------------------------


def comment_areas(
    comments: pd.DataFrame,
    *,
    level: Level,
    cell_town: Mapping[str, str] | None = None,
) -> pd.Series:
    """The area of each comment at a level (None where it cannot be placed).

    Parameters
    ----------
    comments
        The store's ``list_comments`` frame: ``cell`` (hex) and ``town_code``.
    level
        Area system. For cells, the cell of that resolution containing the comment's own cell
        (a comment on a coarser cell is not placed). For towns, the comment's ``town_code``,
        else the town of its res-9 cell from ``cell_town``.
    cell_town
        Res-9 cell id → town code (the town most of the cell's people live in).

    Returns
    -------
    pandas.Series
        Area ids (str or None), indexed like ``comments``.
    """
    if comments.empty:
        return pd.Series([], index=comments.index, dtype="object")
    if level == "city":
        return pd.Series(CITY, index=comments.index, dtype="object")
    cells = grid.to_cells(comments["cell"].astype(str).tolist())
    res_of = grid.resolution_of(cells)
    if level == "town":
        town = [None if pd.isna(v) else str(v) for v in comments["town_code"]]
        if cell_town is not None:
            fine = res_of >= 9
            res9: list[str | None] = [None] * len(cells)
            if fine.any():
                for pos, hexid in zip(np.flatnonzero(fine), grid.to_strings(
                        grid.parents(cells[fine], 9)), strict=True):
                    res9[int(pos)] = str(hexid)
            town = [v if v is not None else (cell_town.get(c) if c else None)
                    for v, c in zip(town, res9, strict=True)]
        return pd.Series(town, index=comments.index, dtype="object")
    res = LEVEL_RES[level]
    fine = res_of >= res
    ids: list[str | None] = [None] * len(cells)
    if fine.any():
        for pos, hexid in zip(np.flatnonzero(fine), grid.to_strings(
                grid.parents(cells[fine], res)), strict=True):
            ids[int(pos)] = str(hexid)
    return pd.Series(ids, index=comments.index, dtype="object")


def comments_by_area(
    comments: pd.DataFrame,
    *,
    level: Level,
    cell_town: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Count top-level comments per area and kind (replies are not counted).

    Parameters
    ----------
    comments
        The store's ``list_comments`` frame (``cell``, ``town_code``, ``kind``,
        ``parent_id``).
    level, cell_town
        As for :func:`comment_areas`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``area``: ``count``, ``good``, ``concern``, ``idea``.
    """
    c = comments
    if "parent_id" in c:
        c = c[c["parent_id"].isna()]
    cols = ["count", "good", "concern", "idea"]
    if c.empty:
        return pd.DataFrame({k: pd.Series(dtype="int64") for k in cols}).rename_axis("area")
    area = comment_areas(c, level=level, cell_town=cell_town)
    frame = pd.DataFrame({"area": area, "kind": c["kind"]}).dropna()
    counts = pd.crosstab(frame["area"].astype(str), frame["kind"]).reindex(
        columns=["good", "concern", "idea"], fill_value=0)
    counts.insert(0, "count", counts.sum(axis=1))
    counts.columns.name = None
    counts.index.name = "area"
    return counts.astype("int64")


def gap_view(
    stats: pd.DataFrame,
    *,
    city_mean: float,
    objective: pd.Series | None = None,
    city_rate: float | None = None,
    comments: pd.DataFrame | None = None,
    min_comments: int = 3,
) -> pd.DataFrame:
    """Objective KPI vs subjective score vs comments, per area, with mismatch flags.

    Parameters
    ----------
    stats
        One measure's :func:`area_stats`, indexed by ``area`` (``n``, ``mean``, ``ci_low``,
        ``ci_high``): only publishable areas, so the gap view never shows a small group.
    city_mean
        The city's mean of the same measure (the reference).
    objective
        The factor's objective KPI per area (e.g. a coverage rate 0–1), or None.
    city_rate
        The city's value of that KPI.
    comments
        :func:`comments_by_area` for the same factor.
    min_comments
        Concerns "cluster" in an area with at least this many concerns making up at least half
        of its comments.

    Returns
    -------
    pandas.DataFrame
        Indexed by area, in the order of ``stats`` (never sorted by a score): ``n``, ``mean``,
        ``ci_low``, ``ci_high``, ``subjective`` ("above" / "below" the city when the 95 %
        interval excludes the city mean, else "similar"), ``objective``, ``objective_vs_city``
        ("higher" / "lower" / None), ``comments``, ``good``, ``concern``, ``idea``,
        ``concern_share``, ``tone`` ((good − concern) / comments) and ``flags``: a tuple of
        ``"kpi_high_score_low"`` (the KPI is at or above the city's but the score is below),
        ``"kpi_low_score_high"`` (the reverse) and ``"concerns_cluster"``.
    """
    out = stats[["n", "mean", "ci_low", "ci_high"]].copy()
    out["subjective"] = np.where(out["ci_high"] < city_mean, "below",
                                 np.where(out["ci_low"] > city_mean, "above", "similar"))
    if objective is not None and city_rate is not None and not math.isnan(city_rate):
        obj = objective.reindex(out.index).astype(float)
        out["objective"] = obj
        out["objective_vs_city"] = [None if math.isnan(v) else ("higher" if v >= city_rate
                                                                 else "lower") for v in obj]
    else:
        out["objective"] = np.nan
        out["objective_vs_city"] = None
    c = comments if comments is not None else pd.DataFrame(
        columns=["count", "good", "concern", "idea"])
    c = c.reindex(out.index).fillna(0).astype("int64")
    out["comments"] = c["count"]
    for kind in ("good", "concern", "idea"):
        out[kind] = c[kind]
    with np.errstate(invalid="ignore", divide="ignore"):
        total = out["comments"].where(out["comments"] > 0)
        out["concern_share"] = out["concern"] / total
        out["tone"] = (out["good"] - out["concern"]) / total
    flags = []
    for row in out.itertuples():
        f: list[str] = []
        if row.objective_vs_city == "higher" and row.subjective == "below":
            f.append("kpi_high_score_low")
        if row.objective_vs_city == "lower" and row.subjective == "above":
            f.append("kpi_low_score_high")
        if row.concern >= min_comments and (row.concern_share or 0) >= 0.5:
            f.append("concerns_cluster")
        flags.append(tuple(f))
    out["flags"] = flags
    return out
