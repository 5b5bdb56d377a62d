"""Bring your own city: validate open-data files, write a recipe and build a bundle atomically."""

from __future__ import annotations

import fnmatch
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from geo import grid
from geo.build.build import MAX_NAME_TEXT, MAX_SOURCE_TEXT, Progress, build_recipe
from geo.build.recipe import check_prefecture, check_recipe, write_recipe
from geo.context import flows as flows_mod
from geo.errors import InputError, Problem
from geo.ingest import bundle as bundle_mod
from geo.ingest.archive import BoundedZip, is_zip
from geo.ingest.formats import gtfs, ksj, osm
from geo.ingest.formats.census import H3_NAMES, MESH_NAMES, POPULATION_NAMES
from geo.ingest.formats.jis import municipality_code, prefecture_of
from geo.ingest.formats.vector import read_vector
from geo.ingest.io import (
    JAPAN_BOUNDS,
    LAT_NAMES,
    LON_NAMES,
    columns_found,
    match_column,
    read_csv,
)
from geo.ingest.limits import check_file_size
from geo.text import sanitize_line

logger = logging.getLogger(__name__)

#: A city id: lower-case letters, digits, ``_`` and ``-``; it names folders, so nothing else.
CITY_ID = re.compile(r"^[a-z][a-z0-9_-]{1,39}$")
#: Town code / name / households columns recognised in town (町丁) polygon files.
TOWN_CODE_NAMES: tuple[str, ...] = ("KEY_CODE", "town_code", "code", "町丁コード")
TOWN_NAME_NAMES: tuple[str, ...] = ("S_NAME", "town_name", "name", "町丁名", "名称")
HOUSEHOLD_NAMES: tuple[str, ...] = ("世帯数", "households", "世帯総数")
#: Name columns recognised in facility point files.
NAME_NAMES: tuple[str, ...] = ("name", "名称", "施設名", "stop_name", "P20_002", "title")
#: Shapefile sidecar files copied along with a ``.shp``.
SHAPEFILE_PARTS: tuple[str, ...] = (".shp", ".shx", ".dbf", ".prj", ".cpg")
#: How each input is named in messages: the command line's options. The add-a-city page
#: passes its widget labels instead (``labels`` of :func:`build_city`); a hint whose input
#: has no name there is left out.
CLI_LABELS: dict[str, str] = {
    "boundary": "--boundary", "population": "--population", "network": "--network",
    "flows": "--flows", "prefecture": "--prefecture", "city_code": "--city-code",
    "force": "--force", "attribution": "--attribution FILE=…", "town_code": "--town-code",
    "town_name": "--town-name", "population_column": "--population-column",
}


@dataclass
class FacilityInput:
    """One facility file and how to read it.

    Parameters
    ----------
    path
        The file.
    kind
        Coverage kind of every point (needed for plain points files and H3 count tables).
    kinds
        Keep only these kinds (KSJ, GTFS, OSM files hold several).
    name, departures, id
        Column names in a points file (the name column is guessed when not given).
    count
        Column of counts per H3 cell (e.g. ``schools``), for H3 tables.
    classify
        Also classify points by name into schools, parks and community halls.
    format
        ``points``, ``ksj``, ``gtfs``, ``osm`` or ``h3_counts``; detected when None.
    """

    path: Path
    kind: str | None = None
    kinds: list[str] | None = None
    name: str | None = None
    departures: str | None = None
    id: str | None = None
    count: str | None = None
    classify: bool = False
    format: str | None = None

    @classmethod
    def parse(cls, text: str) -> FacilityInput:
        """Parse the command-line form ``FILE[:KIND | :key=value,key=value,classify]``.

        Keys are ``kind``, ``kinds`` (joined by ``+``), ``name``, ``departures``, ``id``,
        ``count``, ``format`` and the flag ``classify``.
        """
        path, sep, spec = text.rpartition(":")
        if not sep or "/" in spec or "\\" in spec or not path:
            return cls(Path(text))
        out = cls(Path(path))
        for part in filter(None, spec.split(",")):
            key, eq, value = part.partition("=")
            if not eq:
                if key == "classify":
                    out.classify = True
                else:
                    out.kind = key
            elif key == "kinds":
                out.kinds = value.split("+")
            elif key in {"kind", "name", "departures", "id", "count", "format"}:
                setattr(out, key, value)
            else:
                raise ValueError(f"unknown facility option {key!r} in {text!r}")
        return out


