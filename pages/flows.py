"""Visitor flows: stay population on H3 by month (with play), change vs 2019, day/night, origins."""

import time

import pandas as pd
import streamlit as st

from geo.context import flows
from geo.render import deck
from geo.text import escape_for_markdown
from ui import flows_view as ui_flows
from ui import format as fmt
from ui import state
from ui.cache import get_bundle, map_frame
from ui.deckmap import deck_map
from ui.flows import get_flow_cells, get_flows
from ui.i18n import labels, t
from ui.widgets import attribution, cells_downloads, hexagon_size, legend

#: Seconds between months while playing.
PLAY_SECONDS = 1.5
METRICS = ["stay", "change", "ratio"]
COLUMN = {"stay": "stay", "change": "change_pct", "ratio": "day_night_pct"}

state.require_app(__file__)
ss = st.session_state
b = get_bundle(ss[state.CITY])
st.title(t("page_flows"))
fl = get_flows(b.id)
if fl is None:
    st.info(t("flows_none"))
    attribution(b)
    st.stop()
st.caption(t("flows_intro"))

months = fl.months
if ss.get("flows_month") not in months:
    ss["flows_month"] = months[-1]
if "_flows_next" in ss:  # set by the player below, applied before the slider exists
    ss["flows_month"] = ss.pop("_flows_next")

day_labels = {k: t(f"dayflag_{k}") for k in flows.DAYFLAGS}
tz_labels = {k: t(f"timezone_{k}") for k in flows.TIMEZONES}
c1, c2, c3 = st.columns([2, 2, 3])
metric = c1.selectbox(t("flows_metric"), METRICS, key="flows_metric",
                      format_func=labels(METRICS, prefix="flows_metric_").__getitem__,
                      placeholder=t("choose"))
dayflag = c2.radio(t("dayflag"), [flows.WEEKDAY, flows.HOLIDAY, flows.ALL_DAYS],
                   format_func=day_labels.__getitem__, key="flows_day", horizontal=True)
timezone = c3.radio(t("timezone"), list(flows.TIMEZONES), format_func=tz_labels.__getitem__,
                    key="flows_tz", horizontal=True, disabled=metric == "ratio",
                    help=t("flows_ratio_tz") if metric == "ratio" else None)
c4, c5, c6 = st.columns([4, 1, 1])
month = c4.select_slider(t("flows_month"), options=months, key="flows_month")
playing = c5.toggle(t("flows_play"), key="flows_play", help=t("flows_play_help"))
extruded = c6.toggle(t("extrude"), key="flows_3d")
res = hexagon_size(st, flows.RESOLUTIONS, value=8, key="flows_res")

if playing:
    @st.fragment(run_every=PLAY_SECONDS)
    def _player() -> None:
        """Every PLAY_SECONDS, move to the next month (wrapping round) and redraw the page."""
        now = time.monotonic()
        if now - ss.get("_flows_tick", 0.0) < PLAY_SECONDS * 0.9:
            return
        ss["_flows_tick"] = now
        ss["_flows_next"] = months[(months.index(ss["flows_month"]) + 1) % len(months)]
        st.rerun(scope="app")

    _player()

# --- figures of the month --------------------------------------------------------------
total = flows.city_series(fl, dayflag=dayflag, timezone=timezone)
base = flows.month_key(flows.BASE_YEAR, flows.parse_month(month)[1])
m1, m2 = st.columns(2)
now_total = float(total.get(month, float("nan")))
# ratios over the meshes published in both terms (README: Method), like each cell's
change = flows.city_change_pct(fl, month=month, dayflag=dayflag, timezone=timezone)
m1.metric(t("flows_city_total", month=fmt.month(month)), fmt.people(now_total),
          delta=f"{fmt.percent(change, sign=True)} ({t('flows_vs', base=fmt.month(base))})"
          if pd.notna(change) else None)
cells = get_flow_cells(b.id, month, dayflag, timezone, res)
ratio = flows.city_day_night_pct(fl, month=month, dayflag=dayflag)
m2.metric(t("flows_city_ratio"), fmt.percent(ratio))

values = cells[COLUMN[metric]].dropna()
if metric == "stay":
    values = values[values >= 0.5]
    vmin, vmax = float(values.min()), float(values.max())
else:  # ratios have long tails: colour the middle 96 %, the ends take the end colours
    vmin, vmax = float(values.quantile(0.02)), float(values.quantile(0.98))
height = deck.extrusion_height(res)
layers = [deck.hex_layer(values, layer_id="flows", extruded=extruded, max_height_m=height,
                         vmin=vmin, vmax=vmax, decimals=0 if metric == "stay" else 1),
          *map_frame(b.id)]
view = deck.view_of(b.boundary, pitch=45 if extruded else 0)
tip = deck.value_tooltip(t(f"flows_metric_{metric}"))
event = deck_map(deck.deck(layers, view=view, pick="flows", tooltip=tip), key="flows_chart",
                 height=540, mode="multi")
legend(t(f"flows_metric_{metric}"), vmin, vmax,
       shown=fmt.people if metric == "stay" else fmt.percent)
if metric == "change":
    st.caption(t("flows_change_note", base=fmt.month(base)))
elif metric == "ratio":
    st.caption(t("flows_ratio_note"))
st.caption(t("flows_method"))

cells_downloads(cells, stem=f"{b.id}_flows_{month}_{flows.DAYFLAGS[dayflag]}_"
                f"{flows.TIMEZONES[timezone]}_res{res}", key="flows_dl")


ui_flows.origins_block(fl, dayflag=dayflag, timezone=timezone, month=month)
ui_flows.vitality_block(b, fl, dayflag=dayflag, selection=event.selection if event else None)

st.caption(f"{t('attribution')}: " + escape_for_markdown(
    f"{fl.meta.get('attribution', flows.ATTRIBUTION)} ({fl.meta.get('licence', flows.LICENCE)})"))
attribution(b)
