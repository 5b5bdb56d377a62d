"""One H3 cell as a hex string: the edges where ids arrive or leave (clicks, the store, deck
records). Only h3 and the standard library: importing this is cheap (the store uses it on
every post), unlike the array and geometry functions of :mod:`geo.grid.hexes`."""

from __future__ import annotations

import re
from typing import SupportsInt

from h3.api import basic_int as h3i

__all__ = [
    "area_km2",
    "at_resolution",
    "boundary",
    "cell_of_string",
    "cells_outline",
    "center_child",
    "central_cell",
    "centre",
    "children_strings",
    "grid_disk",
    "grid_distance",
    "grid_path",
    "grid_ring",
    "is_cell",
    "parent_string",
    "resolution_of_string",
    "string_of_cell",
]

_HEX_ID = re.compile(r"[0-9A-Fa-f]{1,16}")
_DECIMAL_ID = re.compile(r"[0-9]{17,20}")


def _check_resolution(resolution: int) -> int:
    r = int(resolution)
    if not 0 <= r <= 15:
        raise ValueError(f"H3 resolution must be 0..15, not {resolution!r}")
    return r


def _int_of(text: str, *, decimal: bool = False) -> int | None:
    """The cell of a hex id (1-16 hex digits, either case), or of a decimal integer id when
    ``decimal``; None when the text is no valid H3 cell."""
    if _HEX_ID.fullmatch(text):
        value = int(text, 16)
    elif decimal and _DECIMAL_ID.fullmatch(text):
        value = int(text)
        if value >= 1 << 64:
            return None
    else:
        return None
    return value if h3i.is_valid_cell(value) else None


def resolution_of_string(cell: str) -> int:
    """The resolution of one cell given as a hex string id."""
    return int(h3i.get_resolution(cell_of_string(cell)))


# --- one cell as a hex string: the edges (clicks, the store, deck records) ------------------


def is_cell(value: object) -> bool:
    """Whether ``value`` is the hex string id of a valid H3 cell (1-16 hex digits)."""
    return isinstance(value, str) and _int_of(value) is not None


def cell_of_string(cell: str) -> int:
    """The cell (an int that fits uint64) of a hex string id; ValueError if it is none."""
    c = _int_of(cell) if isinstance(cell, str) else None
    if c is None:
        raise ValueError(f"not an H3 cell id: {str(cell)[:32]!r}")
    return c


def string_of_cell(cell: SupportsInt) -> str:
    """The canonical hex string id (lower case, 15 digits) of a cell."""
    c = int(cell)
    if not h3i.is_valid_cell(c):
        raise ValueError(f"not an H3 cell: {c}")
    return format(c, "x")


def parent_string(cell: str, resolution: int) -> str:
    """The ancestor at ``resolution`` of a cell, or the cell itself when it is already that
    coarse or coarser (a pin never gets finer)."""
    c, r = cell_of_string(cell), _check_resolution(resolution)
    return format(h3i.cell_to_parent(c, r) if h3i.get_resolution(c) > r else c, "x")


def center_child(cell: str, resolution: int) -> str:
    """The centre descendant at a finer-or-equal ``resolution``."""
    return format(h3i.cell_to_center_child(cell_of_string(cell), _check_resolution(resolution)),
                  "x")


def at_resolution(cell: str, resolution: int) -> str:
    """The cell moved to ``resolution``: its ancestor if finer, its centre child if coarser."""
    c, r = cell_of_string(cell), _check_resolution(resolution)
    own = h3i.get_resolution(c)
    if own > r:
        c = h3i.cell_to_parent(c, r)
    elif own < r:
        c = h3i.cell_to_center_child(c, r)
    return format(c, "x")


def children_strings(cell: str, resolution: int) -> list[str]:
    """Every descendant at a finer-or-equal ``resolution``, sorted."""
    kids = h3i.cell_to_children(cell_of_string(cell), _check_resolution(resolution))
    return [format(k, "x") for k in sorted(kids)]


def area_km2(cell: str) -> float:
    """Area of the cell's hexagon on the sphere, in km²."""
    return float(h3i.cell_area(cell_of_string(cell), unit="km^2"))


def grid_disk(cell: str, k: int) -> list[str]:
    """The cells within ``k`` steps of ``cell`` (itself included), sorted."""
    return [format(c, "x") for c in sorted(h3i.grid_disk(cell_of_string(cell), int(k)))]


def grid_ring(cell: str, k: int) -> list[str]:
    """The cells exactly ``k`` steps from ``cell``, sorted."""
    return [format(c, "x") for c in sorted(h3i.grid_ring(cell_of_string(cell), int(k)))]


def grid_distance(a: str, b: str) -> int:
    """Steps between two cells of one resolution (H3 raises when the grid cannot tell, e.g.
    across a pentagon or too far apart)."""
    return int(h3i.grid_distance(cell_of_string(a), cell_of_string(b)))


def boundary(cell: str) -> list[tuple[float, float]]:
    """The cell's outline as (lon, lat) vertices, not closed."""
    return [(lng, lat) for lat, lng in h3i.cell_to_boundary(cell_of_string(cell))]


def centre(cell: str) -> tuple[float, float]:
    """The cell's centre as (lon, lat)."""
    lat, lng = h3i.cell_to_latlng(cell_of_string(cell))
    return float(lng), float(lat)


def central_cell(cells: list[str] | tuple[str, ...]) -> str:
    """The cell whose centre lies nearest the mean of the cells' centres (the first such):
    where a set of cells is shown as one place."""
    if not cells:
        raise ValueError("no cells")
    points = [centre(c) for c in cells]
    lon = sum(p[0] for p in points) / len(points)
    lat = sum(p[1] for p in points) / len(points)
    best = min(range(len(cells)),
               key=lambda i: (points[i][0] - lon) ** 2 + (points[i][1] - lat) ** 2)
    return cells[best]


def grid_path(a: str, b: str) -> list[str]:
    """The cells of a line of neighbours from ``a`` to ``b`` (both included), in order; H3
    raises when it cannot tell (across a pentagon, or too far apart)."""
    return [format(c, "x") for c in h3i.grid_path_cells(cell_of_string(a), cell_of_string(b))]


def cells_outline(cells: list[str] | tuple[str, ...]) -> list[list[list[tuple[float, float]]]]:
    """The union of the cells as polygons, each a list of closed rings of (lon, lat) — the
    outer ring first, then its holes (GeoJSON MultiPolygon order)."""
    shape = h3i.cells_to_geo([cell_of_string(c) for c in cells])
    coords = shape["coordinates"]
    polygons = [coords] if shape["type"] == "Polygon" else list(coords)
    return [[[(float(x), float(y)) for x, y in ring] for ring in poly] for poly in polygons]
