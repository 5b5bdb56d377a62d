"""Survey overlay helpers: cached imports and aggregation, map layers, radar and answer charts."""

from __future__ import annotations

import io
import math
from collections import Counter
from typing import Any

import altair as alt
import geopandas as gpd
import numpy as np
import pandas as pd
import pydeck as pdk
import streamlit as st

from geo import grid
from geo.participation import survey
from geo.participation.catalog import Catalog, load_catalog
from geo.participation.framework import FRAMEWORK
from geo.render import deck, export
from geo.samples.survey import sample_path

from .cache import get_bundle, get_cell_kpis, get_coverage
from .format import place
from .i18n import lang, t

#: Colours of the comment kinds on the overlay (same as the comments page).
KIND_COLORS = {"good": (26, 152, 80), "concern": (215, 48, 39), "idea": (69, 117, 180)}
AREA_COLOR = "#d7301f"
CITY_COLOR = "#4d4d4d"


@st.cache_resource(show_spinner=False)
def get_catalog() -> Catalog:
    """The factor ↔ service catalog."""
    return load_catalog()


def measure_labels() -> dict[str, str]:
    """``{measure key: label}`` for every headline and factor (a pure lookup)."""
    out = {}
    for h in FRAMEWORK.headlines:
        out[h.key] = f"★ {h.ja if lang() == 'ja' else h.en}"
    for f in FRAMEWORK.factors:
        out[f.key] = f"{f.group} / {f.ja}" if lang() == "ja" else f.en
    return out


def short_labels() -> dict[str, str]:
    """``{measure key: short name}`` in the session's language."""
    return {m: FRAMEWORK.label(m, lang=lang()) for m in FRAMEWORK.measures}


@st.cache_data(show_spinner=False)
def get_areas(city: str) -> pd.DataFrame | None:
    """Each town's res-8 and res-7 cell (None for a city without towns)."""
    b = get_bundle(city)
    if b.towns is None:
        return None
    return survey.town_areas(b.towns, b.pieces)


@st.cache_data(show_spinner=False)
def sample_bytes(city: str) -> bytes | None:
    """The shipped sample survey of a city, or None."""
    p = sample_path(city)
    return p.read_bytes() if p.exists() else None


@st.cache_data(show_spinner=False, max_entries=16)
def get_import(city: str, data: bytes, file: str, mapping: str | None) -> survey.SurveyImport:
    """Import a survey file against a city's towns (cached by content)."""
    b = get_bundle(city)
    assert b.towns is not None
    m = survey.parse_mapping(mapping, file="mapping.toml") if mapping else None
    return survey.import_survey(data, towns=b.towns[["town_code", "name"]], file=file, mapping=m)


@st.cache_data(show_spinner=False, max_entries=16)
def get_survey(city: str, data: bytes, file: str, mapping: str | None, k: int,
               sample: bool) -> survey.SurveyData:
    """Imported answers placed in areas with the disclosure table for ``k``."""
    imp = get_import(city, data, file, mapping)
    areas = get_areas(city)
    assert areas is not None
    return survey.prepare(imp.responses, areas=areas, k=k, sample=sample)


def area_names(city: str, level: str) -> dict[str, str]:
    """Display name of each area of a level: the town name, or a cell with its biggest town."""
    areas = get_areas(city)
    if areas is None:
        return {}
    if level == "town":
        return dict(zip(areas.index, areas["name"], strict=True))
    if level == "city":
        return {survey.CITY: t("city_total")}
    b = get_bundle(city)
    pop = b.towns.set_index("town_code")["population"] if b.towns is not None else None
    a = areas.assign(pop=pop.reindex(areas.index).fillna(0).to_numpy() if pop is not None else 0)
    top = a.sort_values("pop", ascending=False).groupby(level).head(1)
    # "<town>周辺" / "near <town>" after the town most of the hexagon's people live in; hexagons
    # near the same town are numbered (in cell order), never told apart by their H3 ids
    names = {str(c): place(n) for c, n in sorted(zip(top[level], top["name"], strict=True))}
    total = Counter(names.values())
    seen: Counter[str] = Counter()
    for c, n in names.items():
        seen[n] += 1
        names[c] = f"{n} ({seen[n]})" if total[n] > 1 else n
    return names


# --- map layers -------------------------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def level_cells(city: str, level: str) -> np.ndarray:
    """Every cell of a level that holds people (or network cells), as uint64 (read-only)."""
    return np.unique(grid.parents(get_bundle(city).cells, survey.LEVEL_RES[level]))


