"""Seeded SAMPLE building records (not real data): dwellings from real town households."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from geo.grid.crs import WGS84

# No building-level vacancy data is public, so the vacancy page runs on records generated here.
# What is real: each town's number of households (前橋市 町丁別人口) and its polygon. What is
# invented, from a fixed seed: each town's vacancy propensity, how its dwellings are split into
# buildings, where the buildings stand inside the town, which are vacant, and their signals
# (water, resident register, business directory). Every output is labelled
# :data:`SAMPLE_LABEL`. Run
# ``python -m geo.samples.vacancy OUT.csv --city maebashi --towns CODE …`` to write a small
# CSV in the importer's format (``data/samples/`` holds one made this way).

#: The label every sample output carries (UI, exports, files).
SAMPLE_LABEL = "サンプルデータ / sample data"
#: Seed of the default sample.
SEED = 20250630
#: Mean vacancy propensity of a town (the 2023 national rate); towns vary as Beta(6, ·).
MEAN_VACANCY = 0.138
#: Share of a town's dwellings in multi-dwelling buildings, and their size range.
APARTMENT_SHARE = 0.35
APARTMENT_SIZE = (4, 24)
#: Signals of vacant buildings: water unused ≥ 12 months (the 82.6 % recall reported for water
#: records), nobody registered, a business listed.
VACANT_WATER_IDLE = 0.826
VACANT_NO_RESIDENTS = 0.75
VACANT_BUSINESS = 0.03
#: Signals of occupied buildings (false alarms).
OCCUPIED_WATER_IDLE = 0.02
OCCUPIED_WATER_LOW = 0.03
OCCUPIED_NO_RESIDENTS = 0.08
OCCUPIED_BUSINESS = 0.06
#: Share of records where a signal is unknown (not matched across registers).
MISSING = {"water_idle_months": 0.05, "residents": 0.03, "business": 0.10}


def _split(dwellings: int, rng: np.random.Generator) -> list[int]:
    """Dwellings per building: multi-dwelling buildings up to the apartment share, then houses."""
    sizes: list[int] = []
    left = round(dwellings * APARTMENT_SHARE)
    while True:
        n = int(rng.integers(APARTMENT_SIZE[0], APARTMENT_SIZE[1] + 1))
        if n > left:
            break
        sizes.append(n)
        left -= n
    return sizes + [1] * (dwellings - sum(sizes))


def sample_buildings(towns: gpd.GeoDataFrame, *, crs: CRS, seed: int = SEED,
                     with_truth: bool = False) -> pd.DataFrame:
    """Generate sample building records for a city's towns.

    Parameters
    ----------
    towns
        ``town_code``, ``households`` (NA or 0: no buildings) and polygons in EPSG:4326, e.g.
        ``CityBundle.towns``.
    crs
        Metric CRS in which points are drawn uniformly inside each town.
    seed
        Seed of the random generator: the same seed gives the same records.
    with_truth
        Add ``vacant`` (the invented true status) to check the estimator against.

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`geo.context.vacancy.COLUMNS` plus ``data_label`` (=
        :data:`SAMPLE_LABEL`). Per town, the dwellings sum to round(households ÷ (1 − v))
        where v is the town's invented vacancy propensity: occupied dwellings ≈ households.
    """
    rng = np.random.default_rng(seed)
    t = towns[towns["households"].fillna(0) > 0].sort_values("town_code")
    beta_b = 6 * (1 - MEAN_VACANCY) / MEAN_VACANCY
    v_town = rng.beta(6, beta_b, size=len(t))
    size_lists = [_split(round(int(hh) / (1 - v)), rng)
                  for hh, v in zip(t["households"].astype(int), v_town, strict=True)]
    counts = np.array([len(x) for x in size_lists], dtype=np.int64)
    if counts.sum() == 0:
        return pd.DataFrame({c: [] for c in ("building_id", "town_code", "lon", "lat",
                                             "dwellings", "water_idle_months", "residents",
                                             "business", "data_label")})
    sizes = np.concatenate([np.asarray(x, dtype=np.int64) for x in size_lists])
    metric = gpd.GeoSeries(t.geometry.to_numpy(), crs=WGS84).to_crs(crs)
    pts = metric.sample_points(counts, rng=rng).explode(index_parts=False)
    xy = gpd.GeoSeries(pts.to_numpy(), crs=crs).to_crs(WGS84)
    n = len(sizes)
    v = np.repeat(v_town, counts)
    vacant = rng.random(n) < v
    u = rng.random((n, 6))
    water = np.where(
        vacant,
        np.where(u[:, 0] < VACANT_WATER_IDLE, rng.integers(12, 61, n), rng.integers(0, 12, n)),
        np.where(u[:, 0] < OCCUPIED_WATER_IDLE, rng.integers(12, 37, n),
                 np.where(u[:, 0] < OCCUPIED_WATER_IDLE + OCCUPIED_WATER_LOW,
                          rng.integers(6, 12, n), rng.integers(0, 3, n)))).astype(float)
    no_res = u[:, 1] < np.where(vacant, VACANT_NO_RESIDENTS, OCCUPIED_NO_RESIDENTS)
    residents = np.where(no_res, 0, rng.integers(1, 6, n) * np.maximum(sizes // 2, 1))
    business = u[:, 2] < np.where(vacant, VACANT_BUSINESS, OCCUPIED_BUSINESS)
    out = pd.DataFrame({
        "town_code": pd.array(np.repeat(t["town_code"].astype(str).to_numpy(), counts),
                              dtype="string"),
        "lon": np.round(xy.x.to_numpy(), 6),
        "lat": np.round(xy.y.to_numpy(), 6),
        "dwellings": sizes,
        "water_idle_months": np.where(u[:, 3] < MISSING["water_idle_months"], np.nan, water),
        "residents": pd.array(residents, dtype="Int64"),
        "business": pd.array(business, dtype="boolean"),
    })
    out.loc[u[:, 4] < MISSING["residents"], "residents"] = pd.NA
    out.loc[u[:, 5] < MISSING["business"], "business"] = pd.NA
    if with_truth:
        out["vacant"] = vacant
    out.insert(0, "building_id", [f"S{i:06d}" for i in range(1, n + 1)])
    out["data_label"] = SAMPLE_LABEL
    return out


def to_csv(records: pd.DataFrame) -> bytes:
    """Records as CSV in the importer's format (UTF-8 with BOM; ``business`` as 1/0)."""
    out = records.copy()
    out["business"] = out["business"].map({True: "1", False: "0"}).fillna("")
    text: str = out.to_csv(index=False)
    return text.encode("utf-8-sig")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m geo.samples.vacancy OUT.csv [--city C] [--towns CODE …] [--seed N]``."""
    from geo.ingest import bundle

    ap = argparse.ArgumentParser(prog="python -m geo.samples.vacancy",
                                 description="Write sample building records (sample data).")
    ap.add_argument("out", type=Path)
    ap.add_argument("--city", default="maebashi")
    ap.add_argument("--towns", nargs="*", default=None, help="town codes to keep")
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args(argv)
    b = bundle.load(args.city)
    if b.towns is None:
        print(f"{args.city} has no towns with households; no sample can be made")
        return 1
    records = sample_buildings(b.towns, crs=b.crs, seed=args.seed)
    if args.towns:
        records = records[records["town_code"].isin(args.towns)]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(to_csv(records))
    print(f"wrote {len(records)} sample buildings to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
