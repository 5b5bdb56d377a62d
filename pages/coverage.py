"""Coverage page for planners: per-kind figures, a per-town table, where uncovered people live."""


import pandas as pd
import streamlit as st

from geo import grid
from geo.access import available_modes
from geo.kinds import KIND_BY_KEY, KINDS
from geo.render import deck
from ui import state
from ui.cache import get_bundle, get_cell_kpis, get_coverage, map_frame
from ui.deckmap import deck_map
from ui.format import distance, people, round_total
from ui.i18n import factor_name, kind_label, kind_labels, labels, t
from ui.widgets import attribution, cells_downloads, csv_download, data_notes, hexagon_size, legend

state.require_app(__file__)
ss = st.session_state
b = get_bundle(ss[state.CITY])
st.title(t("page_coverage"))

modes = available_modes(b)
if "network" not in modes:
    st.caption(t("no_network"))
st.radio(t("mode"), modes, **state.bind(state.MODE, modes), horizontal=True,
         format_func=labels(list(modes), prefix="mode_").__getitem__)
with st.expander(t("radii")):
    cols = st.columns(4)
    for i, k in enumerate(KINDS):
        ss[state.RADII][k.key] = cols[i % 4].number_input(
            kind_label(k), min_value=50, max_value=3000, step=50,
            value=int(ss[state.RADII][k.key]), key=f"radius_{k.key}")
    st.number_input(t("frequent"), min_value=1, max_value=500, **state.bind(state.FREQUENT))

cov = get_coverage(b.id, ss[state.MODE], state.radii_key(), ss[state.FREQUENT])
data_notes(b)

st.subheader(t("summary"))


def share(v: float) -> str:
    """A share in % with one decimal; a dash, never "None", where a kind has no data."""
    return "—" if pd.isna(v) else f"{v * 100:.1f}"


s = cov.summary
table = pd.DataFrame({
    t("kind"): [kind_label(KIND_BY_KEY[k]) for k in s.index],
    t("factor"): s["factor"].map(factor_name),
    t("facilities"): s["facilities"].astype(int),
    t("radius") + " (m)": s["radius_m"].astype(int),
})
if b.has_population:
    table[t("population")] = s["population"].map(people)
    table[t("covered")] = s["covered"].map(people)
    table[t("uncovered")] = s["uncovered"].map(people)
    table[t("rate") + " (%)"] = s["rate"].map(share)
else:
    table[t("cells_share") + " (%)"] = s["cells_covered_share"].map(share)
table[t("status")] = [t("no_data") if v == "no_data" else "" for v in s["status"]]
st.dataframe(table, hide_index=True, width="stretch", height=35 * (len(table) + 1) + 3)
st.caption(t("no_data_note"))

ok = [k for k in s.index if s.at[k, "status"] != "no_data"]
if not ok:
    st.warning(t("no_data_note"))
    attribution(b)
    st.stop()
kind = st.selectbox(t("kind"), ok, format_func=kind_labels().__getitem__, key="cov_kind",
                    placeholder=t("choose"))

if cov.towns is not None:
    st.subheader(t("by_town"))
    machine = cov.towns[["name", "population", f"covered_{kind}", f"uncovered_{kind}",
                         f"rate_{kind}"]]
    towns = machine.copy()
    towns[f"rate_{kind}"] = (towns[f"rate_{kind}"] * 100).round(1)
    for col in ("population", f"covered_{kind}", f"uncovered_{kind}"):  # whole people
        towns[col] = round_total(towns[col].tolist())
        towns[col] = towns[col].astype("Int64")
    towns = towns.rename(columns={
        "name": t("town"), "population": t("population"), f"covered_{kind}": t("covered"),
        f"uncovered_{kind}": t("uncovered"), f"rate_{kind}": t("rate") + " (%)"}
    ).rename_axis(t("town_code"))
    number = st.column_config.NumberColumn  # numbers stay numbers (sortable), shown as read
    st.dataframe(towns, width="stretch", height=320, column_config={
        t("population"): number(format="localized"), t("covered"): number(format="localized"),
        t("uncovered"): number(format="localized"), t("rate") + " (%)": number(format="%.1f")})
    csv_download(t("download_towns"), machine, file_name=f"{b.id}_{kind}_towns.csv",
                 key="cov_dl_towns", index=True)

res = hexagon_size(st, grid.RESOLUTIONS, value=9, key="cov_res")
kpis = get_cell_kpis(b.id, ss[state.MODE], state.radii_key(), ss[state.FREQUENT], res)
if b.has_population:
    st.subheader(t("uncovered_map"))
    values = kpis[f"uncovered_{kind}"]
    values = values[values >= 0.5]
else:
    st.subheader(t("kpi_dist"))
    values = kpis[f"dist_{kind}"]
layers = [deck.hex_layer(values), *map_frame(b.id)]
tip = deck.value_tooltip(t("kpi_uncovered") if b.has_population else t("kpi_dist"))
deck_map(deck.deck(layers, view=deck.view_of(b.boundary, height_px=480), tooltip=tip),
         key="cov_chart", height=480)
if len(values):
    legend(t("kpi_uncovered") if b.has_population else t("kpi_dist"),
           float(values.min()), float(values.max()),
           shown=people if b.has_population else distance)

cells = kpis[[c for c in kpis.columns if c == "population" or c.endswith(f"_{kind}")]]
cells_downloads(cells, stem=f"{b.id}_{kind}_res{res}", key="cov_dl")
st.caption(t("download_note"))
attribution(b)
