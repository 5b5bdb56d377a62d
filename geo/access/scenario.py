"""The one coverage engine: each cell's distance to the nearest facility of every kind, and the
city figures from it, for the baseline (no modifications: what the coverage pages, the command
line and the survey show) and for workshop scenarios (the baseline with modifications, updated
incrementally edit by edit).

Cells are H3 ``uint64`` throughout; a modification's cell id (a string) becomes a cell through
:mod:`geo.grid` when it is applied.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
from pyproj import CRS
from scipy.spatial import cKDTree

from geo import grid
from geo.access.modification import Modification, ScenarioError, cell_centre
from geo.access.network import nearest_source, origin_distance, snap
from geo.grid.crs import WGS84, to_metric
from geo.ingest.walkgraph import WalkNetwork
from geo.kinds import FREQUENT_DEPARTURES, KIND_BY_KEY, MAX_DISTANCE_M, default_radii

Mode = Literal["line", "network"]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Columns of :func:`figures_table` (and so of :meth:`Engine.figures`), after the kind index.
FIGURE_COLUMNS = ("status", "facilities", "radius_m", "population", "covered", "uncovered",
                  "rate", "cells_covered", "cells_covered_share")


def facilities_by_kind(
    facilities: gpd.GeoDataFrame, *, frequent_departures: int = FREQUENT_DEPARTURES
) -> dict[str, gpd.GeoDataFrame]:
    """Split a bundle's facility table into kinds, deriving frequent bus stops.

    Parameters
    ----------
    facilities
        Columns ``kind`` and ``geometry`` (points, EPSG:4326); bus stops may carry ``departures``.
    frequent_departures
        A bus stop with at least this many departures a day is also a ``bus_stop_frequent``.

    Returns
    -------
    dict
        Every key of :data:`geo.kinds.KINDS`, each mapped to its (possibly empty) facilities.
    """
    out = {key: facilities[facilities["kind"] == key] for key in KIND_BY_KEY}
    if "departures" in facilities.columns:
        bus = out["bus_stop"]
        dep = pd.to_numeric(bus["departures"], errors="coerce")
        out["bus_stop_frequent"] = bus[dep >= frequent_departures].assign(
            kind="bus_stop_frequent"
        )
    return out


def figures_table(
    distances: Mapping[str, FloatArray],
    population: FloatArray | None,
    *,
    radii: Mapping[str, float],
    facilities: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """City figures per kind from each cell's distance: the one rule behind every coverage figure.

    Parameters
    ----------
    distances
        Per kind, the distance (metres) of every cell to its nearest facility; NaN where the
        kind has no facility at all, ``inf`` beyond the search distance.
    population
        People per cell (same order; 0 where none), or None for a city without population data.
    radii
        Walking radius of each kind (metres).
    facilities
        Number of facilities per kind (NaN where not given).

    Returns
    -------
    pandas.DataFrame
        Indexed by kind, :data:`FIGURE_COLUMNS`: ``status`` ("ok"; "no_data" for a kind without
        facilities or a city without cells, whose figures are NaN, never 0; "no_population"),
        ``facilities``, ``radius_m``, ``population``, ``covered`` and ``uncovered`` (people),
        ``rate`` (0..1), ``cells_covered`` and ``cells_covered_share``.
    """
    total = math.nan if population is None else float(population.sum())
    nan = math.nan
    rows = []
    for key, d in distances.items():
        cov = within(d, radii[key])
        has_data = len(d) > 0 and not bool(np.isnan(d).any())
        n_cov = int(cov.sum())
        row: dict[str, Any] = {
            "kind": key, "status": "ok", "facilities": (facilities or {}).get(key, nan),
            "radius_m": float(radii[key]), "population": nan, "covered": nan,
            "uncovered": nan, "rate": nan, "cells_covered": n_cov,
            "cells_covered_share": n_cov / len(d) if has_data else nan}
        if not has_data:
            row["status"] = "no_data"
        elif population is None:
            row["status"] = "no_population"
        else:
            c = float(population[cov].sum())
            row.update(population=total, covered=c, uncovered=total - c,
                       rate=c / total if total > 0 else nan)
        rows.append(row)
    return pd.DataFrame(rows, columns=["kind", *FIGURE_COLUMNS]).set_index("kind")


def within(distance: FloatArray, radius: float) -> npt.NDArray[np.bool_]:
    """Whether each cell lies within ``radius`` (inclusive; a NaN distance, no facility, never)."""
    return np.asarray(distance <= radius)


@dataclass
class _KindState:
    """Facilities of one kind and each cell's (and node's) nearest of them."""

    ids: list[str]
    names: list[str]
    lon: FloatArray
    lat: FloatArray
    x: FloatArray
    y: FloatArray
    active: npt.NDArray[np.bool_]
    added: npt.NDArray[np.bool_]
    dist: FloatArray  # per cell, metres; inf beyond the search distance
    near: IntArray  # per cell (line) or per node (network): slot of the nearest, -1 none
    node_dist: FloatArray | None = None  # network mode: per node

    @classmethod
    def of(cls, key: str, f: gpd.GeoDataFrame | None, crs: CRS, n_cells: int) -> _KindState:
        """The existing facilities of kind ``key`` (ids ``<kind>:<row label>``), not searched."""
        if f is None:
            f = gpd.GeoDataFrame({"name": []}, geometry=[], crs=WGS84)
        lon = f.geometry.x.to_numpy(dtype=float)
        lat = f.geometry.y.to_numpy(dtype=float)
        x, y = to_metric(lon, lat, crs)
        n = len(f)
        names = f["name"].astype(str).tolist() if "name" in f.columns else [""] * n
        return cls(ids=[f"{key}:{i}" for i in f.index], names=names, lon=lon, lat=lat, x=x,
                   y=y, active=np.ones(n, bool), added=np.zeros(n, bool),
                   dist=np.full(n_cells, np.inf), near=np.full(n_cells, -1, np.int64))

    def clone(self) -> _KindState:
        return _KindState(
            list(self.ids), list(self.names), self.lon.copy(), self.lat.copy(), self.x.copy(),
            self.y.copy(), self.active.copy(), self.added.copy(), self.dist.copy(),
            self.near.copy(), None if self.node_dist is None else self.node_dist.copy())

    def slot(self, facility: str) -> int | None:
        try:
            i = self.ids.index(facility)
        except ValueError:
            return None
        return i if self.active[i] else None


@dataclass(frozen=True)
class Change:
    """What one modification changed.

    Attributes
    ----------
    kind
        The kind modified.
    cells
        Positions (into :attr:`Engine.cells`) whose distance changed.
    gained, lost
        Positions that became covered / uncovered.
    """

    kind: str
    cells: IntArray
    gained: IntArray
    lost: IntArray


_EMPTY = np.array([], dtype=np.int64)


def _checked_radii(radii: Mapping[str, float], max_distance: float) -> dict[str, float]:
    out = {k: float(v) for k, v in radii.items()}
    if out and max(out.values()) > max_distance:
        raise ValueError(f"radii above {max_distance:.0f} m are not supported (the search "
                         "distance): farther cells would be counted as uncovered")
    return out


@dataclass
class Engine:
    """Coverage of every kind under a scenario, updated incrementally edit by edit.

    Build the baseline once with :meth:`baseline` (or :meth:`from_bundle`), :meth:`copy` it
    per scenario (copy on write per kind, so a copy is cheap) and :meth:`apply`
    modifications. An add only looks at cells within the search distance of the new facility
    (a KD-tree ball query, or a Dijkstra search limited to that distance on the walking
    network); a remove only re-evaluates the cells whose nearest facility it was; a radius
    change re-thresholds. The baseline's own figures (no modifications) are the city's
    coverage figures (:func:`geo.access.kpi.city_coverage`).

    Attributes
    ----------
    cells
        H3 cells (uint64), in the bundle's order.
    population
        People per cell (same order), or None.
    radii
        Walking radius of every kind (metres).
    mode
        ``"line"`` or ``"network"``.
    """

    cells: grid.Cells
    population: FloatArray | None
    radii: dict[str, float]
    mode: Mode
    crs: CRS
    max_distance: float
    cx: FloatArray
    cy: FloatArray
    network: WalkNetwork | None
    o_node: IntArray | None
    o_snap: FloatArray | None
    kinds: dict[str, _KindState]
    mods: list[Modification] = field(default_factory=list)
    _shared: set[str] = field(default_factory=set)
    _tree: cKDTree | None = None

    # -- building ----------------------------------------------------------------------

    @classmethod
    def baseline(
        cls,
        cells: npt.ArrayLike,
        facilities: Mapping[str, gpd.GeoDataFrame],
        *,
        metric_crs: CRS,
        population: pd.Series | None = None,
        radii: Mapping[str, float] | None = None,
        mode: Mode = "line",
        network: WalkNetwork | None = None,
        max_distance: float = MAX_DISTANCE_M,
    ) -> Engine:
        """The locked baseline: coverage of the existing facilities (one full search per kind).

        Parameters
        ----------
        cells
            H3 cells whose centres are the population points.
        facilities
            Facilities per kind (points, EPSG:4326), e.g. from :func:`facilities_by_kind`;
            facility ids are ``<kind>:<row label>``. Kinds left out have no facility.
        metric_crs
            CRS in which straight lines are measured.
        population
            People per cell (indexed by cell), or None.
        radii
            Walking radius per kind; missing kinds take the official defaults.
        mode
            ``"line"`` (straight line, the official MLIT method) or ``"network"`` (shortest
            walk on ``network``).
        network
            Walking network for ``mode="network"``.
        max_distance
            Farthest distance searched; farther is ``inf``.
        """
        unknown = sorted(set(facilities) - set(KIND_BY_KEY))
        if unknown:
            raise ValueError(f"unknown facility kinds {unknown}; see geo.kinds.KINDS")
        c = grid.as_cells(cells)
        cx, cy = to_metric(*grid.centroids(c), metric_crs)
        o_node, o_snap = _snapped_origins(mode, network, cx, cy)
        pop = None
        if population is not None:
            pop = population.reindex(pd.Index(c)).fillna(0.0).to_numpy(dtype=float)
        eng = cls(cells=c, population=pop,
                  radii=default_radii() | _checked_radii(radii or {}, max_distance), mode=mode,
                  crs=metric_crs, max_distance=float(max_distance), cx=cx, cy=cy,
                  network=network if mode == "network" else None, o_node=o_node,
                  o_snap=o_snap, kinds={})
        for key in KIND_BY_KEY:
            eng.kinds[key] = _KindState.of(key, facilities.get(key), metric_crs, len(c))
            eng._rebuild(eng.kinds[key])
        return eng

    @classmethod
    def from_bundle(
        cls,
        bundle: Any,
        *,
        mode: Mode = "line",
        radii: Mapping[str, float] | None = None,
        frequent_departures: int = FREQUENT_DEPARTURES,
        max_distance: float = MAX_DISTANCE_M,
    ) -> Engine:
        """The baseline of a :class:`geo.ingest.bundle.CityBundle` (see :meth:`baseline`)."""
        fac = facilities_by_kind(bundle.facilities, frequent_departures=frequent_departures)
        return cls.baseline(bundle.cells, fac, metric_crs=bundle.crs,
                            population=bundle.population, radii=radii, mode=mode,
                            network=bundle.network, max_distance=max_distance)

    def copy(self) -> Engine:
        """A scenario starting from this state; kinds are copied only when first modified."""
        return replace(self, kinds=dict(self.kinds), radii=dict(self.radii),
                       mods=list(self.mods), _shared=set(self.kinds))

    def with_modifications(self, mods: Iterable[Modification]) -> Engine:
        """A copy with ``mods`` applied in order."""
        eng = self.copy()
        for m in mods:
            eng.apply(m)
        return eng

    def with_radii(self, radii: Mapping[str, float]) -> Engine:
        """A copy with other walking radii (not a modification: the planner's setting).

        Raises
        ------
        ValueError
            For a radius beyond the search distance.
        """
        eng = self.copy()
        eng.radii.update(_checked_radii(radii, self.max_distance))
        return eng

    # -- editing -----------------------------------------------------------------------

    def apply(self, mod: Modification) -> Change:
        """Apply one modification, updating only the cells it can reach.

        Raises
        ------
        ScenarioError
            If the facility to move or remove does not exist, or an added id is taken.
        """
        st = self._own(mod.kind)
        before = self.covered(mod.kind)
        touched = self._edit(st, mod)
        self.mods.append(mod)
        after = self.covered(mod.kind)
        gained = np.flatnonzero(after & ~before)
        lost = np.flatnonzero(before & ~after)
        if mod.op == "radius":
            touched = np.union1d(gained, lost)
        return Change(kind=mod.kind, cells=touched.astype(np.int64), gained=gained, lost=lost)

    def _edit(self, st: _KindState, mod: Modification) -> IntArray:
        """Carry out ``mod`` on its kind's state; return the cells whose distance changed."""
        if mod.op == "radius":
            assert mod.radius_m is not None
            self.radii[mod.kind] = float(mod.radius_m)
            return _EMPTY
        assert mod.facility is not None
        if mod.op == "add":
            assert mod.cell is not None
            if mod.facility in st.ids:
                raise ScenarioError("同じIDの施設がすでにあります。",
                                    f"facility id {mod.facility!r} already exists")
            return self._add(st, self._new_slot(st, mod.facility, mod.cell, mod.name))
        slot = st.slot(mod.facility)
        if slot is None:
            raise ScenarioError("その施設は見つかりません(すでに削除されたかもしれません)。",
                                f"no facility {mod.facility!r} of kind {mod.kind!r}")
        touched = self._remove(st, slot)
        if mod.op == "move":
            assert mod.cell is not None
            self._place(st, slot, mod.cell)
            st.active[slot] = True
            touched = np.union1d(touched, self._add(st, slot))
        return touched

    def _own(self, kind: str) -> _KindState:
        if kind not in self.kinds:
            raise ScenarioError(f"不明な施設の種類です: {kind!r}", f"unknown kind {kind!r}")
        if kind in self._shared:
            self.kinds[kind] = self.kinds[kind].clone()
            self._shared.discard(kind)
        return self.kinds[kind]

    def _new_slot(self, st: _KindState, fid: str, cell: str, name: str) -> int:
        st.ids.append(fid)
        st.names.append(name)
        for attr in ("lon", "lat", "x", "y"):
            setattr(st, attr, np.append(getattr(st, attr), np.nan))
        st.active = np.append(st.active, True)
        st.added = np.append(st.added, True)
        slot = len(st.ids) - 1
        self._place(st, slot, cell)
        return slot

    def _place(self, st: _KindState, slot: int, cell: str) -> None:
        """Put the facility in ``slot`` at the centre of ``cell`` (the edge: a cell id)."""
        lon, lat = cell_centre(cell)
        x, y = to_metric([lon], [lat], self.crs)
        st.lon[slot], st.lat[slot], st.x[slot], st.y[slot] = lon, lat, x[0], y[0]

    def _cell_tree(self) -> cKDTree:
        if self._tree is None:
            self._tree = cKDTree(np.column_stack([self.cx, self.cy]))
        return self._tree

    def _add(self, st: _KindState, slot: int) -> IntArray:
        """Lower distances where the facility in ``slot`` is nearer; return touched cells."""
        fx, fy = st.x[slot], st.y[slot]
        if self.network is None:
            idx = np.asarray(self._cell_tree().query_ball_point([fx, fy], r=self.max_distance),
                             dtype=np.int64)
            if len(idx) == 0:
                return _EMPTY
            # the same arithmetic as the full computation (a KD-tree query), so results match
            d, _ = cKDTree(np.array([[fx, fy]])).query(
                np.column_stack([self.cx[idx], self.cy[idx]]),
                distance_upper_bound=self.max_distance)
            better = d < st.dist[idx]
            idx = idx[better]
            st.dist[idx] = d[better]
            st.near[idx] = slot
            return np.asarray(idx, dtype=np.int64)
        assert st.node_dist is not None
        nd, _ = nearest_source(self.network, st.x[slot:slot + 1], st.y[slot:slot + 1],
                               limit=self.max_distance)
        better = np.flatnonzero(nd < st.node_dist)
        if len(better) == 0:
            return _EMPTY
        st.node_dist[better] = nd[better]
        st.near[better] = slot
        cells = self._cells_at(better)
        old = st.dist[cells].copy()
        self._cell_from_nodes(st, cells)
        return np.asarray(cells[st.dist[cells] != old], dtype=np.int64)

    def _remove(self, st: _KindState, slot: int) -> IntArray:
        """Drop a facility; re-evaluate only what it was nearest to; return touched cells."""
        st.active[slot] = False
        owned = np.flatnonzero(st.near == slot)
        if len(owned) == 0:
            return _EMPTY
        keep = np.flatnonzero(st.active)
        if self.network is None:
            st.dist[owned], st.near[owned] = self._line_nearest(st, keep, owned)
            return owned
        assert st.node_dist is not None
        nd, src = self._network_nearest(st, keep)
        st.node_dist[owned] = nd[owned]
        st.near[owned] = src[owned]
        cells = self._cells_at(owned)
        self._cell_from_nodes(st, cells)
        return cells

    def _rebuild(self, st: _KindState) -> None:
        """Full computation of one kind (the baseline)."""
        keep = np.flatnonzero(st.active)
        if self.network is None:
            st.dist, st.near = self._line_nearest(st, keep, np.arange(len(self.cells)))
            return
        st.node_dist, st.near = self._network_nearest(st, keep)
        st.dist = np.full(len(self.cells), np.inf)
        self._cell_from_nodes(st, np.arange(len(self.cells)))

    def _line_nearest(self, st: _KindState, slots: IntArray,
                      at: IntArray) -> tuple[FloatArray, IntArray]:
        """Straight-line distance of the cells ``at`` to, and slot of, the nearest of ``slots``."""
        if len(slots) == 0:
            return np.full(len(at), np.inf), np.full(len(at), -1, np.int64)
        d, j = cKDTree(np.column_stack([st.x[slots], st.y[slots]])).query(
            np.column_stack([self.cx[at], self.cy[at]]), distance_upper_bound=self.max_distance)
        return d, np.where(np.isfinite(d), slots[np.minimum(j, len(slots) - 1)], -1)

    def _network_nearest(self, st: _KindState, slots: IntArray) -> tuple[FloatArray, IntArray]:
        """Node distance to, and slot of, the nearest of ``slots`` (one Dijkstra run)."""
        assert self.network is not None
        nd, which = nearest_source(self.network, st.x[slots], st.y[slots],
                                   limit=self.max_distance)
        if len(slots) == 0:
            return nd, which
        return nd, np.where(which >= 0, slots[np.maximum(which, 0)], -1)

    def _cells_at(self, nodes: IntArray) -> IntArray:
        """The cells snapped to any of ``nodes``."""
        assert self.o_node is not None and self.network is not None
        hit = np.zeros(self.network.n_nodes, bool)
        hit[nodes] = True
        return np.flatnonzero(hit[self.o_node])

    def _cell_from_nodes(self, st: _KindState, cells: IntArray) -> None:
        assert st.node_dist is not None and self.o_node is not None and self.o_snap is not None
        st.dist[cells] = origin_distance(st.node_dist, self.o_node[cells], self.o_snap[cells],
                                         limit=self.max_distance)

    # -- reading -----------------------------------------------------------------------

    def has_facilities(self, kind: str) -> bool:
        """Whether any facility of ``kind`` exists in this scenario."""
        return bool(self.kinds[kind].active.any())

    def distance(self, kind: str) -> FloatArray:
        """Distance of every cell to the nearest facility of ``kind`` (NaN: none exists)."""
        if not self.has_facilities(kind):
            return np.full(len(self.cells), np.nan)
        return self.kinds[kind].dist

    def covered(self, kind: str) -> npt.NDArray[np.bool_]:
        """Whether each cell lies within the walking radius of ``kind``."""
        return within(self.distance(kind), self.radii[kind])

    def distances(self) -> pd.DataFrame:
        """Cells × kinds distance table (metres; NaN: no facility of the kind)."""
        return pd.DataFrame({k: self.distance(k) for k in self.kinds},
                            index=pd.Index(self.cells, name="cell"))

    def figures(self, kinds: Sequence[str] | None = None) -> pd.DataFrame:
        """City figures per kind from the current state (:func:`figures_table`; a few ms)."""
        keys = list(kinds) if kinds is not None else list(self.kinds)
        return figures_table(
            {k: self.distance(k) for k in keys}, self.population, radii=self.radii,
            facilities={k: int(self.kinds[k].active.sum()) for k in keys})

    def facilities(self, kind: str | None = None) -> gpd.GeoDataFrame:
        """The scenario's facilities (``id, kind, name, added`` and point geometry, EPSG:4326)."""
        parts = []
        for key, st in self.kinds.items():
            if kind is not None and key != kind:
                continue
            m = st.active
            parts.append(pd.DataFrame({
                "id": np.asarray(st.ids, dtype=object)[m], "kind": key,
                "name": np.asarray(st.names, dtype=object)[m], "added": st.added[m],
                "lon": st.lon[m], "lat": st.lat[m]}))
        df = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
            columns=["id", "kind", "name", "added", "lon", "lat"])
        return gpd.GeoDataFrame(df.drop(columns=["lon", "lat"]),
                                geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=WGS84)

    def facilities_by_kind(self) -> dict[str, gpd.GeoDataFrame]:
        """The scenario's facilities split by kind (input of :meth:`baseline`)."""
        f = self.facilities()
        return {k: f[f["kind"] == k] for k in self.kinds}


