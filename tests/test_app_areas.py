"""AppTest flows of comments on an area or a route: posted by map taps and by towns, shown in
words and drawn on the map, exported as a Polygon and a LineString, hidden by a moderator."""

from __future__ import annotations

import json

import pytest
from app_flow import session
from streamlit.testing.v1 import AppTest
from util import APP_PASSWORD, map_specs

from geo import grid
from geo.participation.store import open_store
from ui import areas

TOWN_A = "102012400"  # 粕川町稲里
TOWN_B = "102012050"  # 西大室町
pytestmark = pytest.mark.usefixtures("fresh_store")  # tests/conftest.py



def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def tap(at: AppTest, cell: str, n: int) -> None:
    """What the map hands over after a tap (ui.deckmap: the pin record and the tap number)."""
    at.session_state["c_map"] = {"selection": {"objects": {"pin": [{"h": cell, "v": ""}]},
                                               "indices": {"pin": [0]}, "tap": n}}
    ok(at.run())


def write(at: AppTest, text: str, *, kind: str = "concern") -> None:
    at.selectbox(key="c_factor").select("mobility").run()
    n = at.session_state["c_form_n"]
    at.radio(key=f"c_kind_{n}").set_value(kind)
    at.text_area(key=f"c_text_{n}").input(text)
    at.checkbox(key=f"c_consent_{n}").check()
    ok(at.button[[b.label for b in at.button].index("投稿")].click().run())


def texts(at: AppTest) -> list[str]:
    """The markdown shown, with the escapes of user and place text taken out."""
    return [m.value.replace("\\", "") for m in at.markdown]


def pin_cells(at: AppTest) -> list[str]:
    spec = map_specs(at)[0]
    return next([d["h"] for d in layer["data"]] for layer in spec["layers"]
                if layer["id"] == "pin")


def layer(at: AppTest, layer_id: str) -> list[dict]:
    spec = map_specs(at)[0]
    return next((layer["data"] for layer in spec["layers"] if layer["id"] == layer_id), [])


def test_an_area_by_map_taps_and_a_route_by_towns_are_posted_shown_and_exported():
    at = session()
    assert at.info[0].value == "まず地図の六角形をクリックするか、町丁を選んでください。"
    at.radio(key="c_shape").set_value("area").run()
    assert any("エリアを決めて" in i.value for i in at.info)
    pins = set(pin_cells(at))
    first = next(c for c in sorted(pins) if sum(n in pins for n in grid.grid_disk(c, 1)) >= 4)
    three = [c for c in grid.grid_disk(first, 1) if c in pins][:3]
    for k, cell in enumerate(three, start=1):
        tap(at, cell, k)
    tap(at, three[2], 3)  # the same tap again (a rerun): applied once
    assert at.session_state["c_shape_cells"] == three
    tap(at, three[2], 4)  # a new tap on a chosen hexagon takes it out …
    tap(at, three[2], 5)  # … and again puts it back
    assert len(layer(at, "chosen_shape")) == 3
    assert any("エリア: 3個の六角形" in m for m in texts(at))  # in words before posting
    write(at, "この公園は夜暗い")
    cid_area = at.session_state["c_last"]["id"]

    at.radio(key="c_shape").set_value("route").run()
    assert at.session_state["c_shape_cells"] == []  # a new shape starts empty
    at.selectbox(key="c_route_from").select(TOWN_A).run()
    at.selectbox(key="c_route_to").select(TOWN_B).run()
    route = at.session_state["c_shape_cells"]
    assert len(route) >= 2 and layer(at, "chosen_route")
    # the line is drawn through the cells' centres, a few pixels wide at any zoom: a width in
    # pixel units with rounded joints drew wedges across the whole map in deck.gl 9.4
    spec = next(x for x in map_specs(at)[0]["layers"] if x["id"] == "chosen_route")
    assert [len(p["p"]) for p in spec["data"]] == [len(route)]
    assert spec["widthMinPixels"] == spec["widthMaxPixels"] <= 6
    assert "widthUnits" not in spec and not spec.get("jointRounded")
    assert any("ルート: " in m and "粕川町稲里 → 西大室町" in m for m in texts(at))
    write(at, "通学路に歩道がない")
    cid_route = at.session_state["c_last"]["id"]

    stored = {c.id: c for c in open_store().list_comments(city="maebashi")}
    assert set(stored[cid_area].cells) == set(three) and stored[cid_area].shape == "area"
    assert list(stored[cid_route].cells) == route and stored[cid_route].shape == "route"
    assert stored[cid_route].cell in route  # filed under its representative cell

    viewer = session()  # another citizen sees both, in words and on the map
    assert any("エリア: 3個の六角形" in m for m in texts(viewer))
    assert any(f"ルート: {len(route)}個の六角形" in m for m in texts(viewer))
    assert {d["h"] for d in layer(viewer, "shape_areas")} == set(three)
    assert len(layer(viewer, "shape_routes")) == 1
    pickable = [x["id"] for x in map_specs(viewer)[0]["layers"] if x.get("pickable")]
    assert pickable == ["pin"]
    geo = open_store().export_geojson(city="maebashi")
    kinds = {f["id"]: f["geometry"]["type"] for f in geo["features"]}
    assert kinds == {cid_area: "Polygon", cid_route: "LineString"}
    json.dumps(geo)


def test_an_area_by_towns_and_the_size_limit():
    at = session()
    at.radio(key="c_shape").set_value("area").run()
    at.multiselect(key="c_area_towns").select(TOWN_A).run()
    cells = at.session_state["c_shape_cells"]
    assert cells and any("粕川町稲里" in m for m in texts(at))
    at.session_state["c_shape_cells"] = [c for c in grid.grid_disk(cells[0], 9)][:201]
    ok(at.run())
    assert any("六角形が多すぎます(いま201個、最大200個)" in w.value for w in at.warning)
    assert at.session_state.get("c_factor") is None and not any(
        b.label == "投稿" for b in at.button)  # nothing to post until it is smaller
    ok(at.button(key="c_shape_clear").click().run())
    assert at.session_state["c_shape_cells"] == []


def test_a_moderator_hides_an_area_and_sees_it_in_words():
    at = session()
    at.radio(key="c_shape").set_value("area").run()
    at.multiselect(key="c_area_towns").select(TOWN_A).run()
    write(at, "ここは暗い")
    cid = at.session_state["c_last"]["id"]
    open_store().report(comment_id=cid, session_id="someone", reason="check")
    mod = session("pages/moderation.py")
    mod.text_input[0].input("山田")
    mod.text_input[1].input(APP_PASSWORD)
    ok(mod.button[0].click().run())
    assert any("エリア\\: " in c.value and "粕川町稲里" in c.value for c in mod.caption)
    mod.text_input(key=f"mreason_{cid}").input("不適切").run()
    ok(mod.button(key=f"m_hide_{cid}").click().run())
    viewer = session()
    assert "ここは暗い" not in " ".join(texts(viewer))
    assert layer(viewer, "shape_areas") == []
    assert open_store().export_geojson(city="maebashi")["features"] == []


def test_a_tap_is_joined_to_the_route_along_the_grid():
    a = "8929a1d8b3bffff"
    far = grid.grid_ring(a, 3)[0]
    route = areas.tap("route", far, [a])
    assert route[0] == a and route[-1] == far and len(route) == 4
    assert areas.tap("route", far, route) == route[:-1]  # the last one again: undone
    assert areas.tap("area", a, [a, far]) == [far]
