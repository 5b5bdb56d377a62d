"""Vacancy estimator: hand-checked rules, band, exact calibration, suppression everywhere;
the real importer; the seeded sample generator."""

from __future__ import annotations

import io
import itertools
import json
import math

import h3
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog
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


def _check_suppressed(frame: pd.DataFrame, counts: pd.Series, k: int,
                      shown: pd.Series) -> None:
    """Primary suppression everywhere; the secondary rule's choice (``shown``) applied."""
    primary = counts.reindex(frame.index) < k
    assert (frame["suppressed"] >= primary).all()          # every small area is suppressed
    assert (frame["suppressed"] == ~shown.reindex(frame.index)).all()  # as disclosure decided
    sup = frame[frame["suppressed"]]
    assert sup[list(vacancy.FIGURES)].isna().all().all()
    visible = frame[~frame["suppressed"]]
    assert visible[list(vacancy.FIGURES)].notna().all().all()
    assert (visible["buildings"] >= k).all()


@pytest.mark.parametrize("k", [1, 5, 10, 40])
def test_suppression_holds_in_every_output(demo_est, k):
    from geo import grid

    assert len(demo_est) == 484
    disc = vacancy.disclosure(demo_est, k=k)
    fine = grid.points_to_cells(demo_est["lon"], demo_est["lat"], 10)
    for res in grid.RESOLUTIONS:
        cells = vacancy.by_cell(demo_est, resolution=res, k=k)
        # a building counts in its res-10 cell and that cell's parents
        counts = pd.Series(grid.parents(fine, res)).value_counts()
        counts.index = counts.index.astype(np.uint64)
        level = disc[disc["level"] == f"h3_{res}"]
        shown = pd.Series(level["shown"].to_numpy(), index=level["area"].astype(np.uint64))
        _check_suppressed(cells, counts, k, shown)
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
    level = disc[disc["level"] == "town"]
    _check_suppressed(towns, demo_est["town_code"].value_counts(), k,
                      pd.Series(level["shown"].to_numpy(), index=level["area"]))
    total = vacancy.city_total(demo_est, k=k)
    assert bool(total["suppressed"]) == (len(demo_est) < k)


def test_city_total_is_suppressed_below_k():
    est = vacancy.estimate(records(SMALL))
    total = vacancy.city_total(est, k=10)
    assert total["suppressed"] and all(math.isnan(total[c]) for c in vacancy.FIGURES)


# ------------------------------------------------------------------------------------------
# Differencing: an exact audit of everything published (cells at every resolution, towns, city)
# ------------------------------------------------------------------------------------------

RESOLUTIONS = (7, 8, 9, 10)


def unit_areas(est: pd.DataFrame) -> pd.DataFrame:
    """Each building's areas, worked out here with h3 itself: the res-10 cell of its point and
    that cell's parents (uint64; NA without coordinates), its town (None without one)."""
    rows = []
    for lon, lat, town in zip(est["lon"], est["lat"], est["town_code"], strict=True):
        if math.isnan(lon):
            cells = dict.fromkeys(RESOLUTIONS)
        else:
            fine = h3.latlng_to_cell(lat, lon, 10)
            cells = {r: int(h3.cell_to_parent(fine, r), 16) for r in RESOLUTIONS}
        rows.append([*cells.values(), None if pd.isna(town) else str(town)])
    return pd.DataFrame(rows, index=est.index, dtype=object,
                        columns=[*(f"h3_{r}" for r in RESOLUTIONS), "town"])


def published(est: pd.DataFrame, *, k: int) -> dict[tuple[str, object], float | None]:
    """Every figure the vacancy view publishes, read from its outputs: buildings per area
    (None where suppressed)."""
    out: dict[tuple[str, object], float | None] = {}
    for r in RESOLUTIONS:
        for cell, row in vacancy.by_cell(est, resolution=r, k=k).iterrows():
            out[(f"h3_{r}", int(cell))] = None if row["suppressed"] else row["buildings"]
    if est["town_code"].notna().any():
        for town, row in vacancy.by_town(est, k=k).iterrows():
            out[("town", str(town))] = None if row["suppressed"] else row["buildings"]
    total = vacancy.city_total(est, k=k)
    out[("city", "city")] = None if total["suppressed"] else total["buildings"]
    return out


def primary_only(est: pd.DataFrame, *, k: int) -> dict[tuple[str, object], float | None]:
    """What the vacancy view published before: each area system suppressed on its own, below
    k buildings only (vacancy.aggregate without the areas disclosure hides)."""
    areas = unit_areas(est)
    out: dict[tuple[str, object], float | None] = {}
    for level in [*(f"h3_{r}" for r in RESOLUTIONS), "town"]:
        keys = areas[level].astype(object).where(areas[level].notna())
        for area, row in vacancy.aggregate(est, keys, k=k).iterrows():
            out[(level, area)] = None if row["suppressed"] else row["buildings"]
    total = vacancy.aggregate(est, np.zeros(len(est), dtype=np.int64), k=k).iloc[0]
    out[("city", "city")] = None if total["suppressed"] else total["buildings"]
    return out


