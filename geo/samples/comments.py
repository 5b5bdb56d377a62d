"""Seeded generator of the SAMPLE state a city's comment room leaves behind (not real comments).

Tests and benchmarks need a database that looks like months of use: thousands of pinned
comments over the whole city, replies, +1s, reports, moderation, deletions, a purge run and a
workshop with its scenarios. :func:`seed_room` writes such a state **through the store's write
API only** (``Store.post_comment``, ``reply``, ``plus_one``, ``report``, ``moderate``,
``delete_by_token``, ``purge_expired`` and ``Workshop.create_session`` / ``create_scenario`` /
``save_scenario``), so every row passes the same validation and sanitising as a citizen's, and
the same seed always gives the same content.

The model:

1. **Where**: visits (a browser session posting 1-3 comments) are drawn over the city's towns
   in proportion to their population; each comment is pinned on a resolution-9 cell of its
   town (the cells the town dominates, weighted by the town's people there) and filed under
   the town that dominates the cell, as the app does.
2. **When**: over the last 300 days (70 % evenly, 20 % just after the launch, 10 % around the
   workshop), mostly at waking hours (Japan time). A session never posts faster than the
   store's rate limit allows.
3. **What**: 62 templates of citizens' remarks (bus stops, clinics, parks, shops, evacuation,
   children, elderly people ...) covering all 24 Well-Being factors and the three kinds,
   filled in with the names of the town and of the bus stop, park, school, community hall and
   shelter nearest to the pin; half of the visits give a nickname (``サンプル…``), half none.
4. **Reactions**: about 12 % of the comments are replies (1 in 20 of them to a reply, which
   the store accepts though the comment list shows one level);
   +1s come from many reader sessions (heavy-tailed: most comments none, a few dozens);
   1 % are reported by fewer sessions than the store's threshold, 0.3 % up to the automatic
   hide, 0.1 % are auto-hidden then restored by a moderator, 0.2 % hidden and 0.1 % deleted
   by a moderator, 0.5 % deleted by their poster with the edit token.
5. **Proposals, areas and routes**: one comment in 1,000 (at least 3, at most 6 of each;
   fewer proposals than the comments page lists) is an idea that proposes a facility (a bus
   stop, clinic, shop, park, community hall, shelter or nursery the city has data on, in turn)
   at its pin, placed where people live beyond walking distance of that kind; its figures
   are computed by the scenario engine on the city's baseline, as the comments page does
   (:func:`proposal_draft`), and stored with it by ``Store.post_comment``. As many are about
   an area (the pin's hexagons within 1-2 steps) and about a route (a line of hexagons from
   the pin to one 3-8 steps away), posted with their cells. They are chosen last, among the
   plain visible comments, so the rest of a seed's room is as without them.
6. **Hostile texts**: 18 texts an attacker or a careless paste would send (Markdown images
   and links, HTML and script, bidi and control characters, spreadsheet formulas, template
   syntax, SQL, emoji, full-width Japanese, a 1,000-character comment), each at least once.
7. **Workshop** (optional): a session "<市> 地域公共交通ワークショップ" with 5 groups; each
   group saves 1-2 scenarios of 2-5 modifications (add, move or remove a bus stop, set a
   walking radius) made with :mod:`geo.access.modification` on the baseline's real facilities and
   checked by applying them; participants comment on the scenarios.
8. **Retention**: a few comments older than a year are posted and removed by
   ``purge_expired`` (one purge row in the audit), as the app's daily purge would.

Nothing here is real: nicknames say サンプル, ids, keys and sessions start with ``sample-``.
Coordinates are never stored: comments carry H3 cells (resolution 9, or 10 for scenario
comments) and modifications carry cells, as everywhere in the store.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.spatial import cKDTree

from geo import access as scenario
from geo import grid
from geo.ingest.bundle import load
from geo.kinds import KIND_BY_KEY
from geo.participation import proposals as pr
from geo.participation.framework import FACTORS
from geo.participation.store import ProposalDraft, ShapeDraft, Store, Workshop, representative
from geo.participation.store.errors import RateLimited
from geo.participation.store.models import KINDS, Kind, ModerationAction, Status, utc
from geo.settings import DEFAULT_RETENTION_DAYS

__all__ = [
    "AREA_TEMPLATES",
    "HOSTILE_TEXTS",
    "MIN_COMMENTS",
    "NICKNAMES",
    "PIN_RESOLUTION",
    "PROPOSAL_TEMPLATES",
    "ROUTE_TEMPLATES",
    "SPAN_DAYS",
    "TEMPLATES",
    "RoomCounts",
    "RoomSummary",
    "WorkshopSummary",
    "proposal_draft",
    "seed_room",
]

#: Resolution of the cells citizens pin comments on (as in the app's comment map).
PIN_RESOLUTION = 9
#: The comments' dates spread over this many days before ``now``.
SPAN_DAYS = 300
#: Fewest comments :func:`seed_room` makes (every notable kind needs a few).
MIN_COMMENTS = 80
#: Age (days) beyond which the seeded purge removes comments, as the app's default retention.
RETENTION_DAYS = DEFAULT_RETENTION_DAYS

_JST = timezone(timedelta(hours=9), "JST")
_DAY = 86_400.0
_MODERATOR = "市民協働課（サンプル）"
#: Share of each hour of the day (Japan time) in the posting times.
_HOURS = np.array([1, 0.5, 0.3, 0.2, 0.3, 1, 3, 6, 7, 5, 4, 4, 7, 5, 4, 4, 4, 5, 6, 7, 9, 10,
                   8, 4], dtype=float)
_HOURS /= _HOURS.sum()

TEMPLATES: tuple[tuple[str, Kind, str], ...] = (
    # mobility
    ("mobility", "concern",
     "{stop}バス停の本数が少なく、{who}が通院に使えません。1時間に1本はあると助かります。"),
    ("mobility", "idea",
     "{stop}バス停にベンチと屋根を付けてほしいです。{who}は長く立って待てません。"),
    ("mobility", "concern", "{when}は{stop}を通るバスが遅れがちで、駅での乗り継ぎができません。"),
    ("mobility", "good",
     "{stop}バス停の時刻表が新しくなって見やすくなりました。ありがとうございます。"),
    ("mobility", "idea",
     "{town}から駅までのデマンド交通があれば、免許を返納できる高齢者が増えると思います。"),
    ("mobility", "concern",
     "{town}は最寄りのバス停まで歩いて20分以上かかります。免許を返納したら買い物に行けません。"),
    ("mobility", "idea",
     "駅まで自転車で安心して行けるよう、{town}の通りに自転車レーンがほしいです。"),
    ("mobility", "good",
     "コミュニティバスのおかげで、{who}が一人で{hall}に通えるようになりました。"),
    # medical_welfare
    ("medical_welfare", "concern", "{town}の近くに内科のクリニックがなく、{who}の通院が大変です。"),
    ("medical_welfare", "idea", "{hall}で月に一度、出張の健康相談があると安心です。"),
    ("medical_welfare", "good",
     "駅前のクリニックは夜7時まで開いていて、仕事帰りに寄れて助かっています。"),
    ("medical_welfare", "concern",
     "病院行きのバスが午前中しかなく、帰りはタクシーを使うしかありません。"),
    # shopping_dining
    ("shopping_dining", "concern", "{town}のスーパーが閉店して、歩いて行ける店がなくなりました。"),
    ("shopping_dining", "idea",
     "移動販売車が{hall}の前に週2回来てくれれば、{who}も買い物ができます。"),
    ("shopping_dining", "good", "{town}に新しいパン屋さんができて、朝の散歩が楽しみになりました。"),
    # housing
    ("housing", "concern", "{town}は空き家が増えて、夜になると真っ暗で少し怖いです。"),
    ("housing", "idea",
     "空き家を子育て世帯に安く貸す仕組みがあれば、若い人が戻ってくると思います。"),
    # recreation
    ("recreation", "good", "{park}は芝生が広くて、休日は家族でのんびり過ごせます。"),
    ("recreation", "idea", "{park}にボール遊びができる場所がほしいです。今はどこも禁止です。"),
    # childcare
    ("childcare", "concern", "{town}の近くの保育園には空きがなく、毎朝遠くまで送っています。"),
    ("childcare", "idea",
     "雨の日でも子どもが遊べる屋内の遊び場が{town}の近くにあるとうれしいです。"),
    ("childcare", "good", "子育て支援センターの職員さんが親身で、安心して相談できました。"),
    # school_education
    ("school_education", "concern",
     "{school}への通学路は歩道がなく、{when}は車がすぐ横を通って危ないです。"),
    ("school_education", "good", "{school}の見守りボランティアの皆さんにいつも感謝しています。"),
    ("school_education", "idea", "{school}の前の通りに横断歩道と信号を付けてほしいです。"),
    # local_government
    ("local_government", "idea",
     "市役所の手続きが{hall}でもできるようになると、{town}の高齢者は助かります。"),
    ("local_government", "concern", "市からのお知らせがどこに載っているのか分かりにくいです。"),
    # digital_life
    ("digital_life", "idea",
     "{hall}でスマホ教室を開いてもらえれば、{who}もバスの時刻を調べられます。"),
    ("digital_life", "concern", "{town}は携帯の電波が弱く、防災メールが届かないことがあります。"),
    # public_space
    ("public_space", "concern", "{park}のトイレが古くて暗く、子どもだけで行かせるのが心配です。"),
    ("public_space", "idea", "駅前の広場にベンチと日陰があれば、待ち合わせや休憩に使えます。"),
    ("public_space", "good",
     "{park}の花壇がいつもきれいに手入れされていて、通るたびに癒やされます。"),
    # townscape
    ("townscape", "concern", "{town}の通りは電線が多く、歩道も狭くて景観がもったいないです。"),
    ("townscape", "good", "川沿いの遊歩道は歩いていて気持ちがよく、この街の自慢です。"),
    # natural_landscape
    ("natural_landscape", "good", "{town}から見える山並みの景色が大好きです。"),
    ("natural_landscape", "concern", "{park}の大きな木が伐採されて、夏の日陰がなくなりました。"),
    # natures_bounty
    ("natures_bounty", "good", "{town}の農産物直売所の野菜は新鮮で安く、よく利用しています。"),
    ("natures_bounty", "idea",
     "休耕田を市民農園として貸してもらえたら、子どもと野菜作りをしたいです。"),
    # environmental_harmony
    ("environmental_harmony", "idea", "ごみの分別ルールを外国語でも掲示してほしいです。"),
    ("environmental_harmony", "concern",
     "{town}のごみ集積所にカラスが来て、{when}はごみが散らかっています。"),
    # natural_disasters
    ("natural_disasters", "concern",
     "{town}から避難所の{shelter}まで遠く、{who}を連れて歩いて行けるか不安です。"),
    ("natural_disasters", "idea",
     "{shelter}までの避難経路に、夜でも見える案内板を付けてほしいです。"),
    ("natural_disasters", "concern", "大雨のとき{town}の道路が冠水して、車が通れなくなります。"),
    ("natural_disasters", "good", "{hall}で防災訓練があり、避難所の場所を家族で確認できました。"),
    # accidents_crime
    ("accidents_crime", "concern",
     "{town}の交差点は見通しが悪く、{when}はヒヤッとすることが多いです。"),
    ("accidents_crime", "idea", "{town}の通学路に街灯を増やしてほしいです。{when}は真っ暗です。"),
    ("accidents_crime", "concern", "{stop}バス停の周りは夜暗くて、{who}が一人で待つのが心配です。"),
    # community_ties
    ("community_ties", "good", "{hall}の夏祭りで、近所の人と顔見知りになれました。"),
    ("community_ties", "idea",
     "{hall}に誰でも立ち寄れるカフェのような居場所があるといいと思います。"),
    ("community_ties", "concern",
     "{town}は自治会に入る人が減って、回覧板が回らなくなってきました。"),
    # diversity_tolerance
    ("diversity_tolerance", "idea",
     "外国人の住民も参加しやすいよう、地域の行事をやさしい日本語で案内してほしいです。"),
    ("diversity_tolerance", "good",
     "{town}では車いすの人にも気軽に声をかけてくれる人が多く、温かい地域だと思います。"),
    # self_efficacy
    ("self_efficacy", "idea", "高校生が地域の課題を市に提案できる場があるといいと思います。"),
    # health
    ("health", "good", "{park}のウォーキングコースを毎朝歩くのが日課で、体調が良くなりました。"),
    ("health", "idea", "{park}に健康遊具を置いてもらえれば、{who}も運動を続けやすくなります。"),
    # culture_arts
    ("culture_arts", "idea",
     "空き店舗を使って、地元の作家の作品を展示できる場所があるとうれしいです。"),
    ("culture_arts", "good", "図書館のおはなし会のおかげで、子どもが本好きになりました。"),
    # learning_opportunities
    ("learning_opportunities", "idea", "{hall}で大人向けの学び直し講座を夜に開いてほしいです。"),
    # employment_income
    ("employment_income", "concern",
     "{town}の近くには若い人が働ける職場が少なく、子どもたちは市外に出ていきます。"),
    # business_creation
    ("business_creation", "idea",
     "駅前の空き店舗を安く借りられる制度があれば、小さなお店を始めたいです。"),
    ("business_creation", "good", "創業セミナーで知り合った仲間と、{town}でマルシェを始めました。"),
    ("business_creation", "concern",
     "お店を始めたくても、{town}には駐車場のある物件がありません。"),
)
"""Citizens' remarks as ``(factor key, kind, text)``; slots ``{town} {stop} {park} {school}
{hall} {shelter} {who} {when}`` are filled from the pin's surroundings."""