@dataclass
class BuildReport:
    """What a build read, kept, dropped and warned about; saved as ``report.json``."""

    city: str
    path: Path
    counts: dict[str, Any]
    layers: list[dict[str, Any]]
    dropped: list[dict[str, Any]]
    warnings: list[str]
    notes: list[str] = field(default_factory=list)
    #: When the population is the people-flow stand-in: its description (``ja``, ``en``).
    stand_in: dict[str, Any] = field(default_factory=dict)
    #: What was read from the people-flow files (see :func:`geo.build.build.build_recipe`), if any.
    flows: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"city": self.city, "counts": self.counts, "layers": self.layers,
                "dropped": self.dropped, "warnings": self.warnings, "notes": self.notes,
                "stand_in": self.stand_in, "flows": self.flows}

    def text(self) -> str:
        """Plain-text report for the terminal."""
        lines = [f"built {self.city} → {self.path}"]
        for layer in self.layers:
            rows = layer.get("rows")
            read = (f"{rows:,} rows" if rows is not None
                    else "not read: kept with the bundle for its attribution")
            lines.append(f"  {layer['file']}: {layer['what']}, {read}"
                         + (f" ({layer['attribution']})" if layer.get("attribution") else ""))
        lines += flows_lines(self.flows, self.stand_in)
        lines.append(f"  counts: {json.dumps(self.counts, ensure_ascii=False)}")
        reasons: dict[tuple[str, str], int] = {}
        for d in self.dropped:
            key = (str(d["file"]), str(d["reason"]))
            reasons[key] = reasons.get(key, 0) + 1
        for (file, reason), n in sorted(reasons.items()):
            lines.append(f"  dropped {n} from {file}: {reason}")
        shown = 10
        lines += [f"  warning: {w}" for w in self.warnings[:shown]]
        if len(self.warnings) > shown:
            lines.append(f"  … and {len(self.warnings) - shown} more warnings (see report.json)")
        lines += [f"  note: {n}" for n in dict.fromkeys(self.notes)]
        return "\n".join(lines)


def flows_lines(flows: Mapping[str, Any], stand_in: Mapping[str, Any]) -> list[str]:
    """Report lines on what was read from people-flow files (``manifest["flows"]``) and on the
    population stand-in (``manifest["population_stand_in"]``); none when they are empty."""
    lines = []
    if flows:
        f = flows
        lines.append(f"  people flows of city {f['city_code']}: {f['stay_rows']:,} stay rows "
                     f"({f['meshes']} meshes, {f['months']}) and {f['origin_rows']:,} "
                     f"by-origin rows from {f['files']} file(s) → flows.parquet")
    if stand_in:
        lines.append(f"  population stand-in (not residents): {stand_in['en']}")
        lines.append(f"  人口の代用(住民数ではありません): {stand_in['ja']}")
    return lines


def check_city_id(city: str) -> str:
    """Return ``city`` if it is a safe folder name, else raise :class:`InputError`."""
    if not CITY_ID.match(city or ""):
        raise InputError(Problem(
            "city name", f"{city!r} is not a valid city id: use 2-40 lower-case letters, digits, "
            "'_' or '-', starting with a letter (e.g. 'maebashi', 'porto_alegre')", None, None,
            f"「{city}」は都市IDに使えません。英小文字で始まる2〜40文字の英小文字・数字・'_'・'-'"
            "にしてください(例: maebashi、porto_alegre)。"))
    return city


def _looks_h3(value: object) -> bool:
    try:
        grid.to_cells([str(value).strip()])
    except ValueError:
        return False
    return True


def _csv_columns(path: Path) -> list[str]:
    return list(read_csv(path).columns)


