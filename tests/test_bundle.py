"""City bundles: rebuilding Maebashi, manifests, loading, and clear messages for bad raw data."""

from __future__ import annotations

import hashlib
import json
import shutil
import tomllib

import numpy as np
import pandas as pd
import pytest
from util import (
    BASE_X,
    BASE_Y,
    REPO_DATA,
    load_shipped,
    make_tiny_city,
    to_lonlat,
)

from geo.access.kpi import city_coverage
from geo.build.build import POPULATION_ASSUMPTION_EN, build, classify_name
from geo.errors import InputError
from geo.ingest import bundle
from geo.ingest.bundle import BundleError

# --------------------------------------------------------------------------------------------
# Rebuilding Maebashi from data/raw reproduces the shipped bundle
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped():
    return load_shipped("maebashi")


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    out_root = tmp_path_factory.mktemp("bundles")
    path = build("maebashi", data_dir=REPO_DATA, out_dir=out_root / "maebashi")
    assert path == out_root / "maebashi"
    return bundle.load("maebashi", data_dir=out_root)


def test_rebuild_reproduces_counts_and_warnings(shipped, rebuilt):
    assert rebuilt.manifest["counts"] == shipped.manifest["counts"]
    assert rebuilt.manifest["warnings"] == shipped.manifest["warnings"]
    assert rebuilt.manifest["unclassified"] == shipped.manifest["unclassified"]
    assert rebuilt.manifest["city"] == shipped.manifest["city"]
    assert np.array_equal(rebuilt.cells, shipped.cells)
    assert len(rebuilt.facilities) == len(shipped.facilities)
    c = rebuilt.manifest["counts"]
    assert c["cells_res10"] == 22404
    assert c["population"] == 321390
    assert c["facilities"]["bus_stop"] == 644
    assert c["facilities"]["shelter"] == 147


def test_rebuild_reproduces_city_coverage_figures(shipped, rebuilt):
    a = city_coverage(rebuilt).summary
    b = city_coverage(shipped).summary
    pd.testing.assert_frame_equal(a, b, rtol=1e-9)
    assert a.loc["bus_stop", "covered"] == pytest.approx(b.loc["bus_stop", "covered"])


def test_manifest_sources_carry_licence_and_attribution(rebuilt):
    m = rebuilt.manifest
    recipe = tomllib.loads((REPO_DATA / "raw/maebashi/city.toml").read_text(encoding="utf-8"))
    expected = ([recipe["boundary"]["file"], recipe["towns"]["file"]]
                + [f["file"] for f in recipe["facilities"]]
                + [e["file"] for e in recipe["extra_sources"]])
    assert [s["file"] for s in m["sources"]] == expected
    for s in m["sources"]:
        assert s["licence"].strip(), s["file"]
        assert s["attribution"].strip(), s["file"]
        assert s["title"].strip(), s["file"]
        raw = REPO_DATA / "raw/maebashi" / s["file"]
        assert s["sha256"] == hashlib.sha256(raw.read_bytes()).hexdigest()
    by_file = {s["file"]: s for s in m["sources"]}
    assert by_file["maebashi_boundary_osm.geojson"]["attribution"] == "© OpenStreetMap contributors"
    assert by_file["maebashi_chocho_population_2025.geojson"]["rows"] == 275
    assert by_file["maebashi_bus_stops_gtfsjp_2019.geojson"]["licence"] == "CC BY 4.0"
    assert m["format_version"] == bundle.FORMAT_VERSION
    assert m["population_as_of"] == "2025-06-30"
    assert m["assumptions"]["en"] == POPULATION_ASSUMPTION_EN


def test_shipped_ube_manifest_sources_carry_licence_and_attribution():
    m = load_shipped("ube").manifest
    assert [s["file"] for s in m["sources"]] == ["ube_walk.graphml.gz", "ube_shelters_P20.geojson"]
    for s in m["sources"]:
        assert s["licence"].strip() and s["attribution"].strip()
    assert m["city"]["boundary"] == "extent of the walking network (not the city boundary)"
    assert m["has_population"] is False
    assert m["assumptions"] == {}


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def test_load_of_a_missing_city_says_how_to_build_it(tmp_path):
    with pytest.raises(BundleError) as exc:
        bundle.load("nowhere", data_dir=tmp_path)
    msg = str(exc.value)
    assert "no bundle for 'nowhere'" in msg
    assert "run: diorama build nowhere" in msg


def test_load_refuses_another_format_version(tmp_path):
    shutil.copytree(REPO_DATA / "ube", tmp_path / "ube")
    mf = tmp_path / "ube" / "manifest.json"
    m = json.loads(mf.read_text(encoding="utf-8"))
    m["format_version"] = 99
    mf.write_text(json.dumps(m), encoding="utf-8")
    with pytest.raises(BundleError, match=r"has format 99.*rebuild it with: diorama build ube"):
        bundle.load("ube", data_dir=tmp_path)


