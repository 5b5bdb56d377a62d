"""Sanitising and escaping of citizens' free text (comments, nicknames, reasons)."""

from __future__ import annotations

import html
import re
import string
import unicodedata

from geo.errors import DioramaError

__all__ = [
    "MAX_COMMENT_LENGTH",
    "MAX_NICKNAME_LENGTH",
    "TextEmpty",
    "TextError",
    "TextTooLong",
    "bounded_text",
    "clean_text",
    "escape_for_csv_cell",
    "escape_for_deck_tooltip",
    "escape_for_html",
    "escape_for_markdown",
    "sanitize_comment",
    "sanitize_line",
    "sanitize_nickname",
]

MAX_COMMENT_LENGTH = 1000
"""Longest comment, in Unicode code points after normalisation."""

MAX_NICKNAME_LENGTH = 40
"""Longest nickname, in Unicode code points after normalisation."""

_HARD_INPUT_LIMIT = 100_000
"""Inputs longer than this are refused before any processing (denial-of-service guard)."""

# Characters that end a line in some system and become "\n".
_NEWLINES = re.compile("\r\n|[\r\u0085\u2028\u2029]")

# Invisible formatting characters that can disguise text: bidi embeddings and overrides
# (U+202A–U+202E), bidi isolates (U+2066–U+2069), bidi marks (U+200E, U+200F, U+061C),
# the byte-order mark, interlinear annotation controls and the two non-characters.
_FORMAT_CONTROLS = frozenset(
    [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\u200e", "\u200f", "\u061c", "\ufeff", "\ufff9", "\ufffa", "\ufffb", "\ufffe", "\uffff"]
)

_BLANK_LINES = re.compile(r"\n{4,}")
_TRAILING_SPACE = re.compile(r"[ \u3000]+$", re.MULTILINE)
_MARKDOWN_SPECIALS = frozenset(string.punctuation)
_CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class TextError(DioramaError, ValueError):
    """A piece of free text cannot be accepted (``message_ja`` is for the citizen)."""


class TextTooLong(TextError):
    """The text is longer than allowed (it is refused, never silently truncated).

    Parameters
    ----------
    length
        Length of the text after normalisation, in characters.
    limit
        The largest length allowed.
    field_ja, field_en
        Name of the field ("コメント" / "A comment").
    """

    def __init__(self, *, length: int, limit: int, field_ja: str, field_en: str) -> None:
        self.length = length
        self.limit = limit
        super().__init__(
            f"{field_ja}は{limit}文字以内で入力してください（現在 {length:,} 文字）。",
            f"{field_en} can be at most {limit:,} characters (this one has {length:,}).",
        )


class TextEmpty(TextError):
    """The text is empty once invisible characters and surrounding spaces are removed.

    Parameters
    ----------
    field_ja, field_en
        Name of the field ("コメント" / "A comment").
    """

    def __init__(self, *, field_ja: str, field_en: str) -> None:
        super().__init__(
            f"{field_ja}を入力してください。",
            f"{field_en} cannot be empty.",
        )


# Cc (C0 and C1 controls, DEL) and Cs (surrogates) are fixed ranges: Unicode never adds to
# them. \t and \n are kept. One regex does in C what a loop over unicodedata.category did.
_CONTROLS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff"
    + "".join(re.escape(ch) for ch in sorted(_FORMAT_CONTROLS)) + "]"
)


def _drop_controls(text: str) -> str:
    """Remove control, surrogate and disguising format characters, keeping ``\\n`` and ``\\t``."""
    return _CONTROLS.sub("", text)


def clean_text(text: str, *, multiline: bool = True) -> str:
    """Normalise free text without enforcing any length.

    Steps: newlines of every convention become ``\\n``; NUL, C0/C1 control characters,
    lone surrogates and bidi embedding/override/isolate characters are removed; tabs become
    one space; the text is NFC-normalised; trailing spaces of each line are removed; more
    than two consecutive blank lines are collapsed to two; leading and trailing whitespace
    is stripped. With ``multiline=False`` every newline becomes one space as well.

    Parameters
    ----------
    text
        Raw text as typed by a citizen.
    multiline
        Whether line breaks are kept.

    Returns
    -------
    str
        The cleaned text (possibly empty). Cleaning is idempotent.

    Raises
    ------
    TextError
        If ``text`` is not a ``str``.
    """
    if not isinstance(text, str):
        raise TextError(
            "文字列を入力してください。",
            f"Expected text (str), got {type(text).__name__}.",
        )
    text = _NEWLINES.sub("\n", text)
    text = _drop_controls(text)
    text = text.replace("\t", " ")
    if not multiline:
        text = text.replace("\n", " ")
    text = unicodedata.normalize("NFC", text)
    text = _TRAILING_SPACE.sub("", text)
    text = _BLANK_LINES.sub("\n\n\n", text)
    return text.strip()


def bounded_text(text: str, max_length: int) -> str:
    """Text that came from a file (a name, an attribution), on one line and at most
    ``max_length`` characters: cleaned as :func:`clean_text` (``multiline=False``) and cut
    with an ellipsis when longer. Files are not refused for a long name; what reaches a
    manifest or a page is bounded. Only the first ``max_length * 4`` characters are looked
    at, so a name of hundreds of MB costs nothing.

    Parameters
    ----------
    text
        The text as read from the file.
    max_length
        Longest result, in characters (at least 1).
    """
    cleaned = clean_text(str(text)[: max(max_length, 1) * 4 + 16], multiline=False)
    if len(cleaned) <= max_length:
        return cleaned
    return cleaned[: max(max_length - 1, 0)].rstrip() + "…"