def population_entry(path: Path, *, format: str | None = None, column: str | None = None,
                     code: str | None = None, name: str | None = None,
                     households: str | None = None, as_of: str | None = None,
                     bounds: tuple[float, float, float, float] | None = None,
                     names: Mapping[str, str] = CLI_LABELS) -> dict[str, Any]:
    """Recipe ``[population]`` entry for a population file, detecting its format and columns.

    Town polygons (GeoJSON/GPKG/SHP) → ``towns``; CSV with a mesh code column → ``mesh``; with
    an H3 id column → ``h3``; with lon/lat → ``points``. ``names`` say how the column options
    are called in messages (see :data:`CLI_LABELS`).
    """
    entry: dict[str, Any] = {"file": path.name}
    fmt = format
    if fmt is None:
        if path.suffix.lower() in {".csv", ".txt"}:
            df = read_csv(path)
            cols = list(df.columns)
            h3col = match_column(cols, H3_NAMES)
            if match_column(cols, MESH_NAMES):
                fmt = "mesh"
            elif h3col and len(df) and _looks_h3(df[h3col].iat[0]):
                fmt = "h3"
            elif match_column(cols, LON_NAMES) and match_column(cols, LAT_NAMES):
                fmt = "points"
            elif h3col:
                fmt = "h3"
            else:
                raise InputError(Problem(path.name, "cannot tell what this table is: expected a "
                                         "mesh code (KEY_CODE), an H3 id (h3) or lon/lat "
                                         "columns", 0, None,
                                         "何の表か分かりません。メッシュコード(KEY_CODE)、"
                                         "H3のID(h3)、経度・緯度のいずれかの列が必要です。"))
        else:
            fmt = "towns"
    entry["format"] = fmt
    if fmt == "towns":
        towns = read_vector(path, geometry_types=("Polygon", "MultiPolygon"), bounds=bounds)
        cols, encoding = list(towns.columns), towns.attrs.get("encoding")
        found = {
            "code": code or match_column(cols, TOWN_CODE_NAMES),
            "name": name or match_column(cols, TOWN_NAME_NAMES),
            "population": column or match_column(cols, POPULATION_NAMES),
        }
        missing = [k for k, v in found.items() if v is None]
        if missing:
            en, ja = columns_found([c for c in cols if c != "geometry"], encoding)
            options = [names[k] for k in ("town_code", "town_name", "population_column")
                       if names.get(k)]
            hint = f" (give {' / '.join(options)})" if options else ""
            raise InputError(Problem(
                path.name, f"cannot find the town {', '.join(missing)} column(s); {en}{hint}",
                0, None, f"町丁の{'・'.join(missing)}の列が見つかりません。{ja}"
                + (f"({' / '.join(options)}で指定できます)" if options else "")))
        entry |= found
        hh = households or match_column(cols, HOUSEHOLD_NAMES)
        if hh:
            entry["households"] = hh
    else:
        if column:
            entry["population"] = column
        if code:
            entry["id" if fmt in {"h3", "points"} else "code"] = code
    if as_of:
        entry["as_of"] = as_of
    return entry


def facility_entry(f: FacilityInput, *, bounds: tuple[float, float, float, float] | None = None
                   ) -> dict[str, Any]:
    """Recipe ``[[facilities]]`` entry for a facility file, detecting its format."""
    p = f.path
    fmt = f.format
    low = p.name.lower()
    if fmt is None:
        if low.endswith(".pbf"):
            fmt = "osm"
        elif low.endswith(".zip") and _is_gtfs(p):
            fmt = "gtfs"
        elif f.count:
            fmt = "h3_counts"
        elif low.endswith((".csv", ".txt")):
            fmt = "points"
        else:
            cols = list(read_vector(p, bounds=bounds).columns)
            fmt = "ksj" if ksj.detect_layer(cols) else "points"
    entry: dict[str, Any] = {"file": p.name, "format": fmt}
    if fmt == "points":
        if f.kind is None:
            raise InputError(Problem(p.name, "say which kind these points are, e.g. "
                                             f"{p.name}:medical", None, None,
                                 f"これらの地点の種類を指定してください(例: {p.name}:medical)。"))
        entry["kind"] = f.kind
        cols = (_csv_columns(p) if low.endswith((".csv", ".txt"))
                else list(read_vector(p, bounds=bounds).columns))
        nm = f.name or match_column(cols, NAME_NAMES)
        if nm is None:
            raise InputError(Problem(p.name, "no name column (name, 名称, 施設名); give one with "
                                             f"{p.name}:kind={f.kind},name=COLUMN", 0, None,
                                 "名称の列(name、名称、施設名)がありません。"
                                 f"{p.name}:kind={f.kind},name=列名 で指定してください。"))
        entry["name"] = nm
    elif f.kind:
        entry["kind"] = f.kind
    for key in ("departures", "id", "count"):
        if getattr(f, key):
            entry[key] = getattr(f, key)
    if f.kinds:
        entry["kinds"] = f.kinds
    if f.classify:
        entry["classify"] = True
    if fmt == "h3_counts" and not (f.kind and f.count):
        raise InputError(Problem(p.name, "an H3 count table needs kind and count, e.g. "
                                         f"{p.name}:kind=school,count=schools", None, None,
                                 "H3の件数表には種類と件数の列が必要です"
                                 f"(例: {p.name}:kind=school,count=schools)。"))
    return entry


