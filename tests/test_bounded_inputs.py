"""Bounded inputs (issue 16): zip bombs by ratio and by size, an archive of 10,000 members,
unsafe member names, a file over its kind's upload limit, a 1e6-vertex boundary.

Each hostile input is refused with a message that names the file, the member and the limit
(in Japanese and English) and leaves every stored city as it was; the peak memory of the
process that reads it is measured in a subprocess (its own ``VmHWM`` from ``/proc``) and
must stay under :data:`PEAK_CAP_MB`. The 1e6-vertex boundary is built, by the same
memory-capped build the app and ``diorama build-city`` run, within
:data:`BOUNDARY_BUDGET_MB`.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pytest
import shapely
from util import REPO_DATA

from geo import grid
from geo.build import citybuild
from geo.build.isolated import BuildMemoryError, build_city_bounded
from geo.errors import InputError
from geo.ingest.archive import ArchiveError, ArchiveLimits, BoundedZip, gunzip_bounded
from geo.ingest.formats import gtfs
from geo.ingest.formats.vector import read_vector
from geo.ingest.limits import TooLarge, check_size
from geo.settings import reload

MB = 1024 * 1024
#: Peak resident memory of a process that imports the build and meets a hostile input. The
#: imports alone take about 210 MB; a 256 MiB member read whole would push it past 470 MB.
PEAK_CAP_MB = 400
#: Documented budget of building a city whose boundary has 1,000,000 vertices (it peaks at
#: about 0.7 GB: the boundary's GeoJSON text, its geometry and the H3 cover).
BOUNDARY_BUDGET_MB = 1500

STOPS = "stop_id,stop_name,stop_lat,stop_lon\nS1,駅前,36.39,139.06\n"


def _bomb(path: Path, member: str = "agency.txt", size: int = 256 * MB) -> Path:
    """A GTFS zip whose ``member`` unpacks from a few hundred KB to ``size`` bytes."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("stops.txt", STOPS)
        with z.open(member, "w") as f:
            f.write(b"agency_id,agency_name\n1,")
            block = b"A" * MB
            for _ in range(size // MB):
                f.write(block)
    return path


def _peak(code: str, tmp_path: Path) -> tuple[str, float]:
    """Run ``code`` in a fresh interpreter; its output and its peak RSS (VmHWM) in MB."""
    script = textwrap.dedent(code) + textwrap.dedent("""
        import sys
        hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0]
        print("PEAK", int(hwm.split()[1]) / 1024, file=sys.stderr)
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=str(REPO_DATA.parent), timeout=600, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    peak = float(run.stderr.split("PEAK")[-1].split()[0])
    return run.stdout, peak


# ---- the archive reader ------------------------------------------------------------------


def test_a_zip_bomb_by_ratio_is_refused_before_reading(tmp_path):
    bomb = _bomb(tmp_path / "feed.zip")
    assert bomb.stat().st_size < MB  # 256 MiB behind a few hundred KB, as in the attack
    with pytest.raises(ArchiveError) as exc:
        gtfs.feed_attribution(bomb)
    p = exc.value.problems[0]
    assert (p.file, p.column) == ("feed.zip", "agency.txt")
    assert "over the limit of 200 to 1" in p.message and "zip爆弾" in p.message_ja
    assert "feed.zip 列「agency.txt」" in exc.value.text("ja")


def test_a_zip_bomb_by_size_is_refused(tmp_path, monkeypatch):
    # members that compress like real CSV (about 3:1) but unpack past the archive's limit
    monkeypatch.setenv("DIORAMA_UNPACKED_LIMIT_MB", "8")
    reload()
    rng = np.random.default_rng(0)
    path = tmp_path / "big.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("stops.txt", STOPS)
        for i in range(2):
            z.writestr(f"stop_times_{i}.txt",
                       "\n".join(map(str, rng.integers(0, 10**9, 600_000))).encode())
    with pytest.raises(ArchiveError) as exc:
        gtfs.read_stops(path)
    p = exc.value.problems[0]
    assert p.file == "big.zip" and "over the limit of 8.0 MB per archive" in p.message
    assert "DIORAMA_UNPACKED_LIMIT_MB" in p.message_ja
    # one member alone over the limit names that member
    with pytest.raises(ArchiveError) as one:
        BoundedZip(path, ArchiveLimits(max_total_bytes=4 * MB))
    assert one.value.problems[0].column == "stop_times_0.txt"


def test_a_member_that_unpacks_to_more_than_it_declares_is_stopped(tmp_path):
    path = tmp_path / "liar.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("stops.txt", STOPS + "x" * 3 * MB)
    data = bytearray(path.read_bytes())
    # declare 100 bytes in the local header and in the central directory
    local = data.find(b"PK\x03\x04")
    struct.pack_into("<I", data, local + 22, 100)
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 100)
    path.write_bytes(bytes(data))
    with BoundedZip(path) as z, pytest.raises(ArchiveError) as exc:
        z.read("stops.txt")
    assert exc.value.problems[0].column == "stops.txt"


def test_a_zip_of_ten_thousand_members_is_refused(tmp_path):
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("stops.txt", STOPS)
        for i in range(9_999):
            z.writestr(f"x/{i}.txt", "")
    with pytest.raises(ArchiveError) as exc:
        gtfs.read_stops(path)
    assert "holds 10,000 files, over the limit of 1,000" in str(exc.value)
    assert "10,000 個のファイル" in exc.value.text("ja")


@pytest.mark.parametrize("name", ["../evil.txt", "/etc/passwd", "a/../../b.txt", "C:/x.txt"])
def test_unsafe_member_names_are_refused(tmp_path, name):
    path = tmp_path / "names.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("stops.txt", STOPS)
        z.writestr(zipfile.ZipInfo(name), "x")
    with pytest.raises(ArchiveError, match="unsafe member name"):
        BoundedZip(path)


def test_a_shapefile_zip_bomb_is_refused_before_gdal_sees_it(tmp_path):
    path = _bomb(tmp_path / "towns.zip", member="towns.dbf", size=64 * MB)
    with pytest.raises(ArchiveError) as exc:
        read_vector(path)
    assert exc.value.problems[0].column == "towns.dbf"


def test_a_gzip_bomb_is_stopped_while_unpacking(tmp_path):
    import gzip

    path = tmp_path / "walk.graphml.gz"
    with gzip.open(path, "wb") as f:
        for _ in range(64):
            f.write(b"\0" * MB)
    with pytest.raises(ArchiveError, match="decompression bomb"):
        gunzip_bounded(path, tmp_path / "walk.graphml")


def test_reading_a_bomb_stays_under_the_memory_cap(tmp_path):
    bomb = _bomb(tmp_path / "feed.zip")
    out, peak = _peak(f"""
        from geo.ingest.formats import gtfs
        from geo.errors import InputError
        try:
            gtfs.read_stops({str(bomb)!r})
        except InputError as exc:
            print(exc.problems[0].column)
    """, tmp_path)
    assert out.strip() == "agency.txt"
    assert peak < PEAK_CAP_MB, f"peak RSS {peak:.0f} MB"


# ---- a build given hostile files ---------------------------------------------------------


def _population(folder: Path) -> Path:
    cells = grid.to_strings(grid.cover(shapely.box(139.04, 36.375, 139.08, 36.405), 9))
    path = folder / "pop.csv"
    path.write_text("h3,population\n" + "".join(f"{c},10\n" for c in cells), encoding="utf-8")
    return path


def test_a_build_given_a_gtfs_bomb_is_refused_and_stores_nothing(tmp_path):
    data = tmp_path / "data"
    bomb = _bomb(tmp_path / "feed.zip")
    with pytest.raises(InputError) as exc:
        build_city_bounded("bombed", population=_population(tmp_path), facilities=[str(bomb)],
                           prefecture=10, data_dir=data)
    assert exc.value.problems[0].column == "agency.txt"
    assert not (data / "bombed").exists() and not (data / "raw" / "bombed").exists()
    assert [p.name for p in data.iterdir()] == ["raw"]  # no staging folder left behind


@pytest.mark.parametrize(("kind", "key", "name"), [
    ("boundary", "boundary", "boundary.geojson"), ("population", "population", "pop.csv"),
    ("facilities", "facilities", "parks.csv"), ("gtfs", "facilities", "feed.zip"),
    ("network", "network", "walk.osm.pbf"), ("flows", "flows", "monthly_mdp_mesh1km_1.csv")])
def test_an_input_over_its_kind_limit_is_refused_before_reading(tmp_path, monkeypatch, kind,
                                                                 key, name):
    monkeypatch.setenv("DIORAMA_UPLOAD_LIMITS_MB", f"{kind}=1")
    reload()
    big = tmp_path / name
    if kind == "gtfs":
        with zipfile.ZipFile(big, "w") as z:  # stored, not compressed: 2 MB on disk
            z.writestr("stops.txt", STOPS + " " * 2 * MB)
    else:
        big.write_bytes(b"x" * (2 * MB))
    given = {"facilities": [str(big)]} if key == "facilities" else \
        {"flows": [big]} if key == "flows" else {key: big}
    if key != "population":
        given.setdefault("population", _population(tmp_path))
    with pytest.raises(TooLarge) as exc:
        citybuild.build_city("big", prefecture=10, data_dir=tmp_path / "data", **given)
    p = exc.value.problems[0]
    assert p.file == name
    assert "is 2.0 MB, over the limit of 1 MB" in p.message
    assert f"{kind}=" in p.message and "上限 1 MB" in p.message_ja
    assert not (tmp_path / "data" / "big").exists()


@pytest.mark.parametrize(("kind", "default_mb"), [("survey", 50), ("vacancy", 100),
                                                   ("mapping", 1)])
def test_page_upload_kinds_have_limits_that_fit_real_files(kind, default_mb):
    check_size(default_mb * MB, kind, file="ok.csv")  # a file at the limit is fine
    with pytest.raises(TooLarge, match=r"over the limit of [\d,]+ MB"):
        check_size(190 * MB, kind, file="answers.csv")


def test_a_bad_upload_limit_setting_is_refused(monkeypatch):
    monkeypatch.setenv("DIORAMA_UPLOAD_LIMITS_MB", "gtfs=lots")
    reload()
    from geo.settings import SettingsError, settings

    with pytest.raises(SettingsError, match="DIORAMA_UPLOAD_LIMITS_MB"):
        settings()
    monkeypatch.setenv("DIORAMA_UPLOAD_LIMITS_MB", "movies=5")
    with pytest.raises(SettingsError, match="not an upload kind"):
        settings()


# ---- memory: the capped build ------------------------------------------------------------


def _big_boundary(folder: Path, n: int = 1_000_000) -> Path:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    r = 0.03 * (1 + 0.02 * np.sin(t * 2000))
    ring = np.column_stack([139.06 + r * np.cos(t), 36.39 + 0.8 * r * np.sin(t)]).round(7)
    coords = [*ring.tolist(), ring[0].tolist()]
    path = folder / "boundary.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"name": "big"},
        "geometry": {"type": "Polygon", "coordinates": [coords]}}]}), encoding="utf-8")
    return path


def test_a_million_vertex_boundary_is_built_within_its_memory_budget(tmp_path):
    boundary, pop = _big_boundary(tmp_path), _population(tmp_path)
    out, peak = _peak(f"""
        from pathlib import Path
        from geo.build.citybuild import build_city
        r = build_city("big", boundary=Path({str(boundary)!r}), population=Path({str(pop)!r}),
                       prefecture=10, data_dir=Path({str(tmp_path / "data")!r}))
        print(r.counts["cells_res10"])
    """, tmp_path)
    assert int(out) > 1000
    assert peak < BOUNDARY_BUDGET_MB, f"peak RSS {peak:.0f} MB"


def test_a_build_over_its_memory_cap_is_stopped_with_the_limit_named(tmp_path):
    boundary, pop = _big_boundary(tmp_path), _population(tmp_path)
    data = tmp_path / "data"
    with pytest.raises(BuildMemoryError) as exc:
        build_city_bounded("big", boundary=boundary, population=pop, prefecture=10,
                           data_dir=data, memory_mb=900)
    assert "more than 900 MB of memory (DIORAMA_BUILD_MEMORY_MB)" in exc.value.message_en
    assert "900 MB(DIORAMA_BUILD_MEMORY_MB)" in exc.value.message_ja
    assert not (data / "big").exists()
    # the same build within the default cap succeeds
    report = build_city_bounded("big", boundary=boundary, population=pop, prefecture=10,
                                data_dir=data)
    assert report.counts["cells_res10"] > 1000 and (data / "big" / "manifest.json").exists()


def test_an_oversized_network_at_the_default_limits_is_refused_in_little_memory(tmp_path):
    big = tmp_path / "kanto-latest.osm.pbf"
    with open(big, "wb") as f:  # 700 MB on paper (sparse: no disk is used)
        f.truncate(700 * MB)
    out, peak = _peak(f"""
        from pathlib import Path
        from geo.build.citybuild import build_city
        from geo.ingest.limits import TooLarge
        try:
            build_city("kanto", network=Path({str(big)!r}), prefecture=13,
                       data_dir=Path({str(tmp_path / "data")!r}))
        except TooLarge as exc:
            print(exc.problems[0].message)
    """, tmp_path)
    assert "is 700.0 MB, over the limit of 600 MB for walking networks" in out
    assert peak < PEAK_CAP_MB, f"peak RSS {peak:.0f} MB"


def _survey_upload_app() -> None:
    from types import SimpleNamespace

    import streamlit as st

    from ui.survey_view import within_limit

    def never() -> bytes:
        raise AssertionError("the upload was read")

    up = SimpleNamespace(name="answers.csv", size=190 * 1024 * 1024, getvalue=never)
    st.session_state["accepted"] = within_limit(up, "survey")


@pytest.mark.parametrize(("lang", "said"), [
    ("ja", "answers.csv: ファイルが 190.0 MB あり、調査の回答ファイルの上限 50 MB を超える"),
    ("en", "answers.csv: the file is 190.0 MB, over the limit of 50 MB for survey answer")])
def test_a_190_mb_survey_csv_is_refused_before_it_is_read(lang, said):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_survey_upload_app)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception
    assert at.session_state["accepted"] is False
    assert said in at.error[0].value.replace("\\", "")
