"""geo.privacy: the one suppression rule. The survey's cross-tabulations are audited in
test_survey.py, the vacancy view's overlapping areas in test_vacancy.py; here the rule for
two overlapping area systems is checked on its own, by brute force over every set of units."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo import privacy

NESTED = ["a", "b", "c"]


def worked_out(units: pd.DataFrame, disc: pd.DataFrame, *, k: int) -> list[list[str]]:
    """Every set of leaves (finest area × town, as given) whose units the published counts pin
    down at 1 … k−1 (linear span: every leaf holds a unit, so bounds add nothing)."""
    key = units["c"].map(str) + "|" + units["t"].map(str)
    leaves = sorted(set(key))
    n = key.value_counts().reindex(leaves).to_numpy(float)
    rows = []
    for r in disc[disc["shown"]].itertuples():
        mask = np.ones(len(units), bool) if r.level == "city" else \
            (units[r.level] == r.area).fillna(False).to_numpy(bool)
        rows.append(np.isin(leaves, key[mask].unique()).astype(float))
    if not rows:
        return []
    a = np.array(rows)
    span = np.linalg.pinv(a) @ a
    subsets = np.array(list(itertools.product((0.0, 1.0), repeat=len(leaves))))[1:]
    known = np.abs(subsets @ span - subsets).max(axis=1) < 1e-7
    small = (subsets @ n >= 1) & (subsets @ n < k)
    return [[leaves[i] for i in np.flatnonzero(subsets[j])]
            for j in np.flatnonzero(known & small)]


@st.composite
def overlapping(draw):
    """Units in a 2 × 2 × 2 tree of nested areas and up to four flat ones that mostly follow
    the finest areas; a few with no location or no flat area."""
    home: dict[str, str] = {}
    rows = []
    for _ in range(draw(st.integers(1, 40))):
        a, b, c = (draw(st.sampled_from("01")) for _ in range(3))
        path = (f"A{a}", f"A{a}B{b}", f"A{a}B{b}C{c}")
        town = home.setdefault(path[2], draw(st.sampled_from(["T0", "T1", "T2", "T3"])))
        if not draw(st.integers(0, 3)):
            town = draw(st.sampled_from(["T0", "T1", "T2", "T3", None]))
        if not draw(st.integers(0, 15)):
            path = (None, None, None)
        rows.append((*path, town))
    units = pd.DataFrame(rows, columns=[*NESTED, "t"])
    leaves = units["c"].map(str) + "|" + units["t"].map(str)
    return units, draw(st.integers(2, 6)), leaves.nunique()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(overlapping())
def test_no_set_of_fewer_than_k_units_is_worked_out(case) -> None:
    units, k, n_leaves = case
    disc = privacy.area_disclosure(units, nested=NESTED, flat="t", k=k)
    assert not ((disc["n"] < k) & disc["shown"]).any()  # primary
    assert disc.loc[disc["level"] == "city", "shown"].item() == (len(units) >= k)
    if n_leaves <= 14:
        assert worked_out(units, disc, k=k) == []


def test_levels_must_nest_and_k_be_positive() -> None:
    units = pd.DataFrame({"a": ["A0", "A1"], "b": ["B0", "B0"], "t": ["T0", "T0"]})
    with pytest.raises(ValueError, match="does not nest"):
        privacy.area_disclosure(units, nested=["a", "b"], flat="t", k=2)
    half = pd.DataFrame({"a": ["A0", None], "b": ["B0", "B1"], "t": ["T0", "T0"]})
    with pytest.raises(ValueError, match="same units"):
        privacy.area_disclosure(half, nested=["a", "b"], flat="t", k=2)
    with pytest.raises(ValueError, match="at least 1"):
        privacy.area_disclosure(units, nested=["a"], flat="t", k=0)


def test_nothing_is_shown_below_k_and_empty_input_is_fine() -> None:
    few = pd.DataFrame({"a": ["A0", "A0"], "t": ["T0", None]})
    disc = privacy.area_disclosure(few, nested=["a"], flat="t", k=3)
    assert not disc["shown"].any() and disc["n"].tolist() == [2, 2, 1]
    empty = pd.DataFrame({"a": pd.Series([], dtype=object), "t": pd.Series([], dtype=object)})
    assert privacy.area_disclosure(empty, nested=["a"], flat="t", k=3).empty
