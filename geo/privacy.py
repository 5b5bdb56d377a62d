"""The one suppression rule: no published figure stands for fewer than ``k`` units (people,
buildings), and no such figure can be worked out by differencing.

*Primary*: a group of fewer than ``k`` units is suppressed. *Secondary*: wherever a published
total minus its published (or worked-out) parts leaves between 1 and ``k − 1`` units, or a
suppressed group of 1 … ``k − 1`` units can be worked out from what is published, another group
is suppressed too, until neither happens anywhere.

Every published figure is a sum over the units of its group (counts, sums of answers or of
dwellings, and what is computed from them: means, rates, bands), and every group is a sum of
the same units, so protecting the counts protects every figure: a set of units whose count
cannot be worked out cannot have its sums worked out either, and a set worked out at ``k`` or
more units is as safe as a published group.

Two shapes of table, one rule:

* :func:`crosstab_disclosure` — areas that nest (city ⊃ res-7 cell ⊃ res-8 cell ⊃ town)
  crossed with attributes (age band × sex), every combination publishable: the Well-Being
  survey (:mod:`geo.participation.survey`). Groups are worked out as the one unknown term of
  a split (a total minus its other parts, or the sum of its parts), repeatedly.
* :func:`area_disclosure` — two area systems over the same units: areas that nest (H3 cells
  of several resolutions under the city) and a flat one that cuts across them (towns); only
  the areas themselves are published, never their intersections: the vacancy estimates
  (:mod:`geo.context.vacancy`). Because towns and cells overlap, what can be worked out is
  decided exactly, for every set of units (blocks, a block graph and a few maximum flows:
  see the comment above :class:`_Overlap`).

Both are audited in the tests with linear programming: the exact range of every suppressed
group, and of every published total minus its published parts, given everything published.
This module is core: it imports no other part of :mod:`geo`.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["ALL", "CITY", "area_disclosure", "crosstab_disclosure", "protect"]

#: "Any value" of an attribute in a cross-tabulation (no filter).
ALL = "*"
#: Area id (and level name) of the whole city in :func:`area_disclosure`.
CITY = "city"

Key = tuple[str, ...]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


def _check_k(k: int) -> None:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k must be a whole number of at least 1, got {k!r}")


# --------------------------------------------------------------------------------------------
# Splits of totals into parts, worked out one unknown at a time (the survey's tables)
# --------------------------------------------------------------------------------------------


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


@dataclass
class _Splits:
    """Groups (sizes) and splits (``members[j] = [total, *parts]``) by position."""

    keys: list[Key]
    size: list[int]
    members: list[list[int]]
    visible: list[bool]
    of: list[list[int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.of = [[] for _ in self.keys]
        for j, m in enumerate(self.members):
            for x in m:
                self.of[x].append(j)

    def order(self, c: int) -> tuple[int, Key]:
        return self.size[c], self.keys[c]

    def breaker(self, x: int, why: dict[int, int], seen: set[int]) -> int | None:
        """A published group whose suppression stops ``x`` being known (smallest first)."""
        if self.visible[x]:
            return x
        seen.add(x)
        split = self.members[why[x]]
        if x == split[0]:  # derived as the sum of its parts
            others = sorted(split[1:], key=self.order)
        else:  # derived as a total minus the other parts: try those, then the total
            others = [*sorted((c for c in split[1:] if c != x), key=self.order), split[0]]
        for c in others:
            if c not in seen:
                pick = self.breaker(c, why, seen)
                if pick is not None:
                    return pick
        return None

    def fixes(self, k: int) -> set[int]:
        """Published groups to suppress now (empty when nothing small can be worked out)."""
        known, why = _known(self.members, self.of, self.visible)
        fixes: set[int] = set()
        for m in self.members:
            parent, parts = m[0], m[1:]
            if not known[parent]:
                continue
            rest = sum(self.size[c] for c in parts if not known[c])
            if not 0 < rest < k:
                continue
            for c in sorted((c for c in parts if known[c]), key=self.order):
                pick = self.breaker(c, why, set())
                if pick is not None:
                    fixes.add(pick)
                    break
            else:  # no part can be hidden: hide the total's own derivation instead
                pick = self.breaker(parent, why, set())
                if pick is None:  # pragma: no cover - a known total is published or derived
                    raise RuntimeError("suppression cannot protect a split")
                fixes.add(pick)
        for x in why:  # a small group worked out on its own
            if 0 < self.size[x] < k:
                pick = self.breaker(x, why, set())
                if pick is None:  # pragma: no cover - a derived group has published terms
                    raise RuntimeError("suppression cannot protect a group")
                fixes.add(pick)
        return fixes


def protect(sizes: dict[Key, int], partitions: Sequence[tuple[Key, Sequence[Key]]], *,
            k: int) -> dict[Key, bool]:
    """Decide which groups of a table of splits may be published.

    Primary: a group of fewer than ``k`` units is suppressed. Secondary: a suppressed group is
    still *known* when it can be worked out as the one unknown term of a split (a total minus
    its other parts, or the sum of its parts), repeatedly. Wherever a known total minus its
    known parts leaves between 1 and ``k − 1`` units, the smallest published part (or a
    published part of the smallest derivable one) is suppressed too, and so is a published
    term of any small group that is worked out, until neither happens.

    Parameters
    ----------
    sizes
        Units in each group (groups of zero units are best left out: what is empty is not
        published, so an attacker cannot assume it).
    partitions
        ``(total, parts)``: the total's units are exactly those of its parts.
    k
        Minimum group size (≥ 1).

    Returns
    -------
    dict
        Whether each group may be published.
    """
    _check_k(k)
    keys = list(sizes)
    index = {key: i for i, key in enumerate(keys)}
    splits = _Splits(keys=keys, size=[sizes[key] for key in keys],
                     members=[[index[p], *(index[c] for c in cs)] for p, cs in partitions],
                     visible=[sizes[key] >= k for key in keys])
    while fixes := splits.fixes(k):
        for x in fixes:
            splits.visible[x] = False
    return dict(zip(keys, splits.visible, strict=True))


def _crosstab_sizes(units: pd.DataFrame, areas: Sequence[str],
                    attributes: Sequence[str]) -> dict[Key, int]:
    """Units per (level, area, *attribute values), :data:`ALL` for "any value"."""
    n: dict[Key, int] = {}
    for lvl in areas:
        for any_of in itertools.product((False, True), repeat=len(attributes)):
            by = [lvl, *(a for a, whole in zip(attributes, any_of, strict=True) if not whole)]
            for idx, count in units.groupby(by, sort=False).size().items():
                t = iter(idx if isinstance(idx, tuple) else (idx,))
                area = str(next(t))
                values = tuple(ALL if whole else str(next(t)) for whole in any_of)
                n[(lvl, area, *values)] = int(count)
    return n


def _crosstab_splits(units: pd.DataFrame, n: dict[Key, int], areas: Sequence[str],
                     attributes: Sequence[str]) -> list[tuple[Key, list[Key]]]:
    """Every split of a crosstab: an area into its sub-areas (in every attribute slice) and
    any group into the values of one attribute."""
    width = len(attributes)
    values = [sorted({key[2 + j] for key in n if key[2 + j] != ALL}) for j in range(width)]
    slices = list(itertools.product(*([ALL, *v] for v in values)))
    children: dict[tuple[str, str], list[str]] = {}
    for parent_level, level in itertools.pairwise(areas):
        for child, parent in units.groupby(level)[parent_level].first().items():
            children.setdefault((parent_level, str(parent)), []).append(str(child))
    below = dict(itertools.pairwise(areas))
    partitions: list[tuple[Key, list[Key]]] = []
    for (plvl, parea), kids in children.items():
        for s in slices:
            if (plvl, parea, *s) in n:
                parts = [(below[plvl], c, *s) for c in kids if (below[plvl], c, *s) in n]
                partitions.append(((plvl, parea, *s), parts))
    for lvl, area in sorted({(key[0], key[1]) for key in n}):
        for j in range(width):
            others = [[ALL, *v] for i, v in enumerate(values) if i != j]
            for rest in itertools.product(*others):
                total = (lvl, area, *rest[:j], ALL, *rest[j:])
                if total in n:
                    parts = [p for v in values[j]
                             if (p := (lvl, area, *rest[:j], v, *rest[j:])) in n]
                    partitions.append((total, parts))
    return partitions


def crosstab_disclosure(units: pd.DataFrame, *, areas: Sequence[str],
                        attributes: Sequence[str], k: int) -> pd.DataFrame:
    """Which (area, attribute values) groups of a cross-tabulation may be published.

    Groups: every area of every level in every combination of attribute values, each
    attribute also "any value" (:data:`ALL`). Splits: an area into its areas one level finer
    (in every slice), and any group into the values of one attribute. :func:`protect`
    decides.

    Parameters
    ----------
    units
        One row per unit (a respondent): a column per area level and per attribute.
    areas
        Area columns, coarsest first; each area lies in exactly one area of the level before
        (e.g. ``city, h3_7, h3_8, town``).
    attributes
        Attribute columns (e.g. ``age_band, sex``).
    k
        Minimum group size (≥ 1).

    Returns
    -------
    pandas.DataFrame
        One row per group with at least one unit: ``level``, ``area``, one column per
        attribute (:data:`ALL` for "any"), ``n`` and ``shown``.
    """
    _check_k(k)
    n = _crosstab_sizes(units, areas, attributes)
    shown = protect(n, _crosstab_splits(units, n, areas, attributes), k=k)
    groups = sorted(n)
    out: dict[str, Any] = {"level": [g[0] for g in groups], "area": [g[1] for g in groups]}
    for j, name in enumerate(attributes):
        out[name] = [g[2 + j] for g in groups]
    out["n"] = [n[g] for g in groups]
    out["shown"] = [shown[g] for g in groups]
    return pd.DataFrame(out)


# --------------------------------------------------------------------------------------------
# Two overlapping area systems: nested cells and towns (the vacancy estimates)
# --------------------------------------------------------------------------------------------
#
# Units fall into *leaves*: one per (finest nested area or none, town or none) that holds units.
# Every published area is a set of leaves, and what can be worked out from published counts is
# exactly their linear span (each leaf holds at least one unit, so bounds add nothing). The
# nested areas with the city form a tree and the towns with the city a partition, so the span
# is that of disjoint *blocks*: a published nested area minus the published nested areas
# inside it (a Q-block), a published town, and the city minus the published towns (P-blocks).
# Joined by the leaves they share, P- and Q-blocks form a bipartite *block graph*. A set of
# leaves is worked out iff its indicator is a_P + b_Q on every leaf for some numbers a, b
# (potentials on the graph); cutting such potentials at thresholds shows that every set worked
# out is a disjoint union of sets
#
#     S(X) = the leaves of the P-blocks X that lie in Q-blocks not wholly inside X,
#
# i.e. some towns (with the city's rest) minus the cells filled by them. So nothing of
# 1 … k−1 units can be worked out iff every block holds 0 or ≥ k units and no X has
# 1 ≤ |S(X)| < k. |S(X)| is the capacity of a cut in a small network (P → Q with the leaves'
# units, Q → P without limit: a Q-block is inside X only with all its P-blocks), so the
# smallest S(X) is found with a few maximum flows (_Overlap.leak). While one is below k, a cell
# is suppressed whose block, merged into its parent's, joins a block inside X to one that is
# not, which adds at least k units to that S(X) (_Overlap.fix).


_NONE = -1


@dataclass
class _Overlap:
    """Leaves, the nested tree and the towns of :func:`area_disclosure`, and what is shown."""

    parent: Ints          # nested node → parent node (city = node 0, parent −1)
    depth: Ints           # nested node → level (city 0)
    count: Ints           # nested node → units
    town_count: Ints      # town → units
    leaf_node: Ints       # leaf → finest nested node (0: no location)
    leaf_town: Ints       # leaf → town (−1: none)
    leaf_n: Ints          # leaf → units
    k: int
    shown: Bools = field(init=False)
    town_shown: Bools = field(init=False)

    def __post_init__(self) -> None:
        self.shown = self.count >= self.k
        self.town_shown = self.town_count >= self.k

    def owners(self) -> Ints:
        """Each nested node's nearest shown ancestor-or-self (the city: always shown here)."""
        own = np.zeros(len(self.parent), dtype=np.int64)
        for d in range(1, int(self.depth.max(initial=0)) + 1):
            at = np.flatnonzero(self.depth == d)
            own[at] = np.where(self.shown[at], at, own[self.parent[at]])
        return own

    def blocks(self, own: Ints) -> tuple[Ints, Ints]:
        """Each leaf's Q-block (its shown nested node) and P-block (its shown town, or
        ``len(towns)``: the city minus the shown towns)."""
        nt = len(self.town_count)
        town = np.append(self.town_shown, False)[self.leaf_town]  # −1 (no town) reads False
        return own[self.leaf_node], np.where(town, self.leaf_town, nt)

    def block_fixes(self, own: Ints, q: Ints, p: Ints) -> list[tuple[str, int]]:
        """Areas to hide so that every block holds 0 or at least k units: a published area
        minus the published areas of its own system inside it (the city or a cell minus its
        shown cells, the city minus its shown towns) never leaves 1 … k−1."""
        fixes: list[tuple[str, int]] = []
        nn, nt, k = len(self.parent), len(self.town_count), self.k
        private = np.bincount(q, weights=self.leaf_n, minlength=nn)
        up = np.where(np.arange(nn) > 0, own[np.maximum(self.parent, 0)], _NONE)
        tops = self.shown & (up >= 0) & (np.arange(nn) > 0)
        for s in np.flatnonzero(self.shown & (private >= 1) & (private < k)):
            fixes.append(("node", _smallest(np.flatnonzero(tops & (up == s)), self.count)))
        rest = self.leaf_n[p == nt].sum()
        if 1 <= rest < k:
            fixes.append(("town", _smallest(np.flatnonzero(self.town_shown), self.town_count)))
        return fixes

    def leak(self, q: Ints, p: Ints) -> tuple[Ints, Ints] | None:
        """P-blocks X with 1 ≤ |S(X)| < k and the Q-blocks inside them, if there are any."""
        net = _Network(q, p, self.leaf_n, k=self.k)
        for group in net.components():
            first = group[0]
            for other in group[1:]:
                for source, sink in ((first, other), (other, first)):
                    found = net.cut(source, sink)
                    if found is not None:
                        return found
        return None

    def fix(self, own: Ints, q: Ints, inside_q: Ints) -> list[tuple[str, int]]:
        """Cells to hide so that a block inside a leaking X merges with one that is not, which
        adds a whole block (at least k units) to that S(X): the fewest cells (then the
        smallest) that bring such two blocks into one, either a block into the nearest block
        above it, or two blocks into an empty one above both (hiding the shown cells between,
        whose blocks are empty)."""
        nn = len(self.parent)
        full = np.bincount(q, minlength=nn) > 0  # shown nodes whose block holds leaves
        inside = np.zeros(nn, dtype=bool)
        inside[inside_q] = True
        options: list[list[int]] = []
        meet: dict[int, dict[bool, list[int]]] = {}  # empty shown node → a path up to it
        for b in np.flatnonzero(full & (np.arange(nn) > 0)).tolist():
            path, node = [b], int(own[self.parent[b]])
            while not full[node]:
                slot = meet.setdefault(node, {})
                if bool(inside[b]) not in slot or len(path) < len(slot[bool(inside[b])]):
                    slot[bool(inside[b])] = list(path)
                if node == 0:
                    break
                path.append(node)
                node = int(own[self.parent[node]])
            else:
                if inside[b] != inside[node]:
                    options.append(path)
        options += [slot[True] + slot[False] for slot in meet.values() if len(slot) == 2]
        best = min(options, key=lambda o: (len(o), int(self.count[o].sum()), o))
        return [("node", n) for n in best]

    def protect(self) -> None:
        """Hide areas until no set of 1 … k−1 units can be worked out."""
        if not self.shown[0]:  # fewer than k units in all: nothing is shown
            self.town_shown[:] = False
            return
        while True:
            own = self.owners()
            q, p = self.blocks(own)
            fixes = self.block_fixes(own, q, p)
            if not fixes and (found := self.leak(q, p)) is not None:
                fixes = self.fix(own, q, found[1])
            if not fixes:
                return
            for kind, area in fixes:
                (self.shown if kind == "node" else self.town_shown)[area] = False


