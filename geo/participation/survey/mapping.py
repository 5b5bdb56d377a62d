"""The column mapping: which headers hold which field, and how values are spelled
(``data/framework/survey_columns.toml``, or a city's own file)."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from geo.errors import InputError, Problem
from geo.ingest.io import decode_bytes
from geo.participation.survey.common import AGE_BANDS, DEFAULT_MAPPING_PATH, SEXES, norm

__all__ = ["ColumnMapping", "load_mapping", "parse_mapping"]


@dataclass(frozen=True)
class ColumnMapping:
    """Which headers hold which field, and how attribute values are spelled.

    Attributes
    ----------
    columns
        Field name → accepted headers (normalised), for the attributes and headline questions.
    items
        Item id → extra accepted headers (normalised).
    values
        ``"age_band"`` / ``"sex"`` → {normalised spelling: canonical value}.
    """

    columns: Mapping[str, tuple[str, ...]]
    items: Mapping[str, tuple[str, ...]]
    values: Mapping[str, Mapping[str, str]]


def parse_mapping(text: str, *, file: str = "mapping",
                  base: ColumnMapping | None = None) -> ColumnMapping:
    """Read a column-mapping TOML (see ``data/framework/survey_columns.toml``).

    Parameters
    ----------
    text
        The TOML text.
    file
        Name used in messages.
    base
        Mapping whose entries stand for any field the text does not mention (default: the
        shipped mapping; so a file may list only what differs).

    Raises
    ------
    InputError
        When the text is not TOML or a section has the wrong shape.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(Problem(file, f"not a valid TOML mapping ({exc})")) from exc

    def names(section: str) -> dict[str, tuple[str, ...]]:
        raw = data.get(section, {})
        if not isinstance(raw, dict) or not all(
                isinstance(v, list) and all(isinstance(s, str) for s in v) for v in raw.values()):
            raise InputError(Problem(file, f"[{section}] must map names to lists of headers"))
        return {str(k): tuple(norm(s) for s in v) for k, v in raw.items()}

    values: dict[str, dict[str, str]] = {}
    raw_values = data.get("values", {})
    for fld in ("age_band", "sex"):
        spell = raw_values.get(fld, {}) if isinstance(raw_values, dict) else {}
        if not isinstance(spell, dict):
            raise InputError(Problem(file, f"[values.{fld}] must map values to spellings"))
        canonical = AGE_BANDS if fld == "age_band" else SEXES
        table = {norm(c): c for c in canonical}
        for value, spellings in spell.items():
            if value not in canonical:
                raise InputError(Problem(
                    file, f"[values.{fld}] {value!r} is not one of {', '.join(canonical)}"))
            table.update({norm(s): value for s in spellings})
        values[fld] = table
    given = ColumnMapping(columns=names("columns"), items=names("items"), values=values)
    if base is None and file != DEFAULT_MAPPING_PATH.name:
        base = load_mapping()
    if base is None:
        return given
    spelled = raw_values if isinstance(raw_values, dict) else {}
    return ColumnMapping(
        columns={**base.columns, **given.columns},
        items={**base.items, **given.items},
        values={fld: ({**base.values[fld], **given.values[fld]} if fld in spelled
                      else base.values[fld]) for fld in ("age_band", "sex")},
    )


def load_mapping(path: str | Path | None = None) -> ColumnMapping:
    """Load a column-mapping file (default: the shipped, documented one, cached).

    Fields the file does not mention keep the shipped mapping's entries.
    """
    if path is None:
        return _shipped_mapping()
    p = Path(path)
    text, _ = decode_bytes(p.read_bytes(), file=p.name)
    return parse_mapping(text, file=p.name)


@cache
def _shipped_mapping() -> ColumnMapping:
    text = DEFAULT_MAPPING_PATH.read_text(encoding="utf-8")
    return parse_mapping(text, file=DEFAULT_MAPPING_PATH.name)
