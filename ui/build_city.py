"""Helpers of the build-city page: save uploads under a temp dir, build, show the report."""

from __future__ import annotations

import hmac
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from geo.build import citybuild
from geo.build.citybuild import BuildReport, FacilityInput

from .auth import configured_password
from .cache import list_cities
from .i18n import lang, t

REPORT_KEY = "_build_city_report"
#: Inputs named in build messages by their widget's label on this page (the command line's
#: options such as --boundary mean nothing here).
LABELLED = ("boundary", "population", "network", "flows", "prefecture", "attribution")


def labels() -> dict[str, str]:
    """How :func:`geo.citybuild.build_city` names each input on this page: its widget label."""
    return {k: f"「{t(f'bc_{k}')}」" for k in LABELLED}


def allowed() -> bool:
    """Building writes to the server: when a moderator password is configured, ask for it."""
    pw = configured_password()
    if not pw:
        return True
    given = st.text_input(t("bc_password"), type="password", key="_bc_password")
    return bool(given) and hmac.compare_digest(given.encode(), pw.encode())


def _save(folder: Path, upload: Any) -> Path:
    """Write an uploaded file under ``folder`` with a safe name (no directories)."""
    name = Path(str(upload.name)).name or "upload"
    path = folder / name
    path.write_bytes(upload.getvalue())
    return path


def run(
    city: str,
    *,
    uploads: dict[str, Any],
    facility_kind: str | None,
    meta: dict[str, Any],
    progress: Callable[[float, str], None],
) -> BuildReport:
    """Save the uploads in a temp dir and build the city (never replacing an existing one)."""
    with tempfile.TemporaryDirectory(prefix="diorama-upload-") as tmp:
        folder = Path(tmp)

        def one(key: str) -> Path | None:
            up = uploads.get(key)
            return _save(folder, up) if up is not None else None

        facilities = []
        for up in uploads.get("facilities") or []:
            p = _save(folder, up)
            facilities.append(FacilityInput(p, kind=facility_kind)
                              if p.suffix.lower() in {".geojson", ".json", ".csv", ".gpkg"}
                              and facility_kind else FacilityInput(p))
        flows = [_save(folder, up) for up in uploads.get("flows") or []]
        attribution = meta.pop("attribution", "")
        names = [u.name for k in ("boundary", "population", "network")
                 if (u := uploads.get(k)) is not None]
        names += [u.name for u in uploads.get("facilities") or []]
        sources = {Path(n).name: {"attribution": attribution} for n in names} if attribution \
            else None
        report = citybuild.build_city(
            city, boundary=one("boundary"), population=one("population"),
            network=one("network"), facilities=facilities, flows=flows, sources=sources,
            progress=progress, labels=labels(), **meta)
    list_cities.clear()
    return report


def show_report(report: dict[str, Any]) -> None:
    """Counts, layers, what was dropped and why, warnings."""
    st.success(t("bc_done", city=report["city"]))
    if report.get("stand_in"):  # the population is the people-flow stand-in, not residents
        st.warning(report["stand_in"][lang()])
    st.dataframe(pd.DataFrame(report["layers"]), hide_index=True, width="stretch")
    st.json(report["counts"], expanded=False)
    if report["dropped"]:
        st.subheader(t("bc_dropped", n=len(report["dropped"])))
        st.dataframe(pd.DataFrame(report["dropped"]), hide_index=True, width="stretch")
    for w in report["warnings"][:50]:
        st.text(w)
    for n in dict.fromkeys(report["notes"]):
        st.info(n)
