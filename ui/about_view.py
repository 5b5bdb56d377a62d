"""The data page's tables in the user's language: sources, counts, build warnings, facilities
that could not be classified. The manifest keeps the stable machine names."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from geo.kinds import KIND_BY_KEY

from . import format as fmt
from .i18n import kind_label, t

#: Counts of the manifest (``counts``) and how each is shown.
COUNT_KEYS = ("cells_res10", "towns", "towns_with_population", "population", "households",
              "unclassified_facilities", "network_nodes", "network_edges", "network_km")
_NO_POPULATION = re.compile(r"(?P<file>.+), row (?P<row>\d+), column '(?P<col>[^']*)': town "
                            r"(?P<town>.+) \((?P<code>\d+)\) has no population figure; it is "
                            r"shown as 'no data' and left out of totals")


def sources_table(manifest: dict[str, Any]) -> pd.DataFrame:
    """One row per source file: file, title, licence, attribution (headers for people)."""
    src = pd.DataFrame(manifest.get("sources", []))
    cols = {"file": t("src_file"), "title": t("src_title"), "licence": t("src_licence"),
            "attribution": t("attribution")}
    return src.reindex(columns=list(cols)).rename(columns=cols)


def counts_table(manifest: dict[str, Any]) -> pd.DataFrame:
    """What the bundle holds, in words: cells, towns, people, facilities by kind, network."""
    counts = manifest.get("counts", {})
    rows = [(t(f"count_{k}"), fmt.distance(counts[k] * 1000) if k == "network_km"
             else fmt.count(counts[k])) for k in COUNT_KEYS if k in counts]
    for kind, n in (counts.get("facilities") or {}).items():
        name = kind_label(KIND_BY_KEY[kind]) if kind in KIND_BY_KEY else kind
        rows.append((t("count_facilities", kind=name), fmt.count(n)))
    return pd.DataFrame(rows, columns=[t("count_what"), t("count_n")])


def warning_text(warning: str) -> str:
    """A build warning in the session's language (known forms), else as the build wrote it."""
    if m := _NO_POPULATION.fullmatch(warning):
        return t("warn_no_population", **m.groupdict())
    return warning


def unclassified_table(manifest: dict[str, Any]) -> pd.DataFrame:
    """Facilities the build could not give a kind: file, row, name."""
    cols = {"source": t("src_file"), "row": t("src_row"), "name": t("src_name")}
    return pd.DataFrame(manifest.get("unclassified", [])).reindex(columns=list(cols)) \
        .rename(columns=cols)
