"""Vacancy estimator: hand-checked rules, band, exact calibration, suppression everywhere;
the real importer; the seeded sample generator."""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pandas as pd
import pytest
from util import BASE_X, BASE_Y, REPO_DATA, load_shipped, to_lonlat

from geo.context import vacancy
from geo.errors import InputError
from geo.render import deck, export
from geo.samples import vacancy as samples

DEMO = REPO_DATA / "samples" / "maebashi_buildings_demo.csv"


@pytest.fixture(scope="module")
def maebashi():
    return load_shipped("maebashi")


@pytest.fixture(scope="module")
def city_sample(maebashi) -> pd.DataFrame:
    return samples.sample_buildings(maebashi.towns, crs=maebashi.crs)


def records(rows: list[tuple]) -> pd.DataFrame:
    """Building records from (id, town, x, y, dwellings, water, residents, business) rows,
    x/y in metres around the base point (None: no coordinates)."""
    xs = [BASE_X + (r[2] if r[2] is not None else 0) for r in rows]
    ys = [BASE_Y + (r[3] if r[3] is not None else 0) for r in rows]
    lon, lat = to_lonlat(xs, ys)
    has = np.array([r[2] is not None for r in rows])
    return pd.DataFrame({
        "building_id": [r[0] for r in rows],
        "town_code": pd.array([r[1] for r in rows], dtype="string"),
        "lon": np.where(has, lon, np.nan),
        "lat": np.where(has, lat, np.nan),
        "dwellings": [r[4] for r in rows],
        "water_idle_months": [np.nan if r[5] is None else float(r[5]) for r in rows],
        "residents": pd.array([r[6] for r in rows], dtype="Int64"),
        "business": pd.array([r[7] for r in rows], dtype="boolean"),
    })


# id, town, x, y, dwellings, water months idle, residents, business listed
SMALL = [
    ("A", "T1", 0, 0, 1, 12, None, None),     # water ≥ 12 alone: 3 → likely, 0.70
    ("B", "T1", 0, 0, 1, 24, 0, False),       # 3 + 2 + 1 = 6 → 0.95
    ("C", "T1", 0, 0, 2, 8, 0, None),         # 1 + 2 = 3 → likely, 0.70
    ("D", "T2", 0, 0, 1, 2, 0, False),        # −1 + 2 + 1 = 2 → not likely, 0.25
    ("E", "T2", 0, 0, 4, None, 2, True),      # nothing known against or for: 0 → 0.03
    ("F", "T2", 0, 0, 1, 0, 1, False),        # −1 + 1 = 0 → 0.03
    ("G", "T2", None, None, 1, 12, 3, True),  # water ≥ 12 even with residents and a business
]


def test_rules_by_hand():
    s = vacancy.score(records(SMALL))
    assert s["score"].tolist() == [3, 6, 3, 2, 0, 0, 3]
    assert s["likely"].tolist() == [True, True, True, False, False, False, True]
    assert s["p"].tolist() == [0.70, 0.95, 0.70, 0.25, 0.03, 0.03, 0.70]


def test_town_figures_and_band_by_hand():
    est = vacancy.estimate(records(SMALL))
    towns = vacancy.by_town(est, k=1)
    t1 = towns.loc["T1"]
    # T1: A (1 dwelling, 0.70), B (1, 0.95), C (2, 0.70)
    assert t1["buildings"] == 3 and t1["dwellings"] == 4
    assert t1["likely_vacant"] == 4
    assert t1["estimated"] == pytest.approx(0.70 + 0.95 + 2 * 0.70)  # 3.05
    sd = math.sqrt(0.7 * 0.3 + 0.95 * 0.05 + 4 * 0.7 * 0.3)  # √1.0975
    assert t1["low"] == pytest.approx(3.05 - 1.959963984540054 * sd)
    assert t1["high"] == 4.0  # 3.05 + 2.05 is clipped to the 4 dwellings
    assert t1["rate"] == pytest.approx(3.05 / 4)
    t2 = towns.loc["T2"]
    # T2: D (1, 0.25), E (4, 0.03), F (1, 0.03), G (1, 0.70)
    assert t2["dwellings"] == 7 and t2["likely_vacant"] == 1
    assert t2["estimated"] == pytest.approx(0.25 + 0.12 + 0.03 + 0.70)
    # G has no coordinates: it counts for its town but in no cell
    cells = vacancy.by_cell(est, resolution=9, k=1)
    assert len(cells) == 1 and cells["buildings"].iloc[0] == 6


