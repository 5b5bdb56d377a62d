"""Survey overlay: Well-Being scores by area (never a group under k), voices, KPIs and gaps."""

import pandas as pd
import streamlit as st

from geo.errors import DioramaError
from geo.ingest.io import decode_bytes
from geo.kinds import KIND_BY_KEY
from geo.participation import survey
from geo.participation.framework import FRAMEWORK
from geo.participation.store.store import comments_to_frame
from geo.render import deck
from geo.text import escape_for_markdown
from ui import state
from ui.cache import boundary_layer, get_bundle
from ui.i18n import kind_label, labels, lang, t
from ui.survey import (
    area_names,
    comment_layer,
    distribution,
    distribution_chart,
    downloads,
    get_areas,
    get_catalog,
    get_import,
    hex_choropleth,
    measure_labels,
    objective,
    radar_chart,
    sample_bytes,
    short_labels,
    stats,
    town_choropleth,
)
from ui.voices import cell_towns, error_text, factor_labels, get_store, kind_labels, show_comment
from ui.widgets import attribution, chart, legend

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


areas = get_areas(b.id)
if areas is None:
    st.info(t("sv_no_towns"))
    footer()
    st.stop()

# --- which answers ----------------------------------------------------------------------------
sample = sample_bytes(b.id)
sources = (["sample"] if sample else []) + ["upload"]
src = st.radio(t("sv_source"), sources, horizontal=True, key="sv_source",
               format_func=labels(sources, prefix="sv_source_").__getitem__)
data, file, mapping = None, "", None
if src == "upload":
    up = st.file_uploader(t("sv_upload"), type=["csv"], key="sv_upload")
    mp = st.file_uploader(t("sv_mapping"), type=["toml"], key="sv_mapping")
    st.caption(t("sv_upload_note"))
    if up is not None:
        data, file = up.getvalue(), up.name
    if mp is not None:
        mapping, _ = decode_bytes(mp.getvalue(), file=mp.name)
else:
    data, file = sample, f"{b.id}_survey_sample.csv"
is_sample = src == "sample"
source_note = t("sv_source_sample_note") if is_sample else t(
    "sv_source_upload_note", file=escape_for_markdown(file or "-"))
if data is None:
    st.info(t("sv_upload_first"))
    footer()
    st.stop()
try:
    imp = get_import(b.id, data, file, mapping)
except DioramaError as exc:
    st.error(t("sv_unreadable", why=escape_for_markdown(error_text(exc))))
    footer()
    st.stop()
if is_sample:
    st.warning(t("sv_sample_banner"))
if imp.problems:
    with st.expander(t("sv_problems", n=len(imp.problems), skipped=imp.skipped)):
        st.dataframe(pd.DataFrame([{t("sv_row"): p.row, t("sv_column"): p.column,
                                    t("sv_message"): p.message_in(lang())}
                                   for p in imp.problems]),
                     hide_index=True, width="stretch")
if imp.responses.empty:
    st.info(t("sv_no_rows"))
    footer(source_note)
    st.stop()

# --- what to show -----------------------------------------------------------------------------
k_min = survey.min_k()
measures = measure_labels()
levels = list(survey.LEVELS)
ages: list[str | None] = [None, *survey.AGE_BANDS]
sexes: list[str | None] = [None, *survey.SEXES]
age_names = {None: t("all")} | {a: t("sv_age_" + a) for a in survey.AGE_BANDS}
sex_names = {None: t("all")} | {s: t("sv_sex_" + s) for s in survey.SEXES}
c1, c2, c3, c4, c5 = st.columns([3, 2.2, 1.4, 1.6, 1.1])
measure = c1.selectbox(t("sv_measure"), list(measures), index=list(measures).index("mobility"),
                       format_func=measures.__getitem__, key="sv_measure")
level = c2.selectbox(t("sv_level"), levels, format_func=labels(levels, prefix="sv_level_")
                     .__getitem__, key="sv_level")