PROPOSAL_TEMPLATES: tuple[tuple[str, str, str], ...] = (
    ("bus_stop", "mobility",
     "{town}のこのあたりにバス停を新設してほしいです。{stop}バス停まで遠く、{who}には不便です。"),
    ("medical", "medical_welfare",
     "{town}に内科のクリニックがあれば、{who}の通院がずっと楽になります。"),
    ("commercial", "shopping_dining",
     "この場所に小さなスーパーがあれば、車がなくても{town}で日々の買い物ができます。"),
    ("park", "recreation", "この空き地を公園にして、子どもが安心して遊べる場所にしてほしいです。"),
    ("community_hall", "community_ties",
     "{town}に集会所があれば、高齢者のサロンや子ども食堂を近くで開けます。"),
    ("shelter", "natural_disasters",
     "{town}は{shelter}まで遠いので、このあたりにも避難所を指定してほしいです。"),
    ("nursery", "childcare", "{town}に保育園があれば、毎朝遠くまで送らずに済みます。"),
)
"""Ideas that propose a facility, as ``(facility kind, factor key, text)``: each is posted as an
"idea" with its facility at the pin, its figures computed by the scenario engine."""

AREA_TEMPLATES: tuple[tuple[str, Kind, str], ...] = (
    ("accidents_crime", "concern",
     "{park}のまわりのこの一帯は、夜になると街灯が少なく真っ暗です。"),
    ("housing", "concern", "このあたりは空き家が続いていて、{when}は人通りがほとんどありません。"),
    ("natural_disasters", "concern",
     "大雨のたびに、この一帯の道路が冠水します。{who}を連れて避難できるか心配です。"),
    ("recreation", "good",
     "{park}からこのあたりまでの一帯は緑が多く、散歩にちょうどいい地区です。"),
    ("shopping_dining", "concern", "この地区には、歩いて行ける店が一軒もありません。"),
    ("townscape", "idea", "この一帯の古い町並みを生かして、散策マップを作ってはどうでしょうか。"),
)
"""Comments about an area (several hexagons around the pin), as ``(factor key, kind, text)``."""

ROUTE_TEMPLATES: tuple[tuple[str, Kind, str], ...] = (
    ("school_education", "concern",
     "{school}への通学路のこの道は歩道がなく、{when}は車がすぐ横を通って危ないです。"),
    ("accidents_crime", "concern", "{stop}バス停までのこの道は街灯がなく、{when}は真っ暗です。"),
    ("mobility", "idea", "この道に自転車レーンを引けば、駅まで安心して自転車で行けます。"),
    ("health", "good", "この道は歩きやすく、毎朝のウォーキングコースにしています。"),
    ("natural_disasters", "idea",
     "{shelter}までのこの避難経路に、夜でも見える案内板を付けてほしいです。"),
    ("mobility", "concern",
     "{stop}までのこの道は坂が急で、{who}には大変です。途中にベンチがほしいです。"),
)
"""Comments about a route (a line of hexagons from the pin), as ``(factor key, kind, text)``."""

_REPLIES = (
    "同感です。{who}も同じことを言っていました。",
    "私も{when}に同じことを感じました。",
    "賛成です。ぜひ実現してほしいです。",
    "市の担当課に直接伝えてみてはどうでしょうか。",
    "近所に住んでいます。最近は少し良くなった気がします。",
    "うちの町内でも話題になっています。",
    "具体的な場所を教えてもらえますか？",
    "写真があると市にも伝わりやすいと思います。",
    "私は逆に、今のままでも良いと思っています。",
    "{stop}のあたりも同じ状況です。",
    "ありがとうございます。参考になりました。",
    "自治会の会合でも取り上げてもらいましょう。",
)
_SCENARIO_REMARKS: tuple[tuple[Kind, str], ...] = (
    ("idea", "このバス停の追加で、{town}の高齢者が通院しやすくなりそうです。"),
    ("good", "移設すると{school}の子どもたちも使いやすくなると思います。"),
    ("concern", "この停留所をなくすと、{town}の人は歩く距離がかなり長くなります。"),
    ("idea", "徒歩圏の半径はもう少し小さく見積もった方が現実的だと思います。"),
    ("good", "カバー率が上がるのが数字で見えて、グループで議論しやすかったです。"),
    ("concern", "冬の朝の坂道を考えると、この場所まで歩くのは大変です。"),
    ("idea", "新しいバス停には屋根とベンチもセットで置きたいです。"),
    ("good", "グループで話し合って、この案が一番良いという結論になりました。"),
)
_CLOSERS = ("", "", "", "", "よろしくお願いします。", "ご検討ください。",
            "同じように感じている人は多いと思います。", "いつもありがとうございます。",
            "（近所の人とも話しました）", "改善を期待しています。")