def test_loaded_bundle_shapes(shipped):
    assert shipped.id == "maebashi"
    assert shipped.crs.to_epsg() == 6677
    assert shipped.has_population
    assert shipped.network is None
    assert shipped.cells.dtype == np.uint64
    assert shipped.population.index.equals(pd.Index(shipped.cells))
    cities = bundle.list_cities(data_dir=REPO_DATA)
    assert cities[0] == "maebashi"
    assert "ube" in cities


def test_missing_recipe_is_a_bundle_error(tmp_path):
    with pytest.raises(BundleError, match=r"no build recipe at .*city\.toml"):
        build("nowhere", data_dir=tmp_path)


# --------------------------------------------------------------------------------------------
# Classification of evacuation sites by name
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("前橋市立桃井小学校", "elementary_school"),
        ("前橋市立第一中学校", "junior_high_school"),
        ("県立前橋女子高等学校", "high_school"),
        ("前橋高校", "high_school"),
        ("群馬県立前橋特別支援学校", None),  # not a high school, not a kind of its own
        ("特別支援学校高等部", None),
        ("敷島公園", "park"),
        ("大渡緑地", "park"),
        ("東公民館", "community_hall"),
        ("総社地区集会所", "community_hall"),
        ("前橋市民体育館", None),
        ("保健センター", None),
    ],
)
def test_classify_name(name, kind):
    assert classify_name(name) == kind


# --------------------------------------------------------------------------------------------
# A tiny raw city built in tmp_path
# --------------------------------------------------------------------------------------------


def _manifest(out):
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def _lonlat(dx, dy):
    lon, lat = to_lonlat([BASE_X + dx], [BASE_Y + dy])
    return f"{lon[0]:.7f}", f"{lat[0]:.7f}"


def test_tiny_city_builds_and_conserves_each_town(tmp_path):
    make_tiny_city(tmp_path, populations=("1,200", 800, 0))
    out = build("tiny", data_dir=tmp_path)
    assert out == tmp_path / "tiny"
    m = _manifest(out)
    assert m["counts"]["population"] == 2000
    assert m["counts"]["towns_with_population"] == 3
    assert m["warnings"] == []
    assert m["city"]["crs"] == "EPSG:6677"
    b = bundle.load("tiny", data_dir=tmp_path)
    sums = b.pieces.groupby("town_code")["value"].sum()
    assert sums.to_dict() == pytest.approx({"T1": 1200.0, "T2": 800.0, "T3": 0.0})
    assert b.population.sum() == pytest.approx(2000.0)
    # 4 km² is ~266 res-10 cells of 0.0150 km², plus the cells cut by the 8 km edge.
    assert 266 < len(b.cells) < 360
    # Facilities: the bus stop, both shelters, and 大手公園 also as a park.
    kinds = b.facilities.groupby("kind")["name"].apply(list).to_dict()
    assert kinds == {"bus_stop": ["中央"], "park": ["大手公園"],
                     "shelter": ["大手公園", "市民体育館"]}
    assert b.facilities.loc[b.facilities["kind"] == "bus_stop", "departures"].tolist() == [45]
    assert m["unclassified"] == [{"source": "shelters.geojson", "row": 2, "name": "市民体育館"}]
    s = city_coverage(b).summary
    assert s.loc["bus_stop_frequent", "facilities"] == 1  # 45 departures a day ≥ 30
    assert s.loc["shelter", "population"] == pytest.approx(2000.0)


def test_town_without_population_is_a_warning_naming_file_row_column(tmp_path):
    make_tiny_city(tmp_path, populations=("1,200", 800, ""))
    m = _manifest(build("tiny", data_dir=tmp_path))
    assert m["warnings"] == [
        "towns.geojson, row 3, column '総人口': town 北町 (T3) has no population figure; "
        "it is shown as 'no data' and left out of totals"
    ]
    assert m["counts"]["population"] == 2000
    assert m["counts"]["towns"] == 3
    assert m["counts"]["towns_with_population"] == 2
    b = bundle.load("tiny", data_dir=tmp_path)
    assert set(b.pieces["town_code"]) == {"T1", "T2"}
    t = city_coverage(b).towns
    assert pd.isna(t.loc["T3", "population"])
    assert pd.isna(t.loc["T3", "rate_shelter"])  # no data, never 0 %


def test_strict_build_turns_the_warning_into_an_error(tmp_path):
    make_tiny_city(tmp_path, populations=("1,200", 800, "-"))
    with pytest.raises(InputError) as exc:
        build("tiny", data_dir=tmp_path, out_dir=tmp_path / "out", strict=True)
    assert str(exc.value) == (
        "build: towns.geojson, row 3, column '総人口': town 北町 (T3) has no population "
        "figure; it is shown as 'no data' and left out of totals"
    )
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_unreadable_population_names_file_row_and_column(tmp_path):
    make_tiny_city(tmp_path, populations=("1,200", "abc", 5))
    with pytest.raises(InputError) as exc:
        build("tiny", data_dir=tmp_path)
    assert exc.value.message_en == (
        "towns.geojson, row 2, column '総人口': expected a head count, got 'abc'")