age = c3.selectbox(t("sv_age"), ages, format_func=age_names.__getitem__, key="sv_age")
sex = c4.selectbox(t("sv_sex"), sexes, format_func=sex_names.__getitem__, key="sv_sex")
k = int(c5.number_input(t("sv_k"), min_value=k_min, max_value=200, value=k_min, step=1,
                        key="sv_k", help=t("sv_k_help", k=k_min)))
is_factor = FRAMEWORK.headline(measure) is None
short = short_labels()

src = (b.id, data, file, mapping, k, is_sample)
one = stats(src, level, age, sex, (measure,))
vals = one.xs(measure, level="measure") if len(one) else one.droplevel("measure")
city = stats(src, "city", age, sex)
city_row = city.loc[(survey.CITY, measure)] if (survey.CITY, measure) in city.index else None
names = area_names(b.id, level)

# --- the map ----------------------------------------------------------------------------------
store = get_store()
records = store.list_comments(city=b.id, factor=measure if is_factor else None)
comments = comments_to_frame(records)  # area statistics; the panel shows the records
kinds = kind_labels()
show_voices = st.toggle(t("sv_show_comments"), value=True, key="sv_show_comments")
low, high = FRAMEWORK.scale_of(measure)
vmin = float(vals["mean"].min()) if len(vals) else float(low)
vmax = float(vals["mean"].max()) if len(vals) else float(high)
values = vals["mean"]
layers = (town_choropleth(values, city=b.id, names=names, vmin=vmin, vmax=vmax)
          if level == "town" else
          hex_choropleth(values, city=b.id, level=level, vmin=vmin, vmax=vmax))
layers.append(boundary_layer(b.id))
if show_voices:
    layers.append(comment_layer(comments, kinds=kinds))
event = st.pydeck_chart(deck.deck(layers, view=deck.view_of(b.boundary, height_px=520),
                                  pick=("sv_values", "sv_hidden")),
                        on_select="rerun", selection_mode="single-object", key="sv_map",
                        height=520)
if len(vals):
    legend(f"{short[measure]} ({t('sv_mean')})", vmin, vmax, decimals=2)
st.caption(t("sv_map_note", k=k, shown=len(vals)))
if is_sample:
    st.caption(t("sv_sample_label"))

picked = (event.selection.get("objects", {}) or {}) if event else {}
for obj in picked.get("sv_values", []):
    ss["sv_area"] = str(obj.get("id") or obj.get("h"))
if picked.get("sv_hidden"):
    st.info(t("sv_hidden_pick", k=k))

options = sorted(vals.index, key=lambda a: names.get(a, a))
choice = st.selectbox(t("sv_area_pick"), options, index=None, placeholder=t("choose"),
                      key="sv_area_pick",
                      format_func={a: names.get(a, a) for a in options}.__getitem__)
if choice is not None and ss.get("sv_area_used") != choice:
    ss["sv_area"], ss["sv_area_used"] = choice, choice
area = ss.get("sv_area")
if area not in vals.index:
    area = None

# --- the area (or the city) -------------------------------------------------------------------
city_label = t("city_total")
area_label = names.get(area, area) if area else None
st.subheader(t("sv_area_title", name=area_label) if area else t("sv_city_title"))
m1, m2, m3 = st.columns(3)
row = vals.loc[area] if area else city_row
if row is not None:
    m1.metric(t("sv_mean"), f"{row['mean']:.2f}", delta=(
        f"{row['mean'] - city_row['mean']:+.2f} ({t('sv_vs_city')})"
        if area and city_row is not None else None), delta_color="off")
    m2.metric(t("sv_ci"), f"{row['ci_low']:.2f} – {row['ci_high']:.2f}")
    m3.metric(t("sv_n"), f"{int(row['n']):,}")
else:
    st.info(t("sv_city_hidden", k=k))

left, right = st.columns([3, 2])
radar_rows = []
series = []
if area:
    a_stats = stats(src, level, age, sex, FRAMEWORK.factor_keys)
    series.append(area_label)
    for f in FRAMEWORK.factors:
        v = a_stats["mean"].get((area, f.key))
        radar_rows.append({"factor": short[f.key], "series": area_label, "value": v})