@pytest.mark.parametrize("target", [0.05, 0.138, 0.5, 0.9])
def test_calibration_hits_the_target_exactly(target):
    est = vacancy.estimate(records(SMALL), target_rate=target)
    d = est["dwellings"].to_numpy(float)
    assert (d * est["p"]).sum() / d.sum() == pytest.approx(target, rel=1e-12, abs=1e-15)
    total = vacancy.city_total(est, k=1)
    assert total["rate"] == pytest.approx(target, rel=1e-12)
    # the order of buildings by probability is kept
    assert (np.argsort(est["p"], kind="stable") == np.argsort(est["p_prior"],
                                                              kind="stable")).all()


def test_calibration_on_the_city_sample(city_sample):
    est = vacancy.estimate(city_sample, target_rate=0.138)
    assert vacancy.city_total(est)["rate"] == pytest.approx(0.138, rel=1e-12)


def test_calibration_refuses_impossible_targets():
    for bad in (0.0, 1.0, -0.1, 1.5):
        with pytest.raises(ValueError):
            vacancy.calibrate([0.5], [1], target_rate=bad)
    with pytest.raises(ValueError):
        vacancy.calibrate([1.0, 0.5], [1, 1], target_rate=0.2)


# ------------------------------------------------------------------------------------------
# Suppression, swept through every output
# ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_est() -> pd.DataFrame:
    b = load_shipped("maebashi")
    return vacancy.estimate(vacancy.assign_towns(vacancy.read_buildings(DEMO), b.towns))


def _check_suppressed(frame: pd.DataFrame, counts: pd.Series, k: int) -> None:
    assert (frame["suppressed"] == (counts.reindex(frame.index) < k)).all()
    sup = frame[frame["suppressed"]]
    assert sup[list(vacancy.FIGURES)].isna().all().all()
    shown = frame[~frame["suppressed"]]
    assert shown[list(vacancy.FIGURES)].notna().all().all()
    assert (shown["buildings"] >= k).all()


@pytest.mark.parametrize("k", [1, 5, 10, 40])
def test_suppression_holds_in_every_output(demo_est, k):
    from geo import grid

    assert len(demo_est) == 484
    for res in grid.RESOLUTIONS:
        cells = vacancy.by_cell(demo_est, resolution=res, k=k)
        counts = pd.Series(grid.points_to_cells(demo_est["lon"], demo_est["lat"], res)) \
            .value_counts()
        counts.index = counts.index.astype(np.uint64)
        _check_suppressed(cells, counts, k)
        # the map layer carries only cells shown
        recs = deck.hex_records(cells.loc[~cells["suppressed"], "rate"].dropna())
        shown_ids = set(grid.to_strings(cells.index[~cells["suppressed"]]))
        assert {r["h"] for r in recs} <= shown_ids
        # CSV and GeoJSON downloads: no figure for a suppressed cell
        csv = pd.read_csv(io.BytesIO(export.cells_csv(cells)), encoding="utf-8-sig")
        assert csv.loc[csv["suppressed"], list(vacancy.FIGURES)].isna().all().all()
        gj = json.loads(export.cells_geojson(cells))
        for f in gj["features"]:
            if f["properties"]["suppressed"]:
                assert all(f["properties"][c] is None for c in vacancy.FIGURES)
    towns = vacancy.by_town(demo_est, k=k)
    _check_suppressed(towns, demo_est["town_code"].value_counts(), k)
    total = vacancy.city_total(demo_est, k=k)
    assert bool(total["suppressed"]) == (len(demo_est) < k)


def test_city_total_is_suppressed_below_k():
    est = vacancy.estimate(records(SMALL))
    total = vacancy.city_total(est, k=10)
    assert total["suppressed"] and all(math.isnan(total[c]) for c in vacancy.FIGURES)


# ------------------------------------------------------------------------------------------
# The real importer
# ------------------------------------------------------------------------------------------


