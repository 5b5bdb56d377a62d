"""The diorama page's parts: the scenario map, edits taken in callbacks, figures, radar.

An edit is applied in its button's callback (incremental recompute, then an optimistic save),
and the map and figures live in one ``st.fragment``: a click or an edit reruns only that
part of the page, not the scenario list, the suggestions' inputs or the comments below.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pydeck as pdk
import streamlit as st

from geo import access as sc
from geo.errors import DioramaError
from geo.participation.store import Scenario
from geo.render import deck

from . import format as fmt
from . import proposals
from . import workshop as wk
from .i18n import lang, t
from .voices import base_layers, error_text

#: Colour of each coverage state of the difference map: kept, gained, lost (RGBA).
DIFF_COLORS = ((158, 202, 225, 120), (26, 152, 80, 220), (215, 48, 39, 220))
FLASH = "dio_flash"
ERROR = "dio_error"


@st.cache_resource(show_spinner=False, max_entries=64)
def _covered_today(city: str, mode: str, kind: str) -> pdk.Layer:
    """The res-10 cells ``kind`` covers in the baseline, pale: the same layer for every
    scenario and edit (the browser keeps it drawn; it is most of the map's cells)."""
    base = wk.baseline(city, mode)
    cells = base.cells[base.covered(kind)]
    return deck.state_layer(cells, np.zeros(len(cells), dtype=int), [DIFF_COLORS[0]],
                            layer_id="diff_today")


def diff_layers(city: str, mode: str, base: sc.Engine, scen: sc.Engine,
                kind: str) -> list[pdk.Layer]:
    """Coverage of ``kind``: today's (pale blue), and on top the res-10 cells the scenario
    gains (green) or loses (red).

    An edit changes only the top layer (a few hundred cells): redrawing every covered cell
    with its state made the browser busy for 0.65-0.75 s after each edit (deck.gl computes
    the hexagons of a changed layer anew), before the new figures could show.
    """
    before, after = base.covered(kind), scen.covered(kind)
    changed = before != after
    states = np.where(after[changed], 0, 1)  # 0 gained, 1 lost
    return [_covered_today(city, mode, kind),
            deck.state_layer(base.cells[changed], states, list(DIFF_COLORS[1:]),
                             layer_id="diff")]


def layers(b: Any, mode: str, base: sc.Engine, scen: sc.Engine, kind: str,
           sites: pd.DataFrame | None = None) -> list[pdk.Layer]:
    """Pin grid (the one pickable layer: unpickable layers above it never block a click),
    coverage today and its changes (``base`` is the baseline of ``b`` in ``mode``), outline,
    facilities and suggested sites."""
    pin, *frame = base_layers(b.id)
    out = [pin, *diff_layers(b.id, mode, base, scen, kind), *frame]
    fac = scen.facilities(kind)
    if len(fac):
        out.append(deck.facility_layer(fac, kind=kind, label=wk.kind_name(kind)))
    if sites is not None and len(sites):
        out.append(pdk.Layer(
            "H3HexagonLayer", id="sites", data=[{"h": c} for c in sites["cell"]],
            get_hexagon="h", get_fill_color=[255, 127, 0, 230], stroked=True,
            get_line_color=[0, 0, 0], line_width_min_pixels=2, pickable=False))
    return out


def edit(scenario_id: str, make: Callable[[], sc.Modification | None]) -> None:
    """Button callback: build the modification from the widgets' current values, apply it
    incrementally and save it; the fragment's rerun then shows the new figures."""
    ss = st.session_state
    try:
        mod = make()
        if mod is None:
            return
        s = wk.workshop().scenario(scenario_id)
        before = wk.scenario_engine(s).figures([mod.kind]).loc[mod.kind]
        saved, _, ms = wk.apply_and_save(s, mod)
    except DioramaError as exc:
        ss[ERROR] = error_text(exc)
        return
    after = wk.scenario_engine(saved).figures([mod.kind]).loc[mod.kind]
    what = wk.kind_name(mod.kind)
    if after["status"] == "ok" and before["status"] == "ok":
        ss[FLASH] = t("dio_changed", kind=what, ms=ms,
                      d=fmt.people_change(round(after["covered"]) - round(before["covered"])),
                      r0=fmt.rate(before["rate"]), r1=fmt.rate(after["rate"]))
    else:
        ss[FLASH] = t("dio_changed_cells", kind=what, ms=ms,
                      d=fmt.people_change(after["cells_covered"] - before["cells_covered"]))


def radar(s: Scenario, base: sc.Engine, eng: sc.Engine) -> bytes:
    """The radar PNG, drawn once per scenario version and language (matplotlib is slow)."""
    key = (s.id, s.version, lang())
    cached = st.session_state.get("dio_radar")
    if cached and cached[0] == key:
        return cached[1]  # type: ignore[no-any-return]
    png = wk.radar(base, eng)
    st.session_state["dio_radar"] = (key, png)
    return png


def mod_line(m: sc.Modification, names: dict[str, str], place: Callable[[str], str],
             facilities: dict[str, str]) -> str:
    """One modification in words (kind name, facility name, place), never internal ids.

    ``facilities`` maps facility ids to names (baseline and scenario), for moved and removed
    facilities whose modification carries no name."""
    what = names.get(m.kind, m.kind)
    if m.op == "radius":
        return t("dio_mod_radius", kind=what, m=fmt.distance(m.radius_m))
    label = m.name or facilities.get(m.facility or "") or what
    where = place(m.cell) if m.cell else ""
    return t(f"dio_mod_{m.op}", kind=what, name=label, place=where)


def facility_names(eng: sc.Engine, kind: str) -> dict[str, str]:
    """Facility id → its name (★ when added in the scenario), for the facility list."""
    fac = eng.facilities(kind)
    return {str(r.id): f"{r.name or wk.kind_name(kind)}" + (" ★" if r.added else "")
            for r in fac.itertuples()}


def figures(s: Scenario, base: sc.Engine, eng: sc.Engine, kind: str, kinds: dict[str, str],
            place: Callable[[str], str]) -> None:
    """Before / after for the chosen kind, the table of every kind, the radar, the edits."""
    st.subheader(t("dio_before_after"))
    f0, f1 = base.figures([kind]).loc[kind], eng.figures([kind]).loc[kind]
    m1, m2, m3 = st.columns(3)
    if f1["status"] == "ok" or f0["status"] == "ok":
        m1.metric(t("dio_covered"), fmt.people(f1["covered"]),  # the change as shown
                  fmt.people_change(round(f1["covered"]) - round(f0["covered"])))
        m2.metric(t("dio_rate"), fmt.rate(f1["rate"]), fmt.points(f1["rate"] - f0["rate"]))
    else:
        st.caption(t("dio_no_pop"))
    m3.metric(t("dio_cells"), fmt.count(f1["cells_covered"]),
              fmt.people_change(f1["cells_covered"] - f0["cells_covered"]))
    st.dataframe(wk.before_after_table(base, eng), hide_index=True, key="dio_table")
    r1, r2 = st.columns([2, 3])
    r1.markdown(f"**{t('dio_radar')}**")
    r1.image(radar(s, base, eng), alt=t("dio_radar"))
    with r2:
        st.markdown(f"**{t('dio_mods')}**")
        # names of the moved and removed facilities (their modifications carry none), read
        # for their kinds only: every kind's table took ~0.1 s of each edit's run
        named = {m.kind for m in eng.mods if m.op in ("move", "remove")}
        known = {**_names(base, named), **_names(eng, named)}
        for i, m in enumerate(eng.mods, 1):
            st.text(f"{i}. {mod_line(m, kinds, place, known)}")


def _names(eng: sc.Engine, kinds: set[str]) -> dict[str, str]:
    """Facility id → name over these kinds."""
    out: dict[str, str] = {}
    for kind in sorted(kinds):
        f = eng.facilities(kind)
        out.update({str(i): str(n) for i, n in zip(f["id"], f["name"], strict=True) if n})
    return out


def sites_table(sites: pd.DataFrame, words: Callable[[str], str]) -> pd.DataFrame:
    """Suggested sites for people: rank, place in words, whole people gained."""
    return pd.DataFrame({
        t("dio_site_rank_col"): sites["rank"].astype(int).to_numpy(),
        t("dio_site_place"): [words(str(c)) for c in sites["cell"]],
        t("dio_site_new"): [fmt.people(v) for v in sites["new_covered"]],
        t("dio_site_cumulative"): [fmt.people(v) for v in sites["cumulative"]],
    })


def suggestions_block(scenario_id: str, eng: sc.Engine, kind: str, place: Any,
                      words: Callable[[str], str]) -> None:
    """Where one more facility of ``kind`` covers the most people not yet covered."""
    ss = st.session_state
    st.subheader(t("dio_suggest"))
    n = st.number_input(t("dio_suggest_n"), 1, 10, 3, key="dio_suggest_n")
    if st.button(t("dio_suggest_run"), key="dio_suggest_run"):
        ss["dio_sites"], ss["dio_sites_kind"] = wk.suggestions(eng, kind, int(n)), \
            (scenario_id, kind)
        st.rerun(scope="fragment")
    sites = ss.get("dio_sites") if ss.get("dio_sites_kind") == (scenario_id, kind) else None
    if sites is None or not len(sites):
        return
    ranks = [int(r) for r in sites["rank"]]
    st.dataframe(sites_table(sites, words), hide_index=True, key="dio_sites_table")
    st.selectbox(t("dio_site_pick"), ranks, key="dio_site_pick",
                 format_func=lambda r: t("dio_site_rank", rank=r), placeholder=t("choose"))

    def at_site() -> sc.Modification | None:
        row = sites[sites["rank"] == ss["dio_site_pick"]].iloc[0]
        place.set(str(row["cell"]))
        ss.pop("dio_sites", None)
        return sc.add(kind, str(row["cell"]), name=t("dio_site_name", rank=int(row["rank"])))

    st.button(t("dio_add_site"), key="dio_add_site", on_click=edit, args=(scenario_id, at_site))


def proposals_block(scenario_id: str, b: Any, place: Any) -> None:
    """Citizens' proposals of the city, most people gained first: one click adds one to the
    scenario, which names it as the facility's source (:func:`ui.proposals.pull_block`)."""
    proposals.pull_block(scenario_id, b, place, edit)
