"""The flows page's sections below the map: where visitors come from, central-area vitality."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

from geo.context import flows
from geo.context.flows import Flows
from geo.ingest.bundle import CityBundle

from . import format as fmt
from .flows import get_area_series
from .i18n import labels, t
from .places import picked_cells
from .widgets import csv_download, time_chart


def dated(frame: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
    """Month keys → first day of the month, so charts get a time axis."""
    out = frame.copy()
    out.index = pd.to_datetime([f"{m}-01" for m in out.index])
    return out


def origins_block(fl: Flows, *, dayflag: int, timezone: int, month: str) -> None:
    """Visitors by where they live, over time (stacked), and the month's share of visitors."""
    st.subheader(t("flows_origin_title"))
    origins = flows.origin_table(fl, dayflag=dayflag, timezone=timezone)
    if origins.empty:
        st.info(t("flows_no_origins"))
        return
    shown = origins.rename(columns={v: t(f"origin_{v}") for v in flows.ORIGINS.values()})
    time_chart(dated(shown), y_label=t("flows_people"), area=True,
               description=t("flows_origin_title"), key="flows_origin_chart")
    visitors = origins.drop(columns="same_city").sum(axis=1)
    share = 100 * visitors / origins.sum(axis=1)
    st.caption(t("flows_origin_note", month=fmt.month(month),
                 share=fmt.percent(share.get(month, float("nan")))))


def vitality_block(b: CityBundle, fl: Flows, *, dayflag: int,
                   selection: Mapping[str, Any] | None) -> None:
    """Daytime stay over time of the centre, of towns picked, or of hexagons clicked."""
    st.subheader(t("flows_vitality_title"))
    kinds = ["centre", "towns", "cells"] if b.towns is not None else ["centre", "cells"]
    kind = st.radio(t("flows_area"), kinds, key="flows_area", horizontal=True,
                    format_func=labels(kinds, prefix="flows_area_").__getitem__)
    members: tuple[str, ...] = ()
    if kind == "towns" and b.towns is not None:
        towns = b.towns.sort_values("town_code")
        names = dict(zip(towns["town_code"], towns["name"], strict=True))
        members = tuple(sorted(st.multiselect(t("flows_towns_pick"), list(names),
                                              format_func=names.__getitem__,
                                              key="flows_towns", placeholder=t("choose_many"))))
    elif kind == "cells":
        members = tuple(sorted(picked_cells(selection, "flows")))
        st.caption(t("flows_cells_hint", n=len(members)))
    if kind != "centre" and not members:
        st.info(t("flows_area_empty"))
        return
    series = get_area_series(b.id, kind, members, dayflag)
    time_chart(dated(series[["stay"]].rename(columns={"stay": t("flows_daytime_stay")})),
               y_label=t("flows_people"), description=t("flows_vitality_title"),
               key="flows_vitality_chart")
    st.caption(t("flows_vitality_note", day=t(f"dayflag_{dayflag}"),
                 month=fmt.month(series.index[-1]),
                 change=fmt.percent(series["change_pct"].iloc[-1], sign=True)))
    if kind == "centre":
        st.caption(t("flows_centre_note", mesh=flows.centre_mesh(fl)))
    table = series[["stay", "change_pct"]].round(1).rename_axis("month")
    csv_download(t("flows_download_series"), table, file_name=f"{b.id}_vitality_{kind}.csv",
                 key="flows_dl_series", index=True)