_WHO = ("高齢の母", "小学生の息子", "ベビーカーを押す妻", "車いすの父", "中学生の娘",
        "近所のお年寄り", "足の悪い祖母", "保育園児を連れた親", "通勤する私", "ひとり暮らしの叔父")
_WHEN = ("朝の通学時間帯", "夕方", "夜8時以降", "雨の日", "冬の朝", "土日", "平日の昼間",
         "大雪の日")
_DEFAULT_NAMES = {"stop": "最寄りの", "park": "近くの公園", "school": "近くの小学校",
                  "hall": "公民館", "shelter": "指定避難所"}
_NAME_KINDS = {"stop": "bus_stop", "park": "park", "school": "elementary_school",
               "hall": "community_hall", "shelter": "shelter"}
_REPORT_REASONS = ("不適切な表現があります", "個人が特定される内容です", "宣伝・スパムです",
                   "事実と異なります", "", "-")

NICKNAMES: tuple[str, ...] = (
    "サンプル太郎", "サンプル花子", "サンプル次郎", "サンプルさくら", "サンプル一郎",
    "サンプル（大学生）", "サンプル（子育て中）", "サンプル（年金生活）", "サンプルけんた",
    "サンプルゆうこ", "サンプル父さん", "サンプル母さん", "サンプル通勤者", "サンプル🚲好き",
    "ｻﾝﾌﾟﾙ（半角）", "サンプル＠{town}",
)
"""Nicknames of the sample posters (all say サンプル); ``{town}`` becomes the town's name."""


def _long_text() -> str:
    """A realistic comment of exactly 1,000 characters (the store's limit)."""
    parts = (
        "{n}. バス路線の再編について意見を書きます。今の路線は駅と病院を結ぶ便が少なく、"
        "乗り継ぎの待ち時間も長いため、高齢者や学生が使いにくいと感じています。\n"
    )
    text = "".join(parts.format(n=i) for i in range(1, 40))
    return text[:999] + "。"


HOSTILE_TEXTS: Mapping[str, str] = MappingProxyType({
    "script": "<script>alert('sample')</script>バス停が遠いです",
    "img_onerror": "<img src=x onerror=alert(1)>公園の遊具が壊れています",
    "html_attr": '" onmouseover="alert(1)" x="交差点が危ない',
    "md_image": "![バス停の写真](http://evil.example/x.png) ここのバス停です",
    "md_link": "[市のお知らせはこちら](javascript:alert(1))",
    "md_syntax": "# 見出し\n- リスト\n> 引用\n**太字** `code` :red[赤字] $x$",
    "bidi": "\u202e請求書.exe\u202c 歩道の段差が危険です\u2066abc\u2069",
    "controls": "信号が\x1b[31m短い\x1b[0m\x00です\x07",
    "formula": '=HYPERLINK("http://evil.example","詳しくはこちら")',
    "dde": "@SUM(1+1)*cmd|' /C calc'!A0",
    "plus_minus": "-1 歩道の段差 +2 街灯",
    "template": "{text} {cell} {{7*7}} ${7*7} %s {0.__class__}",
    "sql": "'; DROP TABLE comments;-- バス停を増やして",
    "emoji": "👨‍👩‍👧‍👦 家族で🚲 公園に行きます 🇯🇵 👍🏽",
    "fullwidth": "＜script＞全角＜／script＞ 歩道が狭い ｶﾞｷﾞ ＡＢＣ１２３",
    "zero_width": "\ufeffバス\u200b停が\u200d遠い",
    "blank_lines": "一行目\r\n\r\n\r\n\r\n\r\n二行目\u2028三行目",
    "long": _long_text(),
})
"""Hostile or unusual comment texts, by name; each is posted at least once (stored cleaned)."""

_HOSTILE_NICKNAME = "<b>サンプル</b>\u202e悪意"
_WORKSHOP_GROUPS = ("A班（通院）", "B班（通学）", "C班（買い物）", "D班（避難）", "E班（観光）")
_WORKSHOP_AGENDA = ("趣旨説明とアイスブレイク", "現状のバス停の徒歩圏を見る",
                    "グループで改善案をつくる", "発表と意見交換")
_FACTOR_BY_JA = {f.ja: f.key for f in FACTORS}
#: The workshop took place this many days before ``now`` (13:30 Japan time).
_WORKSHOP_DAYS_AGO = 21
#: Roles whose comments are posted one by one (their edit tokens are kept or used).
_API_ROLES = ("nicknamed", "anonymous", "with_replies", "hostile_nickname", "deleted",
              "proposal", "area", "route")
#: Roles whose comments change status (replies and +1s come before, see :func:`_window`).
_CHANGING = ("hidden_auto", "restored", "hidden", "moderator_deleted", "deleted")
#: Share of such a comment's window in which it gathers +1s and replies.
_PLUS_SHARE = 0.2
#: Most proposals, areas and routes of a room (each: one per 1,000 comments, at least 3).
#: Fewer proposals than the comments page lists (10), so a citizen's new one is always shown.
_MOST_SHAPED = 6
#: Steps from the pin to a route's far end (its hexagons are one more).
_ROUTE_STEPS = (3, 9)
#: Share of the replies that answer a reply rather than a top-level comment.
_NESTED = 0.05
#: Comments per :meth:`Store.import_comments` call on the bulk path.
_BATCH = 2000

FloatArray = npt.NDArray[np.float64]


# -- results -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RoomCounts:
    """What :func:`seed_room` wrote.

    Parameters
    ----------
    comments
        Comment rows left by the seeding (posted minus purged).
    top_level, replies, nested_replies
        Comments that are not replies; replies; replies to a reply.
    scenario_comments
        Comments (top-level and replies) attached to a workshop scenario.
    nicknamed, anonymous
        Comments posted with a nickname / without one.
    hostile
        Comments with one of :data:`HOSTILE_TEXTS`.
    plus_ones
        +1s recorded.
    reports
        Reports recorded.
    statuses
        Comments per status (``visible``, ``hidden_auto``, ``hidden``, ``deleted``).
    purged
        Comments removed by the seeded ``purge_expired`` run.
    towns
        Towns with at least one comment.
    proposals, areas, routes
        Ideas that propose a facility; comments on an area; comments on a route.
    """

    comments: int
    top_level: int
    replies: int
    nested_replies: int
    scenario_comments: int
    nicknamed: int
    anonymous: int
    hostile: int
    plus_ones: int
    reports: int
    statuses: Mapping[str, int]
    purged: int
    towns: int
    proposals: int
    areas: int
    routes: int


@dataclass(frozen=True)
class WorkshopSummary:
    """The seeded workshop session.

    Parameters
    ----------
    session_id
        The session.
    title
        Its title.
    facilitator_token
        Opens the facilitator's view (plain; only its hash is stored).
    group_ids
        Groups in order.
    group_tokens
        Join token of each group, by group id.
    scenario_ids
        Every scenario, in creation order.
    scenarios_by_group
        Scenario ids of each group, by group id.
    scenario_comment_ids
        Comments about the scenarios (top-level and replies).
    """

    session_id: str
    title: str
    facilitator_token: str
    group_ids: tuple[str, ...]
    group_tokens: Mapping[str, str]
    scenario_ids: tuple[str, ...]
    scenarios_by_group: Mapping[str, tuple[str, ...]]
    scenario_comment_ids: tuple[int, ...]