def test_duplicate_town_code_is_named(tmp_path):
    make_tiny_city(tmp_path, codes=("T1", "T2", "T1"))
    with pytest.raises(InputError) as exc:
        build("tiny", data_dir=tmp_path)
    (p,) = exc.value.problems
    assert (p.file, p.row, p.column) == ("towns.geojson", 3, "KEY_CODE")
    assert p.message == ("town code T1 appears more than once (rows [1, 3]); "
                         "each must be listed once")
    assert p.message_ja == "町丁コード T1 が複数回あります(1・3行目)。1回だけにしてください。"


def test_missing_population_column_lists_the_columns(tmp_path):
    make_tiny_city(tmp_path, population_column="人口")
    with pytest.raises(InputError) as exc:
        build("tiny", data_dir=tmp_path)
    assert str(exc.value) == (
        "towns.geojson, row 0, column '総人口': column '総人口' is missing; "
        "columns found: KEY_CODE, S_NAME, 人口, geometry (read as utf-8) / "
        "列「総人口」がありません。ファイルにある列: KEY_CODE, S_NAME, 人口, geometry"
        "(utf-8として読み込み)"
    )


def test_facility_far_outside_the_city_is_dropped_with_a_warning(tmp_path):
    rows = [("中央", *_lonlat(0, 0), "45"), ("高崎方面", *_lonlat(0, 50_000), "10"),
            ("境界すぐ外", *_lonlat(1500, 0), "3")]
    make_tiny_city(tmp_path, bus_rows=rows)
    m = _manifest(build("tiny", data_dir=tmp_path))
    # 50 km north of the centre is 49 km beyond the 1 km half-width of the city.
    assert m["warnings"] == ["bus.csv, row 2, column 'geometry': 高崎方面 lies 49.0 km outside "
                             "the city; dropped"]
    b = bundle.load("tiny", data_dir=tmp_path)
    stops = b.facilities[b.facilities["kind"] == "bus_stop"]
    # 500 m outside is within the 1 km tolerance and kept (people cross the boundary to it).
    assert stops["name"].tolist() == ["中央", "境界すぐ外"]
    assert stops["source_row"].tolist() == [1, 3]
    assert m["sources"][2]["rows"] == 3
    with pytest.raises(InputError, match=r"高崎方面 lies 49\.0 km outside"):
        build("tiny", data_dir=tmp_path, out_dir=tmp_path / "strict", strict=True)


def test_swapped_facility_coordinates_are_an_error_saying_swapped(tmp_path):
    lon, lat = _lonlat(100, 100)
    rows = [("中央", *_lonlat(0, 0), "45"), ("逆", lat, lon, "5")]
    make_tiny_city(tmp_path, bus_rows=rows)
    with pytest.raises(InputError) as exc:
        build("tiny", data_dir=tmp_path)
    msg = str(exc.value)
    assert msg.startswith("bus.csv, row 2, column '経度/緯度': latitude and longitude look swapped")
    assert "put longitude (経度) first" in msg


def test_cp932_facility_csv_keeps_its_names_in_the_bundle(tmp_path):
    rows = [("前橋駅（５番のりば）", *_lonlat(0, 0), "37"),
            ("県庁前", *_lonlat(200, 0), "１，０２０")]
    raw = make_tiny_city(tmp_path, bus_rows=rows)
    text = (raw / "bus.csv").read_text(encoding="utf-8")
    (raw / "bus.csv").write_bytes(text.replace(",１，０２０", ',"１，０２０"').encode("cp932"))
    build("tiny", data_dir=tmp_path)
    b = bundle.load("tiny", data_dir=tmp_path)
    stops = b.facilities[b.facilities["kind"] == "bus_stop"]
    assert stops["name"].tolist() == ["前橋駅（５番のりば）", "県庁前"]
    assert stops["departures"].tolist() == [37, 1020]


def test_recipe_problems_are_named(tmp_path):
    raw = make_tiny_city(tmp_path)
    recipe = raw / "city.toml"
    text = recipe.read_text(encoding="utf-8")
    recipe.write_text(text.replace('kind = "shelter"', 'kind = "castle"'), encoding="utf-8")
    with pytest.raises(InputError, match=r"city\.toml: unknown facility kind 'castle'"):
        build("tiny", data_dir=tmp_path)
    recipe.write_text(text.replace('name_en = "Tiny"\n', ""), encoding="utf-8")
    with pytest.raises(InputError, match=r"city\.toml: recipe lacks name_en"):
        build("tiny", data_dir=tmp_path)
    recipe.write_text(text + "\n[broken\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"city\.toml: not valid TOML"):
        build("tiny", data_dir=tmp_path)


def test_a_missing_input_file_is_an_input_error_naming_it(tmp_path):
    make_tiny_city(tmp_path, write_bus=False)
    with pytest.raises(InputError, match=r"bus\.csv: file not found"):
        build("tiny", data_dir=tmp_path)


def test_households_without_a_source_column_are_not_reported_as_zero(tmp_path):
    make_tiny_city(tmp_path)
    m = _manifest(build("tiny", data_dir=tmp_path))
    assert m["counts"]["households"] is None
