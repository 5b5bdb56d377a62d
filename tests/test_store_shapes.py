"""Comments on an area or a route: stored as res-9 cells with the comment (never coordinates),
read back in order, filed under a representative cell, exported as a Polygon / MultiPolygon or
a LineString, hidden, deleted and purged with the comment — on both databases."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from store_fixtures import CITY, TEST_LAT, TEST_LNG, Target, comment_args

from geo import grid
from geo.participation.store import (
    MAX_AREA_CELLS,
    MAX_ROUTE_CELLS,
    InvalidCell,
    InvalidInput,
    ShapeDraft,
    representative,
)
from geo.participation.store.export import comments_to_geojson
from geo.participation.store.queries import comments_to_frame

PIN = grid.parent_string(comment_args()["cell"], 9)
AREA = tuple(grid.grid_disk(PIN, 1))  # 7 cells
FAR = grid.grid_ring(PIN, 6)[0]
ROUTE = tuple(grid.grid_path(PIN, FAR))  # 7 cells in a line


def area_args(cells: tuple[str, ...] = AREA, **extra: object) -> dict[str, object]:
    return comment_args(cell=representative("area", cells), shape=ShapeDraft("area", cells),
                        text="この公園は夜暗い", **extra)


def route_args(cells: tuple[str, ...] = ROUTE, **extra: object) -> dict[str, object]:
    return comment_args(cell=representative("route", cells), shape=ShapeDraft("route", cells),
                        text="通学路に歩道がない", **extra)


@pytest.fixture
def store(target: Target):
    s = target.open(rate_limit=None)
    yield s
    s.close()


def shape_rows(target: Target) -> int:
    return int(target.raw("SELECT COUNT(*) FROM comment_shape_cells")[0][0])


def test_an_area_and_a_route_are_stored_with_their_comment(store, target: Target) -> None:
    a = store.post_comment(**area_args())
    r = store.post_comment(**route_args())
    p = store.post_comment(**comment_args())
    by_id = {c.id: c for c in store.list_comments(city=CITY)}
    assert by_id[a.comment_id].shape == "area" and set(by_id[a.comment_id].cells) == set(AREA)
    assert by_id[a.comment_id].cell == PIN  # the area's central cell
    assert by_id[r.comment_id].shape == "route" and by_id[r.comment_id].cells == ROUTE
    assert by_id[r.comment_id].cell == ROUTE[len(ROUTE) // 2]
    assert by_id[p.comment_id].shape == "point" and by_id[p.comment_id].cells == ()
    # a retry stores nothing twice
    args = area_args()
    first = store.post_comment(**args)
    assert not store.post_comment(**args).created and first.created
    assert shape_rows(target) == 2 * len(AREA) + len(ROUTE)
    # every summary, filter and page works for a shape as for a point (its cell)
    page = store.comment_page(city=CITY)
    assert page.total == 4 and {c.shape for c in page.items} == {"area", "route", "point"}
    assert [c.id for c in store.shaped_comments(city=CITY)] == [
        first.comment_id, r.comment_id, a.comment_id]
    assert sum(c.count for c in store.cell_summary(city=CITY, resolution=9)) == 4
    # no coordinates anywhere, only cell ids
    dump = " ".join(str(v) for row in target.raw("SELECT * FROM comment_shape_cells")
                    for v in row)
    assert f"{TEST_LAT:.4f}"[:7] not in dump and f"{TEST_LNG:.4f}"[:8] not in dump


@pytest.mark.parametrize("bad", [
    {"shape": ShapeDraft("polygon", AREA)},
    {"shape": ShapeDraft("route", (PIN,))},  # a route needs two cells
    {"shape": ShapeDraft("area", (PIN, PIN))},
    {"shape": ShapeDraft("area", (*AREA[:3], grid.parent_string(PIN, 8)))},  # not res 9
    {"shape": ShapeDraft("area", (PIN, "not-a-cell"))},
    {"shape": ShapeDraft("area", AREA), "cell": FAR},  # the cell is not one of them
    {"shape": ShapeDraft("area", tuple(grid.grid_disk(PIN, 8))[:MAX_AREA_CELLS + 1])},
    {"shape": ShapeDraft("route", tuple(grid.grid_disk(PIN, 6))[:MAX_ROUTE_CELLS + 1])},
])
def test_a_bad_shape_stores_nothing(store, target: Target, bad: dict) -> None:
    with pytest.raises((InvalidInput, InvalidCell)):
        store.post_comment(**{**area_args(), **bad})
    assert target.raw("SELECT COUNT(*) FROM comments")[0][0] == 0 and shape_rows(target) == 0


def test_the_size_limits_are_said_in_both_languages(store) -> None:
    too_many = tuple(grid.grid_disk(PIN, 6))[:MAX_ROUTE_CELLS + 1]
    with pytest.raises(InvalidInput) as err:
        store.post_comment(**route_args(too_many))
    assert "ルートの六角形は2〜100個" in err.value.text("ja") and "2-100" in err.value.text("en")


def test_a_reply_carries_no_shape(store) -> None:
    parent = store.post_comment(**area_args())
    with pytest.raises(InvalidInput):
        store.post_comment(**area_args(parent_id=parent.comment_id))
    reply = store.reply(parent_id=parent.comment_id, idempotency_key="r1", session_id="s-b",
                        text="同感です", consent=True)
    replied = store.comment_page(city=CITY).replies[parent.comment_id]
    assert [c.id for c in replied] == [reply.comment_id] and replied[0].shape == "point"


def test_hidden_with_its_comment_and_back_when_restored(store) -> None:
    r = store.post_comment(**route_args())
    store.moderate(comment_id=r.comment_id, action="hide", moderator="m", reason="r")
    assert store.shaped_comments(city=CITY) == [] and store.list_comments(city=CITY) == []
    hidden = store.list_comments(city=CITY, include_hidden=True)
    assert hidden[0].cells == ROUTE  # a moderator still sees the route
    assert json.loads(json.dumps(store.export_geojson(city=CITY)))["features"] == []
    store.moderate(comment_id=r.comment_id, action="restore", moderator="m", reason="r")
    assert [c.cells for c in store.shaped_comments(city=CITY)] == [ROUTE]


@pytest.mark.parametrize("how", ["token", "moderator"])
def test_deleted_with_its_comment(store, target: Target, how: str) -> None:
    r = store.post_comment(**area_args())
    keep = store.post_comment(**route_args())
    if how == "token":
        assert store.delete_by_token(comment_id=r.comment_id, token=r.edit_token)
    else:
        store.moderate(comment_id=r.comment_id, action="delete", moderator="m", reason="r")
    assert shape_rows(target) == len(ROUTE)
    assert {int(x[0]) for x in target.raw("SELECT comment_id FROM comment_shape_cells")} == {
        keep.comment_id}


def test_purged_with_its_comment(store, target: Target) -> None:
    store.post_comment(**area_args(now=datetime.now(UTC) - timedelta(days=400)))
    new = store.post_comment(**route_args())
    assert store.purge_expired(retention_days=365) == 1
    assert {int(x[0]) for x in target.raw("SELECT comment_id FROM comment_shape_cells")} == {
        new.comment_id}


def test_the_moderation_queue_shows_the_shape(store) -> None:
    r = store.post_comment(**area_args())
    store.report(comment_id=r.comment_id, session_id="reporter", reason="spam")
    [item] = store.moderation_queue(city=CITY)
    assert item.comment.shape == "area" and set(item.comment.cells) == set(AREA)


def test_exports_carry_the_shape(store) -> None:
    a = store.post_comment(**area_args())
    r = store.post_comment(**route_args())
    p = store.post_comment(**comment_args())
    features = {f["id"]: f for f in store.export_geojson(city=CITY)["features"]}
    area, route, point = (features[i.comment_id]["geometry"] for i in (a, r, p))
    assert area["type"] == "Polygon" and len(area["coordinates"][0]) == 19  # 7 hexagons' rim
    assert area["coordinates"][0][0] == area["coordinates"][0][-1]
    assert route["type"] == "LineString" and len(route["coordinates"]) == len(ROUTE)
    lon, lat = grid.centre(ROUTE[0])
    assert route["coordinates"][0] == [round(lon, 7), round(lat, 7)]
    assert point["type"] == "Polygon" and len(point["coordinates"][0]) == 7
    assert features[r.comment_id]["properties"]["shape"] == "route"
    rows = {int(row["id"]): row for row in csv.DictReader(
        io.StringIO(store.export_csv(city=CITY).decode("utf-8-sig")))}
    assert rows[r.comment_id]["shape"] == "route"
    assert rows[r.comment_id]["shape_cells"].split() == list(ROUTE)
    assert rows[p.comment_id]["shape"] == "point" and rows[p.comment_id]["shape_cells"] == ""


def test_two_areas_apart_are_a_multipolygon() -> None:
    apart = (PIN, FAR)
    assert list(comments_to_frame([]).columns)[-2:] == ["shape", "shape_cells"]
    frame = pd.DataFrame([{"id": 1, "cell": PIN, "shape": "area",
                           "shape_cells": " ".join(apart)}])
    [feature] = comments_to_geojson(frame)["features"]
    assert feature["geometry"]["type"] == "MultiPolygon"
    assert len(feature["geometry"]["coordinates"]) == 2


def test_the_representative_cell() -> None:
    assert representative("area", AREA) == PIN
    assert representative("route", ROUTE) == ROUTE[3]
    assert grid.grid_path(PIN, FAR)[0] == PIN and len(grid.grid_path(PIN, FAR)) == 7
