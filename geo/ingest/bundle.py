"""The city bundle: build it from raw open data, load it, describe its sources and attribution."""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
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
from geo.context import flows as flows_mod
from geo.errors import BundleError, InputError, Problem
from geo.grid.crs import WGS84, metric_crs
from geo.ingest.formats import Dropped, census, gtfs, ksj, osm
from geo.ingest.formats.jis import municipality_code
from geo.ingest.formats.vector import WORLD_BOUNDS, read_vector
from geo.ingest.io import (
    JAPAN_BOUNDS,
    duplicate,
    missing_column,
    parse_count,
    read_points_csv,
)
from geo.ingest.walkgraph import WalkNetwork, from_frames, read_graphml
from geo.kinds import KIND_BY_KEY
from geo.settings import settings

#: A progress callback: fraction done (0..1) and what is being done.
Progress = Callable[[float, str], None]

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
#: Population formats of the ``[population]`` recipe section (``flows``: the stand-in above,
#: from the city's people-flow files; it names no file of its own).
POPULATION_FORMATS = ("towns", "mesh", "h3", "points", "flows")
#: Facility formats of ``[[facilities]]`` entries (``points`` is GeoJSON/CSV/GPKG/SHP points).
FACILITY_FORMATS = ("points", "ksj", "gtfs", "osm", "h3_counts")

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
    return settings().bundle_dir


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
        raise InputError(_not_found(entry["file"], raw))
    return {
        "file": entry["file"],
        "title": entry.get("title", ""),
        "licence": entry.get("licence", ""),
        "attribution": entry.get("attribution", ""),
        "sha256": _sha256(f),
        "rows": rows,
    }


def _not_found(file: str, raw: Path) -> Problem:
    return Problem(file, f"file not found in {raw}", None, None,
                   f"{raw} にファイルがありません。")


def _require(entry: dict[str, Any], keys: list[str], *, file: str) -> None:
    missing = [k for k in keys if k not in entry]
    if missing:
        raise InputError(Problem(file, f"recipe lacks {', '.join(missing)}", None, None,
                                 f"作成手順に {', '.join(missing)} がありません。"))


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
    _require(entry, ["kind", "name"], file="city.toml [[facilities]]")
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
        _require(entry, ["kind", "count"], file="city.toml [[facilities]]")
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
        _require(entry, ["file"], file="city.toml [[facilities]]")
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


def _check_files(recipe: dict[str, Any], raw: Path) -> None:
    """Raise one InputError listing every file the recipe names that is not in ``raw``."""
    entries = [recipe.get(k) for k in ("boundary", "towns", "population", "network")]
    entries += recipe.get("facilities", []) + recipe.get("extra_sources", [])
    missing = [
        _not_found(e["file"], raw)
        for e in entries
        if e is not None and "file" in e and not (raw / e["file"]).exists()
    ]
    if missing:
        raise InputError(missing)


def read_recipe(raw: Path) -> dict[str, Any]:
    """Read and check a city's build recipe (``city.toml``)."""
    f = raw / "city.toml"
    if not f.exists():
        raise BundleError(
            f"作成手順 {f} がありません。data/raw/maebashi/city.toml を例にしてください。",
            f"no build recipe at {f}; see data/raw/maebashi/city.toml for one")
    try:
        recipe = tomllib.loads(f.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(Problem(f.name, f"not valid TOML ({exc})", None, None,
                                 f"TOMLとして読めません({exc})。")) from exc
    _require(recipe, ["id", "name_ja", "name_en"], file=f.name)
    if not {"towns", "population", "network"} & set(recipe):
        raise InputError(Problem(f.name, "a city needs [towns] or [population], or [network]",
                                 None, None,
                                 "[towns]、[population]、[network] のいずれかが必要です。"))
    if "towns" in recipe and "population" in recipe:
        raise InputError(Problem(f.name, "give either [towns] or [population], not both", None,
                                 None, "[towns] と [population] はどちらか一方にしてください。"))
    if recipe.get("city_code") is not None:
        recipe["city_code"] = municipality_code(recipe["city_code"], file=f.name,
                                                column="city_code")
        check_prefecture(recipe["city_code"], recipe.get("prefecture"), file=f.name,
                         names=("city_code", "prefecture"))
    _check_files(recipe, raw)
    return recipe


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


def _bounds(recipe: dict[str, Any]) -> tuple[float, float, float, float]:
    """Plausible lon/lat extent of the inputs: Japan unless the recipe says otherwise."""
    if "bounds" in recipe:
        b = recipe["bounds"]
        return (float(b[0]), float(b[1]), float(b[2]), float(b[3]))
    if recipe.get("region", "japan") == "japan":
        return JAPAN_BOUNDS
    return WORLD_BOUNDS


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
        _require(entry, ["file", "code", "name", "population"], file="city.toml [population]")
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
    late night, all days; see :func:`geo.flows.stand_in_population`), and the manifest's
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


