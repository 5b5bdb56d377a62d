"""UI strings in Japanese (default) and English; ``t(key)`` picks the session's language."""

from __future__ import annotations

from typing import Any

import streamlit as st

LANGS = ("ja", "en")

STRINGS: dict[str, dict[str, str]] = {
    # --- workshop diorama (issue 5) ---
    "page_workshop": {"ja": "ワークショップ", "en": "Workshop"},
    "page_diorama": {"ja": "ジオラマ(シナリオ)", "en": "Diorama (scenarios)"},
    "ws_intro": {
        "ja": "ファシリテーターがセッションを作り、グループごとの参加リンク(QRコード)を配ります。参加者はアカウントなしでリンクから参加し、自分のグループのシナリオだけを編集できます。",
        "en": "A facilitator creates a session and hands out one join link (QR code) per group. Participants join by link without an account and can edit only their own group's scenarios.",
    },
    "ws_facilitator": {"ja": "ファシリテーター", "en": "Facilitator"},
    "ws_session_title": {"ja": "タイトル", "en": "Title"},
    "ws_groups": {"ja": "グループ(1行に1つ)", "en": "Groups (one per line)"},
    "ws_agenda": {"ja": "進行(1行に1つ)", "en": "Agenda steps (one per line)"},
    "ws_create": {"ja": "セッションを作る", "en": "Create the session"},
    "ws_open": {"ja": "ファシリテーター用キーで開く", "en": "Open with the facilitator key"},
    "ws_fac_key": {"ja": "ファシリテーター用キー", "en": "Facilitator key"},
    "ws_fac_key_note": {
        "ja": "ファシリテーター用キー(再表示されません。控えてください)。参加リンクも作成直後の画面でのみ表示されます。",
        "en": "Facilitator key (not shown again: keep it). Join links are also shown only right after creating the session.",
    },
    "ws_join_link": {"ja": "参加リンク", "en": "Join link"},
    "ws_joined": {"ja": "「{group}」として参加しました: {title}", "en": "You joined as “{group}”: {title}"},
    "ws_bad_link": {"ja": "参加リンクが正しくないか、セッションが削除されました。", "en": "This join link is not valid, or the session was deleted."},
    "ws_go_diorama": {"ja": "ジオラマを開く", "en": "Open the diorama"},
    "ws_export": {"ja": "議事録の書き出し", "en": "Export for the minutes"},
    "ws_export_make": {"ja": "議事録を作る", "en": "Make the minutes"},
    "ws_export_html": {"ja": "議事録 (HTML)", "en": "Minutes (HTML)"},
    "ws_export_geojson": {"ja": "修正 (GeoJSON)", "en": "Modifications (GeoJSON)"},
    "ws_export_pdf": {"ja": "議事録 (PDF・A4)", "en": "Minutes (PDF, A4)"},
    "ws_export_pdf_missing": {"ja": "このサーバーではPDFを作れません(WeasyPrint と Pango が必要です)。HTMLをブラウザーで開いて印刷すると同じA4のページになります。", "en": "This server cannot make the PDF (it needs WeasyPrint and Pango). Open the HTML in a browser and print it: it gives the same A4 pages."},
    "ws_export_pdf_size": {"ja": "、PDF {kb:.0f} KB", "en": ", PDF {kb:.0f} KB"},
    "ws_export_size": {"ja": "議事録 {kb:.0f} KB、修正 {n} 件", "en": "Minutes {kb:.0f} KB, {n} modifications"},
    "ws_delete": {"ja": "セッションを削除", "en": "Delete the session"},
    "ws_delete_confirm": {"ja": "シナリオと付いたコメントもすべて削除します", "en": "This deletes every scenario and the comments on them"},
    "ws_deleted": {"ja": "セッションを削除しました(シナリオ{n}件)。", "en": "Session deleted ({n} scenarios)."},
    "dio_need_group": {"ja": "まずワークショップの参加リンクから参加してください。", "en": "First join a workshop with your group's link."},
    "dio_new": {"ja": "新しいシナリオ", "en": "New scenario"},
    "dio_name": {"ja": "シナリオ名", "en": "Scenario name"},
    "dio_mode": {"ja": "計算方法", "en": "Method"},
    "dio_create": {"ja": "作る", "en": "Create"},
    "dio_no_scenario": {"ja": "まだシナリオがありません。「新しいシナリオ」から作ってください。", "en": "No scenario yet: create one with “New scenario”."},
    "dio_scenario": {"ja": "シナリオ", "en": "Scenario"},
    "dio_kind": {"ja": "施設の種類", "en": "Kind of facility"},
    "dio_map_note": {
        "ja": "六角形をクリックして場所を選びます。緑: カバーが増えたセル、赤: 減ったセル、水色: 変わらずカバー、橙: 候補地。",
        "en": "Click a hexagon to choose a place. Green: cells that gained coverage, red: lost, light blue: covered before and after, orange: suggested sites.",
    },
    "dio_town": {"ja": "町丁から場所を選ぶ", "en": "Or pick a town"},
    "dio_place_label": {"ja": "選んだ場所:", "en": "Chosen place:"},
    "dio_changed": {"ja": "{kind}の徒歩圏内の人口 {d}人 (カバー率 {r0} → {r1}、再計算 {ms:.0f} ms)", "en": "People within walking distance of a {kind}: {d} (coverage {r0} → {r1}; recomputed in {ms:.0f} ms)"},
    "dio_changed_cells": {"ja": "{kind}の徒歩圏のセル {d} (再計算 {ms:.0f} ms)", "en": "Cells within walking distance of a {kind}: {d} (recomputed in {ms:.0f} ms)"},
    "dio_mode_line": {"ja": "直線距離", "en": "Straight line"},
    "dio_mode_network": {"ja": "道路網の距離", "en": "Street network"},
    "dio_mod_add": {"ja": "{kind}「{name}」を追加: {place}", "en": "Add {kind} “{name}”: {place}"},
    "dio_mod_move": {"ja": "{kind}「{name}」を移動: {place}", "en": "Move {kind} “{name}” to {place}"},
    "dio_mod_remove": {"ja": "{kind}「{name}」を削除", "en": "Remove {kind} “{name}”"},
    "dio_mod_radius": {"ja": "{kind}の徒歩圏を{m}に", "en": "{kind}: walking radius {m}"},
    "dio_site_rank": {"ja": "{rank}位", "en": "#{rank}"},
    "dio_site_rank_col": {"ja": "順位", "en": "Rank"},
    "dio_site_place": {"ja": "場所", "en": "Place"},
    "dio_site_new": {"ja": "新たに徒歩圏に入る人", "en": "People newly covered"},
    "dio_site_cumulative": {"ja": "累計", "en": "Cumulative"},
    "dio_site_name": {"ja": "候補{rank}", "en": "Site {rank}"},
    "dio_label": {"ja": "名前(任意)", "en": "Name (optional)"},
    "dio_add": {"ja": "ここに追加", "en": "Add here"},
    "dio_facility": {"ja": "施設", "en": "Facility"},
    "dio_move": {"ja": "選んだ場所へ移動", "en": "Move to the chosen place"},
    "dio_remove": {"ja": "削除", "en": "Remove"},
    "dio_radius": {"ja": "徒歩圏の半径 (m)", "en": "Walking radius (m)"},
    "dio_set_radius": {"ja": "半径を変える", "en": "Change the radius"},
    "dio_recompute": {"ja": "再計算 {ms:.1f} ms: 距離が変わったセル {n}、カバー増 {gained}、減 {lost}", "en": "Recomputed in {ms:.1f} ms: {n} cells changed distance, {gained} gained, {lost} lost coverage"},
    "dio_before_after": {"ja": "現状とシナリオの比較", "en": "Before / after"},
    "dio_before": {"ja": "現状", "en": "Baseline"},
    "dio_after": {"ja": "シナリオ", "en": "Scenario"},
    "dio_covered": {"ja": "徒歩圏内の人口", "en": "People covered"},
    "dio_rate": {"ja": "カバー率", "en": "Coverage rate"},
    "dio_cells": {"ja": "カバーされたセル", "en": "Cells covered"},
    "dio_kept": {"ja": "変わらずカバー", "en": "covered before and after"},
    "dio_gained": {"ja": "カバー増", "en": "gained coverage"},
    "dio_lost": {"ja": "カバー減", "en": "lost coverage"},
    "dio_no_pop": {"ja": "この市には人口データがないため、カバーされたセルの数で示します。", "en": "This city has no population figures: cells covered are shown instead."},
    "dio_radar": {"ja": "Well-Being因子(客観側): 現状とシナリオ", "en": "Well-Being factors (objective side): baseline and scenario"},
    "dio_mods": {"ja": "修正", "en": "Modifications"},
    "dio_suggest": {"ja": "候補地の提案", "en": "Site suggestions"},
    "dio_suggest_n": {"ja": "件数", "en": "How many"},
    "dio_suggest_run": {"ja": "未カバーの人を最も多くカバーできる場所を提案", "en": "Suggest where one new facility covers the most uncovered people"},
    "dio_site_pick": {"ja": "候補の順位", "en": "Rank"},
    "dio_add_site": {"ja": "この候補地に追加", "en": "Add at this site"},
    "dio_comment": {"ja": "このシナリオへのコメント", "en": "Comments on this scenario"},
    # --- any two scenarios side by side (issue 15, item 3) ---
    "cmp_title": {"ja": "2つのシナリオを並べて比べる", "en": "Two scenarios side by side"},
    "cmp_intro": {"ja": "A と B に、今日の状態(現状)か、このセッションで保存されたシナリオを選びます。下の差の地図は B − A をセルごとに示します。", "en": "Pick A and B: today's state (the baseline) or any scenario saved in this session. The difference map below shows B − A cell by cell."},
    "cmp_a": {"ja": "A(比べる元)", "en": "A (compare from)"},
    "cmp_b": {"ja": "B(比べる先)", "en": "B (compare to)"},
    "cmp_base": {"ja": "今日の状態(現状)", "en": "Today (baseline)"},
    "cmp_base_mode": {"ja": "今日の状態(現状・{mode})", "en": "Today (baseline, {mode})"},
    "cmp_same": {"ja": "A と B が同じです。別のものを選んでください。", "en": "A and B are the same: pick another one."},
    "cmp_no_scenarios": {"ja": "比べるには、保存されたシナリオが少なくとも1つ必要です。", "en": "Comparing needs at least one saved scenario."},
    "cmp_modes_differ": {"ja": "A と B は距離の測り方が違います(A: {a}、B: {b})。差には測り方の違いも含まれます。", "en": "A and B measure distance differently (A: {a}, B: {b}); the difference includes that."},
    "cmp_focus": {"ja": "地図の範囲(町丁を選ぶと、すべての地図がそこへ寄ります)", "en": "Map area (pick a town to move every map there)"},
    "cmp_same_view": {"ja": "地図はすべて同じ範囲・同じ縮尺で開きます。", "en": "Every map opens on the same area at the same scale."},
    "cmp_legend_side": {"ja": "青: {kind}の徒歩圏内のセル ・ 点: 施設(黒い輪: シナリオで追加・移動したもの)", "en": "Blue: cells within walking distance of a {kind} · dots: facilities (black ring: added or moved in the scenario)"},
    "cmp_map_diff": {"ja": "差の地図 (B − A)", "en": "Difference map (B − A)"},
    "cmp_legend_diff": {"ja": "緑: B でだけ徒歩圏 ・ 赤: A でだけ徒歩圏 ・ 薄い青: 両方で徒歩圏 ・ 黒い輪: B にだけある施設 ・ 灰色の輪: A にだけある施設", "en": "Green: within walking distance in B only · red: in A only · pale blue: in both · black ring: a facility only B has · grey ring: one only A has"},
    "cmp_only_a": {"ja": "A でだけ徒歩圏", "en": "Within walking distance in A only"},
    "cmp_only_b": {"ja": "B でだけ徒歩圏", "en": "Within walking distance in B only"},
    "cmp_table": {"ja": "数字: A と B(差は B − A)", "en": "Figures: A and B (difference: B − A)"},
    "cmp_radar": {"ja": "Well-Being因子(客観側): A と B", "en": "Well-Being factors (objective side): A and B"},
    "cmp_groups_title": {"ja": "グループのシナリオを地図で並べる", "en": "Every group's scenario on a map"},
    "cmp_groups_intro": {"ja": "グループごとにシナリオを1つ選ぶと、今日の状態からの変化を同じ範囲の地図で並べます(最初は最後に保存されたシナリオ)。", "en": "Pick one scenario per group to see what it changes against today, every map on the same area (at first, the scenario saved last)."},
    "cmp_group_pick": {"ja": "シナリオ", "en": "Scenario"},
    "cmp_group_none": {"ja": "まだシナリオがありません。", "en": "No scenario yet."},
    "cmp_group_change": {"ja": "徒歩圏内の人口 {d} ・ カバー率 {r0} → {r1}", "en": "People covered {d} · rate {r0} → {r1}"},
    "cmp_group_cells": {"ja": "徒歩圏のセル {d}", "en": "Cells covered {d}"},
    "cmp_legend_diff_base": {"ja": "緑: シナリオで徒歩圏に入る ・ 赤: 徒歩圏から外れる ・ 薄い青: 変わらず徒歩圏 ・ 黒い輪: 追加・移動した施設 ・ 灰色の輪: なくなった・移動する前の施設", "en": "Green: within walking distance in the scenario only · red: no longer within walking distance · pale blue: covered in both · black ring: a facility added or moved · grey ring: one removed or moved away"},
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
    "choose": {"ja": "選んでください(入力して検索できます)", "en": "Choose (type to search)"},
    "post_title": {"ja": "投稿する", "en": "Post a comment"},
    "map_label": {
        "ja": "地図(六角形をタップまたはクリックすると選べます)",
        "en": "Map (tap or click a hexagon to choose it)",
    },
    "map_failed": {
        "ja": "地図を表示できませんでした。ページを再読み込みしてください。町丁の一覧からも選べます。",
        "en": "The map could not be shown. Reload the page; you can also pick a town from the list.",
    },
    "pick_first": {
        "ja": "まず地図の六角形をクリックするか、町丁を選んでください。",
        "en": "First click a hexagon on the map or pick a town.",
    },
    "place_chosen": {"ja": "投稿場所:", "en": "Place:"},
    # --- comments on an area or a route (issue 15, item 2) ---
    "shape_pick": {"ja": "何についての投稿ですか", "en": "What is your comment about?"},
    "shape_point": {"ja": "1か所(六角形1つ)", "en": "One place (a hexagon)"},
    "shape_area": {"ja": "エリア(六角形をいくつか)", "en": "An area (several hexagons)"},
    "shape_route": {"ja": "ルート(道のり)", "en": "A route (a path)"},
    "shape_area_note": {
        "ja": "六角形をタップするとエリアに加わり、もう一度タップすると外れます(最大{most}個)。町丁を選ぶと、その町丁の六角形がまとめて入ります。",
        "en": "Tap hexagons to add them to the area; tap one again to take it out (at most {most}). Picking towns puts all their hexagons in.",
    },
    "shape_route_note": {
        "ja": "通る順に六角形をタップしてください(離れた六角形の間は自動でつながります。最後の六角形をもう一度タップすると戻せます。最大{most}個)。出発と到着の町丁を選んでも引けます。",
        "en": "Tap hexagons in the order the route passes them (hexagons apart are joined for you; tap the last one again to undo; at most {most}). Or pick the start and end towns.",
    },
    "shape_area_towns": {"ja": "町丁でエリアを選ぶ (地図を使わない場合)", "en": "Pick the area by towns (without the map)"},
    "shape_route_from": {"ja": "出発の町丁 (地図を使わない場合)", "en": "Start town (without the map)"},
    "shape_route_to": {"ja": "到着の町丁", "en": "End town"},
    "shape_clear": {"ja": "選んだ六角形をすべて外す", "en": "Clear the chosen hexagons"},
    "shape_pick_area": {
        "ja": "まず地図の六角形をタップするか、町丁を選んでエリアを決めてください。",
        "en": "First tap hexagons on the map or pick towns to make the area.",
    },
    "shape_pick_route": {
        "ja": "まず地図で六角形を2つ以上タップするか、出発と到着の町丁を選んでください。",
        "en": "First tap two or more hexagons on the map, or pick the start and end towns.",
    },
    "shape_too_big": {
        "ja": "六角形が多すぎます(いま{n}個、最大{most}個)。外すか、範囲を狭めてください。",
        "en": "Too many hexagons ({n}; at most {most}). Take some out or choose a smaller one.",
    },
    "shape_no_path": {
        "ja": "この2つの町丁の間の道のりを引けませんでした。地図で六角形をタップしてください。",
        "en": "No path could be drawn between these two towns. Tap hexagons on the map instead.",
    },
    "shape_area_words": {"ja": "エリア: {n}個の六角形({town})", "en": "Area: {n} hexagons ({town})"},
    "shape_route_words": {"ja": "ルート: {n}個の六角形({start} → {end})", "en": "Route: {n} hexagons ({start} → {end})"},
    "shape_and_more": {"ja": "{town} ほか", "en": "{town} and around"},
    "shape_in_city": {"ja": "市内", "en": "in the city"},
    "col_c_shape": {"ja": "場所の形", "en": "Shape"},
    "col_c_shape_cells": {"ja": "六角形の数", "en": "Hexagons"},
    "shape_word_point": {"ja": "1か所", "en": "one place"},
    "shape_word_area": {"ja": "エリア", "en": "area"},
    "shape_word_route": {"ja": "ルート", "en": "route"},
    "nearest": {"ja": "最寄りまでの距離(直線または道のり)", "en": "Distance to the nearest"},
    "farther_than": {"ja": "{m} m より遠い", "en": "farther than {m} m"},
    "within_walk": {"ja": "徒歩圏内", "en": "Within walking distance"},
    "yes": {"ja": "はい", "en": "yes"},
    "no": {"ja": "いいえ", "en": "no"},
    "map_factor": {"ja": "地図に表示する因子", "en": "Factor shown on the map"},
    "filter_factor": {"ja": "因子で絞り込む", "en": "Filter by factor"},
    "filter_kind": {"ja": "種類で絞り込む", "en": "Filter by kind"},
    "filter_town": {"ja": "町丁で絞り込む", "en": "Filter by town"},
    "place_near": {"ja": "{town} 付近の六角形 (約{area} km²)", "en": "a hexagon of about {area} km² near {town}"},
    "place_in_city": {"ja": "市内の六角形 (約{area} km²)", "en": "a hexagon of about {area} km² in the city"},
    "factor_pick": {"ja": "関連するWell-Being因子を選んでください", "en": "Choose the Well-Being factor it is about"},
    "need_factor": {"ja": "関連するWell-Being因子を選んでください。", "en": "Please choose the Well-Being factor."},
    "need_kind": {"ja": "種類(良いところ・気になるところ・アイデア)を選んでください。", "en": "Please choose the kind (good, concern or idea)."},
    "posted_title": {"ja": "投稿を受け付けました", "en": "Your comment is posted"},
    # --- proposals: a facility proposed with an idea (issue 15, item 1) ---
    "prop_field": {"ja": "施設の提案(種類が「アイデア」のとき・任意)", "en": "Propose a facility (with an idea; optional)"},
    "prop_field_help": {
        "ja": "投稿する場所の中心にこの施設を置いたら何が変わるか(徒歩圏に新たに入る人、町丁、市のカバー率、Well-Being因子)をその場で計算し、投稿と一緒に保存します。自宅の位置は記録されません。",
        "en": "What a facility of this kind at the centre of the place you post at would change (people newly within walking distance, towns, the city's coverage, Well-Being factors) is computed at once and saved with your comment. Your home is never recorded.",
    },
    "prop_none": {"ja": "提案しない", "en": "No facility"},
    "prop_kind_no_data": {"ja": "{kind}(この市はデータなし・効果は計算できません)", "en": "{kind} (no data in this city: no figures)"},
    "prop_need_idea": {"ja": "施設を提案するときは、種類で「アイデア」を選んでください。", "en": "To propose a facility, choose “Idea” as the kind."},
    "prop_failed": {"ja": "効果の計算中に問題が起きました。", "en": "Something went wrong while computing the figures."},
    "prop_not_computed": {"ja": "{why} 投稿と提案は保存されました。", "en": "{why} Your comment and its proposal are saved."},
    "prop_changes": {"ja": "提案した施設({kind})で変わること", "en": "What the proposed facility ({kind}) would change"},
    "prop_people": {"ja": "徒歩圏に新たに入る人", "en": "People newly within walking distance"},
    "prop_cells": {"ja": "徒歩圏に新たに入るセル", "en": "Cells newly within walking distance"},
    "prop_people_n": {"ja": "徒歩圏に新たに入る人 {n}人", "en": "{n} people newly within walking distance"},
    "prop_cells_n": {"ja": "徒歩圏に新たに入るセル {n}", "en": "{n} cells newly within walking distance"},
    "prop_rate": {"ja": "市の{kind}の徒歩圏カバー率", "en": "City coverage, {kind}"},
    "prop_rate_help": {"ja": "提案前は {before}。この施設を加えたときに、市の人口のうち徒歩圏に住む人の割合です。", "en": "Before: {before}. The share of the city's people living within walking distance with this facility added."},
    "prop_tiny": {"ja": "+0.1 pt未満", "en": "under +0.1 pt"},
    "prop_towns": {"ja": "人が増える町丁:", "en": "Towns that gain:"},
    "prop_factors": {"ja": "動くWell-Being因子(客観側):", "en": "Well-Being factors it moves (objective side):"},
    "prop_town_n": {"ja": "{town} {n}人", "en": "{town} {n}"},
    "prop_no_town": {"ja": "なし", "en": "none"},
    "prop_no_factor": {"ja": "なし", "en": "none"},
    "prop_more_towns": {"ja": " ほか{n}町丁", "en": " and {n} more"},
    "prop_no_figures": {"ja": "効果は計算できていません", "en": "no figures"},
    "prop_method": {"ja": "今ある施設にこの施設を1つ加えた場合の推計です(距離: {mode})。ワークショップのシナリオと同じ計算です。", "en": "Estimated by adding this one facility to those that exist today (distance: {mode}), the same computation as a workshop scenario."},
    "prop_summary": {"ja": "提案 #{id} {kind}({place}) · {gained} · +1 {plus}件", "en": "Proposal #{id}: {kind} {place} · {gained} · +1 ×{plus}"},
    "prop_list": {"ja": "施設の提案(徒歩圏に新たに入る人の多い順)", "en": "Proposed facilities (most people newly within walking distance first)"},
    "prop_list_note": {"ja": "{n}件。「アイデア」に付けて提案された施設を、徒歩圏に新たに入る人の多い順に並べています。+1で賛同できます。", "en": "{n} in all. Facilities proposed with ideas, the most people newly within walking distance first. Support one with +1."},
    "prop_details": {"ja": "この提案で変わること", "en": "What it would change"},
    "prop_pull": {"ja": "市民の提案から追加", "en": "Add from citizens' proposals"},
    "prop_pull_none": {"ja": "この市の施設の提案はまだありません(「みんなの声」で「アイデア」に付けて投稿できます)。", "en": "No facility has been proposed in this city yet (citizens propose them with an idea on “Citizens' voices”)."},
    "prop_pull_note": {"ja": "徒歩圏に新たに入る人の多い順です。選んだ提案の施設を1クリックでこのシナリオに追加します(施設名は「提案 #番号」になり、議事録にも載ります)。", "en": "Most people newly within walking distance first. One click adds the chosen proposal's facility to this scenario (named “Proposal #number”; the minutes name it too)."},
    "prop_pull_pick": {"ja": "提案", "en": "Proposal"},
    "prop_pull_add": {"ja": "この提案をシナリオに追加", "en": "Add this proposal to the scenario"},
    "prop_facility_name": {"ja": "提案 #{id}", "en": "Proposal #{id}"},
    "close": {"ja": "閉じる", "en": "Close"},
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
        "ja": "本文・ニックネーム・因子・種類・付けた写真(撮影場所などの情報を消して縮小したもの)と、"
        "選んだ六角形(約0.1 km²)だけが保存され、公開されることに"
        "同意します。位置座標やIPアドレスは保存しません。{days}日後に自動で削除されます。",
        "en": "I agree that the text, nickname, factor, kind, the photo if I add one (made "
        "smaller, without where it was taken or any other embedded data) and the chosen "
        "hexagon (~0.1 km²) are stored and shown publicly. No coordinates or IP address are "
        "stored. Comments are deleted automatically after {days} days.",
    },
    "reply_done": {"ja": "返信しました (番号 #{id})。", "en": "Reply posted (no. #{id})."},
    "consent_reply": {
        "ja": "返信の本文だけが、返信先のコメントと同じ場所・因子で保存され、公開されることに"
        "同意します。位置座標やIPアドレスは保存しません。{days}日後に自動で削除されます。",
        "en": "I agree that the text of my reply is stored and shown publicly, under the same "
        "place and factor as the comment it answers. No coordinates or IP address are "
        "stored. Replies are deleted automatically after {days} days.",
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
    # --- a photo with a comment (issue 15, item 4) ---
    "photo_upload": {"ja": "写真 (任意・1枚、JPEG または PNG、{mb} MB まで)", "en": "Photo (optional, one, JPEG or PNG, up to {mb} MB)"},
    "photo_note": {"ja": "写真は撮影場所(GPS)・日時・機種などの情報をすべて消し、縮小してから保存します。人の顔、車のナンバー、表札が写らないようにしてください。書き出し(CSVなど)には、モデレーターが確認して承認した写真だけが入ります。", "en": "The photo is stored without where (GPS) and when it was taken, the camera or any other embedded data, and made smaller. Please keep faces, number plates and name plates out of it. Only photos a moderator has checked and approved are included in the downloads (CSV and others)."},
    "photo_alt": {"ja": "投稿 #{id} の写真", "en": "Photo of comment #{id}"},
    "photo_full": {"ja": "元の大きさで見る", "en": "Show at full size"},
    "photo_about": {"ja": "投稿 #{id} の写真 ({w}×{h})", "en": "Photo of comment #{id} ({w}×{h})"},
    "export_photos": {"ja": "承認済みの写真 (ZIP)", "en": "Approved photos (ZIP)"},
    "mod_photos": {"ja": "写真の書き出し承認 (確認待ち {n}件)", "en": "Photos to approve for export ({n} waiting)"},
    "mod_photos_intro": {"ja": "公開中の投稿の写真は、承認するまで書き出し(CSV・GeoJSON・写真ZIP)に入りません。人の顔や車のナンバーが写っていれば、写真だけを削除できます。", "en": "A shown comment's photo is in no download (CSV, GeoJSON, photo ZIP) until approved here. If it shows a face or a number plate, delete the photo alone."},
    "mod_photos_approved": {"ja": "書き出しを承認した写真 ({n}件)", "en": "Photos approved for export ({n})"},
    "mod_photo_approve": {"ja": "書き出しを承認", "en": "Approve for export"},
    "mod_photo_withdraw": {"ja": "承認を取り消す", "en": "Withdraw the approval"},
    "mod_photo_delete": {"ja": "写真だけ削除", "en": "Delete the photo only"},
    "mod_photo_reason": {"ja": "上の「理由」を入力すると押せます(記録されます)。", "en": "Type a reason above first (it is logged)."},
    "action_photo_approve": {"ja": "写真の書き出しを承認", "en": "photo approved for export"},
    "action_photo_withdraw": {"ja": "写真の書き出し承認を取り消し", "en": "photo export approval withdrawn"},
    "action_photo_delete": {"ja": "写真を削除", "en": "photo deleted"},
    "lifecycle": {
        "ja": "データの扱い: 同意を得た投稿のみ保存し、{days}日で自動削除します。報告が3件集まった投稿は"
        "確認まで非表示になり、非表示・削除はすべて記録されます。",
        "en": "Data lifecycle: only consented posts are stored, and they are deleted after {days} "
        "days. A comment reported 3 times is hidden until a moderator decides; every hide and "
        "delete is logged.",
    },
    "login": {"ja": "ログイン", "en": "Log in"},
    "login_failed": {"ja": "パスワードが違います。", "en": "Wrong password."},
    # --- abuse guards (issue 16) ---
    "login_wait": {"ja": "ログインの失敗が続いたため、いまは受け付けていません。{s}秒後にもう一度お試しください。", "en": "Too many failed logins: this attempt was not checked. Try again in {s} s."},
    "login_slowed": {"ja": "失敗が続いているため、次の試行は{s}秒後から受け付けます。", "en": "After repeated failures the next attempt is accepted in {s} s."},
    "login_streak": {"ja": "パスワードの失敗が{n}回続いています(すべての端末の合計)。ログインは遅らせています。", "en": "{n} failed password attempts in a row (all browsers together): logins are being slowed down."},
    "alert_login_burst": {"ja": "ログイン失敗が集中しています: {first}〜{last} に{n}回(複数の端末から)。パスワードを推測されている可能性があります。", "en": "A burst of failed logins: {n} between {first} and {last}, from several browsers. Someone may be guessing the password."},
    "alert_comment_ceiling": {"ja": "この市区町村への投稿が上限に達しました: {first}〜{last} に{n}件の投稿をお断りしました。", "en": "This city reached its ceiling of comments per minute: {n} comments refused between {first} and {last}."},
    "alert_report_burst": {"ja": "新しい端末からの報告が短時間に集中しています({first}〜{last}、{n}件)。自動では非表示にせず、確認待ちに入れました。", "en": "Reports from new browsers came in a burst ({n} between {first} and {last}): not hidden automatically, waiting in the queue."},
    "mod_report_mix": {"ja": "未確認の報告のうち、利用実績のある端末から {counted}件 (自動非表示に数える)、新しい端末から {new}件 (数えない)", "en": "Pending reports: {counted} from browsers with earlier activity (these hide automatically), {new} from new browsers (these only queue)"},
    "mod_burst": {"ja": "新しい端末からの報告が短時間に集中しました。一人が複数の端末で報告した可能性があります。内容を確認してください。", "en": "Reports from new browsers came in a burst: possibly one person using several browsers. Please review the comment."},
    "held_title": {"ja": "確認中のあなたの投稿", "en": "Your comments under review"},
    "held_review": {"ja": "報告を受けたため、モデレーターが確認するまで非表示です(審査中)。", "en": "Hidden after reports until a moderator reviews it (under review)."},
    "held_hidden": {"ja": "モデレーターにより非表示になりました。", "en": "Hidden by a moderator."},
    "action_login": {"ja": "ログイン", "en": "logged in"},
    "action_login_failed": {"ja": "ログイン失敗", "en": "failed login"},
    "actor_login": {"ja": "ログイン試行", "en": "login attempt"},
    "audit_reason_login_failed": {"ja": "{page}: パスワード違い ({n}回連続)", "en": "{page}: wrong password ({n} in a row)"},
    "audit_detail_next": {"ja": "次の試行は{s}秒後から", "en": "next attempt after {s} s"},
    "audit_detail_name": {"ja": "(入力された名前: {who})", "en": "(name given: {who})"},
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
    "mod_state": {"ja": "状態: {status} / 報告: {reports}件 (未確認 {pending}件)", "en": "Status: {status}; reports: {reports} ({pending} not yet reviewed)"},
    "mod_where": {"ja": "場所: {place}", "en": "Where: {place}"},
    "mod_find": {"ja": "番号で探す (# の後の数字)", "en": "Find by number (the digits after #)"},
    "mod_not_queued": {"ja": "#{id} は確認待ちにありません。", "en": "#{id} is not in the queue."},
    "mod_order": {"ja": "自動で非表示になったもの、報告の多いものから順に{n}件ずつ表示します。", "en": "Auto-hidden and most-reported first, {n} at a time."},
    "mod_reasons": {"ja": "報告の理由:", "en": "Reasons given:"},
    "mod_dismiss": {"ja": "報告を却下 (表示のまま)", "en": "Dismiss the reports (keep it shown)"},
    "status_visible": {"ja": "公開中", "en": "shown"},
    "status_hidden_auto": {"ja": "報告により自動で非表示", "en": "hidden automatically after reports"},
    "status_hidden": {"ja": "非表示", "en": "hidden"},
    "status_deleted": {"ja": "削除済み", "en": "deleted"},
    "audit_note": {"ja": "新しい順に最大{n}件を表示しています。", "en": "The newest {n} rows, newest first."},
    "audit_when": {"ja": "日時", "en": "When"},
    "audit_comment": {"ja": "投稿番号", "en": "Comment"},
    "audit_action": {"ja": "操作", "en": "Action"},
    "audit_actor": {"ja": "実行者", "en": "By"},
    "audit_reason": {"ja": "理由", "en": "Reason"},
    "audit_detail": {"ja": "変更", "en": "Change"},
    "action_hide": {"ja": "非表示", "en": "hidden"},
    "action_restore": {"ja": "表示に戻す", "en": "restored"},
    "action_delete": {"ja": "削除", "en": "deleted"},
    "action_auto_hide": {"ja": "自動で非表示", "en": "hidden automatically"},
    "action_delete_by_token": {"ja": "投稿者が削除", "en": "deleted by the poster"},
    "action_purge": {"ja": "保存期間切れの一括削除", "en": "retention purge"},
    "actor_system": {"ja": "システム", "en": "system"},
    "actor_poster": {"ja": "投稿者", "en": "poster"},
    "mod_reason": {"ja": "理由 (必須・記録されます)", "en": "Reason (required, logged)"},
    "mod_hide": {"ja": "非表示にする", "en": "Hide"},
    "mod_keep": {"ja": "非表示のまま確定", "en": "Keep it hidden"},
    "mod_no_reason": {"ja": "(理由の記入なし)", "en": "(no reason given)"},
    "mod_restore": {"ja": "表示に戻す", "en": "Restore"},
    "mod_delete": {"ja": "削除する", "en": "Delete"},
    "mod_done_hide": {"ja": "#{id} を非表示にしました (記録に残りました)。", "en": "#{id} is hidden (recorded in the audit log)."},
    "mod_done_dismiss": {"ja": "#{id} の報告を却下し、表示のままにしました (記録に残りました)。", "en": "#{id}: reports dismissed, it stays shown (recorded in the audit log)."},
    "mod_done_keep": {"ja": "#{id} を非表示のまま確定しました (記録に残りました)。", "en": "#{id} stays hidden (recorded in the audit log)."},
    "mod_done_restore": {"ja": "#{id} を表示に戻しました (記録に残りました)。", "en": "#{id} is shown again (recorded in the audit log)."},
    "mod_done_delete": {"ja": "#{id} を削除しました (記録に残りました)。", "en": "#{id} is deleted (recorded in the audit log)."},
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
    # --- flows and vacancy pages (issue 6) ---
    "page_flows": {"ja": "人の流れ", "en": "Visitor flows"},
    "flows_intro": {
        "ja": "国土交通省「全国の人流オープンデータ」の1 kmメッシュ別滞在人口(月ごとの1日平均)を、面積按分でH3の六角形に載せています。どこに・いつ・どこから人が来ているかを見られます。",
        "en": "MLIT's people-flow open data — average daily stay population per 1 km mesh and month — put on H3 hexagons by areal weighting: where people go, when, and where they come from.",
    },
    "flows_none": {
        "ja": "この市の人流データはありません。人流オープンデータ(1 kmメッシュ別滞在人口のCSV)を data/raw/<市>/ に置き、python -m geo.context.flows で取り込んでください。",
        "en": "There is no people-flow data for this city. Put MLIT's people-flow CSVs (stay population per 1 km mesh) in data/raw/<city>/ and import them with python -m geo.context.flows.",
    },
    "flows_metric": {"ja": "表示する値", "en": "Show"},
    "flows_metric_stay": {"ja": "滞在人口 (人)", "en": "Stay population (people)"},
    "flows_metric_change": {"ja": "2019年同月比 (%)", "en": "Change vs same month of 2019 (%)"},
    "flows_metric_ratio": {"ja": "昼夜比 (昼÷深夜, %)", "en": "Day / night ratio (daytime ÷ late night, %)"},
    "dayflag": {"ja": "曜日", "en": "Days"},
    "dayflag_0": {"ja": "休日", "en": "Holidays"},
    "dayflag_1": {"ja": "平日", "en": "Weekdays"},
    "dayflag_2": {"ja": "全日", "en": "All days"},
    "timezone": {"ja": "時間帯", "en": "Time of day"},
    "timezone_0": {"ja": "昼 (11〜15時)", "en": "Daytime (11:00–15:00)"},
    "timezone_1": {"ja": "深夜 (1〜5時)", "en": "Late night (01:00–05:00)"},
    "timezone_2": {"ja": "終日", "en": "All day"},
    "flows_ratio_tz": {
        "ja": "昼夜比は常に昼と深夜を比べます。", "en": "The ratio always compares daytime with late night.",
    },
    "flows_month": {"ja": "月", "en": "Month"},
    "flows_play": {"ja": "再生", "en": "Play"},
    "flows_play_help": {
        "ja": "オンの間、1.5秒ごとに次の月へ進みます(最後の月の次は最初に戻ります)。止めるにはオフにします。",
        "en": "While on, moves to the next month every 1.5 seconds (after the last month it starts again). Switch off to stop.",
    },
    "flows_city_total": {"ja": "市内の滞在人口 ({month})", "en": "Stay population in the city ({month})"},
    "flows_vs": {"ja": "{base}比", "en": "vs {base}"},
    "flows_city_ratio": {"ja": "市全体の昼夜比", "en": "City day / night ratio"},
    "flows_change_note": {
        "ja": "同じ月の2019年({base})と比べた増減です。2020年春の落ち込みは新型コロナの影響です。",
        "en": "Change against the same month of 2019 ({base}); the dip of spring 2020 is the pandemic.",
    },
    "flows_ratio_note": {
        "ja": "100 %を超える場所は昼に人が集まる場所(来る場所)、下回る場所は夜に人がいる場所(住む場所)です。色は上下2 %を端の色でまとめています。",
        "en": "Over 100 % is where people come to in the daytime; under 100 % is where they are at night (where they live). The top and bottom 2 % share the end colours.",
    },
    "flows_method": {
        "ja": "1 kmメッシュの値をメッシュ内で一様と仮定し、H3解像度9の六角形との重なり面積で按分しています(各月のメッシュ合計は保存されます)。10人未満のメッシュは公開されていないため0として扱います。",
        "en": "Each 1 km mesh is assumed uniform and spread onto H3 res-9 hexagons by overlapping area (every month's mesh totals are conserved). Meshes under 10 people are not published and count as 0.",
    },
    "flows_origin_title": {"ja": "どこから来ているか (市全体)", "en": "Where visitors come from (whole city)"},
    "flows_no_origins": {"ja": "居住地別のデータはありません。", "en": "No by-origin data."},
    "flows_people": {"ja": "人", "en": "people"},
    "origin_same_city": {"ja": "市内", "en": "Same city"},
    "origin_same_prefecture": {"ja": "県内(市外)", "en": "Same prefecture"},
    "origin_same_region": {"ja": "同じ地方(県外)", "en": "Same region"},
    "origin_elsewhere": {"ja": "それ以外", "en": "Elsewhere"},
    "flows_origin_note": {
        "ja": "{month}: 市外から来た人は{share}。居住地の区分はデータ仕様の「同市区町村/同都道府県/同地方/それ以外」によります。",
        "en": "{month}: {share} came from outside the city. Origins follow the dataset: same city / same prefecture / same region / elsewhere.",
    },
    "flows_vitality_title": {"ja": "中心部のにぎわい (昼の滞在人口)", "en": "Central-area vitality (daytime stay population)"},
    "flows_area": {"ja": "範囲", "en": "Area"},
    "flows_area_centre": {"ja": "中心部 (昼の人口が最も多い1 kmメッシュ)", "en": "City centre (the busiest 1 km mesh)"},
    "flows_area_towns": {"ja": "町丁を選ぶ", "en": "Pick towns"},
    "flows_area_cells": {"ja": "地図で選んだ六角形", "en": "Hexagons picked on the map"},
    "flows_towns_pick": {"ja": "町丁 (複数可)", "en": "Towns (several allowed)"},
    "flows_cells_hint": {
        "ja": "地図の六角形をクリックして選びます(Shift+クリックで複数)。選択中: {n}個",
        "en": "Click hexagons on the map (Shift+click for several). Selected: {n}",
    },
    "flows_area_empty": {"ja": "範囲を選んでください。", "en": "Choose an area."},
    "flows_daytime_stay": {"ja": "昼の滞在人口", "en": "Daytime stay population"},
    "flows_change_col": {"ja": "2019年同月比 (%)", "en": "Change vs 2019 (%)"},
    "flows_vitality_note": {
        "ja": "{day}の昼(11〜15時)の平均。{month}は2019年同月比 {change}。",
        "en": "{day}, daytime (11:00–15:00) average. {month}: {change} against the same month of 2019.",
    },
    "flows_centre_note": {
        "ja": "中心部 = 2019年の平日昼に最も人の多い1 kmメッシュ ({mesh})。",
        "en": "Centre = the 1 km mesh with most people on 2019 weekday daytimes ({mesh}).",
    },
    "flows_download_series": {"ja": "推移をCSVで保存", "en": "Download the series (CSV)"},
    "page_vacancy": {"ja": "空き家の推定", "en": "Vacancy estimates"},
    "vac_intro": {
        "ja": "建物ごとの記録(水道の未使用期間・住民登録・事業所の有無)から空き家を推定し、H3の六角形と町丁ごとに示します。",
        "en": "Vacant dwellings estimated from building records (months without water use, resident register, business listing), shown per H3 hexagon and per town.",
    },
    "vac_source": {"ja": "建物データ", "en": "Building records"},
    "vac_source_sample": {"ja": "サンプルデータ / sample data", "en": "サンプルデータ / sample data"},
    "vac_source_upload": {"ja": "CSVを読み込む", "en": "Upload a CSV"},
    "vac_no_sample": {
        "ja": "この市には世帯数のある町丁データがないため、サンプルデータは作れません。建物データのCSVを読み込んでください。",
        "en": "This city has no towns with household counts, so no sample can be made: upload a CSV of building records.",
    },
    "vac_sample_banner": {
        "ja": "サンプルデータ / sample data: 建物の記録は、町丁ごとの実際の世帯数(前橋市 町丁別人口)から住戸数を決め、乱数(固定シード)で作った架空のデータです。実在の建物や空き家を示すものではありません。",
        "en": "サンプルデータ / sample data: the building records are invented from a fixed seed, with dwelling counts derived from each town's real number of households. They show no real building or vacancy.",
    },
    "vac_upload": {"ja": "建物データ (CSV)", "en": "Building records (CSV)"},
    "vac_upload_help": {
        "ja": "列: building_id(建物ID), town_code(町丁コード) または lon/lat(経度/緯度), dwellings(住戸数), water_idle_months(水道未使用月数), residents(住民登録人数), business(事業所 1/0)。UTF-8・Shift_JIS どちらも可。ファイルは保存しません。",
        "en": "Columns: building_id, town_code or lon/lat, dwellings, water_idle_months, residents, business (1/0). UTF-8 or Shift_JIS. The file is not stored.",
    },
    "vac_upload_wait": {"ja": "CSVファイルを選んでください。", "en": "Choose a CSV file."},
    "vac_upload_errors": {"ja": "読み込めませんでした。次の箇所を直してください:", "en": "The file could not be read; please fix:"},
    "vac_k": {"ja": "秘匿の基準 (建物数)", "en": "Suppression threshold (buildings)"},
    "vac_k_help": {
        "ja": "建物がこの数未満の六角形・町丁は、数値をすべて表示しません(地図・表・ダウンロードとも)。",
        "en": "Hexagons and towns with fewer buildings than this show no figures at all (map, tables and downloads).",
    },
    "vac_calibrate": {"ja": "住宅・土地統計調査の空き家率に合わせる", "en": "Calibrate to the Housing and Land Survey rate"},
    "vac_calibrate_help": {
        "ja": "市全体の推定空き家率が目標値にちょうど一致するよう、全建物の確率を同じだけ(対数オッズで)ずらします。",
        "en": "Shifts every building's probability by the same log-odds so the city-wide estimated rate equals the target exactly.",
    },
    "vac_target": {"ja": "目標の空き家率 (%)", "en": "Target vacancy rate (%)"},
    "vac_target_help": {
        "ja": "初期値13.8 %は2023年住宅・土地統計調査の全国値です。市の値が公表されていればそれを入れてください。",
        "en": "13.8 % is the 2023 national figure of the Housing and Land Survey; enter the city's own figure where published.",
    },
    "vac_metric": {"ja": "表示する値", "en": "Show"},
    "vac_metric_rate": {"ja": "推定空き家率 (%)", "en": "Estimated vacancy rate (%)"},
    "vac_metric_estimated": {"ja": "推定空き家数 (戸)", "en": "Estimated vacant dwellings"},
    "vac_metric_likely_vacant": {"ja": "空き家の可能性が高い住戸 (戸)", "en": "Dwellings likely vacant (rule)"},
    "vac_buildings": {"ja": "建物数", "en": "Buildings"},
    "vac_dwellings": {"ja": "住戸数", "en": "Dwellings"},
    "vac_band": {"ja": "95 %の幅: {low} 〜 {high}", "en": "95 % band: {low} – {high}"},
    "vac_likely_note": {
        "ja": "規則(水道12か月以上未使用、または点数3以上)で「空き家の可能性が高い」住戸: {n}戸",
        "en": "Dwellings flagged 'likely vacant' by the rules (water unused ≥ 12 months, or a score of 3 or more): {n}",
    },
    "vac_total_suppressed": {
        "ja": "建物が{k}棟未満のため、数値を表示しません。", "en": "Fewer than {k} buildings: no figures are shown.",
    },
    "vac_suppressed_note": {
        "ja": "建物が{k}棟未満の六角形は秘匿しています ({total}個中{n}個)。",
        "en": "Hexagons with fewer than {k} buildings are suppressed ({n} of {total}).",
    },
    "vac_low": {"ja": "下限 (戸)", "en": "Low (dwellings)"},
    "vac_high": {"ja": "上限 (戸)", "en": "High (dwellings)"},
    "vac_rate_pct": {"ja": "推定空き家率 (%)", "en": "Rate (%)"},
    "vac_rate_low": {"ja": "率の下限 (%)", "en": "Rate low (%)"},
    "vac_rate_high": {"ja": "率の上限 (%)", "en": "Rate high (%)"},
    "vac_suppressed": {"ja": "秘匿", "en": "Suppressed"},
    "vac_data_label": {"ja": "データの種類", "en": "Data"},
    "vac_rules_title": {"ja": "推定の方法", "en": "How the estimate works"},
    "vac_rules": {
        "ja": "点数: 水道12か月以上未使用 +3、6〜11か月 +1、6か月以内に使用 −1、住民登録なし +2、事業所の登録なし +1(不明は0)。\n\n"
        "3点以上(水道12か月以上未使用なら必ず)を「空き家の可能性が高い」とします。点数ごとの確率(−1: 2 %, 0: 3 %, 1: 8 %, 2: 25 %, 3: 70 %, 4: 80 %, 5: 90 %, 6: 95 %)の合計が推定空き家数です。\n\n"
        "幅は各建物が確率どおり独立に空き家かどうか決まるとしたときの95 %区間です(確率の表そのものの誤差は含みません)。",
        "en": "Score: water unused ≥ 12 months +3, 6–11 months +1, used within 6 months −1, nobody registered +2, no business listed +1 (unknown: 0).\n\n"
        "A score of 3 or more (always when water is unused ≥ 12 months) means 'likely vacant'. Each score has a probability (−1: 2 %, 0: 3 %, 1: 8 %, 2: 25 %, 3: 70 %, 4: 80 %, 5: 90 %, 6: 95 %); their sum is the estimate.\n\n"
        "The band is the 95 % interval if each building is vacant independently with its probability; it leaves out error in the probability table itself.",
    },
    "vac_sample_attr": {
        "ja": "住戸数のもと: 町丁別の世帯数(実データ、出典は下記)。建物の記録: サンプルデータ / sample data(固定の乱数シードで生成)。",
        "en": "Dwelling counts come from real town household counts (sources below). Building records: サンプルデータ / sample data (generated with a fixed seed).",
    },
    # --- Well-Being survey overlay and the service catalog (pages/survey.py, pages/catalog.py)
    "page_survey": {"ja": "Well-Being調査", "en": "Well-Being survey"},
    "page_catalog": {"ja": "因子とサービス", "en": "Factors and services"},
    "sv_intro": {
        "ja": "Well-Being調査(24因子・生活満足度・幸福感)の回答を町丁や六角形ごとに集計して地図に重ね、同じ因子についての市民の声と客観指標(徒歩圏カバー率)を並べます。平均だけでなく回答の分布・回答者数・95%信頼区間も示します。市町村の順位付けはしません。",
        "en": "Answers to the Well-Being survey (24 factors, life satisfaction, happiness) summarised by town or hexagon on the map, beside citizens' comments on the same factor and the objective KPI (walking coverage). Shows the spread of answers, the number of respondents and a 95 % interval, not only the mean. Municipalities are never ranked.",
    },
    "sv_no_towns": {
        "ja": "この市のデータには町丁の区域と人口がないため、調査の回答を地域に重ねられません。因子とサービスのカタログは「因子とサービス」ページで使えます。",
        "en": "This city's data has no towns with population, so survey answers cannot be placed on the map. The factor ↔ service catalog is on the 'Factors and services' page.",
    },
    "sv_source": {"ja": "調査データ", "en": "Survey data"},
    "sv_source_sample": {"ja": "サンプルデータ / sample data", "en": "サンプルデータ / sample data"},
    "sv_source_upload": {"ja": "自分の調査ファイル (CSV)", "en": "My survey file (CSV)"},
    "sv_upload": {
        "ja": "回答者1人1行のCSV (UTF-8 / Shift_JIS)", "en": "CSV, one row per respondent (UTF-8 / Shift_JIS)"
    },
    "sv_mapping": {
        "ja": "列の対応表 (任意, TOML — data/framework/survey_columns.toml を参照)",
        "en": "Column mapping (optional, TOML — see data/framework/survey_columns.toml)",
    },
    "sv_upload_note": {
        "ja": "ファイルはサーバーのメモリ上でのみ処理し、保存しません。表示・保存される集計はすべて回答者数の下限を守ります。",
        "en": "The file is processed in the server's memory only and never stored. Every figure shown or downloaded respects the minimum group size.",
    },
    "sv_upload_first": {
        "ja": "調査ファイルをアップロードしてください。", "en": "Upload a survey file to begin."
    },
    "sv_source_sample_note": {
        "ja": "調査データ: サンプルデータ / sample data — 実際の回答ではありません。前橋市の町丁別人口(2025年6月30日)に比例して回答者を配置し、固定の乱数シードで生成しました。",
        "en": "Survey data: サンプルデータ / sample data — not real answers. Respondents are placed in proportion to the real town populations (2025-06-30) and generated with a fixed seed.",
    },
    "sv_source_upload_note": {"ja": "調査データ: アップロードされたファイル {file}", "en": "Survey data: uploaded file {file}"},
    "sv_unreadable": {"ja": "ファイルを読めません: {why}", "en": "The file cannot be read: {why}"},
    "sv_sample_banner": {
        "ja": "サンプルデータ / sample data: 表示している回答は説明用に生成したもので、実際の調査結果ではありません。",
        "en": "サンプルデータ / sample data: these answers were generated to show the method; they are not survey results.",
    },
    "sv_sample_label": {"ja": "※ サンプルデータ / sample data", "en": "※ サンプルデータ / sample data"},
    "sv_problems": {
        "ja": "読み込みの問題 {n}件 (除外した行: {skipped})", "en": "{n} problems while reading ({skipped} rows left out)"
    },
    "sv_row": {"ja": "行", "en": "Row"},
    "sv_column": {"ja": "列", "en": "Column"},
    "sv_message": {"ja": "内容", "en": "Problem"},
    "sv_no_rows": {"ja": "使える回答がありません。", "en": "No usable answers."},
    "sv_measure": {"ja": "表示する項目", "en": "What to show"},
    "sv_level": {"ja": "地域の単位", "en": "Areas"},
    "sv_level_h3_7": {"ja": "六角形 大 (H3解像度7, 約5 km²)", "en": "Large hexagons (H3 res 7, ~5 km²)"},
    "sv_level_h3_8": {"ja": "六角形 中 (H3解像度8, 約0.7 km²)", "en": "Medium hexagons (H3 res 8, ~0.7 km²)"},
    "sv_level_town": {"ja": "町丁", "en": "Towns (町丁)"},
    "sv_age": {"ja": "年代", "en": "Age"},
    "sv_sex": {"ja": "性別", "en": "Sex"},
    "sv_age_18-29": {"ja": "18〜29歳", "en": "18–29"},
    "sv_age_30-39": {"ja": "30代", "en": "30–39"},
    "sv_age_40-49": {"ja": "40代", "en": "40–49"},
    "sv_age_50-59": {"ja": "50代", "en": "50–59"},
    "sv_age_60-69": {"ja": "60代", "en": "60–69"},
    "sv_age_70+": {"ja": "70歳以上", "en": "70+"},
    "sv_sex_male": {"ja": "男性", "en": "Men"},
    "sv_sex_female": {"ja": "女性", "en": "Women"},
    "sv_sex_other": {"ja": "その他・回答しない", "en": "Other / no answer"},
    "sv_k": {"ja": "最少回答者数", "en": "Min. respondents"},
    "sv_k_help": {
        "ja": "回答者がこの人数未満の地域・グループは表示も保存もしません(下限 {k})。",
        "en": "Areas and groups with fewer respondents are never shown or exported (at least {k}).",
    },
    "sv_show_comments": {"ja": "市民の声を重ねる", "en": "Show citizens' comments"},
    "sv_mean": {"ja": "平均", "en": "Mean"},
    "sv_ci": {"ja": "95%信頼区間", "en": "95 % interval"},
    "sv_n": {"ja": "回答者数", "en": "Respondents"},
    "sv_vs_city": {"ja": "市全体との比較", "en": "vs city"},
    "sv_map_note": {
        "ja": "色のついた地域: {shown}。灰色は回答者が{k}人未満か、引き算で少人数の値が分かってしまうため非表示にした地域です。点は市民の声(色: 最も多い種類、大きさ: 件数)。",
        "en": "Areas shown: {shown}. Grey areas have fewer than {k} respondents, or are hidden so that a small group cannot be worked out by subtraction. Dots: citizens' comments (colour: most common kind, size: count).",
    },
    "sv_hidden_tip": {"ja": "非表示 (回答者が少ないため)", "en": "hidden (too few respondents)"},
    "sv_hidden_pick": {
        "ja": "この地域は回答者が{k}人未満などの理由で非表示です。", "en": "This area is hidden (fewer than {k} respondents, or to prevent subtraction)."
    },
    "sv_comments_tip": {"ja": "市民の声 {n}件", "en": "{n} comments"},
    "sv_and_more": {"ja": "ほか", "en": " etc."},
    "sv_area_pick": {"ja": "地域を選ぶ (地図を使わない場合)", "en": "Pick an area (without the map)"},
    "sv_area_title": {"ja": "選んだ地域: {name}", "en": "Selected area: {name}"},
    "sv_city_title": {"ja": "市全体 (地図の地域をクリックすると比較します)", "en": "Whole city (click an area on the map to compare)"},
    "sv_city_hidden": {
        "ja": "このグループは市全体でも回答者が{k}人未満などのため表示できません。",
        "en": "This group has fewer than {k} respondents city-wide (or is hidden to prevent subtraction).",
    },
    "sv_radar": {"ja": "24因子のレーダー (平均, 1〜5)", "en": "Radar of the 24 factors (means, 1–5)"},
    "sv_radar_note": {
        "ja": "中心が1、外周が5。回答者が{k}人未満の因子は点を描きません。公式ダッシュボードの偏差値ではなく平均値です。",
        "en": "Centre = 1, rim = 5. Factors with fewer than {k} answers are left out. Means, not the official dashboard's deviation scores.",
    },
    "sv_distribution": {"ja": "回答の分布: {m}", "en": "Distribution of answers: {m}"},
    "sv_share": {"ja": "割合", "en": "Share"},
    "sv_answer": {"ja": "回答", "en": "Answer"},
    "sv_scale": {"ja": "回答は{lo}〜{hi}。", "en": "Answers range from {lo} to {hi}."},
    "sv_objective": {"ja": "客観指標 (徒歩圏カバー率)", "en": "Objective KPIs (walking coverage)"},
    "sv_other_kpis": {
        "ja": "この因子のその他の客観指標 (本アプリでは未計算): {names}",
        "en": "Other objective KPIs of this factor (not computed here): {names}",
    },
    "sv_voices": {"ja": "この地域の市民の声 ({m})", "en": "Citizens' comments here ({m})"},
    "sv_services": {"ja": "「{m}」を高め得るサービス ({n}件)", "en": "Services that may raise '{m}' ({n})"},
    "sv_gap": {"ja": "ギャップ: 客観指標・満足度・市民の声", "en": "Gaps: objective KPI, satisfaction, comments"},
    "sv_gap_intro": {
        "ja": "地域ごとに客観指標(カバー率)、主観(調査の平均と95%信頼区間)、市民の声の件数と懸念の割合を並べ、食い違いに印をつけます。並びは地域名順で、順位ではありません。",
        "en": "Per area: the objective KPI (coverage), the subjective score (mean and 95 % interval) and the number and tone of comments, with mismatches flagged. Listed by area name — not a ranking.",
    },
    "sv_gap_empty": {
        "ja": "表示できる地域がありません(回答者{k}人以上の地域がない)。六角形を大きくするか、絞り込みを外してください。",
        "en": "No area can be shown (none has {k} or more respondents). Use larger hexagons or remove the filters.",
    },
    "sv_flag_kpi_high_score_low": {"ja": "カバー率は市平均以上だが満足度は低い", "en": "coverage at or above the city's, but satisfaction below"},
    "sv_flag_kpi_low_score_high": {"ja": "カバー率は市平均未満だが満足度は高い", "en": "coverage below the city's, but satisfaction above"},
    "sv_flag_concerns_cluster": {"ja": "懸念の声が集まっている", "en": "concerns cluster here"},
    "sv_kpi_col": {"ja": "カバー率 {kind} (%)", "en": "Coverage {kind} (%)"},
    "sv_kpi_none": {"ja": "客観指標 (なし)", "en": "Objective KPI (none)"},
    "sv_area": {"ja": "地域", "en": "Area"},
    "sv_this_area": {"ja": "この地域", "en": "This area"},
    "sv_subj_above": {"ja": "高い", "en": "above"},
    "sv_subj_below": {"ja": "低い", "en": "below"},
    "sv_subj_similar": {"ja": "差は不明確", "en": "no clear difference"},
    "sv_comments": {"ja": "声の件数", "en": "Comments"},
    "sv_flags": {"ja": "食い違い", "en": "Mismatch"},
    "sv_gap_story": {
        "ja": "{name}: カバー率は高いのに満足度は低く、懸念の声が集まっています。",
        "en": "{name}: coverage is high but satisfaction is low, and concerns cluster here.",
    },
    "sv_gap_note": {
        "ja": "「高い」「低い」は95%信頼区間が市全体の平均 {city} を含まない場合だけです。",
        "en": "'above' / 'below' only when the 95 % interval excludes the city mean {city}.",
    },
    "sv_download": {"ja": "集計の保存", "en": "Download the summary"},
    "sv_download_csv": {"ja": "地域別の集計をCSVで保存", "en": "Area summary (CSV)"},
    "sv_download_geojson": {"ja": "地域別の集計をGeoJSONで保存", "en": "Area summary (GeoJSON)"},
    "sv_download_note": {
        "ja": "保存されるのは表示と同じ地域だけです(回答者{k}人未満の地域・グループは含みません)。個々の回答は含みません。",
        "en": "Downloads hold the same areas as the map (no area or group under {k} respondents) and never individual answers.",
    },
    "sv_agg": {"ja": "公表集計を読み込む (市区町村×年度×年代×性別)", "en": "Load the published aggregate (municipality × year × age × sex)"},
    "sv_agg_note": {
        "ja": "デジタル庁ダッシュボード形式の集計表を読み込み、1市町村ずつ表示します(回答者{k}人未満の行は非表示、市町村の順位付けはしません)。",
        "en": "Reads the dashboard's aggregate table and shows one municipality at a time (rows under {k} respondents hidden; municipalities are never ranked).",
    },
    "sv_agg_upload": {"ja": "集計表 (CSV)", "en": "Aggregate table (CSV)"},
    "sv_agg_muni": {"ja": "市区町村", "en": "Municipality"},
    "sv_agg_hidden": {"ja": "非表示にした行: {n} (回答者{k}人未満)", "en": "Rows hidden: {n} (under {k} respondents)"},
    "cat_intro": {
        "ja": "24のWell-Being因子と、ガイドブック等で紹介されたスマートシティ・サービスの対応表です。因子を選ぶと向上策になり得るサービスを、サービスを選ぶと関係し得る因子を示します(逆引き)。",
        "en": "The 24 Well-Being factors matched with smart-city services from the guidebooks: pick a factor to see services that may raise it, or a service to see the factors it may raise (reverse lookup).",
    },
    "cat_by_factor": {"ja": "因子 → サービス", "en": "Factor → services"},
    "cat_pick_factor": {"ja": "因子を選ぶ", "en": "Pick a factor"},
    "cat_services_found": {"ja": "{n}件のサービス", "en": "{n} services"},
    "cat_none": {"ja": "この因子に対応するサービスはまだ登録されていません。", "en": "No service is listed for this factor yet."},
    "cat_by_service": {"ja": "サービス → 因子 (逆引き)", "en": "Service → factors (reverse lookup)"},
    "cat_pick_service": {"ja": "サービスを選ぶ", "en": "Pick a service"},
    "cat_factors_found": {"ja": "関係し得る因子", "en": "Factors it may raise"},
    "cat_source": {"ja": "出典", "en": "Source"},
    "cat_coverage": {"ja": "因子ごとの登録サービス数", "en": "Services listed per factor"},
    "cat_n_services": {"ja": "サービス数", "en": "Services"},
    "cat_note": {
        "ja": "対応づけは各サービスの内容から本アプリが判断したもので、効果を測定したものではありません。出典: スマートシティガイドブック、前橋市資料など (data/framework/catalog.toml)。",
        "en": "Links are this app's reading of what each service does, not measured effects. Sources: the smart-city guidebook, Maebashi's materials and others (data/framework/catalog.toml).",
    },
    "page_about": {"ja": "データと出典", "en": "Data and sources"},
    # --- build a city (issue 7) ---
    "dio_comment_place": {
        "ja": "コメントを付ける場所がありません。地図の六角形か町丁を選ぶか、先に施設を追加・移動してください。",
        "en": "There is no place to attach the comment to: pick a hexagon or a town, or add or "
        "move a facility first.",
    },
    "ws_qr_alt": {"ja": "{group} の参加リンクのQRコード", "en": "QR code of the join link of {group}"},
    "ws_renew": {"ja": "新しい参加リンクを作る", "en": "Make a new join link"},
    "ws_renew_help": {
        "ja": "リンクは作成時にしか表示されません(保存するのはハッシュだけです)。新しいリンクを作ると、"
        "このグループの古いリンクは使えなくなります。グループの作業はそのまま残ります。",
        "en": "Links are shown only when made (only their hashes are stored). A new link retires "
        "the group's old one; the group's work stays.",
    },
    # --- workshop: the same session and links after a reload, on another machine ---
    "ws_remember": {"ja": "この端末で覚える", "en": "Remember on this device"},
    "ws_remember_help": {
        "ja": "オンにすると、このブラウザでは再読み込みしても、ノートPCを閉じても(7日間)同じセッションが開きます。"
        "共用の端末ではオフにしてください。",
        "en": "When on, this browser reopens the same session after a reload or after the laptop "
        "was closed (for 7 days). Turn it off on a shared computer.",
    },
    "ws_leave_session": {"ja": "セッションを閉じる(この端末から忘れる)", "en": "Leave the session (forget on this device)"},
    "ws_left_session": {
        "ja": "セッションを閉じました。この端末はキーを覚えていません。もう一度開くには、ファシリテーター用キーを入力してください。",
        "en": "You left the session; this device no longer remembers its key. To open it again, "
        "enter the facilitator key.",
    },
    "ws_session_gone": {
        "ja": "覚えていたセッションが見つかりません(削除された可能性があります)。",
        "en": "The session this device remembered was not found (it may have been deleted).",
    },
    "ws_this_device": {"ja": "この端末とキー", "en": "This device and the key"},
    "ws_key_show": {"ja": "ファシリテーター用キーを表示", "en": "Show the facilitator key"},
    "ws_key_note": {
        "ja": "このキーがあれば、別の端末でも同じセッションと同じ参加リンク・QRコードを開けます。控えておき、参加者に見せたりスクリーンに映したりしないでください。",
        "en": "With this key, any device opens the same session with the same join links and QR "
        "codes. Keep it; do not show it to participants or on the projector.",
    },
    "ws_link_legacy": {
        "ja": "このグループのリンクは以前の版で作られたため、再表示できません。配布済みのリンクはそのまま使えます。"
        "新しいリンクを作ると、次からはいつでも再表示できます。",
        "en": "This group's link was made by an earlier version and cannot be shown again; links "
        "already handed out keep working. A new link can be shown again at any time.",
    },
    "ws_renew_confirm": {
        "ja": "「{group}」の参加リンクを作り直しますか? 配布済みの古いリンクとQRコードは使えなくなります。グループの作業は残ります。",
        "en": "Make a new join link for “{group}”? The old link and QR codes already handed out "
        "will stop working. The group's work stays.",
    },
    "ws_renew_yes": {"ja": "作り直す", "en": "Make the new link"},
    "ws_renew_no": {"ja": "やめる", "en": "Cancel"},
    "ws_renewed": {
        "ja": "「{group}」の新しい参加リンクを作りました。古いリンクとQRコードは使えなくなりました。",
        "en": "New join link for “{group}” made; the old link and QR codes no longer work.",
    },
    "ws_stay_note": {
        "ja": "このページやジオラマを再読み込みしても、グループに参加したままです。",
        "en": "Reloading this page or the diorama keeps you in the group.",
    },
    "ws_leave_group": {"ja": "グループから抜ける", "en": "Leave the group"},
    "ws_close_link": {"ja": "このリンクを閉じる", "en": "Close this link"},
    "ws_left_group": {
        "ja": "グループから抜けました。もう一度参加するには、グループの参加リンク(QRコード)を開いてください。",
        "en": "You left the group. To join again, open your group's join link (QR code).",
    },
    "list_page": {"ja": "ページ (全{pages}ページ)", "en": "Page (of {pages})"},
    "page_build_city": {"ja": "都市を追加", "en": "Add a city"},
    "bc_intro": {
        "ja": "お手元のオープンデータ(境界、人口、施設、歩行ネットワーク、人流)をアップロードすると、"
              "検証して新しい都市を作ります。エラーはファイル名・行・項目を示します。",
        "en": "Upload the open data you already have (boundary, population, facilities, walking "
              "network, people flows); it is checked and built into a new city. Errors name the "
              "file, row and field.",
    },
    "bc_password": {"ja": "管理者パスワード", "en": "Moderator password"},
    "bc_city_id": {"ja": "都市ID(半角英小文字・数字・_、例: takasaki)",
                   "en": "City id (lower-case letters, digits, _; e.g. takasaki)"},
    "bc_name_ja": {"ja": "都市名(日本語)", "en": "City name (Japanese)"},
    "bc_name_en": {"ja": "都市名(英語)", "en": "City name (English)"},
    "bc_prefecture": {"ja": "都道府県コード(日本国外は0)",
                      "en": "Prefecture code (0 outside Japan)"},
    "bc_boundary": {"ja": "行政区域(GeoJSON / GeoPackage / Shapefileのzip)",
                    "en": "Boundary (GeoJSON / GeoPackage / zipped Shapefile)"},
    "bc_population": {"ja": "人口(町丁ポリゴン、国勢調査メッシュCSV、H3表、地点CSV)",
                      "en": "Population (town polygons, census mesh CSV, H3 table, points CSV)"},
    "bc_facilities": {"ja": "施設(GeoJSON/CSV、国土数値情報、GTFS zip、.osm.pbf)",
                      "en": "Facilities (GeoJSON/CSV, 国土数値情報, GTFS zip, .osm.pbf)"},
    "bc_kind": {"ja": "GeoJSON/CSVの施設の種類", "en": "Kind of the GeoJSON/CSV facilities"},
    "bc_network": {"ja": "歩行ネットワーク(.osm.pbf / GraphML)",
                   "en": "Walking network (.osm.pbf / GraphML)"},
    "bc_flows": {"ja": "人流オープンデータ(国土交通省 1kmメッシュCSV)",
                 "en": "People flows (MLIT 1 km mesh CSVs)"},
    "bc_attribution": {"ja": "出典表記(形式から分からないファイル用)",
                       "en": "Attribution (for files whose source is not known from the format)"},
    "bc_build": {"ja": "検証して作成", "en": "Check and build"},
    "bc_checking": {"ja": "入力を確認しています…", "en": "Checking inputs…"},
    "bc_failed": {"ja": "作成できませんでした。既存の都市は変更されていません。",
                  "en": "The city could not be built; existing cities are unchanged."},
    "bc_done": {"ja": "{city} を作成しました。都市の選択に表示されます。",
                "en": "Built {city}; it is now in the city picker."},
    "bc_dropped": {"ja": "除外した行({n})", "en": "Rows left out ({n})"},
    "bc_open": {"ja": "この都市を開く", "en": "Open this city"},
    "bc_limits": {"ja": "ファイルの上限: {limits}(設定 DIORAMA_UPLOAD_LIMITS_MB)",
                  "en": "File size limits: {limits} (setting DIORAMA_UPLOAD_LIMITS_MB)"},
    "bc_delete": {"ja": "追加した都市を削除", "en": "Delete a city added here"},
    "bc_delete_intro": {
        "ja": "ここで追加した都市(開けなくなった都市も)を削除します。同梱の都市は削除できません。"
              "取り消しはできません。",
        "en": "Deletes a city added here (also one that can no longer be opened). The cities "
              "shipped with the app cannot be deleted. This cannot be undone."},
    "bc_delete_city": {"ja": "削除する都市", "en": "City to delete"},
    "bc_delete_reason": {"ja": "理由(記録に残ります)", "en": "Reason (kept in the record)"},
    "bc_delete_confirm": {"ja": "「{city}」を削除することを確認しました",
                          "en": "I confirm that “{city}” is to be deleted"},
    "bc_delete_button": {"ja": "削除する", "en": "Delete"},
    "bc_deleted": {"ja": "{city} を削除しました。", "en": "{city} was deleted."},
    "bc_delete_none": {"ja": "ここで追加した都市はありません。",
                       "en": "No city has been added here."},
    "bc_delete_needs_password": {
        "ja": "都市の削除には管理者パスワードの設定が必要です(moderator_password)。"
              "コマンドでは diorama delete-city で削除できます。",
        "en": "Deleting a city needs a moderator password to be configured "
              "(moderator_password); on the command line use diorama delete-city."},
    "bc_unopenable": {"ja": "開けない都市: {city}", "en": "City that cannot be opened: {city}"},
    "bc_too_large": {"ja": "ファイルが大きすぎます。何も読み込んでいません。",
                     "en": "A file is too large; nothing was read."},
    "kpi": {"ja": "表示する指標", "en": "Indicator"},
    "kpi_dist": {"ja": "最寄り施設までの距離 (m)", "en": "Distance to nearest (m)"},
    "kpi_rate": {"ja": "徒歩圏カバー率 (%)", "en": "Coverage rate (%)"},
    "kpi_uncovered": {"ja": "徒歩圏外の人口 (人)", "en": "People not covered"},
    "kpi_population": {"ja": "人口 (人)", "en": "Population"},
    "kind": {"ja": "施設の種類", "en": "Facility kind"},
    "resolution": {"ja": "六角形の大きさ", "en": "Hexagon size"},
    "res_help": {
        "ja": "大きい六角形ほど広い範囲をまとめて数えます。小さくすると細かく見られますが、"
              "ひとつの六角形に入る人や声は少なくなります。(H3グリッドの解像度7〜10)",
        "en": "Larger hexagons count a wider area together; smaller ones show more detail, "
              "with fewer people or comments in each. (H3 grid resolutions 7-10)",
    },
    "hex_size_7": {"ja": "大 (約5 km²)", "en": "Large (~5 km²)"},
    "hex_size_8": {"ja": "中 (約0.7 km²)", "en": "Medium (~0.7 km²)"},
    "hex_size_9": {"ja": "小 (約0.1 km²)", "en": "Small (~0.1 km²)"},
    "hex_size_10": {"ja": "最小 (約0.015 km²)", "en": "Smallest (~0.015 km²)"},
    "extrude": {"ja": "立体表示 (ジオラマ)", "en": "3D extrusion (diorama)"},
    "show_facilities": {"ja": "施設を表示", "en": "Show facilities"},
    "basemap": {"ja": "背景地図を表示", "en": "Show the base map"},
    "basemap_help": {
        "ja": "インターネットにつながるときは地図の下に背景地図(地理院タイルなど)を表示します。"
              "つながらないときは町丁の境界と名前だけで表示します。オフにすると地図は外部に一切アクセスしません。",
        "en": "When the internet can be reached, a base map (e.g. GSI tiles) is drawn under the "
              "maps; when not, the maps show town borders and names only. Off: the maps make "
              "no request outside this app.",
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
    "network_extent": {
        "ja": "範囲は道路網データのある中心部のみで、市全域ではありません。",
        "en": "The area is the extent of the street network (the urban core), not the whole city.",
    },
    "city_total": {"ja": "市全体", "en": "City total"},
    "value": {"ja": "値", "en": "Value"},
    "distance_to": {"ja": "最寄りまでの距離", "en": "Distance to nearest"},
    "beyond": {"ja": "3 km超", "en": "over 3 km"},
    # --- issue 13: chart titles, tables and audit rows in the user's language ---
    "chart_month": {"ja": "月", "en": "Month"},
    "chart_series": {"ja": "系列", "en": "Series"},
    "dio_cells_gained": {"ja": "徒歩圏に入るセル", "en": "Cells newly covered"},
    "dio_cells_lost": {"ja": "徒歩圏から外れるセル", "en": "Cells no longer covered"},
    "town_code": {"ja": "町丁コード", "en": "Town code"},
    "sample_label": {"ja": "サンプルデータ", "en": "Sample data"},
    "audit_reason_reported": {"ja": "{n}件のセッションから通報(しきい値 {k})",
                              "en": "reported by {n} sessions (threshold {k})"},
    "audit_reason_poster": {"ja": "投稿者が削除コードで削除", "en": "deleted by the poster with the deletion code"},
    "audit_reason_retention": {"ja": "保存期間 {days} 日", "en": "retention {days} days"},
    "audit_reason_workshop": {"ja": "ワークショップのセッションを削除", "en": "workshop session deleted"},
    "about_built": {"ja": "作成 {when}", "en": "built {when}"},
    "src_file": {"ja": "ファイル", "en": "File"},
    "src_title": {"ja": "データ名", "en": "Title"},
    "src_licence": {"ja": "ライセンス", "en": "Licence"},
    "src_row": {"ja": "行", "en": "Row"},
    "src_name": {"ja": "名前", "en": "Name"},
    "count_what": {"ja": "項目", "en": "Item"},
    "count_n": {"ja": "数", "en": "Number"},
    "count_cells_res10": {"ja": "H3セル(解像度10)", "en": "H3 cells (resolution 10)"},
    "count_towns": {"ja": "町丁", "en": "Towns"},
    "count_towns_with_population": {"ja": "人口のある町丁", "en": "Towns with a population"},
    "count_population": {"ja": "人口(人)", "en": "Population"},
    "count_households": {"ja": "世帯", "en": "Households"},
    "count_unclassified_facilities": {"ja": "種類を決められなかった施設", "en": "Facilities without a kind"},
    "count_network_nodes": {"ja": "道路網の交点", "en": "Street network nodes"},
    "count_network_edges": {"ja": "道路網の区間", "en": "Street network edges"},
    "count_network_km": {"ja": "道路網の延長", "en": "Street network length"},
    "count_facilities": {"ja": "施設: {kind}", "en": "Facilities: {kind}"},
    "warn_no_population": {
        "ja": "{file} の {row} 行目、列「{col}」: 町丁「{town}」({code})に人口の値がありません。「データなし」として表示し、合計には含めません。",
        "en": "{file}, row {row}, column '{col}': town {town} ({code}) has no population figure; it is shown as 'no data' and left out of totals.",
    },
    "audit_detail_purge": {"ja": "{when}より前に投稿されたコメント{n}件を削除",
                           "en": "{n} comments posted before {when} deleted"},
    # --- issue 13: downloads for people (ui.columns), placeholders, uploaders ---
    "dl_people": {"ja": "{what}(日本語の列名)", "en": "{what} (for people)"},
    "dl_tools": {"ja": "ツール用CSV(英字の列名)", "en": "CSV for tools (fixed column names)"},
    "dl_people_help": {"ja": "列名は日本語、人数は整数、率は % で小数1桁です。Excel で開けます。",
                       "en": "Headers in English, whole people, rates in % with one decimal; opens in Excel."},
    "dl_tools_help": {"ja": "QGIS・kepler.gl・スクリプト用に、列名は変わらない英字です(README に一覧)。",
                      "en": "Fixed snake_case column names for QGIS, kepler.gl and scripts (listed in the README)."},
    "col_name": {"ja": "町丁", "en": "Town"},
    "col_area_code": {"ja": "地域コード", "en": "Area code"},
    "col_c_id": {"ja": "番号", "en": "No."},
    "col_c_parent": {"ja": "返信先の番号", "en": "Reply to No."},
    "col_c_when": {"ja": "投稿日時", "en": "Posted"},
    "col_c_kind": {"ja": "種類", "en": "Kind"},
    "col_c_text": {"ja": "本文", "en": "Text"},
    "col_c_nickname": {"ja": "ニックネーム", "en": "Nickname"},
    "col_c_plus_ones": {"ja": "+1の数", "en": "+1s"},
    "col_c_replies": {"ja": "返信の数", "en": "Replies"},
    "col_c_scenario": {"ja": "シナリオの番号", "en": "Scenario No."},
    "col_c_photo": {"ja": "写真のファイル", "en": "Photo file"},
    "col_c_prop_kind": {"ja": "提案する施設", "en": "Proposed facility"},
    "col_c_prop_mode": {"ja": "提案の距離の測り方", "en": "Proposal: distance method"},
    "col_c_prop_people": {"ja": "提案で徒歩圏に新たに入る人", "en": "Proposal: people newly within walking distance"},
    "col_c_prop_cells": {"ja": "提案で徒歩圏に新たに入るセル", "en": "Proposal: cells newly within walking distance"},
    "col_c_prop_rate_before": {"ja": "提案前の市の徒歩圏カバー率 (%)", "en": "City coverage before the proposal (%)"},
    "col_c_prop_rate_after": {"ja": "提案後の市の徒歩圏カバー率 (%)", "en": "City coverage with the proposal (%)"},
    "col_c_prop_towns": {"ja": "提案で人が増える町丁", "en": "Proposal: towns that gain"},
    "col_c_prop_factors": {"ja": "提案で動くWell-Being因子(客観側)", "en": "Proposal: Well-Being factors it moves (objective side)"},
    "col_sv_mean": {"ja": "{m} 平均", "en": "{m}: mean"},
    "col_sv_ci_low": {"ja": "{m} 95%信頼区間の下限", "en": "{m}: 95 % interval, low"},
    "col_sv_ci_high": {"ja": "{m} 95%信頼区間の上限", "en": "{m}: 95 % interval, high"},
    "col_h3_cell": {"ja": "H3セルID", "en": "H3 cell ID"},
    "col_h3_resolution": {"ja": "H3解像度", "en": "H3 resolution"},
    "col_lon": {"ja": "経度", "en": "Longitude"},
    "col_lat": {"ja": "緯度", "en": "Latitude"},
    "col_stay": {"ja": "滞在人口(人)", "en": "Stay population"},
    "col_stay_2019": {"ja": "2019年同月の滞在人口(人)", "en": "Stay population, same month of 2019"},
    "col_daytime": {"ja": "昼の滞在人口(人)", "en": "Daytime stay population"},
    "col_night": {"ja": "深夜の滞在人口(人)", "en": "Late-night stay population"},
    "col_day_night_pct": {"ja": "昼夜比(%)", "en": "Day / night ratio (%)"},
    "col_dist": {"ja": "最寄りの{kind}までの距離(m)", "en": "Distance to the nearest {kind} (m)"},
    "col_rate": {"ja": "{kind}の徒歩圏カバー率(%)", "en": "Coverage, {kind} (%)"},
    "col_covered": {"ja": "{kind}の徒歩圏内の人口(人)", "en": "People within walking distance, {kind}"},
    "col_uncovered": {"ja": "{kind}の徒歩圏外の人口(人)", "en": "People not within walking distance, {kind}"},
    "choose_many": {"ja": "選んでください(複数可、入力して検索できます)", "en": "Choose (several allowed; type to search)"},
    "upload_help": {"ja": "ファイルをここへドラッグするか、右のボタンで選んでください。上限 {mb} MB。",
                    "en": "Drag a file here or pick one with the button. Up to {mb} MB."},
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
    from geo.kinds import KINDS

    return {k.key: kind_label(k) for k in KINDS}


def factor_name(ja_name: Any) -> str:
    """A Well-Being factor given by its Japanese name (as the library's tables carry it) in
    the session's language; a name that is not a factor is returned as it is."""
    from geo.participation.framework import FACTORS

    if lang() == "ja" or not isinstance(ja_name, str):
        return "" if ja_name is None else str(ja_name)
    return next((f.en for f in FACTORS if f.ja == ja_name), ja_name)


def labels(keys: list[str], *, prefix: str = "") -> dict[str, str]:
    """``{key: t(prefix + key)}`` for ``format_func`` (a pure dict lookup)."""
    return {k: t(prefix + k) for k in keys}