def _snapped_origins(mode: str, network: WalkNetwork | None, cx: FloatArray,
                     cy: FloatArray) -> tuple[IntArray | None, FloatArray | None]:
    """Each cell centre's nearest node and distance to it (network mode), after checking the
    mode."""
    if mode == "network":
        if network is None:
            raise ValueError("network mode needs a walking network; this city has none")
        return snap(network, cx, cy)
    if mode != "line":
        raise ValueError(f"unknown mode {mode!r}; use 'line' or 'network'")
    return None, None


def compare(base: Engine, scen: Engine) -> pd.DataFrame:
    """Before / after per kind: covered people and rate, and their change.

    Returns
    -------
    pandas.DataFrame
        Indexed by kind: ``facilities_before/after``, ``radius_before/after``,
        ``covered_before/after``, ``rate_before/after``, ``covered_change``, ``rate_change``,
        ``cells_gained``, ``cells_lost`` and the ``factor`` the kind informs.
    """
    a = base.figures()
    b = scen.figures()
    out = pd.DataFrame(index=a.index)
    out["factor"] = [KIND_BY_KEY[k].factor for k in a.index]
    for col, name in (("facilities", "facilities"), ("radius_m", "radius"),
                      ("covered", "covered"), ("rate", "rate")):
        out[f"{name}_before"] = a[col]
        out[f"{name}_after"] = b[col]
    out["covered_change"] = out["covered_after"] - out["covered_before"]
    out["rate_change"] = out["rate_after"] - out["rate_before"]
    gained, lost = [], []
    for k in a.index:
        before, after = base.covered(k), scen.covered(k)
        gained.append(int((after & ~before).sum()))
        lost.append(int((before & ~after).sum()))
    out["cells_gained"] = gained
    out["cells_lost"] = lost
    return out


