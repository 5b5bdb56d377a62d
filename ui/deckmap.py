"""The app's clickable map: deck.gl in the page (a Streamlit custom component, v2).

Every map people click on is drawn by :func:`deck_map` from the same pydeck Deck that
:mod:`geo.render.deck` builds. ``st.pydeck_chart`` lost clicks: its deck.gl takes a press for
a click only if it lasts under 250 ms by the page's clock, and it runs a picking pass between
press and release, so a finger held a little long, or a busy device, chose nothing (the
first click after a page load most often). Here a tap is judged by the events' own time
stamps, with 5 s of grace, and picked once on release (``ui/assets/deckmap.js``).

deck.gl, its JSON converter and h3-js are served by the app itself from ``static/vendor``
(``server.enableStaticServing``): the map needs no internet.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydeck as pdk
import streamlit as st

from geo.settings import settings

from .i18n import t
from .state import BASEMAP

_ASSETS = Path(__file__).parent / "assets"
_VENDOR = {"deck": "deck.gl-9.4.0.min.js", "json": "deck.gl-json-9.4.0.min.js",
           "h3": "h3-js-4.4.0.umd.js"}
_CSS = """
.diorama-map { position: relative; width: 100%; overflow: hidden; border-radius: 0.5rem;
               touch-action: none; background: #f4f4f2; }
.diorama-map-credit { position: absolute; right: 0; bottom: 0; z-index: 2; padding: 1px 6px;
                      font-size: 11px; color: #222; background: rgba(255, 255, 255, 0.8); }
"""


@dataclass(frozen=True)
class MapEvent:
    """What was chosen on a map, shaped as ``st.pydeck_chart``'s event: ``selection`` is
    ``{"objects": {layer_id: [record, ...]}, "indices": {layer_id: [i, ...]}}``."""

    selection: dict[str, Any]


@st.cache_resource(show_spinner=False)
def _component() -> Callable[..., Any]:
    """The registered component (once per server process)."""
    return st.components.v2.component(
        "diorama_map", js=(_ASSETS / "deckmap.js").read_text(encoding="utf-8"), css=_CSS,
        isolate_styles=False)


def _libs() -> dict[str, str]:
    """Where the browser finds the vendored libraries (under the server's base path)."""
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    prefix = f"/{base}/app/static/vendor/" if base else "/app/static/vendor/"
    return {k: prefix + v for k, v in _VENDOR.items()}


def _basemap() -> dict[str, str] | None:
    """The base map's tiles and credit when the deployment has one and the person has not
    switched it off (the browser then tries them and falls back silently), else None."""
    conf = settings()
    if not conf.basemap_url or not st.session_state.get(BASEMAP, True):
        return None
    return {"url": conf.basemap_url, "attribution": conf.basemap_attribution}


def _tooltip_template(d: pdk.Deck) -> str | None:
    tip = getattr(d, "_tooltip", None) or getattr(d, "tooltip", None)
    if isinstance(tip, Mapping):
        text = tip.get("text")
        return text if isinstance(text, str) else None
    return None


def _pickable(d: pdk.Deck) -> list[str]:
    return [str(layer.id) for layer in d.layers if getattr(layer, "pickable", False)]


def deck_map(d: pdk.Deck, *, key: str, height: int, mode: str | None = None,
             on_select: Callable[[], None] | None = None,
             selected: str | None = None, label: str | None = None) -> MapEvent | None:
    """Draw ``d``; with a ``mode``, a tap on a pickable layer's object selects it.

    Parameters
    ----------
    d
        The deck (layers, initial view, tooltip template over the picked record's keys).
    key
        Widget key; the selection is ``st.session_state[key]["selection"]`` in the shape of
        ``st.pydeck_chart``'s (``{"objects": {layer_id: [record]}, "indices": ...}``).
    height
        Height in CSS pixels.
    mode
        ``"single"`` (a tap chooses one object), ``"multi"`` (a tap adds or removes one) or
        None (a map for looking: hovering shows the tooltip, a tap selects nothing).
    on_select
        Called (as a widget callback, before the rerun) when a tap chose a new object.
    selected
        The cell to outline as chosen (e.g. picked from a town list); None for none.
    label
        What the map is, for screen readers (default: the generic map label).

    Returns
    -------
    MapEvent or None
        The selection after the first tap, else None.
    """
    if mode not in (None, "single", "multi"):
        raise ValueError(f"mode must be 'single', 'multi' or None, not {mode!r}")
    data = {
        "spec": d.to_json(),
        "height": int(height),
        "pick": _pickable(d),
        "mode": mode,
        "tooltip": _tooltip_template(d),
        "selected": selected,
        "libs": _libs(),
        "label": label or t("map_label"),
        "failed": t("map_failed"),
        "basemap": _basemap(),
    }
    result = _component()(data=data, key=key, on_selection_change=on_select or (lambda: None),
                          height=int(height))
    selection = getattr(result, "selection", None) if result is not None else None
    return MapEvent(dict(selection)) if isinstance(selection, Mapping) else None


__all__ = ["MapEvent", "deck_map"]