def _is_gtfs(p: Path) -> bool:
    """Whether a zip holds ``stops.txt`` (its directory checked by the bounded reader first,
    so a zip bomb is refused here, before anything reads it)."""
    if not is_zip(p):
        return False
    with BoundedZip(p) as z:
        return any(Path(n).name == "stops.txt" for n in z.names())


def _default_source(p: Path, entry: dict[str, Any]) -> dict[str, str]:
    """Title / licence / attribution known from the file's format."""
    low = p.name.lower()
    if low.endswith(".pbf"):
        return {"title": "OpenStreetMap extract", "licence": osm.LICENCE,
                "attribution": osm.ATTRIBUTION}
    if entry.get("format") == "gtfs":
        return {"title": "GTFS feed", "licence": "",
                "attribution": gtfs.feed_attribution(p)}
    code = ksj.detect_layer([f"{low[:3].upper()}_"]) if entry.get("format") == "ksj" else None
    if code:
        title, attr = ksj.LAYERS[code]
        return {"title": f"国土数値情報 {title}", "licence": "国土数値情報利用約款",
                "attribution": attr}
    if entry.get("format") == "ksj":
        return {"title": "国土数値情報", "licence": "国土数値情報利用約款",
                "attribution": "「国土数値情報」（国土交通省）"}
    return {}


def _copy(src: Path, raw: Path, name: str | None = None) -> None:
    """Copy ``src`` (with a Shapefile's sidecars) into ``raw``, as ``name`` if given (a path
    inside ``raw``)."""
    if src.suffix.lower() == ".shp":
        for part in SHAPEFILE_PARTS:
            for cand in (src.with_suffix(part), src.with_suffix(part.upper())):
                if cand.exists():
                    shutil.copy2(cand, raw / cand.name)
        return
    if not src.exists():
        raise InputError(Problem(src.name, f"file not found: {src}", None, None,
                                 f"ファイルが見つかりません: {src}"))
    target = raw / (name or src.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, target)


def _swap_in(new: Path, target: Path, trash: Path) -> None:
    """Replace ``target`` by ``new`` with renames (each atomic on one file system); the old
    folder is moved to ``trash`` (created here, must not exist)."""
    if target.exists():
        target.rename(trash)
    new.rename(target)


