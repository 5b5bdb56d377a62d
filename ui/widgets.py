"""Small widgets used on several pages: attribution footer, legend, notes about the data."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from geo.ingest.bundle import CityBundle
from geo.kinds import KINDS, MAX_DISTANCE_M
from geo.render import export
from geo.render.deck import ramp_color
from geo.text import escape_for_markdown

from .columns import for_people
from .format import distance, people, round_total, vega_month_format
from .format import rate as fmt_rate
from .i18n import kind_label, lang, t


def attribution(b: CityBundle) -> None:
    """Footer with the attribution line of every source the bundle uses: text from files
    (a GTFS agency name, an attribution typed at upload), so escaped, never markdown."""
    lines = [str(s["attribution"]) for s in b.manifest["sources"] if s.get("attribution")]
    unique = list(dict.fromkeys(lines))
    st.divider()
    st.caption(f"{t('attribution')}: " + " / ".join(escape_for_markdown(u) for u in unique))


def hexagon_size(where: Any, options: tuple[int, ...] | list[int], *, value: int,
                 key: str) -> int:
    """The hexagon-size slider of a map: sizes a person reads ("小 (約0.1 km²)"), the H3
    resolution behind each one returned. ``where`` is ``st`` or a column."""
    return int(where.select_slider(t("resolution"), options=list(options), value=value,
                                   format_func=lambda r: t(f"hex_size_{r}"),
                                   help=t("res_help"), key=key))


def legend(title: str, vmin: float, vmax: float, *, unit: str = "", reverse: bool = False,
           decimals: int = 0, shown: Callable[[float], str] | None = None) -> None:
    """A five-step colour legend built from numbers only (no user text reaches the HTML).

    ``shown`` formats each step (:mod:`ui.format`: ``people``, ``percent``, ``distance``);
    without it a step is a plain number with ``decimals`` (a survey mean on its 1-5 scale)."""
    steps = [vmin + (vmax - vmin) * i / 4 for i in range(5)]
    text = shown or (lambda v: f"{v:,.{decimals}f}")
    cells = "".join(
        '<span style="display:inline-block;min-width:3.4em;text-align:center;'
        f'background:rgb{ramp_color(v, vmin, vmax, reverse=reverse)};'
        f'color:{"#fff" if (i >= 3) != reverse else "#000"};font-size:0.8em">'
        f'{html.escape(text(v))}</span>'
        for i, v in enumerate(steps)
    )
    st.caption(f"{t('legend')}: {title} {unit}".strip())
    st.html(f"<div>{cells}</div>")


def data_notes(b: CityBundle) -> None:
    """What the figures assume and what is missing for this city."""
    if b.has_population:
        note = b.manifest.get("assumptions", {}).get(lang())
        if note:
            st.caption(f"{t('assumption')}: {note}")
    else:
        st.info(t("no_population"))
    if b.manifest["city"].get("boundary", "").startswith("extent"):
        st.caption(t("network_extent"))
    for source in b.manifest.get("sources", []):  # what a source is known to miss
        gap = source.get("gap") or {}
        if gap.get(lang()):
            st.caption(escape_for_markdown(str(gap[lang()])))


def town_detail(towns: pd.DataFrame, code: str) -> None:
    """One town's population and, per kind with data, covered / not covered people and rate."""
    row = towns.loc[code]
    name = escape_for_markdown(str(row["name"]))  # a town name from a file: text, not markdown
    st.markdown(f"**{name}** — {t('population')}: {people(row['population'], unit=True)}"
                if pd.notna(row["population"]) else f"**{name}** — {t('no_data')}")
    rows = []
    for k in KINDS:
        rate = row.get(f"rate_{k.key}")
        if rate is None or pd.isna(rate):
            continue
        # covered + uncovered = the town's population, as shown (largest remainder)
        covered, uncovered = round_total([row[f"covered_{k.key}"], row[f"uncovered_{k.key}"]])
        rows.append({t("kind"): kind_label(k), t("covered"): people(covered),
                     t("uncovered"): people(uncovered), t("rate"): fmt_rate(rate)})
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def cell_detail(row: pd.Series, kinds: list[Any], *, radii: dict[str, float]) -> None:
    """One hexagon's figures for people: who lives there, and per facility kind how far the
    nearest one is and whether it is within walking distance."""
    pop = row.get("population")
    if pop is not None and pd.notna(pop):
        st.caption(f"{t('population')}: {people(pop, unit=True)}")
    rows = []
    for k in kinds:
        d = row.get(f"dist_{k.key}")
        if d is None or pd.isna(d):
            continue
        far = d >= MAX_DISTANCE_M
        rows.append({
            t("kind"): kind_label(k),
            t("nearest"): t("farther_than", m=f"{MAX_DISTANCE_M:,.0f}") if far
            else distance(d),
            t("within_walk"): t("yes") if d <= radii.get(k.key, 0) else t("no"),
        })
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def csv_download(label: str, frame: pd.DataFrame | Callable[[], pd.DataFrame], *,
                 file_name: str, key: str, index: bool = False) -> None:
    """A table as two CSV downloads, formula-safe, UTF-8 with BOM, made only when clicked:
    *for people* (``label``; headers in the session's language, numbers as people read them,
    :func:`ui.columns.for_people`) and *for tools* (``frame``'s stable snake_case columns,
    listed in the README). ``frame`` has machine columns only."""
    def get() -> pd.DataFrame:
        return frame() if callable(frame) else frame

    stem = file_name.removesuffix(".csv")
    c1, c2 = st.columns(2)
    c1.download_button(t("dl_people", what=label),
                       lambda: export.csv_bytes(for_people(get(), index=index)),
                       file_name=f"{stem}_{lang()}.csv", mime="text/csv", key=f"{key}_people",
                       help=t("dl_people_help"))
    c2.download_button(t("dl_tools"), lambda: export.csv_bytes(get(), index=index),
                       file_name=f"{stem}.csv", mime="text/csv", key=key,
                       help=t("dl_tools_help"))


