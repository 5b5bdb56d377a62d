"""pydeck layers built from frames: compact payloads, escaped tooltip text, offline by default."""

from __future__ import annotations

import copy
import html
import json
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize
from shapely.ops import linemerge, unary_union

from geo import grid

#: Low and high colour of the sequential ramp (light yellow → deep blue), RGB.
RAMP_LOW = (255, 237, 160)
RAMP_HIGH = (8, 48, 107)
#: Colour of each facility kind on the map (RGB), by kind key.
KIND_COLORS: dict[str, tuple[int, int, int]] = {
    "station": (228, 26, 28),
    "bus_stop": (255, 127, 0),
    "bus_stop_frequent": (166, 86, 40),
    "medical": (231, 41, 138),
    "welfare": (152, 78, 163),
    "commercial": (247, 129, 191),
    "nursery": (255, 217, 47),
    "elementary_school": (77, 175, 74),
    "junior_high_school": (27, 158, 119),
    "high_school": (102, 166, 30),
    "school": (161, 217, 155),
    "park": (0, 128, 0),
    "community_hall": (55, 126, 184),
    "shelter": (128, 128, 128),
}


class CompactDeck(pdk.Deck):  # type: ignore[misc]
    """A Deck whose JSON has no indentation (pydeck indents by 2, doubling the bytes per cell)."""

    def to_json(self) -> str:
        """Serialise without whitespace; this string is what Streamlit sends on every rerun."""
        return json.dumps(self, sort_keys=True, default=default_serialize,
                          separators=(",", ":"), ensure_ascii=False)


def tooltip_text(value: object) -> str:
    """Make data text inert in a deck tooltip: HTML-escaped and without ``{}`` placeholders."""
    s = html.escape(str(value), quote=True)
    return s.replace("{", "&#123;").replace("}", "&#125;")


def value_tooltip(label: str) -> str:
    """A tooltip template for a map of one figure per hexagon: the figure's name and the
    cell's value, never the cell's H3 id (a person cannot read it; the place is named below
    the map when the cell is clicked)."""
    return f"{tooltip_text(label)}: {{v}}"


def hex_records(values: pd.Series, *, decimals: int = 0) -> list[dict[str, Any]]:
    """Rows ``{"h": cell id, "v": value}`` for an H3HexagonLayer; NaN cells are left out.

    Values are rounded to ``decimals`` (integers when 0) so each cell costs about 33 bytes.
    """
    v = values.replace([np.inf, -np.inf], np.nan).dropna()
    ids = grid.to_strings(v.index.to_numpy())
    rounded = np.round(v.to_numpy(dtype=float), decimals)
    if decimals == 0:
        return [{"h": h, "v": int(x)} for h, x in zip(ids, rounded, strict=True)]
    return [{"h": h, "v": float(x)} for h, x in zip(ids, rounded, strict=True)]


def ramp_expression(vmin: float, vmax: float, *, reverse: bool = False) -> str:
    """deck.gl expression colouring ``v`` linearly from :data:`RAMP_LOW` to :data:`RAMP_HIGH`."""
    span = (vmax - vmin) or 1.0
    lo, hi = (RAMP_HIGH, RAMP_LOW) if reverse else (RAMP_LOW, RAMP_HIGH)
    parts = [f"{a}+({b - a})*(v-({vmin}))/{span}" for a, b in zip(lo, hi, strict=True)]
    return "[" + ",".join(parts) + ",200]"


def ramp_color(value: float, vmin: float, vmax: float, *, reverse: bool = False) -> tuple[int, ...]:
    """The colour :func:`ramp_expression` gives ``value`` (for legends)."""
    t = 0.0 if vmax == vmin else min(max((value - vmin) / (vmax - vmin), 0.0), 1.0)
    lo, hi = (RAMP_HIGH, RAMP_LOW) if reverse else (RAMP_LOW, RAMP_HIGH)
    return tuple(round(a + (b - a) * t) for a, b in zip(lo, hi, strict=True))


