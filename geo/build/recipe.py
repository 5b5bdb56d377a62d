"""A city's build recipe (``city.toml``): what files make the city and how to read them.

:func:`read_recipe` parses and checks the file ``diorama build <city>`` reads;
:func:`check_recipe` checks a recipe made in memory (``diorama build-city`` and the add-a-city
page), which :func:`write_recipe` saves for later rebuilds. Either way the checked dictionary
goes straight to :func:`geo.build.build.build_recipe`; nothing is written to be read back.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from geo.errors import BundleError, InputError, Problem
from geo.ingest.formats.jis import municipality_code
from geo.ingest.formats.vector import WORLD_BOUNDS
from geo.ingest.io import JAPAN_BOUNDS

__all__ = [
    "FACILITY_FORMATS",
    "POPULATION_FORMATS",
    "RECIPE_FILE",
    "check_prefecture",
    "check_recipe",
    "input_bounds",
    "not_found",
    "read_recipe",
    "require",
    "write_recipe",
]

#: Name of the recipe in a city's raw folder.
RECIPE_FILE = "city.toml"
#: Population formats of the ``[population]`` recipe section (``flows``: the people-flow
#: stand-in, from the city's people-flow files; it names no file of its own).
POPULATION_FORMATS = ("towns", "mesh", "h3", "points", "flows")
#: Facility formats of ``[[facilities]]`` entries (``points`` is GeoJSON/CSV/GPKG/SHP points).
FACILITY_FORMATS = ("points", "ksj", "gtfs", "osm", "h3_counts")


def not_found(file: str, raw: Path) -> Problem:
    """The problem "file not found in <raw>"."""
    return Problem(file, f"file not found in {raw}", None, None,
                   f"{raw} にファイルがありません。")


def require(entry: dict[str, Any], keys: list[str], *, file: str) -> None:
    """Raise :class:`InputError` naming the ``keys`` a recipe entry lacks."""
    missing = [k for k in keys if k not in entry]
    if missing:
        raise InputError(Problem(file, f"recipe lacks {', '.join(missing)}", None, None,
                                 f"作成手順に {', '.join(missing)} がありません。"))


def read_recipe(raw: Path) -> dict[str, Any]:
    """Read and check a city's build recipe (``<raw>/city.toml``).

    Raises
    ------
    BundleError
        When there is no recipe.
    InputError
        When it is not valid TOML or :func:`check_recipe` finds a problem.
    """
    f = raw / RECIPE_FILE
    if not f.exists():
        raise BundleError(
            f"作成手順 {f} がありません。data/raw/maebashi/city.toml を例にしてください。",
            f"no build recipe at {f}; see data/raw/maebashi/city.toml for one")
    try:
        recipe = tomllib.loads(f.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(Problem(f.name, f"not valid TOML ({exc})", None, None,
                                 f"TOMLとして読めません({exc})。")) from exc
    return check_recipe(recipe, raw, file=f.name)


def check_recipe(recipe: dict[str, Any], raw: Path, *, file: str = RECIPE_FILE
                 ) -> dict[str, Any]:
    """Check a recipe: names, a population or a network, the municipality code against the
    prefecture, and that every file it names is in ``raw``; returns it with the municipality
    code written as five digits."""
    require(recipe, ["id", "name_ja", "name_en"], file=file)
    if not {"towns", "population", "network"} & set(recipe):
        raise InputError(Problem(file, "a city needs [towns] or [population], or [network]",
                                 None, None,
                                 "[towns]、[population]、[network] のいずれかが必要です。"))
    if "towns" in recipe and "population" in recipe:
        raise InputError(Problem(file, "give either [towns] or [population], not both", None,
                                 None, "[towns] と [population] はどちらか一方にしてください。"))
    if recipe.get("city_code") is not None:
        recipe["city_code"] = municipality_code(recipe["city_code"], file=file,
                                                column="city_code")
        check_prefecture(recipe["city_code"], recipe.get("prefecture"), file=file,
                         names=("city_code", "prefecture"))
    _check_files(recipe, raw)
    return recipe


def write_recipe(recipe: dict[str, Any], raw: Path, *, comment: str) -> Path:
    """Save ``recipe`` as ``<raw>/city.toml`` under a ``# comment`` line, for rebuilds."""
    f = raw / RECIPE_FILE
    f.write_text(f"# {comment}\n" + tomli_w.dumps(recipe), encoding="utf-8")
    return f


def _check_files(recipe: dict[str, Any], raw: Path) -> None:
    """Raise one InputError listing every file the recipe names that is not in ``raw``."""
    entries = [recipe.get(k) for k in ("boundary", "towns", "population", "network")]
    entries += recipe.get("facilities", []) + recipe.get("extra_sources", [])
    missing = [not_found(e["file"], raw) for e in entries
               if e is not None and "file" in e and not (raw / e["file"]).exists()]
    if missing:
        raise InputError(missing)


def check_prefecture(city_code: str, prefecture: int | None, *, file: str,
                     names: tuple[str, str]) -> None:
    """Raise :class:`InputError` when a municipality code lies in another prefecture than the
    one given; ``names`` are how the two settings are called where they were given."""
    if prefecture is not None and int(city_code[:2]) != int(prefecture):
        raise InputError(Problem(
            file, f"{names[0]} {city_code} is a municipality of prefecture {int(city_code[:2])}, "
            f"but {names[1]} is {prefecture}", None, names[0],
            f"{names[0]}の{city_code}は都道府県コード{int(city_code[:2])}の市区町村ですが、"
            f"{names[1]}は{prefecture}です。"))


def input_bounds(recipe: dict[str, Any]) -> tuple[float, float, float, float]:
    """Plausible lon/lat extent of the inputs: Japan unless the recipe says otherwise."""
    if "bounds" in recipe:
        b = recipe["bounds"]
        return (float(b[0]), float(b[1]), float(b[2]), float(b[3]))
    if recipe.get("region", "japan") == "japan":
        return JAPAN_BOUNDS
    return WORLD_BOUNDS
