"""The ``diorama`` command line: coverage as JSON and as a table, radii, errors, build."""

from __future__ import annotations

import json

import pytest
from util import REPO_DATA, make_tiny_city

from geo import cli
from geo.kinds import KINDS


@pytest.fixture
def shipped_data(monkeypatch):
    """Point the command at the repository's shipped bundles."""
    monkeypatch.setenv("DIORAMA_BUNDLE_DIR", str(REPO_DATA))


def _coverage_json(capsys, *args):
    assert cli.main(["coverage", "--city", "maebashi", "--json", *args]) == 0
    out = capsys.readouterr().out
    return json.loads(out)


def test_coverage_json_lists_every_kind_with_its_status(shipped_data, capsys):
    p = _coverage_json(capsys)
    assert p["city"] == "maebashi"
    assert p["mode"] == "line"
    assert p["crs"] == "EPSG:6677"
    assert p["population"] == 321390
    assert p["has_population"] is True
    assert p["frequent_departures"] == 30
    assert list(p["kinds"]) == [k.key for k in KINDS]
    assert p["kinds"]["station"]["status"] == "no_data"
    assert p["kinds"]["station"]["rate"] is None  # JSON null, not NaN and not 0
    assert p["kinds"]["station"]["label_ja"] == "鉄道駅"
    bus = p["kinds"]["bus_stop"]
    assert bus["status"] == "ok"
    assert bus["radius_m"] == 300.0
    assert bus["facilities"] == 644
    assert bus["population"] == pytest.approx(321390, abs=1e-3)
    assert 0.25 < bus["rate"] < 0.40
    assert bus["covered"] + bus["uncovered"] == pytest.approx(321390, abs=1e-3)


def test_coverage_json_is_strict_json(shipped_data, capsys):
    cli.main(["coverage", "--city", "maebashi", "--json"])
    out = capsys.readouterr().out

    def no_constants(name):
        raise AssertionError(f"non-standard JSON constant {name}")

    json.loads(out, parse_constant=no_constants)
    assert '"label_ja": "鉄道駅"' in out  # written as UTF-8, not \u-escaped
    assert "NaN" not in out and "Infinity" not in out


def test_a_larger_bus_stop_radius_raises_coverage(shipped_data, capsys):
    base = _coverage_json(capsys)["kinds"]
    wider = _coverage_json(capsys, "--radius", "bus_stop=500")["kinds"]
    assert wider["bus_stop"]["radius_m"] == 500.0
    assert wider["bus_stop"]["rate"] > base["bus_stop"]["rate"]
    assert wider["bus_stop"]["covered"] > base["bus_stop"]["covered"]
    # Other kinds keep their official radius and figures.
    assert wider["shelter"] == base["shelter"]
    assert wider["bus_stop_frequent"]["radius_m"] == 300.0


def test_frequent_departures_threshold_changes_the_frequent_stops(shipped_data, capsys):
    base = _coverage_json(capsys)["kinds"]["bus_stop_frequent"]
    looser = _coverage_json(capsys, "--frequent-departures", "10")["kinds"]["bus_stop_frequent"]
    assert base["facilities"] == 174
    assert looser["facilities"] > base["facilities"]
    assert looser["rate"] >= base["rate"]


@pytest.mark.parametrize(
    ("arg", "message"),
    [
        ("foo=1", "expected KIND=METRES with KIND one of station, bus_stop"),
        ("bus_stop", "expected KIND=METRES"),
        ("bus_stop=abc", "not a number of metres: 'abc'"),
        ("bus_stop=5000", "a radius must be between 0 and 3000 m"),
        ("bus_stop=0", "a radius must be between 0 and 3000 m"),
    ],
)
def test_invalid_radius_exits_non_zero_with_a_message(shipped_data, capsys, arg, message):
    with pytest.raises(SystemExit) as exc:
        cli.main(["coverage", "--radius", arg])
    assert exc.value.code != 0
    err = capsys.readouterr().err
    assert "argument --radius" in err
    assert message in err