def extrusion_height(resolution: int) -> float:
    """Height in metres of the tallest column in the 3D view: half for each finer resolution
    (4,000 m at res 7 … 500 m at res 10), so columns keep a readable shape."""
    return float(4000.0 / 2 ** (resolution - 7))


def hex_layer(
    values: pd.Series,
    *,
    layer_id: str = "kpi",
    decimals: int = 0,
    extruded: bool = False,
    max_height_m: float = 1500.0,
    reverse: bool = False,
    vmin: float | None = None,
    vmax: float | None = None,
) -> pdk.Layer:
    """H3HexagonLayer of a per-cell KPI (uint64 index), compact and pickable (click → cell id).

    With ``extruded`` the highest value stands ``max_height_m`` tall (the "diorama" view).
    """
    recs = hex_records(values, decimals=decimals)
    vals = [r["v"] for r in recs]
    lo = float(vmin) if vmin is not None else float(min(vals)) if vals else 0.0
    hi = float(vmax) if vmax is not None else float(max(vals)) if vals else 1.0
    return pdk.Layer(
        "H3HexagonLayer",
        id=layer_id,
        data=recs,
        get_hexagon="h",
        get_fill_color=ramp_expression(lo, hi, reverse=reverse),
        get_elevation=f"(v-({lo}))*{max_height_m / ((hi - lo) or 1.0)}",
        extruded=extruded,
        stroked=False,
        filled=True,
        pickable=True,
        auto_highlight=True,
        opacity=0.75,
    )


def pin_layer(cells: np.ndarray, *, layer_id: str = "pin",
              labels: Sequence[str] | None = None) -> pdk.Layer:
    """Faint, pickable hexagons a citizen can click to choose where a comment goes.

    ``labels`` (e.g. the town each cell lies in) become the tooltip text ``v``, escaped.
    """
    names = [""] * len(cells) if labels is None else [tooltip_text(x) for x in labels]
    return pdk.Layer(
        "H3HexagonLayer",
        id=layer_id,
        data=[{"h": h, "v": v} for h, v in zip(grid.to_strings(cells), names, strict=True)],
        get_hexagon="h",
        get_fill_color=[160, 160, 160, 40],
        get_line_color=[120, 120, 120, 90],
        line_width_min_pixels=0.5,
        stroked=True,
        filled=True,
        extruded=False,  # deck.gl's default is 1,000 m columns that hide the layers above
        pickable=True,
        auto_highlight=True,
        highlight_color=[255, 200, 0, 160],
    )


def count_layer(
    counts: pd.Series, *, layer_id: str, color: tuple[int, int, int], max_height_m: float = 0.0
) -> pdk.Layer:
    """H3HexagonLayer of counts (e.g. comments per cell) in one colour, more opaque with more."""
    recs = hex_records(counts)
    top = max((r["v"] for r in recs), default=1)
    return pdk.Layer(
        "H3HexagonLayer",
        id=layer_id,
        data=recs,
        get_hexagon="h",
        get_fill_color=f"[{color[0]},{color[1]},{color[2]},90+165*v/{top}]",
        get_elevation=f"v*{max_height_m / top}",
        extruded=max_height_m > 0,
        stroked=True,
        get_line_color=[255, 255, 255],
        line_width_min_pixels=1,
        pickable=True,
        auto_highlight=True,
    )


def facility_layer(facilities: gpd.GeoDataFrame, *, kind: str, label: str) -> pdk.Layer:
    """Points of one facility kind; tooltip text (name, kind) escaped."""
    recs = [
        {"p": [round(float(x), 5), round(float(y), 5)], "h": tooltip_text(n),
         "v": tooltip_text(label)}
        for x, y, n in zip(facilities.geometry.x, facilities.geometry.y, facilities["name"],
                           strict=True)
    ]
    return pdk.Layer(
        "ScatterplotLayer",
        id=f"fac_{kind}",
        data=recs,
        get_position="p",
        get_fill_color=[*KIND_COLORS.get(kind, (60, 60, 60)), 230],
        get_line_color=[255, 255, 255],
        stroked=True,
        line_width_min_pixels=1,
        radius_min_pixels=4,
        radius_max_pixels=10,
        get_radius=40,
        pickable=True,
        # drawn over the hexagons below it: at the same depth they would hide the points
        parameters={"depthCompare": "always"},
    )


