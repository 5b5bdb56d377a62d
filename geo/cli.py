"""The command line: ``diorama build``, ``build-city``, ``delete-city``, ``coverage``,
``cities``, ``comments`` and ``app``."""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from geo.access.kpi import city_coverage
from geo.build import citybuild
from geo.build.build import build_bundle
from geo.build.isolated import build_city_bounded
from geo.build.recipe import POPULATION_FORMATS
from geo.errors import DioramaError
from geo.ingest import bundle as bundle_mod
from geo.kinds import FREQUENT_DEPARTURES, KIND_BY_KEY
from geo.settings import PROJECT_ROOT, configure_logging, settings


def _radius(text: str) -> tuple[str, float]:
    kind, _, metres = text.partition("=")
    if kind not in KIND_BY_KEY or not metres:
        raise argparse.ArgumentTypeError(
            f"expected KIND=METRES with KIND one of {', '.join(KIND_BY_KEY)}; got {text!r}"
        )
    try:
        value = float(metres)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of metres: {metres!r}") from None
    if not 0 < value <= 3000:
        raise argparse.ArgumentTypeError("a radius must be between 0 and 3000 m")
    return kind, value


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):
        return _clean(value.item())
    return value


def coverage_payload(city: str, *, mode: str, radii: dict[str, float],
                     frequent_departures: int, data_dir: Path | None = None) -> dict[str, Any]:
    """Per-kind coverage figures of a city as a JSON-ready dict (what ``--json`` prints)."""
    b = bundle_mod.load(city, data_dir=data_dir)
    cov = city_coverage(b, mode=mode,  # type: ignore[arg-type]
                        radii=radii, frequent_departures=frequent_departures)
    kinds = {
        k: {c: _clean(v) for c, v in row.items()} | {"label_ja": KIND_BY_KEY[k].ja,
                                                      "label_en": KIND_BY_KEY[k].en}
        for k, row in cov.summary.to_dict(orient="index").items()
    }
    return {
        "city": b.id,
        "mode": mode,
        "crs": b.manifest["city"]["crs"],
        "population": b.manifest["counts"].get("population"),
        "has_population": b.has_population,
        "frequent_departures": frequent_departures,
        "kinds": kinds,
    }


def _print_table(payload: dict[str, Any]) -> None:
    print(f"{payload['city']} ({payload['mode']} mode, {payload['crs']})")
    print(f"{'kind':<20}{'radius':>8}{'facilities':>11}{'covered':>12}{'population':>12}{'rate':>8}")
    for k, r in payload["kinds"].items():
        if r["status"] == "no_data":
            rate = "no data"
        elif r["status"] == "no_population":
            rate = f"{r['cells_covered_share']:.1%} of cells"
        else:
            rate = f"{r['rate']:.1%}"
        cov = "" if r["covered"] is None else f"{r['covered']:,.0f}"
        pop = "" if r["population"] is None else f"{r['population']:,.0f}"
        print(f"{k:<20}{r['radius_m']:>7.0f}m{r['facilities']:>11}{cov:>12}{pop:>12}  {rate}")


def _comments(args: argparse.Namespace) -> int:
    """Comment lifecycle from the command line (for cron jobs and the city's minutes)."""
    from geo.participation.store import open_store

    with open_store(args.database) as store:
        if args.action == "purge":
            days = args.days or settings().retention_days
            n = store.purge_expired(retention_days=days, actor="cli")
            print(f"purged {n} comments older than {days} days")
        elif args.action == "check":
            ok = store.integrity_check()
            print("integrity: ok" if ok else "integrity: FAILED")
            return 0 if ok else 1
        else:
            if args.format == "csv":
                data = store.export_csv(city=args.city)
            elif args.format == "decidim":
                data = store.export_decidim(city=args.city)
            else:
                data = json.dumps(store.export_geojson(city=args.city),
                                  ensure_ascii=False).encode("utf-8")
            if args.output:
                args.output.write_bytes(data)
            else:
                sys.stdout.buffer.write(data)
    return 0


def _key_value(text: str) -> tuple[str, str]:
    key, eq, value = text.partition("=")
    if not eq or not key:
        raise argparse.ArgumentTypeError(f"expected FILE=TEXT, got {text!r}")
    return key, value


def _print_progress(done: float, what: str) -> None:
    bar = "#" * int(done * 20)
    print(f"\r[{bar:<20}] {done:4.0%} {what:<30}", end="" if done < 1 else "\n",
          file=sys.stderr, flush=True)