def test_unknown_city_is_an_error_with_the_build_hint(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DIORAMA_BUNDLE_DIR", str(tmp_path))
    assert cli.main(["coverage", "--city", "atlantis"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no bundle for 'atlantis'")
    assert "run: diorama build atlantis" in err


def test_network_mode_on_a_city_without_network_is_an_error(shipped_data, capsys):
    assert cli.main(["coverage", "--city", "maebashi", "--mode", "network"]) == 2
    assert "network mode needs a walking network" in capsys.readouterr().err


def test_coverage_table_shows_no_data_and_rates(shipped_data, capsys):
    assert cli.main(["coverage", "--city", "maebashi"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "maebashi (line mode, EPSG:6677)"
    rows = {line.split()[0]: line for line in out[2:]}
    assert set(rows) == {k.key for k in KINDS}
    assert rows["station"].endswith("no data")
    assert rows["bus_stop"].rstrip().endswith("%")
    assert "300m" in rows["bus_stop"]
    assert "321,390" in rows["bus_stop"]


def test_ube_network_coverage_reports_cells_without_population(shipped_data, capsys):
    assert cli.main(["coverage", "--city", "ube", "--mode", "network", "--json"]) == 0
    p = json.loads(capsys.readouterr().out)
    assert p["mode"] == "network"
    assert p["has_population"] is False
    assert p["population"] is None
    shelter = p["kinds"]["shelter"]
    assert shelter["status"] == "no_population"
    assert shelter["rate"] is None
    assert 0 < shelter["cells_covered_share"] < 1
    assert cli.main(["coverage", "--city", "ube", "--mode", "network"]) == 0
    table = capsys.readouterr().out
    assert "of cells" in table


def test_cities_lists_maebashi_first(shipped_data, capsys):
    assert cli.main(["cities"]) == 0
    cities = capsys.readouterr().out.split()
    assert cities[0] == "maebashi"
    assert "ube" in cities


def test_build_prints_counts_and_warnings(tmp_path, monkeypatch, capsys):
    make_tiny_city(tmp_path, populations=("1,200", 800, ""))
    monkeypatch.setenv("DIORAMA_BUNDLE_DIR", str(tmp_path))
    assert cli.main(["build", "tiny"]) == 0
    out = capsys.readouterr().out
    assert f"built tiny → {tmp_path / 'tiny'}" in out
    assert '"population": 2000' in out
    assert "warning: towns.geojson, row 3, column '総人口': town 北町 (T3)" in out
    assert "not classified (1): 市民体育館" in out
    assert (tmp_path / "tiny" / "manifest.json").exists()


def test_build_strict_fails_with_the_located_message(tmp_path, monkeypatch, capsys):
    make_tiny_city(tmp_path, populations=("1,200", 800, ""))
    monkeypatch.setenv("DIORAMA_BUNDLE_DIR", str(tmp_path))
    assert cli.main(["build", "--strict", "tiny"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: build: towns.geojson, row 3, column '総人口'")


def test_comments_purge_export_and_check(tmp_path, capsys):
    from datetime import UTC, datetime, timedelta

    from geo.participation.store import open_store

    store = open_store(str(tmp_path))
    old = datetime.now(UTC) - timedelta(days=400)
    store.post_comment(idempotency_key="k-old", session_id="s1", cell="892e7415873ffff",
                       factor="mobility", kind="concern", text="古い", city="maebashi",
                       consent=True, now=old)
    store.post_comment(idempotency_key="k-new", session_id="s2", cell="892e7415873ffff",
                       factor="mobility", kind="idea", text="新しい", city="maebashi",
                       consent=True)
    store.close()
    db = ["--database", str(tmp_path)]
    assert cli.main(["comments", "purge", "--days", "365", *db]) == 0
    assert "purged 1 comments" in capsys.readouterr().out
    out = tmp_path / "c.geojson"
    assert cli.main(["comments", "export", "--format", "geojson", "-o", str(out), *db]) == 0
    gj = json.loads(out.read_text(encoding="utf-8"))
    assert [f["properties"]["text"] for f in gj["features"]] == ["新しい"]
    assert gj["features"][0]["geometry"]["type"] == "Polygon"
    assert cli.main(["comments", "check", *db]) == 0
    assert "integrity: ok" in capsys.readouterr().out
