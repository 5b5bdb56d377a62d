"""Build a city bundle from its recipe, in named steps: the boundary, people flows, the
population, the walking network, the extent, the population grid, the facilities, then the
files and the manifest.

:func:`build` reads ``<data_dir>/raw/<city>/city.toml``; :func:`build_recipe` takes a recipe
already in memory (checked with :func:`geo.build.recipe.check_recipe`) and returns the
manifest it wrote, so nobody reads back what was just written.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geo import grid
from geo.build.recipe import (
    FACILITY_FORMATS,
    POPULATION_FORMATS,
    input_bounds,
    not_found,
    read_recipe,
    require,
)
from geo.context import flows as flows_mod
from geo.errors import InputError, Problem
from geo.grid.crs import WGS84, metric_crs
from geo.ingest.bundle import FORMAT_VERSION, MANIFEST_FILE, default_data_dir, shipped_dir
from geo.ingest.formats import Dropped, census, gtfs, ksj, osm
from geo.ingest.formats.vector import WORLD_BOUNDS, read_vector
from geo.ingest.io import (
    JAPAN_BOUNDS,
    duplicate,
    missing_column,
    parse_count,
    read_points_csv,
)
from geo.ingest.walkgraph import WalkNetwork, read_graphml
from geo.kinds import KIND_BY_KEY
from geo.text import bounded_text

__all__ = [
    "CLASSIFY_RULES",
    "OUTSIDE_TOLERANCE_M",
    "POPULATION_ASSUMPTIONS",
    "POPULATION_ASSUMPTION_EN",
    "POPULATION_ASSUMPTION_JA",
    "STAND_IN_EXTENT",
    "Built",
    "Progress",
    "build",
    "build_bundle",
    "build_recipe",
    "classify_name",
    "recipe_home",
]

logger = logging.getLogger(__name__)

#: A progress callback: fraction done (0..1) and what is being done.
Progress = Callable[[float, str], None]

#: Longest text the manifest keeps from a file or a form: a city name, a source's title,
#: licence and attribution, a facility or zone name, a warning.
MAX_NAME_TEXT = 100
MAX_SOURCE_TEXT = 500
MAX_WARNING_TEXT = 2000
#: Most warnings, unclassified facilities and dropped rows the manifest lists (the counts of
#: all of them are kept beside): the manifest stays small enough for every page to read.
MAX_LISTED = 2000
#: Facilities farther than this outside the city boundary are dropped (metres).
OUTSIDE_TOLERANCE_M = 1000.0
#: What the population grid assumes, shown in the UI and the docs.
POPULATION_ASSUMPTION_JA = (
    "町丁の人口は町丁内で一様に分布すると仮定し、H3セルとの重なり面積で按分しています(面積按分)。"
)
POPULATION_ASSUMPTION_EN = (
    "Each town's population is assumed to be spread uniformly over the town and is allocated "
    "to H3 cells by overlapping area (areal weighting)."
)
#: The same for the other population formats, keyed by ``[population] format``.
POPULATION_ASSUMPTIONS: dict[str, tuple[str, str]] = {
    "towns": (POPULATION_ASSUMPTION_JA, POPULATION_ASSUMPTION_EN),
    "mesh": (
        "メッシュの人口はメッシュ内で一様に分布すると仮定し、H3セルとの重なり面積で按分しています(面積按分)。",
        "Each mesh square's population is assumed to be spread uniformly over the square and is "
        "allocated to H3 cells by overlapping area (areal weighting).",
    ),
    "h3": (
        "H3セルの人口は、より細かい解像度の子セルに等分し(粗い場合)、または親セルに合算しています(細かい場合)。",
        "H3 cell populations are split equally between their resolution-10 children (coarser "
        "input) or summed into their resolution-10 parent (finer input); totals are conserved.",
    ),
    "points": (
        "各地点の人口を、その地点を含むH3セルに計上しています。",
        "Each point's population is counted in the H3 cell containing it.",
    ),
}
#: What the people-flow stand-in is, when a city has no population figures, only MLIT flow
#: files ({months}: the span; {area}: one of the STAND_IN_AREA sentences).
STAND_IN_JA = (
    "この「人口」は住民の数ではありません。住民の人口データが無いため、国土交通省「全国の人流オープン"
    "データ」の深夜(1〜5時)・全日の滞在人口の月平均({months})で代用しています(宿泊した来訪者を含み、"
    "不在の住民を含みません。10人未満で非公表の月は0人)。{area}メッシュ内は一様と仮定して面積で按分して"
    "います。カバー率は「この滞在人口のうち徒歩圏内にいる割合」です。町丁として示すのは"
    "1 kmメッシュで、住民の値は示せません。"
)
STAND_IN_EN = (
    "This 'population' is not the number of residents. There are no population figures for "
    "this city, so MLIT's people-flow open data stands in: the average late-night (01:00–05:00) "
    "stay population on all days, month by month over {months} (it includes visitors staying "
    "overnight and leaves out residents away; months under 10 people, not published, count as "
    "0). {area}Each mesh is assumed uniform and spread by area. Coverage is the share of this "
    "stay population within reach; the 'towns' listed are the 1 km meshes, and residents' "
    "figures cannot be shown."
)
#: The stand-in's area: (ja, en) without a boundary, and with one.
STAND_IN_AREA: dict[bool, tuple[str, str]] = {
    False: ("範囲は人流データの1 kmメッシュの集まりで、市の境界ではありません。",
            "The area is the set of the data's 1 km meshes, not the city boundary. "),
    True: ("メッシュは市の境界で切り取っています。",
           "The meshes are clipped to the city boundary. "),
}
#: Name patterns that classify an evacuation site into a facility kind, tried in order.
CLASSIFY_RULES: tuple[tuple[str, str], ...] = (
    ("special_needs_school", r"特別支援学校"),
    ("elementary_school", r"小学校"),
    ("junior_high_school", r"中学校"),
    ("high_school", r"高等学校|高校"),
    ("park", r"公園|緑地"),
    ("community_hall", r"公民館|集会所|コミュニティ|ふれあいセンター|市民センター|地区センター"),
)


# ---- the build, step by step ---------------------------------------------------------------


@dataclass
class Built:
    """A bundle just built: its folder and the manifest written there."""

    path: Path
    manifest: dict[str, Any]


@dataclass
class _Build:
    """What the steps have read so far (each step fills in its part)."""

    recipe: dict[str, Any]
    raw: Path
    bounds: tuple[float, float, float, float]
    warnings: list[str] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)
    crs: CRS | None = None
    boundary: shapely.Geometry | None = None
    boundary_label: str = "city boundary"
    flows: flows_mod.Flows | None = None
    pop_entry: dict[str, Any] | None = None
    pop_format: str | None = None
    towns: gpd.GeoDataFrame | None = None
    stand_in: dict[str, Any] | None = None
    network: WalkNetwork | None = None
    pieces: pd.DataFrame | None = None
    cells: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.uint64))
    facilities: gpd.GeoDataFrame | None = None
    unclassified: list[dict[str, Any]] = field(default_factory=list)
    facility_facts: dict[str, Any] = field(default_factory=dict)


def build(city: str, *, data_dir: Path | None = None, out_dir: Path | None = None,
          strict: bool = False, raw_dir: Path | None = None,
          progress: Progress | None = None) -> Path:
    """Build a city bundle from ``<data_dir>/raw/<city>/city.toml`` and the files it names;
    returns the bundle folder (see :func:`build_bundle`, which also returns the manifest)."""
    return build_bundle(city, data_dir=data_dir, out_dir=out_dir, strict=strict,
                        raw_dir=raw_dir, progress=progress).path


def build_bundle(city: str, *, data_dir: Path | None = None, out_dir: Path | None = None,
                 strict: bool = False, raw_dir: Path | None = None,
                 progress: Progress | None = None) -> Built:
    """Build a city bundle from ``<data_dir>/raw/<city>/city.toml`` and the files it names.

    Parameters
    ----------
    city
        City id (folder name under ``raw/``).
    data_dir
        Folder with ``raw/``; the bundle is written to ``<data_dir>/<city>/`` unless
        ``out_dir`` is given.
    out_dir
        Where to write the bundle.
    strict
        Turn warnings (towns without population, facilities outside the city) into errors.
    raw_dir
        Folder holding ``city.toml`` and the raw files, instead of ``<data_dir>/raw/<city>``.
    progress
        Called with (fraction done, step) before each step.

    Returns
    -------
    Built
        The bundle folder (GeoParquet files and ``manifest.json``; ``dropped`` lists every
        input row left out and why) and the manifest.

    Raises
    ------
    InputError
        Naming file, row and column of every problem found in an input.
    """
    data_dir = data_dir or recipe_home(city)
    raw = raw_dir or data_dir / "raw" / city
    return build_recipe(read_recipe(raw), raw, out_dir or data_dir / city, strict=strict,
                        progress=progress)


def recipe_home(city: str) -> Path:
    """Where ``city``'s recipe is: the built cities' folder if it holds ``raw/<city>``, else
    the shipped data if it does (a shipped city is rebuilt where it is shipped), else the
    built cities' folder."""
    for home in (default_data_dir(), shipped_dir()):
        if (home / "raw" / city / "city.toml").exists():
            return home
    return default_data_dir()