def _smallest(candidates: Ints, sizes: Ints) -> int:
    return int(min(candidates, key=lambda c: (int(sizes[c]), int(c))))


class _Network:
    """The cut network of the block graph: a node per group of P-blocks that must stay
    together (taking one without the other would cost k units or more) and per Q-block."""

    def __init__(self, q: Ints, p: Ints, n: Ints, *, k: int) -> None:
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        pairs = pd.Series(n).groupby([p, q]).sum()
        self.k = k
        self.pp = pairs.index.get_level_values(0).to_numpy(np.int64)
        self.qq = pairs.index.get_level_values(1).to_numpy(np.int64)
        self.w = pairs.to_numpy(np.int64)
        n_p, n_q = int(self.pp.max()) + 1, int(self.qq.max()) + 1
        touch = coo_matrix((np.ones(len(self.w)), (self.pp, self.qq)), shape=(n_p, n_q)).tocsr()
        heavy = coo_matrix(((self.w >= k).astype(float), (self.pp, self.qq)),
                           shape=(n_p, n_q)).tocsr()
        # P → P' when a Q-block shares ≥ k units with P and touches P': keep them together
        _, self.group = connected_components(heavy @ touch.T, directed=True, connection="strong")
        _, self.part = connected_components(touch @ touch.T, directed=False)
        self.used = np.unique(self.pp)
        self.n_groups = int(self.group.max()) + 1
        self.n_q = n_q
        g = self.group[self.pp]
        cap = pd.Series(self.w).groupby([g, self.qq]).sum()
        infinite = min(int(self.w.sum()) + 1, 2**31 - 1)
        gi = cap.index.get_level_values(0).to_numpy(np.int64)
        qi = cap.index.get_level_values(1).to_numpy(np.int64) + self.n_groups
        size = self.n_groups + n_q
        self.capacity = coo_matrix(
            (np.concatenate([cap.to_numpy(np.int64), np.full(len(gi), infinite)]).astype(np.int32),
             (np.concatenate([gi, qi]), np.concatenate([qi, gi]))), shape=(size, size)).tocsr()

    def components(self) -> list[list[int]]:
        """The groups of each connected part of the block graph."""
        out: dict[int, set[int]] = {}
        for p in self.used:
            out.setdefault(int(self.part[p]), set()).add(int(self.group[p]))
        return [sorted(g) for g in out.values() if len(g) > 1]

    def cut(self, source: int, sink: int) -> tuple[Ints, Ints] | None:
        """The smallest S(X) with group ``source`` in X and ``sink`` out, if below k: the
        P-blocks of X and the Q-blocks inside it."""
        from scipy.sparse.csgraph import breadth_first_order, maximum_flow

        flow = maximum_flow(self.capacity, source, sink, method="dinic")
        if not 1 <= flow.flow_value < self.k:
            return None
        residual = (self.capacity - flow.flow).tocsr()
        residual.data = np.where(residual.data > 0, residual.data, 0)
        residual.eliminate_zeros()
        side = breadth_first_order(residual, source, directed=True, return_predecessors=False)
        groups = side[side < self.n_groups]
        x = self.used[np.isin(self.group[self.used], groups)]
        return x.astype(np.int64), (side[side >= self.n_groups] - self.n_groups).astype(np.int64)


