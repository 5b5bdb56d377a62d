"""Proposals in the UI: a facility proposed with an idea, what it would change, the list most
people gained first, the layer on the comments map, and pulling one into a workshop scenario.

The figures come from the one scenario engine (the city's locked baseline shared with the
workshop, :func:`ui.workshop.baseline`, on the walking network where the city has one) and
are stored with the comment in its transaction. When they cannot be computed the comment and
its proposal are posted all the same and the poster is told why, in their language.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pydeck as pdk
import streamlit as st

from geo import access as sc
from geo import grid
from geo.errors import DioramaError
from geo.ingest.bundle import CityBundle
from geo.participation import proposals as pr
from geo.participation.store import (
    PROPOSAL_KINDS,
    Proposal,
    ProposalFigures,
    ShapeDraft,
    Store,
    factor_by_key,
)
from geo.text import escape_for_markdown

from . import format as fmt
from . import voices as v
from . import workshop as wk
from .i18n import kind_labels, lang, t
from .places import town_names, town_of

logger = logging.getLogger(__name__)

#: Proposals in the list on the comments page and on the diorama.
LIST_SIZE = 10
#: Colour of a proposed facility on the comments map (RGBA).
COLOR = (255, 127, 0, 235)


# --- posting ------------------------------------------------------------------------------

def kinds_with_data(b: CityBundle) -> set[str]:
    """The facility kinds the city's bundle has (the others' figures cannot be computed)."""
    return set(b.facilities["kind"].astype(str)) if b.facilities is not None else set()


def facility_field(b: CityBundle, n: int) -> None:
    """In the comment form: the facility an idea proposes (none by default)."""
    names, have = kind_labels(), kinds_with_data(b)
    options: dict[str | None, str] = {None: t("prop_none")}
    options |= {k: names[k] if k in have else t("prop_kind_no_data", kind=names[k])
                for k in PROPOSAL_KINDS}
    st.selectbox(t("prop_field"), list(options), format_func=options.__getitem__,
                 key=f"c_prop_{n}", help=t("prop_field_help"), placeholder=t("choose"))


def _figures(b: CityBundle, kind: str, cell: str,
             mode: sc.Mode) -> tuple[ProposalFigures | None, str | None]:
    """The figures of a facility of ``kind`` proposed at the pin ``cell``, or why not."""
    try:
        return pr.proposal_figures(wk.baseline(b.id, mode), kind, pr.facility_cell(cell),
                                   pieces=b.pieces, town_names=town_names(b)), None
    except DioramaError as exc:
        return None, v.error_text(exc)
    except Exception:  # the comment is posted all the same; the poster is told
        logger.exception("the figures of a proposal could not be computed")
        return None, t("prop_failed")


def post_from_form(store: Store, b: CityBundle, n: int, cell: str, factor: str | None, *,
                   shape: ShapeDraft | None = None) -> None:
    """The comment form's callback: an idea with a facility gets its figures computed and
    stored with it (:func:`ui.voices.post_from_form` posts it, with its area or route)."""
    ss = st.session_state
    kind = ss.get(f"c_prop_{n}")
    if kind is None:
        v.post_from_form(store, b, n, cell, factor, shape=shape)
        return
    if ss.get(f"c_kind_{n}") != "idea":
        ss["c_error"] = t("prop_need_idea")
        return
    mode = pr.best_mode(sc.available_modes(b))
    figures, problem = _figures(b, kind, cell, mode)
    before = ss.get("c_last")
    v.post_from_form(store, b, n, cell, factor, proposal=pr.draft(kind, cell, mode, figures),
                     shape=shape)
    last = ss.get("c_last")
    if last and last is not before:  # posted now: the dialog shows what it changes
        last["proposal"] = True
        if problem:
            last["proposal_error"] = problem


def in_dialog(last: dict[str, Any]) -> None:
    """In the confirmation after posting: what the proposed facility changes (or why that
    could not be computed)."""
    if not last.get("proposal"):
        return
    p = v.get_store().proposal(int(last["id"]))
    if p is None:
        return
    st.markdown(f"**{t('prop_changes', kind=kind_name(p.kind))}**")
    if last.get("proposal_error") or p.figures is None:
        st.warning(t("prop_not_computed", why=last.get("proposal_error") or t("prop_failed")))
        return
    show_figures(p)


# --- what a proposal changes, in words ------------------------------------------------------

def kind_name(kind: str) -> str:
    """A facility kind's name in the session's language."""
    return kind_labels().get(kind, kind)


def _change(before: float | None, after: float | None) -> str:
    """A rate's change in points; a positive change that rounds to nothing says so."""
    if before is None or after is None:
        return fmt.DASH
    d = after - before
    if 0 < d < 0.0005:
        return t("prop_tiny")
    return fmt.points(d)