def build_recipe(recipe: dict[str, Any], raw: Path, out: Path, *, strict: bool = False,
                 progress: Progress | None = None) -> Built:
    """Build the bundle a checked recipe describes (files in ``raw``) into ``out``.

    See :func:`build_bundle` for ``strict``, ``progress`` and what is raised.
    """
    def step(done: float, what: str) -> None:
        if progress is not None:
            progress(done, what)

    logger.info("building city %s from %s", recipe["id"], raw)
    b = _Build(recipe, raw, input_bounds(recipe))
    step(0.0, "boundary")
    _read_boundary(b)
    # people flows: read whenever the raw folder holds MLIT flow files, so flows.parquet is
    # rebuilt with the bundle and never left stale
    if flows_mod.find_files(raw):
        step(0.05, "people flows")
        b.flows = flows_mod.read_flows(raw, city_code=recipe.get("city_code"))
    b.pop_entry = recipe.get("towns") or recipe.get("population")
    if b.pop_entry is not None:
        step(0.1, "population")
        _read_people(b)
    if "network" in recipe:
        step(0.3, "walking network")
        _read_network(b)
    _settle_extent(b)
    step(0.5, "population grid")
    _population_grid(b)
    step(0.6, "facilities")
    _read_all_facilities(b)
    if strict and b.warnings:
        raise InputError([Problem("build", w) for w in b.warnings])
    step(0.9, "writing the bundle")
    manifest = _write(b, out)
    _log_outcome(b, manifest)
    step(1.0, "done")
    return Built(out, manifest)


