"""The city bundle: build it from raw open data, load it, describe its sources and attribution."""

from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from . import grid
from .coverage import KIND_BY_KEY
from .crs import WGS84, metric_crs
from .errors import BundleError, InputError, Problem
from .io import parse_count, read_geojson, read_points
from .network import WalkNetwork, from_frames, read_graphml

#: Version of the bundle layout; a loader refuses other versions.
FORMAT_VERSION = 1
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

#: Name patterns that classify an evacuation site into a facility kind, tried in order.
CLASSIFY_RULES: tuple[tuple[str, str], ...] = (
    ("special_needs_school", r"特別支援学校"),
    ("elementary_school", r"小学校"),
    ("junior_high_school", r"中学校"),
    ("high_school", r"高等学校|高校"),
    ("park", r"公園|緑地"),
    ("community_hall", r"公民館|集会所|コミュニティ|ふれあいセンター|市民センター|地区センター"),
)


def default_data_dir() -> Path:
    """Folder holding ``raw/`` and the built bundles (``DIORAMA_BUNDLE_DIR`` overrides)."""
    env = os.environ.get("DIORAMA_BUNDLE_DIR")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "data"


def classify_name(name: str) -> str | None:
    """Facility kind suggested by a Japanese facility name, or None when no rule matches.

    A special-needs school matches first and is deliberately not a kind of its own, so it is
    reported as unclassified rather than counted as a high school.
    """
    for kind, pattern in CLASSIFY_RULES:
        if re.search(pattern, name):
            return kind if kind in KIND_BY_KEY else None
    return None


@dataclass
class CityBundle:
    """A built city: boundary, population on H3, facilities by kind, optional walking network."""

    path: Path
    manifest: dict[str, Any]
    boundary: gpd.GeoDataFrame
    cells: np.ndarray
    facilities: gpd.GeoDataFrame
    towns: gpd.GeoDataFrame | None = None
    pieces: pd.DataFrame | None = None
    network: WalkNetwork | None = None
    population: pd.Series | None = field(default=None)

    @property
    def id(self) -> str:
        """City id, e.g. ``maebashi``."""
        return str(self.manifest["city"]["id"])

    @property
    def crs(self) -> CRS:
        """The metric CRS of the city."""
        return CRS.from_user_input(self.manifest["city"]["crs"])

    @property
    def has_population(self) -> bool:
        """Whether population figures exist for the cells."""
        return self.population is not None


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _source(entry: dict[str, Any], raw: Path, rows: int | None) -> dict[str, Any]:
    f = raw / entry["file"]
    if not f.exists():
        raise InputError(Problem(entry["file"], f"file not found in {raw}"))
    return {
        "file": entry["file"],
        "title": entry.get("title", ""),
        "licence": entry.get("licence", ""),
        "attribution": entry.get("attribution", ""),
        "sha256": _sha256(f),
        "rows": rows,
    }


def _require(entry: dict[str, Any], keys: list[str], *, file: str) -> None:
    missing = [k for k in keys if k not in entry]
    if missing:
        raise InputError(Problem(file, f"recipe lacks {', '.join(missing)}"))


def _require_columns(gdf: pd.DataFrame, columns: list[str], *, file: str) -> None:
    problems = [
        Problem(file, f"column '{c}' is missing; columns are: {', '.join(map(str, gdf.columns))}",
                0, c)
        for c in columns if c not in gdf.columns
    ]
    if problems:
        raise InputError(problems)


def _read_towns(entry: dict[str, Any], raw: Path, warnings: list[str]) -> gpd.GeoDataFrame:
    f = raw / entry["file"]
    towns = read_geojson(f, geometry_types=("Polygon", "MultiPolygon"))
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
        problems.append(
            Problem(f.name, f"town code {code} appears more than once (rows {rows})",
                    rows[1], entry["code"])
        )
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


