"""People-flow import and figures: real Maebashi files, another city's file, bad inputs."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from util import REPO_DATA

from geo import grid
from geo.context import flows
from geo.errors import InputError
from geo.grid import mesh

RAW = REPO_DATA / "raw" / "maebashi"
STAY_CSV = RAW / "jinryu_mdp_mesh1km_10201_2019-2021.csv"
ORIGIN_CSV = RAW / "jinryu_fromto_city_10201_2019-2021.csv"
CENTRE = "54394065"  # the mesh holding Maebashi city hall and the central shopping streets


@pytest.fixture(scope="module")
def fl() -> flows.Flows:
    loaded = flows.load(REPO_DATA / "maebashi")
    assert loaded is not None
    return loaded


@pytest.fixture(scope="module")
def w(fl) -> pd.DataFrame:
    return flows.weights(fl)


def test_shipped_table_matches_the_raw_files(fl, tmp_path):
    # flows.parquet is exactly what build_flows makes from the shipped raw files
    rebuilt = flows.load(flows.build_flows(RAW, tmp_path).parent)
    assert rebuilt is not None
    pd.testing.assert_frame_equal(rebuilt.stay, fl.stay)
    pd.testing.assert_frame_equal(rebuilt.origins, fl.origins)
    shas = {s["file"]: s["sha256"] for s in fl.meta["sources"]}
    for f in (STAY_CSV, ORIGIN_CSV):
        assert shas[f.name] == hashlib.sha256(f.read_bytes()).hexdigest()
    assert fl.meta["attribution"] == "出典：「全国の人流オープンデータ」（国土交通省）"


def test_real_file_shape(fl):
    raw = pd.read_csv(STAY_CSV)
    assert len(fl.stay) == len(raw) == 81_661
    assert len(fl.meshes) == 293
    assert fl.months[0] == "2019-01" and fl.months[-1] == "2021-12" and len(fl.months) == 36
    assert fl.stay["population"].min() >= flows.PUBLISHED_MIN
    assert fl.crs.to_epsg() == 6677  # Gunma → JGD2011 zone IX, from the prefcode column


def test_mesh_to_h3_conserves_the_total_of_every_month(fl, w):
    # every month × day kind × time band: 36 × 3 × 3 = 324 maps
    groups = fl.stay.groupby(["year", "month", "dayflag", "timezone"])
    assert groups.ngroups == 324
    for (year, month, day, tz), rows in groups:
        expected = float(rows["population"].sum())
        key = flows.month_key(year, month)
        values = flows.stay_by_mesh(fl, month=key, dayflag=day, timezone=tz)
        assert values.sum() == expected
        # the page's own function on every month: all days / all day at res 9, weekday
        # daytime rolled up to res 7
        res = {(flows.ALL_DAYS, flows.ALL_DAY): 9, (flows.WEEKDAY, flows.DAYTIME): 7}.get(
            (day, tz))
        if res is not None:
            assert flows.to_cells(values, w, resolution=res).sum() == pytest.approx(
                expected, rel=1e-12)
    # and all 324 at once with the same weights: Σ_cells Σ_meshes value × weight = Σ value
    joined = fl.stay.merge(w, left_on="mesh", right_on="zone")
    joined["value"] = joined["population"] * joined["weight"]
    keys = ["year", "month", "dayflag", "timezone"]
    on_cells = joined.groupby(keys)["value"].sum()
    np.testing.assert_allclose(on_cells, groups["population"].sum().loc[on_cells.index],
                               rtol=1e-12)
    assert len(on_cells) == 324


def _inner_cells(w: pd.DataFrame, code: str) -> list[np.uint64]:
    """Cells that draw from ``code`` only (wholly inside that mesh)."""
    mine = w[w["zone"] == code]
    others = set(w[w["zone"] != code]["cell"])
    return [c for c in mine["cell"] if c not in others]


def _raw_value(year, month, day, tz, code=CENTRE) -> int:
    raw = pd.read_csv(STAY_CSV, dtype={"mesh1kmid": str})
    row = raw[(raw["mesh1kmid"] == code) & (raw["year"] == year) & (raw["month"] == month)
              & (raw["dayflag"] == day) & (raw["timezone"] == tz)]
    return int(row["population"].iloc[0])


def test_change_and_day_night_ratio_by_hand(fl, w):
    frame = flows.cell_frame(fl, w, month="2020-05", dayflag=flows.WEEKDAY,
                             timezone=flows.DAYTIME, resolution=9)
    now, then = _raw_value(2020, 5, 1, 0), _raw_value(2019, 5, 1, 0)
    night = _raw_value(2020, 5, 1, 1)
    cell = _inner_cells(w, CENTRE)[0]
    row = frame.loc[cell]
    assert row["change_pct"] == pytest.approx(100 * (now - then) / then)
    assert row["day_night_pct"] == pytest.approx(100 * now / night)
    share = float(w[(w["zone"] == CENTRE) & (w["cell"] == cell)]["weight"].iloc[0])
    assert row["stay"] == pytest.approx(now * share)
    # the centre emptied in the first pandemic spring: May 2020 below May 2019
    assert now < then


def test_city_series_and_origins_by_hand(fl):
    raw = pd.read_csv(STAY_CSV)
    sel = raw[(raw["year"] == 2020) & (raw["month"] == 4) & (raw["dayflag"] == 2)
              & (raw["timezone"] == 2)]
    assert flows.city_series(fl, dayflag=2, timezone=2)["2020-04"] == sel["population"].sum()
    o = flows.origin_table(fl, dayflag=flows.HOLIDAY, timezone=flows.DAYTIME)
    # the first four rows of the by-origin file: 2019-01, holiday, daytime
    assert o.loc["2019-01"].tolist() == [249_501, 68_943, 19_286, 6_410]
    assert list(o.columns) == ["same_city", "same_prefecture", "same_region", "elsewhere"]


def test_area_series_of_a_mesh_and_half_a_mesh(fl):
    c = mesh.corners([CENTRE]).iloc[0]
    whole = flows.area_series(fl, flows.area_shares(fl, mesh.polygons([CENTRE]).iloc[0]),
                              dayflag=flows.WEEKDAY)
    assert whole.loc["2020-05", "stay"] == pytest.approx(_raw_value(2020, 5, 1, 0))
    west_half = shapely.box(c["west"], c["south"], (c["west"] + c["east"]) / 2, c["north"])
    half = flows.area_series(fl, flows.area_shares(fl, west_half), dayflag=flows.WEEKDAY)
    np.testing.assert_allclose(half["stay"], whole["stay"] / 2, rtol=1e-4)
    assert half.loc["2019-05", "change_pct"] == 0.0
    assert flows.centre_mesh(fl) == CENTRE


# ------------------------------------------------------------------------------------------
# Another city's file, unchanged; bad inputs
# ------------------------------------------------------------------------------------------

UBE_MESHES = ["51312131", "51312132"]  # 宇部市 (Yamaguchi, 35202) around 33.95°N, 131.25°E


def _ube_rows(months=((2019, 1), (2020, 1))) -> list[list[str]]:
    """Rows of a stay file for Ube: population = 1000 × (dayflag + 1) + 10 × timezone
    (+ 5 in the second mesh, + the year's last digit), written with a thousands separator."""
    rows = []
    for code in UBE_MESHES:
        for y, m in months:
            for day in range(3):
                for tz in range(3):
                    pop = 1000 * (day + 1) + 10 * tz + (5 if code.endswith("2") else 0) + y % 10
                    rows.append([code, "35", "35202", str(y), f"{m:02d}", str(day), str(tz),
                                 f"{pop:,}"])
    return rows


def _write(path: Path, header: str, rows: list[list[str]], *, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows, columns=header.split(",")).to_csv(path, index=False, encoding=encoding,
                                                         lineterminator="\r\n")
    return path


STAY_HEADER = "mesh1kmid,prefcode,citycode,year,month,dayflag,timezone,population"
ORIGIN_HEADER = "year,month,dayflag,timezone,prefcode,citycode,from_area,population"


def test_another_citys_file_is_read_unchanged(tmp_path):
    # MLIT's own monthly file name in a month folder, CP932, zero-padded months, "1,000"
    _write(tmp_path / "raw" / "01" / "monthly_mdp_mesh1km_35.csv", STAY_HEADER, _ube_rows(),
           encoding="cp932")
    _write(tmp_path / "raw" / "monthly_fromto_city_35.csv", ORIGIN_HEADER,
           [["2019", "01", "2", "2", "35", "35202", str(a), str(1000 - 100 * a)]
            for a in range(4)])
    out = flows.build_flows(tmp_path / "raw", tmp_path / "ube")
    fl = flows.load(out.parent)
    assert fl is not None
    assert fl.months == ["2019-01", "2020-01"]
    assert fl.meshes == UBE_MESHES
    assert fl.crs.to_epsg() == 6671  # Yamaguchi → zone III
    assert fl.meta["city_code"] == "35202"
    v = flows.stay_by_mesh(fl, month="2020-01", dayflag=2, timezone=1)
    assert v.to_dict() == {"51312131": 3010.0, "51312132": 3015.0}
    w = flows.weights(fl)
    assert flows.to_cells(v, w, resolution=8).sum() == pytest.approx(6025.0)
    assert flows.origin_table(fl, dayflag=2, timezone=2).loc["2019-01"].tolist() == [
        1000, 900, 800, 700]


def test_a_prefecture_file_needs_a_city_code(tmp_path):
    other = [[r[0][:-1] + str(int(r[0][-1]) + 3), r[1], "35203", *r[3:]] for r in _ube_rows()]
    _write(tmp_path / "raw" / "jinryu_mdp_mesh1km_35.csv", STAY_HEADER, _ube_rows() + other)
    with pytest.raises(InputError, match=r"choose one with its city code \(--city-code"):
        flows.build_flows(tmp_path / "raw", tmp_path / "out")
    fl = flows.load(flows.build_flows(tmp_path / "raw", tmp_path / "out",
                                      city_code="35202").parent)
    assert fl is not None and fl.meshes == UBE_MESHES


def test_bad_values_are_located(tmp_path):
    rows = _ube_rows()
    rows[1][7] = "abc"
    rows[4][4] = "13"
    path = _write(tmp_path / "bad.csv", STAY_HEADER, rows)
    with pytest.raises(InputError) as exc:
        flows.read_stay(path)
    msgs = [str(p) for p in exc.value.problems]
    assert any("bad.csv, row 2, column 'population'" in m and "'abc'" in m for m in msgs)
    assert any("bad.csv, row 5, column 'month'" in m and "between 1 and 12" in m for m in msgs)


def test_invalid_mesh_missing_column_and_duplicates(tmp_path):
    rows = _ube_rows()
    rows[3][0] = "5131213"
    with pytest.raises(InputError, match=r"row 4, column 'mesh1kmid'.*digits"):
        flows.read_stay(_write(tmp_path / "a.csv", STAY_HEADER, rows))
    with pytest.raises(InputError, match="column 'population' is missing"):
        flows.read_stay(_write(tmp_path / "b.csv", STAY_HEADER.replace("population", "pop"),
                               _ube_rows()))
    dup = _ube_rows()
    with pytest.raises(InputError, match=r"row 37.*as row 1 appears again"):
        flows.read_stay(_write(tmp_path / "c.csv", STAY_HEADER, [*dup, dup[0]]))


def test_unpublished_marks_are_dropped(tmp_path):
    rows = _ube_rows()
    rows[0][7] = "-"
    df = flows.read_stay(_write(tmp_path / "d.csv", STAY_HEADER, rows))
    assert len(df) == len(rows) - 1
    assert df["population"].iloc[0] == 1019  # 2019, holiday, late night: "1,019"


def test_no_flows_file_means_none(tmp_path):
    assert flows.load(tmp_path) is None
    assert flows.load(REPO_DATA / "ube") is None
    with pytest.raises(InputError, match="no people-flow file"):
        flows.build_flows(tmp_path, tmp_path / "out")


def test_cells_are_h3_res9_and_months_parse():
    assert flows.parse_month("2021-03") == (2021, 3)
    with pytest.raises(ValueError):
        flows.parse_month("2021-13")
    assert grid.BASE_RESOLUTION > flows.FLOW_RESOLUTION


# ------------------------------------------------------------------------------------------
# Municipality codes as files write them (MLIT drops the leading zero)
# ------------------------------------------------------------------------------------------

AOMORI_MESHES = ["61401551", "61401552"]  # 青森市 (02201) around 40.8°N, 140.7°E


def _aomori_rows(citycode: str = "2201", year: int = 2019) -> list[list[str]]:
    """A stay file as MLIT writes it for 青森市: prefcode 2, citycode 2201 (no leading zero).
    Population = 100 × (mesh number) + 10 × dayflag + timezone."""
    return [[code, "2", citycode, str(year), "1", str(day), str(tz),
             str(100 * (i + 1) + 10 * day + tz)]
            for i, code in enumerate(AOMORI_MESHES) for day in range(3) for tz in range(3)]


@pytest.mark.parametrize("given", ["02201", "022012", "2201", "22012"])
def test_the_official_code_finds_the_rows_a_file_writes_without_the_leading_zero(tmp_path,
                                                                                  given):
    _write(tmp_path / "raw" / "monthly_mdp_mesh1km_02.csv", STAY_HEADER, _aomori_rows())
    # another city of the same prefecture in the same file (弘前市 02202 written 2202)
    other = [[r[0][:-2] + "6" + r[0][-1], r[1], "2202", *r[3:]] for r in _aomori_rows()]
    _write(tmp_path / "raw" / "monthly_mdp_mesh1km_02b.csv", STAY_HEADER, other)
    fl = flows.load(flows.build_flows(tmp_path / "raw", tmp_path / "out",
                                      city_code=given).parent)
    assert fl is not None and fl.meshes == AOMORI_MESHES
    assert fl.meta["city_code"] == "02201"  # kept in the official 5-digit form


def test_files_writing_one_city_two_ways_hold_one_city(tmp_path):
    _write(tmp_path / "raw" / "01" / "monthly_mdp_mesh1km_02.csv", STAY_HEADER,
           _aomori_rows("2201", 2019))
    _write(tmp_path / "raw" / "02" / "monthly_mdp_mesh1km_02.csv", STAY_HEADER,
           _aomori_rows("02201", 2020))
    fl = flows.load(flows.build_flows(tmp_path / "raw", tmp_path / "out").parent)
    assert fl is not None and fl.months == ["2019-01", "2020-01"]
    # both files of the same name are listed, each by its place in the raw folder
    assert sorted(s["file"] for s in fl.meta["sources"]) == [
        "01/monthly_mdp_mesh1km_02.csv", "02/monthly_mdp_mesh1km_02.csv"]


def test_a_wrong_check_digit_and_a_bad_citycode_cell_are_named(tmp_path):
    _write(tmp_path / "raw" / "monthly_mdp_mesh1km_02.csv", STAY_HEADER, _aomori_rows())
    with pytest.raises(InputError) as exc:
        flows.build_flows(tmp_path / "raw", tmp_path / "out", city_code="022013")
    assert "check digit" in str(exc.value) and "検査数字" in str(exc.value)
    rows = _aomori_rows()
    rows[4][2] = "青森"
    with pytest.raises(InputError) as exc:
        flows.read_stay(_write(tmp_path / "bad.csv", STAY_HEADER, rows))
    (p,) = exc.value.problems
    assert (p.file, p.row, p.column) == ("bad.csv", 5, "citycode")
    assert "not a municipality code" in p.message and "市区町村コード" in p.message_ja


# ------------------------------------------------------------------------------------------
# City ratios use only meshes published in both terms (as the README says)
# ------------------------------------------------------------------------------------------


def _hand_flows() -> flows.Flows:
    """Three meshes in 2019-01 and 2020-01, weekdays. Daytime / late night in 2020-01:
    A 300 / 100 (both published), B 50 / — (empty at night: an office block),
    C — / 40 (nobody there by day: not published). 2019-01 daytime: A 200, B 100, C —."""
    rows = [("A", 2020, 0, 300), ("A", 2020, 1, 100), ("B", 2020, 0, 50), ("C", 2020, 1, 40),
            ("A", 2019, 0, 200), ("B", 2019, 0, 100), ("A", 2019, 1, 90), ("C", 2019, 1, 45)]
    stay = pd.DataFrame([{"mesh": m, "year": y, "month": 1, "dayflag": flows.WEEKDAY,
                          "timezone": tz, "population": p} for m, y, tz, p in rows])
    return flows.Flows(stay=stay, origins=pd.DataFrame(), meta={})


def test_city_day_night_ratio_uses_meshes_published_in_both_bands():
    fl = _hand_flows()
    # only A is published by day and at night: 300 / 100. Summing every mesh would give
    # (300 + 50) / (100 + 40) = 250 %.
    assert flows.city_day_night_pct(fl, month="2020-01", dayflag=flows.WEEKDAY) == 300.0
    # 2019: A 200 / 90; B has no night figure, C no day figure
    assert flows.city_day_night_pct(fl, month="2019-01", dayflag=flows.WEEKDAY) == \
        pytest.approx(100 * 200 / 90)
    # daytime change against 2019 over A and B (published both years): 350 / 300 − 1
    assert flows.city_change_pct(fl, month="2020-01", dayflag=flows.WEEKDAY,
                                 timezone=flows.DAYTIME) == pytest.approx(100 * 50 / 300)
    # no mesh published in both terms: no ratio rather than a division by a sliver
    assert np.isnan(flows.city_day_night_pct(fl, month="2020-01", dayflag=flows.HOLIDAY))


def test_city_day_night_ratio_on_maebashi_leaves_out_one_band_meshes(fl):
    day = flows.stay_by_mesh(fl, month="2020-10", dayflag=flows.HOLIDAY, timezone=flows.DAYTIME)
    night = flows.stay_by_mesh(fl, month="2020-10", dayflag=flows.HOLIDAY, timezone=flows.NIGHT)
    both = day.index.intersection(night.index)
    assert len(both) < len(day.index.union(night.index))  # some meshes are one-band only
    got = flows.city_day_night_pct(fl, month="2020-10", dayflag=flows.HOLIDAY)
    assert got == pytest.approx(100 * day[both].sum() / night[both].sum())
    assert abs(got - 100 * day.sum() / night.sum()) > 0.5  # the all-mesh figure differs


def test_stand_in_population_is_the_monthly_mean_of_late_night_stays():
    fl = _hand_flows()
    fl.stay["dayflag"] = flows.ALL_DAYS
    # A: (100 + 90) / 2 months; B never published at night: 0; C: (40 + 45) / 2
    assert flows.stand_in_population(fl).to_dict() == {"A": 95.0, "B": 0.0, "C": 42.5}


def test_a_cp932_file_with_a_utf8_bom_is_read_and_a_missing_column_names_the_encoding(
        tmp_path):
    path = tmp_path / "raw" / "monthly_mdp_mesh1km_02.csv"
    _write(path, STAY_HEADER, _aomori_rows(), encoding="cp932")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert len(flows.read_stay(path)) == 18
    # a header in Japanese (人口 for population), saved the same way
    bad = tmp_path / "jp.csv"
    _write(bad, STAY_HEADER.replace("population", "人口"), _aomori_rows(), encoding="cp932")
    bad.write_bytes(b"\xef\xbb\xbf" + bad.read_bytes())
    with pytest.raises(InputError) as exc:
        flows.read_stay(bad)
    (p,) = exc.value.problems
    assert (p.file, p.row, p.column) == ("jp.csv", 0, "population")
    assert p.message == ("column 'population' is missing; columns found: mesh1kmid, prefcode, "
                         "citycode, year, month, dayflag, timezone, 人口 (read as cp932 (after a "
                         "UTF-8 BOM))")
    assert p.message_ja.startswith("列「population」がありません。")
