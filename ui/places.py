"""Choosing a place: a click on the map or a town from the list; the last choice wins.

One picker for every page where a citizen or a workshop group says "here": the map has one
pickable layer (the pin grid, see :func:`geo.deck.deck`), the choice is taken in the widgets'
callbacks (so it is the *last* choice, not whichever widget happens to run later in the
script), shown in words ("near 千代田町二丁目, a hexagon of about 0.1 km²") and outlined on
the map before anything is saved.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pydeck as pdk
import streamlit as st

from geo import grid
from geo.ingest.bundle import CityBundle
from geo.render import deck

from .deckmap import deck_map
from .i18n import t
from .voices import PIN_RESOLUTION, cell_towns, town_cells, town_names

#: Layer id of the pickable pin grid (see ui.voices.base_layers).
PICK_LAYER = "pin"


def picked_cell(selection: Mapping[str, Any] | None, layer_id: str = PICK_LAYER) -> str | None:
    """The H3 cell of the first object picked on ``layer_id`` in a pydeck selection, or None.

    Parameters
    ----------
    selection
        The ``"selection"`` of :func:`ui.deckmap.deck_map` (or the widget's session-state
        value), shaped as ``st.pydeck_chart``'s.
    layer_id
        The pickable layer whose records carry the cell id as ``"h"``.
    """
    if not selection:
        return None
    objects = (selection.get("objects") or {}).get(layer_id) or []
    for obj in objects:
        if isinstance(obj, Mapping) and isinstance(obj.get("h"), str):
            cell = obj["h"]
            return cell if grid.is_cell(cell) else None
    return None


def picked_cells(selection: Mapping[str, Any] | None, layer_id: str) -> set[str]:
    """Every valid H3 cell picked on ``layer_id`` (a multi-object selection)."""
    objects = ((selection or {}).get("objects") or {}).get(layer_id) or []
    return {o["h"] for o in objects
            if isinstance(o, Mapping) and grid.is_cell(o.get("h"))}


def town_of(b: CityBundle, cell: str) -> str | None:
    """Name of the town most of the cell's people live in (the pin cell's town), or None."""
    code = cell_towns(b).get(grid.parent_string(cell, PIN_RESOLUTION))
    return town_names(b).get(code) if code else None


def place_label(b: CityBundle, cell: str) -> str:
    """A place in words: the town and the size of the hexagon, never a bare H3 id."""
    area = grid.area_km2(cell)
    size = f"{area:.2f}" if area < 1 else f"{area:.1f}"
    town = town_of(b, cell)
    if town:
        return t("place_near", town=town, area=size)
    return t("place_in_city", area=size)


def town_select(b: CityBundle, *, key: str, label: str | None = None,
                options: list[str] | None = None, **kwargs: Any) -> str | None:
    """The one town list: searchable, in the order of the towns' codes (the registry's: a
    town's 丁目 together, in their order), nothing chosen at first.

    ``options`` narrows the towns (default: every town of the bundle); ``kwargs`` go to
    ``st.selectbox`` (e.g. ``on_change``). Returns the chosen town code, or None.
    """
    names = town_names(b)
    choices = sorted(c for c in names if options is None or c in options)
    if not choices:
        return None
    code = st.selectbox(label or t("town_pick"), choices, index=None, placeholder=t("choose"),
                        format_func=names.__getitem__, key=key, **kwargs)
    return code if isinstance(code, str) else None


class PlacePicker:
    """Session state of one page's place choice (keys prefixed by ``key``).

    Parameters
    ----------
    key
        Prefix of this picker's session-state keys (one per page).
    to_cell
        Maps a clicked pin cell or a town's pin cell to the cell that is stored (the pin
        cell itself for comments; a facility's res-10 cell on the diorama).
    """

    def __init__(self, key: str, *, to_cell: Callable[[str], str] | None = None) -> None:
        self.key = key
        self.to_cell = to_cell or (lambda c: c)

    @property
    def cell(self) -> str | None:
        """The chosen cell (None until something was chosen)."""
        value = st.session_state.get(f"{self.key}_cell")
        return value if isinstance(value, str) else None

    def set(self, cell: str | None) -> None:
        """Choose a cell from code (e.g. a suggested site); the map outlines it."""
        st.session_state[f"{self.key}_cell"] = cell

    @property
    def chart_key(self) -> str:
        """Key of the map (one map per picker: a town choice moves the outline, not the map)."""
        return f"{self.key}_map"

    def _on_map(self) -> None:
        cell = picked_cell(st.session_state.get(self.chart_key, {}).get("selection"))
        if cell is not None:
            self.set(self.to_cell(cell))
            st.session_state.pop(f"{self.key}_town", None)

    def _on_town(self, towns: Mapping[str, str]) -> None:
        code = st.session_state.get(f"{self.key}_town")
        if code in towns:
            self.set(self.to_cell(towns[code]))

    def map(self, b: CityBundle, layers: Sequence[pdk.Layer], *, height: int = 460,
            pitch: float = 0.0, tooltip: str = "{v}") -> None:
        """Draw the map: ``layers`` (whose pin grid, id ``"pin"``, is the only pickable layer)
        with the chosen cell outlined on top (by the map itself, see :mod:`ui.deckmap`)."""
        d = deck.deck(list(layers), view=deck.view_of(b.boundary, height_px=height, pitch=pitch),
                      pick=PICK_LAYER, tooltip=tooltip)
        deck_map(d, key=self.chart_key, height=height, mode="single", on_select=self._on_map,
                 selected=self.cell)

    def town_select(self, b: CityBundle, *, label: str | None = None) -> None:
        """The non-map path: a searchable list of the city's towns."""
        towns = town_cells(b)
        town_select(b, key=f"{self.key}_town", label=label, options=list(towns),
                    on_change=self._on_town, args=(towns,))

    def caption(self, b: CityBundle) -> str:
        """The chosen place in words (or the hint to choose one)."""
        cell = self.cell
        return place_label(b, cell) if cell else t("pick_first")


def cell_in_words(b: CityBundle, cell: str | None) -> str:
    """:func:`place_label`, or a dash when there is no cell."""
    return place_label(b, cell) if cell else "—"


__all__ = [
    "PICK_LAYER",
    "PlacePicker",
    "cell_in_words",
    "picked_cell",
    "picked_cells",
    "place_label",
    "town_names",
    "town_of",
    "town_select",
]