series.append(city_label)
for f in FRAMEWORK.factors:
    radar_rows.append({"factor": short[f.key], "series": city_label,
                       "value": city["mean"].get((survey.CITY, f.key))})
with left:
    st.markdown(f"**{t('sv_radar')}**")
    chart(radar_chart(pd.DataFrame(radar_rows), series_order=series),
          description=t("sv_radar"), key="sv_radar")
    st.caption(t("sv_radar_note", k=k))
with right:
    st.markdown(f"**{t('sv_distribution', m=short[measure])}**")
    dist_rows = []
    if area:
        dist = distribution(src, level, measure, age, sex)
        if area in dist.index:
            for ans in range(low, high + 1):
                dist_rows.append({"series": area_label, "answer": ans,
                                  "share": float(dist.at[area, ans])})
    cdist = distribution(src, "city", measure, age, sex)
    if survey.CITY in cdist.index:
        for ans in range(low, high + 1):
            dist_rows.append({"series": city_label, "answer": ans,
                              "share": float(cdist.at[survey.CITY, ans])})
    if dist_rows:
        chart(distribution_chart(pd.DataFrame(dist_rows), series_order=series),
              description=t("sv_distribution", m=short[measure]), key="sv_dist")
    st.caption(t("sv_scale", lo=low, hi=high))

    # objective KPIs of the area
    kpi_frame, city_rates = objective(b.id, ss[state.MODE], state.radii_key(),
                                      ss[state.FREQUENT], level)
    ok_kinds = list(city_rates.index)
    st.markdown(f"**{t('sv_objective')}**")
    kpi_rows = []
    for kk in ok_kinds:
        rate_city = float(city_rates[kk])
        rate_area = (float(kpi_frame.at[area, f"rate_{kk}"])
                     if area and area in kpi_frame.index else float("nan"))
        row_ = {t("kind"): kind_label(KIND_BY_KEY[kk])}
        if area:
            row_[t("sv_this_area") + " (%)"] = round(rate_area * 100, 1)
        row_[city_label + " (%)"] = round(rate_city * 100, 1)
        kpi_rows.append(row_)
    if kpi_rows:
        st.dataframe(pd.DataFrame(kpi_rows), hide_index=True, width="stretch")
    else:
        st.caption(t("no_data_note"))
    if is_factor and FRAMEWORK.other_kpis.get(measure):
        st.caption(t("sv_other_kpis", names="、".join(FRAMEWORK.other_kpis[measure])))

# the area's voices on this factor
st.markdown(f"**{t('sv_voices', m=short[measure] if is_factor else t('all'))}**")
ct = cell_towns(b)
where = survey.comment_areas(comments, level=level if area else "city", cell_town=ct)
mine = comments[(where == (area or survey.CITY)).to_numpy()] if len(comments) else comments
mine = mine[mine["parent_id"].isna()].sort_values("created_at", ascending=False)
st.caption(t("n_comments", n=len(mine)))
factors_named = factor_labels()
by_id = {c.id: c for c in records}
for cid in mine["id"].head(20):
    with st.container(border=True):
        show_comment(by_id[int(cid)], factors=factors_named)

if is_factor:
    services = get_catalog().services_for(measure)
    with st.expander(t("sv_services", m=short[measure], n=len(services))):
        for s in services:
            st.markdown(escape_for_markdown(
                f"{s.ja if lang() == 'ja' else s.en} ({s.where}) — "
                f"{s.summary_ja if lang() == 'ja' else s.summary_en}"))
        st.caption(t("cat_note"))

# --- the gap view -----------------------------------------------------------------------------
st.subheader(t("sv_gap"))
st.caption(t("sv_gap_intro"))
area_kpi = None
city_rate = None
kind_used = None
if is_factor:
    kind_used = next((kk for kk in FRAMEWORK.kinds[measure] if kk in ok_kinds), None)
    if kind_used is not None and f"rate_{kind_used}" in kpi_frame:
        area_kpi = kpi_frame[f"rate_{kind_used}"]
        city_rate = float(city_rates[kind_used])