def build(city: str, *, data_dir: Path | None = None, out_dir: Path | None = None,
          strict: bool = False, raw_dir: Path | None = None,
          progress: Progress | None = None) -> Path:
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
    pathlib.Path
        The bundle folder (GeoParquet files and ``manifest.json``; ``dropped`` lists every
        input row left out and why).

    Raises
    ------
    InputError
        Naming file, row and column of every problem found in an input.
    """
    def step(done: float, what: str) -> None:
        if progress is not None:
            progress(done, what)

    data_dir = data_dir or default_data_dir()
    raw = raw_dir or data_dir / "raw" / city
    recipe = read_recipe(raw)
    bounds = _bounds(recipe)
    warnings: list[str] = []
    dropped: list[Dropped] = []
    sources: list[dict[str, Any]] = []
    net: WalkNetwork | None = None
    towns: gpd.GeoDataFrame | None = None
    crs: CRS | None = None

    boundary_geom: shapely.Geometry | None = None
    boundary_label = "city boundary"
    step(0.0, "boundary")
    if "boundary" in recipe:
        b = recipe["boundary"]
        bgdf = read_vector(raw / b["file"], geometry_types=("Polygon", "MultiPolygon"),
                           bounds=bounds)
        boundary_geom = shapely.union_all(bgdf.geometry.to_numpy())
        sources.append(_source(b, raw, len(bgdf)))
        rep = boundary_geom.centroid
        crs = metric_crs(prefecture=recipe.get("prefecture"), lon=rep.x, lat=rep.y)
    elif recipe.get("prefecture"):
        crs = metric_crs(prefecture=recipe["prefecture"])

    # people flows: read whenever the raw folder holds MLIT flow files, so flows.parquet is
    # rebuilt with the bundle and never left stale
    fl: flows_mod.Flows | None = None
    if flows_mod.find_files(raw):
        step(0.05, "people flows")
        fl = flows_mod.read_flows(raw, city_code=recipe.get("city_code"))

    pop_entry = recipe.get("towns") or recipe.get("population")
    pop_format: str | None = None
    stand_in: dict[str, Any] | None = None
    if pop_entry is not None:
        step(0.1, "population")
        if pop_entry.get("format") == "flows":
            towns, stand_in = _stand_in(fl, raw, clipped=boundary_geom is not None)
            pop_format = "flows"
        else:
            _require(pop_entry, ["file"], file="city.toml [population]")
            towns, pop_format = _read_population(pop_entry, raw, warnings, dropped,
                                                 bounds=bounds, boundary=boundary_geom, crs=crs)
            sources.append(_source(pop_entry, raw, len(towns)))
        if boundary_geom is None:
            boundary_geom = shapely.union_all(towns.geometry.to_numpy())
            if pop_format == "points":
                boundary_geom = boundary_geom.convex_hull
            boundary_label = (STAND_IN_EXTENT if pop_format == "flows"
                              else "extent of the population data (not the city boundary)")
        if crs is None:
            rep = boundary_geom.centroid
            pref = recipe.get("prefecture") or (fl.meta["prefecture"] if fl else None)
            crs = metric_crs(prefecture=pref, lon=rep.x, lat=rep.y)
    if "network" in recipe:
        step(0.3, "walking network")
        n = recipe["network"]
        nf = raw / n["file"]
        if crs is None and fl is not None:
            crs = metric_crs(prefecture=fl.meta["prefecture"])
        if crs is None:
            raise InputError(Problem(
                "city.toml", "a walking network alone does not say which metric coordinate "
                "system to measure in: add a [boundary], a [population] or prefecture = <JIS "
                "code, 1-47>", None, None,
                "歩行ネットワークだけでは距離を測る座標系が決まりません。city.tomlに[boundary]、"
                "[population]、またはprefecture = <都道府県コード1〜47>を加えてください。"))
        net = (osm.read_walk_network(nf, crs=crs, warnings=warnings)
               if nf.name.lower().endswith(".pbf")
               else read_graphml(nf, crs=crs, warnings=warnings))
        sources.append(_source(n, raw, net.n_nodes))
        if boundary_geom is None:
            boundary_geom = shapely.MultiPoint(np.column_stack([net.lon, net.lat])).convex_hull
            boundary_label = "extent of the walking network (not the city boundary)"
    if boundary_geom is None or crs is None:
        raise InputError(Problem("city.toml", "a city needs a [boundary] or a [network]", None,
                                 None, "[boundary] か [network] が必要です。"))
    if bounds is WORLD_BOUNDS:
        bounds = _around(boundary_geom)

    step(0.5, "population grid")
    pieces: pd.DataFrame | None = None
    if towns is not None and pop_entry is not None:
        # the stand-in has no file of its own: its meshes come from the stay file(s)
        pop_file = pop_entry.get("file") or (fl.meta["sources"][0]["file"] if fl else "flows")
        pop = towns.set_index("town_code")["population"].dropna().astype(float)
        if pop_format in {"towns", "mesh", "flows"}:
            weights = grid.areal_weights(
                towns.set_index("town_code").geometry, resolution=grid.BASE_RESOLUTION,
                metric_crs=crs, clip=boundary_geom,
            )
            for code in pop.index.difference(pd.Index(weights["zone"].unique())):
                warnings.append(f"{pop_file}: {'town' if pop_format == 'towns' else 'mesh'} "
                                f"{code} has no area inside the {boundary_label}; "
                                "its population is not on the grid")
                dropped.append(Dropped(pop_file, None, str(code), "outside the city"))
            pieces = grid.spread(pop, weights)
        elif pop_format == "h3":
            pieces = census.h3_pieces(towns)
        else:
            pieces = census.points_pieces(towns)
        pieces = pieces.rename(columns={"zone": "town_code"})
        cells = np.unique(pieces["cell"].to_numpy()).astype(np.uint64)
    else:
        assert net is not None  # read_recipe guarantees population or a network
        cells = np.unique(grid.points_to_cells(net.lon, net.lat, grid.BASE_RESOLUTION))
    step(0.6, "facilities")
    unclassified: list[dict[str, Any]] = []
    ffacts: dict[str, Any] = {}
    facilities, fsources = _read_facilities(
        recipe.get("facilities", []), raw, boundary_geom, crs, warnings, unclassified,
        bounds=bounds, dropped=dropped, facts=ffacts,
    )
    sources.extend(fsources)
    sources.extend(_extra_sources(recipe.get("extra_sources", []), raw, fl))
    if strict and warnings:
        raise InputError([Problem("build", w) for w in warnings])

    step(0.9, "writing the bundle")
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
    if fl is not None:
        flows_mod.write_flows(fl, out)
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
    ja, en = POPULATION_ASSUMPTIONS.get(pop_format or "towns", ("", ""))
    if stand_in is not None:
        ja, en = stand_in["ja"], stand_in["en"]
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
        "population_as_of": (pop_entry or {}).get("as_of"),
        "assumptions": {"ja": ja, "en": en} if towns is not None else {},
        "sources": sources,
        "counts": counts,
        "warnings": warnings,
        "unclassified": unclassified,
    }
    if pop_format not in {None, "towns"}:
        manifest["population_format"] = pop_format
    if stand_in is not None:
        manifest["population_stand_in"] = stand_in
    if fl is not None:
        manifest["flows"] = _flows_facts(fl)
    if dropped:
        manifest["dropped"] = [d.as_dict() for d in dropped]
    if ffacts:
        manifest["facility_inputs"] = ffacts
    (out / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    step(1.0, "done")
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
        raise BundleError(
            f"{d.parent} に「{city}」のデータがありません。"
            f"diorama build {city} で作成してください。",
            f"no bundle for '{city}' in {d.parent}; run: diorama build {city}")
    manifest = json.loads(mf.read_text(encoding="utf-8"))
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BundleError(
            f"「{city}」のデータは形式 {manifest.get('format_version')} ですが、"
            f"このバージョンは形式 {FORMAT_VERSION} を読みます。"
            f"diorama build {city} で作り直してください。",
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