def _overlap(units: pd.DataFrame, nested: Sequence[str], flat: str | None,
             k: int) -> tuple[_Overlap, list[list[Hashable]], list[Hashable]]:
    """Build the leaves, the nested tree and the towns; also the area ids of each node (per
    level) and of each town."""
    levels: list[Ints] = []
    ids: list[list[Hashable]] = [[CITY]]
    offset = 1
    for name in nested:
        codes, uniques = pd.factorize(units[name], use_na_sentinel=True)
        levels.append(np.where(codes >= 0, codes + offset, _NONE).astype(np.int64))
        ids.append(list(uniques))
        offset += len(uniques)
    if any(((lv < 0) != (levels[-1] < 0)).any() for lv in levels):
        raise ValueError("every nested level must locate the same units")
    parent = np.full(offset, _NONE, dtype=np.int64)
    depth = np.zeros(offset, dtype=np.int64)
    for d, lv in enumerate(levels, start=1):
        has = lv >= 0
        up = levels[d - 2][has] if d > 1 else np.zeros(int(has.sum()), dtype=np.int64)
        pairs = pd.DataFrame({"c": lv[has], "p": up}).drop_duplicates()
        if pairs["c"].duplicated().any():
            raise ValueError(f"{nested[d - 1]} does not nest in the level above it")
        parent[pairs["c"].to_numpy()] = pairs["p"].to_numpy()
        depth[pairs["c"].to_numpy()] = d
    finest = np.maximum(levels[-1], 0) if levels else np.zeros(len(units), dtype=np.int64)
    town_ids: list[Hashable] = []
    towns = np.full(len(units), _NONE, dtype=np.int64)
    if flat is not None:
        codes, uniques = pd.factorize(units[flat], use_na_sentinel=True)
        towns, town_ids = codes.astype(np.int64), list(uniques)
    leaves = pd.DataFrame({"node": finest, "town": towns}).value_counts(sort=False)
    leaf_node = leaves.index.get_level_values("node").to_numpy(np.int64)
    leaf_town = leaves.index.get_level_values("town").to_numpy(np.int64)
    leaf_n = leaves.to_numpy(np.int64)
    count = np.zeros(offset, dtype=np.int64)
    np.add.at(count, leaf_node, leaf_n)
    for d in range(int(depth.max(initial=0)), 0, -1):
        at = np.flatnonzero(depth == d)
        np.add.at(count, parent[at], count[at])
    has_town = leaf_town >= 0
    town_count = np.bincount(leaf_town[has_town], weights=leaf_n[has_town],
                             minlength=len(town_ids)).astype(np.int64)
    table = _Overlap(parent=parent, depth=depth, count=count, town_count=town_count,
                     leaf_node=leaf_node, leaf_town=leaf_town, leaf_n=leaf_n, k=k)
    return table, ids, town_ids


