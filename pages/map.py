"""Map page: one KPI on H3 hexagons (res 7–10), facilities, boundary, 3D diorama view."""

import streamlit as st

from geo import access, grid
from geo.kinds import KINDS
from geo.render import deck
from geo.text import escape_for_markdown
from ui import state
from ui.cache import get_bundle, get_cell_kpis, get_coverage, map_frame
from ui.deckmap import deck_map
from ui.format import distance, people, percent
from ui.i18n import kind_labels, labels, t
from ui.places import picked_cell, place_label, town_select
from ui.widgets import attribution, cell_detail, data_notes, hexagon_size, legend, town_detail

state.require_app(__file__)
ss = st.session_state
b = get_bundle(ss[state.CITY])
st.title(t("app_title"))
st.caption(t("tagline"))

by_kind = access.facilities_by_kind(b.facilities, frequent_departures=ss[state.FREQUENT])
present = [k for k in KINDS if len(by_kind[k.key]) or (  # frequent stops may be 0 at a setting
    k.key == "bus_stop_frequent" and len(by_kind["bus_stop"]))]
metrics = ["dist", "rate", "uncovered", "population"] if b.has_population else ["dist", "rate"]
if not present:  # no facility data at all (e.g. a city built from people-flow files alone)
    st.info(t("no_data_note"))
    metrics = ["population"] if b.has_population else []
    if not metrics:
        data_notes(b)
        attribution(b)
        st.stop()
c1, c2, c3, c4 = st.columns([2, 2, 2, 1])
kinds = kind_labels()
metric = c1.selectbox(t("kpi"), metrics, format_func=labels(metrics, prefix="kpi_").__getitem__,
                      key="map_metric", placeholder=t("choose"))
kind = c2.selectbox(t("kind"), [k.key for k in present], key="map_kind",
                    format_func=kinds.__getitem__,
                    disabled=metric == "population", placeholder=t("choose"))
res = hexagon_size(c3, grid.RESOLUTIONS, value=9, key="map_res")
extruded = c4.toggle(t("extrude"), key="map_3d")
show = st.multiselect(t("show_facilities"), [k.key for k in present], default=[],
                      format_func=kinds.__getitem__, key="map_fac", placeholder=t("choose_many"))

kpis = get_cell_kpis(b.id, ss[state.MODE], state.radii_key(), ss[state.FREQUENT], res)
column = "population" if metric == "population" else f"{metric}_{kind}"
values = kpis[column] * (100 if metric == "rate" else 1)
reverse = metric == "rate"
height = deck.extrusion_height(res)
layers = [deck.hex_layer(values, extruded=extruded, max_height_m=height, reverse=reverse,
                         decimals=1 if metric == "rate" else 0),  # rates: % with one decimal
          *map_frame(b.id)]
layers += [deck.facility_layer(by_kind[k], kind=k, label=kinds[k]) for k in show]
view = deck.view_of(b.boundary, pitch=45 if extruded else 0)
event = deck_map(deck.deck(layers, view=view, pick="kpi",
                           tooltip=deck.value_tooltip(t(f"kpi_{metric}"))),
                 mode="single", key="map_chart", height=560)
finite = values.replace([float("inf")], float("nan")).dropna()
if len(finite):
    legend(t(f"kpi_{metric}"), float(finite.min()), float(finite.max()), reverse=reverse,
           shown={"dist": distance, "rate": percent}.get(metric, people))
else:
    st.warning(t("no_data_note"))
data_notes(b)

st.subheader(t("selected_cell"))
st.caption(t("select_hint"))
picked = picked_cell(event.selection if event else None, "kpi")
if picked:
    st.markdown(f"**{escape_for_markdown(place_label(b, picked))}**")  # a town name: text
    cell_detail(kpis.loc[grid.to_cells([picked])[0]], present,
                radii=dict(state.radii_key()))
if b.towns is not None:
    code = town_select(b, key="map_town")
    if code is not None:
        cov = get_coverage(b.id, ss[state.MODE], state.radii_key(), ss[state.FREQUENT])
        if cov.towns is not None:
            town_detail(cov.towns, code)
attribution(b)