def _read_boundary(b: _Build) -> None:
    """The ``[boundary]`` polygons, and the metric CRS they (or the prefecture) decide."""
    if "boundary" in b.recipe:
        entry = b.recipe["boundary"]
        gdf = read_vector(b.raw / entry["file"], geometry_types=("Polygon", "MultiPolygon"),
                          bounds=b.bounds)
        b.boundary = shapely.union_all(gdf.geometry.to_numpy())
        b.sources.append(_source(entry, b.raw, len(gdf)))
        rep = b.boundary.centroid
        b.crs = metric_crs(prefecture=b.recipe.get("prefecture"), lon=rep.x, lat=rep.y)
    elif b.recipe.get("prefecture"):
        b.crs = metric_crs(prefecture=b.recipe["prefecture"])


def _read_people(b: _Build) -> None:
    """The ``[towns]`` / ``[population]`` zones (or the people-flow stand-in); without a
    boundary their extent becomes the city's, and their centre decides the CRS."""
    assert b.pop_entry is not None
    if b.pop_entry.get("format") == "flows":
        b.towns, b.stand_in = _stand_in(b.flows, b.raw, clipped=b.boundary is not None)
        b.pop_format = "flows"
    else:
        require(b.pop_entry, ["file"], file="city.toml [population]")
        b.towns, b.pop_format = _read_population(b.pop_entry, b.raw, b.warnings, b.dropped,
                                                 bounds=b.bounds, boundary=b.boundary,
                                                 crs=b.crs)
        b.sources.append(_source(b.pop_entry, b.raw, len(b.towns)))
    if b.boundary is None:
        extent = shapely.union_all(b.towns.geometry.to_numpy())
        b.boundary = extent.convex_hull if b.pop_format == "points" else extent
        b.boundary_label = (STAND_IN_EXTENT if b.pop_format == "flows"
                            else "extent of the population data (not the city boundary)")
    if b.crs is None:
        rep = b.boundary.centroid
        pref = b.recipe.get("prefecture") or (b.flows.meta["prefecture"] if b.flows else None)
        b.crs = metric_crs(prefecture=pref, lon=rep.x, lat=rep.y)


def _read_network(b: _Build) -> None:
    """The ``[network]`` (``.osm.pbf`` or GraphML); without a boundary or population its
    extent becomes the city's."""
    entry = b.recipe["network"]
    nf = b.raw / entry["file"]
    if b.crs is None and b.flows is not None:
        b.crs = metric_crs(prefecture=b.flows.meta["prefecture"])
    if b.crs is None:
        raise InputError(Problem(
            "city.toml", "a walking network alone does not say which metric coordinate "
            "system to measure in: add a [boundary], a [population] or prefecture = <JIS "
            "code, 1-47>", None, None,
            "歩行ネットワークだけでは距離を測る座標系が決まりません。city.tomlに[boundary]、"
            "[population]、またはprefecture = <都道府県コード1〜47>を加えてください。"))
    net = (osm.read_walk_network(nf, crs=b.crs, warnings=b.warnings)
           if nf.name.lower().endswith(".pbf")
           else read_graphml(nf, crs=b.crs, warnings=b.warnings))
    b.network = net
    b.sources.append(_source(entry, b.raw, net.n_nodes))
    if b.boundary is None:
        b.boundary = shapely.MultiPoint(np.column_stack([net.lon, net.lat])).convex_hull
        b.boundary_label = "extent of the walking network (not the city boundary)"


def _settle_extent(b: _Build) -> None:
    """Refuse a city without an area; outside Japan, plausible coordinates are those near it."""
    if b.boundary is None or b.crs is None:
        raise InputError(Problem("city.toml", "a city needs a [boundary] or a [network]", None,
                                 None, "[boundary] か [network] が必要です。"))
    if b.bounds is WORLD_BOUNDS:
        b.bounds = _around(b.boundary)