@st.cache_resource(show_spinner=False)
def town_rings(city: str) -> list[tuple[str, list[list[list[float]]]]]:
    """Each town's outer rings, simplified to about 30 m, as lon/lat lists (read-only)."""
    b = get_bundle(city)
    if b.towns is None:
        return []
    towns = b.towns.set_index("town_code")
    return [(str(code), _rings(geom)) for code, geom in towns.geometry.simplify(0.0003).items()]


@st.cache_data(show_spinner=False, max_entries=32)
def objective(city: str, mode: str, radii: tuple[tuple[str, float], ...], frequent: int,
              level: str) -> tuple[pd.DataFrame, pd.Series]:
    """Coverage rate of every kind with data per area of a level (index: town code or hex
    cell id), and the city's rate of each such kind."""
    cov = get_coverage(city, mode, radii, frequent)
    ok = [k for k in cov.summary.index if cov.summary.at[k, "status"] == "ok"]
    cols = [f"rate_{k}" for k in ok]
    if level == "town":
        frame = cov.towns[cols] if cov.towns is not None else pd.DataFrame(columns=cols)
    else:
        kpis = get_cell_kpis(city, mode, radii, frequent, survey.LEVEL_RES[level])
        frame = kpis[cols].set_axis(grid.to_strings(kpis.index.to_numpy()))
    return frame, cov.summary.loc[ok, "rate"].astype(float)


def hex_choropleth(values: pd.Series, *, city: str, level: str, vmin: float,
                   vmax: float) -> list[pdk.Layer]:
    """Shown cells coloured by value; every other populated cell grey ("fewer than k")."""
    shown = grid.to_cells(list(values.index))
    series = pd.Series(values.to_numpy(dtype=float), index=shown)
    rest = np.setdiff1d(level_cells(city, level), shown)
    grey = pdk.Layer(
        "H3HexagonLayer", id="sv_hidden",
        data=[{"h": h, "v": deck.tooltip_text(t("sv_hidden_tip"))} for h in grid.to_strings(rest)],
        get_hexagon="h", get_fill_color=[200, 200, 200, 70], get_line_color=[150, 150, 150, 120],
        line_width_min_pixels=0.5, stroked=True, filled=True, pickable=True)
    return [grey, deck.hex_layer(series, layer_id="sv_values", decimals=2, vmin=vmin, vmax=vmax)]


def _rings(geom: Any) -> list[list[list[float]]]:
    polys = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]
    return [[[round(x, 5), round(y, 5)] for x, y in p.exterior.coords] for p in polys]


def town_choropleth(values: pd.Series, *, city: str, names: dict[str, str], vmin: float,
                    vmax: float) -> list[pdk.Layer]:
    """Town polygons: shown towns coloured by value, the others grey ("fewer than k")."""
    coloured, grey = [], []
    hidden = deck.tooltip_text(t("sv_hidden_tip"))
    for code, rings in town_rings(city):
        label = deck.tooltip_text(names.get(code, code))
        if code in values.index:
            v = float(values[code])
            color = [*deck.ramp_color(v, vmin, vmax), 190]
            coloured.extend({"p": ring, "id": code, "h": label, "v": f"{v:.2f}", "c": color}
                            for ring in rings)
        else:
            grey.extend({"p": ring, "id": code, "h": label, "v": hidden} for ring in rings)
    common = {"get_polygon": "p", "stroked": True, "filled": True, "pickable": True,
              "line_width_min_pixels": 0.5}
    return [
        pdk.Layer("PolygonLayer", id="sv_hidden", data=grey, get_fill_color=[200, 200, 200, 60],
                  get_line_color=[150, 150, 150, 140], **common),
        pdk.Layer("PolygonLayer", id="sv_values", data=coloured, get_fill_color="c",
                  get_line_color=[255, 255, 255, 200], auto_highlight=True, **common),
    ]


def comment_layer(comments: pd.DataFrame, *, kinds: dict[str, str]) -> pdk.Layer:
    """Comments per res-9 cell as dots at the cell centre, coloured by the most common kind.

    The dot sits at the centre of the ~0.1 km² cell the comment was pinned to: never a
    home. Its tooltip carries counts only (no comment text).
    """
    top = comments[comments["parent_id"].isna()] if "parent_id" in comments else comments
    recs: list[dict[str, Any]] = []
    if len(top):
        cells = grid.to_cells(top["cell"].astype(str).tolist())  # the store's strings, once
        frame = pd.DataFrame({"cell": grid.parents(cells, 9), "kind": top["kind"].to_numpy()})
        counts = pd.crosstab(frame["cell"], frame["kind"]).reindex(
            columns=list(KIND_COLORS), fill_value=0)
        lon, lat = grid.centroids(counts.index.to_numpy(dtype=np.uint64))
        for (_, row), x, y in zip(counts.iterrows(), lon, lat, strict=True):
            n = int(row.sum())
            dominant = max(("concern", "idea", "good"), key=lambda k: row[k])
            text = " / ".join(f"{kinds[k]} {int(row[k])}" for k in KIND_COLORS if row[k])
            recs.append({"p": [round(float(x), 5), round(float(y), 5)], "n": n,
                         "c": [*KIND_COLORS[dominant], 230],
                         "h": deck.tooltip_text(t("sv_comments_tip", n=n)),
                         "v": deck.tooltip_text(text)})
    return pdk.Layer("ScatterplotLayer", id="sv_comments", data=recs, get_position="p",
                     get_fill_color="c", get_line_color=[255, 255, 255], stroked=True,
                     line_width_min_pixels=1.5, get_radius="60+40*n", radius_min_pixels=4,
                     radius_max_pixels=22, pickable=True)


