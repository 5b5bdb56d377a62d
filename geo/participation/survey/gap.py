"""The gap view: objective KPI vs subjective score vs comments, per area, with mismatch flags."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["gap_view"]


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
