"""The Well-Being indicator definition as versioned data: 24 factors, questions, objective KPIs."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from geo.settings import FRAMEWORK_DIR

__all__ = [
    "DEFAULT_PATH",
    "FACTORS",
    "FACTOR_KEYS",
    "FRAMEWORK",
    "Factor",
    "Framework",
    "FrameworkError",
    "Group",
    "Headline",
    "Item",
    "kind_mismatches",
    "load_framework",
]

#: The framework file shipped with the app (``data/framework/lwc.toml``).
DEFAULT_PATH = FRAMEWORK_DIR / "lwc.toml"


class FrameworkError(ValueError):
    """A framework file is malformed or inconsistent; the message names the file and entry."""


@dataclass(frozen=True)
class Factor:
    """One of the 24 Well-Being (LWC) factors.

    Parameters
    ----------
    group
        Japanese name of the factor's group (生活環境, 地域の人間関係, 自分らしい生き方).
    key
        Stable ASCII key stored in the database.
    ja
        Japanese name shown to citizens.
    en
        English name.
    """

    group: str
    key: str
    ja: str
    en: str


@dataclass(frozen=True)
class Group:
    """A group of factors (``key`` ASCII, ``ja`` / ``en`` display names)."""

    key: str
    ja: str
    en: str


@dataclass(frozen=True)
class Item:
    """One 1–5 survey question of a factor.

    Attributes
    ----------
    id
        Stable id, ``<factor key>_<n>`` (e.g. ``mobility_1``).
    factor
        Key of its factor.
    number
        Question number in the standard order (1-based; ``Q01`` …).
    ja, en
        Question text (this project's paraphrase, see the framework's wording note).
    """

    id: str
    factor: str
    number: int
    ja: str
    en: str

    @property
    def code(self) -> str:
        """The question number as written in survey files, e.g. ``Q07``."""
        return f"Q{self.number:02d}"


@dataclass(frozen=True)
class Headline:
    """A headline question (life satisfaction, happiness) on a ``low``–``high`` scale."""

    key: str
    ja: str
    en: str
    question_ja: str
    question_en: str
    low: int
    high: int
    number: int

    @property
    def code(self) -> str:
        """The question number as written in survey files, e.g. ``Q49``."""
        return f"Q{self.number:02d}"


@dataclass(frozen=True)
class Framework:
    """A versioned indicator definition (see ``data/framework/lwc.toml``).

    Attributes
    ----------
    id, version
        Identify the definition; stored with every imported survey.
    groups, factors, items, headlines
        The definition, in canonical order.
    kinds
        For each factor key, the walking-coverage kinds (``geo.kinds`` keys) that measure it
        objectively, most specific first.
    other_kpis
        For each factor key, the names of LWC objective KPIs this app does not compute.
    item_scale
        (lowest, highest) answer of an item.
    """

    id: str
    version: str
    title_ja: str
    title_en: str
    wording_note_ja: str
    wording_note_en: str
    groups: tuple[Group, ...]
    factors: tuple[Factor, ...]
    items: tuple[Item, ...]
    headlines: tuple[Headline, ...]
    kinds: Mapping[str, tuple[str, ...]]
    other_kpis: Mapping[str, tuple[str, ...]]
    item_scale: tuple[int, int] = (1, 5)
    path: Path | None = field(default=None, compare=False)

    @property
    def factor_keys(self) -> tuple[str, ...]:
        """Keys of the factors, in order."""
        return tuple(f.key for f in self.factors)

    @property
    def measures(self) -> tuple[str, ...]:
        """Everything scored per respondent: the headline keys, then the factor keys."""
        return tuple(h.key for h in self.headlines) + self.factor_keys

    def factor(self, key: str) -> Factor:
        """The factor with this key; raises KeyError naming it otherwise."""
        for f in self.factors:
            if f.key == key:
                return f
        raise KeyError(f"unknown Well-Being factor {key!r}")

    def headline(self, key: str) -> Headline | None:
        """The headline question with this key, or None for a factor key."""
        return next((h for h in self.headlines if h.key == key), None)

    def items_of(self, key: str) -> tuple[Item, ...]:
        """The 1–5 items of a factor."""
        return tuple(i for i in self.items if i.factor == key)

    def scale_of(self, measure: str) -> tuple[int, int]:
        """(lowest, highest) answer of a measure (factor or headline)."""
        h = self.headline(measure)
        return (h.low, h.high) if h is not None else self.item_scale

    def label(self, measure: str, *, lang: str = "ja") -> str:
        """Display name of a measure (factor or headline) in ``lang`` ("ja" or "en")."""
        h = self.headline(measure)
        named: Factor | Headline = h if h is not None else self.factor(measure)
        return named.ja if lang == "ja" else named.en

    def factors_of_kind(self, kind: str) -> tuple[str, ...]:
        """Keys of the factors a coverage kind measures."""
        return tuple(k for k, kinds in self.kinds.items() if kind in kinds)


def _str(entry: Mapping[str, Any], name: str, *, where: str) -> str:
    value = entry.get(name)
    if not isinstance(value, str) or not value.strip():
        raise FrameworkError(f"{where}: '{name}' must be a non-empty string")
    return value


def _scale(value: Any, *, where: str) -> tuple[int, int]:
    if (not isinstance(value, list) or len(value) != 2
            or not all(isinstance(v, int) for v in value) or value[0] >= value[1]):
        raise FrameworkError(f"{where}: a scale is [lowest, highest], e.g. [1, 5]")
    return int(value[0]), int(value[1])


def parse_framework(data: Mapping[str, Any], *, file: str = "framework") -> Framework:
    """Build and check a :class:`Framework` from parsed TOML.

    Parameters
    ----------
    data
        The parsed file (see ``data/framework/lwc.toml`` for the layout).
    file
        Name used in error messages.

    Returns
    -------
    Framework
        Items are numbered in factor order, then the headline questions follow.

    Raises
    ------
    FrameworkError
        Naming the entry at fault: a duplicate or unknown key, a missing name, a bad scale.
    """
    groups = tuple(
        Group(_str(g, "key", where=f"{file} group {i}"), _str(g, "ja", where=f"{file} group {i}"),
              _str(g, "en", where=f"{file} group {i}"))
        for i, g in enumerate(data.get("groups", []), start=1)
    )
    by_group = {g.key: g for g in groups}
    factors: list[Factor] = []
    items: list[Item] = []
    kinds: dict[str, tuple[str, ...]] = {}
    other: dict[str, tuple[str, ...]] = {}
    for i, f in enumerate(data.get("factors", []), start=1):
        where = f"{file} factor {i}"
        key = _str(f, "key", where=where)
        group = by_group.get(_str(f, "group", where=where))
        if group is None:
            raise FrameworkError(f"{where} ({key}): unknown group {f.get('group')!r}")
        if key in kinds:
            raise FrameworkError(f"{where}: duplicate factor key {key!r}")
        ja, en = _str(f, "ja", where=where), _str(f, "en", where=where)
        factors.append(Factor(group.ja, key, ja, en))
        kinds[key] = tuple(str(k) for k in f.get("kinds", []))
        other[key] = tuple(str(k) for k in f.get("other_kpis", []))
        raw_items = f.get("items", [])
        if not raw_items:
            raise FrameworkError(f"{where} ({key}): a factor needs at least one item")
        for j, pair in enumerate(raw_items, start=1):
            if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(s, str)
                                                                    for s in pair)):
                raise FrameworkError(f"{where} ({key}) item {j}: write items as [ja, en]")
            items.append(Item(f"{key}_{j}", key, len(items) + 1, pair[0], pair[1]))
    headlines = []
    for i, h in enumerate(data.get("headlines", []), start=1):
        where = f"{file} headline {i}"
        low, high = _scale(h.get("scale"), where=where)
        headlines.append(Headline(
            _str(h, "key", where=where), _str(h, "ja", where=where), _str(h, "en", where=where),
            _str(h, "question_ja", where=where), _str(h, "question_en", where=where),
            low, high, len(items) + i))
    keys = [f.key for f in factors] + [h.key for h in headlines]
    if len(set(keys)) != len(keys):
        raise FrameworkError(f"{file}: factor and headline keys must all differ")
    if not factors:
        raise FrameworkError(f"{file}: no factors")
    return Framework(
        id=_str(data, "id", where=file),
        version=str(data.get("version", "")),
        title_ja=_str(data, "title_ja", where=file),
        title_en=_str(data, "title_en", where=file),
        wording_note_ja=str(data.get("wording_note_ja", "")),
        wording_note_en=str(data.get("wording_note_en", "")),
        groups=groups,
        factors=tuple(factors),
        items=tuple(items),
        headlines=tuple(headlines),
        kinds=kinds,
        other_kpis=other,
        item_scale=_scale(data.get("item_scale", [1, 5]), where=file),
    )


@cache
def _load(path: Path) -> Framework:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise FrameworkError(f"{path.name}: cannot read the framework ({exc})") from exc
    fw = parse_framework(data, file=path.name)
    return replace(fw, path=path)


def load_framework(path: str | Path | None = None) -> Framework:
    """Load a framework file (default: the shipped ``data/framework/lwc.toml``); cached.

    Parameters
    ----------
    path
        A TOML file laid out like the shipped one (e.g. another edition of the indicator).

    Returns
    -------
    Framework
        The checked definition.
    """
    return _load(Path(path).resolve() if path is not None else DEFAULT_PATH)


def kind_mismatches(
    framework: Framework, kinds: Iterable[tuple[str, str]]
) -> list[str]:
    """Disagreements between the framework's KPI mapping and the coverage kinds' own factor.

    Parameters
    ----------
    framework
        The definition.
    kinds
        ``(kind key, factor Japanese name)`` pairs, e.g. from ``geo.kinds.KINDS``.

    Returns
    -------
    list of str
        One message per kind that the framework maps to another factor, does not map at all,
        or that does not exist; empty when both agree.
    """
    named = {key: ja for key, ja in kinds}
    by_ja = {f.ja: f.key for f in framework.factors}
    out = []
    for key, ja in named.items():
        mapped = framework.factors_of_kind(key)
        if by_ja.get(ja) not in mapped:
            out.append(f"kind {key!r} belongs to {ja!r} but the framework maps it to {mapped}")
    for factor, ks in framework.kinds.items():
        out.extend(f"factor {factor!r} maps to unknown kind {k!r}" for k in ks if k not in named)
    return out


#: The shipped framework.
FRAMEWORK = load_framework()
#: The 24 Well-Being factors in their canonical order (the comment store uses these keys).
FACTORS: tuple[Factor, ...] = FRAMEWORK.factors
#: Keys of :data:`FACTORS`, in order.
FACTOR_KEYS: tuple[str, ...] = FRAMEWORK.factor_keys
