"""Every bad-input class of ``build-city``, each with a message naming file, row and field."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geo import grid
from geo.build import citybuild
from geo.errors import InputError
from geo.ingest import bundle
from geo.ingest.formats import census, gtfs, ksj

LON, LAT = 139.06, 36.39  # central Maebashi
SQUARE = shapely.box(LON - 0.02, LAT - 0.015, LON + 0.02, LAT + 0.015)


def _geojson(path: Path, features: list[dict], *, encoding: str = "utf-8", crs: str | None = None
             ) -> Path:
    obj: dict = {"type": "FeatureCollection", "features": features}
    if crs:
        obj["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_bytes(json.dumps(obj, ensure_ascii=False).encode(encoding))
    return path


def _point(lon: float, lat: float, **props) -> dict:
    return {"type": "Feature", "properties": props,
            "geometry": {"type": "Point", "coordinates": [lon, lat]}}


@pytest.fixture
def city(tmp_path):
    """A boundary and an H3 population table for a 3 km square of Maebashi."""
    src = tmp_path / "src"
    src.mkdir()
    boundary = _geojson(src / "boundary.geojson", [{
        "type": "Feature", "properties": {"name": "square"},
        "geometry": shapely.geometry.mapping(SQUARE)}])
    cells = grid.to_strings(grid.cover(SQUARE, 9))
    rows = "\n".join(f"{c},{(i % 7) * 10}" for i, c in enumerate(cells))
    pop = src / "pop_h3.csv"
    pop.write_text("h3,population\n" + rows + "\n", encoding="utf-8")
    return {"src": src, "boundary": boundary, "population": pop, "data": tmp_path / "data"}


def _build(city, *facilities, **kw):
    return citybuild.build_city(
        "tiny", boundary=city["boundary"], population=city["population"], prefecture=10,
        facilities=list(facilities), data_dir=city["data"], **kw)


def _messages(exc: pytest.ExceptionInfo) -> list[str]:
    """Each problem's English line (every one of these also has a Japanese message)."""
    assert all(p.message_ja for p in exc.value.problems)
    return [p.text("en") for p in exc.value.problems]


# ---- wrong CRS ---------------------------------------------------------------------------

def test_projected_coordinates_without_a_declared_crs_are_named(city):
    # EPSG:6677 metres written as if they were degrees
    f = _geojson(city["src"] / "clinics.geojson", [_point(-69000.0, 43500.0, name="A医院")])
    with pytest.raises(InputError) as exc:
        _build(city, f"{f}:medical")
    assert _messages(exc) == [
        "clinics.geojson, row 1, column 'geometry': coordinates (-69000.0, 43500.0) are not "
        "longitude/latitude degrees; they look projected (e.g. plane rectangular metres): "
        "export as WGS84 / JGD2011 lon/lat"]


def test_a_declared_projected_crs_is_reprojected(city):
    f = _geojson(city["src"] / "clinics.geojson", [_point(-69000.0, 43500.0, name="A医院")],
                 crs="urn:ogc:def:crs:EPSG::6677")
    report = _build(city, f"{f}:medical")
    assert report.counts["facilities"] == {"medical": 1}


def test_a_shapefile_without_prj_in_metres_is_refused(city):
    gdf = gpd.GeoDataFrame({"name": ["A"]}, geometry=[shapely.Point(-69000, 43500)])
    shp = city["src"] / "clinics.shp"
    gdf.to_file(shp)
    assert not shp.with_suffix(".prj").exists()
    with pytest.raises(InputError) as exc:
        _build(city, f"{shp}:medical")
    assert _messages(exc)[0].startswith(
        "clinics.shp, column 'geometry': the file has no coordinate reference system (.prj "
        "missing) and its coordinates are not longitude/latitude degrees")


# ---- swapped lat/lon ---------------------------------------------------------------------

