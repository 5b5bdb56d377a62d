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
    "page_comments": {"ja": "みんなの声", "en": "Citizens' voices"},
    "page_moderation": {"ja": "モデレーション", "en": "Moderation"},
    "comments_intro": {
        "ja": "地図の六角形(約0.1 km²)か町丁を選び、その場所について良いところ・気になるところ・アイデアを"
        "Well-Being因子とともに投稿できます。アカウントは不要です。住所や位置座標は保存しません。",
        "en": "Pick a hexagon (~0.1 km²) or a town and say what is good, what worries you or what "
        "could be done there, with its Well-Being factor. No account needed; no address or "
        "coordinates are stored.",
    },
    "comments_map_note": {
        "ja": "色は最も多い種類(緑: 良いところ, 赤: 気になるところ, 青: アイデア)、濃さは件数です。"
        "六角形をクリックすると投稿場所に選ばれます。",
        "en": "Colour: the most common kind (green good, red concern, blue idea); darker means "
        "more comments. Click a hexagon to pin your comment there.",
    },
    "all": {"ja": "すべて", "en": "All"},
    "post_title": {"ja": "投稿する", "en": "Post a comment"},
    "pick_first": {
        "ja": "まず地図の六角形をクリックするか、町丁を選んでください。",
        "en": "First click a hexagon on the map or pick a town.",
    },
    "pinned_at": {"ja": "投稿場所: 六角形 {cell}", "en": "Pinned to hexagon {cell}"},
    "similar_nearby": {
        "ja": "近くに同じ因子の声があります。同じ意見なら新しく書く代わりに +1 できます。",
        "en": "Similar comments nearby (same factor): +1 one instead of writing it again.",
    },
    "ckind": {"ja": "種類", "en": "Kind"},
    "ckind_good": {"ja": "良いところ", "en": "Good"},
    "ckind_concern": {"ja": "気になるところ", "en": "Concern"},
    "ckind_idea": {"ja": "アイデア", "en": "Idea"},
    "ctext": {"ja": "本文 (1000文字まで)", "en": "Text (up to 1,000 characters)"},
    "nickname": {"ja": "ニックネーム (任意)", "en": "Nickname (optional)"},
    "consent": {
        "ja": "本文・ニックネーム・因子・種類と、選んだ六角形(約0.1 km²)だけが保存され、公開されることに"
        "同意します。位置座標やIPアドレスは保存しません。{days}日後に自動で削除されます。",
        "en": "I agree that the text, nickname, factor, kind and the chosen hexagon (~0.1 km²) "
        "are stored and shown publicly. No coordinates or IP address are stored. Comments "
        "are deleted automatically after {days} days.",
    },
    "need_consent": {
        "ja": "投稿するには保存への同意が必要です。", "en": "Please agree to the storage terms."
    },
    "post": {"ja": "投稿", "en": "Post"},
    "posted": {
        "ja": "投稿しました (番号 #{id})。下の削除用コードは今だけ表示されます。控えてください。",
        "en": "Posted (#{id}). The deletion code below is shown only now: keep it.",
    },
    "token_note": {
        "ja": "このコードがあれば「自分の投稿を削除」からいつでも削除できます。",
        "en": "With this code you can delete your comment at any time under 'Delete my comment'.",
    },
    "comments_list": {"ja": "寄せられた声", "en": "Comments"},
    "since": {"ja": "この日以降", "en": "Since"},
    "n_comments": {"ja": "{n}件", "en": "{n} comments"},
    "anonymous": {"ja": "匿名", "en": "anonymous"},
    "reply": {"ja": "返信", "en": "Reply"},
    "report": {"ja": "不適切として報告", "en": "Report"},
    "report_reason": {"ja": "理由 (任意)", "en": "Reason (optional)"},
    "delete_mine": {"ja": "自分の投稿を削除", "en": "Delete my comment"},
    "comment_id": {"ja": "投稿番号", "en": "Comment number"},
    "edit_token": {"ja": "削除用コード", "en": "Deletion code"},
    "delete": {"ja": "削除", "en": "Delete"},
    "deleted": {"ja": "削除しました。", "en": "Deleted."},
    "wrong_token": {
        "ja": "番号またはコードが違います。", "en": "The number or the code does not match."
    },
    "export_csv": {"ja": "声をCSVで保存", "en": "Comments as CSV"},
    "export_geojson": {"ja": "声をGeoJSON(六角形)で保存", "en": "Comments as GeoJSON (hexagons)"},
    "export_decidim": {"ja": "Decidim提案形式で保存", "en": "Decidim proposals (CSV)"},
    "lifecycle": {
        "ja": "データの扱い: 同意を得た投稿のみ保存し、{days}日で自動削除します。報告が3件集まった投稿は"
        "確認まで非表示になり、非表示・削除はすべて記録されます。",
        "en": "Data lifecycle: only consented posts are stored, and they are deleted after {days} "
        "days. A comment reported 3 times is hidden until a moderator decides; every hide and "
        "delete is logged.",
    },
    "login": {"ja": "ログイン", "en": "Log in"},
    "login_failed": {"ja": "パスワードが違います。", "en": "Wrong password."},
    "password": {"ja": "パスワード", "en": "Password"},
    "mod_who": {"ja": "お名前 (記録に残ります)", "en": "Your name (written to the audit log)"},
    "mod_not_configured": {
        "ja": "モデレーターのパスワードが未設定です。.streamlit/secrets.toml の moderator_password か"
        "環境変数 DIORAMA_MODERATOR_PASSWORD を設定してください。",
        "en": "No moderator password is configured: set moderator_password in "
        ".streamlit/secrets.toml or DIORAMA_MODERATOR_PASSWORD.",
    },
    "mod_as": {"ja": "モデレーター: {who}", "en": "Moderating as {who}"},
    "mod_queue": {"ja": "確認待ち ({n}件)", "en": "Queue ({n})"},
    "mod_state": {"ja": "状態: {status} / 報告: {reports}件", "en": "Status: {status}, reports: {reports}"},
    "mod_reason": {"ja": "理由 (必須・記録されます)", "en": "Reason (required, logged)"},
    "mod_hide": {"ja": "非表示にする", "en": "Hide"},
    "mod_restore": {"ja": "表示に戻す", "en": "Restore"},
    "mod_delete": {"ja": "削除する", "en": "Delete"},
    "purge_title": {"ja": "保存期間を過ぎた投稿の削除", "en": "Purge expired comments"},
    "purge_text": {
        "ja": "{days}日より古い投稿と、その+1・報告を削除します(記録に残ります)。",
        "en": "Deletes comments older than {days} days with their +1s and reports (logged).",
    },
    "purge_now": {"ja": "今すぐ削除", "en": "Purge now"},
    "purged": {"ja": "{n}件を削除しました。", "en": "Purged {n} comments."},
    "audit": {"ja": "操作の記録 (追記のみ)", "en": "Audit log (append-only)"},
    "db_unavailable": {
        "ja": "いまコメントのデータベースに接続できません。地図とカバー率はそのまま使えます。"
        "しばらくしてからもう一度お試しください。投稿済みのコメントは失われていません。",
        "en": "The comment database cannot be reached right now. The map and coverage pages "
        "still work; please try again shortly. Comments already posted are not lost.",
    },
    "retry": {"ja": "再試行", "en": "Try again"},
    "already_posted": {
        "ja": "この投稿は接続が切れる前にすでに受け付けています。下の一覧に表示されています。",
        "en": "This comment was already received before the connection dropped; it is in the "
        "list below.",
    },
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
