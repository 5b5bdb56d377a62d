"""The vacancy page's parts: an uploaded file's estimate, the city figures, downloads."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from geo.context import vacancy
from geo.errors import InputError
from geo.ingest.bundle import CityBundle
from geo.ingest.limits import check_size, limit_mb

from . import format as fmt
from .columns import for_people
from .i18n import t
from .voices import error_text
from .widgets import cells_downloads


def uploaded(b: CityBundle, *, target: float | None, k: int,
             res: int) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.Series] | None:
    """Cells, towns and city total from an uploaded building file, or None (the page says
    why: nothing uploaded yet, or the file's problems with file/row/field)."""
    st.caption(t("vac_upload_help"))
    up = st.file_uploader(t("vac_upload"), type=["csv", "txt"], key="vac_file",
                          max_upload_size=limit_mb("vacancy"),
                          help=t("upload_help", mb=limit_mb("vacancy")))
    if up is None:
        st.info(t("vac_upload_wait"))
        return None
    try:  # refused before it is written or parsed
        check_size(int(up.size), "vacancy", file=str(up.name))
    except InputError as exc:
        st.error(t("vac_upload_errors"))
        st.code(error_text(exc), language=None, wrap_lines=True)
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / (Path(up.name).name or "buildings.csv")
        path.write_bytes(up.getvalue())
        try:
            records = vacancy.read_buildings(path)
        except InputError as exc:
            st.error(t("vac_upload_errors"))
            st.code(error_text(exc), language=None, wrap_lines=True)
            return None
    if b.towns is not None:
        records = vacancy.assign_towns(records, b.towns)
    try:
        est = vacancy.estimate(records, target_rate=target)
    except ValueError as exc:
        st.error(error_text(exc))
        return None
    names = b.towns.set_index("town_code")["name"] if b.towns is not None else None
    towns = vacancy.by_town(est, k=k, names=names) if est["town_code"].notna().any() else None
    return vacancy.by_cell(est, resolution=res, k=k), towns, vacancy.city_total(est, k=k)


def city_metrics(total: pd.Series, *, k: int) -> None:
    """Buildings, dwellings, estimated vacant dwellings and the rate, with their bands."""
    m = st.columns(4)
    if bool(total["suppressed"]):
        st.warning(t("vac_total_suppressed", k=k))
        return
    m[0].metric(t("vac_buildings"), fmt.count(total["buildings"]))
    m[1].metric(t("vac_dwellings"), fmt.count(total["dwellings"]))
    m[2].metric(t("vac_metric_estimated"), fmt.count(total["estimated"]),
                help=t("vac_band", low=fmt.count(total["low"]), high=fmt.count(total["high"])))
    m[3].metric(t("vac_metric_rate"), fmt.rate(total["rate"]),
                help=t("vac_band", low=fmt.rate(total["rate_low"]),
                       high=fmt.rate(total["rate_high"])))
    st.caption(t("vac_likely_note", n=fmt.count(total["likely_vacant"])))


def for_download(frame: pd.DataFrame, label: str) -> pd.DataFrame:
    """Figures with rates in %, labelled as sample data when they are."""
    out = frame.copy()
    for c in ("rate", "rate_low", "rate_high"):
        out[c] = (out[c] * 100).round(2)
    for c in ("estimated", "low", "high"):
        out[c] = out[c].round(1)
    if label:
        out["data_label"] = label
    return out


def town_table(towns: pd.DataFrame, label: str) -> pd.DataFrame:
    """The towns' figures as people read them (the download for people): headers in the
    session's language, whole dwellings, rates in % with one decimal, indexed by town code."""
    shown = for_people(for_download(towns, label), index=True)
    return shown.set_index(shown.columns[0])


def downloads(cells: pd.DataFrame, *, stem: str, res: int, label: str) -> None:
    """Per-cell figures as CSV and GeoJSON."""
    cells_downloads(for_download(cells, label), stem=f"{stem}_res{res}", key="vac_dl")
