"""Input files: encodings, truncated JSON, head counts, coordinates, and the messages they give."""

from __future__ import annotations

import json

import pytest
from util import BASE_X, BASE_Y, point_feature, polygon_feature, rect_lonlat, to_lonlat, to_xy

from geo.errors import InputError, Problem
from geo.ingest.io import (
    JAPAN_BOUNDS,
    coordinate_problem,
    decode_bytes,
    find_column,
    parse_count,
    read_csv,
    read_geojson,
    read_points,
    read_points_csv,
)

#: Three real Maebashi places with Japanese names (lon, lat).
PLACES = [
    ("前橋市役所", 139.0634, 36.3895),
    ("群馬県庁", 139.0609, 36.3907),
    ("前橋駅（５番のりば）", 139.0722, 36.3839),
]


def _collection(features, **extra):
    return {"type": "FeatureCollection", "features": features, **extra}


def _points_collection():
    return _collection([point_feature(lon, lat, {"name": n}) for n, lon, lat in PLACES])


# --------------------------------------------------------------------------------------------
# Problems and their messages
# --------------------------------------------------------------------------------------------


def test_problem_message_names_file_row_and_column():
    assert str(Problem("a.csv", "bad", 3, "総人口")) == "a.csv, row 3, column '総人口': bad"
    assert str(Problem("a.csv", "bad")) == "a.csv: bad"
    err = InputError([Problem("a.csv", "one", 1), Problem("b.csv", "two", 2, "x")])
    assert str(err) == "a.csv, row 1: one\nb.csv, row 2, column 'x': two"
    assert len(err.problems) == 2


