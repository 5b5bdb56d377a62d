"""Workshop scenarios: modifications of the baseline facilities and incremental coverage."""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import geopandas as gpd
import h3
import numpy as np
import numpy.typing as npt
import pandas as pd
from pyproj import CRS, Transformer
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from geo import grid
from geo.access.coverage import Mode, facilities_by_kind
from geo.access.network import WalkNetwork, _with_virtual_sources, snap
from geo.errors import DioramaError
from geo.grid.crs import WGS84
from geo.kinds import FREQUENT_DEPARTURES, KIND_BY_KEY, KINDS, MAX_DISTANCE_M, default_radii

Op = Literal["add", "move", "remove", "radius"]
OPS: tuple[Op, ...] = ("add", "move", "remove", "radius")
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Most modifications one scenario may hold (a workshop edit list, not a city plan).
MAX_MODIFICATIONS = 200


class ScenarioError(DioramaError, ValueError):
    """A modification cannot be applied; ``str()`` is the English message alone."""

    def __str__(self) -> str:
        return self.message_en


@dataclass(frozen=True)
class Modification:
    """One edit of the baseline, after Conveyal's scenario model.

    Attributes
    ----------
    op
        ``"add"``, ``"move"`` or ``"remove"`` a facility, or set a kind's walking ``"radius"``.
    kind
        Facility kind key (see :data:`geo.coverage.KINDS`).
    facility
        Id of the facility moved or removed, or the id given to an added one.
    cell
        H3 cell where a facility is added or moved to; the facility stands at the cell centre
        (a planning object, so its location is stored).
    radius_m
        New walking radius (``"radius"`` only).
    name
        Optional label of an added facility.
    """

    op: Op
    kind: str
    facility: str | None = None
    cell: str | None = None
    radius_m: float | None = None
    name: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON storage (empty fields left out)."""
        d: dict[str, Any] = {"op": self.op, "kind": self.kind}
        for k in ("facility", "cell", "radius_m"):
            if getattr(self, k) is not None:
                d[k] = getattr(self, k)
        if self.name:
            d["name"] = self.name
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Modification:
        """Read and check a stored modification.

        Raises
        ------
        ScenarioError
            If the operation, kind, cell or radius is invalid.
        """
        op = d.get("op")
        kind = d.get("kind")
        if op not in OPS:
            raise ScenarioError(f"不明な操作です: {op!r}", f"unknown modification {op!r}")
        if kind not in KIND_BY_KEY:
            raise ScenarioError(f"不明な施設の種類です: {kind!r}", f"unknown kind {kind!r}")
        fac = d.get("facility")
        cell = d.get("cell")
        radius = d.get("radius_m")
        if op in ("add", "move", "remove") and not (isinstance(fac, str) and 0 < len(fac) <= 64):
            raise ScenarioError("施設IDがありません。", f"{op} needs a facility id")
        if op in ("add", "move") and (not isinstance(cell, str) or not h3.is_valid_cell(cell)):
            raise ScenarioError("場所(H3セル)が正しくありません。",
                                f"{op} needs a valid H3 cell, not {cell!r}")
        if op == "radius":
            if not isinstance(radius, int | float) or isinstance(radius, bool) or not (
                0 < float(radius) <= MAX_DISTANCE_M
            ):
                raise ScenarioError(
                    f"徒歩圏の半径は0より大きく{MAX_DISTANCE_M:.0f} m以下にしてください。",
                    f"a radius must be in (0, {MAX_DISTANCE_M:.0f}] metres, not {radius!r}")
            radius = float(radius)
        name = d.get("name", "")
        return cls(op=op, kind=kind, facility=fac if op != "radius" else None,
                   cell=cell if op in ("add", "move") else None,
                   radius_m=radius if op == "radius" else None,
                   name=str(name)[:80] if op == "add" else "")


def new_facility_id() -> str:
    """A fresh id for an added facility (unique within any scenario in practice)."""
    return "new-" + secrets.token_hex(4)


def add(kind: str, cell: str, *, facility: str | None = None, name: str = "") -> Modification:
    """Modification adding a facility of ``kind`` at the centre of ``cell``."""
    return Modification.from_dict({"op": "add", "kind": kind, "cell": cell, "name": name,
                                   "facility": facility or new_facility_id()})


def move(kind: str, facility: str, cell: str) -> Modification:
    """Modification moving a facility to the centre of ``cell``."""
    return Modification.from_dict({"op": "move", "kind": kind, "facility": facility,
                                   "cell": cell})


def remove(kind: str, facility: str) -> Modification:
    """Modification removing a facility."""
    return Modification.from_dict({"op": "remove", "kind": kind, "facility": facility})


def set_radius(kind: str, radius_m: float) -> Modification:
    """Modification changing a kind's walking radius."""
    return Modification.from_dict({"op": "radius", "kind": kind, "radius_m": radius_m})