# --- charts -----------------------------------------------------------------------------------


def radar_chart(values: pd.DataFrame, *, series_order: list[str], low: float = 1.0,
                high: float = 5.0) -> alt.LayerChart:
    """A radar of the factors: ``values`` has ``factor`` (label), ``series``, ``value``.

    Factors are spokes in framework order; a missing value (fewer than k) leaves a gap.
    """
    labels = list(dict.fromkeys(values["factor"]))
    n = len(labels)
    ang = {lab: 2 * math.pi * i / n for i, lab in enumerate(labels)}

    def xy(r: float, a: float) -> tuple[float, float]:
        return r * math.sin(a), r * math.cos(a)

    rings = []
    for level in range(int(low), int(high) + 1):
        r = (level - low) / (high - low)
        for j in range(73):
            x, y = xy(max(r, 0.002), 2 * math.pi * j / 72)
            rings.append({"ring": str(level), "j": j, "x": x, "y": y})
    pts = []
    for _, row in values.iterrows():
        if pd.isna(row["value"]):
            continue
        r = (float(row["value"]) - low) / (high - low)
        x, y = xy(r, ang[row["factor"]])
        pts.append({"series": row["series"], "factor": row["factor"],
                    "value": round(float(row["value"]), 2), "x": x, "y": y,
                    "order": labels.index(row["factor"])})
    closed = list(pts)
    for s in series_order:
        first = next((p for p in pts if p["series"] == s and p["order"] == 0), None)
        if first is not None:
            closed.append({**first, "order": n})
    lab = [{"factor": f, "x": xy(1.13, ang[f])[0], "y": xy(1.13, ang[f])[1],
            "align": "left" if xy(1, ang[f])[0] > 0.05 else
            ("right" if xy(1, ang[f])[0] < -0.05 else "center")} for f in labels]
    axis = alt.Axis(labels=False, ticks=False, domain=False, grid=False, title=None)
    sx = alt.Scale(domain=[-1.45, 1.45])
    sy = alt.Scale(domain=[-1.25, 1.25])
    colors = alt.Scale(domain=series_order, range=[AREA_COLOR, CITY_COLOR][:len(series_order)])
    ring = alt.Chart(pd.DataFrame(rings)).mark_line(
        color="#cccccc", strokeWidth=0.7, aria=False).encode(
        x=alt.X("x:Q", scale=sx, axis=axis), y=alt.Y("y:Q", scale=sy, axis=axis),
        detail="ring:N", order="j:Q")
    texts = [
        alt.Chart(pd.DataFrame([r for r in lab if r["align"] == a])).mark_text(
            aria=False, fontSize=10, baseline="middle", align=a).encode(
            x=alt.X("x:Q", scale=sx, axis=axis), y=alt.Y("y:Q", scale=sy, axis=axis),
            text="factor:N")
        for a in ("left", "right", "center") if any(r["align"] == a for r in lab)
    ]
    enc = {"x": alt.X("x:Q", scale=sx, axis=axis), "y": alt.Y("y:Q", scale=sy, axis=axis),
           "color": alt.Color("series:N", scale=colors, legend=alt.Legend(orient="bottom",
                                                                          title=None))}
    lines = alt.Chart(pd.DataFrame(closed)).mark_line(strokeWidth=2, aria=False).encode(
        order="order:Q", detail="series:N", **enc)
    dots = alt.Chart(pd.DataFrame(pts)).mark_circle(size=40, aria=False).encode(
        tooltip=[alt.Tooltip("series:N", title=t("chart_series")),
                 alt.Tooltip("factor:N", title=t("factor")),
                 alt.Tooltip("value:Q", title=t("sv_mean"), format=".2f")], **enc)
    return alt.layer(ring, *texts, lines, dots).properties(height=470)


