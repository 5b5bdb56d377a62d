"""Any two scenarios side by side, and every group's scenario on maps side by side.

A and B are each today's baseline or any saved scenario of the session. The view shows A's
and B's coverage on two maps opened on the same view state (one town focus moves every map),
the difference map B − A per cell, the figures of A and B with B − A, and the radar of both.
The figures and cells come from :mod:`geo.access.comparison` (the one engine's state).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pydeck as pdk
import streamlit as st

from geo import access as sc
from geo.access import comparison as cmp
from geo.participation.store import Session, Workshop
from geo.render import deck
from geo.text import escape_for_markdown

from . import workshop as wk
from .cache import get_bundle, map_frame
from .deckmap import deck_map
from .format import people, people_change, points, rate
from .i18n import kind_labels, lang, t
from .places import town_select

#: Option key prefix of today's baseline (``"base:line"``, ``"base:network"``).
BASE = "base:"
#: Colour of a covered cell on the A and B maps (RGBA).
COVERED = (33, 113, 181, 150)
#: Colours of the difference map: covered in both, in B only, in A only (RGBA).
DIFF = {cmp.KEPT: (158, 202, 225, 110), cmp.GAINED: (26, 152, 80, 230),
        cmp.LOST: (215, 48, 39, 230)}
#: Rings round a facility that is new at its place (black) or gone from it (grey) (RGBA).
RING_NEW, RING_OLD = [0, 0, 0, 255], [110, 110, 110, 230]
MAP_HEIGHT = 360


@st.cache_resource(show_spinner=False, max_entries=64)
def stored_engine(city: str, mode: str, scenario_id: str, version: int, mods: str) -> sc.Engine:
    """A stored scenario's engine, built once per version (shared by every session: only read)."""
    return wk.baseline(city, mode).with_modifications(sc.loads(mods))


def options(ws: Workshop, session_id: str, city: str) -> dict[str, str]:
    """What A and B may be: today's baseline (per distance mode) and every saved scenario of
    the session (``group · name``), by option key."""
    modes = sc.available_modes(get_bundle(city))
    out = {f"{BASE}{m}": t("cmp_base") if len(modes) == 1 else
           t("cmp_base_mode", mode=t(f"dio_mode_{m}")) for m in modes}
    groups = {g.id: g.name for g in ws.groups(session_id)}
    for s in ws.scenarios(session_id=session_id):
        out[s.id] = f"{groups.get(s.group_id, '')} · {s.name}"
    return out


def engine_of(ws: Workshop, key: str, city: str) -> sc.Engine:
    """The engine of an option: the shared baseline, or a saved scenario's engine."""
    if key.startswith(BASE):
        return wk.baseline(city, key[len(BASE):])
    s = ws.scenario(key)
    return stored_engine(s.city, s.mode, s.id, s.version, s.modifications)


def view(b: Any, town: str | None, height: int = MAP_HEIGHT) -> pdk.ViewState:
    """The one view state of every map: the city, or the chosen town."""
    area = b.boundary
    if town is not None and b.towns is not None:
        area = b.towns[b.towns["town_code"] == town]
    return deck.view_of(area, height_px=height)


def _new_places(eng: sc.Engine, ref: sc.Engine, kind: str) -> list[list[float]]:
    """Where ``eng`` has a facility of ``kind`` that ``ref`` has not at that place (added or
    moved), as ``[lon, lat]``."""
    def places(e: sc.Engine) -> set[tuple[str, float, float]]:
        f = e.facilities(kind)
        return {(str(i), round(float(p.x), 5), round(float(p.y), 5))
                for i, p in zip(f["id"], f.geometry, strict=True)}

    return [[x, y] for _, x, y in sorted(places(eng) - places(ref))]


def _ring(places: list[list[float]], layer_id: str, color: list[int]) -> list[pdk.Layer]:
    """A ring round each place (drawn over everything, never pickable)."""
    if not places:
        return []
    return [pdk.Layer(
        "ScatterplotLayer", id=layer_id, pickable=False, stroked=True, filled=False,
        data=[{"p": p} for p in places], get_position="p", get_line_color=color,
        line_width_min_pixels=3, radius_min_pixels=9, radius_max_pixels=14, get_radius=80,
        parameters={"depthCompare": "always"})]