def build_city(
    city: str, *, boundary: str | Path | None = None, population: str | Path | None = None,
    population_format: str | None = None, population_column: str | None = None,
    town_code: str | None = None, town_name: str | None = None, households: str | None = None,
    as_of: str | None = None, facilities: Sequence[FacilityInput | str] = (),
    network: str | Path | None = None, flows: Sequence[str | Path] = (),
    name_ja: str | None = None, name_en: str | None = None, prefecture: int | None = None,
    city_code: str | None = None, region: str | None = None,
    sources: Mapping[str, Mapping[str, str]] | None = None, data_dir: Path | None = None,
    overwrite: bool = False, progress: Progress | None = None,
    labels: Mapping[str, str] | None = None,
) -> BuildReport:
    """Build a city bundle from the open-data files a city's staff already have.

    Every input is validated (errors name the file, row and field); the files and a recipe
    (``city.toml``) are written to ``<data_dir>/raw/<city>/`` so ``diorama build <city>``
    rebuilds it, and the bundle to ``<data_dir>/<city>/``. Everything is built in a staging
    folder first and moved into place only when the build succeeds, so a failed build leaves
    the existing bundles untouched.

    Parameters
    ----------
    city
        City id (see :func:`check_city_id`).
    boundary
        City boundary polygons: GeoJSON, GeoPackage or Shapefile (N03, OSM).
    population
        Town (町丁) polygons with counts, a census mesh CSV (JIS X 0410 codes), an H3 table or
        a points table; see :func:`population_entry`.
    population_format, population_column, town_code, town_name, households, as_of
        Override the detected format and columns.
    facilities
        Facility files (:class:`FacilityInput` or its command-line form).
    network
        Walking network: ``.osm.pbf`` or OSMnx GraphML (``.graphml[.gz]``).
    flows
        MLIT people-flow CSVs (stay per 1 km mesh, by origin), built into ``flows.parquet``.
        Without a population file they also stand in for it: the late-night stay population
        per 1 km mesh, labelled as such in the manifest and the report (not residents), over
        the meshes' extent unless a boundary is given. Files of the same name (MLIT's monthly
        files in month folders) are kept apart under their folders.
    name_ja, name_en, prefecture, city_code
        City metadata; the prefecture picks the JGD2011 zone (UTM outside Japan). The city
        code is the JIS municipality code in any written form (``02201``, ``2201``,
        ``022012``); it is stored as five digits and gives the prefecture when none is given.
    region
        ``"japan"`` (default when a prefecture is given) or ``"world"``; decides the
        plausible coordinate extent used to catch swapped and projected coordinates.
    sources
        Per file name: ``title``, ``licence``, ``attribution`` for the manifest (defaults are
        known for OSM, GTFS, 国土数値情報 and MLIT people flows).
    data_dir
        Folder holding ``raw/`` and the bundles.
    overwrite
        Replace an existing city of that id.
    progress
        Called with (fraction done, step).
    labels
        How the inputs are named in messages (keys of :data:`CLI_LABELS`); the command line's
        options by default, the add-a-city page passes its widget labels.

    Returns
    -------
    BuildReport
        Also saved as ``report.json`` in the bundle.
    """
    check_city_id(city)
    names = dict(labels) if labels is not None else CLI_LABELS
    data_dir = _target_dir(city, data_dir, names)
    _refuse_existing(city, data_dir, overwrite=overwrite, names=names)
    _check_inputs(boundary=boundary, population=population, network=network, flows=flows,
                  prefecture=prefecture, names=names)
    recipe = _city_fields(city, name_ja, name_en, city_code, prefecture, region, names)
    pop = None if population is None else _PopulationFile(
        Path(population), population_format, population_column, town_code, town_name,
        households, as_of)
    with _staging(data_dir, names, sources, recipe, progress) as run:
        run.add_inputs(boundary, pop, network, facilities, flows)
        return run.finish()


def _target_dir(city: str, data_dir: Path | None, names: Mapping[str, str]) -> Path:
    """Where the city goes: ``data_dir``, else the built cities' folder, where a city shipped
    with the app cannot be added (it would hide the shipped one, which stays read-only)."""
    if data_dir is not None:
        return data_dir
    if bundle_mod.is_shipped(city):
        raise InputError(Problem(
            names.get("city_id", "city name"), f"'{city}' is a city shipped with the app (read-"
            "only); choose another name", None, None,
            f"「{city}」はアプリに同梱の都市(読み取り専用)です。別の名前を選んでください。"))
    return bundle_mod.default_data_dir()


def _refuse_existing(city: str, data_dir: Path, *, overwrite: bool,
                     names: Mapping[str, str]) -> None:
    """Refuse to replace a built city unless told to (naming the option that does)."""
    if not overwrite and (data_dir / city / "manifest.json").exists():
        force = f" or replace it ({names['force']})" if names.get("force") else ""
        force_ja = f"、または置き換えてください({names['force']})" if names.get("force") else ""
        raise InputError(Problem("city name", f"a city '{city}' already exists; choose another "
                                              f"name{force}", None, None,
                                 f"都市「{city}」は既にあります。別の名前を選んでください{force_ja}。"))


def _city_fields(city: str, name_ja: str | None, name_en: str | None, city_code: str | None,
                 prefecture: int | None, region: str | None,
                 names: Mapping[str, str]) -> dict[str, Any]:
    """The recipe's city fields: a name given in one language stands in for the other (then
    the id); the city code as five digits; the prefecture, from the code when not given (they
    must agree); the region, ``japan`` when there is a prefecture, else ``world``."""
    if city_code:
        city_code = municipality_code(city_code, file=names.get("city_code", "city code"))
        if prefecture is None:
            prefecture = prefecture_of(city_code)
        check_prefecture(city_code, prefecture, file="inputs",
                         names=(names.get("city_code", "city code"),
                                names.get("prefecture", "prefecture")))
    if region is None:
        region = "japan" if prefecture is not None else "world"
    name_ja, name_en = (None if n is None else sanitize_line(
        n, max_length=MAX_NAME_TEXT, field_ja=f"都市名({lang})", field_en=f"The city name ({lang})",
        allow_empty=True) or None for n, lang in ((name_ja, "ja"), (name_en, "en")))
    recipe: dict[str, Any] = {"id": city, "name_ja": name_ja or name_en or city,
                              "name_en": name_en or name_ja or city, "region": region}
    if prefecture is not None:
        recipe["prefecture"] = int(prefecture)
    if city_code:
        recipe["city_code"] = city_code
    return recipe