def distribution_chart(shares: pd.DataFrame, *, series_order: list[str]) -> alt.Chart:
    """Stacked bars of answer shares: ``shares`` has ``series``, ``answer`` (int), ``share``."""
    low, high = int(shares["answer"].min()), int(shares["answer"].max())
    return alt.Chart(shares).mark_bar(aria=False).encode(
        y=alt.Y("series:N", sort=series_order, title=None),
        x=alt.X("share:Q", axis=alt.Axis(format="%"), title=t("sv_share"),
                scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("answer:O", scale=alt.Scale(scheme="redyellowgreen",
                                                    domain=list(range(low, high + 1))),
                        legend=alt.Legend(orient="bottom", title=t("sv_answer"))),
        order=alt.Order("answer:O"),
        tooltip=[alt.Tooltip("series:N", title=t("chart_series")),
                 alt.Tooltip("answer:O", title=t("sv_answer")),
                 alt.Tooltip("share:Q", format=".1%", title=t("sv_share"))],
    ).properties(height=130 + 45 * len(series_order))


# --- cached outputs (every argument is plain and hashable; the answers are keyed by content) --

Source = tuple[str, bytes, str, str | None, int, bool]
"""(city, file bytes, file name, mapping text, k, is sample): identifies one prepared survey."""


def _data(src: Source) -> survey.SurveyData:
    return get_survey(*src)


@st.cache_data(show_spinner=False, max_entries=256)
def stats(src: Source, level: str, age: str | None, sex: str | None,
          measures: tuple[str, ...] | None = None) -> pd.DataFrame:
    """:func:`geo.survey.area_stats` (publishable groups only)."""
    return survey.area_stats(_data(src), level=level, age_band=age, sex=sex,  # type: ignore[arg-type]
                             measures=measures)


@st.cache_data(show_spinner=False, max_entries=256)
def distribution(src: Source, level: str, measure: str, age: str | None,
                 sex: str | None) -> pd.DataFrame:
    """:func:`geo.survey.distribution` (publishable groups only)."""
    return survey.distribution(_data(src), level=level, measure=measure,  # type: ignore[arg-type]
                               age_band=age, sex=sex)


def for_people(csv: bytes) -> pd.DataFrame:
    """The survey download (:func:`geo.participation.survey.export_csv`, machine columns) for
    people: headers and codes (level, age band, sex) in the session's language, means and
    interval ends with two decimals."""
    frame = pd.read_csv(io.BytesIO(csv), encoding="utf-8-sig", dtype={"area": str})
    short = short_labels()
    words = {"level": lambda v: t("sv_level_" + v),
             "age_band": lambda v: t("all") if v == "all" else t("sv_age_" + v),
             "sex": lambda v: t("all") if v == "all" else t("sv_sex_" + v)}
    fixed = {"area": t("col_area_code"), "level": t("sv_level"), "age_band": t("sv_age"),
             "sex": t("sv_sex"), "name": t("sv_area"), "n": t("sv_n"),
             "k_min_respondents": t("sv_k"), "data_note": t("vac_data_label")}
    parts = {"mean": "col_sv_mean", "ci_low": "col_sv_ci_low", "ci_high": "col_sv_ci_high"}
    cols = {}
    for c in frame.columns:
        if c in words:
            frame[c] = frame[c].map(lambda v, f=words[c]: f(v) if isinstance(v, str) else v)
        if c in fixed:
            cols[c] = fixed[c]
            continue
        m, part = next((c.removesuffix("_" + p), p) for p in parts if c.endswith("_" + p))
        cols[c] = t(parts[part], m=short.get(m, m))
        frame[c] = frame[c].round(2)
    return frame.rename(columns=cols)


@st.cache_data(show_spinner=False, max_entries=64)
def downloads(src: Source, level: str, age: str | None, sex: str | None) -> tuple[bytes, str]:
    """The area table as CSV and GeoJSON (same areas as the map; labelled when sample)."""
    city = src[0]
    data = _data(src)
    names = area_names(city, level)
    csv = survey.export_csv(data, level=level, age_band=age, sex=sex,  # type: ignore[arg-type]
                            names=names)
    wide = survey.area_table(data, level=level, age_band=age, sex=sex,  # type: ignore[arg-type]
                             names=names)
    wide["k_min_respondents"] = data.k
    wide["data_note"] = survey.SAMPLE_LABEL if data.sample else ""
    b = get_bundle(city)
    if level == "town" and b.towns is not None:
        g = b.towns.set_index("town_code")[["geometry"]].join(wide, how="inner")
        text = gpd.GeoDataFrame(g.rename_axis("area").reset_index(), geometry="geometry",
                                crs=b.towns.crs).to_json(na="null", drop_id=True)
    else:
        text = export.cells_geojson(wide.set_axis(grid.to_cells(list(wide.index))))
    return csv, text