def csv_pair(make: Callable[[], bytes], people: Callable[[bytes], pd.DataFrame], *,
             label: str, stem: str, key: str) -> None:
    """A CSV the library writes (``make``: for tools, its documented columns) and the same
    rows for people (``people`` turns it into a frame with headers in the session's
    language), as two buttons, both formula-safe and made only when clicked."""
    st.download_button(t("dl_people", what=label), lambda: export.csv_bytes(people(make())),
                       file_name=f"{stem}_{lang()}.csv", mime="text/csv",
                       key=f"{key}_people", help=t("dl_people_help"))
    st.download_button(t("dl_tools"), make, file_name=f"{stem}.csv", mime="text/csv", key=key,
                       help=t("dl_tools_help"))


def cells_downloads(cells: pd.DataFrame, *, stem: str, key: str) -> None:
    """Per-cell figures as CSV (for people and for tools) and as GeoJSON hexagons (made when
    clicked)."""
    csv_download(t("download_csv"), lambda: export.cells_frame(cells), file_name=f"{stem}.csv",
                 key=f"{key}_csv")
    st.download_button(t("download_geojson"), lambda: export.cells_geojson(cells),
                       file_name=f"{stem}.geojson", mime="application/geo+json",
                       key=f"{key}_geojson")


def chart(c: Any, *, description: str, key: str | None = None) -> None:
    """Draw an Altair chart that a screen reader can use: the whole chart carries
    ``description`` as its label. Build its marks with ``aria=False`` (Vega's unlabelled mark
    groups otherwise fail axe's ``svg-img-alt`` rule; Streamlit's theme replaces a top-level
    ``config.aria``)."""
    st.altair_chart(c.properties(description=description), key=key)


def time_chart(frame: pd.DataFrame, *, y_label: str, description: str, area: bool = False,
               key: str | None = None) -> None:
    """Monthly series (index: dates, one column per series) as an accessible line or
    stacked area chart."""
    long = frame.rename_axis("month").reset_index().melt(
        "month", var_name="series", value_name="value")
    mark = alt.Chart(long).mark_area(aria=False) if area else alt.Chart(long).mark_line(aria=False)
    month_format = vega_month_format()  # "2020年5月": Vega's own month names are English
    c = mark.encode(
        x=alt.X("month:T", title=None, axis=alt.Axis(format=month_format)),
        y=alt.Y("value:Q", title=y_label, stack="zero" if area else None),
        color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("month:T", format=month_format, title=t("chart_month")),
                 alt.Tooltip("series:N", title=t("chart_series")),
                 alt.Tooltip("value:Q", format=",.0f", title=y_label)],
    )
    chart(c, description=description, key=key)