def _facilities(eng: sc.Engine, ref: sc.Engine, kind: str, prefix: str) -> list[pdk.Layer]:
    """Facilities of ``kind`` (tooltip: name, kind) and a black ring round those added or
    moved against ``ref`` (today's baseline)."""
    fac = eng.facilities(kind)
    if not len(fac):
        return []
    dots = deck.facility_layer(fac, kind=kind, label=wk.kind_name(kind))
    dots.id = f"{prefix}_fac"
    # small points: on a map of the whole city, hundreds of them must not hide the coverage
    dots.radius_min_pixels, dots.radius_max_pixels = 2, 8
    return [dots, *_ring(_new_places(eng, ref, kind), f"{prefix}_new", RING_NEW)]


def side_layers(b: Any, eng: sc.Engine, kind: str, prefix: str) -> list[pdk.Layer]:
    """One side's map: the cells within walking distance of ``kind``, the outline, the
    facilities (the one pickable layer)."""
    cells = eng.cells[eng.covered(kind)]
    cov = deck.state_layer(cells, np.zeros(len(cells), int), [COVERED], layer_id=f"{prefix}_cov")
    return [cov, *map_frame(b.id),
            *_facilities(eng, wk.baseline(b.id, eng.mode), kind, prefix)]


def diff_layers(b: Any, a: sc.Engine, other: sc.Engine, kind: str,
                tips: tuple[str, str] = ("cmp_only_b", "cmp_only_a")) -> list[pdk.Layer]:
    """The difference map B − A: cells covered in both (pale), in B only (green) and in A
    only (red), rings where the facilities differ; the changed cells carry their people in
    the tooltip (the pickable layer;
    ``tips``: the catalogue keys of its words for B only and A only)."""
    cs = cmp.cell_states(a, other, kind)
    kept, changed = cs[cs["state"] == cmp.KEPT], cs[cs["state"] != cmp.KEPT]
    words = [t(tips[0] if s == cmp.GAINED else tips[1])
             + ("" if math.isnan(p) else f" · {people(p, unit=True)}")
             for s, p in zip(changed["state"], changed["people"], strict=True)]
    return [
        deck.state_layer(kept.index.to_numpy(), np.zeros(len(kept), int), [DIFF[cmp.KEPT]],
                         layer_id="diff_kept"),
        *map_frame(b.id),
        deck.state_layer(changed.index.to_numpy(), changed["state"].to_numpy() - 1,
                         [DIFF[cmp.GAINED], DIFF[cmp.LOST]], layer_id="diff_changed",
                         labels=words, pickable=True, outline_px=3),
        # where B has a facility that A has not (black), and A one that B has not (grey)
        *_ring(_new_places(other, a, kind), "diff_new", RING_NEW),
        *_ring(_new_places(a, other, kind), "diff_old", RING_OLD),
    ]


def draw(layers: list[pdk.Layer], v: pdk.ViewState, *, key: str, pick: str,
         tooltip: str, height: int = MAP_HEIGHT) -> None:
    """One map of the comparison (no click selection: these maps are for looking)."""
    deck_map(deck.deck(layers, view=v, pick=pick, tooltip=tooltip), height=height, key=key)


def pair_table(a: sc.Engine, b: sc.Engine) -> pd.DataFrame:
    """B − A and the figures of A and B for every kind that has facilities on either side
    (whole people, rates in % with one decimal, changes in points)."""
    f = cmp.pair_figures(a, b)
    f = f[(f["facilities_a"] > 0) | (f["facilities_b"] > 0)]
    names = kind_labels()
    cov, rt = t("dio_covered"), t("dio_rate")
    return pd.DataFrame({
        t("dio_kind"): [names[k] for k in f.index],
        # the difference first: on a phone it is the column seen without scrolling
        f"B − A {cov}": [people_change(v) for v in f["covered_diff"]],
        f"A {cov}": [people(v) for v in f["covered_a"]],
        f"B {cov}": [people(v) for v in f["covered_b"]],
        f"B − A {rt}": [points(v) for v in f["rate_diff"]],
        f"A {rt}": [rate(v) for v in f["rate_a"]],
        f"B {rt}": [rate(v) for v in f["rate_b"]],
        f"B − A {t('dio_cells')}": [people_change(v) for v in f["cells_diff"]],
    })