def _read_facilities(
    entries: list[dict[str, Any]],
    raw: Path,
    boundary: shapely.Geometry,
    crs: CRS,
    warnings: list[str],
    unclassified: list[dict[str, Any]],
) -> tuple[gpd.GeoDataFrame, list[dict[str, Any]]]:
    frames = []
    sources = []
    area = gpd.GeoSeries([boundary], crs=WGS84).to_crs(crs).iloc[0]
    for entry in entries:
        _require(entry, ["file", "kind", "name"], file="city.toml [[facilities]]")
        if entry["kind"] not in KIND_BY_KEY:
            raise InputError(Problem("city.toml", f"unknown facility kind {entry['kind']!r}"))
        f = raw / entry["file"]
        pts = read_points(f)
        _require_columns(pts, [entry["name"]], file=f.name)
        outside = pts.geometry.to_crs(crs).distance(area).to_numpy()
        names = pts[entry["name"]].astype(str).to_numpy()
        keep = outside <= OUTSIDE_TOLERANCE_M
        for i in np.flatnonzero(~keep):
            warnings.append(str(Problem(
                f.name, f"{names[i]} lies {outside[i] / 1000:.1f} km outside the city; dropped",
                int(i) + 1, "geometry")))
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
        base = pd.DataFrame({
            "name": names,
            "departures": pd.array(dep, dtype="Int64"),
            "source": f.name,
            "source_row": np.arange(1, len(pts) + 1),
        })
        geom = pts.geometry.to_numpy()
        frames.append(gpd.GeoDataFrame(base.assign(kind=entry["kind"]), geometry=geom,
                                       crs=WGS84)[keep])
        if entry.get("classify"):
            kinds = [classify_name(n) for n in names]
            for j, k in enumerate(kinds):
                if k is None and keep[j]:
                    unclassified.append({"source": f.name, "row": j + 1, "name": names[j]})
            ok = np.array([k is not None for k in kinds]) & keep
            frames.append(gpd.GeoDataFrame(base.assign(kind=kinds), geometry=geom,
                                           crs=WGS84)[ok])
        sources.append(_source(entry, raw, len(pts)))
    if not frames:
        return gpd.GeoDataFrame(
            {"name": [], "departures": [], "source": [], "source_row": [], "kind": []},
            geometry=[], crs=WGS84), sources
    fac = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(fac, geometry="geometry", crs=WGS84), sources


def _check_files(recipe: dict[str, Any], raw: Path) -> None:
    """Raise one InputError listing every file the recipe names that is not in ``raw``."""
    entries = [recipe.get(k) for k in ("boundary", "towns", "network")]
    entries += recipe.get("facilities", []) + recipe.get("extra_sources", [])
    missing = [
        Problem(e["file"], f"file not found in {raw}")
        for e in entries
        if e is not None and "file" in e and not (raw / e["file"]).exists()
    ]
    if missing:
        raise InputError(missing)


