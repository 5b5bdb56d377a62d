"""Disclosure: which (area, age band, sex) groups of the survey may be published — the one
suppression rule of :mod:`geo.privacy` applied to the survey's areas and attributes."""

from __future__ import annotations

import pandas as pd

from geo.privacy import crosstab_disclosure

__all__ = ["AREA_LEVELS", "ATTRIBUTES", "disclosure"]

#: The survey's nested area levels, coarsest first (towns lie wholly in one res-8 cell).
AREA_LEVELS: tuple[str, ...] = ("city", "h3_7", "h3_8", "town")
#: The attributes every area is also split by.
ATTRIBUTES: tuple[str, ...] = ("age_band", "sex")


def disclosure(placed: pd.DataFrame, *, k: int) -> pd.DataFrame:
    """Which (area, age band, sex) groups may be published: primary and secondary suppression.

    Primary: a group of fewer than ``k`` respondents is suppressed. Secondary: published totals
    are split into parts — the city into res-7 cells, a res-7 cell into its res-8 cells, a res-8
    cell into its towns (in every age band × sex slice), and any area's slice into age bands or
    into sexes. A suppressed group is still *known* when it can be worked out: as the one
    unknown term of such a split (a total minus its other parts, or the sum of its parts),
    repeatedly. Wherever a known total minus its known parts leaves between 1 and ``k − 1``
    people, the smallest published part (or a published part of the smallest derivable one)
    is suppressed too, until no split anywhere leaves such a remainder
    (:func:`geo.privacy.crosstab_disclosure`).

    Parameters
    ----------
    placed
        Output of :func:`geo.participation.survey.place`.
    k
        Minimum group size (≥ 1).

    Returns
    -------
    pandas.DataFrame
        One row per group with at least one respondent: ``level``, ``area``, ``age_band``,
        ``sex`` (:data:`geo.privacy.ALL` for "any"), ``n`` and ``shown``.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    return crosstab_disclosure(placed, areas=AREA_LEVELS, attributes=ATTRIBUTES, k=k)
