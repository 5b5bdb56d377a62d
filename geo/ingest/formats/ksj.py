"""国土数値情報 (KSJ) facility layers: P04 medical, P14 welfare, P29 schools, P13 parks,
P11 bus stops, N02 stations; attribute codes mapped to the coverage kinds."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.errors import InputError, Problem
from geo.grid.crs import WGS84
from geo.ingest.formats import Dropped
from geo.ingest.formats.vector import read_vector
from geo.ingest.io import JAPAN_BOUNDS, match_column

#: Layer code → (title, attribution) for the manifest (出典 as the KSJ terms ask).
LAYERS: dict[str, tuple[str, str]] = {
    "P04": ("医療機関", "「国土数値情報（医療機関データ）」（国土交通省）"),
    "P14": ("福祉施設", "「国土数値情報（福祉施設データ）」（国土交通省）"),
    "P29": ("学校", "「国土数値情報（学校データ）」（国土交通省）"),
    "P13": ("都市公園", "「国土数値情報（都市公園データ）」（国土交通省）"),
    "P11": ("バス停留所", "「国土数値情報（バス停留所データ）」（国土交通省）"),
    "N02": ("鉄道（駅）", "「国土数値情報（鉄道データ）」（国土交通省）"),
}

#: P04_001 医療機関分類: 1 病院, 2 診療所, 3 歯科診療所.
P04_TYPES: dict[str, str | None] = {"1": "medical", "2": "medical", "3": None}
#: P29_003 学校分類 codes: 16001 小学校, 16002 中学校, 16003 中等教育学校, 16004 高等学校;
#: other codes (kindergartens, colleges, universities, special-needs schools) are not counted.
P29_TYPES: dict[str, str] = {
    "16001": "elementary_school", "16002": "junior_high_school", "16003": "junior_high_school",
    "16004": "high_school",
}
#: Name patterns that make a P14 welfare facility a nursery (保育所, 認定こども園).
NURSERY_PATTERN = r"保育|こども園|子ども園"
#: Departments of a P04 facility that count for the medical KPI (internal medicine, surgery).
MEDICAL_DEPARTMENTS = r"内科|外科"


def detect_layer(columns: list[str]) -> str | None:
    """KSJ layer code (``"P04"`` …) from attribute names like ``P04_001``, or None."""
    for code in LAYERS:
        if any(str(c).startswith(f"{code}_") for c in columns):
            return code
    return None


#: Japanese for the attributes :func:`_col` looks for, for its messages.
_WHAT_JA = {
    "name (P04_002)": "名称(P04_002)",
    "institution type (P04_001)": "医療機関の種別(P04_001)",
    "school name (P29_004)": "学校名(P29_004)",
    "school type (P29_003)": "学校の種別(P29_003)",
    "facility name": "施設名",
    "park name": "公園名",
    "bus stop name (P11_001)": "バス停名(P11_001)",
    "station name (N02_005; use the Station file, not RailroadSection)":
        "駅名(N02_005。RailroadSection ではなく Station のファイルを使ってください)",
}


def _col(gdf: pd.DataFrame, names: tuple[str, ...], *, file: str, what: str) -> str:
    found = match_column(gdf.columns, names)
    if found is not None:
        return found
    raise InputError(Problem(file, f"no {what} attribute; expected one of: {', '.join(names)}",
                             0, names[0], f"{_WHAT_JA.get(what, what)}の属性がありません。"
                             f"使える属性名: {', '.join(names)}"))


def _code(v: object) -> str:
    s = str(v).strip()
    return s[:-2] if s.endswith(".0") else s


def _p04(gdf: gpd.GeoDataFrame, file: str) -> tuple[list[str | None], str, list[str]]:
    name = _col(gdf, ("P04_002",), file=file, what="name (P04_002)")
    typ = _col(gdf, ("P04_001",), file=file, what="institution type (P04_001)")
    depts = [c for c in ("P04_004", "P04_005", "P04_006") if c in gdf.columns]
    kinds: list[str | None] = []
    reasons: list[str] = []
    for _, r in gdf.iterrows():
        t = _code(r[typ])
        kind = P04_TYPES.get(t)
        reason = ""
        if t == "3":
            reason = "dental clinic (P04_001=3): not counted for the medical KPI"
        elif kind is None:
            reason = f"unknown institution type P04_001={t!r}"
        elif depts and not re.search(MEDICAL_DEPARTMENTS, " ".join(str(r[c]) for c in depts)):
            kind, reason = None, "no internal medicine or surgery among its departments"
        kinds.append(kind)
        reasons.append(reason)
    return kinds, name, reasons


def _p29(gdf: gpd.GeoDataFrame, file: str) -> tuple[list[str | None], str, list[str]]:
    name = _col(gdf, ("P29_004", "P29_005"), file=file, what="school name (P29_004)")
    typ = _col(gdf, ("P29_003",), file=file, what="school type (P29_003)")
    kinds: list[str | None] = [P29_TYPES.get(_code(v)) for v in gdf[typ]]
    reasons = ["" if k else f"school type {_code(v)} (P29_003) is not an elementary, junior "
               "high or high school" for k, v in zip(kinds, gdf[typ], strict=True)]
    return kinds, name, reasons


def _p14(gdf: gpd.GeoDataFrame, file: str) -> tuple[list[str | None], str, list[str]]:
    name = _col(gdf, ("P14_008", "P14_007", "P14_006"), file=file, what="facility name")
    kinds: list[str | None] = [
        "nursery" if re.search(NURSERY_PATTERN, str(n)) else "welfare" for n in gdf[name]
    ]
    return kinds, name, [""] * len(gdf)


def _fixed(kind: str, names: tuple[str, ...], what: str
           ) -> Callable[[gpd.GeoDataFrame, str], tuple[list[str | None], str, list[str]]]:
    def read(gdf: gpd.GeoDataFrame, file: str) -> tuple[list[str | None], str, list[str]]:
        return [kind] * len(gdf), _col(gdf, names, file=file, what=what), [""] * len(gdf)
    return read


READERS = {
    "P04": _p04,
    "P14": _p14,
    "P29": _p29,
    "P13": _fixed("park", ("P13_003", "P13_001"), "park name"),
    "P11": _fixed("bus_stop", ("P11_001",), "bus stop name (P11_001)"),
    "N02": _fixed("station", ("N02_005",), "station name (N02_005; use the Station file, "
                                           "not RailroadSection)"),
}


def read_facilities(
    path: str | Path, *, layer: str | None = None,
    bounds: tuple[float, float, float, float] | None = JAPAN_BOUNDS,
) -> tuple[gpd.GeoDataFrame, list[Dropped], str]:
    """Read a 国土数値情報 facility layer (GeoJSON, Shapefile or GeoPackage).

    Parameters
    ----------
    path
        The layer as downloaded (e.g. ``P29-21_10.shp``, ``P04-20_10.geojson``).
    layer
        KSJ code, detected from the attribute names when None.
    bounds
        Plausible lon/lat extent.

    Returns
    -------
    tuple
        The facility frame (``name``, ``kind``, ``departures``, ``source_row``, points; station
        lines become their centroid), the rows left out with their reason, and the layer code.
    """
    p = Path(path)
    gdf = read_vector(p, bounds=bounds)
    code = layer or detect_layer(list(gdf.columns))
    if code not in READERS:
        raise InputError(Problem(
            p.name, "not a 国土数値情報 facility layer this tool knows (attributes like "
                    f"P04_001; known: {', '.join(LAYERS)})", 0, None,
            "この道具が知っている国土数値情報の施設レイヤではありません(P04_001 のような属性が"
            f"必要です。対応: {', '.join(LAYERS)})。"))
    kinds, name_col, reasons = READERS[code](gdf, p.name)
    names = gdf[name_col].astype(str).to_numpy()
    keep = np.array([k is not None for k in kinds])
    dropped = [Dropped(p.name, int(i) + 1, names[i], reasons[i]) for i in np.flatnonzero(~keep)]
    geom = gdf.geometry.to_numpy()
    pts = gpd.GeoSeries(geom, crs=WGS84)
    if not (pts.geom_type == "Point").all():
        pts = pts.to_crs(pts.estimate_utm_crs()).centroid.to_crs(WGS84)
    out = gpd.GeoDataFrame(
        {
            "name": names,
            "kind": pd.array(kinds, dtype=object),
            "departures": pd.array([None] * len(gdf), dtype="Int64"),
            "source_row": np.arange(1, len(gdf) + 1),
        },
        geometry=pts.to_numpy(), crs=WGS84,
    )[keep].reset_index(drop=True)
    if code == "N02":
        # One station has a record per line and operator; keep one point per name and place.
        xy = out.geometry.x.round(3).astype(str) + out.geometry.y.round(3).astype(str)
        key = out["name"] + xy
        out = out[~key.duplicated()].reset_index(drop=True)
    return out, dropped, code
