"""Modifications of the baseline facilities (after Conveyal's scenario model) as a value type:
made, checked, stored as JSON and drawn without the engine.

A modification names its place by an H3 cell id as a string: it crosses the edges (a click on
the map, the store's JSON, the minutes); the engine turns the string into a cell with
:mod:`geo.grid` when it applies the modification.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from geo import grid
from geo.errors import DioramaError
from geo.kinds import KIND_BY_KEY, MAX_DISTANCE_M

Op = Literal["add", "move", "remove", "radius"]
OPS: tuple[Op, ...] = ("add", "move", "remove", "radius")

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
        Facility kind key (see :data:`geo.kinds.KINDS`).
    facility
        Id of the facility moved or removed, or the id given to an added one.
    cell
        H3 cell id where a facility is added or moved to; the facility stands at the cell
        centre (a planning object, so its location is stored).
    radius_m
        New walking radius (``"radius"`` only).
    name
        Optional label of an added facility.
    source
        Where an added facility came from, e.g. ``"proposal:12"`` (a citizen's proposal, comment
        #12, pulled into the scenario); empty when the group placed it itself.
    """

    op: Op
    kind: str
    facility: str | None = None
    cell: str | None = None
    radius_m: float | None = None
    name: str = ""
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON storage (empty fields left out)."""
        d: dict[str, Any] = {"op": self.op, "kind": self.kind}
        for k in ("facility", "cell", "radius_m"):
            if getattr(self, k) is not None:
                d[k] = getattr(self, k)
        if self.name:
            d["name"] = self.name
        if self.source:
            d["source"] = self.source
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Modification:
        """Read and check a stored modification.

        Raises
        ------
        ScenarioError
            If the operation, kind, facility id, cell or radius is invalid.
        """
        op, kind = d.get("op"), d.get("kind")
        if op not in OPS:
            raise ScenarioError(f"不明な操作です: {op!r}", f"unknown modification {op!r}")
        if kind not in KIND_BY_KEY:
            raise ScenarioError(f"不明な施設の種類です: {kind!r}", f"unknown kind {kind!r}")
        fac, cell = d.get("facility"), d.get("cell")
        if op in ("add", "move", "remove") and not (isinstance(fac, str) and 0 < len(fac) <= 64):
            raise ScenarioError("施設IDがありません。", f"{op} needs a facility id")
        if op in ("add", "move") and not _is_cell(cell):
            raise ScenarioError("場所(H3セル)が正しくありません。",
                                f"{op} needs a valid H3 cell, not {cell!r}")
        radius = _checked_radius(d.get("radius_m")) if op == "radius" else None
        return cls(op=op, kind=kind, facility=fac if op != "radius" else None,
                   cell=cell if op in ("add", "move") else None, radius_m=radius,
                   name=str(d.get("name", ""))[:80] if op == "add" else "",
                   source=_checked_source(d.get("source")) if op == "add" else "")


def _is_cell(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        grid.to_cells([value])
    except ValueError:
        return False
    return True


#: The shape of a modification's ``source``: ``proposal:<comment id>``.
_SOURCE = re.compile(r"proposal:[1-9][0-9]{0,17}")


def _checked_source(source: object) -> str:
    if source is None or source == "":
        return ""
    if not isinstance(source, str) or not _SOURCE.fullmatch(source):
        raise ScenarioError("追加した施設の出どころが正しくありません。",
                            f"a source is 'proposal:<comment id>', not {source!r}")
    return source


def proposal_id(m: Modification) -> int | None:
    """The comment id of the proposal an added facility came from, or None."""
    return int(m.source.split(":", 1)[1]) if m.source.startswith("proposal:") else None


def _checked_radius(radius: object) -> float:
    if not isinstance(radius, int | float) or isinstance(radius, bool) or not (
        0 < float(radius) <= MAX_DISTANCE_M
    ):
        raise ScenarioError(
            f"徒歩圏の半径は0より大きく{MAX_DISTANCE_M:.0f} m以下にしてください。",
            f"a radius must be in (0, {MAX_DISTANCE_M:.0f}] metres, not {radius!r}")
    return float(radius)


def new_facility_id() -> str:
    """A fresh id for an added facility (unique within any scenario in practice)."""
    return "new-" + secrets.token_hex(4)


def add(kind: str, cell: str, *, facility: str | None = None, name: str = "",
        source: str = "") -> Modification:
    """Modification adding a facility of ``kind`` at the centre of ``cell`` (``source``: where
    it came from, e.g. ``"proposal:12"``)."""
    return Modification.from_dict({"op": "add", "kind": kind, "cell": cell, "name": name,
                                   "facility": facility or new_facility_id(),
                                   "source": source})


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


def cell_centre(cell: str) -> tuple[float, float]:
    """Centre (lon, lat) of a cell given by its id, where a modification puts a facility."""
    lon, lat = grid.centroids(grid.to_cells([cell]))
    return float(lon[0]), float(lat[0])


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
            lon, lat = cell_centre(m.cell)
            geom = {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}
        props = {"step": i + 1, **m.to_dict(), **dict(properties or {})}
        props["kind_ja"] = KIND_BY_KEY[m.kind].ja
        feats.append({"type": "Feature", "geometry": geom, "properties": props})
    return {"type": "FeatureCollection", "features": feats}
