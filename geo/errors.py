"""The project's exceptions, with messages a city clerk can act on."""

from __future__ import annotations

from dataclasses import dataclass

#: Most problems an :class:`InputError` shows in :meth:`InputError.text` (all stay in
#: :attr:`InputError.problems`).
MAX_SHOWN_PROBLEMS = 50


class DioramaError(Exception):
    """Base class of every error this project raises on purpose: what a user may be shown.

    Every error carries the same message in Japanese and in English; the UI shows
    :meth:`text` in the session's language; ``str()`` (logs, the command line) shows both,
    English first (as a :class:`Problem` does).

    Parameters
    ----------
    message_ja
        What is wrong and what to do about it, in Japanese, fit to show to a citizen or clerk.
    message_en
        The same in English.
    """

    def __init__(self, message_ja: str, message_en: str) -> None:
        super().__init__(message_ja, message_en)
        self.message_ja = message_ja
        self.message_en = message_en

    def text(self, lang: str = "ja") -> str:
        """The message in ``lang`` (``"ja"`` or ``"en"``; English where no Japanese exists)."""
        return self.message_ja if lang == "ja" and self.message_ja else self.message_en

    def __str__(self) -> str:
        ja, en = self.message_ja, self.message_en
        return f"{en} / {ja}" if ja and ja != en else en


@dataclass(frozen=True)
class Problem:
    """One located problem in an input file.

    Parameters
    ----------
    file
        Name of the file (not its full path, so messages stay short).
    message
        What is wrong and what to do about it, in English.
    row
        1-based data row (the header is row 0), or None when the whole file is concerned.
    column
        Column or property name, or None.
    message_ja
        The same in Japanese ("" where only the English text exists yet: the Japanese UI then
        shows the English message after the Japanese file, row and column).
    """

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    message_ja: str = ""

    @property
    def message_en(self) -> str:
        """The English message (the same as :attr:`message`)."""
        return self.message

    def where(self, lang: str = "en") -> str:
        """File, row and column in words of ``lang`` (``"en"`` or ``"ja"``)."""
        if lang == "ja":
            out = self.file
            if self.row is not None:
                out += " 見出し行" if self.row == 0 else f" {self.row}行目"
            if self.column is not None:
                out += f" 列「{self.column}」"
            return out
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        return where

    def message_in(self, lang: str) -> str:
        """The message alone in ``lang`` (English where no Japanese text exists)."""
        return self.message_ja if lang == "ja" and self.message_ja else self.message

    def text(self, lang: str = "en") -> str:
        """The problem in one language: where (always in ``lang``), then the message."""
        return f"{self.where(lang)}: {self.message_in(lang)}"

    def __str__(self) -> str:
        out = self.text("en")
        return f"{out} / {self.message_ja}" if self.message_ja else out


class InputError(DioramaError):
    """An input file cannot be used; carries every problem found, each with file, row, column.

    :attr:`message_ja` and :attr:`message_en` hold every problem, one a line, with its file,
    row and column in the words of that language; ``str()`` keeps the English line of each
    problem followed by its Japanese message.
    """

    def __init__(self, problems: list[Problem] | Problem) -> None:
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(p.text("ja") for p in self.problems),
                         "\n".join(p.text("en") for p in self.problems))

    def text(self, lang: str = "ja", limit: int | None = MAX_SHOWN_PROBLEMS) -> str:
        """The first ``limit`` problems in ``lang``, one a line, and how many more there are."""
        shown = self.problems if limit is None else self.problems[:limit]
        lines = [p.text(lang) for p in shown]
        more = len(self.problems) - len(shown)
        if more:
            lines.append(f"…ほか{more}件" if lang == "ja" else f"… and {more} more")
        return "\n".join(lines)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class BundleError(DioramaError):
    """A city bundle is missing, incomplete or of an unknown format version."""