def gained_text(p: Proposal) -> str:
    """People (or, without population, cells) newly within walking distance, with a sign."""
    f = p.figures
    if f is None:
        return t("prop_no_figures")
    if f.people_gained is not None:
        return t("prop_people_n", n=fmt.people_change(f.people_gained))
    return t("prop_cells_n", n=fmt.people_change(f.cells_gained))


def _towns_line(p: Proposal) -> str:
    f = p.figures
    if f is None or not f.towns:
        return t("prop_no_town")
    shown = [t("prop_town_n", town=escape_for_markdown(g.name or g.code),
               n=fmt.people_change(g.people)) for g in f.towns[:5]]
    more = t("prop_more_towns", n=len(f.towns) - 5) if len(f.towns) > 5 else ""
    return ("、" if lang() == "ja" else ", ").join(shown) + more


def _factors_line(p: Proposal) -> str:
    f = p.figures
    if f is None or not f.factors:
        return t("prop_no_factor")
    out = []
    for m in f.factors:
        factor = factor_by_key(m.factor)
        name = (factor.ja if lang() == "ja" else factor.en) if factor else m.factor
        out.append(f"{name} {fmt.rate(m.before)} → {fmt.rate(m.after)} "
                   f"({_change(m.before, m.after)})")
    return ("、" if lang() == "ja" else ", ").join(out)


def show_figures(p: Proposal) -> None:
    """People newly within walking distance, the city's rate before → after, the towns that
    gain and the Well-Being factors it moves."""
    f = p.figures
    if f is None:
        st.caption(t("prop_no_figures"))
        return
    c1, c2 = st.columns(2)
    if f.people_gained is not None:
        c1.metric(t("prop_people"), fmt.people_change(f.people_gained))
    else:
        c1.metric(t("prop_cells"), fmt.people_change(f.cells_gained))
    c2.metric(t("prop_rate", kind=kind_name(p.kind)), fmt.rate(f.rate_after),
              _change(f.rate_before, f.rate_after) if f.rate_before is not None else None,
              help=t("prop_rate_help", before=fmt.rate(f.rate_before)))
    st.markdown(f"**{t('prop_towns')}** {_towns_line(p)}")
    st.markdown(f"**{t('prop_factors')}** {_factors_line(p)}")
    st.caption(t("prop_method", mode=t(f"dio_mode_{p.mode}")))


def summary(p: Proposal, b: CityBundle) -> str:
    """One proposal in one line (number, facility, place, people gained, +1s): no user text."""
    where = fmt.place(town_of(b, p.cell))
    return t("prop_summary", id=p.id, kind=kind_name(p.kind), place=where,
             gained=gained_text(p), plus=fmt.count(p.comment.plus_ones))


# --- the comments page: the list and the layer ----------------------------------------------