counts = survey.comments_by_area(comments, level=level, cell_town=ct)
if city_row is None or vals.empty:
    st.info(t("sv_gap_empty", k=k))
else:
    gap = survey.gap_view(vals, city_mean=float(city_row["mean"]), objective=area_kpi,
                          city_rate=city_rate, comments=counts)
    gap = gap.loc[sorted(gap.index, key=lambda a: names.get(a, a))]
    flag_text = {f: t("sv_flag_" + f) for f in
                 ("kpi_high_score_low", "kpi_low_score_high", "concerns_cluster")}
    kpi_col = (t("sv_kpi_col", kind=kind_label(KIND_BY_KEY[kind_used])) if kind_used
               else t("sv_kpi_none"))
    table = pd.DataFrame({
        t("sv_area"): [names.get(a, a) for a in gap.index],
        t("sv_n"): gap["n"].to_numpy(),
        t("sv_mean"): gap["mean"].round(2).to_numpy(),
        t("sv_ci"): [f"{lo_:.2f}–{hi_:.2f}" for lo_, hi_ in zip(gap["ci_low"], gap["ci_high"],
                                                                 strict=True)],
        t("sv_vs_city"): [t("sv_subj_" + s) for s in gap["subjective"]],
        kpi_col: (gap["objective"] * 100).round(1).to_numpy(),
        t("sv_comments"): gap["comments"].to_numpy(),
        t("ckind_concern"): gap["concern"].to_numpy(),
        t("sv_flags"): ["; ".join(flag_text[f] for f in fl) for fl in gap["flags"]],
    })
    st.dataframe(table, hide_index=True, width="stretch", key="sv_gap_table")
    flagged = gap[[len(fl) > 0 for fl in gap["flags"]]]
    for a, fl in zip(flagged.index, flagged["flags"], strict=True):
        if "kpi_high_score_low" in fl and "concerns_cluster" in fl:
            st.warning(t("sv_gap_story", name=escape_for_markdown(names.get(a, a))))
    st.caption(t("sv_gap_note", city=f"{city_row['mean']:.2f}"))

# --- downloads --------------------------------------------------------------------------------
st.subheader(t("sv_download"))
tag = "_sample" if is_sample else ""
suffix = f"{b.id}_{level}{tag}"
d1, d2 = st.columns(2)
csv_bytes, geo_text = downloads(src, level, age, sex)
d1.download_button(t("sv_download_csv"), csv_bytes,
                   file_name=f"wellbeing_{suffix}.csv", mime="text/csv", key="sv_dl_csv")
d2.download_button(t("sv_download_geojson"), geo_text, file_name=f"wellbeing_{suffix}.geojson",
                   mime="application/geo+json", key="sv_dl_geojson")
st.caption(t("sv_download_note", k=k))
if is_sample:
    st.caption(t("sv_sample_label"))

# --- the published aggregate form -------------------------------------------------------------
with st.expander(t("sv_agg")):
    st.caption(t("sv_agg_note", k=k))
    agg_up = st.file_uploader(t("sv_agg_upload"), type=["csv"], key="sv_agg_upload")
    if agg_up is not None:
        try:
            agg = survey.import_aggregate(agg_up.getvalue(), file=agg_up.name)
        except DioramaError as exc:
            st.error(t("sv_unreadable", why=escape_for_markdown(error_text(exc))))
        else:
            if agg.problems:
                st.dataframe(pd.DataFrame([{t("sv_row"): p.row, t("sv_column"): p.column,
                                            t("sv_message"): p.message_in(lang())}
                                           for p in agg.problems]),
                             hide_index=True, width="stretch")
            pub = survey.published_aggregate(agg.frame, k=k)
            munis = sorted(pub["municipality"].unique())
            if munis:
                muni = st.selectbox(t("sv_agg_muni"), munis, key="sv_agg_muni")
                st.dataframe(pub[pub["municipality"] == muni], hide_index=True, width="stretch")
            st.caption(t("sv_agg_hidden", n=len(agg.frame) - len(pub), k=k))

footer(source_note)
