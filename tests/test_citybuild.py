"""``diorama build-city``: Porto Alegre end to end from raw OSM/GTFS/H3 files, Maebashi rebuilt."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from util import REPO_DATA

from geo import bundle, citybuild, cli, grid
from geo.coverage import distance_table, facilities_by_kind
from geo.kpi import city_coverage

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
