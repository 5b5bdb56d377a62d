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
  decided exactly (linear algebra on the published areas, see :class:`_Overlap`).

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
# Units fall into *leaves*: one per (finest nested area or none, flat area or none) that holds
# units. Every published area is a set of leaves, and what can be worked out from published
# counts is exactly their linear span (each leaf holds at least one unit, so bounds add
# nothing). The nested areas (with the city) form a tree and the flat ones (with the city) a
# partition, so the span is that of disjoint *blocks*: a published nested area minus the
# published nested areas inside it (its Q-block), a published town, and the city minus the
# published towns (P-blocks); a leaf under no published area of a system belongs to that
# system's "none" block, fixed at 0. A set U of leaves is worked out iff its indicator is
# a_P + b_Q on every leaf (P-block P, Q-block Q) for some numbers a, b with a_none = b_none = 0:
# potentials on the bipartite *block graph* whose edges are the (P, Q) pairs holding leaves.
# For U inside one block B that comes down to (see _Overlap.pinned): no edge of B half in U;
# in each component of the graph without B (each biconnected component at B), B's edges all
# in U or all out; and the components that hold a "none" block agree on b_B (0 if B is one).


_NONE = -1


@dataclass
class _Overlap:
    """Leaves, the nested tree and the towns of :func:`area_disclosure`, and what is shown."""

    parent: Ints          # nested node → parent node (city = node 0, parent −1)
    depth: Ints           # nested node → level (city 0)
    count: Ints           # nested node → units
    inside: Ints          # nested node → the one town all its units are in (−1: none)
    town_count: Ints      # town → units
    town_top: Ints        # town → lowest nested node holding all its units (0: the city)
    leaf_node: Ints       # leaf → finest nested node (0: no location)
    leaf_town: Ints       # leaf → town (−1: none)
    leaf_n: Ints          # leaf → units
    chains: list[Ints]    # per level: leaf → its node at that level (−1: none)
    k: int
    shown: Bools = field(init=False)
    town_shown: Bools = field(init=False)

    def __post_init__(self) -> None:
        self.shown = self.count >= self.k
        self.town_shown = self.town_count >= self.k

    # -- blocks ---------------------------------------------------------------------------

    def owners(self) -> Ints:
        """Each nested node's nearest shown ancestor-or-self (−1: none)."""
        own = np.full(len(self.parent), _NONE, dtype=np.int64)
        own[0] = 0 if self.shown[0] else _NONE
        for d in range(1, int(self.depth.max(initial=0)) + 1):
            at = np.flatnonzero(self.depth == d)
            own[at] = np.where(self.shown[at], at, own[self.parent[at]])
        return own

    def blocks(self, own: Ints) -> tuple[Ints, Ints]:
        """Each leaf's Q-block (a shown nested node; ``len(parent)`` = none) and P-block (a
        shown town; ``len(towns)`` = the city's rest; ``len(towns) + 1`` = none)."""
        q = own[self.leaf_node]
        q = np.where(q < 0, len(self.parent), q)
        nt = len(self.town_count)
        rest = nt if self.shown[0] else nt + 1
        p = np.where(self.leaf_town >= 0, self.leaf_town, rest)
        if nt:
            p = np.where((p < nt) & ~self.town_shown[np.minimum(p, nt - 1)], rest, p)
        return q, p

    # -- remainders: a published total minus its published parts --------------------------

    def remainder_fixes(self, own: Ints, q: Ints, p: Ints) -> list[tuple[str, int]]:
        """Areas to hide so that no published total minus its published parts of one system
        leaves 1 … k−1 units."""
        fixes: list[tuple[str, int]] = []
        k, nn, nt = self.k, len(self.parent), len(self.town_count)
        private = np.bincount(q, weights=self.leaf_n, minlength=nn + 1)[:nn]
        top = np.where(np.arange(nn) > 0, own[np.maximum(self.parent, 0)], _NONE)
        tops = self.shown & (top >= 0)
        for s in np.flatnonzero(self.shown & (private >= 1) & (private < k)):
            parts = np.flatnonzero(tops & (top == s))
            fixes.append(("node", self._smallest(parts, self.count)))
        city_rest = self.leaf_n[p == nt].sum()
        if self.shown[0] and 1 <= city_rest < k:
            fixes.append(("town", self._smallest(np.flatnonzero(self.town_shown),
                                                 self.town_count)))
        fixes += self._town_minus_cells(k)
        fixes += self._cell_minus_towns(k)
        return fixes

    @staticmethod
    def _smallest(candidates: Ints, sizes: Ints) -> int:
        return int(min(candidates, key=lambda c: (int(sizes[c]), int(c))))

    def _town_minus_cells(self, k: int) -> list[tuple[str, int]]:
        """A shown town minus the largest shown nested areas lying inside it."""
        nn = len(self.parent)
        first = np.full(nn, _NONE, dtype=np.int64)  # the topmost shown node inside the town
        for d in range(1, int(self.depth.max(initial=0)) + 1):
            at = np.flatnonzero(self.depth == d)
            up = self.parent[at]
            same = (self.inside[up] == self.inside[at]) & (self.inside[at] >= 0) & (up > 0)
            inherited = np.where(same, first[up], _NONE)
            own = np.where(self.shown[at] & (self.inside[at] >= 0), at, _NONE)
            first[at] = np.where(inherited >= 0, inherited, own)
        tops = np.flatnonzero(first == np.arange(nn))
        covered = np.bincount(self.inside[tops], weights=self.count[tops],
                              minlength=len(self.town_count))
        fixes = []
        for t in np.flatnonzero(self.town_shown):
            rest = self.town_count[t] - covered[t]
            if 1 <= rest < k:
                fixes.append(("node", self._smallest(tops[self.inside[tops] == t], self.count)))
        return fixes

    def _cell_minus_towns(self, k: int) -> list[tuple[str, int]]:
        """A shown nested area minus the shown towns lying inside it."""
        nn = len(self.parent)
        inner = np.zeros(nn, dtype=np.int64)
        towns = np.flatnonzero(self.town_shown & (self.town_top > 0))
        np.add.at(inner, self.town_top[towns], self.town_count[towns])
        for d in range(int(self.depth.max(initial=0)), 1, -1):
            at = np.flatnonzero(self.depth == d)
            np.add.at(inner, self.parent[at], inner[at])
        fixes = []
        for s in np.flatnonzero(self.shown & (inner > 0) & (np.arange(nn) > 0)):
            if 1 <= self.count[s] - inner[s] < k:
                within = [int(t) for t in towns if self._above(int(s), int(self.town_top[t]))]
                fixes.append(("town", self._smallest(np.asarray(within), self.town_count)))
        return fixes

    def _above(self, s: int, node: int) -> bool:
        """Whether nested node ``s`` is ``node`` or one of its ancestors."""
        while node > 0 and self.depth[node] > self.depth[s]:
            node = int(self.parent[node])
        return node == s

    # -- suppressed areas worked out across the two systems ------------------------------

    def pinned_fixes(self, own: Ints, q: Ints, p: Ints) -> list[tuple[str, int]]:
        """Areas to hide so that no suppressed area of 1 … k−1 units can be worked out."""
        nn = len(self.parent)
        graph = _BlockGraph(q, p, nq=nn + 1, np_=len(self.town_count) + 2)
        fixes: list[tuple[str, int]] = []
        small = ~self.shown & (self.count >= 1) & (self.count < self.k)
        for chain in self.chains[1:]:
            at = np.maximum(chain, 0)
            owner = np.where(chain >= 0, own[np.maximum(self.parent[at], 0)], _NONE)
            mine = np.flatnonzero((chain >= 0) & small[at] & (q == np.where(owner < 0, nn, owner)))
            for h in graph.complete(chain[mine], mine):
                leaves = mine[chain[mine] == h]
                if graph.pinned("q", int(q[leaves[0]]), p[leaves]):
                    fixes.append(self._fix_node(int(q[leaves[0]]), p[leaves]))
        small_towns = np.append(~self.town_shown & (self.town_count < self.k), False)
        mine = np.flatnonzero(small_towns[self.leaf_town])  # −1 (no town) reads the False
        for t in graph.complete(self.leaf_town[mine], mine):
            leaves = mine[self.leaf_town[mine] == t]
            if graph.pinned("p", int(p[leaves[0]]), q[leaves]):
                fixes.append(self._fix_town(q[leaves]))
        return fixes

    def _fix_node(self, block: int, towns: Ints) -> tuple[str, int]:
        """What to hide when a suppressed nested area in ``block`` can be worked out: the
        smallest of the nested area owning the block and the shown towns the area touches."""
        nn, nt = len(self.parent), len(self.town_count)
        options = [("town", int(t), int(self.town_count[t])) for t in np.unique(towns) if t < nt]
        if 0 < block < nn:
            options.append(("node", block, int(self.count[block])))
        if not options:
            return ("node", 0) if self.shown[0] else self._any_shown()
        kind, area, _ = min(options, key=lambda o: (o[2], o[0], o[1]))
        return kind, area

    def _fix_town(self, blocks: Ints) -> tuple[str, int]:
        """What to hide when a suppressed town can be worked out: the smallest shown nested
        area whose block holds some of it (the city last)."""
        nodes = np.asarray([int(b) for b in np.unique(blocks) if 0 < b < len(self.parent)],
                           dtype=np.int64)
        if len(nodes):
            return "node", self._smallest(nodes, self.count)
        return ("node", 0) if self.shown[0] else self._any_shown()

    def _any_shown(self) -> tuple[str, int]:  # pragma: no cover - a last resort
        towns = np.flatnonzero(self.town_shown)
        if len(towns):
            return "town", self._smallest(towns, self.town_count)
        return "node", self._smallest(np.flatnonzero(self.shown), self.count)

    # -- the rule ---------------------------------------------------------------------------

    def protect(self) -> None:
        """Hide areas until no remainder and no suppressed area is worked out at 1 … k−1."""
        while True:
            own = self.owners()
            q, p = self.blocks(own)
            fixes = self.remainder_fixes(own, q, p) or self.pinned_fixes(own, q, p)
            if not fixes:
                return
            for kind, area in fixes:
                (self.shown if kind == "node" else self.town_shown)[area] = False


