"""JIS X 0410 mesh codes: documented corners, validation, polygons, and areal weights onto H3."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pyproj import CRS
from util import REPO_DATA

from geo import grid
from geo.grid import mesh

ATTRIBUTES = REPO_DATA / "raw" / "maebashi" / "jinryu_attribute_mesh1km_10201.csv"


def test_known_mesh_code_has_its_documented_corners():
    # 54393088, by JIS X 0410: 1st mesh "5439" → south 54 / 1.5 = 36°, west 100 + 39 = 139°;
    # 2nd mesh "30" → 3 × 5′ north, 0 × 7′30″ east; 3rd mesh "88" → 8 × 30″ north,
    # 8 × 45″ east. So south = 36° 15′ + 4′ = 36° 19′ 00″, west = 139° 06′ 00″, and the 1 km
    # mesh spans 30″ × 45″: north = 36° 19′ 30″, east = 139° 06′ 45″.
    c = mesh.corners([54393088]).loc["54393088"]
    assert c["south"] == pytest.approx(36 + 19 / 60, abs=1e-12)
    assert c["west"] == pytest.approx(139 + 6 / 60, abs=1e-12)
    assert c["north"] == pytest.approx(36 + 19 / 60 + 30 / 3600, abs=1e-12)
    assert c["east"] == pytest.approx(139 + 6 / 60 + 45 / 3600, abs=1e-12)


def test_corners_match_mlit_attribute_file():
    att = pd.read_csv(ATTRIBUTES, dtype={"mesh1kmid": str})
    c = mesh.corners(att["mesh1kmid"])
    # the attribute file stores single-precision floats (about 1e-6 degrees)
    np.testing.assert_allclose(c["south"], att["lat_min"], atol=2e-6)
    np.testing.assert_allclose(c["west"], att["lon_min"], atol=2e-6)
    np.testing.assert_allclose(c["north"], att["lat_max"], atol=2e-6)
    np.testing.assert_allclose(c["east"], att["lon_max"], atol=2e-6)


def test_a_1km_mesh_near_maebashi_is_about_1_036_km2():
    # 30″ of latitude ≈ 925 m and 45″ of longitude ≈ 1,120 m at 36.3°N
    area = mesh.polygons(["54393088"]).to_crs(6677).area.iloc[0]
    assert 1.030e6 < area < 1.042e6


@pytest.mark.parametrize(("code", "why"), [
    ("5439308", "digits"),
    ("54398088", "0–7"),
    ("5439308a", "digits only"),
    ("543930885", "1–4"),
])
def test_invalid_codes_are_refused_with_a_reason(code, why):
    with pytest.raises(ValueError, match=why):
        mesh.corners([code])


def test_points_and_cells_map_back_to_their_mesh():
    codes = ["54393088", "54394065", "54395100"]
    c = mesh.corners(codes)
    lon = (c["west"] + c["east"]) / 2
    lat = (c["south"] + c["north"]) / 2
    assert mesh.of_points(lon, lat).tolist() == codes
    cells = grid.points_to_cells(lon, lat, 9)
    assert mesh.of_cells(cells).tolist() == codes
    assert mesh.of_points([139.105], [36.32]).tolist() == ["54393088"]


def test_spread_conserves_each_mesh_total_and_is_zero_outside():
    codes = ["54394064", "54394065"]  # two meshes side by side (west, east)
    w = mesh.weights(codes, resolution=9, crs=CRS.from_epsg(6677))
    assert w.groupby("zone")["weight"].sum().to_numpy() == pytest.approx([1.0, 1.0])
    out = mesh.spread(pd.Series({"54394064": 100.0, "54394065": 0.0}), w)
    assert out.sum() == pytest.approx(100.0, rel=1e-12)
    # a cell lying wholly in the east mesh gets nothing; one wholly in the west gets its share
    east_only = set(w[w["zone"] == "54394065"]["cell"]) - set(w[w["zone"] == "54394064"]["cell"])
    assert east_only and all(out.get(c, 0.0) == 0.0 for c in east_only)
    west = w[w["zone"] == "54394064"].set_index("cell")
    inner = [c for c in west.index if c not in set(w[w["zone"] == "54394065"]["cell"])]
    c0 = inner[0]
    assert out[c0] == pytest.approx(100.0 * west.loc[c0, "weight"])