def _population_grid(b: _Build) -> None:
    """The population spread onto resolution-10 cells (``pieces``) and the city's cells;
    without population, the cells the walking network passes through."""
    if b.towns is None or b.pop_entry is None:
        assert b.network is not None  # check_recipe guarantees population or a network
        b.cells = np.unique(grid.points_to_cells(b.network.lon, b.network.lat,
                                                 grid.BASE_RESOLUTION))
        return
    assert b.crs is not None  # _settle_extent refused a city without one
    # the stand-in has no file of its own: its meshes come from the stay file(s)
    pop_file = b.pop_entry.get("file") or (b.flows.meta["sources"][0]["file"] if b.flows
                                           else "flows")
    pop = b.towns.set_index("town_code")["population"].dropna().astype(float)
    if b.pop_format in {"towns", "mesh", "flows"}:
        weights = grid.areal_weights(
            b.towns.set_index("town_code").geometry, resolution=grid.BASE_RESOLUTION,
            metric_crs=b.crs, clip=b.boundary,
        )
        for code in pop.index.difference(pd.Index(weights["zone"].unique())):
            b.warnings.append(f"{pop_file}: {'town' if b.pop_format == 'towns' else 'mesh'} "
                              f"{code} has no area inside the {b.boundary_label}; "
                              "its population is not on the grid")
            b.dropped.append(Dropped(pop_file, None, str(code), "outside the city"))
        pieces = grid.spread(pop, weights)
    elif b.pop_format == "h3":
        pieces = census.h3_pieces(b.towns)
    else:
        pieces = census.points_pieces(b.towns)
    b.pieces = pieces.rename(columns={"zone": "town_code"})
    b.cells = np.unique(b.pieces["cell"].to_numpy()).astype(np.uint64)


def _read_all_facilities(b: _Build) -> None:
    """Every ``[[facilities]]`` entry, then the sources of ``[[extra_sources]]``."""
    assert b.boundary is not None and b.crs is not None
    b.facilities, sources = _read_facilities(
        b.recipe.get("facilities", []), b.raw, b.boundary, b.crs, b.warnings, b.unclassified,
        bounds=b.bounds, dropped=b.dropped, facts=b.facility_facts,
    )
    b.sources.extend(sources)
    b.sources.extend(_extra_sources(b.recipe.get("extra_sources", []), b.raw, b.flows))


def _write(b: _Build, out: Path) -> dict[str, Any]:
    """Write the GeoParquet files and ``manifest.json`` into ``out``; returns the manifest."""
    assert b.facilities is not None
    out.mkdir(parents=True, exist_ok=True)
    gpd.GeoDataFrame({"label": [b.boundary_label]}, geometry=[b.boundary], crs=WGS84) \
        .to_parquet(out / "boundary.parquet")
    b.facilities.to_parquet(out / "facilities.parquet")
    pd.DataFrame({"cell": b.cells}).to_parquet(out / "cells.parquet")
    if b.towns is not None and b.pieces is not None:
        b.towns.to_parquet(out / "towns.parquet")
        b.pieces.to_parquet(out / "population.parquet")
    if b.network is not None:
        nodes, edges = b.network.to_frames()
        nodes.to_parquet(out / "network_nodes.parquet")
        edges.to_parquet(out / "network_edges.parquet")
    if b.flows is not None:
        flows_mod.write_flows(b.flows, out)
    manifest = _manifest(b)
    (out / MANIFEST_FILE).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return manifest


def _counts(b: _Build) -> dict[str, Any]:
    """The manifest's ``counts``: cells, facilities by kind, towns, population, network."""
    assert b.facilities is not None
    counts: dict[str, Any] = {
        "cells_res10": len(b.cells),
        "facilities": {str(k): int(v) for k, v in b.facilities["kind"].value_counts().items()},
        "unclassified_facilities": len(b.unclassified),
    }
    if b.towns is not None:
        towns = b.towns
        counts |= {
            "towns": len(towns),
            "towns_with_population": int(towns["population"].notna().sum()),
            "population": int(towns["population"].sum()),
            "households": None if towns["households"].isna().all()
            else int(towns["households"].sum()),
        }
    if b.network is not None:
        net = b.network
        counts |= {"network_nodes": net.n_nodes, "network_edges": len(net.u),
                   "network_km": round(float(net.length.sum()) / 1000, 1)}
    return counts


