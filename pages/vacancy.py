"""Vacancy estimates per H3 cell and town from building records (sample data unless uploaded)."""


import pandas as pd
import streamlit as st

from geo import grid
from geo.context import vacancy
from geo.render import deck
from geo.samples.vacancy import SAMPLE_LABEL
from ui import state
from ui import vacancy_view as vv
from ui.cache import get_bundle, map_frame
from ui.deckmap import deck_map
from ui.flows import get_sample_cells, get_sample_total, get_sample_towns
from ui.format import count, percent
from ui.i18n import labels, t
from ui.widgets import attribution, csv_download, hexagon_size, legend

METRICS = ["rate", "estimated", "likely_vacant"]

state.require_app(__file__)
ss = st.session_state
b = get_bundle(ss[state.CITY])
st.title(t("page_vacancy"))
st.caption(t("vac_intro"))

has_sample = b.towns is not None and bool(b.towns["households"].fillna(0).gt(0).any())
sources = ["sample", "upload"] if has_sample else ["upload"]
source = st.radio(t("vac_source"), sources, key="vac_source", horizontal=True,
                  format_func=labels(sources, prefix="vac_source_").__getitem__)
if not has_sample:
    st.info(t("vac_no_sample"))

c1, c2, c3 = st.columns(3)
k = int(c1.number_input(t("vac_k"), min_value=3, max_value=200, value=vacancy.DEFAULT_K,
                        step=1, key="vac_k", help=t("vac_k_help")))
calibrate = c2.toggle(t("vac_calibrate"), key="vac_cal", help=t("vac_calibrate_help"))
target_pct = c3.number_input(t("vac_target"), min_value=0.1, max_value=60.0,
                             value=round(100 * vacancy.NATIONAL_RATE_2023, 1), step=0.1,
                             key="vac_target", disabled=not calibrate, help=t("vac_target_help"))
target = round(float(target_pct) / 100, 6) if calibrate else None
c4, c5, c6 = st.columns([2, 3, 1])
metric = c4.selectbox(t("vac_metric"), METRICS, key="vac_metric",
                      format_func=labels(METRICS, prefix="vac_metric_").__getitem__,
                      placeholder=t("choose"))
res = hexagon_size(c5, grid.RESOLUTIONS, value=9, key="vac_res")
extruded = c6.toggle(t("extrude"), key="vac_3d")

label = ""
towns_out: pd.DataFrame | None = None
if source == "sample":
    label = SAMPLE_LABEL
    st.warning(t("vac_sample_banner"))
    cells = get_sample_cells(b.id, target, k, res)
    towns_out = get_sample_towns(b.id, target, k)
    total = get_sample_total(b.id, target, k)
else:
    got = vv.uploaded(b, target=target, k=k, res=res)
    if got is None:
        attribution(b)
        st.stop()
    cells, towns_out, total = got

vv.city_metrics(total, k=k)

# --- map -------------------------------------------------------------------------------
shown = cells.loc[~cells["suppressed"], metric].dropna()
if metric == "rate":
    shown = shown * 100
height = deck.extrusion_height(res)
layers = [deck.hex_layer(shown, layer_id="vacancy", extruded=extruded, max_height_m=height,
                         decimals=1 if metric == "rate" else 0),
          *map_frame(b.id)]
deck_map(deck.deck(layers, view=deck.view_of(b.boundary, pitch=45 if extruded else 0),
                   tooltip=deck.value_tooltip(t(f"vac_metric_{metric}"))),
         key="vac_chart", height=520)
if len(shown):
    legend(t(f"vac_metric_{metric}"), float(shown.min()), float(shown.max()),
           shown=percent if metric == "rate" else count)
n_sup = int(cells["suppressed"].sum())
st.caption(t("vac_suppressed_note", k=k, n=n_sup, total=len(cells)))
if label:
    st.caption(label)

stem = f"{b.id}_vacancy{'_sample' if label else ''}"
vv.downloads(cells, stem=stem, res=res, label=label)

# --- towns -----------------------------------------------------------------------------
if towns_out is not None:
    st.subheader(t("by_town"))
    table = vv.town_table(towns_out, label)
    st.dataframe(table, width="stretch", height=320)
    csv_download(t("download_towns"), vv.for_download(towns_out, label),
                 file_name=f"{stem}_towns.csv", key="vac_dl_towns", index=True)

with st.expander(t("vac_rules_title")):
    st.markdown(t("vac_rules"))
if label:
    st.caption(t("vac_sample_attr"))
attribution(b)