# --------------------------------------------------------------------------------------------
# Truncated and broken GeoJSON
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("marker", ['"features": [', '"properties": ', "36.38"])
def test_truncated_geojson_says_truncated(tmp_path, marker):
    text = json.dumps(_points_collection(), ensure_ascii=False, indent=1)
    cut = text.index(marker) + len(marker)
    path = tmp_path / "shelters.geojson"
    path.write_text(text[:cut], encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_geojson(path)
    msg = str(exc.value)
    assert msg.startswith("shelters.geojson: ")
    assert "truncated" in msg
    assert "download or export it again" in msg


def test_geojson_truncated_inside_a_name_says_truncated(tmp_path):
    text = json.dumps(_points_collection(), ensure_ascii=False)
    cut = text.index("前橋市役所") + 2  # "...{"name": "前橋
    path = tmp_path / "shelters.geojson"
    path.write_text(text[:cut], encoding="utf-8")
    with pytest.raises(InputError, match="truncated"):
        read_geojson(path)


def test_invalid_json_in_the_middle_is_not_called_truncated(tmp_path):
    text = json.dumps(_points_collection(), ensure_ascii=False, indent=1)
    path = tmp_path / "bad.geojson"
    path.write_text(text.replace('"type": "Point"', '"type": "Point",,', 1), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_geojson(path)
    msg = str(exc.value)
    assert msg.startswith("bad.geojson: not valid JSON at line ")
    assert "truncated" not in msg


def test_geojson_structure_problems(tmp_path):
    path = tmp_path / "x.geojson"
    path.write_text('{"type": "Feature"}', encoding="utf-8")
    with pytest.raises(InputError, match=r"x\.geojson: expected a GeoJSON FeatureCollection"):
        read_geojson(path)
    path.write_text(json.dumps(_collection([])), encoding="utf-8")
    with pytest.raises(InputError, match=r"x.geojson: the file holds no features \(empty layer\)"):
        read_geojson(path)


def test_every_bad_feature_is_reported_with_its_row(tmp_path):
    ring = rect_lonlat(BASE_X, BASE_Y, BASE_X + 100, BASE_Y + 100)
    feats = [
        polygon_feature(ring, {"KEY_CODE": "1"}),
        {"type": "Feature", "properties": {"KEY_CODE": "2"}, "geometry": None},
        point_feature(139.06, 36.39, {"KEY_CODE": "3"}),
    ]
    path = tmp_path / "towns.geojson"
    path.write_text(json.dumps(_collection(feats)), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_geojson(path, geometry_types=("Polygon", "MultiPolygon"))
    assert [p.text("en") for p in exc.value.problems] == [
        "towns.geojson, row 2, column 'geometry': feature has no geometry",
        "towns.geojson, row 3, column 'geometry': geometry is Point, expected Polygon or "
        "MultiPolygon",
    ]


# --------------------------------------------------------------------------------------------
# Coordinates: projected, swapped, declared CRS
# --------------------------------------------------------------------------------------------


def test_projected_coordinates_without_crs_are_recognised(tmp_path):
    # Plane rectangular metres (EPSG:6677) written as if they were lon/lat.
    feats = [point_feature(139.06, 36.39, {"name": "ok"}),
             point_feature(BASE_X, BASE_Y, {"name": "metres"})]
    path = tmp_path / "plane.geojson"
    path.write_text(json.dumps(_collection(feats)), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_geojson(path)
    (p,) = exc.value.problems
    assert (p.file, p.row, p.column) == ("plane.geojson", 2, "geometry")
    assert "look projected" in p.message
    assert "export as WGS84" in p.message


def test_declared_plane_rectangular_crs_is_reprojected(tmp_path):
    feats = [point_feature(BASE_X + 100, BASE_Y + 200, {"name": "市役所付近"})]
    path = tmp_path / "declared.geojson"
    path.write_text(json.dumps(_collection(
        feats, crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::6677"}}),
        ensure_ascii=False), encoding="utf-8")
    gdf = read_geojson(path)
    assert gdf.crs.to_epsg() == 4326
    lon, lat = to_lonlat([BASE_X + 100], [BASE_Y + 200])
    assert gdf.geometry.x.iloc[0] == pytest.approx(lon[0], abs=1e-9)
    assert gdf.geometry.y.iloc[0] == pytest.approx(lat[0], abs=1e-9)
    assert gdf["name"].iloc[0] == "市役所付近"


def test_unknown_declared_crs_is_named(tmp_path):
    path = tmp_path / "weird.geojson"
    path.write_text(json.dumps(_collection(
        [point_feature(139.06, 36.39, {})],
        crs={"type": "name", "properties": {"name": "EPSG:999999"}})), encoding="utf-8")
    with pytest.raises(InputError, match=r"weird\.geojson: unknown coordinate reference system"):
        read_geojson(path)


def test_swapped_coordinates_in_geojson(tmp_path):
    path = tmp_path / "swapped.geojson"
    path.write_text(json.dumps(_collection([point_feature(36.39, 139.06, {})])), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_geojson(path)
    assert str(exc.value).startswith("swapped.geojson, row 1, column 'geometry': latitude and "
                                     "longitude look swapped (lon=36.39, lat=139.06)")


def test_coordinate_problem_cases():
    assert coordinate_problem(139.06, 36.39, bounds=JAPAN_BOUNDS) is None
    assert "swapped" in coordinate_problem(36.39, 139.06, bounds=JAPAN_BOUNDS)
    assert "projected" in coordinate_problem(-69000.0, 43500.0, bounds=JAPAN_BOUNDS)
    assert "outside the expected area" in coordinate_problem(-51.2, -30.03, bounds=JAPAN_BOUNDS)
    assert "missing" in coordinate_problem(float("nan"), 36.0, bounds=JAPAN_BOUNDS)


# --------------------------------------------------------------------------------------------
# CSV points: CP932, UTF-8 with BOM, column names
# --------------------------------------------------------------------------------------------


def _points_csv_text():
    lines = ["名称,経度,緯度,種別"] + [f"{n},{lon},{lat},避難所" for n, lon, lat in PLACES]
    return "\r\n".join(lines) + "\r\n"


@pytest.mark.parametrize("encoding", ["cp932", "utf-8-sig", "utf-8"])
def test_points_csv_in_any_accepted_encoding_keeps_japanese_names(tmp_path, encoding):
    path = tmp_path / f"points_{encoding}.csv"
    path.write_bytes(_points_csv_text().encode(encoding))
    gdf = read_points_csv(path)
    assert gdf["名称"].tolist() == [n for n, _, _ in PLACES]
    assert gdf["種別"].tolist() == ["避難所"] * 3
    assert list(gdf.columns) == ["名称", "種別", "geometry"]
    assert gdf.crs.to_epsg() == 4326
    assert gdf.geometry.x.tolist() == [lon for _, lon, _ in PLACES]
    assert gdf.geometry.y.tolist() == [lat for _, _, lat in PLACES]


def test_cp932_and_bom_files_decode_to_the_same_text():
    text = _points_csv_text()
    assert decode_bytes(text.encode("cp932"), file="a.csv") == (text, "cp932")
    assert decode_bytes(text.encode("utf-8-sig"), file="a.csv") == (text, "utf-8-sig")
    # The BOM is not glued to the first column name.
    assert not decode_bytes(text.encode("utf-8-sig"), file="a.csv")[0].startswith("\ufeff")


#: A town table the way a municipal Excel sheet saves it: Japanese headers and names.
TOWN_TABLE = "町丁コード,町丁名,総人口,世帯数\n" + "".join(
    f"10201{i:04d},大手町{i}丁目,{i * 100},{i * 40}\n" for i in range(1, 41))


def test_cp932_after_a_utf8_bom_is_read_as_cp932_and_says_so(tmp_path):
    # Excel / a text editor put a UTF-8 BOM in front of Shift_JIS text: the BOM is not the
    # file's encoding. Before: decoded as shift_jis_2004 / cp949 with mojibake headers.
    data = b"\xef\xbb\xbf" + TOWN_TABLE.encode("cp932")
    text, encoding = decode_bytes(data, file="towns.csv")
    assert text == TOWN_TABLE
    assert encoding == "cp932 (after a UTF-8 BOM)"
    path = tmp_path / "towns.csv"
    path.write_bytes(data)
    assert list(read_csv(path).columns) == ["町丁コード", "町丁名", "総人口", "世帯数"]


def test_japanese_encodings_are_preferred_to_korean_and_cyrillic_guesses():
    assert decode_bytes(TOWN_TABLE.encode("euc_jp"), file="a.csv") == (TOWN_TABLE, "euc_jp")
    assert decode_bytes(TOWN_TABLE.encode("utf-8"), file="a.csv") == (TOWN_TABLE, "utf-8")
    short = "名称\n前橋\n"  # too short for a detector to be sure
    assert decode_bytes(short.encode("cp932"), file="a.csv") == (short, "cp932")


def test_an_undecodable_file_names_the_encodings_tried_and_the_columns_found():
    # a Shift_JIS file cut in the middle of its last character
    data = TOWN_TABLE.encode("cp932")[:-3] + b"\x82"
    with pytest.raises(InputError) as exc:
        decode_bytes(data, file="towns.csv")
    (p,) = exc.value.problems
    assert p.file == "towns.csv"
    assert "utf-8" in p.message and "cp932" in p.message and "euc_jp" in p.message
    assert "cp932 stops at line 41" in p.message
    assert "町丁コード, 町丁名, 総人口, 世帯数" in p.message  # the header, read as cp932
    assert "文字コード" in p.message_ja and "町丁コード" in p.message_ja
    for guess in ("cp949", "cp1251", "shift_jis_2004"):
        assert guess not in str(exc.value)


def test_a_missing_column_says_how_the_file_was_read(tmp_path):
    path = tmp_path / "nopop.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "名称,経度\n前橋市役所,139.06\n".encode("cp932"))
    with pytest.raises(InputError) as exc:
        read_points_csv(path)
    (p,) = exc.value.problems
    assert (p.file, p.row) == ("nopop.csv", 0)
    assert p.message == ("no latitude column; expected one of: lat, latitude, 緯度, y; columns "
                         "found: 名称, 経度 (read as cp932 (after a UTF-8 BOM))")
    assert p.message_ja.startswith("緯度の列がありません")
    assert "名称, 経度" in p.message_ja and "cp932" in p.message_ja


def test_points_csv_full_width_coordinates_and_english_headers(tmp_path):
    path = tmp_path / "en.csv"
    path.write_text("name,Longitude,Latitude\n庁舎,１３９．０６３４,３６．３８９５\n",
                    encoding="utf-8")
    gdf = read_points(path)
    assert gdf.geometry.x.iloc[0] == 139.0634
    assert gdf.geometry.y.iloc[0] == 36.3895
    assert gdf["name"].iloc[0] == "庁舎"


def test_points_csv_missing_coordinate_column_lists_the_accepted_names(tmp_path):
    path = tmp_path / "nocoords.csv"
    path.write_text("名称,住所\n前橋市役所,大手町2-12-1\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_points_csv(path)
    (p,) = exc.value.problems
    assert p.text("en") == ("nocoords.csv, row 0: no longitude column; expected one of: "
                            "lon, lng, long, longitude, 経度, x; columns found: 名称, 住所 "
                            "(read as utf-8)")
    assert p.text("ja") == ("nocoords.csv 見出し行: 経度の列がありません。使える列名: lon, lng, "
                            "long, longitude, 経度, x。ファイルにある列: 名称, 住所"
                            "(utf-8として読み込み)")


def test_points_csv_bad_and_swapped_rows_are_all_named(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("名称,経度,緯度\nA,139.06,36.39\nB,abc,36.39\nC,36.39,139.06\n",
                    encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_points_csv(path)
    probs = exc.value.problems
    assert [(p.row, p.column) for p in probs] == [(2, "経度/緯度"), (3, "経度/緯度")]
    assert "not a number: 'abc', '36.39'" in probs[0].message
    assert "swapped" in probs[1].message
    assert str(probs[1]).startswith("bad.csv, row 3, column '経度/緯度': latitude and longitude")


def test_points_csv_in_projected_metres_is_recognised(tmp_path):
    x, y = to_xy([139.0634], [36.3895])
    path = tmp_path / "plane.csv"
    path.write_text(f"name,x,y\n市役所,{x[0]:.1f},{y[0]:.1f}\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"plane.csv, row 1, column 'x/y': .*look projected"):
        read_points_csv(path)


def test_read_csv_keeps_every_cell_as_text(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(" 町丁 ,総人口\n本町,\"1,271\"\n元町,-\n".encode("cp932"))
    df = read_csv(path)
    assert list(df.columns) == ["町丁", "総人口"]
    assert df["総人口"].tolist() == ["1,271", "-"]


def test_find_column_is_case_insensitive():
    assert find_column(["ID", "LON", "LAT"], ("lon",), file="f", what="longitude") == "LON"


# --------------------------------------------------------------------------------------------
# Head counts as Japanese tables write them
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,271", 1271),
        ("１，２７１", 1271),  # full-width digits and comma
        ("1，271", 1271),
        (" 1271 ", 1271),
        ("1271.0", 1271),
        ("１　２７１", 1271),  # ideographic space as separator
        (1271, 1271),
        (0, 0),
        ("0", 0),
        ("-", None),
        ("－", None),  # full-width hyphen-minus
        ("―", None),
        ("x", None),
        ("X", None),
        ("*", None),
        ("秘匿", None),
        ("", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_parse_count_accepts_japanese_notation(text, expected):
    assert parse_count(text, file="towns.csv", row=3, column="総人口") == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("abc", "expected a head count, got 'abc'"),
        ("-5", "a head count must be a whole number ≥ 0, got '-5'"),
        ("12.5", "a head count must be a whole number ≥ 0, got '12.5'"),
        (True, "expected a head count, got True"),
    ],
)
def test_parse_count_rejects_non_counts_naming_row_and_column(text, problem):
    with pytest.raises(InputError) as exc:
        parse_count(text, file="towns.csv", row=3, column="総人口")
    assert exc.value.message_en == f"towns.csv, row 3, column '総人口': {problem}"
    assert exc.value.message_ja.startswith("towns.csv 3行目 列「総人口」: 人数")


@pytest.mark.parametrize("text", ["…", "...", "NaN", "−"])
def test_parse_count_ellipsis_means_no_figure(text):
    assert parse_count(text, file="towns.csv", row=3, column="総人口") is None


@pytest.mark.parametrize("text", ["inf", "Infinity", "-inf", "1e400"])
def test_parse_count_nan_and_inf_give_a_located_message(text):
    with pytest.raises(InputError, match=r"towns.csv, row 3, column '総人口'"):
        parse_count(text, file="towns.csv", row=3, column="総人口")