@dataclass(frozen=True)
class RoomSummary:
    """Ids of notable comments and tokens of a seeded room, with counts.

    Parameters
    ----------
    city
        City id.
    seed
        The seed.
    now
        Reference time of the seeding (aware, UTC); every date lies before it.
    counts
        What was written.
    nicknamed_id
        A visible top-level comment with a nickname.
    anonymous_id
        A visible top-level comment without a nickname.
    with_replies_id
        A visible top-level comment with three visible replies, one of them replied to.
    reply_ids
        Those three replies.
    nested_reply_id
        The reply to one of them.
    reply_to_hidden_id
        A visible reply whose parent is :attr:`hidden_auto_id` (posted before the reports).
    reported_id
        A visible comment reported by fewer sessions than the threshold (``None`` when the
        store hides at the first report).
    hidden_auto_id
        A comment hidden automatically by reports.
    restored_id
        A comment auto-hidden, then restored by a moderator (visible, reports acknowledged).
    hidden_id
        A comment hidden by a moderator.
    deleted_id
        A comment deleted by its poster with the edit token.
    moderator_deleted_id
        A comment deleted by a moderator.
    hostile_id
        A visible comment with HTML/script in its text (``HOSTILE_TEXTS["script"]``).
    long_id
        A visible comment of exactly 1,000 characters.
    hostile_ids
        One comment per :data:`HOSTILE_TEXTS` name (``md_link`` is auto-hidden and
        ``img_onerror`` hidden by a moderator; the others stay visible).
    hostile_nickname_id
        A visible comment whose nickname is markup with a bidi override.
    popular_id
        The visible top-level comment with the most +1s.
    edit_tokens
        Edit token of each notable visible comment, by comment id.
    proposal_ids
        Visible ideas that propose a facility, their figures stored with them.
    area_ids, route_ids
        Visible comments on an area; on a route.
    workshop
        The workshop session, or ``None`` without one.
    """

    city: str
    seed: int
    now: datetime
    counts: RoomCounts
    nicknamed_id: int
    anonymous_id: int
    with_replies_id: int
    reply_ids: tuple[int, ...]
    nested_reply_id: int
    reply_to_hidden_id: int
    reported_id: int | None
    hidden_auto_id: int
    restored_id: int
    hidden_id: int
    deleted_id: int
    moderator_deleted_id: int
    hostile_id: int
    long_id: int
    hostile_ids: Mapping[str, int]
    hostile_nickname_id: int
    popular_id: int
    edit_tokens: Mapping[int, str]
    proposal_ids: tuple[int, ...]
    area_ids: tuple[int, ...]
    route_ids: tuple[int, ...]
    workshop: WorkshopSummary | None

    @property
    def group_tokens(self) -> Mapping[str, str]:
        """Join token of each workshop group, by group id (empty without a workshop)."""
        return self.workshop.group_tokens if self.workshop is not None else {}

    @property
    def facilitator_token(self) -> str | None:
        """The workshop's facilitator token, or ``None`` without a workshop."""
        return self.workshop.facilitator_token if self.workshop is not None else None


# -- the city ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _City:
    """What the generator needs of a city bundle (pins, towns, names, baseline)."""

    id: str
    name_ja: str
    town_codes: tuple[str, ...]
    town_names: Mapping[str, str]
    town_p: FloatArray
    town_cells: tuple[tuple[tuple[str, ...], FloatArray], ...]  # pins, cumulative weights
    cell_town: Mapping[str, str]
    cell_names: Mapping[str, Mapping[str, str]]
    engine: scenario.Engine
    pieces: pd.DataFrame
    proposal_engine: scenario.Engine  # on the walking network where the city has one
    proposal_mode: str
    cells9: frozenset[str]  # the city's res-9 cells (areas and routes stay in them)


@functools.lru_cache(maxsize=4)
def _city(city: str) -> _City:
    """Load a bundle and derive its pin cells, town weights and nearby facility names."""
    b = load(city)
    if b.pieces is None or b.towns is None:
        raise ValueError(f"city {city!r} has no town populations; sample comments need them")
    p = b.pieces.assign(parent=grid.parents(b.pieces["cell"].to_numpy(), PIN_RESOLUTION))
    per = p.groupby(["town_code", "parent"], sort=True)["value"].sum().reset_index()
    per = per[per["value"] > 0]
    per["pin"] = grid.to_strings(per["parent"].to_numpy())
    per["town_code"] = per["town_code"].astype(str)
    top = per.sort_values(["value", "town_code"], kind="mergesort").groupby("pin").tail(1)
    cell_town = dict(zip(top["pin"], top["town_code"], strict=True))
    totals = per.groupby("town_code", sort=True)["value"].sum()
    codes = tuple(str(c) for c in totals.index)
    town_cells = []
    for code, rows in per.groupby("town_code", sort=True):
        own = rows[[cell_town[c] == code for c in rows["pin"]]]
        use = own if len(own) else rows
        w = use["value"].to_numpy(dtype=float)
        town_cells.append((tuple(str(c) for c in use["pin"]), np.cumsum(w / w.sum())))
    weights = totals.to_numpy(dtype=float)
    names = dict(zip(b.towns["town_code"].astype(str), b.towns["name"].astype(str), strict=True))
    pins = sorted(cell_town)
    engine = scenario.Engine.from_bundle(b)
    mode = pr.best_mode(scenario.available_modes(b))
    return _City(
        id=b.id,
        name_ja=str(b.manifest["city"].get("name_ja") or b.id),
        town_codes=codes,
        town_names=MappingProxyType({c: names.get(c, c) for c in codes}),
        town_p=weights / weights.sum(),
        town_cells=tuple(town_cells),
        cell_town=MappingProxyType(cell_town),
        cell_names=MappingProxyType(_nearest_names(pins, b.facilities)),
        engine=engine,
        pieces=b.pieces,
        proposal_engine=engine if mode == "line" else scenario.Engine.from_bundle(b, mode=mode),
        proposal_mode=mode,
        cells9=frozenset(grid.to_strings(np.unique(grid.parents(b.cells, PIN_RESOLUTION)))),
    )


def _nearest_names(pins: Sequence[str],
                   facilities: gpd.GeoDataFrame) -> dict[str, Mapping[str, str]]:
    """For each pin cell, the names of the nearest bus stop, park, school, hall and shelter."""
    lon, lat = grid.centroids(grid.to_cells(pins))
    scale = math.cos(math.radians(float(np.mean(lat)))) if len(lat) else 1.0
    found: dict[str, list[str]] = {}
    for slot, kind in _NAME_KINDS.items():
        f = facilities[facilities["kind"] == kind]
        names = [str(n) if isinstance(n, str) and n.strip() else "" for n in f["name"]]
        if not len(f):
            found[slot] = [_DEFAULT_NAMES[slot]] * len(pins)
            continue
        tree = cKDTree(np.column_stack([f.geometry.x.to_numpy() * scale, f.geometry.y.to_numpy()]))
        _, idx = tree.query(np.column_stack([lon * scale, lat]))
        found[slot] = [names[int(i)] or _DEFAULT_NAMES[slot] for i in np.atleast_1d(idx)]
    return {pin: MappingProxyType({s: found[s][i] for s in _NAME_KINDS})
            for i, pin in enumerate(pins)}


# -- the plan ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Post:
    """One comment to post: top-level (``cell`` set) or a reply (``parent`` set)."""

    key: str
    session: str
    at: float  # POSIX seconds
    text: str
    kind: Kind | None
    nickname: str | None
    cell: str | None = None
    factor: str | None = None
    town: str | None = None
    parent: int | None = None  # plan index
    scenario: int | None = None  # index into the workshop's scenarios
    hostile: str | None = None
    slots: Mapping[str, str] = field(default_factory=dict)
    depth: int = 0
    proposal: str | None = None  # the facility kind an idea proposes
    shape: ShapeDraft | None = None


@dataclass(frozen=True)
class _ScenarioPlan:
    """One workshop scenario: its group, name, modifications and where comments may sit."""

    group: int
    name: str
    mods: tuple[scenario.Modification, ...]
    first: int  # modifications in the first save
    cells: tuple[str, ...]


@dataclass
class _Plan:
    """Everything :func:`seed_room` will write, decided before the first write."""

    posts: list[_Post]
    roles: dict[str, list[int]]
    plus: list[tuple[int, str, float]]
    reports: list[tuple[int, str, str, float]]
    moderation: list[tuple[int, ModerationAction, str, float]]
    deletions: list[tuple[int, float]]
    scenarios: list[_ScenarioPlan]
    workshop_at: float


def _window(at: float, now: float) -> float:
    """Seconds during which a comment posted at ``at`` gathers reactions and moderation:
    up to four days, and never past ``now``."""
    return min(now - 1.0 - at, 4 * _DAY)


def _share(n: int, fraction: float) -> int:
    """At least one, else ``fraction`` of ``n`` (rounded)."""
    return max(1, round(n * fraction))


def _jst_times(rng: np.random.Generator, days: FloatArray, now: float) -> FloatArray:
    """Moments ``days`` days before ``now`` (whole days, Japan time) at a waking hour."""
    now_jst = datetime.fromtimestamp(now, _JST)
    midnight = now_jst.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
    hours = rng.choice(24, size=len(days), p=_HOURS)
    t = midnight - np.floor(days) * _DAY + hours * 3600.0 + rng.uniform(0, 3600, len(days))
    return np.where(t > now - 3600.0, t - _DAY, t)


def _fill(text: str, slots: Mapping[str, str]) -> str:
    """A template with its slots filled."""
    return text.format_map(slots)


def _place(city: _City, cell: str | None, town: str | None) -> dict[str, str]:
    """Slot values of a pin: the names of the nearest facilities and of the town."""
    if cell is not None:
        cell = grid.parent_string(cell, PIN_RESOLUTION)
    return {**city.cell_names.get(cell or "", _DEFAULT_NAMES),
            "town": city.town_names.get(town or "", "この地区")}


def _nick(index: int, town_name: str) -> str:
    """The nickname ``index`` of :data:`NICKNAMES`, with the town's name filled in."""
    return NICKNAMES[index].replace("{town}", town_name)[:40]


