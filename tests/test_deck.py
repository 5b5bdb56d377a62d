"""pydeck layers: compact payloads, escaped tooltips, no NaN/inf cells, offline decks."""

from __future__ import annotations

import json

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pytest
from util import load_shipped

from geo import grid
from geo.render import deck


@pytest.fixture(scope="module")
def maebashi():
    return load_shipped("maebashi")


def _cells(n):
    parent = h3.latlng_to_cell(36.3895, 139.0634, 8)
    return grid.to_cells(sorted(h3.cell_to_children(parent, 10))[:n])


# --------------------------------------------------------------------------------------------
# Payload size and JSON
# --------------------------------------------------------------------------------------------


def test_bytes_per_cell_at_res10_on_maebashi_is_at_most_40(maebashi):
    pop = maebashi.population
    assert len(pop) == 22404
    d = deck.deck([deck.hex_layer(pop, layer_id="population")],
                  view=deck.view_of(maebashi.boundary))
    per_cell = deck.bytes_per_cell(d, len(pop))
    assert per_cell <= 40
    # Each record is {"h":"8a2e…fff","v":12}: the 15-character id dominates (≥ 28 bytes).
    assert per_cell >= 28


def test_compact_deck_json_parses_and_has_no_newline(maebashi):
    values = pd.Series([1.0, 2.0], index=_cells(2))
    fac = gpd.GeoDataFrame({"name": ["前橋\n市役所"]},
                           geometry=gpd.points_from_xy([139.0634], [36.3895]), crs="EPSG:4326")
    d = deck.deck(
        [deck.hex_layer(values), deck.facility_layer(fac, kind="shelter", label="避難場所"),
         deck.boundary_layer(maebashi.boundary)],
        view=deck.view_of(maebashi.boundary),
    )
    text = d.to_json()
    assert "\n" not in text
    assert ": " not in text and ", " not in text.replace("前橋", "")  # no indentation spaces
    obj = json.loads(text)
    assert [layer["id"] for layer in obj["layers"]] == ["kpi", "fac_shelter", "boundary"]
    assert obj["layers"][0]["data"] == [{"h": grid.to_strings(values.index)[0], "v": 1},
                                        {"h": grid.to_strings(values.index)[1], "v": 2}]
    # pydeck keeps the tooltip template beside the JSON (Streamlit reads Deck._tooltip).
    assert d._tooltip == {"text": "{h}\n{v}"}
    assert obj["layers"][1]["data"][0]["h"] == "前橋\n市役所"
    assert "前橋" in text  # UTF-8, not \u-escaped
    # Offline by default: no basemap tiles, no map provider.
    assert all(layer["@@type"] != "TileLayer" for layer in obj["layers"])
    assert "tile.openstreetmap.org" not in text


def test_town_layers_draw_each_border_once_and_names_close_up(maebashi):
    lines, names = deck.town_layers(maebashi.towns)
    assert lines.id == "town_lines" and not lines.pickable
    assert names.id == "town_names" and not names.pickable
    assert names.min_zoom == deck.LABEL_MIN_ZOOM  # read by ui/assets/deckmap.js
    # every town named once, at a point inside it, as text data (never markup)
    assert sorted(r["t"] for r in names.data) == sorted(maebashi.towns["name"])
    towns = maebashi.towns.to_crs(4326)
    spots = dict(zip(towns["name"], towns.geometry, strict=True))
    from shapely.geometry import Point

    assert all(spots[r["t"]].buffer(1e-4).contains(Point(r["p"])) for r in names.data)
    # a shared border is drawn once: the lines are shorter than all the towns' perimeters
    from shapely.geometry import LineString

    drawn = sum(LineString(p["p"]).length for p in lines.data)
    assert drawn < 0.75 * towns.geometry.length.sum()
    # and the whole frame stays small enough to send with every map
    size = len(deck.deck([lines, names], view=deck.view_of(maebashi.boundary)).to_json())
    assert size < 150_000


def test_no_towns_no_town_layers():
    assert deck.town_layers(None) == []


# --------------------------------------------------------------------------------------------
# Tooltip text is inert
# --------------------------------------------------------------------------------------------


def test_tooltip_text_escapes_html_and_placeholders():
    assert deck.tooltip_text("<script>alert('x')</script>") == (
        "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;")
    assert deck.tooltip_text("{h}") == "&#123;h&#125;"
    assert deck.tooltip_text('a & "b"') == "a &amp; &quot;b&quot;"
    assert deck.tooltip_text("前橋公園") == "前橋公園"
    assert deck.tooltip_text(12) == "12"


