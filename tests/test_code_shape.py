"""The library's shape rule: no function in geo/ is over 80 lines.

A function is counted from its ``def`` line to its last line, docstring, comments and blank
lines included (decorators are not counted). Methods and nested functions count on their own
and as part of the function that holds them. A long function is split into named steps (small
private functions, or a small dataclass carrying the state), not exempted here.
"""

from __future__ import annotations

import ast
from pathlib import Path

LIBRARY = Path(__file__).resolve().parent.parent / "geo"
MAX_LINES = 80


def _lengths(source: str) -> list[tuple[int, str, int]]:
    """(line of the ``def``, qualified name, lines) of every function in ``source``."""
    found: list[tuple[int, str, int]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                assert child.end_lineno is not None
                name = f"{prefix}{child.name}"
                found.append((child.lineno, name, child.end_lineno - child.lineno + 1))
                visit(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(ast.parse(source), "")
    return found


def test_the_count_runs_from_def_to_the_last_line_with_the_docstring():
    source = (
        "@decorator\n"
        "def f():\n"
        '    """Doc\n'
        "\n"
        '    more doc."""\n'
        "    return 1\n"
        "\n"
        "class C:\n"
        "    def m(self):\n"
        "        def inner():\n"
        "            pass\n"
        "        return inner\n"
    )
    assert _lengths(source) == [(2, "f", 5), (9, "C.m", 4), (10, "C.m.inner", 2)]


def test_no_library_function_is_over_80_lines():
    files = sorted(LIBRARY.rglob("*.py"))
    assert len(files) > 20  # the walk found the library
    long = [
        f"{path.relative_to(LIBRARY.parent)}:{line} {name} ({n} lines)"
        for path in files
        for line, name, n in _lengths(path.read_text(encoding="utf-8"))
        if n > MAX_LINES
    ]
    assert not long, (f"{len(long)} function(s) over {MAX_LINES} lines (def to last line); "
                      "split each into named steps:\n" + "\n".join(long))