def _manifest(b: _Build) -> dict[str, Any]:
    """What the bundle holds, where it came from and what was assumed, dropped and warned."""
    assert b.crs is not None
    recipe = b.recipe
    ja, en = POPULATION_ASSUMPTIONS.get(b.pop_format or "towns", ("", ""))
    if b.stand_in is not None:
        ja, en = b.stand_in["ja"], b.stand_in["en"]
    manifest: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "city": {
            "id": recipe["id"], "name_ja": bounded_text(recipe["name_ja"], MAX_NAME_TEXT),
            "name_en": bounded_text(recipe["name_en"], MAX_NAME_TEXT),
            "prefecture": recipe.get("prefecture"), "city_code": recipe.get("city_code"),
            "crs": b.crs.to_string(), "boundary": b.boundary_label,
        },
        "built_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "resolution": grid.BASE_RESOLUTION,
        "has_population": b.towns is not None,
        "has_network": b.network is not None,
        "population_as_of": (b.pop_entry or {}).get("as_of"),
        "assumptions": {"ja": ja, "en": en} if b.towns is not None else {},
        "sources": b.sources,
        "counts": _counts(b),
        "warnings": [bounded_text(w, MAX_WARNING_TEXT) for w in b.warnings[:MAX_LISTED]],
        "unclassified": [u | {"name": bounded_text(str(u.get("name", "")), MAX_NAME_TEXT)}
                         for u in b.unclassified[:MAX_LISTED]],
    }
    if len(b.warnings) > MAX_LISTED:
        manifest["warnings_total"] = len(b.warnings)
    if b.pop_format not in {None, "towns"}:
        manifest["population_format"] = b.pop_format
    if b.stand_in is not None:
        manifest["population_stand_in"] = b.stand_in
    if b.flows is not None:
        manifest["flows"] = _flows_facts(b.flows)
    if b.dropped:
        manifest["dropped"] = [d.as_dict() | {"name": bounded_text(d.name, MAX_NAME_TEXT)}
                               for d in b.dropped[:MAX_LISTED]]
        manifest["dropped_total"] = len(b.dropped)
    if b.facility_facts:
        manifest["facility_inputs"] = b.facility_facts
    return manifest


def _log_outcome(b: _Build, manifest: dict[str, Any]) -> None:
    """Counts at INFO; warnings counted per file at WARNING, each one at DEBUG (they may
    name cells and places)."""
    counts = manifest["counts"]
    logger.info("built city %s: %d cells, %d facilities, %s people, %d rows dropped, "
                "%d warnings", b.recipe["id"], counts["cells_res10"],
                sum(counts["facilities"].values()), counts.get("population", "no"),
                len(b.dropped), len(b.warnings))
    per_file = Counter(w.split(":", 1)[0].split(",", 1)[0] for w in b.warnings)
    for file, n in sorted(per_file.items()):
        logger.warning("build of %s: %d warnings about %s (see the manifest)",
                       b.recipe["id"], n, file)
    for w in b.warnings:
        logger.debug("build warning: %s", w)


# ---- reading each kind of input ------------------------------------------------------------


def classify_name(name: str) -> str | None:
    """Facility kind suggested by a Japanese facility name, or None when no rule matches.

    A special-needs school matches first and is deliberately not a kind of its own, so it is
    reported as unclassified rather than counted as a high school.
    """
    for kind, pattern in CLASSIFY_RULES:
        if re.search(pattern, name):
            return kind if kind in KIND_BY_KEY else None
    return None


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _source(entry: dict[str, Any], raw: Path, rows: int | None) -> dict[str, Any]:
    f = raw / entry["file"]
    if not f.exists():
        raise InputError(not_found(entry["file"], raw))
    return {
        "file": entry["file"],
        "title": bounded_text(str(entry.get("title", "")), MAX_SOURCE_TEXT),
        "licence": bounded_text(str(entry.get("licence", "")), MAX_SOURCE_TEXT),
        "attribution": bounded_text(str(entry.get("attribution", "")), MAX_SOURCE_TEXT),
        "sha256": _sha256(f),
        "rows": rows,
        # what the source is known to miss, said to every user of the figures (ja/en)
        **({"gap": {"ja": str(entry["gap_ja"]), "en": str(entry.get("gap_en", entry["gap_ja"]))}}
           if entry.get("gap_ja") else {}),
    }


def _require_columns(gdf: pd.DataFrame, columns: list[str], *, file: str) -> None:
    problems = [missing_column(file, c, gdf.columns, encoding=gdf.attrs.get("encoding"))
                for c in columns if c not in gdf.columns]
    if problems:
        raise InputError(problems)