def radar(a: sc.Engine, b: sc.Engine, names: tuple[str, str], key: tuple[Any, ...]) -> bytes:
    """Radar of the objective factor scores, A and B (drawn once per pair, version and
    language: matplotlib is slow)."""
    from geo.participation import minutes
    from geo.participation.store import FACTORS

    cache = st.session_state.setdefault("cmp_radar", {})
    full = (*key, lang())
    if full not in cache:
        fk = wk.factor_kinds()
        ja = lang() == "ja" and minutes.cjk_font() is not None
        cache.clear()  # one pair at a time per view
        cache[full] = minutes.radar_png(
            sc.factor_scores(a, fk), sc.factor_scores(b, fk),
            labels=None if ja else {f.ja: f.en for f in FACTORS}, names=names)
    return cache[full]  # type: ignore[no-any-return]


def _version(ws: Workshop, key: str) -> object:
    return key if key.startswith(BASE) else ws.scenario(key).version


def _headline(a: sc.Engine, b: sc.Engine, kind: str) -> None:
    """A and B of the chosen kind, with B − A."""
    f = cmp.pair_figures(a, b, [kind]).loc[kind]
    m1, m2, m3 = st.columns(3)
    if "ok" in (f["status_a"], f["status_b"]):
        cov = t("dio_covered")
        m1.metric(f"A {cov}", people(f["covered_a"]))
        m2.metric(f"B {cov}", people(f["covered_b"]), people_change(f["covered_diff"]))
        m3.metric(f"B {t('dio_rate')}", rate(f["rate_b"]), points(f["rate_diff"]))
    else:
        st.caption(t("dio_no_pop"))
        m1.metric(f"A {t('dio_cells')}", people(f["cells_a"]))
        m2.metric(f"B {t('dio_cells')}", people(f["cells_b"]), people_change(f["cells_diff"]))


def _pick(ws: Workshop, session_id: str, city: str, key: str,
          default_b: str | None) -> tuple[str, str, str, dict[str, str]] | None:
    """The A, B and kind pickers; None (with a note) when there is nothing to compare."""
    opts = options(ws, session_id, city)
    keys = list(opts)
    if len(keys) < 2:
        st.info(t("cmp_no_scenarios"))
        return None
    kinds = kind_labels()
    c1, c2, c3 = st.columns(3)
    a_key = c1.selectbox(t("cmp_a"), keys, index=0, format_func=opts.__getitem__,
                         key=f"{key}_a", placeholder=t("choose"))
    b_key = c2.selectbox(t("cmp_b"), keys, format_func=opts.__getitem__, key=f"{key}_b",
                         index=keys.index(default_b) if default_b in opts else len(keys) - 1,
                         placeholder=t("choose"))
    kind = c3.selectbox(t("dio_kind"), list(kinds), index=list(kinds).index("bus_stop"),
                        format_func=kinds.__getitem__, key=f"{key}_kind", placeholder=t("choose"))
    if a_key == b_key:
        st.info(t("cmp_same"))
        return None
    return str(a_key), str(b_key), str(kind), opts