@contextmanager
def _staging(data_dir: Path, names: Mapping[str, str],
             sources: Mapping[str, Mapping[str, str]] | None, recipe: dict[str, Any],
             progress: Progress | None) -> Iterator[_Staging]:
    """A build of ``recipe`` in a fresh staging folder in ``data_dir`` (with an empty
    ``raw/``), removed afterwards with whatever is left in it."""
    city = recipe["id"]
    (data_dir / "raw").mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".build-{city}-", dir=data_dir))
    try:
        (stage / "raw").mkdir()
        yield _Staging(city, data_dir, stage, names, _given_sources(sources), recipe, progress)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _given_sources(sources: Mapping[str, Mapping[str, str]] | None
                   ) -> dict[str, dict[str, str]]:
    """The title, licence and attribution given per file, each on one line and refused when
    longer than :data:`geo.build.build.MAX_SOURCE_TEXT` (they reach every page's footer)."""
    fields = {"title": ("題名", "A title"), "licence": ("ライセンス", "A licence"),
              "attribution": ("出典", "An attribution")}
    out: dict[str, dict[str, str]] = {}
    for file, given in (sources or {}).items():
        out[file] = {k: sanitize_line(str(v), max_length=MAX_SOURCE_TEXT, allow_empty=True,
                                      field_ja=f"{fields[k][0]}({file})" if k in fields else k,
                                      field_en=f"{fields[k][1]} ({file})" if k in fields else k)
                     for k, v in given.items()}
    return out


@dataclass(frozen=True)
class _PopulationFile:
    """The population file and how :func:`build_city` was told to read it."""

    path: Path
    format: str | None
    column: str | None
    code: str | None
    name: str | None
    households: str | None
    as_of: str | None


