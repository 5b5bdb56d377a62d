"""``diorama build-city``: Porto Alegre end to end from raw OSM/GTFS/H3 files, Maebashi rebuilt."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from util import REPO_DATA

from geo import cli, grid
from geo.access import distance_table, facilities_by_kind
from geo.access.kpi import city_coverage
from geo.build import citybuild
from geo.ingest import bundle

# a copy of ../shared/data/porto_alegre ships with the tests (tests/data/porto_alegre/README.md)
POA = Path(__file__).resolve().parent / "data" / "porto_alegre"
MAEBASHI_RAW = REPO_DATA / "raw" / "maebashi"
HEXGRID_ATTRIBUTION = "r5r sample data (MIT); population: IBGE census"

needs_poa = pytest.mark.skipif(not POA.exists(), reason="tests/data/porto_alegre is missing")


@pytest.fixture(scope="module")
def poa(tmp_path_factory):
    """Porto Alegre built once from its raw files with the command line."""
    data = tmp_path_factory.mktemp("poa")
    hexgrid = POA / "poa_hexgrid.csv"
    args = [
        "build-city", "porto_alegre", "--data-dir", str(data), "--quiet",
        "--name-en", "Porto Alegre", "--name-ja", "ポルトアレグレ",
        "--population", str(hexgrid),
        "--network", str(POA / "poa_osm.pbf"),
        "--facilities", str(POA / "poa_eptc.zip"),
        "--facilities", f"{hexgrid}:kind=school,count=schools",
        "--facilities", f"{hexgrid}:kind=medical,count=healthcare",
        "--facilities", f"{POA / 'poa_osm.pbf'}:kinds=station+park",
        "--attribution", f"poa_hexgrid.csv={HEXGRID_ATTRIBUTION}",
        "--licence", "poa_hexgrid.csv=MIT",
        "--licence", "poa_eptc.zip=as shipped with the r5r R package",
    ]
    assert cli.main(args) == 0
    return data


@needs_poa
def test_porto_alegre_bundle_has_the_hexgrid_population_and_facilities(poa):
    hexgrid = pd.read_csv(POA / "poa_hexgrid.csv")
    b = bundle.load("porto_alegre", data_dir=poa)
    assert "porto_alegre" in bundle.list_cities(data_dir=poa)  # the city picker lists it
    assert b.crs.to_epsg() == 32722  # UTM 22S, not a Japanese zone and not Web Mercator
    assert b.manifest["counts"]["population"] == int(hexgrid["population"].sum()) == 812_935
    assert b.population.sum() == pytest.approx(812_935)  # res 9 → res 10 conserves people
    assert set(grid.resolution_of(b.cells).tolist()) == {10}
    assert len(b.cells) == 7 * len(hexgrid)  # each res-9 cell has 7 children
    counts = b.manifest["counts"]["facilities"]
    assert counts["school"] == int(hexgrid["schools"].sum()) == 194
    assert counts["medical"] == int(hexgrid["healthcare"].sum()) == 141
    # GTFS stops beyond the hexgrid's extent are dropped and reported, not silently lost
    dropped = [d for d in b.manifest["dropped"] if d["file"] == "poa_eptc.zip"]
    assert counts["bus_stop"] + len(dropped) == 3986
    assert all(d["reason"] == "outside the city" for d in dropped)
    assert b.network is not None and b.network.n_nodes > 30_000
    # pyrosm's walking ways of this extract include footways: no drive-network warning
    assert not any("drive network" in w for w in b.manifest["warnings"])


@needs_poa
def test_porto_alegre_attribution_reaches_the_manifest_and_the_report(poa):
    m = json.loads((poa / "porto_alegre" / "manifest.json").read_text(encoding="utf-8"))
    attr = {s["file"]: s["attribution"] for s in m["sources"]}
    assert attr["poa_osm.pbf"] == "© OpenStreetMap contributors"
    assert attr["poa_hexgrid.csv"] == HEXGRID_ATTRIBUTION
    assert "Empresa Publica de Transportes" in attr["poa_eptc.zip"]  # read from agency.txt
    report = json.loads((poa / "porto_alegre" / "report.json").read_text(encoding="utf-8"))
    assert report["counts"] == m["counts"]
    assert {layer["file"] for layer in report["layers"]} == set(attr)
    rows = {(layer["file"], layer["what"]): layer["rows"] for layer in report["layers"]}
    assert rows[("poa_hexgrid.csv", "population (h3)")] == 1227
    assert rows[("poa_eptc.zip", "facilities (gtfs)")] == 3986
    # the recipe is kept, so `diorama build porto_alegre` rebuilds it
    assert (poa / "raw" / "porto_alegre" / "city.toml").exists()


@needs_poa
def test_porto_alegre_network_coverage_of_schools_and_healthcare(poa):
    b = bundle.load("porto_alegre", data_dir=poa)
    net = city_coverage(b, mode="network")
    line = city_coverage(b, mode="line")
    for kind in ("school", "medical"):
        row = net.summary.loc[kind]
        assert row["status"] == "ok"
        assert 0 < row["rate"] < 1
        # walking along streets never beats the straight line
        assert row["rate"] <= line.summary.loc[kind, "rate"] + 1e-9
        d_net = net.distances[kind].to_numpy()
        d_line = line.distances[kind].to_numpy()
        finite = np.isfinite(d_net)
        assert (d_net[finite] >= d_line[finite] - 1e-6).all()
    assert net.summary.loc["school", "rate"] == pytest.approx(0.847, abs=0.005)
    assert net.summary.loc["medical", "rate"] == pytest.approx(0.633, abs=0.005)
    # A known cell: the centre child of the hexgrid cell holding a school. The school sits at
    # the parent's centre, which is this child's centre, so the walk is only the two snaps.
    hexgrid = pd.read_csv(POA / "poa_hexgrid.csv")
    with_school = hexgrid.loc[hexgrid["schools"] > 0, "id"].iloc[0]
    parent = grid.to_cells([with_school])
    centre_child = b.cells[np.isin(grid.parents(b.cells, 9), parent)]
    lon, lat = grid.centroids(parent)
    clon, clat = grid.centroids(centre_child)
    i = int(np.argmin(np.hypot(clon - lon[0], clat - lat[0])))
    assert line.distances.loc[centre_child[i], "school"] < 1.0
    snap_d = b.network.tree().query(
        np.column_stack(_xy(b, [lon[0]], [lat[0]])))[0][0]
    assert net.distances.loc[centre_child[i], "school"] == pytest.approx(2 * snap_d, abs=1.0)


def _xy(b, lon, lat):
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", b.crs, always_xy=True).transform(lon, lat)


MAEBASHI_ARGS = [
    "--prefecture", "10", "--city-code", "10201", "--name-ja", "前橋市",
    "--name-en", "Maebashi",
    "--boundary", str(MAEBASHI_RAW / "maebashi_boundary_osm.geojson"),
    "--population", str(MAEBASHI_RAW / "maebashi_chocho_population_2025.geojson"),
    "--as-of", "2025-06-30",
    "--facilities",
    f"{MAEBASHI_RAW / 'maebashi_bus_stops_gtfsjp_2019.geojson'}:kind=bus_stop,"
    "departures=departures_listed",
    "--facilities", f"{MAEBASHI_RAW / 'maebashi_shelters.geojson'}:kind=shelter,classify",
    "--flows", str(MAEBASHI_RAW / "jinryu_mdp_mesh1km_10201_2019-2021.csv"),
    "--flows", str(MAEBASHI_RAW / "jinryu_fromto_city_10201_2019-2021.csv"),
]


def test_maebashi_rebuilt_from_raw_files_matches_the_shipped_bundle(tmp_path, capsys):
    assert cli.main(["build-city", "maebashi", "--data-dir", str(tmp_path), "--quiet",
                     *MAEBASHI_ARGS]) == 0
    out = capsys.readouterr().out
    assert "counts:" in out and "no population figure" in out
    # the flows say what was read (before: "people flows, None rows")
    assert "None rows" not in out
    assert "jinryu_mdp_mesh1km_10201_2019-2021.csv: people flows (stay per 1 km mesh), " \
        "81,661 rows" in out
    assert "stand-in" not in out  # real town populations were given
    new = bundle.load("maebashi", data_dir=tmp_path)
    old = bundle.load("maebashi", data_dir=REPO_DATA)
    assert new.manifest["counts"] == old.manifest["counts"]
    assert new.manifest["counts"]["population"] == 321_390
    assert new.crs == old.crs
    assert new.population.sum() == pytest.approx(old.population.sum())
    for mode in ("line",):
        a = city_coverage(new, mode=mode).summary
        b = city_coverage(old, mode=mode).summary
        pd.testing.assert_frame_equal(a, b)
    assert (tmp_path / "maebashi" / "flows.parquet").exists()
    # the same facilities kind by kind
    fa = facilities_by_kind(new.facilities)
    fb = facilities_by_kind(old.facilities)
    assert {k: len(v) for k, v in fa.items()} == {k: len(v) for k, v in fb.items()}
    d = distance_table(new.cells[:50], fa, metric_crs=new.crs)
    assert d.shape[0] == 50


def test_a_second_build_of_the_same_name_needs_force(tmp_path, capsys):
    args = ["build-city", "maebashi", "--data-dir", str(tmp_path), "--quiet", *MAEBASHI_ARGS]
    assert cli.main(args) == 0
    capsys.readouterr()
    assert cli.main(args) == 2
    assert "already exists" in capsys.readouterr().err
    assert cli.main([*args, "--force"]) == 0


def test_unsafe_city_names_are_refused(tmp_path):
    for bad in ("../evil", "a/b", "", "Maebashi", "x", "..", "名前"):
        with pytest.raises(citybuild.InputError, match="not a valid city id"):
            citybuild.check_city_id(bad)
    assert not any(tmp_path.iterdir())


# ------------------------------------------------------------------------------------------
# A city with only MLIT people-flow files; municipality codes; hints; the report
# ------------------------------------------------------------------------------------------

STAY = MAEBASHI_RAW / "jinryu_mdp_mesh1km_10201_2019-2021.csv"
ORIGIN = MAEBASHI_RAW / "jinryu_fromto_city_10201_2019-2021.csv"
ATTRIBUTE = MAEBASHI_RAW / "jinryu_attribute_mesh1km_10201.csv"


def test_a_city_with_only_flow_files_is_built_on_a_labelled_stand_in(tmp_path, capsys):
    # before: "inputs: give a population file or a walking network"
    assert cli.main(["build-city", "maebashi_flows", "--data-dir", str(tmp_path), "--quiet",
                     "--city-code", "102016",  # with its check digit
                     "--flows", str(STAY), "--flows", str(ORIGIN),
                     "--flows", str(ATTRIBUTE)]) == 0
    out = capsys.readouterr().out
    assert "None" not in out
    assert f"{STAY.name}: people flows (stay per 1 km mesh), 81,661 rows" in out
    assert f"{ORIGIN.name}: people flows (stay by origin), 1,296 rows" in out
    assert f"{ATTRIBUTE.name}: people flows (not a stay or by-origin file), not read" in out
    assert "population stand-in (not residents)" in out
    assert "人口の代用(住民数ではありません)" in out
    b = bundle.load("maebashi_flows", data_dir=tmp_path)
    m = b.manifest
    assert m["city"]["city_code"] == "10201" and m["city"]["prefecture"] == 10  # from the code
    assert b.crs.to_epsg() == 6677
    assert m["population_format"] == "flows"
    assert m["population_stand_in"]["residents"] is False
    assert m["population_stand_in"]["timezone"] == "night"
    assert "not the number of residents" in m["assumptions"]["en"]
    assert "住民の数ではありません" in m["assumptions"]["ja"]
    assert m["city"]["boundary"] == "people-flow 1 km meshes (not the city boundary)"
    # by hand from the raw file: each mesh's late-night all-days stays over the 36 months ÷ 36
    raw = pd.read_csv(STAY, dtype={"mesh1kmid": str})
    night = raw[(raw["dayflag"] == 2) & (raw["timezone"] == 1)]
    per_mesh = night.groupby("mesh1kmid")["population"].sum() / 36
    expected = sum(round(v) for v in per_mesh.reindex(raw["mesh1kmid"].unique(), fill_value=0))
    assert m["counts"]["population"] == expected
    assert b.population.sum() == pytest.approx(expected)  # every mesh lies inside its extent
    assert m["counts"]["towns"] == raw["mesh1kmid"].nunique() == 293
    assert m["flows"] == {"city_code": "10201", "files": 2, "stay_rows": 81_661,
                          "origin_rows": 1_296, "meshes": 293, "months": "2019-01..2021-12"}
    assert (tmp_path / "maebashi_flows" / "flows.parquet").exists()
    line = city_coverage(b, mode="line")  # the pages' figures can be computed
    assert line.summary["status"].eq("no_data").all()  # no facilities given


def _aomori_stay(path: Path, population: int = 100) -> Path:
    """MLIT's file for 青森市 as it comes: citycode 2201, prefcode 2 (no leading zeros)."""
    rows = [f"{mesh},2,2201,2019,1,{d},{tz},{population + 10 * d + tz}"
            for mesh in ("61401551", "61401552") for d in range(3) for tz in range(3)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("mesh1kmid,prefcode,citycode,year,month,dayflag,timezone,population\n"
                    + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_the_official_code_02201_builds_from_a_file_holding_2201(tmp_path):
    stay = _aomori_stay(tmp_path / "src" / "monthly_mdp_mesh1km_02.csv")
    report = citybuild.build_city("aomori", flows=[stay], city_code="02201",
                                  data_dir=tmp_path / "data")
    assert report.flows["city_code"] == "02201"
    m = bundle.load("aomori", data_dir=tmp_path / "data").manifest
    assert m["city"]["city_code"] == "02201" and m["city"]["prefecture"] == 2
    # late night, all days: 100 + 20 + 1 in each of the two meshes
    assert m["counts"]["population"] == 2 * 121


def test_a_boundary_clips_the_stand_in(tmp_path):
    import geopandas as gpd

    from geo.grid import mesh

    stay = _aomori_stay(tmp_path / "src" / "monthly_mdp_mesh1km_02.csv")
    boundary = tmp_path / "src" / "boundary.geojson"
    gpd.GeoDataFrame({"name": ["west"]}, geometry=[mesh.polygons(["61401551"]).iloc[0]],
                     crs="EPSG:4326").to_file(boundary, driver="GeoJSON")
    report = citybuild.build_city("aomori", boundary=boundary, flows=[stay],
                                  city_code="2201", data_dir=tmp_path / "data")
    b = bundle.load("aomori", data_dir=tmp_path / "data")
    assert b.population.sum() == pytest.approx(121)  # the western mesh only
    assert any("61401552 has no area inside the city boundary" in w for w in report.warnings)
    assert "clipped to the city boundary" in report.stand_in["en"]
    assert "市の境界で切り取って" in report.stand_in["ja"]
    assert b.manifest["city"]["boundary"] == "city boundary"


def test_bad_or_contradicting_city_codes_name_the_option(tmp_path, capsys):
    stay = _aomori_stay(tmp_path / "src" / "monthly_mdp_mesh1km_02.csv")
    args = ["build-city", "aomori", "--data-dir", str(tmp_path / "data"), "--quiet",
            "--flows", str(stay)]
    assert cli.main([*args, "--city-code", "022013"]) == 2
    err = capsys.readouterr().err
    assert "--city-code: '022013' is not a municipality code: its check digit is 3" in err
    assert "検査数字が3" in err
    assert cli.main([*args, "--city-code", "02201", "--prefecture", "10"]) == 2
    err = capsys.readouterr().err
    assert "--city-code 02201 is a municipality of prefecture 2, but --prefecture is 10" in err
    assert not (tmp_path / "data" / "aomori").exists()


def test_monthly_files_of_one_name_in_month_folders_are_all_kept(tmp_path):
    jan = _aomori_stay(tmp_path / "src" / "2019" / "01" / "monthly_mdp_mesh1km_02.csv")
    feb = _aomori_stay(tmp_path / "src" / "2019" / "02" / "monthly_mdp_mesh1km_02.csv")
    feb.write_text(feb.read_text(encoding="utf-8").replace(",2019,1,", ",2019,2,"),
                   encoding="utf-8")
    report = citybuild.build_city("aomori", flows=[jan, feb], city_code="2201",
                                  data_dir=tmp_path / "data")
    assert [layer["file"] for layer in report.layers] == [
        "01/monthly_mdp_mesh1km_02.csv", "02/monthly_mdp_mesh1km_02.csv"]
    assert report.flows["months"] == "2019-01..2019-02"
    assert report.flows["stay_rows"] == 36


def test_diorama_build_rebuilds_flows_from_changed_raw_files(tmp_path, monkeypatch, capsys):
    from geo.context import flows

    stay = _aomori_stay(tmp_path / "src" / "monthly_mdp_mesh1km_02.csv")
    citybuild.build_city("aomori", flows=[stay], city_code="02201", data_dir=tmp_path)
    raw = tmp_path / "raw" / "aomori" / stay.name
    _aomori_stay(raw, population=500)  # the city replaces the raw file with a corrected one
    monkeypatch.setenv("DIORAMA_BUNDLE_DIR", str(tmp_path))
    assert cli.main(["build", "aomori"]) == 0
    assert "people flows of city 02201: 18 stay rows" in capsys.readouterr().out
    fl = flows.load(tmp_path / "aomori")
    assert fl is not None
    assert fl.stay["population"].min() == 500  # before: still 100, the stale table
    assert fl.meta["sources"][0]["sha256"] == hashlib.sha256(raw.read_bytes()).hexdigest()


def test_hints_name_the_command_line_options(tmp_path, capsys):
    args = ["build-city", "tiny", "--data-dir", str(tmp_path), "--quiet"]
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert "--population" in err and "--network" in err and "--flows" in err
    graph = tmp_path / "walk.graphml"
    graph.write_text("<graphml/>", encoding="utf-8")
    assert cli.main([*args, "--network", str(graph)]) == 2
    err = capsys.readouterr().err
    assert "give a boundary (--boundary) or the prefecture code (--prefecture)" in err
    assert "[boundary]" not in err and "prefecture =" not in err
