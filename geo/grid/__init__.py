"""Where things are: the H3 grid (the one H3 boundary: uint64 inside, strings only at the
edges), coordinate reference systems, and the JIS X 0410 mesh.

May import: the core (``geo.errors`` ...). Public API: the H3 functions of
:mod:`geo.grid.hexes`, re-exported here, so ``from geo import grid; grid.to_cells(...)``.
"""

from geo.grid.hexes import *  # noqa: F403 - the package's public API is the H3 boundary
from geo.grid.hexes import __all__ as _hexes_all

__all__ = list(_hexes_all)
