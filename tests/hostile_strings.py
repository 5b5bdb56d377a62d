"""Corpus of hostile comment texts for the security tests of geo.text and geo.store."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Hostile:
    """One hostile input.

    Parameters
    ----------
    name
        Short id, used as the pytest id.
    text
        The raw text a citizen (or an attacker) submits.
    outcome
        ``"accepted"`` (stored as inert text), ``"too_long"`` or ``"empty"`` (refused with
        a clear message).
    """

    name: str
    text: str
    outcome: Literal["accepted", "too_long", "empty"] = "accepted"


HOSTILE: tuple[Hostile, ...] = (
    # HTML / script injection
    Hostile("script_tag", "<script>alert(1)</script>"),
    Hostile("script_close", "</script><script>alert(document.cookie)</script>"),
    Hostile("img_onerror", "<img src=x onerror=alert(1)>"),
    Hostile("svg_onload", "<svg/onload=alert(1)>"),
    Hostile("attr_break_double", '" onmouseover="alert(1)" x="'),
    Hostile("attr_break_single", "' autofocus onfocus='alert(1)"),
    Hostile("iframe_js", '<iframe src="javascript:alert(1)"></iframe>'),
    Hostile("a_href_js", '<a href="javascript:alert(1)">クリック</a>'),
    Hostile("style_tag", "<style>body{display:none}</style>"),
    Hostile("textarea_close", "</textarea></title><b>bold</b>"),
    Hostile("html_entities", "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#x3C;"),
    Hostile("html_comment", "<!-- hidden --> visible"),
    # links
    Hostile("javascript_url", "javascript:alert(1)"),
    Hostile("data_url", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="),
    Hostile("vbscript_url", "vbscript:msgbox(1)"),
    # Markdown
    Hostile("md_link_js", "[x](javascript:alert(1))"),
    Hostile("md_image", "![x](http://evil/x.png)"),
    Hostile("md_ref_link", "[click][1]\n\n[1]: javascript:alert(1)"),
    Hostile("md_autolink", "<javascript:alert(1)> <http://evil.example/>"),
    Hostile("md_bare_url", "www.evil.example と http://evil.example/a_b_c と evil@example.com"),
    Hostile("md_block_syntax", "# 見出し\n- リスト\n> 引用\n| a | b |\n|---|---|\n```\ncode\n```"),
    Hostile("md_emphasis", "**太字** __下線__ *斜体* ~~取消~~ `code`"),
    Hostile("streamlit_directives", ":red[赤字] :material/home: :smile: $\\frac{1}{2}$ $$x$$"),
    # template substitution (pydeck tooltips, Jinja, str.format)
    Hostile("deck_text", "{text}"),
    Hostile("deck_cell", "{cell} {factor} {properties.text}"),
    Hostile("jinja", "{{7*7}} {% raw %}{{ config }}{% endraw %}"),
    Hostile("format_string", "{0.__class__.__mro__} ${7*7} #{7*7}"),
    # control and invisible characters
    Hostile("nul", "abc\x00def"),
    Hostile("c0_c1_controls", "a\x01\x02\x1b[31mred\x1b[0m\x7f\x85\x9f b\x0b\x0c"),
    Hostile("bidi_override", "\u202eexe.txt\u202c 請求書"),
    Hostile("bidi_isolates", "\u2066abc\u2069 \u2067def\u2069 \u2068ghi\u2069 \u202a\u202b\u202d"),
    Hostile("only_invisible", "\u202e\u202d\u200f\x00\x07", "empty"),
    Hostile("only_whitespace", "   \n\t \u3000 \r\n", "empty"),
    Hostile("bom_zero_width", "\ufeffabc\u200bdef\u200d"),
    Hostile("lone_surrogate", "abc\ud800def"),
    Hostile("line_separators", "a\u2028b\u2029c\r\nd\re"),
    Hostile("many_blank_lines", "a\r\n\r\n\r\n\r\n\r\n\r\nb\n\n\n\n\n\nc"),
    Hostile("tabs", "列1\t列2\t\t列3"),
    # length
    Hostile("ten_thousand", "あ" * 10_000, "too_long"),
    Hostile("one_over", "a" * 1001, "too_long"),
    Hostile("exactly_max", "い" * 1000),
    Hostile("huge", "x" * 1_000_000, "too_long"),
    # Unicode
    Hostile("emoji", "👨‍👩‍👧‍👦 家族で🚲 🇯🇵 👍🏽"),
    Hostile("japanese_fullwidth", "＜script＞全角＜／script＞ 歩道が狭い ｶﾞｷﾞ"),
    Hostile("combining", "e\u0301 か\u3099 Å"),
    # SQL and placeholders
    Hostile("sql_drop", "'; DROP TABLE comments;--"),
    Hostile("sql_or", "1' OR '1'='1' --"),
    Hostile("sql_placeholders", "? ?? ?1 :name $1 %s %d %(x)s %% \\x00"),
    # spreadsheets (CSV injection)
    Hostile("csv_formula", '=HYPERLINK("http://evil.example","click")'),
    Hostile("csv_dde", "@SUM(1+1)*cmd|' /C calc'!A0"),
    Hostile("csv_plus_minus", "+1-1 -2+3"),
    Hostile("csv_quotes", 'a,"b",c\n"d""e"'),
    # JSON breaking
    Hostile("json_break", '"}]}, {"type": "Feature"'),
    Hostile("backslashes", "\\<script\\>\\n\\u003c \\\\"),
)
"""Every hostile input; names are unique."""

ACCEPTED: tuple[Hostile, ...] = tuple(h for h in HOSTILE if h.outcome == "accepted")
"""The inputs that must be stored (as inert text)."""

REFUSED: tuple[Hostile, ...] = tuple(h for h in HOSTILE if h.outcome != "accepted")
"""The inputs that must be refused with a clear message."""