class _BlockGraph:
    """The bipartite graph of Q-blocks (nodes ``0 … nq−1``, the last one "none") and
    P-blocks (nodes ``nq … nq+np−1``, the last one "none"), an edge per pair sharing leaves."""

    def __init__(self, q: Ints, p: Ints, *, nq: int, np_: int) -> None:
        self.nq = nq
        self.anchors = (nq - 1, nq + np_ - 1)
        pairs, self.edge_of = np.unique(p * nq + q, return_inverse=True)
        self.edge_of = self.edge_of.astype(np.int64)
        self.pairs = pairs.astype(np.int64)
        self.per_edge = np.bincount(self.edge_of)
        self._bicomp: dict[tuple[int, int], int] | None = None
        self._degree: dict[int, dict[int, int]] = {}
        self._towards: dict[int, dict[int, int]] = {}

    def complete(self, keys: Ints, leaves: Ints) -> list[int]:
        """The keys whose leaves hold every leaf of each (P, Q) pair they touch; only those
        can be worked out (the leaves of one pair are always added up together)."""
        if not len(leaves):
            return []
        got = pd.DataFrame({"key": keys, "edge": self.edge_of[leaves]}).value_counts()
        edges = got.index.get_level_values("edge").to_numpy()
        whole = pd.Series(got.to_numpy() == self.per_edge[edges],
                          index=got.index.get_level_values("key"))
        ok = whole.groupby(level=0).all()
        return [int(x) for x in ok.index[ok.to_numpy()]]

    def _structure(self) -> None:
        """Biconnected components; each node's edges per component; and, for each "none"
        block, the component at every node on the way to it."""
        import networkx as nx

        g = nx.Graph()
        g.add_edges_from((self.nq + int(e) // self.nq, int(e) % self.nq) for e in self.pairs)
        self._bicomp = {}
        members: list[set[int]] = []
        for i, edges in enumerate(nx.biconnected_component_edges(g)):
            nodes: set[int] = set()
            for u, v in edges:
                self._bicomp[(u, v)] = self._bicomp[(v, u)] = i
                for x in (u, v):
                    self._degree.setdefault(x, {})
                    self._degree[x][i] = self._degree[x].get(i, 0) + 1
                nodes.update((u, v))
            members.append(nodes)
        for anchor in self.anchors:
            if anchor in g:
                self._towards[anchor] = _towards(members, anchor)

    def pinned(self, side: str, block: int, others: Ints) -> bool:
        """Whether a set of leaves that takes whole pairs, all in ``block`` (on ``side``:
        ``"q"`` or ``"p"``) and the blocks ``others`` of the other side, can be worked out."""
        if self._bicomp is None:
            self._structure()
        assert self._bicomp is not None
        here = block if side == "q" else self.nq + block
        used: dict[int, int] = {}
        for o in np.unique(others):
            b = self._bicomp[(here, int(o) if side == "p" else self.nq + int(o))]
            used[b] = used.get(b, 0) + 1
        if any(n != self._degree[here][b] for b, n in used.items()):
            return False  # in one component without the block, its pairs are partly in
        values = {int(way in used) for a, towards in self._towards.items()
                  if a != here and (way := towards.get(here)) is not None}
        if here in self._towards:  # the block is a "none" block: fixed at 0
            return values <= {0}
        return len(values) <= 1


def _towards(members: list[set[int]], anchor: int) -> dict[int, int]:
    """For each node of ``anchor``'s connected component, the biconnected component at that
    node on the way to ``anchor`` (a walk of the block-cut tree from ``anchor``)."""
    holding: dict[int, list[int]] = {}
    for i, nodes in enumerate(members):
        for v in nodes:
            holding.setdefault(v, []).append(i)
    out: dict[int, int] = {}
    seen_b: set[int] = set()
    seen_v = {anchor}
    stack = [anchor]
    while stack:
        v = stack.pop()
        for b in holding.get(v, []):
            if b in seen_b:
                continue
            seen_b.add(b)
            for w in members[b] - seen_v:
                seen_v.add(w)
                out[w] = b
                stack.append(w)
    return out


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
    return _assemble(finest, towns, parent, depth, len(town_ids), k), ids, town_ids


def _assemble(finest: Ints, towns: Ints, parent: Ints, depth: Ints, n_towns: int,
              k: int) -> _Overlap:
    """Leaves and the counts and containments of every area."""
    leaves = pd.DataFrame({"node": finest, "town": towns}).value_counts(sort=False)
    leaf_node = leaves.index.get_level_values("node").to_numpy(np.int64)
    leaf_town = leaves.index.get_level_values("town").to_numpy(np.int64)
    leaf_n = leaves.to_numpy(np.int64)
    top = int(depth.max(initial=0))
    located = leaf_node > 0
    chains = [np.zeros(len(leaf_node), dtype=np.int64) for _ in range(top + 1)]
    if top:  # each leaf's node at every level (−1: no location)
        chains[top] = np.where(located, leaf_node, _NONE)
        for d in range(top - 1, 0, -1):
            chains[d] = np.where(located, parent[np.maximum(chains[d + 1], 0)], _NONE)
    count = np.zeros(len(parent), dtype=np.int64)
    np.add.at(count, leaf_node, leaf_n)
    inside = np.full(len(parent), -2, dtype=np.int64)  # −2: no unit yet
    for node, town in zip(leaf_node.tolist(), leaf_town.tolist(), strict=True):
        inside[node] = town if inside[node] in (-2, town) else _NONE
    for d in range(top, 0, -1):
        for node in np.flatnonzero(depth == d).tolist():
            up = parent[node]
            count[up] += count[node]
            inside[up] = inside[node] if inside[up] in (-2, inside[node]) else _NONE
    inside = np.where(inside == -2, _NONE, inside)
    has_town = leaf_town >= 0
    town_count = np.bincount(leaf_town[has_town], weights=leaf_n[has_town],
                             minlength=n_towns).astype(np.int64)
    town_top = np.zeros(n_towns, dtype=np.int64)
    for chain in chains[1:]:
        per = pd.DataFrame({"t": leaf_town[has_town], "c": chain[has_town]}).groupby("t")["c"]
        one = (per.min() == per.max()) & (per.min() >= 0)
        town_top[one.index[one.to_numpy()].to_numpy()] = per.min()[one].to_numpy()
    return _Overlap(parent=parent, depth=depth, count=count, inside=inside,
                    town_count=town_count, town_top=town_top, leaf_node=leaf_node,
                    leaf_town=leaf_town, leaf_n=leaf_n, chains=chains, k=k)


def area_disclosure(units: pd.DataFrame, *, nested: Sequence[str], flat: str | None,
                    k: int) -> pd.DataFrame:
    """Which areas of two overlapping area systems may be published.

    The units (buildings) are counted in the city, in nested areas (each level inside the
    one before, e.g. H3 cells of resolution 7, 8, 9, 10) and in flat areas that cut across
    them (towns). Only the areas are published, never a town's part of a cell. Primary: an
    area of fewer than ``k`` units is suppressed. Secondary, until none of these happens:

    * a published area minus the published areas of one system lying inside it (the city
      or a cell minus its published cells, the city minus its published towns, a town minus
      the published cells inside it, a cell minus the published towns inside it) leaves
      1 … ``k − 1`` units — the smallest of those parts is suppressed;
    * a suppressed area of 1 … ``k − 1`` units can be worked out from everything published
      (decided exactly, across both systems) — the cell whose remainder holds it or a town it
      touches (the smallest) is suppressed.

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