@dataclass
class _Staging:
    """One build in its staging folder: the inputs copied to ``raw/``, the recipe written from
    them, and the report's layers (in recipe order) and notes."""

    city: str
    data_dir: Path
    stage: Path
    names: Mapping[str, str]
    given: Mapping[str, Mapping[str, str]]
    recipe: dict[str, Any]
    progress: Progress | None
    notes: list[str] = field(default_factory=list)
    layers: list[dict[str, Any]] = field(default_factory=list)

    @property
    def raw(self) -> Path:
        """Where the inputs and the recipe go (swapped in as ``raw/<city>``)."""
        return self.stage / "raw"

    @property
    def bounds(self) -> tuple[float, float, float, float] | None:
        """Plausible lon/lat extent of the inputs (None outside Japan)."""
        return JAPAN_BOUNDS if self.recipe["region"] == "japan" else None

    def describe(self, src: Path, entry: dict[str, Any], what: str) -> None:
        """Give ``entry`` its title, licence and attribution (given, else known from the
        format) and list the file in the report; note a missing attribution."""
        meta = _default_source(src, entry) | {
            k: v for k, v in self.given.get(src.name, {}).items() if v}
        entry |= {k: meta.get(k, "") for k in ("title", "licence", "attribution")}
        if not entry["attribution"]:
            how = f" ({self.names['attribution']})" if self.names.get("attribution") else ""
            self.notes.append(f"{src.name}: no attribution given; add one{how} so the app can "
                              "credit the source")
        self.layers.append({"file": src.name, "what": what,
                            "attribution": entry["attribution"]})

    def add_inputs(self, boundary: str | Path | None, population: _PopulationFile | None,
                   network: str | Path | None, facilities: Sequence[FacilityInput | str],
                   flows: Sequence[str | Path]) -> None:
        """Copy every input into ``raw/`` and write its recipe entry, in the manifest's order."""
        if self.progress:
            self.progress(0.0, "checking inputs")
        if boundary is not None:
            self._add_file("boundary", Path(boundary), "boundary")
        if population is not None:
            self._add_population(population)
        elif flows:
            # no population figures: the people-flow stay population stands in (labelled)
            self.recipe["population"] = {"format": "flows"}
        if network is not None:
            self._add_file("network", Path(network), "walking network")
        self._add_facilities(facilities)
        self._add_flows([Path(fl) for fl in flows])

    def _check_size(self, src: Path, kind: str, key: str) -> None:
        """Refuse a file over its kind's upload limit before reading it."""
        if src.exists():
            check_file_size(src, kind, label=self.names.get(key))

    def _add_file(self, key: str, src: Path, what: str) -> None:
        self._check_size(src, key, key)
        _copy(src, self.raw)
        entry = {"file": src.name}
        self.describe(src, entry, what)
        self.recipe[key] = entry

    def _add_population(self, pop: _PopulationFile) -> None:
        self._check_size(pop.path, "population", "population")
        _copy(pop.path, self.raw)
        entry = population_entry(pop.path, format=pop.format, column=pop.column, code=pop.code,
                                 name=pop.name, households=pop.households, as_of=pop.as_of,
                                 bounds=self.bounds, names=self.names)
        self.describe(pop.path, entry, f"population ({entry['format']})")
        self.recipe["population"] = entry

    def _add_facilities(self, facilities: Sequence[FacilityInput | str]) -> None:
        entries = []
        for item in facilities:
            fi = FacilityInput.parse(item) if isinstance(item, str) else item
            gtfs_zip = fi.path.suffix.lower() == ".zip" and fi.path.exists() and _is_gtfs(fi.path)
            self._check_size(fi.path, "gtfs" if gtfs_zip else "facilities", "facilities")
            _copy(fi.path, self.raw)
            entry = facility_entry(fi, bounds=self.bounds)
            self.describe(fi.path, entry, f"facilities ({entry['format']})")
            entries.append(entry)
        if entries:
            self.recipe["facilities"] = entries

    def _add_flows(self, flows: Sequence[Path]) -> None:
        extra = []
        for fp, rel in _flow_places(flows):
            self._check_size(fp, "flows", "flows")
            _copy(fp, self.raw, rel)
            entry = {"file": rel, "title": flows_mod.TITLE, "licence": flows_mod.LICENCE,
                     "attribution": flows_mod.ATTRIBUTION} | dict(self.given.get(fp.name, {}))
            self.layers.append({"file": rel, "what": _flow_kind(fp.name),
                                "attribution": entry["attribution"]})
            extra.append(entry)
        if extra:
            self.recipe["extra_sources"] = extra

    def finish(self) -> BuildReport:
        """Check and write the recipe, build the bundle, save its report and swap the raw
        files and the bundle into ``data_dir``."""
        city, data_dir = self.city, self.data_dir
        check_recipe(self.recipe, self.raw)
        write_recipe(self.recipe, self.raw,
                     comment=f"Build recipe written by `diorama build-city {city}`; "
                     f"rebuild with `diorama build {city}`.")

        def scaled(done: float, what: str) -> None:
            if self.progress:
                self.progress(0.05 + 0.9 * done, what)

        built = build_recipe(self.recipe, self.raw, self.stage / "bundle", progress=scaled)
        out, manifest = built.path, built.manifest
        # the manifest lists sources in the order they were described here
        for layer, source in zip(self.layers, manifest["sources"], strict=True):
            layer["rows"] = source["rows"]
        stand_in = manifest.get("population_stand_in", {})
        report = BuildReport(
            city=city, path=data_dir / city, counts=manifest["counts"], layers=self.layers,
            dropped=manifest.get("dropped", []), warnings=manifest["warnings"], notes=self.notes,
            stand_in={k: stand_in[k] for k in ("ja", "en")} if stand_in else {},
            flows=manifest.get("flows", {}),
        )
        (out / "report.json").write_text(
            json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        _swap_in(self.raw, data_dir / "raw" / city, self.stage / "old_raw")
        _swap_in(out, data_dir / city, self.stage / "old_bundle")
        logger.info("city %s added: bundle and raw files swapped into %s", city, data_dir)
        if self.progress:
            self.progress(1.0, "done")
        return report


def _check_inputs(*, boundary: object, population: object, network: object,
                  flows: Sequence[object], prefecture: int | None,
                  names: Mapping[str, str]) -> None:
    """Refuse input sets that cannot make a city, naming the inputs as the user sees them."""
    def name(key: str, en: str, ja: str) -> tuple[str, str]:
        label = names.get(key)
        return (f"{en} ({label})", f"{ja}({label})") if label else (en, ja)

    pop, net, fl = (name("population", "a population file", "人口のファイル"),
                    name("network", "a walking network", "歩行ネットワーク"),
                    name("flows", "people-flow files", "人流データ"))
    if population is None and network is None and not flows:
        raise InputError(Problem(
            "inputs", f"give {pop[0]}, {net[0]} or {fl[0]}: a city needs people or streets "
            "to measure walking coverage", None, None,
            f"{pop[1]}、{net[1]}、{fl[1]}のいずれかを指定してください。徒歩圏を測るには人か道が必要です。"))
    if network is not None and boundary is None and population is None and not flows \
            and prefecture is None:
        bd = name("boundary", "a boundary", "行政区域")
        pref = name("prefecture", "the prefecture code", "都道府県コード")
        raise InputError(Problem(
            "inputs", f"a walking network alone does not say which metric coordinate system to "
            f"measure in: give {bd[0]} or {pref[0]}", None, None,
            f"歩行ネットワークだけでは距離を測る座標系が決まりません。{bd[1]}か{pref[1]}を指定して"
            "ください。"))


def _flow_places(paths: Sequence[Path]) -> list[tuple[Path, str]]:
    """Where each people-flow file goes in the raw folder: its name, or, when several files
    share a name (MLIT's monthly files in month folders), its path below their common folder."""
    if len({p.name for p in paths}) == len(paths):
        return [(p, p.name) for p in paths]
    root = Path(os.path.commonpath([p.resolve().parent for p in paths]))
    return [(p, p.resolve().relative_to(root).as_posix()) for p in paths]


def _flow_kind(name: str) -> str:
    """What a people-flow file holds, from its name (:data:`geo.context.flows.STAY_PATTERNS`)."""
    if any(fnmatch.fnmatch(name, pat) for pat in flows_mod.STAY_PATTERNS):
        return "people flows (stay per 1 km mesh)"
    if any(fnmatch.fnmatch(name, pat) for pat in flows_mod.ORIGIN_PATTERNS):
        return "people flows (stay by origin)"
    return "people flows (not a stay or by-origin file)"


#: The built cities' folder keeps one line per deleted city here (append-only JSON lines).
DELETIONS_LOG = "deletions.jsonl"


def delete_city(city: str, *, actor: str, reason: str = "",
                data_dir: Path | None = None) -> Path:
    """Delete a built city (its bundle and its ``raw/`` files), even one that cannot be
    opened; a city shipped with the app is refused. The folders are first renamed out of the
    way (atomic), then removed; one line (when, who, which city, why) is appended to
    ``deletions.jsonl`` in the built cities' folder and logged at WARNING.

    Parameters
    ----------
    city
        City id (see :func:`check_city_id`).
    actor
        Who deletes it (``"cli"``, ``"moderator"``, an identity provider's e-mail).
    reason
        Why, in the deleter's words (kept in the log line, at most 500 characters).
    data_dir
        The built cities' folder; ``settings().bundle_dir`` by default.

    Returns
    -------
    Path
        The bundle folder that was removed.

    Raises
    ------
    InputError
        When the id is not a city id, the city is shipped with the app, or no built city of
        that id exists.
    """
    check_city_id(city)
    if data_dir is None and bundle_mod.is_shipped(city):
        raise InputError(Problem("city name", f"'{city}' is shipped with the app and is "
                                 "read-only; only cities built here can be deleted", None, None,
                                 f"「{city}」はアプリに同梱の都市(読み取り専用)のため削除できません。"
                                 "削除できるのはここで追加した都市だけです。"))
    home = data_dir or bundle_mod.default_data_dir()
    target, raw = home / city, home / "raw" / city
    if not target.exists() and not raw.exists():
        raise InputError(Problem("city name", f"there is no built city '{city}' in {home}",
                                 None, None, f"{home} に追加された都市「{city}」はありません。"))
    trash = Path(tempfile.mkdtemp(prefix=f".delete-{city}-", dir=home))
    try:
        for folder, name in ((target, "bundle"), (raw, "raw")):
            if folder.exists() or folder.is_symlink():
                folder.rename(trash / name)
    finally:
        shutil.rmtree(trash, ignore_errors=True)
    why = sanitize_line(reason, max_length=500, field_ja="理由", field_en="A reason",
                        allow_empty=True)
    line = {"at": datetime.now(UTC).replace(microsecond=0).isoformat(), "action": "delete_city",
            "city": city, "actor": actor, "reason": why}
    with open(home / DELETIONS_LOG, "a", encoding="utf-8") as log:
        log.write(json.dumps(line, ensure_ascii=False) + "\n")
    logger.warning("city %s deleted from %s by %s", city, home, actor)
    return target