def _nickname(rng: np.random.Generator, town_name: str) -> str | None:
    """Half of the posters give a nickname."""
    if rng.random() < 0.5:
        return None
    return _nick(int(rng.integers(len(NICKNAMES))), town_name)


class _Planner:
    """Decides every write of a seeding from one random generator."""

    def __init__(self, city: _City, *, seed: int, now: float, gap: float,
                 per_visit: int) -> None:
        self.city = city
        self.rng = np.random.default_rng(seed)
        self.seed = seed
        self.now = now
        self.gap = gap
        self.per_visit = per_visit
        self.posts: list[_Post] = []
        self.sessions = 0

    def session(self, what: str) -> str:
        """A new browser session id."""
        self.sessions += 1
        return f"sample-{self.seed}-{what}{self.sessions}"

    def key(self) -> str:
        """The idempotency key of the next post."""
        return f"sample-{self.city.id}-{self.seed}-{len(self.posts)}"

    def top_level(self, n: int, *, old: bool = False) -> list[int]:
        """Plan ``n`` top-level comments in visits of 1-3; return their plan indices."""
        rng, city = self.rng, self.city
        sizes = np.minimum(rng.choice([1, 2, 3], size=n, p=[0.75, 0.18, 0.07]), self.per_visit)
        n_v = int(np.searchsorted(np.cumsum(sizes), n)) + 1
        sizes = sizes[:n_v]
        sizes[-1] -= int(sizes.sum()) - n
        towns = rng.choice(len(city.town_codes), size=n_v, p=city.town_p)
        if old:
            days = rng.uniform(RETENTION_DAYS + 5, RETENTION_DAYS + 60, n_v)
        else:
            u = rng.random(n_v)
            days = np.where(u < 0.7, rng.uniform(0, SPAN_DAYS, n_v), np.where(
                u < 0.9, SPAN_DAYS - np.minimum(rng.exponential(30.0, n_v), SPAN_DAYS),
                np.clip(rng.normal(21.0, 3.0, n_v), 0, SPAN_DAYS)))
        visit = np.repeat(np.arange(n_v), sizes)
        first = np.cumsum(sizes) - sizes
        gaps = np.where(np.arange(n) > first[visit], self.gap + rng.uniform(0, 600, n), 0.0)
        total = np.cumsum(gaps)
        offsets = total - total[first[visit]]
        starts = np.minimum(_jst_times(rng, days, self.now),
                            self.now - 60.0 - offsets[first + sizes - 1])
        nick_u, nick_i = rng.random(n_v), rng.integers(len(NICKNAMES), size=n_v)
        cell_u, tpl = rng.random(n), rng.integers(len(TEMPLATES), size=n)
        closer = rng.integers(len(_CLOSERS), size=n)
        who, when = rng.integers(len(_WHO), size=n), rng.integers(len(_WHEN), size=n)
        sessions = [self.session("v") for _ in range(n_v)]
        made: list[int] = []
        for j in range(n):
            v = int(visit[j])
            pins, cdf = city.town_cells[int(towns[v])]
            cell = pins[min(int(np.searchsorted(cdf, cell_u[j], side="right")), len(pins) - 1)]
            town = city.cell_town[cell]
            factor, kind, text = TEMPLATES[int(tpl[j])]
            slots = {**_place(city, cell, town), "who": _WHO[int(who[j])],
                     "when": _WHEN[int(when[j])]}
            nick = None if nick_u[v] < 0.5 else _nick(int(nick_i[v]), slots["town"])
            made.append(len(self.posts))
            self.posts.append(_Post(
                key=self.key(), session=sessions[v], at=float(starts[v] + offsets[j]),
                text=_fill(text, slots) + _CLOSERS[int(closer[j])], kind=kind, nickname=nick,
                cell=cell, factor=factor, town=town, slots=slots))
        return made

    def reply(self, parent: int, *, kind: Kind | None = None,
              within: float | None = None) -> int:
        """Plan a reply to a planned post, later than it, from a new session.

        ``within`` (0-1) keeps the reply in that first share of the parent's active window
        (:func:`_window`), before anything can hide the parent.
        """
        rng = self.rng
        p = self.posts[parent]
        if within is None:
            room = self.now - 1.0 - p.at
            delay = min(600.0 + rng.exponential(3 * _DAY), room * rng.uniform(0.3, 0.95))
        else:
            delay = _window(p.at, self.now) * within * rng.uniform(0.2, 1.0)
        slots = {**p.slots, "who": _WHO[int(rng.integers(len(_WHO)))],
                 "when": _WHEN[int(rng.integers(len(_WHEN)))]}
        text = _fill(_REPLIES[int(rng.integers(len(_REPLIES)))], slots)
        self.posts.append(_Post(
            key=self.key(), session=self.session("r"), at=p.at + delay, text=text, kind=kind,
            nickname=_nickname(rng, p.slots.get("town", "")), parent=parent,
            scenario=p.scenario, slots=p.slots, depth=p.depth + 1))
        return len(self.posts) - 1

    def cast_roles(self, roles: dict[str, list[int]], top: list[int], n: int) -> None:
        """Give top-level comments their notable roles: the hostile texts (each at least once,
        by name in :data:`HOSTILE_TEXTS` order), one comment of each single role, then the
        shares of reported, hidden and deleted ones."""
        rng, posts = self.rng, self.posts
        order = [int(i) for i in rng.permutation(np.array(top))]
        hostile_names = list(HOSTILE_TEXTS)
        n_hostile = max(len(hostile_names), round(n * 0.002))
        hostile = order[:n_hostile]
        for j, i in enumerate(hostile):
            name = hostile_names[j] if j < len(hostile_names) else str(
                rng.choice(hostile_names[:-1]))
            posts[i].text = HOSTILE_TEXTS[name]
            posts[i].hostile = name
        roles["hostile"] = hostile
        roles["hostile_named"] = hostile[:len(hostile_names)]  # in HOSTILE_TEXTS order
        take = iter(order[n_hostile:])
        for role in ("nicknamed", "anonymous", "with_replies", "hostile_nickname"):
            roles[role] = [next(take)]
        posts[roles["nicknamed"][0]].nickname = "サンプル太郎"
        posts[roles["anonymous"][0]].nickname = None
        posts[roles["hostile_nickname"][0]].nickname = _HOSTILE_NICKNAME
        fractions = {"reported": 0.01, "hidden_auto": 0.003, "restored": 0.001, "hidden": 0.002,
                     "deleted": 0.005, "moderator_deleted": 0.001}
        for role, fraction in fractions.items():
            roles[role] = [next(take) for _ in range(_share(n, fraction))]
        by_name = dict(zip(hostile_names, roles["hostile_named"], strict=True))
        roles["hidden_auto"].append(by_name["md_link"])
        roles["hidden"].append(by_name["img_onerror"])

    def notable_replies(self, roles: dict[str, list[int]]) -> None:
        """Three replies on one comment, one of them replied to, and one on a comment hidden
        later (before its reports)."""
        firsts = [self.reply(roles["with_replies"][0]) for _ in range(3)]
        roles["reply"] = firsts
        roles["nested"] = [self.reply(firsts[0])]
        roles["reply_to_hidden"] = [self.reply(roles["hidden_auto"][0], within=_PLUS_SHARE)]

    def popular_replies(self, top: list[int], changing: set[int], extra: int) -> FloatArray:
        """Plan ``extra`` replies to popular comments whose status never changes (a few to
        replies); return the popularity of every post planned before them."""
        rng = self.rng
        top_set = np.array(top)
        popularity = rng.lognormal(-1.0, 1.2, len(self.posts))
        weights = popularity[top_set] * [i not in changing for i in top]
        weights /= weights.sum()
        parents = rng.choice(top_set, size=extra, p=weights)
        nest_u, nest_at = rng.random(extra), rng.random(extra)
        kind_u, kind_i = rng.random(extra), rng.integers(len(KINDS), size=extra)
        replies: list[int] = []
        for j in range(extra):
            parent = (replies[int(nest_at[j] * len(replies))] if replies and nest_u[j] < _NESTED
                      else int(parents[j]))
            replies.append(self.reply(parent, kind=KINDS[int(kind_i[j])] if kind_u[j] < 0.2
                                      else None))
        return popularity

    def scenario_comments(self, scenarios: Sequence[_ScenarioPlan], n: int,
                          workshop_at: float) -> list[int]:
        """Plan ``n`` comments on the workshop's scenarios, during the session and after it,
        some answered; return their plan indices."""
        rng, city = self.rng, self.city
        made: list[int] = []
        for j in range(n):
            if made and rng.random() < 0.2:
                made.append(self.reply(made[int(rng.integers(len(made)))]))
                continue
            s = j % len(scenarios)
            plan = scenarios[s]
            cell = plan.cells[int(rng.integers(len(plan.cells)))]
            kind, text = _SCENARIO_REMARKS[int(rng.integers(len(_SCENARIO_REMARKS)))]
            slots = {**_place(city, cell, city.cell_town.get(
                grid.parent_string(cell, PIN_RESOLUTION))),
                "who": _WHO[int(rng.integers(len(_WHO)))],
                "when": _WHEN[int(rng.integers(len(_WHEN)))]}
            during = rng.random() < 0.6
            at = (workshop_at + rng.uniform(70 * 60, 180 * 60) if during
                  else rng.uniform(workshop_at + 4 * 3600, self.now - 3600))
            factor = _FACTOR_BY_JA.get(KIND_BY_KEY[plan.mods[0].kind].factor, "mobility")
            made.append(len(self.posts))
            self.posts.append(_Post(key=self.key(), session=self.session("w"), at=float(at),
                                    text=_fill(text, slots), kind=kind,
                                    nickname=_nickname(rng, slots["town"]), cell=cell,
                                    factor=factor, scenario=s, slots=slots))
        return made

    def shaped(self, roles: dict[str, list[int]], top: list[int], n: int) -> None:
        """Turn a few plain top-level comments (of no other role) into ideas that propose a
        facility (role ``proposal``), comments on an area (``area``) and on a route
        (``route``). Drawn last, so that every earlier choice of a seed stays as it was."""
        taken = {i for made in roles.values() for i in made}
        free = [i for i in top if i not in taken]
        k = max(3, min(_MOST_SHAPED, n // 1000))
        roles["proposal"] = self._proposals(free, k)
        chosen = set(roles["proposal"])
        roles["area"], roles["route"] = self._shapes([i for i in free if i not in chosen], k)

    def _gaps(self, kind: str) -> frozenset[str]:
        """The res-10 cells where people (one or more) live beyond walking distance of
        ``kind`` today."""
        base = self.city.proposal_engine
        pop = base.population if base.population is not None else np.ones(len(base.cells))
        return frozenset(grid.to_strings(base.cells[~base.covered(kind) & (pop >= 1)]))

    def _proposals(self, free: list[int], k: int) -> list[int]:
        """Ideas proposing ``k`` facilities of the kinds the city has data on (in turn), each
        on a comment whose pin's centre is a populated cell beyond walking distance of its
        kind where there is one (as a citizen proposes where one is missing)."""
        rng, base = self.rng, self.city.proposal_engine
        usable = [t for t in PROPOSAL_TEMPLATES if base.has_facilities(t[0])]
        if not usable:
            return []
        order = rng.permutation(len(usable))
        made: list[int] = []
        for j in range(min(k, len(free))):
            kind, factor, text = usable[int(order[j % len(usable)])]
            gaps = self._gaps(kind)
            left = [i for i in free if i not in made]
            fit = [i for i in left if pr.facility_cell(str(self.posts[i].cell)) in gaps]
            i = (fit or left)[int(rng.integers(len(fit or left)))]
            p = self.posts[i]
            p.kind, p.factor, p.proposal, p.text = "idea", factor, kind, _fill(text, p.slots)
            made.append(i)
        return made

    def _shapes(self, free: list[int], k: int) -> tuple[list[int], list[int]]:
        """``k`` comments on an area (the pin's hexagons within 1-2 steps, in the city) and
        ``k`` on a route (a line of hexagons from the pin to one 3-8 steps away)."""
        rng, city = self.rng, self.city
        picks = [free[int(j)] for j in rng.permutation(len(free))[:2 * k]]
        areas, routes = picks[:k], picks[k:]
        for i in areas:
            pin = str(self.posts[i].cell)
            cells = [c for c in grid.grid_disk(pin, int(rng.integers(1, 3))) if c in city.cells9]
            self._reshape(i, ShapeDraft("area", tuple(cells)), AREA_TEMPLATES)
        for i in routes:
            pin = str(self.posts[i].cell)
            ring = [c for c in grid.grid_ring(pin, int(rng.integers(*_ROUTE_STEPS)))
                    if c in city.cells9] or grid.grid_ring(pin, 1)
            end = ring[int(rng.integers(len(ring)))]
            self._reshape(i, ShapeDraft("route", tuple(grid.grid_path(pin, end))),
                          ROUTE_TEMPLATES)
        return areas, routes

    def _reshape(self, i: int, shape: ShapeDraft,
                 templates: Sequence[tuple[str, Kind, str]]) -> None:
        """Make post ``i`` a comment on ``shape``, filed under its representative cell (and
        that cell's town), with a remark of ``templates``."""
        p = self.posts[i]
        factor, kind, text = templates[int(self.rng.integers(len(templates)))]
        cell = representative(shape.shape, shape.cells)
        p.shape, p.factor, p.kind, p.text = shape, factor, kind, _fill(text, p.slots)
        p.cell, p.town = cell, self.city.cell_town.get(cell, p.town)

    def plus_ones(self, popularity: FloatArray, old: list[int], changing: set[int],
                  readers: Sequence[str]) -> list[tuple[int, str, float]]:
        """+1s from reader sessions, heavy-tailed by popularity (a quarter as many on replies,
        none on the comments the purge removes); on a comment whose status changes they come
        in the first fifth of its window (see :func:`_window`)."""
        rng, now = self.rng, self.now
        plus: list[tuple[int, str, float]] = []
        share = np.array([1.0 if p.parent is None else 0.25 for p in self.posts])
        share[old] = 0.0
        counts = np.minimum(rng.poisson(popularity * share), 200)
        for k in np.flatnonzero(counts):
            p = self.posts[int(k)]
            span = (_window(p.at, now) * _PLUS_SHARE if int(k) in changing
                    else now - 1.0 - p.at)
            for r in rng.choice(len(readers), size=int(counts[k]), replace=False):
                plus.append((int(k), readers[int(r)], p.at + rng.uniform(0, span)))
        return plus

    def moderation(self, roles: dict[str, list[int]], readers: Sequence[str], threshold: int
                   ) -> tuple[list[tuple[int, str, str, float]],
                              list[tuple[int, ModerationAction, str, float]],
                              list[tuple[int, float]]]:
        """Reports, then the moderator's actions and the posters' deletions, each in its phase
        of the comment's window; ``roles["reported"]`` is emptied when one report hides."""
        rng = self.rng
        reports: list[tuple[int, str, str, float]] = []
        moderation: list[tuple[int, ModerationAction, str, float]] = []

        def phase(i: int, lo: float, hi: float) -> float:
            at = self.posts[i].at
            return at + _window(at, self.now) * rng.uniform(lo, hi)

        def reported(i: int, k: int) -> None:
            for r in rng.choice(len(readers), size=k, replace=False):
                reason = _REPORT_REASONS[int(rng.integers(len(_REPORT_REASONS)))]
                reports.append((i, readers[int(r)], reason, phase(i, _PLUS_SHARE, 0.6)))

        if threshold > 1:
            for i in roles["reported"]:
                reported(i, int(rng.integers(1, threshold)))
        else:
            roles["reported"] = []
        for i in roles["hidden_auto"]:
            reported(i, threshold)
        for i in roles["restored"]:
            reported(i, threshold)
            moderation.append((i, "restore", "確認の結果、問題のない内容でした",
                               phase(i, 0.6, 0.95)))
        for i in roles["hidden"]:
            if rng.random() < 0.5:
                reported(i, 1)
            moderation.append((i, "hide", "個人が特定されるおそれがあるため", phase(i, 0.6, 0.95)))
        for i in roles["moderator_deleted"]:
            moderation.append((i, "delete", "宣伝目的の投稿のため", phase(i, 0.6, 0.95)))
        deletions = [(i, phase(i, 0.6, 0.95)) for i in roles["deleted"]]
        return reports, moderation, deletions


def _plan_scenarios(city: _City, rng: np.random.Generator) -> list[_ScenarioPlan]:
    """1-2 scenarios per group, each of 2-5 valid modifications of the baseline's bus stops."""
    base = city.engine
    stops = base.facilities("bus_stop")
    stop_ids = [str(i) for i in stops["id"]]
    stop_cells = grid.to_strings(grid.points_to_cells(stops.geometry.x.to_numpy(),
                                                      stops.geometry.y.to_numpy(), 10))
    pop = base.population if base.population is not None else np.ones(len(base.cells))
    gaps = np.flatnonzero(~base.covered("bus_stop") & (pop > 0))
    if not len(gaps):
        gaps = np.flatnonzero(pop > 0)
    gap_p = pop[gaps] / pop[gaps].sum()
    cells = grid.to_strings(base.cells)
    plans: list[_ScenarioPlan] = []
    for g, theme in enumerate(_WORKSHOP_GROUPS):
        for version in range(int(rng.integers(1, 3))):
            mods: list[scenario.Modification] = []
            for _ in range(int(rng.integers(1, 3))):
                at = cells[int(rng.choice(gaps, p=gap_p))]
                fid = f"new-{int(rng.integers(16**8)):08x}"
                mods.append(scenario.add("bus_stop", str(at), facility=fid,
                                         name=f"新設バス停（{theme[:2]}案）"))
            picks = rng.permutation(len(stop_ids))[:3]
            for op in rng.permutation(["move", "remove", "radius"])[:int(rng.integers(1, 4))]:
                if op == "move":
                    i = int(picks[0])
                    ring = grid.grid_ring(str(stop_cells[i]), int(rng.integers(2, 5)))
                    mods.append(scenario.move("bus_stop", stop_ids[i],
                                              ring[int(rng.integers(len(ring)))]))
                elif op == "remove":
                    mods.append(scenario.remove("bus_stop", stop_ids[int(picks[1])]))
                else:
                    mods.append(scenario.set_radius("bus_stop", float(rng.choice([400, 600]))))
            base.with_modifications(mods)  # raises ScenarioError if any is invalid
            name = f"{theme[:2]}の案{version + 1}" + ("（改訂版）" if version else "")
            where = tuple(m.cell for m in mods if m.cell is not None)
            plans.append(_ScenarioPlan(group=g, name=name, mods=tuple(mods),
                                       first=max(1, len(mods) // 2), cells=where))
    return plans


def _plan(city: _City, *, n: int, seed: int, now: float, with_workshop: bool,
          with_purge: bool, gap: float, per_visit: int, threshold: int) -> _Plan:
    """Decide every write of a seeding (no database access).

    Every step draws from the planner's one generator: their order is part of what a seed
    gives, so moving one changes every seeded room.
    """
    pl = _Planner(city, seed=seed, now=now, gap=gap, per_visit=per_visit)
    scenarios = _plan_scenarios(city, pl.rng) if with_workshop else []
    workshop_at = datetime.fromtimestamp(now, _JST).replace(
        hour=13, minute=30, second=0, microsecond=0).timestamp() - _WORKSHOP_DAYS_AGO * _DAY
    n_scen = min(60, max(len(scenarios), n // 100)) if scenarios else 0
    n_reply = max(5, round(0.12 * n))
    roles: dict[str, list[int]] = {}
    roles["old"] = pl.top_level(2 + n // 5000, old=True) if with_purge else []
    top = pl.top_level(n - n_scen - n_reply)
    pl.cast_roles(roles, top, n)
    pl.notable_replies(roles)
    changing = {i for role in _CHANGING for i in roles[role]}
    popularity = pl.popular_replies(top, changing, n_reply - 5)
    roles["scenario"] = pl.scenario_comments(scenarios, n_scen, workshop_at)
    popularity = np.concatenate(
        [popularity, pl.rng.lognormal(-1.0, 1.2, len(pl.posts) - len(popularity))])
    readers = [f"sample-{seed}-reader{i}" for i in range(max(60, n // 2))]
    plus = pl.plus_ones(popularity, roles["old"], changing, readers)
    reports, moderation, deletions = pl.moderation(roles, readers, threshold)
    pl.shaped(roles, top, n)
    return _Plan(posts=pl.posts, roles=roles, plus=plus, reports=reports,
                 moderation=moderation, deletions=deletions, scenarios=scenarios,
                 workshop_at=workshop_at)


# -- writing -------------------------------------------------------------------------------


def _when(ts: float) -> datetime:
    """A POSIX time as an aware UTC datetime."""
    return datetime.fromtimestamp(ts, UTC)


def _write_workshop(store: Store, city: _City, plan: _Plan) -> tuple[WorkshopSummary, list[str]]:
    """Create the session, its groups and scenarios (two saves each); return their ids."""
    ws = Workshop(store)
    start = plan.workshop_at
    created = ws.create_session(city=city.id, title=f"{city.name_ja} 地域公共交通ワークショップ",
                                groups=list(_WORKSHOP_GROUPS), agenda=list(_WORKSHOP_AGENDA),
                                now=_when(start - 3 * _DAY))
    groups = [g.id for g in created.groups]
    ids: list[str] = []
    by_group: dict[str, list[str]] = {g: [] for g in groups}
    for k, sp in enumerate(plan.scenarios):
        token = created.group_tokens[groups[sp.group]]
        made = ws.create_scenario(group_token=token, name=sp.name,
                                  modifications=scenario.dumps(sp.mods[:sp.first]),
                                  now=_when(start + 1800 + 60 * k))
        ws.save_scenario(group_token=token, scenario_id=made.id, expected_version=made.version,
                         modifications=scenario.dumps(sp.mods), now=_when(start + 3600 + 60 * k))
        ids.append(made.id)
        by_group[groups[sp.group]].append(made.id)
    summary = WorkshopSummary(
        session_id=created.session.id, title=created.session.title,
        facilitator_token=created.facilitator_token, group_ids=tuple(groups),
        group_tokens=MappingProxyType(dict(created.group_tokens)), scenario_ids=tuple(ids),
        scenarios_by_group=MappingProxyType({g: tuple(v) for g, v in by_group.items()}),
        scenario_comment_ids=())
    return summary, ids


def _write_posts(store: Store, city: _City, plan: _Plan, scenario_ids: Sequence[str], *,
                 bulk: bool, seed: int, links: Mapping[str, str]
                 ) -> tuple[list[int], dict[int, str], dict[int, int]]:
    """Post every planned comment in time order (ids grow with time, as in a real room), then
    the +1s; return the comment ids by plan index, the edit tokens and the +1 counts.

    With ``bulk``, runs of plain top-level comments (no notable role, no hostile text, not to
    be deleted by their poster) go through :meth:`Store.import_comments` with their +1s: the
    same validation and sanitising as :meth:`Store.post_comment`, in few transactions.
    """
    posts = plan.posts
    api = {i for role in _API_ROLES for i in plan.roles[role]}
    plus_of = np.bincount([i for i, _, _ in plan.plus], minlength=len(posts))
    ids = [0] * len(posts)
    tokens: dict[int, str] = {}
    plus: dict[int, int] = {}
    batch: list[int] = []

    def already() -> ValueError:
        return ValueError(f"the store already holds the sample comments of seed {seed} for "
                          f"{city.id}; seed an empty store or use another seed")

    def flush() -> None:
        if not batch:
            return
        got = store.import_comments(
            [{"idempotency_key": posts[i].key, "session_id": posts[i].session,
              "cell": posts[i].cell, "factor": posts[i].factor, "kind": posts[i].kind,
              "text": posts[i].text, "nickname": posts[i].nickname,
              "town_code": posts[i].town, "created_at": _when(posts[i].at),
              "plus_ones": int(plus_of[i])} for i in batch], city=city.id)
        if not all(r.created for r in got):
            raise already()
        for i, r in zip(batch, got, strict=True):
            ids[i] = r.comment_id
            plus[r.comment_id] = int(plus_of[i])
        batch.clear()

    for i in sorted(range(len(posts)), key=lambda k: (posts[k].at, k)):
        p = posts[i]
        if bulk and p.parent is None and p.scenario is None and p.hostile is None \
                and i not in api:
            batch.append(i)
            if len(batch) >= _BATCH:
                flush()
            continue
        flush()
        try:
            if p.parent is not None:
                r = store.reply(parent_id=ids[p.parent], idempotency_key=p.key,
                                session_id=p.session, text=p.text, consent=True, kind=p.kind,
                                nickname=p.nickname, now=_when(p.at))
            else:
                assert p.cell is not None and p.factor is not None and p.kind is not None
                r = store.post_comment(
                    idempotency_key=p.key, session_id=p.session, cell=p.cell, factor=p.factor,
                    kind=p.kind, text=p.text, nickname=p.nickname, town_code=p.town,
                    city=city.id, consent=True,
                    scenario_id=None if p.scenario is None else scenario_ids[p.scenario],
                    group_token=None if p.scenario is None else links[scenario_ids[p.scenario]],
                    now=_when(p.at), **_extras(city, p))
        except RateLimited as exc:  # pragma: no cover - the pacing makes this impossible
            raise AssertionError(f"sample session {p.session} was rate limited") from exc
        if not r.created or r.edit_token is None:
            raise already()
        ids[i] = r.comment_id
        tokens[r.comment_id] = r.edit_token
    flush()
    imported = set(plus)
    for i, session, at in sorted(plan.plus, key=lambda x: x[2]):
        if ids[i] not in imported:  # imported comments came with their +1s
            plus[ids[i]] = store.plus_one(comment_id=ids[i], session_id=session, now=_when(at))
    return ids, tokens, plus


def _extras(city: _City, p: _Post) -> dict[str, Any]:
    """The area or route and the proposal a planned comment is posted with (none for most)."""
    out: dict[str, Any] = {}
    if p.shape is not None:
        out["shape"] = p.shape
    if p.proposal is not None and p.cell is not None:
        out["proposal"] = proposal_draft(city.id, p.proposal, p.cell)
    return out


def proposal_draft(city: str, kind: str, pin: str) -> ProposalDraft:
    """A facility of ``kind`` proposed at ``pin`` with its figures, computed as the comments
    page computes them: by the scenario engine on the city's baseline (on the walking network
    where the city has one), the towns that gain named."""
    c = _city(city)
    figures = pr.proposal_figures(c.proposal_engine, kind, pr.facility_cell(pin),
                                  pieces=c.pieces, town_names=c.town_names)
    return pr.draft(kind, pin, c.proposal_mode, figures)


def seed_room(
    store: Store,
    *,
    city: str = "maebashi",
    n_comments: int = 5000,
    seed: int = 0,
    with_workshop: bool = True,
    now: datetime | None = None,
    with_purge: bool = True,
    bulk: bool = True,
) -> RoomSummary:
    """Write a seeded SAMPLE room of ``n_comments`` comments through the store's write API.

    The same ``seed``, ``n_comments``, ``city`` and ``now`` give the same content on any empty
    store (texts, cells, towns, dates, nicknames, statuses, +1s, reports, scenarios); only the
    random tokens and workshop ids differ. Open the store with ``rate_limit=None`` for speed;
    with a rate limit the sessions are paced so that it is never reached. On SQLite, 5,000
    comments take about 1.5 s and 100,000 about 25 s (``bench/seed_comments.py``); without
    ``bulk`` about 4 times as long (``synchronous="NORMAL"`` then halves it).

    Parameters
    ----------
    store
        An open store; best empty. The seeding adds to what it holds.
    city
        A built city bundle with town populations (``geo.ingest.bundle.load``).
    n_comments
        Comment rows left when done (top-level, replies and scenario comments), at least
        :data:`MIN_COMMENTS`.
    seed
        Seed of the random choices.
    with_workshop
        Also create the workshop session, its groups, scenarios and scenario comments.
    now
        Reference time (aware; default now): every date lies in the 300 days before it.
        Pass a fixed time for reproducible rows.
    with_purge
        Also post a few comments older than a year and run ``purge_expired`` at ``now``
        with a 365-day retention (which removes *any* comment of the store older than that).
    bulk
        Store the plain top-level comments (about 85 %) with their +1s through
        :meth:`Store.import_comments` (the same validation, few transactions) instead of one
        ``post_comment`` and one ``plus_one`` per row. The rows are the same either way, but
        for the +1s' sessions and times (an imported +1 is dated with its comment).

    Returns
    -------
    RoomSummary
        Ids of notable comments, workshop tokens and ids, and counts.

    Raises
    ------
    ValueError
        If ``n_comments`` is below :data:`MIN_COMMENTS`, the city has no populations, or the
        store already holds this seed's comments.
    """
    if isinstance(n_comments, bool) or not isinstance(n_comments, int) or \
            n_comments < MIN_COMMENTS:
        raise ValueError(f"n_comments must be an int >= {MIN_COMMENTS}, not {n_comments!r}")
    moment = utc(now)
    c = _city(city)
    gap, per_visit = _pacing(store)
    plan = _plan(c, n=n_comments, seed=seed, now=moment.timestamp(),
                 with_workshop=with_workshop, with_purge=with_purge, gap=gap,
                 per_visit=per_visit, threshold=store.report_threshold)
    workshop: WorkshopSummary | None = None
    scenario_ids: list[str] = []
    if with_workshop:
        workshop, scenario_ids = _write_workshop(store, c, plan)
    links = {} if workshop is None else {  # a scenario comment comes with its group's link
        sid: workshop.group_tokens[g] for g, sids in workshop.scenarios_by_group.items()
        for sid in sids}
    ids, tokens, plus = _write_posts(store, c, plan, scenario_ids, bulk=bulk, seed=seed,
                                     links=links)
    status, n_reports = _write_moderation(store, plan, ids, tokens)
    purged = _purge(store, plan, ids, status, now=moment) if with_purge else 0
    return _summary(c, plan, seed=seed, now=moment, ids=ids, tokens=tokens, status=status,
                    plus=plus, n_reports=n_reports, purged=purged, workshop=workshop)


def _pacing(store: Store) -> tuple[float, int]:
    """Seconds between a session's posts and the most comments of one visit, so that the
    store's rate limit (if any) is never reached."""
    limit = store.rate_limit
    window = store.rate_window.total_seconds()
    gap = max(90.0, window / limit + 1.0) if limit else 90.0
    return gap, min(3, limit or 3)


def _write_moderation(store: Store, plan: _Plan, ids: Sequence[int],
                      tokens: Mapping[int, str]) -> tuple[dict[int, Status], int]:
    """Write the reports, the moderator's actions and the posters' deletions; return every
    comment's status and the reports recorded."""
    status: dict[int, Status] = {cid: "visible" for cid in ids}
    n_reports = 0
    seen: set[str] = set()
    for i, session, reason, at in sorted(plan.reports, key=lambda x: x[3]):
        if session not in seen:  # the room's readers have been reading and +1'ing for a while
            store.record_activity(session_id=session, now=_when(at - _DAY))
            seen.add(session)
        res = store.report(comment_id=ids[i], session_id=session, reason=reason, now=_when(at))
        n_reports += int(res.recorded)
        if res.hidden and status[ids[i]] == "visible":
            status[ids[i]] = "hidden_auto"
    for i, action, reason, at in sorted(plan.moderation, key=lambda x: x[3]):
        status[ids[i]] = store.moderate(comment_id=ids[i], action=action,
                                        moderator=_MODERATOR, reason=reason, now=_when(at))
    for i, at in plan.deletions:
        if store.delete_by_token(comment_id=ids[i], token=tokens[ids[i]], now=_when(at)):
            status[ids[i]] = "deleted"
    return status, n_reports


def _purge(store: Store, plan: _Plan, ids: Sequence[int], status: dict[int, Status], *,
           now: datetime) -> int:
    """Run the retention purge at ``now``, as the app's daily purge would; forget the purged
    comments' statuses and return how many went."""
    purged = store.purge_expired(retention_days=RETENTION_DAYS, now=now,
                                 actor="保存期間による削除（サンプル）")
    for i in plan.roles["old"]:
        status.pop(ids[i], None)
    return purged


def _summary(city: _City, plan: _Plan, *, seed: int, now: datetime, ids: list[int],
             tokens: Mapping[int, str], status: Mapping[int, Status], plus: Mapping[int, int],
             n_reports: int, purged: int, workshop: WorkshopSummary | None) -> RoomSummary:
    """Gather the notable ids and counts of a finished seeding."""
    roles = plan.roles
    old = set(roles["old"])
    live = [i for i in range(len(plan.posts)) if i not in old]
    posts = plan.posts

    def one(role: str) -> int:
        return ids[roles[role][0]]

    statuses = {s: 0 for s in ("visible", "hidden_auto", "hidden", "deleted")}
    for i in live:
        statuses[status[ids[i]]] += 1
    hostile_ids = {name: ids[i] for name, i in zip(HOSTILE_TEXTS, roles["hostile_named"],
                                                   strict=True)}
    visible_top = [i for i in live if posts[i].parent is None and status[ids[i]] == "visible"]
    popular = max(visible_top, key=lambda i: (plus.get(ids[i], 0), -i))
    notable = [one("nicknamed"), one("anonymous"), one("with_replies"),
               hostile_ids["script"], hostile_ids["long"]]
    counts = RoomCounts(
        comments=len(live),
        top_level=sum(posts[i].parent is None for i in live),
        replies=sum(posts[i].parent is not None for i in live),
        nested_replies=sum(posts[i].depth > 1 for i in live),
        scenario_comments=sum(posts[i].scenario is not None for i in live),
        nicknamed=sum(posts[i].nickname is not None for i in live),
        anonymous=sum(posts[i].nickname is None for i in live),
        hostile=sum(posts[i].hostile is not None for i in live),
        plus_ones=len(plan.plus),
        reports=n_reports,
        statuses=MappingProxyType(statuses),
        purged=purged,
        towns=len({posts[i].town for i in live if posts[i].town is not None}),
        proposals=len(roles["proposal"]), areas=len(roles["area"]), routes=len(roles["route"]),
    )
    if workshop is not None:
        workshop = replace(workshop,
                           scenario_comment_ids=tuple(ids[i] for i in roles["scenario"]))
    return RoomSummary(
        city=city.id, seed=seed, now=now, counts=counts,
        nicknamed_id=one("nicknamed"), anonymous_id=one("anonymous"),
        with_replies_id=one("with_replies"), reply_ids=tuple(ids[i] for i in roles["reply"]),
        nested_reply_id=one("nested"), reply_to_hidden_id=one("reply_to_hidden"),
        reported_id=one("reported") if roles["reported"] else None,
        hidden_auto_id=one("hidden_auto"), restored_id=one("restored"),
        hidden_id=one("hidden"), deleted_id=one("deleted"),
        moderator_deleted_id=one("moderator_deleted"), hostile_id=hostile_ids["script"],
        long_id=hostile_ids["long"], hostile_ids=MappingProxyType(hostile_ids),
        hostile_nickname_id=one("hostile_nickname"), popular_id=ids[popular],
        edit_tokens=MappingProxyType({cid: tokens[cid] for cid in notable}),
        proposal_ids=tuple(ids[i] for i in roles["proposal"]),
        area_ids=tuple(ids[i] for i in roles["area"]),
        route_ids=tuple(ids[i] for i in roles["route"]),
        workshop=workshop,
    )