def dumps(mods: Sequence[Modification]) -> str:
    """Modifications as compact JSON (what the store keeps)."""
    return json.dumps([m.to_dict() for m in mods], ensure_ascii=False, separators=(",", ":"))


def loads(text: str) -> list[Modification]:
    """Modifications from :func:`dumps` output (each one checked)."""
    data = json.loads(text or "[]")
    if not isinstance(data, list):
        raise ScenarioError("修正の一覧が正しくありません。", "modifications must be a list")
    if len(data) > MAX_MODIFICATIONS:
        raise ScenarioError(f"1つのシナリオの修正は{MAX_MODIFICATIONS}件までです。",
                            f"a scenario holds at most {MAX_MODIFICATIONS} modifications")
    return [Modification.from_dict(d) for d in data]


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


@dataclass
class Engine:
    """Coverage of every kind under a scenario, updated incrementally edit by edit.

    Build the baseline once with :meth:`baseline`, :meth:`copy` it per scenario (copy on
    write per kind, so a copy is cheap) and :meth:`apply` modifications. An add only looks
    at cells within the search distance of the new facility (a KD-tree ball query, or a
    Dijkstra search limited to that distance on the walking network); a remove only
    re-evaluates the cells whose nearest facility it was; a radius change re-thresholds.

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

    cells: npt.NDArray[np.uint64]
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
        """The locked baseline: coverage of the existing facilities.

        Parameters
        ----------
        cells
            H3 cells whose centres are the population points.
        facilities
            Facilities per kind (points, EPSG:4326), e.g. from
            :func:`geo.coverage.facilities_by_kind`; facility ids are ``<kind>:<row label>``.
        metric_crs
            CRS in which straight lines are measured.
        population
            People per cell (indexed by cell), or None.
        radii
            Walking radius per kind; missing kinds take the official defaults.
        mode
            ``"line"`` or ``"network"`` (needs ``network``).
        network
            Walking network for ``mode="network"``.
        max_distance
            Farthest distance searched (as :func:`geo.coverage.distance_table`).

        Returns
        -------
        Engine
            Distances identical to :func:`geo.coverage.distance_table` on the same input.
        """
        c = grid.as_cells(cells)
        lon, lat = grid.centroids(c)
        cx, cy = _xy(lon, lat, metric_crs)
        pop = None
        if population is not None:
            pop = population.reindex(pd.Index(c)).fillna(0.0).to_numpy(dtype=float)
        o_node = o_snap = None
        if mode == "network":
            if network is None:
                raise ValueError("network mode needs a walking network; this city has none")
            o_node, o_snap = snap(network, cx, cy)
        elif mode != "line":
            raise ValueError(f"unknown mode {mode!r}; use 'line' or 'network'")
        eng = cls(cells=c, population=pop, radii=default_radii() | dict(radii or {}), mode=mode,
                  crs=metric_crs, max_distance=float(max_distance), cx=cx, cy=cy,
                  network=network if mode == "network" else None, o_node=o_node,
                  o_snap=o_snap, kinds={})
        for key in KIND_BY_KEY:
            f = facilities.get(key)
            if f is None:
                f = gpd.GeoDataFrame({"name": []}, geometry=[], crs=WGS84)
            flon = f.geometry.x.to_numpy(dtype=float)
            flat = f.geometry.y.to_numpy(dtype=float)
            fx, fy = _xy(flon, flat, metric_crs)
            names = (f["name"].astype(str).tolist() if "name" in f.columns
                     else [""] * len(f))
            n = len(f)
            st = _KindState(
                ids=[f"{key}:{i}" for i in f.index], names=names, lon=flon, lat=flat, x=fx, y=fy,
                active=np.ones(n, bool), added=np.zeros(n, bool),
                dist=np.full(len(c), np.inf), near=np.full(len(c), -1, np.int64))
            eng.kinds[key] = st
            eng._rebuild(st, None)
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
        """The baseline of a :class:`geo.bundle.CityBundle` (see :meth:`baseline`)."""
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

    # -- editing -----------------------------------------------------------------------

    def apply(self, mod: Modification) -> Change:
        """Apply one modification, updating only the cells it can reach.

        Raises
        ------
        ScenarioError
            If the facility to move or remove does not exist, or an added id is taken.
        """
        st = self._own(mod.kind)
        before = self._covered(mod.kind)
        if mod.op == "radius":
            assert mod.radius_m is not None
            self.radii[mod.kind] = float(mod.radius_m)
            touched = _EMPTY
        elif mod.op == "add":
            assert mod.facility is not None and mod.cell is not None
            if mod.facility in st.ids:
                raise ScenarioError("同じIDの施設がすでにあります。",
                                    f"facility id {mod.facility!r} already exists")
            slot = self._new_slot(st, mod.facility, mod.cell, mod.name)
            touched = self._add(st, slot)
        else:
            assert mod.facility is not None
            slot_or_none = st.slot(mod.facility)
            if slot_or_none is None:
                raise ScenarioError("その施設は見つかりません(すでに削除されたかもしれません)。",
                                    f"no facility {mod.facility!r} of kind {mod.kind!r}")
            touched = self._remove(st, slot_or_none)
            if mod.op == "move":
                assert mod.cell is not None
                lon, lat = _cell_lonlat(mod.cell)
                x, y = _xy(np.array([lon]), np.array([lat]), self.crs)
                st.lon[slot_or_none], st.lat[slot_or_none] = lon, lat
                st.x[slot_or_none], st.y[slot_or_none] = x[0], y[0]
                st.active[slot_or_none] = True
                touched = np.union1d(touched, self._add(st, slot_or_none))
        self.mods.append(mod)
        after = self._covered(mod.kind)
        gained = np.flatnonzero(after & ~before)
        lost = np.flatnonzero(before & ~after)
        if mod.op == "radius":
            touched = np.union1d(gained, lost)
        return Change(kind=mod.kind, cells=touched.astype(np.int64), gained=gained, lost=lost)

    def _own(self, kind: str) -> _KindState:
        if kind not in self.kinds:
            raise ScenarioError(f"不明な施設の種類です: {kind!r}", f"unknown kind {kind!r}")
        if kind in self._shared:
            self.kinds[kind] = self.kinds[kind].clone()
            self._shared.discard(kind)
        return self.kinds[kind]

    def _new_slot(self, st: _KindState, fid: str, cell: str, name: str) -> int:
        lon, lat = _cell_lonlat(cell)
        x, y = _xy(np.array([lon]), np.array([lat]), self.crs)
        st.ids.append(fid)
        st.names.append(name)
        st.lon = np.append(st.lon, lon)
        st.lat = np.append(st.lat, lat)
        st.x = np.append(st.x, x)
        st.y = np.append(st.y, y)
        st.active = np.append(st.active, True)
        st.added = np.append(st.added, True)
        return len(st.ids) - 1

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
        assert st.node_dist is not None and self.o_node is not None
        net = self.network
        g = _with_virtual_sources(net, [(np.array([fx]), np.array([fy]))])
        nd = csgraph.dijkstra(g, directed=True, indices=net.n_nodes, limit=self.max_distance)
        nd = nd[: net.n_nodes]
        better = np.flatnonzero(nd < st.node_dist)
        if len(better) == 0:
            return _EMPTY
        st.node_dist[better] = nd[better]
        st.near[better] = slot
        hit = np.zeros(net.n_nodes, bool)
        hit[better] = True
        cells = np.flatnonzero(hit[self.o_node])
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
            if len(keep) == 0:
                st.dist[owned], st.near[owned] = np.inf, -1
                return owned
            d, j = cKDTree(np.column_stack([st.x[keep], st.y[keep]])).query(
                np.column_stack([self.cx[owned], self.cy[owned]]),
                distance_upper_bound=self.max_distance)
            found = np.isfinite(d)
            st.dist[owned] = d
            st.near[owned] = np.where(found, keep[np.minimum(j, len(keep) - 1)], -1)
            return owned
        assert st.node_dist is not None and self.o_node is not None
        nd, src = self._network_nearest(st, keep)
        st.node_dist[owned] = nd[owned]
        st.near[owned] = src[owned]
        hit = np.zeros(len(st.node_dist), bool)
        hit[owned] = True
        cells = np.flatnonzero(hit[self.o_node])
        self._cell_from_nodes(st, cells)
        return cells

    def _network_nearest(self, st: _KindState, slots: IntArray) -> tuple[FloatArray, IntArray]:
        """Node distance to, and slot of, the nearest of ``slots`` (one Dijkstra run)."""
        net = self.network
        assert net is not None
        n = net.n_nodes
        if len(slots) == 0:
            return np.full(n, np.inf), np.full(n, -1, np.int64)
        g = _with_virtual_sources(
            net, [(st.x[s : s + 1], st.y[s : s + 1]) for s in slots])
        dist, _, src = csgraph.dijkstra(
            g, directed=True, indices=np.arange(n, n + len(slots)), limit=self.max_distance,
            min_only=True, return_predecessors=True)
        src = np.asarray(src[:n], dtype=np.int64)
        found = src >= n
        near = np.where(found, slots[np.clip(src - n, 0, len(slots) - 1)], -1)
        return np.asarray(dist[:n], float), near.astype(np.int64)

    def _cell_from_nodes(self, st: _KindState, cells: IntArray) -> None:
        assert st.node_dist is not None and self.o_node is not None and self.o_snap is not None
        d = st.node_dist[self.o_node[cells]] + self.o_snap[cells]
        d[d > self.max_distance] = np.inf
        st.dist[cells] = d

    def _rebuild(self, st: _KindState, _: None) -> None:
        """Full computation of one kind (the baseline)."""
        keep = np.flatnonzero(st.active)
        if self.network is None:
            st.dist = np.full(len(self.cells), np.inf)
            st.near = np.full(len(self.cells), -1, np.int64)
            if len(keep):
                d, j = cKDTree(np.column_stack([st.x[keep], st.y[keep]])).query(
                    np.column_stack([self.cx, self.cy]), distance_upper_bound=self.max_distance)
                st.dist = d
                st.near = np.where(np.isfinite(d), keep[np.minimum(j, len(keep) - 1)], -1)
            return
        st.node_dist, st.near = self._network_nearest(st, keep)
        self._cell_from_nodes(st, np.arange(len(self.cells)))

    # -- reading -----------------------------------------------------------------------

    def has_facilities(self, kind: str) -> bool:
        """Whether any facility of ``kind`` exists in this scenario."""
        return bool(self.kinds[kind].active.any())

    def distance(self, kind: str) -> FloatArray:
        """Distance of every cell to the nearest facility of ``kind`` (NaN: none exists)."""
        st = self.kinds[kind]
        if not st.active.any():
            return np.full(len(self.cells), np.nan)
        return st.dist

    def _covered(self, kind: str) -> npt.NDArray[np.bool_]:
        return np.asarray(self.kinds[kind].dist <= self.radii[kind]) & bool(
            self.kinds[kind].active.any())

    def covered(self, kind: str) -> npt.NDArray[np.bool_]:
        """Whether each cell lies within the walking radius of ``kind``."""
        return self._covered(kind)

    def distances(self) -> pd.DataFrame:
        """Cells × kinds distance table, like :func:`geo.coverage.distance_table`."""
        return pd.DataFrame({k: self.distance(k) for k in self.kinds},
                            index=pd.Index(self.cells, name="cell"))

    def figures(self, kinds: Sequence[str] | None = None) -> pd.DataFrame:
        """City figures per kind, computed from the current state (vectorised, a few ms).

        Returns
        -------
        pandas.DataFrame
            Indexed by kind: ``status`` (ok / no_data / no_population), ``facilities``,
            ``radius_m``, ``population``, ``covered``, ``uncovered``, ``rate``,
            ``cells_covered``.
        """
        rows = []
        total = float(self.population.sum()) if self.population is not None else math.nan
        for key in kinds if kinds is not None else list(self.kinds):
            st = self.kinds[key]
            n = int(st.active.sum())
            cov = self._covered(key)
            row: dict[str, Any] = {"kind": key, "facilities": n,
                                   "radius_m": float(self.radii[key]),
                                   "cells_covered": int(cov.sum())}
            if n == 0:
                row.update(status="no_data", population=math.nan, covered=math.nan,
                           uncovered=math.nan, rate=math.nan)
            elif self.population is None:
                row.update(status="no_population", population=math.nan, covered=math.nan,
                           uncovered=math.nan, rate=math.nan)
            else:
                c = float(self.population[cov].sum())
                row.update(status="ok", population=total, covered=c, uncovered=total - c,
                           rate=c / total if total > 0 else math.nan)
            rows.append(row)
        return pd.DataFrame(rows).set_index("kind")

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
        """The scenario's facilities split by kind (input of :func:`distance_table`)."""
        f = self.facilities()
        return {k: f[f["kind"] == k] for k in self.kinds}


