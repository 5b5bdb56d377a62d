"""The project's exceptions, with messages a city clerk can act on."""

from __future__ import annotations

from dataclasses import dataclass


class DioramaError(Exception):
    """Base class of every error this project raises on purpose."""


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
        The same in Japanese ("" where only the English text exists yet); shown after the
        English one.
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

    def text(self, lang: str = "en") -> str:
        """The problem in one language (English where no Japanese text exists)."""
        if lang == "ja" and self.message_ja:
            return f"{self.where('ja')}: {self.message_ja}"
        return f"{self.where()}: {self.message}"

    def __str__(self) -> str:
        out = self.text("en")
        return f"{out} / {self.message_ja}" if self.message_ja else out


class InputError(DioramaError):
    """An input file cannot be used; carries every problem found, each with file, row, column."""

    def __init__(self, problems: list[Problem] | Problem) -> None:
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def message_ja(self) -> str:
        """Every problem in Japanese (English where no Japanese text exists), one a line."""
        return "\n".join(p.text("ja") for p in self.problems)

    @property
    def message_en(self) -> str:
        """Every problem in English, one a line."""
        return "\n".join(p.text("en") for p in self.problems)


class BundleError(DioramaError):
    """A city bundle is missing, incomplete or of an unknown format version."""