def boundary_layer(boundary: gpd.GeoDataFrame, *, tolerance: float = 0.0003) -> pdk.Layer:
    """Outline of the city (simplified to about 30 m) as a GeoJsonLayer."""
    simple = boundary.geometry.simplify(tolerance)
    return pdk.Layer(
        "GeoJsonLayer",
        id="boundary",
        data=json.loads(gpd.GeoDataFrame(geometry=simple, crs=boundary.crs).to_json()),
        stroked=True,
        filled=False,
        get_line_color=[60, 60, 60, 220],
        line_width_min_pixels=2,
        pickable=False,
    )


def view_of(
    boundary: gpd.GeoDataFrame, *, pitch: float = 0.0, height_px: int = 560
) -> pdk.ViewState:
    """Initial view centred on the boundary, zoomed so it fits a map ``height_px`` tall."""
    minx, miny, maxx, maxy = boundary.total_bounds
    # degrees of latitude span a little more on screen than longitude at Japan's latitudes
    span = max(maxx - minx, (maxy - miny) * 1.25)
    zoom = float(np.clip(np.log2(360 / max(span, 1e-6) * height_px / 600), 8, 16))
    return pdk.ViewState(longitude=(minx + maxx) / 2, latitude=(miny + maxy) / 2, zoom=zoom,
                         pitch=pitch, bearing=0)


def deck(layers: Sequence[pdk.Layer], *, view: pdk.ViewState,
         pick: str | tuple[str, ...] | None = None,
         tooltip: str = "{h}\n{v}") -> CompactDeck:
    """A Deck that renders with no network (a base map, when wanted, is the map's own: see
    ``ui.deckmap``).

    Parameters
    ----------
    layers
        The layers, bottom first. They are not modified (cached layers may be shared by
        every session); where ``pick`` changes one, a copy is used.
    view
        The initial view.
    pick
        Id(s) of the layer(s) a click selects; every other layer is drawn unpickable, so a
        tap picks what the tooltip names and each picking pass draws only those layers
        (``ui.deckmap`` picks on release; pickable layers are what it costs).
    tooltip
        deck.gl tooltip template over the pickable layer's record keys.

    Returns
    -------
    CompactDeck
        With no map style and no tiles: nothing is fetched from the internet.
    """
    all_layers = list(layers)
    if pick is not None:
        ids = {pick} if isinstance(pick, str) else set(pick)
        all_layers = [_with_pickable(layer, layer.id in ids) for layer in all_layers]
    # pydeck's default map style is a sentinel that Streamlit reads as "no base map"; passing
    # map_style=None instead makes Streamlit load a CARTO style from the internet on every map
    return CompactDeck(
        layers=all_layers,
        initial_view_state=view,
        map_provider=None,
        tooltip={"text": tooltip},
        # a click is a selection, never a zoom
        views=[pdk.View("MapView", controller={"doubleClickZoom": False})],
    )


#: Zoom from which town names and station names are drawn (a district fills the map).
LABEL_MIN_ZOOM = 12.5
#: Fonts for Japanese labels drawn by deck.gl (the first one the browser has is used).
LABEL_FONTS = "'Noto Sans CJK JP', 'Noto Sans JP', 'Hiragino Sans', 'Yu Gothic', sans-serif"