def test_facility_layer_escapes_names_and_rounds_positions():
    fac = gpd.GeoDataFrame(
        {"name": ["<img src=x onerror=alert(1)>", "{v}公園"]},
        geometry=gpd.points_from_xy([139.063412345, 139.07], [36.389512345, 36.4]),
        crs="EPSG:4326")
    layer = deck.facility_layer(fac, kind="park", label="<b>公園</b>")
    recs = layer.data
    assert recs[0]["h"] == "&lt;img src=x onerror=alert(1)&gt;"
    assert recs[1]["h"] == "&#123;v&#125;公園"
    assert recs[0]["v"] == "&lt;b&gt;公園&lt;/b&gt;"
    assert recs[0]["p"] == [139.06341, 36.38951]
    assert layer.id == "fac_park"
    assert list(layer.get_fill_color) == [*deck.KIND_COLORS["park"], 230]


# --------------------------------------------------------------------------------------------
# Records and colours
# --------------------------------------------------------------------------------------------


def test_hex_records_drop_nan_and_inf_and_round():
    cells = _cells(6)
    values = pd.Series([1.4, np.nan, np.inf, -np.inf, 2.6, 0.0], index=cells)
    recs = deck.hex_records(values)
    ids = grid.to_strings(cells)
    assert recs == [{"h": ids[0], "v": 1}, {"h": ids[4], "v": 3}, {"h": ids[5], "v": 0}]
    assert all(isinstance(r["v"], int) for r in recs)
    recs2 = deck.hex_records(values, decimals=2)
    assert [r["v"] for r in recs2] == [1.4, 2.6, 0.0]
    assert deck.hex_records(pd.Series([np.nan], index=cells[:1])) == []


def test_hex_layer_scales_colours_to_the_finite_values():
    values = pd.Series([10.0, np.inf, 30.0], index=_cells(3))
    layer = deck.hex_layer(values, layer_id="dist", reverse=True)
    assert layer.id == "dist"
    assert len(layer.data) == 2
    # pydeck marks string accessors as deck.gl expressions with "@@=".
    assert layer.get_fill_color == "@@=" + deck.ramp_expression(10.0, 30.0, reverse=True)
    # Elevation starts at 0 for the lowest value and grows with it.
    elevation = layer.get_elevation.removeprefix("@@=")
    assert eval(elevation, {"v": 10.0}) == 0.0  # library-made arithmetic
    assert eval(elevation, {"v": 30.0}) > eval(elevation, {"v": 20.0}) > 0
    assert layer.pickable is True


def test_hex_layer_respects_an_explicit_zero_vmax():
    values = pd.Series([-20.0, -5.0], index=_cells(2))
    layer = deck.hex_layer(values, vmin=-20.0, vmax=0.0)
    assert layer.get_fill_color == "@@=" + deck.ramp_expression(-20.0, 0.0)


def _eval_ramp(expr, v):
    parts = expr.strip("[]").split(",")
    return tuple(round(eval(p, {"v": v})) for p in parts[:3])  # library-made arithmetic


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("v", [0.0, 250.0, 800.0, 1000.0])
def test_ramp_expression_and_legend_colour_agree(reverse, v):
    expr = deck.ramp_expression(0.0, 1000.0, reverse=reverse)
    assert expr.endswith(",200]")
    assert _eval_ramp(expr, v) == deck.ramp_color(v, 0.0, 1000.0, reverse=reverse)


def test_ramp_colour_endpoints():
    assert deck.ramp_color(0, 0, 10) == deck.RAMP_LOW
    assert deck.ramp_color(10, 0, 10) == deck.RAMP_HIGH
    assert deck.ramp_color(0, 0, 10, reverse=True) == deck.RAMP_HIGH
    assert deck.ramp_color(5, 5, 5) == deck.RAMP_LOW  # a flat layer does not divide by zero


def test_view_of_centres_on_the_boundary(maebashi):
    v = deck.view_of(maebashi.boundary, pitch=40)
    minx, miny, maxx, maxy = maebashi.boundary.total_bounds
    assert v.longitude == pytest.approx((minx + maxx) / 2)
    assert v.latitude == pytest.approx((miny + maxy) / 2)
    assert 8 <= v.zoom <= 15
    assert v.pitch == 40


def test_every_hexagon_layer_is_flat_unless_asked():
    """deck.gl's H3HexagonLayer is extruded by default (1,000 m columns): the pin grid drawn
    so hid every comment count and the city outline on the comments map. Each helper says
    extruded=False unless a height is asked for."""
    import h3
    import pandas as pd

    from geo import grid
    from geo.render import deck as d

    cells = grid.to_cells(sorted(h3.grid_disk(h3.latlng_to_cell(36.39, 139.06, 9), 2)))
    values = pd.Series(range(len(cells)), index=cells, dtype=float)
    layers = [d.pin_layer(cells), d.selection_layer(grid.to_strings(cells[:1])[0]),
              d.count_layer(values, layer_id="c", color=(1, 2, 3)), d.hex_layer(values),
              d.state_layer(cells, [0] * len(cells), colors=[(1, 2, 3, 4)], layer_id="s")]
    for layer in layers:
        assert layer.type == "H3HexagonLayer"
        assert layer.extruded is False, layer.id
    assert d.hex_layer(values, extruded=True, max_height_m=100).extruded is True