def cell_change(base: Engine, scen: Engine, kind: str) -> pd.Series:
    """Per cell: +1 gained coverage of ``kind``, -1 lost it, 0 unchanged (indexed by cell)."""
    d = scen.covered(kind).astype(np.int8) - base.covered(kind).astype(np.int8)
    return pd.Series(d, index=pd.Index(base.cells, name="cell"), name=kind)


def factor_scores(engine: Engine, factor_kinds: Mapping[str, Sequence[str]]) -> pd.Series:
    """Objective score (0–1) of each Well-Being factor: mean coverage rate of its kinds.

    Parameters
    ----------
    engine
        A scenario (or the baseline).
    factor_kinds
        For each factor key, the coverage kinds that measure it (e.g. the framework's
        ``kinds`` mapping). Kinds without facilities or population are left out; a factor
        with none left is left out.

    Returns
    -------
    pandas.Series
        Indexed by factor key.
    """
    fig = engine.figures()
    ok = fig[fig["status"] == "ok"]["rate"]
    out = {}
    for factor, kinds in factor_kinds.items():
        rates = [float(ok[k]) for k in kinds if k in ok.index]
        if rates:
            out[factor] = float(np.mean(rates))
    return pd.Series(out, dtype=float, name="score")


__all__ = [
    "FIGURE_COLUMNS",
    "Change",
    "Engine",
    "Mode",
    "cell_change",
    "compare",
    "facilities_by_kind",
    "factor_scores",
    "figures_table",
    "within",
]