def area_disclosure(units: pd.DataFrame, *, nested: Sequence[str], flat: str | None,
                    k: int) -> pd.DataFrame:
    """Which areas of two overlapping area systems may be published.

    The units (buildings) are counted in the city, in nested areas (each level inside the one
    before, e.g. H3 cells of resolution 7, 8, 9, 10) and in flat areas that cut across them
    (towns). Only the areas are published, never a town's part of a cell. Primary: an area of
    fewer than ``k`` units is suppressed. Secondary: more cells (and towns) are suppressed
    until **no set of 1 … ``k − 1`` units can be worked out** from the published areas — not
    a suppressed area, not a published area minus the published ones inside it (the city or
    a cell minus its cells, the city minus its towns, a town minus the cells it fills, a cell
    minus the towns inside it), nor any other combination across the two systems. This is
    decided exactly (see the comment above :class:`_Overlap`); the city itself is shown
    whenever it holds ``k`` units.

    Parameters
    ----------
    units
        One row per unit: a column per nested level (NA where the unit has no location, then
        on every level) and the flat column (NA where the unit has no flat area).
    nested
        Nested level columns, coarsest first.
    flat
        The flat area column, or None.
    k
        Minimum number of units behind a published area (≥ 1).

    Returns
    -------
    pandas.DataFrame
        One row per area with at least one unit: ``level`` (:data:`CITY`, a nested level or
        the flat column's name), ``area`` (:data:`CITY` for the city), ``n`` and ``shown``.
    """
    _check_k(k)
    table, ids, town_ids = _overlap(units, nested, flat, k)
    if len(units):
        table.protect()
    names = [CITY, *nested]
    rows: list[tuple[str, Hashable, int, bool]] = []
    node = 0
    for d, areas in enumerate(ids):
        for area in areas:
            rows.append((names[d], area, int(table.count[node]), bool(table.shown[node])))
            node += 1
    for t, area in enumerate(town_ids):
        rows.append((str(flat), area, int(table.town_count[t]), bool(table.town_shown[t])))
    out = pd.DataFrame(rows, columns=["level", "area", "n", "shown"])
    return out[out["n"] > 0].reset_index(drop=True)