def sanitize_line(
    text: str,
    *,
    max_length: int,
    field_ja: str,
    field_en: str,
    allow_empty: bool = False,
    multiline: bool = False,
) -> str:
    """Clean a piece of text and enforce its length.

    Parameters
    ----------
    text
        Raw text.
    max_length
        Largest length allowed after cleaning, in characters.
    field_ja, field_en
        Name of the field for error messages, e.g. ``"理由"`` / ``"A reason"``.
    allow_empty
        Whether an empty result is accepted.
    multiline
        Whether line breaks are kept.

    Returns
    -------
    str
        The cleaned text.

    Raises
    ------
    TextTooLong
        If the cleaned text is longer than ``max_length``.
    TextEmpty
        If the cleaned text is empty and ``allow_empty`` is false.
    """
    if isinstance(text, str) and len(text) > max(_HARD_INPUT_LIMIT, max_length):
        raise TextTooLong(length=len(text), limit=max_length, field_ja=field_ja, field_en=field_en)
    cleaned = clean_text(text, multiline=multiline)
    if len(cleaned) > max_length:
        raise TextTooLong(
            length=len(cleaned), limit=max_length, field_ja=field_ja, field_en=field_en
        )
    if not cleaned and not allow_empty:
        raise TextEmpty(field_ja=field_ja, field_en=field_en)
    return cleaned


def sanitize_comment(text: str, *, max_length: int = MAX_COMMENT_LENGTH) -> str:
    """Clean a comment body and check that it is non-empty and at most ``max_length`` long.

    Parameters
    ----------
    text
        The comment as typed.
    max_length
        Largest length allowed after cleaning (default 1,000 characters).

    Returns
    -------
    str
        The text to store.

    Raises
    ------
    TextTooLong
        "コメントは1000文字以内で入力してください / A comment can be at most 1,000 characters".
    TextEmpty
        If nothing visible remains.
    """
    return sanitize_line(
        text,
        max_length=max_length,
        field_ja="コメント",
        field_en="A comment",
        multiline=True,
    )


def sanitize_nickname(nickname: str | None, *, max_length: int = MAX_NICKNAME_LENGTH) -> str | None:
    """Clean an optional nickname onto one line; empty becomes ``None``.

    Parameters
    ----------
    nickname
        The nickname as typed, or ``None``.
    max_length
        Largest length allowed after cleaning (default 40 characters).

    Returns
    -------
    str or None
        The nickname to store, or ``None`` when none was given.

    Raises
    ------
    TextTooLong
        If the nickname is longer than ``max_length``.
    """
    if nickname is None:
        return None
    cleaned = sanitize_line(
        nickname,
        max_length=max_length,
        field_ja="ニックネーム",
        field_en="A nickname",
        allow_empty=True,
    )
    return cleaned or None


def escape_for_html(text: str) -> str:
    """Escape text for an HTML text node or a quoted attribute value.

    Parameters
    ----------
    text
        Plain text.

    Returns
    -------
    str
        ``html.escape(text, quote=True)``: ``& < > " '`` become character references.
    """
    return html.escape(text, quote=True)


def escape_for_markdown(text: str) -> str:
    """Make plain text inert in (Streamlit) Markdown.

    Every ASCII punctuation character (CommonMark lets each be backslash-escaped; this
    includes ``\\ ` * _ { } [ ] ( ) # + - . ! | ~ < > $ & : @``) is escaped, so no link,
    autolink, image, emphasis, heading, list, table, HTML tag, entity, LaTeX formula or
    Streamlit directive (``:red[...]``) can form. Line breaks become Markdown hard breaks.
    GitHub-flavoured Markdown still links a bare address whose punctuation is escaped (an
    "autolink literal"), so a zero-width space follows ``://``'s colon, ``www`` and ``@``.

    Parameters
    ----------
    text
        Plain text.

    Returns
    -------
    str
        Markdown source that renders as ``text`` (with those invisible zero-width spaces).
    """
    escaped = "".join("\\" + ch if ch in _MARKDOWN_SPECIALS else ch for ch in text)
    # GFM's autolink literals (remark in the browser) link bare addresses even when their
    # punctuation is escaped: a zero-width space after "://", "www" and "@" keeps them text
    escaped = _AUTOLINK_SEAMS.sub(lambda m: m.group(0) + "\u200b", escaped)
    return escaped.replace("\n", "  \n")


#: Where an address would start an autolink literal, in escaped text: "\:" before "\/\/",
#: "www" before "\.", and "\@".
_AUTOLINK_SEAMS = re.compile(r"\\:(?=\\/\\/)|(?i:www)(?=\\\.)|\\@")


def escape_for_deck_tooltip(text: str, *, line_breaks: bool = False) -> str:
    """Escape text for a pydeck/deck.gl tooltip ``html`` template value.

    HTML-escapes the text and replaces ``{`` and ``}`` with character references, so
    deck.gl's ``{field}`` substitution cannot pick up anything from citizens' text.

    Parameters
    ----------
    text
        Plain text.
    line_breaks
        Whether ``\\n`` becomes ``<br>`` (the only markup ever added).

    Returns
    -------
    str
        Text with no ``<``, ``>``, ``{`` or ``}`` of its own.
    """
    escaped = html.escape(text, quote=True).replace("{", "&#123;").replace("}", "&#125;")
    if line_breaks:
        escaped = escaped.replace("\n", "<br>")
    return escaped


def escape_for_csv_cell(text: str) -> str:
    """Neutralise spreadsheet formulas in a CSV cell (CSV/formula injection).

    A cell that starts with ``= + - @``, a tab or a carriage return is prefixed with an
    apostrophe so that Excel and LibreOffice show it as text instead of evaluating it.

    Parameters
    ----------
    text
        Plain text.

    Returns
    -------
    str
        ``text``, or ``"'" + text`` when it would start a formula.
    """
    return "'" + text if text.startswith(_CSV_FORMULA_START) else text