def town_layers(towns: gpd.GeoDataFrame | None, *, tolerance: float = 0.0004) -> list[pdk.Layer]:
    """What a person finds their way by on a map with no base map: every town's (町丁) outline,
    thin, and its name at :data:`LABEL_MIN_ZOOM` and closer.

    Borders are drawn once each, simplified to about 40 m and written with 4 decimals (about
    10 m): about 75 kB for Maebashi's 275 towns; names are
    drawn as text by deck.gl (never HTML), at a point inside the town. An empty list when the
    city has no towns.
    """
    if towns is None or not len(towns):
        return []
    wgs = towns.to_crs(4326) if towns.crs is not None and towns.crs.to_epsg() != 4326 else towns
    # each border once (neighbours share it), merged into long lines, then simplified
    borders = linemerge(unary_union([g.boundary for g in wgs.geometry
                                     if g is not None and not g.is_empty]))
    borders = borders.simplify(tolerance)
    paths = [{"p": np.round(np.asarray(line.coords)[:, :2], 4).tolist()}
             for line in getattr(borders, "geoms", [borders]) if not line.is_empty]
    spots = wgs.geometry.representative_point()
    names = [{"p": [round(float(pt.x), 5), round(float(pt.y), 5)], "t": str(n)}
             for pt, n in zip(spots, wgs["name"], strict=True) if pt is not None and str(n)]
    return [
        pdk.Layer("PathLayer", id="town_lines", data=paths, get_path="p",
                  get_color=[90, 90, 90, 110], width_min_pixels=1, width_max_pixels=1,
                  pickable=False),
        label_layer(names, layer_id="town_names"),
    ]


def label_layer(records: list[dict[str, Any]], *, layer_id: str,
                size_px: int = 13) -> pdk.Layer:
    """Text at points (``{"p": [lon, lat], "t": text}``), drawn from :data:`LABEL_MIN_ZOOM`
    (``minZoom`` is read by ``ui.deckmap``), dark with a white halo so it reads on any layer."""
    return pdk.Layer(
        "TextLayer", id=layer_id, data=records, get_position="p", get_text="t",
        get_size=size_px, size_units="'pixels'", get_color=[30, 30, 30, 255],
        character_set="'auto'", font_family=f'"{LABEL_FONTS}"',
        font_settings={"sdf": True}, outline_width=3, outline_color=[255, 255, 255, 230],
        get_text_anchor="'middle'", get_alignment_baseline="'center'",
        pickable=False, min_zoom=LABEL_MIN_ZOOM,
    )


def station_layer(facilities: gpd.GeoDataFrame | None) -> list[pdk.Layer]:
    """Railway stations, where the bundle has them: a dark ring and, close up, the name."""
    if facilities is None or "kind" not in facilities or not len(facilities):
        return []
    st_ = facilities[facilities["kind"] == "station"]
    if not len(st_):
        return []
    wgs = st_.to_crs(4326) if st_.crs is not None and st_.crs.to_epsg() != 4326 else st_
    names = wgs["name"] if "name" in wgs else [""] * len(wgs)
    recs = [{"p": [round(float(g.x), 5), round(float(g.y), 5)], "t": str(n or "")}
            for g, n in zip(wgs.geometry, names, strict=True) if g is not None]
    return [
        pdk.Layer("ScatterplotLayer", id="stations", data=recs, get_position="p",
                  get_radius=60, radius_min_pixels=4, stroked=True, filled=True,
                  get_fill_color=[255, 255, 255, 255], get_line_color=[30, 30, 30, 255],
                  line_width_min_pixels=2, pickable=False),
        label_layer([r for r in recs if r["t"]], layer_id="station_names", size_px=12),
    ]


def _with_pickable(layer: pdk.Layer, pickable: bool) -> pdk.Layer:
    """The layer itself when it already has this pickability, else a shallow copy that has."""
    if bool(getattr(layer, "pickable", False)) == pickable:
        return layer
    twin = copy.copy(layer)
    twin.pickable = pickable
    if not pickable:
        twin.auto_highlight = False
    return twin


