"""The survey page's parts: which answers, the area panel, voices, the gap view, downloads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from geo.errors import DioramaError
from geo.ingest.bundle import CityBundle
from geo.ingest.io import decode_bytes
from geo.ingest.limits import TooLarge, check_size, limit_mb
from geo.kinds import KIND_BY_KEY
from geo.participation import survey
from geo.participation.framework import FRAMEWORK
from geo.participation.store import Comment
from geo.render import export
from geo.text import escape_for_markdown

from . import state
from .i18n import kind_label, labels, lang, t
from .survey import (
    distribution,
    distribution_chart,
    downloads,
    get_catalog,
    get_import,
    measure_labels,
    objective,
    radar_chart,
    sample_bytes,
    short_labels,
    stats,
)
from .survey import for_people as survey_people
from .voices import error_text, factor_labels, show_comment
from .widgets import chart


@dataclass(frozen=True)
class Answers:
    """The answers the page shows: the cache key of the import and where they come from."""

    data: bytes
    file: str
    mapping: str | None
    is_sample: bool
    source_note: str


@dataclass(frozen=True)
class View:
    """What the user chose and what it gives, shared by the page's parts."""

    src: tuple[Any, ...]
    level: str
    age: str | None
    sex: str | None
    measure: str
    k: int
    is_factor: bool
    short: dict[str, str]
    names: dict[str, str]
    vals: pd.DataFrame
    city: pd.DataFrame
    city_row: pd.Series | None


def within_limit(upload: Any, kind: str) -> bool:
    """Whether an upload (or None) fits its kind's size limit; when not, say so with the file,
    its size and the limit before anything parses it."""
    if upload is None:
        return True
    try:
        check_size(int(upload.size), kind, file=str(upload.name))
    except TooLarge as exc:
        st.error(t("sv_unreadable", why=escape_for_markdown(error_text(exc))))
        return False
    return True


def problems_table(problems: list[Any]) -> None:
    """An input's problems as a table (row, column, message in the user's language)."""
    st.dataframe(pd.DataFrame([{t("sv_row"): p.row, t("sv_column"): p.column,
                                t("sv_message"): p.message_in(lang())} for p in problems]),
                 hide_index=True, width="stretch")


def answers(b: CityBundle) -> Answers | None:
    """The labelled sample or an uploaded file (with an optional column mapping)."""
    sample = sample_bytes(b.id)
    sources = (["sample"] if sample else []) + ["upload"]
    src = st.radio(t("sv_source"), sources, horizontal=True, key="sv_source",
                   format_func=labels(sources, prefix="sv_source_").__getitem__)
    data, file, mapping = None, "", None
    if src == "upload":
        up = st.file_uploader(t("sv_upload"), type=["csv"], key="sv_upload",
                              max_upload_size=limit_mb("survey"),
                              help=t("upload_help", mb=limit_mb("survey")))
        mp = st.file_uploader(t("sv_mapping"), type=["toml"], key="sv_mapping",
                              max_upload_size=limit_mb("mapping"),
                              help=t("upload_help", mb=limit_mb("mapping")))
        st.caption(t("sv_upload_note"))
        if not within_limit(up, "survey") or not within_limit(mp, "mapping"):
            return None
        if up is not None:
            data, file = up.getvalue(), up.name
        if mp is not None:
            mapping, _ = decode_bytes(mp.getvalue(), file=mp.name)
    else:
        data, file = sample, f"{b.id}_survey_sample.csv"
    is_sample = src == "sample"
    note = t("sv_source_sample_note") if is_sample else t(
        "sv_source_upload_note", file=escape_for_markdown(file or "-"))
    if data is None:
        st.info(t("sv_upload_first"))
        return None
    return Answers(data=data, file=file, mapping=mapping, is_sample=is_sample, source_note=note)


def imported(b: CityBundle, a: Answers) -> Any | None:
    """The import of the answers, its problems shown; None when nothing can be shown."""
    try:
        imp = get_import(b.id, a.data, a.file, a.mapping)
    except DioramaError as exc:
        st.error(t("sv_unreadable", why=escape_for_markdown(error_text(exc))))
        return None
    if a.is_sample:
        st.warning(t("sv_sample_banner"))
    if imp.problems:
        with st.expander(t("sv_problems", n=len(imp.problems), skipped=imp.skipped)):
            problems_table(imp.problems)
    if imp.responses.empty:
        st.info(t("sv_no_rows"))
        return None
    return imp