def _build_city(args: argparse.Namespace) -> int:
    """``diorama build-city``: open-data files → a city bundle and a build report."""
    sources: dict[str, dict[str, str]] = {}
    for key, items in (("attribution", args.attribution), ("licence", args.licence),
                       ("title", args.title)):
        for file, value in items:
            sources.setdefault(Path(file).name, {})[key] = value
    report = build_city_bounded(
        args.name,
        boundary=args.boundary,
        population=args.population,
        population_format=args.population_format,
        population_column=args.population_column,
        town_code=args.town_code,
        town_name=args.town_name,
        households=args.households,
        as_of=args.as_of,
        facilities=[citybuild.FacilityInput.parse(f) for f in args.facilities],
        network=args.network,
        flows=args.flows,
        name_ja=args.name_ja,
        name_en=args.name_en,
        prefecture=args.prefecture,
        city_code=args.city_code,
        region=args.region,
        sources=sources,
        data_dir=args.data_dir,
        overwrite=args.force,
        progress=None if args.quiet else _print_progress,
    )
    print(report.text())
    return 0


def _delete_city(args: argparse.Namespace) -> int:
    """``diorama delete-city``: remove a built city, even one that cannot be opened."""
    if not args.yes:
        print(f"error: deleting '{args.name}' cannot be undone; add --yes to delete it",
              file=sys.stderr)
        return 2
    path = citybuild.delete_city(args.name, actor=args.actor, reason=args.reason,
                                 data_dir=args.data_dir)
    print(f"deleted {args.name} ({path})")
    return 0


def _build(args: argparse.Namespace) -> int:
    """``diorama build``: rebuild bundles from their recipes and print what each holds."""
    homes = dict.fromkeys([bundle_mod.default_data_dir(), bundle_mod.shipped_dir()])
    cities = args.city or sorted({
        d.name for home in homes if (home / "raw").is_dir()
        for d in (home / "raw").iterdir() if (d / "city.toml").exists()})
    for city in cities:
        built = build_bundle(city, strict=args.strict)
        m = built.manifest
        print(f"built {city} → {built.path}")
        for line in citybuild.flows_lines(m.get("flows", {}),
                                          m.get("population_stand_in", {})):
            print(line)
        print(f"  counts: {json.dumps(m['counts'], ensure_ascii=False)}")
        for w in m["warnings"]:
            print(f"  warning: {w}")
        if m["unclassified"]:
            names = ", ".join(u["name"] for u in m["unclassified"])
            print(f"  not classified ({len(m['unclassified'])}): {names}")
    return 0


def _coverage(args: argparse.Namespace) -> int:
    """``diorama coverage``: per-kind coverage as a table or JSON."""
    payload = coverage_payload(args.city, mode=args.mode, radii=dict(args.radius),
                               frequent_departures=args.frequent_departures)
    if args.json:
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        _print_table(payload)
    return 0


def _cities(args: argparse.Namespace) -> int:
    """``diorama cities``: the built bundles, one id a line."""
    for city in bundle_mod.list_cities():
        print(city)
    return 0


def _app(args: argparse.Namespace) -> int:
    """``diorama app``: ``streamlit run app.py`` with the given arguments."""
    app = PROJECT_ROOT / "app.py"
    return subprocess.call(  # noqa: S603 - our own interpreter and app path
        [sys.executable, "-m", "streamlit", "run", str(app), *args.streamlit_args]
    )


#: What each subcommand runs.
_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "build": _build, "build-city": _build_city, "coverage": _coverage, "cities": _cities,
    "comments": _comments, "app": _app, "delete-city": _delete_city,
}


