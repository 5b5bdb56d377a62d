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
        What is wrong and what to do about it.
    row
        1-based data row (the header is row 0), or None when the whole file is concerned.
    column
        Column or property name, or None.
    """

    file: str
    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"


class InputError(DioramaError):
    """An input file cannot be used; carries every problem found, each with file, row, column."""

    def __init__(self, problems: list[Problem] | Problem) -> None:
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class BundleError(DioramaError):
    """A city bundle is missing, incomplete or of an unknown format version."""
