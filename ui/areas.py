"""Comments on an area or a route: the shape choice, its cells chosen on the map or by towns,
drawn on the map and said in words before anything is posted.

A *point* is the place picker's one hexagon (:class:`ui.places.PlacePicker`). An *area* is a
set of pin cells (res 9): a tap on the map adds a hexagon or takes it out; picking towns puts
in every pin cell of those towns. A *route* is a path of pin cells: taps in the order walked
(hexagons apart are joined by H3's line of neighbours; the last one tapped again is undone),
or a start and an end town (the line between their pin cells). The last choice wins, as for a
point. The comment's cell is the shape's representative cell
(:func:`geo.participation.store.representative`); the shape goes with it
(:class:`~geo.participation.store.ShapeDraft`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pydeck as pdk
import streamlit as st

from geo import grid
from geo.ingest.bundle import CityBundle
from geo.participation.store import (
    MAX_AREA_CELLS,
    MAX_ROUTE_CELLS,
    SHAPES,
    ShapeDraft,
    representative,
)
from geo.render import deck

from .deckmap import deck_map
from .i18n import t
from .places import PICK_LAYER, PlacePicker, picked_cell, town_names, town_select
from .voices import PIN_RESOLUTION, cell_towns, shape_words, town_cells

SHAPE = "c_shape"  # the choice: point, area or route
CELLS = "c_shape_cells"  # the chosen cells, in order
_TAP = "c_shape_tap"  # the last map tap already applied
_MOST = {"area": MAX_AREA_CELLS, "route": MAX_ROUTE_CELLS}
#: Colour of the chosen area or route on the map (the highlight of a chosen place), RGBA.
CHOSEN = (255, 200, 0, 190)
ROUTE_LINE = (20, 20, 20, 230)


@dataclass(frozen=True)
class Choice:
    """Where the comment will go: ``shape``, its ``cells`` (empty for a point) and the cell it
    is filed under (None until the choice can be posted)."""

    shape: str
    cell: str | None
    cells: tuple[str, ...] = ()

    @property
    def draft(self) -> ShapeDraft | None:
        """The shape posted with the comment (None for a point)."""
        return None if self.shape == "point" or self.cell is None else ShapeDraft(
            self.shape, self.cells)

    @property
    def hint(self) -> str:
        """What to do first, until something can be posted."""
        return {"point": "pick_first", "area": "shape_pick_area",
                "route": "shape_pick_route"}[self.shape]

    def caption(self, b: CityBundle, place: PlacePicker) -> str:
        """The place in words (plain text)."""
        return place.caption(b) if self.shape == "point" else shape_words(
            b, self.shape, self.cells)


def _cells() -> list[str]:
    value = st.session_state.get(CELLS)
    return [c for c in value if isinstance(c, str)] if isinstance(value, list) else []


def _set(cells: Sequence[str]) -> None:
    out: list[str] = []
    for c in cells:  # each once, in order
        if c not in out:
            out.append(c)
    st.session_state[CELLS] = out


def tap(shape: str, cell: str, cells: list[str]) -> list[str]:
    """The cells after a tap on ``cell``: an area toggles it; a route goes on to it along the
    line of neighbours from its last cell (the last cell tapped again is taken off)."""
    if shape == "area":
        return [c for c in cells if c != cell] if cell in cells else [*cells, cell]
    if cells and cells[-1] == cell:
        return cells[:-1]
    if not cells:
        return [cell]
    try:
        path = grid.grid_path(cells[-1], cell)[1:]
    except Exception:  # H3 cannot draw the line (too far apart): the cell alone
        path = [cell]
    return [*cells, *(c for c in path if c not in cells)]


def _apply_map() -> None:
    """A map tap (the widget's callback, and again on the run: a tap is applied once)."""
    ss = st.session_state
    selection = (ss.get("c_map") or {}).get("selection") or {}
    cell = picked_cell(selection, PICK_LAYER)
    if cell is None or selection.get("tap") == ss.get(_TAP):
        return
    ss[_TAP] = selection.get("tap")
    _set(tap(str(ss.get(SHAPE, "point")), grid.parent_string(cell, PIN_RESOLUTION), _cells()))


def _on_towns(b_id: str, members: Mapping[str, list[str]]) -> None:
    codes = st.session_state.get("c_area_towns") or []
    _set([c for code in codes for c in members.get(code, [])])


def _on_route(starts: Mapping[str, str]) -> None:
    ss = st.session_state
    a, b = starts.get(ss.get("c_route_from") or ""), starts.get(ss.get("c_route_to") or "")
    if a is None or b is None:
        return
    try:
        _set(grid.grid_path(a, b))
        ss.pop("c_route_error", None)
    except Exception:  # H3 cannot draw it (too far apart, a pentagon)
        ss["c_route_error"] = True


def _clear() -> None:
    st.session_state[CELLS] = []
    for key in ("c_area_towns", "c_route_from", "c_route_to"):
        st.session_state.pop(key, None)


def _on_shape() -> None:
    """A new shape starts empty (a tap made before the switch is not applied to it)."""
    _clear()
    st.session_state[_TAP] = ((st.session_state.get("c_map") or {}).get("selection")
                              or {}).get("tap")


def chosen_layers(shape: str, cells: Sequence[str]) -> list[pdk.Layer]:
    """The chosen area or route on top of the map (not pickable)."""
    layer = deck.state_layer(grid.to_cells(list(cells)), [0] * len(cells), [CHOSEN],
                             layer_id="chosen_shape", outline_px=2)
    if shape != "route":
        return [layer]
    return [layer, deck.path_layer([list(cells)], [0], [ROUTE_LINE], layer_id="chosen_route")]


def _members(b: CityBundle) -> dict[str, list[str]]:
    """Every pin cell of each town (the cells most of whose people live in it)."""
    out: dict[str, list[str]] = {}
    for cell, code in cell_towns(b).items():
        out.setdefault(code, []).append(cell)
    return out


def choose(b: CityBundle, place: PlacePicker, layers: Sequence[Any]) -> Choice:
    """The shape choice, the map and the non-map path (towns): where the comment will go."""
    labels = {s: t(f"shape_{s}") for s in SHAPES}
    shape = st.radio(t("shape_pick"), list(SHAPES), format_func=labels.__getitem__,
                     horizontal=True, key=SHAPE, on_change=_on_shape)
    if shape == "point":
        place.map(b, layers)
        st.caption(t("comments_map_note"))
        place.town_select(b)
        return Choice("point", place.cell)
    _apply_map()
    cells = _cells()
    d = deck.deck([*layers, *chosen_layers(shape, cells)],
                  view=deck.view_of(b.boundary, height_px=460), pick=PICK_LAYER, tooltip="{v}")
    deck_map(d, key="c_map", height=460, mode="single", on_select=_apply_map, selected=None)
    st.caption(t(f"shape_{shape}_note", most=_MOST[shape]))
    names = town_names(b)
    if shape == "area":
        members = _members(b)
        st.multiselect(t("shape_area_towns"), [c for c in names if c in members],
                       format_func=names.__getitem__, key="c_area_towns",
                       placeholder=t("choose"), on_change=_on_towns, args=(b.id, members))
    else:
        starts = town_cells(b)
        a, z = st.columns(2)
        with a:
            town_select(b, key="c_route_from", label=t("shape_route_from"),
                        options=list(starts), on_change=_on_route, args=(starts,))
        with z:
            town_select(b, key="c_route_to", label=t("shape_route_to"),
                        options=list(starts), on_change=_on_route, args=(starts,))
        if st.session_state.get("c_route_error"):
            st.warning(t("shape_no_path"))
    if cells:
        st.button(t("shape_clear"), key="c_shape_clear", on_click=_clear)
    least = 2 if shape == "route" else 1
    if len(cells) > _MOST[shape]:
        st.warning(t("shape_too_big", n=len(cells), most=_MOST[shape]))
        return Choice(shape, None, tuple(cells))
    if len(cells) < least:
        return Choice(shape, None, tuple(cells))
    return Choice(shape, representative(shape, cells), tuple(cells))


__all__ = ["CELLS", "SHAPE", "Choice", "choose", "chosen_layers", "tap"]