def audit(est: pd.DataFrame, pub: dict[tuple[str, object], float | None], *,
          k: int) -> list[str]:
    """Leaks of 1 … k−1 buildings in what ``pub`` publishes. Unknowns: the buildings of each
    (town, res-10 cell) that holds any (an attacker who knows exactly which hold buildings).
    Checked: the exact (LP) range of every suppressed area; every published area minus the
    published areas of one system (cells, towns) inside it; and, for up to 12 unknowns,
    every set of unknowns that the published counts pin down."""
    areas = unit_areas(est)
    key = areas["h3_10"].map(str) + "|" + areas["town"].map(str)
    leaves = sorted(set(key))
    n = key.value_counts().reindex(leaves).to_numpy(float)

    def members(level: str, area: object) -> np.ndarray:
        m = np.ones(len(est), bool) if level == "city" else (areas[level] == area).to_numpy()
        return np.isin(leaves, key[m].unique()).astype(float)

    vec = {a: members(*a) for a in pub}
    truth = {a: float(v @ n) for a, v in vec.items()}
    shown = [a for a, v in pub.items() if v is not None]
    assert all(pub[a] == truth[a] for a in shown)  # figures are counted right
    if not shown:
        return []
    a_eq = np.array([vec[a] for a in shown])
    b_eq = np.array([pub[a] for a in shown], dtype=float)
    leaks = []

    def pinned(v: np.ndarray) -> float | None:
        lo = linprog(v, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        hi = linprog(-v, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        assert lo.status == 0 and hi.status in (0, 3)
        return lo.fun if hi.status == 0 and abs(lo.fun + hi.fun) < 1e-6 else None

    for a, v in pub.items():
        if v is None and 0 < truth[a] < k and (got := pinned(vec[a])) is not None:
            leaks.append(f"suppressed {a} ({truth[a]:g} buildings) is worked out: {got:g}")
    def inside(b: tuple[str, object], a: tuple[str, object]) -> bool:
        """Area ``b`` lies inside area ``a``: a finer cell in a cell by H3's hierarchy, a
        town in a cell or a cell in a town when all its buildings are."""
        if a == b or b[0] == "city":
            return False
        if a[0] == "city":
            return True
        if a[0].startswith("h3") and b[0].startswith("h3"):
            ra, rb = int(a[0][3:]), int(b[0][3:])
            return rb > ra and int(h3.cell_to_parent(format(b[1], "x"), ra), 16) == a[1]
        return a[0] != b[0] and bool((vec[b] <= vec[a]).all())

    for a in shown:
        for system in ("h3", "town"):
            inner = [b for b in shown if b[0].startswith(system) and inside(b, a)]
            top = [b for b in inner if not any(inside(b, c) for c in inner)]
            rest = truth[a] - sum(truth[b] for b in top)
            if top and 0 < rest < k:
                leaks.append(f"{a} minus the published {system} areas inside it: {rest:g}")
    if len(leaves) <= 12:
        subsets = np.array(list(itertools.product((0.0, 1.0), repeat=len(leaves))))[1:]
        span = np.linalg.pinv(a_eq) @ a_eq
        known = np.abs(subsets @ span - subsets).max(axis=1) < 1e-7
        small = (subsets @ n >= 1) & (subsets @ n < k)
        for j in np.flatnonzero(known & small):
            leaks.append(f"buildings of {[leaves[i] for i in np.flatnonzero(subsets[j])]} "
                         "are worked out")
    return leaks


def at_cells(rows: list[tuple[str | None, str | None, int]]) -> pd.DataFrame:
    """Scored building records from (res-10 cell or None, town or None, how many) rows: each
    building at its cell's centre (no coordinates for None), one dwelling, water unused 12
    months (p = 0.70)."""
    out = []
    for cell, town, count in rows:
        lat, lon = h3.cell_to_latlng(cell) if cell is not None else (np.nan, np.nan)
        out += [(lon, lat, town)] * count
    records_ = pd.DataFrame({
        "building_id": [f"b{i}" for i in range(len(out))],
        "town_code": pd.array([t for _, _, t in out], dtype="string"),
        "lon": [x for x, _, _ in out], "lat": [y for _, y, _ in out],
        "dwellings": 1, "water_idle_months": 12.0,
        "residents": pd.array([pd.NA] * len(out), dtype="Int64"),
        "business": pd.array([pd.NA] * len(out), dtype="boolean"),
    })
    return vacancy.estimate(records_)


#: A res-8 cell near the test base point, two of its res-9 cells and their res-10 cells.
_LON, _LAT = (float(v[0]) for v in to_lonlat([BASE_X], [BASE_Y]))
R8 = h3.cell_to_parent(h3.latlng_to_cell(_LAT, _LON, 10), 8)
A9, B9, C9 = sorted(h3.cell_to_children(R8, 9))[:3]
A10, B10, C10 = (sorted(h3.cell_to_children(c, 10)) for c in (A9, B9, C9))


def hidden(pub: dict[tuple[str, object], float | None], level: str) -> set[object]:
    return {a for (lv, a), v in pub.items() if lv == level and v is None}


def ids(*cells: str) -> set[object]:
    return {int(c, 16) for c in cells}


def test_a_coarser_cell_minus_its_finer_ones_is_closed():
    """k = 3. Res-9 cell A holds 10 buildings: 5 in res-10 cell a0, 4 in a1, 1 in a2 (one
    town). Before, a2 alone was suppressed, and A − a0 − a1 = 10 − 5 − 4 gave its building
    away. Now A minus its shown cells must leave 0 or at least 3: the smaller shown part, a1,
    is suppressed too (A − a0 = 5)."""
    est = at_cells([(A10[0], "T1", 5), (A10[1], "T1", 4), (A10[2], "T1", 1)])
    before = audit(est, primary_only(est, k=3), k=3)
    assert any("minus the published h3 areas" in leak for leak in before)
    pub = published(est, k=3)
    assert hidden(pub, "h3_10") == ids(A10[1], A10[2])
    assert hidden(pub, "h3_9") == hidden(pub, "h3_8") == hidden(pub, "town") == set()
    assert pub[("h3_9", int(A9, 16))] == 10 and pub[("h3_10", int(A10[0], 16))] == 5
    assert audit(est, pub, k=3) == []


def test_a_town_total_minus_its_visible_cells_is_closed():
    """k = 3. Town T1: 4 buildings in a0 and 1 in a3; town T2: 5 in a3. Every area holds 3 or
    more, so before everything was shown, and T1 − a0 = 1 (as a3 − T2 = 1) gave away the T1
    building in a3. Now no set of 1 or 2 buildings can be worked out: a0 and a3 are both
    suppressed, so that their buildings fall together in res-9 cell A (10 = T1 + T2)."""
    est = at_cells([(A10[0], "T1", 4), (A10[3], "T1", 1), (A10[3], "T2", 5)])
    before = audit(est, primary_only(est, k=3), k=3)
    assert any("('town', 'T1') minus the published h3 areas inside it: 1" in leak
               for leak in before)
    assert any("minus the published town areas inside it: 1" in leak for leak in before)
    pub = published(est, k=3)
    assert hidden(pub, "h3_10") == ids(A10[0], A10[3])
    assert hidden(pub, "h3_9") == hidden(pub, "town") == set()
    assert audit(est, pub, k=3) == []


def test_two_towns_minus_the_cell_they_fill_is_closed():
    """k = 3, across the two area systems. a0 holds 3 buildings of T1 and 3 of T2; b0 holds 1
    of T1 and b1 2 of T3; c0 holds 1 of T2 and c1 2 of T3. Every suppressed area is small and
    every shown area minus the shown areas inside it leaves 0 or ≥ 3 — yet
    T1 + T2 − a0 = 4 + 4 − 6 = 2 buildings (those in b0 and c0). Now a0, A and B are
    suppressed, so that a0's buildings and B's fall together in res-8 cell R8."""
    est = at_cells([(A10[0], "T1", 3), (A10[0], "T2", 3), (B10[0], "T1", 1),
                    (B10[1], "T3", 2), (C10[0], "T2", 1), (C10[1], "T3", 2)])
    before = audit(est, primary_only(est, k=3), k=3)
    assert before and all("are worked out" in leak for leak in before)
    pub = published(est, k=3)
    assert hidden(pub, "h3_10") == ids(A10[0], B10[0], B10[1], C10[0], C10[1])
    assert hidden(pub, "h3_9") == ids(A9, B9) and hidden(pub, "town") == set()
    assert pub[("h3_8", int(R8, 16))] == 12 and pub[("h3_9", int(C9, 16))] == 3
    assert audit(est, pub, k=3) == []


@st.composite
def small_cities(draw):
    """Up to 30 buildings in 9 res-10 cells of three res-9 cells (one res-8 cell), in up to
    three towns that mostly follow the cells; a few without coordinates or town."""
    cells = [*A10[:3], *B10[:3], *C10[:3]]
    home = {c: draw(st.sampled_from(["T1", "T2", "T3"])) for c in cells}
    rows = []
    for _ in range(draw(st.integers(0, 30))):
        cell = draw(st.sampled_from([*cells, None]))
        town = home.get(cell, "T1") if draw(st.integers(0, 4)) else draw(
            st.sampled_from(["T1", "T2", "T3", None]))
        rows.append((cell, town, 1))
    return rows, draw(st.integers(2, 5))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_cities())
def test_no_differencing_reveals_fewer_than_k_buildings(case):
    rows, k = case
    est = at_cells(rows)
    pub = published(est, k=k)
    assert all(v is None or v >= k for v in pub.values())  # primary
    assert audit(est, pub, k=k) == []                       # nothing small worked out


def test_the_demo_file_is_audited(demo_est):
    assert audit(demo_est, published(demo_est, k=10), k=10) == []


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
