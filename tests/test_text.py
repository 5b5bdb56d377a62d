"""Tests of geo.text: cleaning, length limits and escaping of citizens' text."""

from __future__ import annotations

import html
import re
import unicodedata
from html.parser import HTMLParser

import pytest
import store_fixtures  # noqa: F401  (puts the project on sys.path)
from hostile_strings import ACCEPTED, HOSTILE, REFUSED
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import DioramaError
from geo.text import (
    MAX_COMMENT_LENGTH,
    TextEmpty,
    TextError,
    TextTooLong,
    clean_text,
    escape_for_csv_cell,
    escape_for_deck_tooltip,
    escape_for_html,
    escape_for_markdown,
    sanitize_comment,
    sanitize_nickname,
)

BIDI = [chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]]

# Text drawn from characters that matter here: Markdown/HTML specials, controls, bidi,
# combining marks, newlines, Japanese and emoji.
nasty_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("<>&\"'`*_{}[]()#+-.!|~$:@\\=/%?;\n\r\t \u3000")),
        st.sampled_from([*BIDI, "\x00", "\x1b", "\x7f", "\x85", "\u2028", "\ufeff", "\u0301"]),
        st.sampled_from(list("あア漢字👍é")),
        st.characters(),
    ),
    max_size=200,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  こんにちは  ", "こんにちは"),
        ("a\tb", "a b"),
        ("a\r\nb\rc", "a\nb\nc"),
        ("a\n\n\n\n\n\nb", "a\n\n\nb"),
        ("a\n\n\nb", "a\n\n\nb"),
        ("a \n \n \n \n b", "a\n\n\n b"),
        ("abc\x00def", "abcdef"),
        ("\x1b[31mred\x1b[0m", "[31mred[0m"),
        ("\u202eabc\u202c", "abc"),
        ("\u2066x\u2069", "x"),
        ("e\u0301", "é"),
        ("e\x00\u0301", "é"),
        ("a\u2028b", "a\nb"),
        ("\ufeffbom", "bom"),
        ("👨‍👩‍👧", "👨‍👩‍👧"),
        ("行末の全角空白\u3000\n次", "行末の全角空白\n次"),
    ],
)
def test_clean_text_examples(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_clean_text_single_line_joins_lines() -> None:
    assert clean_text("a\nb\r\nc", multiline=False) == "a b c"


def test_too_long_comment_is_refused_with_a_clear_message() -> None:
    with pytest.raises(TextTooLong) as info:
        sanitize_comment("あ" * 1001)
    message = str(info.value)
    assert "コメントは1000文字以内で" in message
    assert "at most 1,000 characters" in message
    assert "1,001" in message
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, DioramaError)
    assert info.value.length == 1001
    assert info.value.limit == MAX_COMMENT_LENGTH


def test_length_is_counted_after_normalisation() -> None:
    # 1,000 visible characters plus invisible ones and decomposed accents still fit.
    assert len(sanitize_comment("\u202e" * 50 + "a" * 1000 + "  \n\n")) == 1000
    assert sanitize_comment("e\u0301" * 1000) == "é" * 1000


def test_ten_thousand_characters_refused_not_truncated() -> None:
    with pytest.raises(TextTooLong, match="10,000"):
        sanitize_comment("x" * 10_000)


def test_empty_comment_refused() -> None:
    for raw in ["", "   ", "\n\t\u3000", "\u202e\x00"]:
        with pytest.raises(TextEmpty, match="コメントを入力してください"):
            sanitize_comment(raw)


def test_non_string_refused() -> None:
    for raw in [None, 12, b"bytes", ["x"]]:
        with pytest.raises(TextError):
            sanitize_comment(raw)  # type: ignore[arg-type]


def test_nickname_rules() -> None:
    assert sanitize_nickname(None) is None
    assert sanitize_nickname("  ") is None
    assert sanitize_nickname("さくら\nたろう") == "さくら たろう"
    assert sanitize_nickname("n" * 40) == "n" * 40
    with pytest.raises(TextTooLong, match="ニックネーム"):
        sanitize_nickname("n" * 41)


@settings(max_examples=300, deadline=None)
@given(nasty_text)
def test_cleaning_is_idempotent_and_leaves_no_controls(raw: str) -> None:
    cleaned = clean_text(raw)
    assert clean_text(cleaned) == cleaned
    assert unicodedata.is_normalized("NFC", cleaned)
    assert cleaned == cleaned.strip()
    assert "\n\n\n\n" not in cleaned
    for ch in cleaned:
        assert ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cs"), repr(ch)
        assert ch not in BIDI


@settings(max_examples=300, deadline=None)
@given(nasty_text)
def test_html_escape_leaves_no_markup(raw: str) -> None:
    escaped = escape_for_html(raw)
    assert not set("<>\"'") & set(escaped)
    assert html.unescape(escaped) == raw