@st.fragment
def section(ws: Workshop, session_id: str, city: str, *, key: str = "cmp",
            default_b: str | None = None) -> None:
    """The comparison of any two of the session's scenarios (a fragment: picking reruns
    only this part of the page)."""
    st.subheader(t("cmp_title"))
    st.caption(t("cmp_intro"))
    picked = _pick(ws, session_id, city, key, default_b)
    if picked is None:
        return
    a_key, b_key, kind, opts = picked
    b = get_bundle(city)
    ea, eb = engine_of(ws, a_key, city), engine_of(ws, b_key, city)
    if ea.mode != eb.mode:
        st.warning(t("cmp_modes_differ", a=t(f"dio_mode_{ea.mode}"), b=t(f"dio_mode_{eb.mode}")))
    town = town_select(b, key=f"{key}_town", label=t("cmp_focus"))
    v = view(b, town)
    st.caption(t("cmp_same_view"))
    left, right = st.columns(2)
    for col, eng, side, opt in ((left, ea, "A", a_key), (right, eb, "B", b_key)):
        with col:
            st.markdown(f"**{side}: {escape_for_markdown(opts[opt])}**")
            draw(side_layers(b, eng, kind, side.lower()), v, key=f"{key}_map_{side}",
                 pick=f"{side.lower()}_fac", tooltip="{h}\n{v}")
    st.caption(t("cmp_legend_side", kind=wk.kind_name(kind)))
    st.markdown(f"**{t('cmp_map_diff')}**")
    draw(diff_layers(b, ea, eb, kind), v, key=f"{key}_map_diff", pick="diff_changed",
         tooltip="{v}")
    st.caption(t("cmp_legend_diff"))
    _headline(ea, eb, kind)
    st.markdown(f"**{t('cmp_table')}**")
    st.dataframe(pair_table(ea, eb), hide_index=True, key=f"{key}_table")
    st.markdown(f"**{t('cmp_radar')}**")
    pair = (a_key, _version(ws, a_key), b_key, _version(ws, b_key))
    st.image(radar(ea, eb, ("A", "B"), pair), alt=t("cmp_radar"), width=420)


@st.fragment
def group_maps(ws: Workshop, session: Session, *, key: str = "wsg") -> None:
    """Every group's chosen scenario on its own map, side by side on the same view: what it
    changes against today (the facilitator's view)."""
    st.subheader(t("cmp_groups_title"))
    st.caption(t("cmp_groups_intro"))
    b = get_bundle(session.city)
    groups = ws.groups(session.id)
    scenarios = ws.scenarios(session_id=session.id)
    kinds = kind_labels()
    c1, c2 = st.columns(2)
    kind = c1.selectbox(t("dio_kind"), list(kinds), index=list(kinds).index("bus_stop"),
                        format_func=kinds.__getitem__, key=f"{key}_kind", placeholder=t("choose"))
    with c2:
        town = town_select(b, key=f"{key}_town", label=t("cmp_focus"))
    v = view(b, town, 300)
    per_row = 3
    for start in range(0, len(groups), per_row):
        row = groups[start:start + per_row]
        for col, g in zip(st.columns(per_row), row, strict=False):
            with col, st.container(border=True):
                _group_map(b, g, [s for s in scenarios if s.group_id == g.id], kind, v, key)
    st.caption(t("cmp_legend_diff_base"))


def _group_map(b: Any, g: Any, mine: list[Any], kind: str, v: pdk.ViewState, key: str) -> None:
    """One group's card: its scenario picker (the latest saved first chosen), its map
    against today and the change of the kind's figures."""
    st.markdown(f"**{escape_for_markdown(g.name)}**")
    if not mine:
        st.caption(t("cmp_group_none"))
        return
    names = {s.id: s.name for s in mine}
    latest = max(mine, key=lambda s: s.updated_at).id
    sid = st.selectbox(t("cmp_group_pick"), list(names), index=list(names).index(latest),
                       format_func=names.__getitem__, key=f"{key}_{g.id}", placeholder=t("choose"))
    s = next(s for s in mine if s.id == sid)
    eng = stored_engine(s.city, s.mode, s.id, s.version, s.modifications)
    base = wk.baseline(s.city, s.mode)
    draw(diff_layers(b, base, eng, kind, ("dio_gained", "dio_lost")), v,
         key=f"{key}_map_{g.id}", pick="diff_changed", tooltip="{v}", height=300)
    f = cmp.pair_figures(base, eng, [kind]).loc[kind]
    if f["status_b"] == "ok":
        st.caption(t("cmp_group_change", d=people_change(f["covered_diff"]),
                     r0=rate(f["rate_a"]), r1=rate(f["rate_b"])))
    else:
        st.caption(t("cmp_group_cells", d=people_change(f["cells_diff"])))
