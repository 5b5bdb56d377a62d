"""Survey overlay: Well-Being scores by area (never a group under k), voices, KPIs and gaps."""

import streamlit as st

from geo.participation import survey
from geo.participation.framework import FRAMEWORK
from geo.participation.store import comments_to_frame
from geo.render import deck
from ui import state
from ui import survey_view as sv
from ui.cache import get_bundle, map_frame
from ui.deckmap import deck_map
from ui.i18n import t
from ui.survey import area_names, comment_layer, get_areas, hex_choropleth, town_choropleth
from ui.voices import cell_towns, get_store, kind_labels
from ui.widgets import attribution, legend

state.require_app(__file__)
ss = st.session_state
b = get_bundle(ss[state.CITY])
st.title(t("page_survey"))
st.caption(t("sv_intro"))


def footer(source_note: str | None = None) -> None:
    """Survey source line, then the bundle's attribution."""
    if source_note:
        st.caption(source_note)
    attribution(b)


if get_areas(b.id) is None:
    st.info(t("sv_no_towns"))
    footer()
    st.stop()
answers = sv.answers(b)
if answers is None:
    footer()
    st.stop()
if sv.imported(b, answers) is None:
    footer(answers.source_note)
    st.stop()
v = sv.choose(b, answers, area_names)

# --- the map ----------------------------------------------------------------------------------
records = get_store().list_comments(city=b.id, factor=v.measure if v.is_factor else None)
comments = comments_to_frame(records)  # area statistics; the panel shows the records
show_voices = st.toggle(t("sv_show_comments"), value=True, key="sv_show_comments")
low, high = FRAMEWORK.scale_of(v.measure)
vmin = float(v.vals["mean"].min()) if len(v.vals) else float(low)
vmax = float(v.vals["mean"].max()) if len(v.vals) else float(high)
layers = (town_choropleth(v.vals["mean"], city=b.id, names=v.names, vmin=vmin, vmax=vmax)
          if v.level == "town" else
          hex_choropleth(v.vals["mean"], city=b.id, level=v.level, vmin=vmin, vmax=vmax))
layers.extend(map_frame(b.id))
if show_voices:
    layers.append(comment_layer(comments, kinds=kind_labels()))
event = deck_map(deck.deck(layers, view=deck.view_of(b.boundary, height_px=520),
                           pick=("sv_values", "sv_hidden"),
                           **({} if v.level == "town" else  # a hexagon has no name
                              {"tooltip": deck.value_tooltip(v.short[v.measure])})),
                 mode="single", key="sv_map", height=520)
if len(v.vals):
    legend(f"{v.short[v.measure]} ({t('sv_mean')})", vmin, vmax, decimals=2)
st.caption(t("sv_map_note", k=v.k, shown=len(v.vals)))
if answers.is_sample:
    st.caption(t("sv_sample_label"))

picked = (event.selection.get("objects", {}) or {}) if event else {}
for obj in picked.get("sv_values", []):
    ss["sv_area"] = str(obj.get("id") or obj.get("h"))
if picked.get("sv_hidden"):
    st.info(t("sv_hidden_pick", k=v.k))
options = sorted(v.vals.index, key=lambda a: v.names.get(a, a))
choice = st.selectbox(t("sv_area_pick"), options, index=None, placeholder=t("choose"),
                      key="sv_area_pick",
                      format_func={a: v.names.get(a, a) for a in options}.__getitem__)
if choice is not None and ss.get("sv_area_used") != choice:
    ss["sv_area"], ss["sv_area_used"] = choice, choice
area = ss.get("sv_area") if ss.get("sv_area") in v.vals.index else None

# --- the area (or the city) -------------------------------------------------------------------
area_label = v.names.get(area, area) if area else None
st.subheader(t("sv_area_title", name=area_label) if area else t("sv_city_title"))
sv.area_figures(v, area)
left, right = st.columns([3, 2])
with left:
    series = sv.radar(v, area, area_label)
with right:
    sv.answer_shares(v, area, area_label, series)
    kpi_frame, city_rates = sv.objective_kpis(b, v, area)
ct = cell_towns(b)
sv.voices(v, area, comments, records, ct)
sv.gap(v, kpi_frame, city_rates, survey.comments_by_area(comments, level=v.level, cell_town=ct))
sv.downloads_block(b, v, answers.is_sample)
sv.aggregate_block(v.k)
footer(answers.source_note)