def _read_towns(entry: dict[str, Any], raw: Path, warnings: list[str], *,
                bounds: tuple[float, float, float, float] | None = JAPAN_BOUNDS,
                ) -> gpd.GeoDataFrame:
    f = raw / entry["file"]
    towns = read_vector(f, geometry_types=("Polygon", "MultiPolygon"), bounds=bounds)
    cols = [entry["code"], entry["name"], entry["population"]]
    if "households" in entry:
        cols.append(entry["households"])
    _require_columns(towns, cols, file=f.name)
    problems: list[Problem] = []
    parsed: dict[str, list[int | None]] = {"population": [], "households": []}
    for field_name in parsed:
        col = entry.get(field_name)
        if col is None:
            parsed[field_name] = [None] * len(towns)
            continue
        for i, value in enumerate(towns[col], start=1):
            try:
                parsed[field_name].append(parse_count(value, file=f.name, row=i, column=col))
            except InputError as exc:
                problems.extend(exc.problems)
                parsed[field_name].append(None)
    codes = towns[entry["code"]].astype(str)
    for code in codes[codes.duplicated()].unique():
        rows = [int(i) + 1 for i in np.flatnonzero(codes.to_numpy() == code)]
        problems.append(duplicate(f.name, "town code", "町丁コード", code, rows, entry["code"]))
    if problems:
        raise InputError(problems)
    out = gpd.GeoDataFrame(
        {
            "town_code": codes.to_numpy(),
            "name": towns[entry["name"]].astype(str).to_numpy(),
            "population": pd.array(parsed["population"], dtype="Int64"),
            "households": pd.array(parsed["households"], dtype="Int64"),
        },
        geometry=towns.geometry.to_numpy(),
        crs=WGS84,
    )
    for i in map(int, np.flatnonzero(out["population"].isna().to_numpy())):
        warnings.append(str(Problem(
            f.name,
            f"town {out['name'].iat[i]} ({out['town_code'].iat[i]}) has no population figure; "
            "it is shown as 'no data' and left out of totals",
            i + 1, entry["population"])))
    return out


def _read_points_entry(entry: dict[str, Any], f: Path,
                       bounds: tuple[float, float, float, float] | None) -> gpd.GeoDataFrame:
    """A points file (GeoJSON, CSV with lon/lat, GeoPackage, Shapefile) as a facility frame."""
    require(entry, ["kind", "name"], file="city.toml [[facilities]]")
    if f.suffix.lower() in {".csv", ".txt"}:
        pts = read_points_csv(f, bounds=bounds)
    else:
        pts = read_vector(f, geometry_types=("Point",), bounds=bounds)
        if (pts.geom_type == "MultiPoint").any():
            pts = pts.set_geometry(pts.geometry.representative_point())
    _require_columns(pts, [entry["name"]], file=f.name)
    dep: list[int | None] = [None] * len(pts)
    if "departures" in entry:
        _require_columns(pts, [entry["departures"]], file=f.name)
        problems: list[Problem] = []
        for r, v in enumerate(pts[entry["departures"]], start=1):
            try:
                dep[r - 1] = parse_count(v, file=f.name, row=r, column=entry["departures"])
            except InputError as exc:
                problems.extend(exc.problems)
        if problems:
            raise InputError(problems)
    if "id" in entry:
        _require_columns(pts, [entry["id"]], file=f.name)
        ids = pts[entry["id"]].astype(str)
        dup = ids[ids.duplicated(keep=False)]
        if len(dup):
            raise InputError([
                duplicate(f.name, "id", "ID", v,
                          [int(j) + 1 for j in np.flatnonzero(ids.to_numpy() == v)], entry["id"])
                for v in ids[ids.duplicated()].unique()
            ][:20])
    return gpd.GeoDataFrame(
        {
            "name": pts[entry["name"]].astype(str).to_numpy(),
            "kind": entry["kind"],
            "departures": pd.array(dep, dtype="Int64"),
            "source_row": np.arange(1, len(pts) + 1),
        },
        geometry=pts.geometry.to_numpy(), crs=WGS84,
    )