def test_importer_reads_cp932_with_japanese_headers(tmp_path):
    text = ("建物ID,町丁コード,経度,緯度,住戸数,水道未使用月数,住民登録人数,事業所\n"
            "b1,T1,139.06,36.39,1,12,0,無\n"
            "b2,T1,,,\"1,2\",,,有\n"  # no coordinates: a town is enough; "1,2" is 12
            "b3,,139.07,36.38,１,0,２,なし\n")  # full-width digits
    path = tmp_path / "建物.csv"
    path.write_bytes(text.encode("cp932"))
    df = vacancy.read_buildings(path)
    assert df["building_id"].tolist() == ["b1", "b2", "b3"]
    assert df["dwellings"].tolist() == [1, 12, 1]
    assert df["water_idle_months"].isna().tolist() == [False, True, False]
    assert df["residents"].tolist()[0] == 0 and df["residents"].isna().tolist()[1]
    assert df["business"].tolist() == [False, True, False]
    assert pd.isna(df["town_code"].iat[2]) and math.isnan(df["lon"].iat[1])


def test_importer_locates_every_problem(tmp_path):
    text = ("building_id,town_code,lon,lat,dwellings,water_idle_months,residents,business\n"
            "b1,T1,139.06,36.39,1,twelve,0,0\n"
            "b2,T1,36.39,139.06,1,3,0,0\n"
            "b1,T1,139.06,36.39,0,3,0,maybe\n"
            "b4,,,,1,3,0,0\n")
    path = tmp_path / "b.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        vacancy.read_buildings(path)
    msgs = "\n".join(str(p) for p in exc.value.problems)
    assert "b.csv, row 1, column 'water_idle_months': expected a number, got 'twelve'" in msgs
    assert "b.csv, row 2, column 'lon/lat': latitude and longitude look swapped" in msgs
    assert "b.csv, row 3, column 'dwellings': must be at least 1" in msgs
    assert "b.csv, row 3, column 'business'" in msgs
    assert "b.csv, row 3, column 'building_id': building id 'b1' already appears in row 1" in msgs
    assert "b.csv, row 4: no location" in msgs


def test_importer_needs_an_id_and_a_location_column(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("name,dwellings\nx,1\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        vacancy.read_buildings(path)
    msgs = "\n".join(str(p) for p in exc.value.problems)
    assert "no building id column" in msgs and "needs a location" in msgs


# ------------------------------------------------------------------------------------------
# The sample generator
# ------------------------------------------------------------------------------------------


def test_sample_is_seeded_labelled_and_built_from_households(maebashi, city_sample):
    towns = maebashi.towns
    a = city_sample
    pd.testing.assert_frame_equal(a, samples.sample_buildings(towns, crs=maebashi.crs))
    few = towns.iloc[:5]
    c = samples.sample_buildings(few, crs=maebashi.crs, seed=1)
    assert not c["lon"].equals(samples.sample_buildings(few, crs=maebashi.crs)["lon"])
    assert (a["data_label"] == "サンプルデータ / sample data").all()
    hh = towns.set_index("town_code")["households"].dropna().astype(int)
    hh = hh[hh > 0]
    dw = a.groupby("town_code")["dwellings"].sum()
    assert set(dw.index) == set(hh.index)  # every town with households, no other
    ratio = dw / hh.reindex(dw.index)
    assert (ratio >= 1).all() and (ratio < 2).all()  # occupied dwellings ≈ households
    assert 1.10 < dw.sum() / hh.sum() < 1.22  # ≈ 1 / (1 − 13.8 %)


def test_sample_buildings_stand_in_their_town(maebashi):
    towns = maebashi.towns[maebashi.towns["town_code"].isin(
        ["10201033002", "10201033003", "102012400"])]
    a = samples.sample_buildings(towns, crs=maebashi.crs)
    back = vacancy.assign_towns(a.assign(town_code=pd.NA).astype({"town_code": "string"}),
                                maebashi.towns)
    # coordinates are rounded to 1e-6° (≈0.1 m): allow a building on a town's edge to slip
    assert (back["town_code"] == a["town_code"]).mean() > 0.99


def test_demo_file_is_the_generator_output(city_sample):
    demo = vacancy.read_buildings(DEMO)
    full = city_sample
    part = full[full["town_code"].isin(demo["town_code"].unique())].reset_index(drop=True)
    pd.testing.assert_frame_equal(demo, part[list(vacancy.COLUMNS)], check_dtype=False)
    assert "サンプルデータ / sample data" in DEMO.read_text(encoding="utf-8-sig")