def choose(b: CityBundle, a: Answers, names_of: Any) -> View:
    """The measure, the areas, age, sex and k; the statistics they give."""
    k_min = survey.min_k()
    measures = measure_labels()
    levels = list(survey.LEVELS)
    ages: list[str | None] = [None, *survey.AGE_BANDS]
    sexes: list[str | None] = [None, *survey.SEXES]
    age_names = {None: t("all")} | {x: t("sv_age_" + x) for x in survey.AGE_BANDS}
    sex_names = {None: t("all")} | {x: t("sv_sex_" + x) for x in survey.SEXES}
    c1, c2, c3, c4, c5 = st.columns([3, 2.2, 1.4, 1.6, 1.1])
    measure = c1.selectbox(t("sv_measure"), list(measures),
                           index=list(measures).index("mobility"),
                           format_func=measures.__getitem__, key="sv_measure",
                           placeholder=t("choose"))
    level = c2.selectbox(t("sv_level"), levels, key="sv_level",
                         format_func=labels(levels, prefix="sv_level_").__getitem__,
                         placeholder=t("choose"))
    age = c3.selectbox(t("sv_age"), ages, format_func=age_names.__getitem__, key="sv_age",
                       placeholder=t("choose"))
    sex = c4.selectbox(t("sv_sex"), sexes, format_func=sex_names.__getitem__, key="sv_sex",
                       placeholder=t("choose"))
    k = int(c5.number_input(t("sv_k"), min_value=k_min, max_value=200, value=k_min, step=1,
                            key="sv_k", help=t("sv_k_help", k=k_min)))
    src = (b.id, a.data, a.file, a.mapping, k, a.is_sample)
    one = stats(src, level, age, sex, (measure,))
    vals = one.xs(measure, level="measure") if len(one) else one.droplevel("measure")
    city = stats(src, "city", age, sex)
    city_row = city.loc[(survey.CITY, measure)] if (survey.CITY, measure) in city.index else None
    return View(src=src, level=level, age=age, sex=sex, measure=measure, k=k,
                is_factor=FRAMEWORK.headline(measure) is None, short=short_labels(),
                names=names_of(b.id, level), vals=vals, city=city, city_row=city_row)


def area_figures(v: View, area: str | None) -> None:
    """The area's (or the city's) mean, interval and number of answers."""
    m1, m2, m3 = st.columns(3)
    row = v.vals.loc[area] if area else v.city_row
    if row is None:
        st.info(t("sv_city_hidden", k=v.k))
        return
    m1.metric(t("sv_mean"), f"{row['mean']:.2f}", delta=(
        f"{row['mean'] - v.city_row['mean']:+.2f} ({t('sv_vs_city')})"
        if area and v.city_row is not None else None), delta_color="off")
    m2.metric(t("sv_ci"), f"{row['ci_low']:.2f} – {row['ci_high']:.2f}")
    m3.metric(t("sv_n"), f"{int(row['n']):,}")


def radar(v: View, area: str | None, area_label: str | None) -> list[str]:
    """The 24 factors of the area beside the city's; returns the series order."""
    rows = []
    series = []
    if area and area_label:
        a_stats = stats(v.src, v.level, v.age, v.sex, FRAMEWORK.factor_keys)
        series.append(area_label)
        rows += [{"factor": v.short[f.key], "series": area_label,
                  "value": a_stats["mean"].get((area, f.key))} for f in FRAMEWORK.factors]
    series.append(t("city_total"))
    rows += [{"factor": v.short[f.key], "series": t("city_total"),
              "value": v.city["mean"].get((survey.CITY, f.key))} for f in FRAMEWORK.factors]
    st.markdown(f"**{t('sv_radar')}**")
    chart(radar_chart(pd.DataFrame(rows), series_order=series), description=t("sv_radar"),
          key="sv_radar")
    st.caption(t("sv_radar_note", k=v.k))
    return series