def section(store: Store, b: CityBundle, session_id: str) -> None:
    """The city's proposals, most people gained first, with their figures and +1."""
    st.subheader(t("prop_list"))
    total = store.count_proposals(city=b.id)
    st.caption(t("prop_list_note", n=fmt.count(total)))
    factors = v.factor_labels()
    plussed = st.session_state.setdefault("c_plus", set())
    for p in store.proposals(city=b.id, limit=LIST_SIZE):
        with st.container(border=True):
            st.markdown(f"**{escape_for_markdown(summary(p, b))}**")
            v.show_comment(p.comment, factors=factors)
            with st.expander(t("prop_details")):
                show_figures(p)
            st.button(f"+1 ({p.comment.plus_ones})", key=f"prop_plus_{p.id}",
                      disabled=p.id in plussed, on_click=v.plus_one,
                      args=(store, p.id, session_id))


def layers(store: Store, city: str) -> tuple[Any, ...]:
    """The proposed facilities as points on the comments map (cached until the city's
    comments change; not pickable: the pin grid is the map's one pickable layer)."""
    return _layers(v.store_location(), city, store.data_version(city=city))


@st.cache_resource(show_spinner=False, max_entries=32)
def _layers(location: str, city: str, version: int) -> tuple[Any, ...]:
    found = v.get_store().proposals(city=city, limit=500)
    if not found:
        return ()
    lon, lat = grid.centroids(grid.to_cells([p.cell for p in found]))
    recs = [{"p": [round(float(x), 5), round(float(y), 5)]} for x, y in zip(lon, lat,
                                                                           strict=True)]
    return (pdk.Layer("ScatterplotLayer", id="proposals", data=recs, get_position="p",
                      get_fill_color=list(COLOR), get_line_color=[0, 0, 0], stroked=True,
                      line_width_min_pixels=2, radius_min_pixels=6, radius_max_pixels=14,
                      get_radius=60, pickable=False, parameters={"depthCompare": "always"}),)


# --- the diorama: a proposal into the group's scenario in one click ---------------------------

def pull_block(scenario_id: str, b: CityBundle, place: Any,
               edit: Callable[[str, Callable[[], sc.Modification | None]], None]) -> None:
    """The city's proposals, most people gained first: one click adds the chosen one to the
    scenario (named after it, its source the proposal), chooses its place and kind."""
    ss = st.session_state
    st.subheader(t("prop_pull"))
    found = v.get_store().proposals(city=b.id, limit=LIST_SIZE)
    if not found:
        st.caption(t("prop_pull_none"))
        return
    st.caption(t("prop_pull_note"))
    by_id = {p.id: p for p in found}
    if ss.get("dio_prop_pick") not in by_id:
        ss["dio_prop_pick"] = found[0].id
    lines = {p.id: summary(p, b) for p in found}
    pick = st.selectbox(t("prop_pull_pick"), list(lines), format_func=lines.__getitem__,
                        key="dio_prop_pick", placeholder=t("choose"))
    chosen = by_id.get(pick) if isinstance(pick, int) else None
    if chosen is not None:  # in full (a phone cuts the list's lines): figures and the idea
        f = chosen.figures
        rate = "" if f is None or f.rate_before is None else (
            f" · {kind_name(chosen.kind)} {fmt.rate(f.rate_before)} → {fmt.rate(f.rate_after)}")
        said = chosen.comment.text if len(chosen.comment.text) <= 160 else (
            chosen.comment.text[:160] + "…")
        st.caption(escape_for_markdown(f"{gained_text(chosen)}{rate} · {said}"))

    def take() -> sc.Modification | None:
        p = v.get_store().proposal(int(ss["dio_prop_pick"]))
        if p is None:
            raise pr.ProposalError("この提案は非表示になったか、削除されました。",
                                   "This proposal was hidden or deleted.")
        place.set(p.cell)
        ss["dio_kind"] = p.kind
        return pr.pull(p.id, p.kind, p.cell, name=t("prop_facility_name", id=p.id))

    st.button(t("prop_pull_add"), key="dio_prop_add", on_click=edit, args=(scenario_id, take))
