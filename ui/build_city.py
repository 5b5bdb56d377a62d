"""Helpers of the build-city page: save uploads under a temp dir, build, show the report."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from geo.build import citybuild
from geo.build.citybuild import BuildReport, FacilityInput
from geo.build.isolated import build_city_bounded
from geo.errors import DioramaError
from geo.ingest import bundle as bundle_mod
from geo.ingest.limits import check_size, limit_mb
from geo.text import escape_for_markdown

from . import state
from .auth import configured_password, password_ok
from .cache import city_names, list_cities, unopenable_cities
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
    if st.session_state.get("_bc_unlocked"):
        return True
    with st.form("bc_login"):
        given = st.text_input(t("bc_password"), type="password", key="_bc_password")
        sent = st.form_submit_button(t("login"))
    # checked once per submission, through the moderators' throttled and audited check: a
    # rerun of the page is not another attempt
    if sent and given and password_ok(given, pw, purpose="build_city"):
        st.session_state["_bc_unlocked"] = True
        return True
    return False


#: The upload kind (``DIORAMA_UPLOAD_LIMITS_MB``) of each uploader on the page; a facility
#: file may be a GTFS feed or an OSM extract, so its uploader takes the largest of those and
#: the build checks the exact kind once it knows it.
UPLOAD_KINDS: dict[str, tuple[str, ...]] = {
    "boundary": ("boundary",), "population": ("population",),
    "facilities": ("facilities", "gtfs", "network"), "network": ("network",),
    "flows": ("flows",),
}


def upload_limit(key: str) -> int:
    """Largest file the uploader ``key`` accepts, in MB (its ``max_upload_size``)."""
    return max(limit_mb(k) for k in UPLOAD_KINDS[key])


def limits_caption() -> None:
    """The size limits of the page's uploaders, in words."""
    st.caption(t("bc_limits", limits=", ".join(
        f"{t(f'bc_{k}').split('(')[0]} {upload_limit(k):,} MB" for k in UPLOAD_KINDS)))


def _save(folder: Path, upload: Any, key: str) -> Path:
    """Write an uploaded file under ``folder`` with a safe name (no directories), after
    checking its size against the uploader's limit (so nothing too large is written)."""
    name = Path(str(upload.name)).name or "upload"
    size = getattr(upload, "size", None)
    data = upload.getvalue()
    kind = max(UPLOAD_KINDS[key], key=limit_mb)
    check_size(len(data) if size is None else int(size), kind, file=name,
               label=labels().get(key))
    path = folder / name
    path.write_bytes(data)
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
            return _save(folder, up, key) if up is not None else None

        facilities = []
        for up in uploads.get("facilities") or []:
            p = _save(folder, up, "facilities")
            facilities.append(FacilityInput(p, kind=facility_kind)
                              if p.suffix.lower() in {".geojson", ".json", ".csv", ".gpkg"}
                              and facility_kind else FacilityInput(p))
        flows = [_save(folder, up, "flows") for up in uploads.get("flows") or []]
        attribution = meta.pop("attribution", "")
        names = [u.name for k in ("boundary", "population", "network")
                 if (u := uploads.get(k)) is not None]
        names += [u.name for u in uploads.get("facilities") or []]
        sources = {Path(n).name: {"attribution": attribution} for n in names} if attribution \
            else None
        # in its own process with a memory cap (DIORAMA_BUILD_MEMORY_MB): no upload can take
        # the server's memory with it
        report = build_city_bounded(
            city, boundary=one("boundary"), population=one("population"),
            network=one("network"), facilities=facilities, flows=flows, sources=sources,
            progress=progress, labels=labels(), **meta)
    list_cities.clear()
    city_names.clear()
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
    for n in dict.fromkeys(report["notes"]):  # they name uploaded files: text, not markdown
        st.info(escape_for_markdown(n))


def delete_section() -> None:
    """Delete a city added here (also one that cannot be opened), for moderators only: the
    page asks for the moderators' password before this is drawn, and without a configured
    password nothing here deletes (the command line's ``diorama delete-city`` does)."""
    with st.expander(t("bc_delete")):
        if not configured_password():
            st.caption(t("bc_delete_needs_password"))
            return
        st.caption(t("bc_delete_intro"))
        broken = unopenable_cities()
        for city, exc in broken.items():
            st.warning(t("bc_unopenable", city=escape_for_markdown(city)))
            st.text(exc.text(lang()))
        built = sorted(c for c in {*list_cities(), *broken} if not bundle_mod.is_shipped(c))
        if not built:
            st.caption(t("bc_delete_none"))
            return
        city = st.selectbox(t("bc_delete_city"), built, key="bc_del_city", placeholder=t("choose"))
        reason = st.text_input(t("bc_delete_reason"), key="bc_del_reason", max_chars=500)
        sure = st.checkbox(t("bc_delete_confirm", city=escape_for_markdown(city)),
                           key="bc_del_confirm")
        if st.button(t("bc_delete_button"), key="bc_del_go", disabled=not sure):
            try:
                citybuild.delete_city(city, actor="moderator", reason=reason)
            except DioramaError as exc:
                st.error(exc.text(lang()))
                return
            list_cities.clear()
            city_names.clear()
            if st.session_state.get(state.CITY) == city:
                remaining = list_cities()
                state.set_value(state.CITY, remaining[0] if remaining else None)
            st.success(t("bc_deleted", city=escape_for_markdown(city)))