def answer_shares(v: View, area: str | None, area_label: str | None,
                  series: list[str]) -> None:
    """How the answers spread over the scale, for the area and the city."""
    low, high = FRAMEWORK.scale_of(v.measure)
    st.markdown(f"**{t('sv_distribution', m=v.short[v.measure])}**")
    rows = []
    if area:
        dist = distribution(v.src, v.level, v.measure, v.age, v.sex)
        if area in dist.index:
            rows += [{"series": area_label, "answer": x, "share": float(dist.at[area, x])}
                     for x in range(low, high + 1)]
    cdist = distribution(v.src, "city", v.measure, v.age, v.sex)
    if survey.CITY in cdist.index:
        rows += [{"series": t("city_total"), "answer": x,
                  "share": float(cdist.at[survey.CITY, x])} for x in range(low, high + 1)]
    if rows:
        chart(distribution_chart(pd.DataFrame(rows), series_order=series),
              description=t("sv_distribution", m=v.short[v.measure]), key="sv_dist")
    st.caption(t("sv_scale", lo=low, hi=high))


def objective_kpis(b: CityBundle, v: View, area: str | None) -> tuple[pd.DataFrame, pd.Series]:
    """Walking coverage of the area and the city, per facility kind."""
    ss = st.session_state
    kpi_frame, city_rates = objective(b.id, ss[state.MODE], state.radii_key(),
                                      ss[state.FREQUENT], v.level)
    st.markdown(f"**{t('sv_objective')}**")
    rows = []
    for kk in city_rates.index:
        row: dict[str, Any] = {t("kind"): kind_label(KIND_BY_KEY[kk])}
        if area:
            rate = (float(kpi_frame.at[area, f"rate_{kk}"]) if area in kpi_frame.index
                    else float("nan"))
            row[t("sv_this_area") + " (%)"] = round(rate * 100, 1)
        row[t("city_total") + " (%)"] = round(float(city_rates[kk]) * 100, 1)
        rows.append(row)
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    else:
        st.caption(t("no_data_note"))
    if v.is_factor and FRAMEWORK.other_kpis.get(v.measure):
        st.caption(t("sv_other_kpis", names="、".join(FRAMEWORK.other_kpis[v.measure])))
    return kpi_frame, city_rates


def voices(v: View, area: str | None, comments: pd.DataFrame, records: list[Comment],
           cell_town: dict[str, str]) -> None:
    """The newest comments of the area (or the city) on the factor, as inert text."""
    st.markdown(f"**{t('sv_voices', m=v.short[v.measure] if v.is_factor else t('all'))}**")
    where = survey.comment_areas(comments, level=v.level if area else "city",
                                 cell_town=cell_town)
    mine = comments[(where == (area or survey.CITY)).to_numpy()] if len(comments) else comments
    mine = mine[mine["parent_id"].isna()].sort_values("created_at", ascending=False)
    st.caption(t("n_comments", n=len(mine)))
    factors = factor_labels()
    by_id = {c.id: c for c in records}
    for cid in mine["id"].head(20):
        with st.container(border=True):
            show_comment(by_id[int(cid)], factors=factors)
    if v.is_factor:
        services = get_catalog().services_for(v.measure)
        with st.expander(t("sv_services", m=v.short[v.measure], n=len(services))):
            for s in services:
                st.markdown(escape_for_markdown(
                    f"{s.ja if lang() == 'ja' else s.en} ({s.where}) — "
                    f"{s.summary_ja if lang() == 'ja' else s.summary_en}"))
            st.caption(t("cat_note"))