@settings(max_examples=300, deadline=None)
@given(nasty_text)
def test_deck_tooltip_escape_leaves_no_template_or_markup(raw: str) -> None:
    escaped = escape_for_deck_tooltip(raw)
    assert not set("<>{}\"'") & set(escaped)
    assert html.unescape(escaped) == raw
    with_breaks = escape_for_deck_tooltip(raw, line_breaks=True)
    assert re.sub(r"<br>", "", with_breaks).count("<") == 0


def test_deck_tooltip_escape_examples() -> None:
    assert escape_for_deck_tooltip("{text}") == "&#123;text&#125;"
    assert escape_for_deck_tooltip("<b>a</b>\nb", line_breaks=True) == "&lt;b&gt;a&lt;/b&gt;<br>b"


def test_csv_cell_escape() -> None:
    assert escape_for_csv_cell("=1+1") == "'=1+1"
    assert escape_for_csv_cell("@SUM(A1)") == "'@SUM(A1)"
    assert escape_for_csv_cell("-2") == "'-2"
    assert escape_for_csv_cell("+2") == "'+2"
    assert escape_for_csv_cell("歩道 = 狭い") == "歩道 = 狭い"


class _Tags(HTMLParser):
    """Collect the tags and the text of rendered HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attrs.extend(attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _render_markdown(source: str) -> _Tags:
    markdown_it = pytest.importorskip("markdown_it", reason="markdown-it-py renders CommonMark")
    md = markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"])
    parser = _Tags()
    parser.feed(md.render(source))
    return parser


@settings(max_examples=200, deadline=None)
@given(nasty_text)
def test_markdown_escape_renders_only_paragraphs_and_breaks(raw: str) -> None:
    rendered = _render_markdown(escape_for_markdown(clean_text(raw)))
    assert rendered.tags <= {"p", "br"}, rendered.tags
    assert rendered.attrs == []


@pytest.mark.parametrize("case", ACCEPTED, ids=lambda h: h.name)
def test_markdown_escape_keeps_hostile_text_inert(case: object) -> None:
    text = sanitize_comment(case.text)  # type: ignore[attr-defined]
    rendered = _render_markdown(escape_for_markdown(text))
    assert rendered.tags <= {"p", "br"}, rendered.tags
    assert rendered.attrs == []
    # What the reader sees is the text itself (Markdown only trims line-leading spaces; the
    # zero-width spaces that keep addresses from becoming links are invisible).
    shown = "".join(rendered.text).replace("\n", "").replace("\u200b", "")
    assert shown == re.sub(r"\n *", "", text).replace("\u200b", "")


def test_markdown_escape_keeps_bare_addresses_from_becoming_links() -> None:
    """GFM (Streamlit's renderer in the browser) links "https://…", "www.…" and "a@b.c" even
    with their punctuation escaped; a zero-width space breaks each (tests/test_browser_hostile
    checks the browser)."""
    assert escape_for_markdown("https://x.jp www.x.jp WWW.x.jp a@x.jp") == (
        "https\\:\u200b\\/\\/x\\.jp www\u200b\\.x\\.jp WWW\u200b\\.x\\.jp a\\@\u200bx\\.jp")
    assert escape_for_markdown("比: //a") == "比\\: \\/\\/a"  # no address, nothing added


def test_corpus_is_large_and_names_are_unique() -> None:
    assert len(HOSTILE) >= 30
    assert len({h.name for h in HOSTILE}) == len(HOSTILE)
    assert {h.outcome for h in REFUSED} == {"too_long", "empty"}


@pytest.mark.parametrize("case", REFUSED, ids=lambda h: h.name)
def test_refused_hostile_strings_raise_clear_errors(case: object) -> None:
    expected = TextTooLong if case.outcome == "too_long" else TextEmpty  # type: ignore[attr-defined]
    with pytest.raises(expected) as info:
        sanitize_comment(case.text)  # type: ignore[attr-defined]
    assert info.value.message_ja and info.value.message_en


def test_every_code_point_is_kept_or_dropped_as_its_unicode_category_says() -> None:
    """Control characters (Cc), surrogates (Cs) and the disguising format characters go,
    except tab and newline; every other code point stays (checked one by one, all 1,114,112;
    the cleaning runs as one regex, not a loop over ``unicodedata.category``)."""
    from geo.text import _FORMAT_CONTROLS, _drop_controls

    for code in range(0x110000):
        ch = chr(code)
        dropped = ch not in "\n\t" and (
            ch in _FORMAT_CONTROLS or unicodedata.category(ch) in ("Cc", "Cs"))
        assert _drop_controls(f"a{ch}b") == ("ab" if dropped else f"a{ch}b"), hex(code)
