"""Streamlit's own widget texts are English ("Choose an option", "Choose options"): every
select box and multiselect in ui/ and pages/ sets ``placeholder=`` from the catalogue, and
every file uploader says in ``help=`` what to do in the user's language (its "Browse files"
button and drop-zone text cannot be changed) - issue 13. Read from the source (AST), so a new
widget without them fails here whether or not a page test reaches it.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted([*(ROOT / "ui").rglob("*.py"), *(ROOT / "pages").rglob("*.py"), ROOT / "app.py"])


def calls(attr: str) -> list[tuple[str, int, ast.Call]]:
    out = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == attr):
                out.append((str(path.relative_to(ROOT)), node.lineno, node))
    return out


def from_catalogue(value: ast.expr) -> bool:
    """``t("key", ...)``: a string of the catalogue, not a literal."""
    return (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
            and value.func.id == "t" and bool(value.args)
            and isinstance(value.args[0], ast.Constant))


def missing(attr: str, keyword: str) -> list[str]:
    bad = []
    for path, line, call in calls(attr):
        kw = {k.arg: k.value for k in call.keywords}
        if keyword not in kw or not from_catalogue(kw[keyword]):
            bad.append(f"{path}:{line}: st.{attr}(...) without {keyword}=t(...)")
    return bad


def test_there_are_widgets_to_check() -> None:
    assert len(calls("selectbox")) > 20 and calls("multiselect") and calls("file_uploader")


def test_every_selectbox_and_multiselect_sets_a_translated_placeholder() -> None:
    bad = missing("selectbox", "placeholder") + missing("multiselect", "placeholder")
    assert not bad, "\n".join(bad)


def test_every_file_uploader_explains_itself_in_the_users_language() -> None:
    bad = missing("file_uploader", "help")
    assert not bad, "\n".join(bad)


def test_the_placeholders_exist_in_both_languages() -> None:
    from ui.i18n import STRINGS

    for key in ("choose", "choose_many", "upload_help"):
        assert STRINGS[key]["ja"] and STRINGS[key]["en"], key
        assert "Choose an option" not in STRINGS[key]["ja"]