def read_recipe(raw: Path) -> dict[str, Any]:
    """Read and check a city's build recipe (``city.toml``)."""
    f = raw / "city.toml"
    if not f.exists():
        raise BundleError(f"no build recipe at {f}; see data/raw/maebashi/city.toml for one")
    try:
        recipe = tomllib.loads(f.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(Problem(f.name, f"not valid TOML ({exc})")) from exc
    _require(recipe, ["id", "name_ja", "name_en"], file=f.name)
    if "towns" not in recipe and "network" not in recipe:
        raise InputError(Problem(f.name, "a city needs [towns] (population) or [network]"))
    _check_files(recipe, raw)
    return recipe


def build(city: str, *, data_dir: Path | None = None, out_dir: Path | None = None,
          strict: bool = False) -> Path:
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

    Returns
    -------
    pathlib.Path
        The bundle folder (GeoParquet files and ``manifest.json``).

    Raises
    ------
    InputError
        Naming file, row and column of every problem found in an input.
    """
    data_dir = data_dir or default_data_dir()
    raw = data_dir / "raw" / city
    recipe = read_recipe(raw)
    warnings: list[str] = []
    sources: list[dict[str, Any]] = []
    net: WalkNetwork | None = None
    towns: gpd.GeoDataFrame | None = None

    boundary_geom: shapely.Geometry | None = None
    boundary_label = "city boundary"
    if "boundary" in recipe:
        b = recipe["boundary"]
        bgdf = read_geojson(raw / b["file"], geometry_types=("Polygon", "MultiPolygon"))
        boundary_geom = shapely.union_all(bgdf.geometry.to_numpy())
        sources.append(_source(b, raw, len(bgdf)))
        rep = boundary_geom.centroid
        crs = metric_crs(prefecture=recipe.get("prefecture"), lon=rep.x, lat=rep.y)
    elif recipe.get("prefecture"):
        crs = metric_crs(prefecture=recipe["prefecture"])
    else:
        raise InputError(Problem("city.toml", "give a [boundary] or prefecture = <JIS code>"))
    if "network" in recipe:
        n = recipe["network"]
        net = read_graphml(raw / n["file"], crs=crs)
        sources.append(_source(n, raw, net.n_nodes))
        if boundary_geom is None:
            boundary_geom = shapely.MultiPoint(np.column_stack([net.lon, net.lat])).convex_hull
            boundary_label = "extent of the walking network (not the city boundary)"
    if boundary_geom is None:
        raise InputError(Problem("city.toml", "a city needs a [boundary] or a [network]"))

    pieces: pd.DataFrame | None = None
    if "towns" in recipe:
        t = recipe["towns"]
        _require(t, ["file", "code", "name", "population"], file="city.toml [towns]")
        towns = _read_towns(t, raw, warnings)
        sources.append(_source(t, raw, len(towns)))
        weights = grid.areal_weights(
            towns.set_index("town_code").geometry, resolution=grid.BASE_RESOLUTION,
            metric_crs=crs, clip=boundary_geom,
        )
        pop = towns.set_index("town_code")["population"].dropna().astype(float)
        for code in pop.index.difference(pd.Index(weights["zone"].unique())):
            warnings.append(f"{t['file']}: town {code} has no area inside the {boundary_label}; "
                            "its population is not on the grid")
        pieces = grid.spread(pop, weights).rename(columns={"zone": "town_code"})
        cells = np.unique(pieces["cell"].to_numpy()).astype(np.uint64)
    else:
        assert net is not None  # read_recipe guarantees towns or a network
        cells = np.unique(grid.points_to_cells(net.lon, net.lat, grid.BASE_RESOLUTION))
    unclassified: list[dict[str, Any]] = []
    facilities, fsources = _read_facilities(
        recipe.get("facilities", []), raw, boundary_geom, crs, warnings, unclassified
    )
    sources.extend(fsources)
    for extra in recipe.get("extra_sources", []):
        sources.append(_source(extra, raw, None))
    if strict and warnings:
        raise InputError([Problem("build", w) for w in warnings])

    out = out_dir or data_dir / city
    out.mkdir(parents=True, exist_ok=True)
    gpd.GeoDataFrame({"label": [boundary_label]}, geometry=[boundary_geom], crs=WGS84) \
        .to_parquet(out / "boundary.parquet")
    facilities.to_parquet(out / "facilities.parquet")
    pd.DataFrame({"cell": cells}).to_parquet(out / "cells.parquet")
    if towns is not None and pieces is not None:
        towns.to_parquet(out / "towns.parquet")
        pieces.to_parquet(out / "population.parquet")
    if net is not None:
        nodes, edges = net.to_frames()
        nodes.to_parquet(out / "network_nodes.parquet")
        edges.to_parquet(out / "network_edges.parquet")
    counts: dict[str, Any] = {
        "cells_res10": len(cells),
        "facilities": {str(k): int(v) for k, v in facilities["kind"].value_counts().items()},
        "unclassified_facilities": len(unclassified),
    }
    if towns is not None:
        counts |= {
            "towns": len(towns),
            "towns_with_population": int(towns["population"].notna().sum()),
            "population": int(towns["population"].sum()),
            "households": None if towns["households"].isna().all()
            else int(towns["households"].sum()),
        }
    if net is not None:
        counts |= {"network_nodes": net.n_nodes, "network_edges": len(net.u),
                   "network_km": round(float(net.length.sum()) / 1000, 1)}
    manifest = {
        "format_version": FORMAT_VERSION,
        "city": {
            "id": recipe["id"], "name_ja": recipe["name_ja"], "name_en": recipe["name_en"],
            "prefecture": recipe.get("prefecture"), "city_code": recipe.get("city_code"),
            "crs": crs.to_string(), "boundary": boundary_label,
        },
        "built_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "resolution": grid.BASE_RESOLUTION,
        "has_population": towns is not None,
        "has_network": net is not None,
        "population_as_of": recipe.get("towns", {}).get("as_of"),
        "assumptions": {"ja": POPULATION_ASSUMPTION_JA, "en": POPULATION_ASSUMPTION_EN}
        if towns is not None else {},
        "sources": sources,
        "counts": counts,
        "warnings": warnings,
        "unclassified": unclassified,
    }
    (out / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return out


def list_cities(*, data_dir: Path | None = None) -> list[str]:
    """Ids of the built bundles, Maebashi first (the default city)."""
    d = data_dir or default_data_dir()
    ids = sorted(p.parent.name for p in d.glob("*/manifest.json"))
    return sorted(ids, key=lambda c: (c != "maebashi", c))


def load(city: str, *, data_dir: Path | None = None) -> CityBundle:
    """Load a built city bundle.

    Raises
    ------
    BundleError
        When the bundle is missing or of another format version.
    """
    d = (data_dir or default_data_dir()) / city
    mf = d / "manifest.json"
    if not mf.exists():
        raise BundleError(f"no bundle for '{city}' in {d.parent}; run: diorama build {city}")
    manifest = json.loads(mf.read_text(encoding="utf-8"))
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BundleError(
            f"bundle '{city}' has format {manifest.get('format_version')}, this version reads "
            f"{FORMAT_VERSION}; rebuild it with: diorama build {city}"
        )
    cells = pd.read_parquet(d / "cells.parquet")["cell"].to_numpy().astype(np.uint64)
    b = CityBundle(
        path=d,
        manifest=manifest,
        boundary=gpd.read_parquet(d / "boundary.parquet"),
        cells=cells,
        facilities=gpd.read_parquet(d / "facilities.parquet"),
    )
    if manifest["has_population"]:
        b.towns = gpd.read_parquet(d / "towns.parquet")
        b.pieces = pd.read_parquet(d / "population.parquet")
        b.pieces["cell"] = b.pieces["cell"].astype(np.uint64)
        pop = b.pieces.groupby("cell")["value"].sum()
        pop.index = pop.index.astype(np.uint64)
        b.population = pop.reindex(cells).fillna(0.0)
    if manifest["has_network"]:
        b.network = from_frames(
            pd.read_parquet(d / "network_nodes.parquet"),
            pd.read_parquet(d / "network_edges.parquet"),
            crs=b.crs,
        )
    return b