def _add_build_city_options(bc: argparse.ArgumentParser) -> None:
    """The ``build-city`` subcommand's options."""
    bc.add_argument("name", help="city id: lower-case letters, digits, _ and - (e.g. takasaki)")
    bc.add_argument("--boundary", type=Path, help="GeoJSON / GeoPackage / Shapefile polygons")
    bc.add_argument("--population", type=Path,
                    help="town polygons with counts, census mesh CSV, H3 table or points CSV")
    bc.add_argument("--population-format", choices=list(POPULATION_FORMATS))
    bc.add_argument("--population-column", help="column of head counts (detected by default)")
    bc.add_argument("--town-code", help="town or mesh code / id column (detected by default)")
    bc.add_argument("--town-name", help="town name column (detected by default)")
    bc.add_argument("--households", help="households column of town polygons")
    bc.add_argument("--as-of", help="date of the population figures, e.g. 2025-06-30")
    bc.add_argument("--facilities", action="append", default=[], metavar="FILE[:OPTIONS]",
                    help="facility file; OPTIONS: KIND, or kind=K,name=COL,departures=COL,"
                         "id=COL,count=COL,kinds=K1+K2,classify (repeatable)")
    bc.add_argument("--network", type=Path, help="walking network: .osm.pbf or .graphml[.gz]")
    bc.add_argument("--flows", action="append", default=[], type=Path,
                    help="MLIT people-flow CSV (repeatable); without --population the stay "
                         "population stands in for it, labelled as such")
    bc.add_argument("--name-ja")
    bc.add_argument("--name-en")
    bc.add_argument("--prefecture", type=int, help="JIS prefecture code 1..47 (Japan)")
    bc.add_argument("--city-code",
                    help="JIS municipality code: 10201, or 102016 with its check digit; a "
                         "dropped leading zero is fine (2201 = 02201). Gives the prefecture "
                         "when --prefecture is not given")
    bc.add_argument("--region", choices=["japan", "world"],
                    help="where the city is (default: japan with --prefecture, else world)")
    bc.add_argument("--attribution", action="append", default=[], type=_key_value,
                    metavar="FILE=TEXT", help="credit line of a source (repeatable)")
    bc.add_argument("--licence", action="append", default=[], type=_key_value,
                    metavar="FILE=TEXT")
    bc.add_argument("--title", action="append", default=[], type=_key_value, metavar="FILE=TEXT")
    bc.add_argument("--data-dir", type=Path, help="folder with raw/ and the bundles")
    bc.add_argument("--force", action="store_true", help="replace an existing city")
    bc.add_argument("--quiet", action="store_true", help="no progress bar")


def _parser() -> argparse.ArgumentParser:
    """The ``diorama`` command's parser and its subcommands."""
    p = argparse.ArgumentParser(prog="diorama", description="Well-Being Diorama command line")
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="build a city bundle from data/raw/<city>/city.toml")
    b.add_argument("city", nargs="*", help="city ids (default: every folder in data/raw)")
    b.add_argument("--strict", action="store_true", help="treat warnings as errors")
    _add_build_city_options(sub.add_parser(
        "build-city", help="build a new city bundle from open-data files (see README)",
        description="Validate open-data files and build a city bundle plus a build report."))
    c = sub.add_parser("coverage", help="print walking-coverage figures per kind")
    c.add_argument("--city", default="maebashi")
    c.add_argument("--mode", choices=["line", "network"], default="line")
    c.add_argument("--radius", action="append", type=_radius, default=[],
                   metavar="KIND=METRES", help="override a radius, e.g. bus_stop=500")
    c.add_argument("--frequent-departures", type=int, default=FREQUENT_DEPARTURES)
    c.add_argument("--json", action="store_true", help="print JSON")
    sub.add_parser("cities", help="list the built city bundles")
    dc = sub.add_parser("delete-city", help="delete a built city (also one that cannot be "
                        "opened); shipped cities are read-only")
    dc.add_argument("name", help="city id")
    dc.add_argument("--yes", action="store_true", help="really delete it")
    dc.add_argument("--reason", default="", help="why (kept in deletions.jsonl)")
    dc.add_argument("--actor", default="cli", help="who deletes it (kept in deletions.jsonl)")
    dc.add_argument("--data-dir", type=Path,
                    help="folder of the built cities (default: DIORAMA_BUNDLE_DIR or "
                         "$DIORAMA_DATA_DIR/cities)")
    cm = sub.add_parser("comments", help="citizens' comments: purge, export, check")
    cm.add_argument("action", choices=["purge", "export", "check"])
    cm.add_argument("--days", type=int, default=None,
                    help="retention in days for purge (default: DIORAMA_RETENTION_DAYS or 365)")
    cm.add_argument("--city", default="maebashi")
    cm.add_argument("--format", choices=["csv", "geojson", "decidim"], default="csv")
    cm.add_argument("--output", "-o", type=Path, help="file to write (default: stdout)")
    cm.add_argument("--database", help="database URL or SQLite folder (default: environment)")
    a = sub.add_parser("app", help="run the web app (streamlit run app.py)")
    a.add_argument("streamlit_args", nargs=argparse.REMAINDER)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``diorama`` command."""
    args = _parser().parse_args(argv)
    configure_logging(default="WARNING")  # the command prints its own report
    try:
        return _COMMANDS[args.cmd](args)
    except (DioramaError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