def test_swapped_lat_lon_in_a_csv_names_row_and_columns(city):
    f = city["src"] / "shops.csv"
    f.write_text(f"name,lon,lat\nA,{LON},{LAT}\nB,{LAT},{LON}\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        _build(city, f"{f}:commercial")
    assert _messages(exc) == [
        f"shops.csv, row 2, column 'lon/lat': latitude and longitude look swapped (lon={LAT}, "
        f"lat={LON}); put longitude (経度) first"]


def test_swapped_stop_lat_lon_in_gtfs(city):
    f = _gtfs(city["src"] / "feed.zip", stops=[("s1", "Stop 1", LAT, LON),
                                                ("s2", "Stop 2", LON, LAT)])
    with pytest.raises(InputError) as exc:
        _build(city, str(f))
    assert _messages(exc)[0].startswith(
        "feed.zip/stops.txt, row 2, column 'stop_lon/stop_lat': latitude and longitude look "
        "swapped")


# ---- outside the boundary ----------------------------------------------------------------

def test_points_outside_the_boundary_are_dropped_and_reported(city):
    f = _geojson(city["src"] / "parks.geojson", [
        _point(LON, LAT, name="中央公園"), _point(LON + 0.2, LAT, name="遠い公園")])
    report = _build(city, f"{f}:park")
    assert report.counts["facilities"] == {"park": 1}
    assert report.dropped == [{"file": "parks.geojson", "row": 2, "name": "遠い公園",
                               "reason": "outside the city"}]
    assert any(w.startswith("parks.geojson, row 2, column 'geometry': 遠い公園 lies")
               for w in report.warnings)
    assert "dropped 1 from parks.geojson: outside the city" in report.text()


def test_all_points_outside_the_boundary_is_an_error(city):
    f = _geojson(city["src"] / "parks.geojson", [_point(LON + 0.2, LAT, name="遠い公園")])
    with pytest.raises(InputError) as exc:
        _build(city, f"{f}:park")
    assert "parks.geojson, column 'geometry': all 1 points lie outside the city" in \
        _messages(exc)[0]


# ---- CP932 -------------------------------------------------------------------------------

def test_cp932_csv_and_geojson_names_come_out_right(city):
    csv = city["src"] / "clinics.csv"
    csv.write_bytes(f"名称,経度,緯度\n前橋内科医院,{LON},{LAT}\n".encode("cp932"))
    gj = _geojson(city["src"] / "halls.geojson", [_point(LON, LAT, 名称="城東町公民館")],
                  encoding="cp932")
    _build(city, f"{csv}:medical", f"{gj}:community_hall")
    b = bundle.load("tiny", data_dir=city["data"])
    assert sorted(b.facilities["name"]) == ["前橋内科医院", "城東町公民館"]


def test_cp932_mesh_csv_with_the_estat_label_row(tmp_path):
    f = tmp_path / "mesh.csv"
    f.write_bytes(("KEY_CODE,HTKSYORI,HTKSAKI,GASSAN,T001101001\n"
                   ",,,,人口（総数）\n"
                   "5439254511,0,,,120\n5439254512,0,,,*\n").encode("cp932"))
    zones = census.read_mesh_csv(f)
    assert zones["town_code"].tolist() == ["5439254511", "5439254512"]
    assert zones["population"].tolist()[0] == 120
    assert zones["population"].isna().tolist() == [False, True]  # "*" = secret


# ---- duplicate ids -----------------------------------------------------------------------

def test_duplicate_h3_cells_name_both_rows(city):
    c = grid.to_strings(grid.cover(SQUARE, 9))[0]
    city["population"].write_text(f"h3,population\n{c},5\n{c},7\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        _build(city)
    assert _messages(exc) == [f"pop_h3.csv, row 2, column 'h3': H3 cell {c} appears more than "
                              "once (rows [1, 2]); each must be listed once"]


def test_duplicate_gtfs_stop_ids(city):
    f = _gtfs(city["src"] / "feed.zip", stops=[("s1", "A", LAT, LON), ("s1", "B", LAT, LON)])
    with pytest.raises(InputError) as exc:
        _build(city, str(f))
    assert _messages(exc)[0] == ("feed.zip/stops.txt, row 2, column 'stop_id': stop_id s1 appears "
                                 "more than once (rows [1, 2]); each must be listed once")


def test_duplicate_facility_ids(city):
    f = _geojson(city["src"] / "clinics.geojson", [
        _point(LON, LAT, name="A", id="7"), _point(LON, LAT, name="B", id="7")])
    with pytest.raises(InputError) as exc:
        _build(city, f"{f}:kind=medical,id=id")
    assert _messages(exc) == [
        "clinics.geojson, row 2, column 'id': id 7 appears more than once (rows [1, 2]); "
        "each must be listed once"]


# ---- empty layers and malformed files ----------------------------------------------------

def test_empty_geojson_layer(city):
    f = _geojson(city["src"] / "parks.geojson", [])
    with pytest.raises(InputError, match=r"parks.geojson: the file holds no features \(empty "
                                         r"layer\)"):
        _build(city, f"{f}:park")


def test_empty_population_table(city):
    city["population"].write_text("h3,population\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"pop_h3\.csv: the table has a header but no rows"):
        _build(city)


def test_gtfs_without_stops_is_empty(city):
    f = _gtfs(city["src"] / "feed.zip", stops=[])
    with pytest.raises(InputError,
                       match=r"feed.zip/stops.txt: the file holds no stops \(empty layer\)"):
        _build(city, str(f))


def test_truncated_geojson(city):
    f = city["src"] / "parks.geojson"
    f.write_text('{"type": "FeatureCollection", "features": [{"type": "Feat', encoding="utf-8")
    with pytest.raises(InputError, match=r"parks\.geojson: the file ends early"):
        _build(city, f"{f}:park")


def test_a_bad_count_names_row_and_column(city):
    c = grid.to_strings(grid.cover(SQUARE, 9))[:2]
    city["population"].write_text(f"h3,population\n{c[0]},5\n{c[1]},many\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        _build(city)
    assert _messages(exc) == ["pop_h3.csv, row 2, column 'population': expected a head count, "
                              "got 'many'"]


# ---- failures leave existing bundles untouched -------------------------------------------

def test_a_failed_rebuild_leaves_the_existing_city(city):
    _build(city)
    before = (city["data"] / "tiny" / "manifest.json").read_text(encoding="utf-8")
    bad = _geojson(city["src"] / "parks.geojson", [])
    with pytest.raises(InputError):
        _build(city, f"{bad}:park", overwrite=True)
    assert (city["data"] / "tiny" / "manifest.json").read_text(encoding="utf-8") == before
    assert sorted(p.name for p in city["data"].iterdir()) == ["raw", "tiny"]  # no staging


# ---- formats: population conversion, KSJ codes, GTFS departures --------------------------

def test_h3_population_at_other_resolutions_conserves_totals(tmp_path):
    for res in (8, 9, 11):
        cells = grid.to_strings(grid.cover(SQUARE, res))[:5]
        f = tmp_path / f"r{res}.csv"
        f.write_text("h3,population\n" + "".join(f"{c},{i * 3 + 1}\n" for i, c in
                                                 enumerate(cells)), encoding="utf-8")
        z = census.read_h3_table(f)
        pieces = census.h3_pieces(z)
        assert pieces["value"].sum() == pytest.approx(z["population"].sum())
        assert set(grid.resolution_of(pieces["cell"].to_numpy()).tolist()) == {10}


def test_ksj_p29_schools_and_p04_medical_codes(city):
    p29 = _geojson(city["src"] / "P29-21_10.geojson", [
        _point(LON, LAT, P29_001="10201", P29_003="16001", P29_004="桃井小学校"),
        _point(LON, LAT, P29_001="10201", P29_003="16002", P29_004="第一中学校"),
        _point(LON, LAT, P29_001="10201", P29_003="16004", P29_004="前橋高等学校"),
        _point(LON, LAT, P29_001="10201", P29_003="16007", P29_004="前橋大学"),
    ])
    p04 = _geojson(city["src"] / "P04-20_10.geojson", [
        _point(LON, LAT, P04_001="1", P04_002="前橋病院", P04_004="内科 外科"),
        _point(LON, LAT, P04_001="3", P04_002="前橋歯科", P04_004="歯科"),
        _point(LON, LAT, P04_001="2", P04_002="眼科クリニック", P04_004="眼科"),
    ])
    report = _build(city, str(p29), str(p04))
    assert report.counts["facilities"] == {"elementary_school": 1, "junior_high_school": 1,
                                           "high_school": 1, "medical": 1}
    reasons = {d["name"]: d["reason"] for d in report.dropped}
    assert reasons["前橋大学"].startswith("school type 16007 (P29_003) is not")
    assert reasons["前橋歯科"].startswith("dental clinic")
    assert reasons["眼科クリニック"] == "no internal medicine or surgery among its departments"
    m = json.loads((city["data"] / "tiny" / "manifest.json").read_text(encoding="utf-8"))
    attr = {s["file"]: s["attribution"] for s in m["sources"]}
    assert attr["P29-21_10.geojson"] == "「国土数値情報（学校データ）」（国土交通省）"


def test_ksj_n02_station_lines_become_points(tmp_path):
    line = {"type": "Feature", "properties": {"N02_003": "両毛線", "N02_004": "東日本旅客鉄道",
                                              "N02_005": "前橋"},
            "geometry": {"type": "LineString",
                         "coordinates": [[LON, LAT], [LON + 0.002, LAT]]}}
    f = _geojson(tmp_path / "N02-22_Station.geojson", [line])
    fac, dropped, code = ksj.read_facilities(f)
    assert code == "N02" and dropped == []
    assert fac["kind"].tolist() == ["station"] and fac["name"].tolist() == ["前橋"]
    assert fac.geometry.iloc[0].x == pytest.approx(LON + 0.001, abs=1e-6)


def _gtfs(path: Path, *, stops, encoding="utf-8") -> Path:
    def csv(rows):
        out = io.StringIO()
        for r in rows:
            out.write(",".join(map(str, r)) + "\n")
        return out.getvalue().encode(encoding)

    with zipfile.ZipFile(path, "w") as z:
        z.writestr("agency.txt", csv([("agency_id", "agency_name"), ("a", "上毛バス")]))
        z.writestr("stops.txt", csv([("stop_id", "stop_name", "stop_lat", "stop_lon"),
                                     *stops]))
        z.writestr("calendar.txt", csv([
            ("service_id", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
             "sunday", "start_date", "end_date"),
            ("wk", 1, 1, 1, 1, 1, 0, 0, "20240101", "20241231"),
            ("we", 0, 0, 0, 0, 0, 1, 1, "20240101", "20241231")]))
        z.writestr("trips.txt", csv([("route_id", "service_id", "trip_id"),
                                     ("r", "wk", "t1"), ("r", "wk", "t2"), ("r", "we", "t3")]))
        z.writestr("stop_times.txt", csv([
            ("trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"),
            *[(t, "08:00:00", "08:00:00", s[0], i + 1) for t in ("t1", "t2", "t3")
              for i, s in enumerate(stops)]]))
    return path


def test_gtfs_jp_in_cp932_counts_weekday_departures(tmp_path):
    f = _gtfs(tmp_path / "feed.zip", encoding="cp932",
              stops=[("s1", "前橋駅", LAT, LON), ("s2", "県庁前", LAT + 0.001, LON)])
    fac, facts = gtfs.read_stops(f)
    assert fac["name"].tolist() == ["前橋駅", "県庁前"]
    # two weekday trips leave s1; s2 is their last stop, so no departures there
    assert fac["departures"].tolist() == [2, 0]
    assert facts["trips_that_day"] == 2
    assert gtfs.feed_attribution(f) == "上毛バス"


# ---- a drive network given as the walking network ----------------------------------------

UBE_WALK = Path(__file__).resolve().parent.parent / "data" / "raw" / "ube" / "ube_walk.graphml.gz"
#: What OSMnx's network_type="drive" leaves out of a walk graph (its drive filter).
NOT_DRIVE = {"footway", "path", "steps", "pedestrian", "track", "service", "corridor",
             "cycleway", "bridleway", "busway"}


def test_a_drive_network_is_built_with_a_warning_in_both_languages(tmp_path):
    import networkx as nx

    from geo.ingest.walkgraph import highway_classes

    g = nx.read_graphml(UBE_WALK)  # the real Ube walk graph, reduced to what a drive graph has
    g.remove_edges_from([(a, b, k) for a, b, k, d in g.edges(keys=True, data=True)
                         if set(highway_classes(d.get("highway"))) & NOT_DRIVE])
    g.remove_nodes_from([n for n in list(g.nodes) if g.degree(n) == 0])
    drive = tmp_path / "ube_drive.graphml"
    nx.write_graphml(g, drive)
    report = citybuild.build_city("ube_drive", network=drive, prefecture=35,
                                  data_dir=tmp_path / "data")
    (w,) = [w for w in report.warnings if "drive network" in w]
    assert w.startswith("ube_drive.graphml, column 'highway': no footways, paths, steps or "
                        "pedestrian streets")
    assert "自動車用ネットワーク" in w
    # the real walk graph raises no such warning
    walk = citybuild.build_city("ube_walk", network=UBE_WALK, prefecture=35,
                                data_dir=tmp_path / "data")
    assert not any("drive network" in w for w in walk.warnings)


def _graphml(path: Path, edges: list[tuple[str, str, str]]) -> Path:
    import networkx as nx

    g = nx.MultiDiGraph()
    for i, n in enumerate(sorted({n for a, b, _ in edges for n in (a, b)})):
        g.add_node(n, x=LON + 0.001 * i, y=LAT)
    for a, b, hw in edges:
        g.add_edge(a, b, highway=hw, length=90.0)
    nx.write_graphml(g, path)
    return path


def test_motorways_are_left_out_and_a_motorway_only_network_is_refused(tmp_path):
    mixed = _graphml(tmp_path / "mixed.graphml", [("a", "b", "residential"),
                                                  ("b", "c", "footway"),
                                                  ("c", "d", "motorway")])
    report = citybuild.build_city("mixed", network=mixed, prefecture=10,
                                  data_dir=tmp_path / "data")
    assert report.counts["network_edges"] == 2
    assert any("motorway edges, where walking is not allowed, are left out of the walking "
               "network: 1 (0.1 km)" in w and "高速道路" in w
               for w in report.warnings)
    only = _graphml(tmp_path / "motorway.graphml", [("a", "b", "motorway"),
                                                    ("b", "c", "motorway_link")])
    with pytest.raises(InputError) as exc:
        citybuild.build_city("motorway", network=only, prefecture=10,
                             data_dir=tmp_path / "data")
    (p,) = exc.value.problems
    assert (p.file, p.column) == ("motorway.graphml", "highway")
    assert p.message.startswith("no walkable edges: all 2 are motorways")
    assert p.message_ja.startswith("歩ける道がありません")
    assert not (tmp_path / "data" / "motorway").exists()
