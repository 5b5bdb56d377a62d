"""Comments on an area or a route: a set, or a path, of res-9 hexagons (never coordinates).

A citizen may say "this park is dark at night" about several hexagons (an *area*) or "this
road to school has no pavement" about a line of them (a *route*). The comment keeps one
representative cell in ``comments.cell`` (the area's central cell, a route's middle cell), so
the map's counts, the town filter, similar comments nearby and every summary work for it as
for a point; the shape's cells are rows of ``comment_shape_cells`` (migration 11), in order,
and ``comments.shape`` says which it is. They are written in the comment's transaction, shown
only while the comment is visible (every read goes through ``comments``), dropped by a trigger
the moment the comment is deleted and by cascade when it is purged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final

from geo.grid import ids
from geo.participation.store.backends import Tx, in_chunks
from geo.participation.store.errors import InvalidCell, InvalidInput
from geo.participation.store.models import Comment

__all__ = [
    "MAX_AREA_CELLS",
    "MAX_ROUTE_CELLS",
    "SHAPE_RESOLUTION",
    "ShapeDraft",
    "attach_shapes",
    "check_shape",
    "representative",
    "store_shape",
]

#: Resolution of a shape's cells (the pin grid's, about 0.1 km² each).
SHAPE_RESOLUTION: Final = 9
#: Most cells of an area and of a route.
MAX_AREA_CELLS: Final = 200
MAX_ROUTE_CELLS: Final = 100
_LIMITS: Final = {"area": (1, MAX_AREA_CELLS), "route": (2, MAX_ROUTE_CELLS)}


@dataclass(frozen=True, slots=True)
class ShapeDraft:
    """An area or a route as it is posted with its comment.

    Attributes
    ----------
    shape
        ``"area"`` (a set of cells) or ``"route"`` (cells in the order walked).
    cells
        Res-9 H3 cell ids, each once (an area: 1-200; a route: 2-100).
    """

    shape: str
    cells: tuple[str, ...]


def representative(shape: str, cells: Sequence[str]) -> str:
    """The cell a shape is filed under (``comments.cell``): an area's central cell (nearest
    the mean of the centres), a route's middle cell."""
    if not cells:
        raise ValueError("no cells")
    return cells[len(cells) // 2] if shape == "route" else ids.central_cell(list(cells))


def _bad(ja: str, en: str) -> InvalidInput:
    return InvalidInput(ja, en)


def check_shape(draft: object, *, cell: str) -> ShapeDraft:
    """Check an area or a route posted with a comment whose (validated) cell is ``cell``.

    Raises
    ------
    InvalidInput
        An unknown shape, too few or too many cells, a cell twice, or ``cell`` not among
        them; :class:`InvalidCell` for a cell that is no res-9 H3 id.
    """
    if not isinstance(draft, ShapeDraft) or draft.shape not in _LIMITS:
        raise _bad("エリアまたはルートの指定が正しくありません。",
                   "A shape is a ShapeDraft of 'area' or 'route'.")
    least, most = _LIMITS[draft.shape]
    cells = tuple(draft.cells) if isinstance(draft.cells, list | tuple) else ()
    if not least <= len(cells) <= most:
        what = "エリア" if draft.shape == "area" else "ルート"
        raise _bad(f"{what}の六角形は{least}〜{most}個にしてください（いま{len(cells)}個）。",
                   f"An {draft.shape} holds {least}-{most} hexagons, not {len(cells)}.")
    clean = []
    for c in cells:
        if not ids.is_cell(c) or ids.resolution_of_string(c) != SHAPE_RESOLUTION:
            raise InvalidCell(f"エリアとルートの場所は解像度{SHAPE_RESOLUTION}のH3セルです。",
                              f"A shape's cells are H3 cells of resolution {SHAPE_RESOLUTION}, "
                              f"not {str(c)[:32]!r}.")
        clean.append(ids.string_of_cell(ids.cell_of_string(c)))
    if len(set(clean)) != len(clean):
        raise _bad("同じ六角形が2回含まれています。", "A shape holds each hexagon once.")
    if cell not in clean:
        raise _bad("投稿の場所はエリアまたはルートの六角形の一つです。",
                   "A shaped comment's cell is one of its shape's cells.")
    return ShapeDraft(draft.shape, tuple(clean))


def store_shape(tx: Tx, comment_id: int, draft: ShapeDraft) -> None:
    """Store a checked shape with the comment just inserted (same transaction): its kind on
    the comment (a column no trigger watches) and its cells, in order."""
    tx.execute("UPDATE comments SET shape = ? WHERE id = ?", [draft.shape, comment_id])
    for seq, c in enumerate(draft.cells):
        tx.execute("INSERT INTO comment_shape_cells (comment_id, seq, cell) VALUES (?, ?, ?)",
                   [comment_id, seq, c])


def attach_shapes(tx: Tx, comments: Sequence[Comment]) -> list[Comment]:
    """The comments with their shapes' cells (one query, only when some have a shape)."""
    wanted = [c.id for c in comments if c.shape != "point"]
    if not wanted:
        return list(comments)
    cells: dict[int, list[str]] = {}
    for marks, chunk in in_chunks(wanted):
        for cid, cell in tx.fetchall(
                "SELECT comment_id, cell FROM comment_shape_cells "  # noqa: S608 - placeholders only; values are bound
                f"WHERE comment_id IN ({marks}) ORDER BY comment_id, seq",
                chunk):
            cells.setdefault(int(cid), []).append(str(cell))
    return [replace(c, cells=tuple(cells.get(c.id, ()))) if c.shape != "point" else c
            for c in comments]