def state_layer(cells: np.ndarray, states: Sequence[int] | np.ndarray,
                colors: Sequence[Sequence[int]], *,
                layer_id: str, labels: Sequence[str] | None = None,
                pickable: bool = False, outline_px: float = 0.0) -> pdk.Layer:
    """H3 cells (uint64) coloured by a small integer state: ``colors[state]`` (RGBA).

    Each record is ``{"h": cell, "s": state}`` (plus ``"v"``, the escaped tooltip text, when
    ``labels`` are given), the colour picked by an expression: about half the bytes of a
    record carrying its own colour. ``outline_px`` draws each cell's edge in its colour at
    least that wide, so that a few cells stay visible on a map of the whole city.
    """
    ids = grid.to_strings(np.asarray(cells, dtype=np.uint64))
    recs: list[dict[str, Any]] = [{"h": h, "s": int(s)}
                                  for h, s in zip(ids, states, strict=True)]
    if labels is not None:
        for r, label in zip(recs, labels, strict=True):
            r["v"] = tooltip_text(label)
    rgba = ["[" + ",".join(str(int(x)) for x in c) + "]" for c in colors]
    expr = rgba[-1]
    for i in range(len(rgba) - 2, -1, -1):
        expr = f"s=={i}?{rgba[i]}:{expr}"
    return pdk.Layer("H3HexagonLayer", id=layer_id, data=recs, get_hexagon="h",
                     get_fill_color=expr, stroked=outline_px > 0, get_line_color=expr,
                     line_width_min_pixels=outline_px, filled=True, extruded=False,
                     pickable=pickable, auto_highlight=pickable)


def selection_layer(cell: str | None, *, layer_id: str = "chosen") -> pdk.Layer:
    """The chosen cell, outlined and filled in the highlight colour (not pickable).

    Drawn on top of the map so the place a comment or a facility will go is visible before
    anything is saved, whichever way (map click or town list) it was chosen.
    """
    data = [] if cell is None else [{"h": cell}]
    return pdk.Layer(
        "H3HexagonLayer",
        id=layer_id,
        data=data,
        get_hexagon="h",
        get_fill_color=[255, 200, 0, 170],
        get_line_color=[20, 20, 20, 255],
        line_width_min_pixels=3,
        stroked=True,
        filled=True,
        extruded=False,
        pickable=False,
    )


def path_layer(paths: Sequence[Sequence[str]], states: Sequence[int],
               colors: Sequence[Sequence[int]], *, layer_id: str,
               width_px: float = 4.0) -> pdk.Layer:
    """Lines through the centres of H3 cells (each path a sequence of cell ids, e.g. a
    comment's route), coloured by a small integer state: ``colors[state]`` (RGBA). Records are
    ``{"p": [[lon, lat], ...], "s": state}`` with 5 decimals (about a metre); never pickable."""
    recs = [{"p": [[round(x, 5), round(y, 5)] for x, y in map(grid.centre, cells)],
             "s": int(s)} for cells, s in zip(paths, states, strict=True) if len(cells) >= 2]
    rgba = ["[" + ",".join(str(int(x)) for x in c) + "]" for c in colors]
    expr = rgba[-1]
    for i in range(len(rgba) - 2, -1, -1):
        expr = f"s=={i}?{rgba[i]}:{expr}"
    # as the town borders: one metre wide, held at width_px on screen (a width in pixel units
    # with rounded joints drew wedges across the whole map in deck.gl 9.4)
    return pdk.Layer("PathLayer", id=layer_id, data=recs, get_path="p", get_color=expr,
                     width_min_pixels=width_px, width_max_pixels=width_px, pickable=False)


def bytes_per_cell(d: pdk.Deck, n_cells: int) -> float:
    """Bytes of the deck's JSON per hexagon cell (what Streamlit sends on each rerun)."""
    return len(d.to_json().encode("utf-8")) / max(n_cells, 1)