def _facility_entry(entry: dict[str, Any], f: Path,
                    bounds: tuple[float, float, float, float] | None,
                    dropped: list[Dropped]) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Read one ``[[facilities]]`` entry in its format; returns the frame and report facts."""
    fmt = entry.get("format", "points")
    facts: dict[str, Any] = {}
    if fmt == "points":
        fac = _read_points_entry(entry, f, bounds)
    elif fmt == "ksj":
        fac, drops, code = ksj.read_facilities(f, layer=entry.get("layer"), bounds=bounds)
        dropped.extend(drops)
        facts["layer"] = code
    elif fmt == "gtfs":
        fac, facts = gtfs.read_stops(f, day=entry.get("day"), bounds=bounds)
    elif fmt == "osm":
        fac = osm.read_amenities(f)
    elif fmt == "h3_counts":
        require(entry, ["kind", "count"], file="city.toml [[facilities]]")
        fac = census.h3_count_facilities(f, kind=entry["kind"], count=entry["count"],
                                         id_column=entry.get("id"))
    else:
        raise InputError(Problem("city.toml", f"unknown facility format {fmt!r}; expected one "
                                              f"of {', '.join(FACILITY_FORMATS)}", None, None,
                                 f"施設の形式 {fmt!r} は使えません。"
                                 f"{', '.join(FACILITY_FORMATS)} のいずれかにしてください。"))
    if "kinds" in entry:
        wanted = set(entry["kinds"])
        facts["not_selected"] = int((~fac["kind"].isin(wanted)).sum())
        fac = fac[fac["kind"].isin(wanted)]
    if fmt != "points" and len(fac) == 0:
        raise InputError(Problem(f.name, "no facilities of a known kind in this file (empty "
                                         "layer)", None, None,
                                 "このファイルには既知の種類の施設がありません(空のレイヤ)。"))
    return fac.assign(source=f.name), facts


def _read_facilities(
    entries: list[dict[str, Any]],
    raw: Path,
    boundary: shapely.Geometry,
    crs: CRS,
    warnings: list[str],
    unclassified: list[dict[str, Any]],
    *,
    bounds: tuple[float, float, float, float] | None = JAPAN_BOUNDS,
    dropped: list[Dropped] | None = None,
    facts: dict[str, Any] | None = None,
) -> tuple[gpd.GeoDataFrame, list[dict[str, Any]]]:
    frames = []
    sources = []
    dropped = [] if dropped is None else dropped
    area = gpd.GeoSeries([boundary], crs=WGS84).to_crs(crs).iloc[0]
    for entry in entries:
        require(entry, ["file"], file="city.toml [[facilities]]")
        for k in [entry.get("kind")] if entry.get("kind") else []:
            if k not in KIND_BY_KEY:
                raise InputError(Problem("city.toml", f"unknown facility kind {k!r}", None,
                                         None, f"施設の種類 {k!r} は使えません。"))
        f = raw / entry["file"]
        fac, ffacts = _facility_entry(entry, f, bounds, dropped)
        if facts is not None:
            facts[f.name] = ffacts | {"read": len(fac)}
        outside = fac.geometry.to_crs(crs).distance(area).to_numpy()
        names = fac["name"].astype(str).to_numpy()
        rows = fac["source_row"].to_numpy()
        keep = outside <= OUTSIDE_TOLERANCE_M
        if len(fac) and not keep.any():
            raise InputError(Problem(
                f.name, f"all {len(fac)} points lie outside the city (nearest "
                f"{outside.min() / 1000:.1f} km away): wrong file, wrong CRS or swapped "
                "coordinates?", None, "geometry",
                f"{len(fac)}地点すべてが市の外にあります(最も近いもので"
                f"{outside.min() / 1000:.1f} km)。ファイル、座標参照系、緯度経度の順を確かめて"
                "ください。"))
        for i in np.flatnonzero(~keep):
            msg = f"{names[i]} lies {outside[i] / 1000:.1f} km outside the city; dropped"
            warnings.append(str(Problem(f.name, msg, int(rows[i]), "geometry")))
            dropped.append(Dropped(f.name, int(rows[i]), names[i], "outside the city"))
        frames.append(fac[keep])
        if entry.get("classify"):
            kinds = [classify_name(n) for n in names]
            for j, k in enumerate(kinds):
                if k is None and keep[j]:
                    unclassified.append({"source": f.name, "row": int(rows[j]),
                                         "name": names[j]})
            ok = np.array([k is not None for k in kinds], dtype=bool) & keep
            frames.append(fac.assign(kind=kinds)[ok])
        sources.append(_source(entry, raw, len(fac)))
    cols = ["name", "departures", "source", "source_row", "kind", "geometry"]
    frames = [fr for fr in frames if len(fr)]
    if not frames:
        return gpd.GeoDataFrame(
            {"name": [], "departures": [], "source": [], "source_row": [], "kind": []},
            geometry=[], crs=WGS84), sources
    fac = pd.concat([fr[cols] for fr in frames], ignore_index=True)
    return gpd.GeoDataFrame(fac, geometry="geometry", crs=WGS84), sources


def _around(geom: shapely.Geometry, margin: float = 1.0) -> tuple[float, float, float, float]:
    """Bounds of a lon/lat geometry widened by ``margin`` degrees (to catch swapped axes)."""
    minx, miny, maxx, maxy = geom.bounds
    return (minx - margin, miny - margin, maxx + margin, maxy + margin)


def _read_population(
    entry: dict[str, Any], raw: Path, warnings: list[str], dropped: list[Dropped],
    *, bounds: tuple[float, float, float, float], boundary: shapely.Geometry | None,
    crs: CRS | None,
) -> tuple[gpd.GeoDataFrame, str]:
    """Zones with head counts from a ``[towns]`` or ``[population]`` entry, and the format."""
    fmt = entry.get("format", "towns")
    f = raw / entry["file"]
    if fmt == "towns":
        require(entry, ["file", "code", "name", "population"], file="city.toml [population]")
        zones = _read_towns(entry, raw, warnings, bounds=bounds)
    elif fmt == "h3":
        zones = census.read_h3_table(f, population=entry.get("population"),
                                     id_column=entry.get("id"))
    elif fmt == "mesh":
        zones = census.read_mesh_csv(f, population=entry.get("population"),
                                     code_column=entry.get("code"))
    elif fmt == "points":
        zones = census.read_points_table(f, population=entry.get("population"),
                                         id_column=entry.get("id"), bounds=bounds)
    else:
        raise InputError(Problem("city.toml", f"unknown population format {fmt!r}; expected "
                                              f"one of {', '.join(POPULATION_FORMATS)}", None,
                                 None, f"人口の形式 {fmt!r} は使えません。"
                                 f"{', '.join(POPULATION_FORMATS)} のいずれかにしてください。"))
    if fmt != "towns":
        for i in map(int, np.flatnonzero(zones["population"].isna().to_numpy())):
            warnings.append(str(Problem(f.name, f"{zones['town_code'].iat[i]} has no population "
                                        "figure (secret or blank); left out of totals",
                                        i + 1, entry.get("population") or "population")))
    if fmt in {"h3", "points"} and boundary is not None and crs is not None:
        area = gpd.GeoSeries([boundary], crs=WGS84).to_crs(crs).iloc[0]
        pts = zones.geometry.representative_point() if fmt == "h3" else zones.geometry
        dist = pts.to_crs(crs).distance(area).to_numpy()
        keep = dist <= OUTSIDE_TOLERANCE_M
        if not keep.any():
            raise InputError(Problem(f.name, "every row lies outside the city boundary: wrong "
                                             "file, wrong CRS or swapped coordinates?",
                                     None, "geometry", "すべての行が市の境界の外にあります。"
                                     "ファイル、座標参照系、緯度経度の順を確かめてください。"))
        for i in np.flatnonzero(~keep).tolist():
            code = zones["town_code"].iat[i]
            pop = zones["population"].iat[i]
            warnings.append(str(Problem(f.name, f"{code} ({pop} people) lies "
                                        f"{dist[i] / 1000:.1f} km outside the city; dropped",
                                        int(i) + 1, "geometry")))
            dropped.append(Dropped(f.name, int(i) + 1, str(code), "outside the city"))
        zones = zones[keep].reset_index(drop=True)
    return zones, fmt


#: Boundary label of a city whose area is the set of its people-flow meshes.
STAND_IN_EXTENT = "people-flow 1 km meshes (not the city boundary)"


def _months(fl: flows_mod.Flows) -> str:
    months = fl.months
    return f"{months[0]}..{months[-1]}" if len(months) > 1 else months[0]


def _stand_in(fl: flows_mod.Flows | None, raw: Path, *,
              clipped: bool) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Mesh zones whose head count is the people-flow stay population (``format = "flows"``:
    late night, all days; see :func:`geo.context.flows.stand_in_population`), and the manifest's
    description of that stand-in (``clipped``: a city boundary is given)."""
    if fl is None:
        raise InputError(Problem(
            "city.toml", "[population] format = \"flows\" takes the population from MLIT "
            f"people-flow files, but {raw} holds none (expected "
            f"{', '.join(flows_mod.STAY_PATTERNS)})", None, "population",
            "[population] format = \"flows\" は国土交通省の人流データから人口を代用しますが、"
            f"{raw} に人流データのファイルがありません。"))
    values = flows_mod.stand_in_population(fl)
    zones = census.mesh_zones(values.index.tolist(), [round(v) for v in values])
    months = _months(fl)
    area_ja, area_en = STAND_IN_AREA[clipped]
    return zones, {
        "ja": STAND_IN_JA.format(months=months, area=area_ja),
        "en": STAND_IN_EN.format(months=months, area=area_en),
        "source": flows_mod.TITLE, "attribution": flows_mod.ATTRIBUTION,
        "dayflag": flows_mod.DAYFLAGS[flows_mod.ALL_DAYS],
        "timezone": flows_mod.TIMEZONES[flows_mod.NIGHT],
        "months": months, "meshes": len(values), "residents": False,
    }


def _extra_sources(entries: list[dict[str, Any]], raw: Path,
                   fl: flows_mod.Flows | None) -> list[dict[str, Any]]:
    """Sources of ``[[extra_sources]]`` with the rows read from each people-flow file, plus
    any flow file found in ``raw`` but not listed (credited as MLIT's)."""
    read = {s["file"]: s for s in (fl.meta["sources"] if fl else [])}
    out = [_source(e, raw, read[e["file"]]["rows"] if e["file"] in read else None)
           for e in entries]
    listed = {e["file"] for e in entries}
    for file, s in read.items():
        if file not in listed:
            out.append(_source({"file": file, **{k: s[k] for k in
                                                 ("title", "licence", "attribution")}},
                               raw, s["rows"]))
    return out


def _flows_facts(fl: flows_mod.Flows) -> dict[str, Any]:
    """What was read from the people-flow files, for the manifest and the build report."""
    return {"city_code": fl.meta["city_code"], "files": len(fl.meta["sources"]),
            "stay_rows": len(fl.stay), "origin_rows": len(fl.origins),
            "meshes": len(fl.meshes), "months": _months(fl)}