def gap(v: View, kpi_frame: pd.DataFrame, city_rates: pd.Series, counts: pd.DataFrame) -> None:
    """Numbers against lived experience: subjective score, KPI and comments per area."""
    st.subheader(t("sv_gap"))
    st.caption(t("sv_gap_intro"))
    kind_used = (next((kk for kk in FRAMEWORK.kinds[v.measure] if kk in city_rates.index), None)
                 if v.is_factor else None)
    area_kpi, city_rate = None, None
    if kind_used is not None and f"rate_{kind_used}" in kpi_frame:
        area_kpi, city_rate = kpi_frame[f"rate_{kind_used}"], float(city_rates[kind_used])
    if v.city_row is None or v.vals.empty:
        st.info(t("sv_gap_empty", k=v.k))
        return
    g = survey.gap_view(v.vals, city_mean=float(v.city_row["mean"]), objective=area_kpi,
                        city_rate=city_rate, comments=counts)
    g = g.loc[sorted(g.index, key=lambda a: v.names.get(a, a))]
    flag_text = {f: t("sv_flag_" + f) for f in
                 ("kpi_high_score_low", "kpi_low_score_high", "concerns_cluster")}
    kpi_col = (t("sv_kpi_col", kind=kind_label(KIND_BY_KEY[kind_used])) if kind_used
               else t("sv_kpi_none"))
    st.dataframe(pd.DataFrame({
        t("sv_area"): [v.names.get(a, a) for a in g.index],
        t("sv_n"): g["n"].to_numpy(),
        t("sv_mean"): g["mean"].round(2).to_numpy(),
        t("sv_ci"): [f"{lo:.2f}–{hi:.2f}" for lo, hi in zip(g["ci_low"], g["ci_high"],
                                                             strict=True)],
        t("sv_vs_city"): [t("sv_subj_" + s) for s in g["subjective"]],
        kpi_col: (g["objective"] * 100).round(1).to_numpy(),
        t("sv_comments"): g["comments"].to_numpy(),
        t("ckind_concern"): g["concern"].to_numpy(),
        t("sv_flags"): ["; ".join(flag_text[f] for f in fl) for fl in g["flags"]],
    }), hide_index=True, width="stretch", key="sv_gap_table")
    flagged = g[[len(fl) > 0 for fl in g["flags"]]]
    for a, fl in zip(flagged.index, flagged["flags"], strict=True):
        if "kpi_high_score_low" in fl and "concerns_cluster" in fl:
            st.warning(t("sv_gap_story", name=escape_for_markdown(v.names.get(a, a))))
    st.caption(t("sv_gap_note", city=f"{v.city_row['mean']:.2f}"))


def downloads_block(b: CityBundle, v: View, is_sample: bool) -> None:
    """The published (suppressed) figures as CSV and GeoJSON, made when clicked."""
    st.subheader(t("sv_download"))
    suffix = f"{b.id}_{v.level}{'_sample' if is_sample else ''}"
    d0, d1, d2 = st.columns(3)
    d0.download_button(t("dl_people", what=t("sv_download_csv")),
                       lambda: export.csv_bytes(
                           survey_people(downloads(v.src, v.level, v.age, v.sex)[0])),
                       file_name=f"wellbeing_{suffix}_{lang()}.csv", mime="text/csv",
                       key="sv_dl_csv_people", help=t("dl_people_help"))
    d1.download_button(t("dl_tools"), lambda: downloads(v.src, v.level, v.age, v.sex)[0],
                       file_name=f"wellbeing_{suffix}.csv", mime="text/csv", key="sv_dl_csv",
                       help=t("dl_tools_help"))
    d2.download_button(t("sv_download_geojson"),
                       lambda: downloads(v.src, v.level, v.age, v.sex)[1],
                       file_name=f"wellbeing_{suffix}.geojson", mime="application/geo+json",
                       key="sv_dl_geojson")
    st.caption(t("sv_download_note", k=v.k))
    if is_sample:
        st.caption(t("sv_sample_label"))


def aggregate_block(k: int) -> None:
    """A published aggregate table (the official form), its rows under k left out."""
    with st.expander(t("sv_agg")):
        st.caption(t("sv_agg_note", k=k))
        up = st.file_uploader(t("sv_agg_upload"), type=["csv"], key="sv_agg_upload",
                              max_upload_size=limit_mb("survey"),
                              help=t("upload_help", mb=limit_mb("survey")))
        if up is None or not within_limit(up, "survey"):
            return
        try:
            agg = survey.import_aggregate(up.getvalue(), file=up.name)
        except DioramaError as exc:
            st.error(t("sv_unreadable", why=escape_for_markdown(error_text(exc))))
            return
        if agg.problems:
            problems_table(agg.problems)
        pub = survey.published_aggregate(agg.frame, k=k)
        munis = sorted(pub["municipality"].unique())
        if munis:
            muni = st.selectbox(t("sv_agg_muni"), munis, key="sv_agg_muni", placeholder=t("choose"))
            st.dataframe(pub[pub["municipality"] == muni], hide_index=True, width="stretch")
        st.caption(t("sv_agg_hidden", n=len(agg.frame) - len(pub), k=k))
