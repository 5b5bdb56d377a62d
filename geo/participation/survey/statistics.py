"""Statistics: scores per respondent, intervals, and the publishable figures per area (n,
mean, interval, distribution, the area table and its CSV)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats as sstats

from geo.participation.framework import FRAMEWORK, Framework
from geo.participation.survey.areas import place
from geo.participation.survey.common import ALL, K_DEFAULT, SAMPLE_LABEL, Level
from geo.participation.survey.disclosure import disclosure
from geo.text import escape_for_csv_cell

__all__ = [
    "SurveyData",
    "area_stats",
    "area_table",
    "distribution",
    "export_csv",
    "mean_interval",
    "prepare",
    "scores",
]


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
    if "name" in table.columns:  # area names come from files: formula-safe, like every CSV
        table["name"] = [escape_for_csv_cell(v) if isinstance(v, str) else v
                         for v in table["name"]]
    text: str = table.to_csv()
    return text.encode("utf-8-sig")
