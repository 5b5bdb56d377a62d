"""UI strings in Japanese (default) and English; ``t(key)`` picks the session's language."""

from __future__ import annotations

from typing import Any

import streamlit as st

LANGS = ("ja", "en")

STRINGS: dict[str, dict[str, str]] = {
    "app_title": {"ja": "ウェルビーイング・ジオラマ", "en": "Well-Being Diorama"},
    "tagline": {
        "ja": "地域幸福度(Well-Being)指標をH3グリッドで見る参加型GIS",
        "en": "Participatory GIS for the Well-Being (LWC) indicators on an H3 grid",
    },
    "language": {"ja": "言語 / Language", "en": "言語 / Language"},
    "city": {"ja": "市町村", "en": "City"},
    "page_map": {"ja": "地図", "en": "Map"},
    "page_coverage": {"ja": "徒歩圏カバー率", "en": "Walking coverage"},
    "page_about": {"ja": "データと出典", "en": "Data and sources"},
    "kpi": {"ja": "表示する指標", "en": "Indicator"},
    "kpi_dist": {"ja": "最寄り施設までの距離 (m)", "en": "Distance to nearest (m)"},
    "kpi_rate": {"ja": "徒歩圏カバー率 (%)", "en": "Coverage rate (%)"},
    "kpi_uncovered": {"ja": "徒歩圏外の人口 (人)", "en": "People not covered"},
    "kpi_population": {"ja": "人口 (人)", "en": "Population"},
    "kind": {"ja": "施設の種類", "en": "Facility kind"},
    "resolution": {"ja": "六角形の大きさ (H3解像度)", "en": "Hexagon size (H3 resolution)"},
    "res_help": {
        "ja": "7: 約5.2 km², 8: 約0.74 km², 9: 約0.11 km², 10: 約0.015 km²",
        "en": "7: ~5.2 km², 8: ~0.74 km², 9: ~0.11 km², 10: ~0.015 km²",
    },
    "extrude": {"ja": "立体表示 (ジオラマ)", "en": "3D extrusion (diorama)"},
    "show_facilities": {"ja": "施設を表示", "en": "Show facilities"},
    "basemap": {
        "ja": "背景地図 (インターネット接続時のみ)", "en": "Basemap (needs an internet connection)"
    },
    "mode": {"ja": "距離の測り方", "en": "Distance method"},
    "mode_line": {
        "ja": "直線距離 (国交省の都市構造評価の方法)", "en": "Straight line (MLIT's official method)"
    },
    "mode_network": {"ja": "道路網に沿った徒歩距離", "en": "Walking distance on the street network"},
    "radii": {"ja": "徒歩圏の半径 (m)", "en": "Walking radius (m)"},
    "frequent": {
        "ja": "「運行本数の多いバス停」とする1日の便数", "en": "Departures a day for a frequent stop"
    },
    "no_data": {"ja": "データなし", "en": "no data"},
    "no_data_note": {
        "ja": "「データなし」はその種類の施設データが無いことを示します。カバー率0%ではありません。",
        "en": "'no data' means there is no facility data for that kind; it is not 0 % coverage.",
    },
    "no_population": {
        "ja": "この地域の人口データはありません。人口カバー率ではなく、セル(約0.015 km²)ごとの"
        "徒歩距離と、半径内にあるセルの割合を示します。",
        "en": "Population is missing for this area: shown are walking distances per cell "
        "(~0.015 km²) and the share of cells within the radius, not of people.",
    },
    "no_network": {
        "ja": "この市の道路網データは同梱されていないため、直線距離のみ計算できます。",
        "en": "No street network is bundled for this city, so only straight-line distance is "
        "available.",
    },
    "legend": {"ja": "凡例", "en": "Legend"},
    "selected_cell": {"ja": "選んだ六角形", "en": "Selected hexagon"},
    "select_hint": {
        "ja": "地図の六角形をクリックすると詳細を表示します。地図を使わない場合は下で町丁を選べます。",
        "en": "Click a hexagon for details, or pick a town below without using the map.",
    },
    "town": {"ja": "町丁", "en": "Town (町丁)"},
    "town_pick": {"ja": "町丁を選ぶ (地図を使わない場合)", "en": "Pick a town (without the map)"},
    "covered": {"ja": "徒歩圏内の人口", "en": "People covered"},
    "uncovered": {"ja": "徒歩圏外の人口", "en": "People not covered"},
    "population": {"ja": "人口", "en": "Population"},
    "rate": {"ja": "カバー率", "en": "Coverage"},
    "facilities": {"ja": "施設数", "en": "Facilities"},
    "radius": {"ja": "半径", "en": "Radius"},
    "factor": {"ja": "関連するWell-Being因子", "en": "Well-Being factor"},
    "status": {"ja": "状態", "en": "Status"},
    "cells_share": {"ja": "半径内のセルの割合", "en": "Share of cells within radius"},
    "summary": {"ja": "種類ごとの徒歩圏カバー率", "en": "Coverage by facility kind"},
    "by_town": {"ja": "町丁別", "en": "By town"},
    "uncovered_map": {"ja": "徒歩圏外の人が住む場所", "en": "Where uncovered people live"},
    "download_csv": {"ja": "セル別指標をCSVで保存", "en": "Download cells as CSV"},
    "download_geojson": {"ja": "セル別指標をGeoJSONで保存", "en": "Download cells as GeoJSON"},
    "download_towns": {"ja": "町丁別の表をCSVで保存", "en": "Download the town table (CSV)"},
    "download_note": {
        "ja": "GeoJSONはQGISやkepler.glでそのまま開けます。",
        "en": "The GeoJSON opens as is in QGIS and kepler.gl.",
    },
    "assumption": {"ja": "人口の按分について", "en": "About the population grid"},
    "attribution": {"ja": "出典", "en": "Sources"},
    "warnings": {"ja": "データ作成時の注意", "en": "Build warnings"},
    "unclassified": {
        "ja": "種類を判定できなかった避難場所", "en": "Evacuation sites not classified by kind"
    },
    "sources_table": {"ja": "使用データとライセンス", "en": "Data used and licences"},
    "method": {"ja": "計算方法", "en": "Method"},
    "method_text": {
        "ja": "直線距離は平面直角座標系(JGD2011)で測ります(Webメルカトルでは800 mが実距離で約655 mに"
        "縮むため)。道路網モードでは各セルの中心と施設を最寄りの道路ノードにつなぎ、scipyの最短経路"
        "(Dijkstra法)で距離を求めます。カバー率 = 半径内の人口 ÷ 総人口。",
        "en": "Straight lines are measured in the JGD2011 plane rectangular zone (Web Mercator "
        "would shrink 800 m to about 655 m on the ground). Network mode snaps each cell centre "
        "and facility to the nearest street node and runs scipy's Dijkstra. Coverage = people "
        "within the radius ÷ all people.",
    },
    "bus_gap": {
        "ja": "バス停は群馬県のGTFS-JP(2019年11月)によります。日本中央バスと永井運輸は含まれません。",
        "en": "Bus stops come from Gunma's GTFS-JP feed (Nov 2019); 日本中央バス and 永井運輸 "
        "are missing from it.",
    },
    "network_extent": {
        "ja": "範囲は道路網データのある中心部のみで、市全域ではありません。",
        "en": "The area is the extent of the street network (the urban core), not the whole city.",
    },
    "city_total": {"ja": "市全体", "en": "City total"},
    "value": {"ja": "値", "en": "Value"},
    "distance_to": {"ja": "最寄りまでの距離", "en": "Distance to nearest"},
    "beyond": {"ja": "3 km超", "en": "over 3 km"},
}


def lang() -> str:
    """The session's language ("ja" unless the user switched)."""
    value = st.session_state.get("lang", "ja")
    return value if value in LANGS else "ja"


def t(key: str, **fmt: Any) -> str:
    """The string ``key`` in the session's language, formatted with ``fmt``."""
    s = STRINGS[key][lang()]
    return s.format(**fmt) if fmt else s


def kind_label(kind: Any) -> str:
    """Display name of a facility kind (a geo.coverage.Kind) in the session's language."""
    return str(kind.ja if lang() == "ja" else kind.en)


def kind_labels() -> dict[str, str]:
    """Display name of every facility kind, for ``format_func`` (a pure dict lookup)."""
    from geo.coverage import KINDS

    return {k.key: kind_label(k) for k in KINDS}


def labels(keys: list[str], *, prefix: str = "") -> dict[str, str]:
    """``{key: t(prefix + key)}`` for ``format_func`` (a pure dict lookup)."""
    return {k: t(prefix + k) for k in keys}