def _xy(lon: FloatArray, lat: FloatArray, crs: CRS) -> tuple[FloatArray, FloatArray]:
    x, y = Transformer.from_crs(WGS84, crs, always_xy=True).transform(lon, lat)
    return np.asarray(x, float), np.asarray(y, float)


def _cell_lonlat(cell: str) -> tuple[float, float]:
    lon, lat = grid.centroids(grid.to_cells([cell]))
    return float(lon[0]), float(lat[0])


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


def modifications_geojson(mods: Sequence[Modification], *, properties: Mapping[str, Any]
                          | None = None) -> dict[str, Any]:
    """Added / moved facilities as GeoJSON points (removals and radius changes without geometry).

    Parameters
    ----------
    mods
        Modifications in order.
    properties
        Extra properties put on every feature (e.g. group and scenario name).
    """
    feats = []
    for i, m in enumerate(mods):
        geom = None
        if m.cell is not None:
            lon, lat = _cell_lonlat(m.cell)
            geom = {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}
        props = {"step": i + 1, **m.to_dict(), **dict(properties or {})}
        props["kind_ja"] = KIND_BY_KEY[m.kind].ja
        feats.append({"type": "Feature", "geometry": geom, "properties": props})
    return {"type": "FeatureCollection", "features": feats}


__all__ = [
    "KINDS",
    "OPS",
    "Change",
    "Engine",
    "Modification",
    "ScenarioError",
    "add",
    "cell_change",
    "compare",
    "dumps",
    "factor_scores",
    "loads",
    "modifications_geojson",
    "move",
    "new_facility_id",
    "remove",
    "set_radius",
]
