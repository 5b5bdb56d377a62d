"""Where things are: the H3 grid (the one H3 boundary: uint64 inside, strings only at the
edges), coordinate reference systems, and the JIS X 0410 mesh.

May import: the core (``geo.errors`` ...). Public API: the H3 functions of
:mod:`geo.grid.hexes` (arrays and geometry) and :mod:`geo.grid.ids` (one id at the edges), so
``from geo import grid; grid.to_cells(...)``. The array part loads pandas and geopandas, so it
is imported on first use: ``geo.grid.ids`` alone stays cheap for the comment store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from geo.grid.ids import *  # noqa: F403 - one id at the edges
from geo.grid.ids import __all__ as _ids_all

if TYPE_CHECKING:
    from geo.grid.hexes import *  # noqa: F403

_HEXES = frozenset({
    "BASE_RESOLUTION", "MIN_OVERLAP_M2", "RESOLUTIONS", "Cells", "areal_weights", "as_cells",
    "centroids", "children", "cover", "parents", "parse_cells", "points_to_cells", "polygons",
    "resolution_of", "rollup", "spread", "to_cells", "to_strings",
})
__all__ = sorted([*_ids_all, *_HEXES])


def __getattr__(name: str) -> Any:
    """The array and geometry functions, imported when first asked for."""
    if name in _HEXES:
        from geo.grid import hexes

        return getattr(hexes, name)
    raise AttributeError(f"module 'geo.grid' has no attribute {name!r}")
