"""Comments in the UI: the shared store, the pin grid, and rendering a comment as inert text."""

from __future__ import annotations

import hashlib
import sqlite3
import uuid
from collections.abc import Callable
from datetime import timedelta, timezone
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from geo import grid
from geo.errors import DioramaError
from geo.ingest.bundle import CityBundle
from geo.participation.places import PinTowns, pin_towns
from geo.participation.store import (
    FACTORS,
    AuditEntry,
    Comment,
    IdempotencyConflict,
    ProposalDraft,
    ShapeDraft,
    Store,
    open_store,
)
from geo.render import deck
from geo.settings import settings
from geo.text import escape_for_markdown

from .audit_words import audit_detail, audit_reason
from .cache import get_bundle, map_frame
from .i18n import lang, t
from .photos import form_photo

#: Resolution at which citizens pin comments: about 0.1 km², so a pin never points to a house.
PIN_RESOLUTION = 9
#: Dates are shown in Japan time, whatever the server's clock says.
JST = timezone(timedelta(hours=9), "JST")
KIND_COLORS = {"good": (26, 152, 80), "concern": (215, 48, 39), "idea": (69, 117, 180)}
KIND_ICONS = {"good": ":material/thumb_up:", "concern": ":material/warning:",
              "idea": ":material/lightbulb:"}
SHAPE_ICONS = {"area": ":material/pentagon:", "route": ":material/route:"}


def retention_days() -> int:
    """How long comments are kept, in days."""
    return settings().retention_days


def store_location() -> str:
    """Where the store lives: ``DIORAMA_DATABASE_URL``, else the SQLite data directory."""
    return settings().store_location


@st.cache_resource(show_spinner=False)
def _open(location: str) -> Store:
    return open_store(location)


#: Errors that mean "the database is unreachable or broken", not a bug in the page.
DB_ERRORS: tuple[type[BaseException], ...] = (sqlite3.OperationalError, sqlite3.DatabaseError,
                                               OSError)
try:  # PostgreSQL is optional
    import psycopg

    DB_ERRORS += (psycopg.OperationalError, psycopg.InterfaceError)
except ImportError:  # pragma: no cover - psycopg is a dependency, but stay importable
    pass


def forget_store() -> None:
    """Drop the shared store so the next run reconnects (after the database was unavailable)."""
    _open.clear()


def get_store() -> Store:
    """The comment store shared by all sessions (one per configured location).

    When the database cannot be opened, the page says so plainly and stops (no traceback);
    nothing is cached, so the next run tries again.
    """
    try:
        return _open(store_location())
    except DB_ERRORS:
        db_unavailable()
        raise  # unreachable: db_unavailable stops the run


def db_unavailable() -> None:
    """Tell the user the comment database is unreachable, forget the store and stop the run."""
    forget_store()
    st.error(t("db_unavailable"))
    st.button(t("retry"), key="db_retry")
    st.stop()


def factor_labels() -> dict[str, str]:
    """``{factor key: "group / name"}`` in the session's language (a pure lookup)."""
    if lang() == "ja":
        return {f.key: f"{f.group} / {f.ja}" for f in FACTORS}
    return {f.key: f.en for f in FACTORS}


def kind_labels() -> dict[str, str]:
    """``{comment kind: label}``."""
    return {k: t("ckind_" + k) for k in ("good", "concern", "idea")}


def town_names(b: CityBundle) -> dict[str, str]:
    """Town code → name, in the bundle's order (an empty dict when the city has no towns)."""
    if b.towns is None:
        return {}
    return dict(zip(b.towns["town_code"], b.towns["name"], strict=True))


def town_cells(b: CityBundle) -> dict[str, str]:
    """For each town, the pin cell that stands for it (the non-map way to pin): filed under
    that town wherever the grid allows (:mod:`geo.participation.places`)."""
    return _pin_towns(b.id).town_cell


def cell_towns(b: CityBundle) -> dict[str, str]:
    """For each pin cell, the town it is filed under (mostly: where most of its people live)."""
    return _pin_towns(b.id).cell_town


# One read-only pair of dicts per city, shared by every session (callers never modify them).
@st.cache_resource(show_spinner=False)
def _pin_towns(city: str) -> PinTowns:
    return pin_towns(get_bundle(city).pieces, PIN_RESOLUTION)


@st.cache_resource(show_spinner=False)
def base_layers(city: str) -> tuple[Any, ...]:
    """The pin grid (its tooltip: the town each cell lies in) and the map's frame (towns,
    outline, names: :func:`ui.cache.map_frame`): the same
    for every session and every run (never modify them: :func:`geo.deck.deck` copies)."""
    b = get_bundle(city)
    cells = pin_cells(b)
    towns = _pin_towns(city).cell_town
    names = town_names(b)
    labels = [names.get(towns.get(h, ""), "") for h in grid.to_strings(cells)]
    return (deck.pin_layer(cells, labels=labels), *map_frame(city))


def pin_cells(b: CityBundle) -> np.ndarray:
    """The cells one may pin on: the city's populated (or network) cells at pin resolution."""
    return np.unique(grid.parents(b.cells, PIN_RESOLUTION))


def new_key() -> str:
    """A fresh idempotency key for the next submission."""
    return uuid.uuid4().hex


def nonce_from_url(value: str | None) -> str:
    """The browser tab's nonce carried in the URL (``?k=``) if it is well formed, else a new one."""
    if value and 8 <= len(value) <= 64 and value.isalnum():
        return value
    return new_key()


def submission_key(nonce: str, *parts: object) -> str:
    """Idempotency key of a submission: the tab's nonce and exactly what is being sent.

    The same comment sent again from the same tab — a double click, or a retry after the
    server restarted and lost the session — has the same key and is stored once; anything
    different is a new comment. The nonce never changes while the tab lives, so no race
    between "key rotated" and "acknowledgement shown" can make a retry look new.
    """
    payload = "\x1f".join([nonce, *map(str, parts)])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:40]


def show_comment(c: Comment, *, factors: dict[str, str]) -> None:
    """One comment as inert text: user text only ever passes through escape_for_markdown."""
    kinds = kind_labels()
    factor = escape_for_markdown(factors.get(c.factor, c.factor))
    st.markdown(f"{KIND_ICONS[c.kind]} **{kinds[c.kind]}** · {factor} · {_byline(c)}")
    if c.shape != "point" and c.cells:
        st.markdown(f"{SHAPE_ICONS[c.shape]} {escape_for_markdown(comment_shape_words(c))}")
    st.markdown(escape_for_markdown(c.text))


def show_reply(c: Comment) -> None:
    """A reply as inert text: who and when, then the text. It carries its parent's place,
    factor and kind (the store gives it them), so they are not shown again: a reply that
    disagrees would read as the parent's "good" or "concern"."""
    st.markdown(f"↳ {_byline(c)}")
    st.markdown(escape_for_markdown(c.text))


def _byline(c: Comment) -> str:
    """Who (the nickname escaped, or 匿名), when (the day in Japan) and the number, as
    markdown."""
    who = escape_for_markdown(c.nickname) if c.nickname else t("anonymous")
    return f"{who} · {c.created_at.astimezone(JST):%Y-%m-%d} · #{c.id}"


def shape_words(b: CityBundle | None, shape: str, cells: tuple[str, ...] | list[str]) -> str:
    """An area or a route in words (plain text): how many hexagons and where — the central
    cell's town ("… ほか" when it spans more), or the start and end towns of a route."""
    towns = {} if b is None else cell_towns(b)
    names = {} if b is None else town_names(b)

    def town(cell: str) -> str:
        return names.get(towns.get(cell, ""), "") or t("shape_in_city")

    if shape == "route":
        return t("shape_route_words", n=len(cells), start=town(cells[0]), end=town(cells[-1]))
    centre = grid.central_cell(list(cells))
    spans = len({towns.get(c) for c in cells}) > 1
    where = t("shape_and_more", town=town(centre)) if spans else town(centre)
    return t("shape_area_words", n=len(cells), town=where)


def comment_shape_words(c: Comment) -> str:
    """A stored comment's area or route in words (its city's towns when the city is known)."""
    try:
        b: CityBundle | None = get_bundle(c.city)
    except Exception:  # a city without a bundle here (an import): the shape without towns
        b = None
    return shape_words(b, c.shape, c.cells)


def error_text(exc: BaseException) -> str:
    """An error's message in the session's language: every :class:`DioramaError` carries
    both (an :class:`~geo.errors.InputError` gives its problems with file, row and column)."""
    return exc.text(lang()) if isinstance(exc, DioramaError) else str(exc)


# --- the comments page's parts (view code kept out of the page) ----------------------------


def count_layers(city: str, factor: str | None, resolution: int) -> tuple[Any, ...]:
    """Comments per cell as one layer per dominant kind, cached until the city's comments
    change (one cheap query for the data version per run instead of a summary)."""
    store = get_store()
    return _count_layers(store_location(), city, factor, resolution,
                         store.data_version(city=city))


@st.cache_resource(show_spinner=False, max_entries=64)
def _count_layers(location: str, city: str, factor: str | None, resolution: int,
                  version: int) -> tuple[Any, ...]:
    # the location is part of the key: another database's version numbers say nothing here
    summary = get_store().cell_summary(city=city, factor=factor, resolution=resolution)
    layers = []
    for kind, color in KIND_COLORS.items():
        part = [c for c in summary if c.dominant_kind == kind]
        counts = pd.Series([float(c.count) for c in part], dtype=float,
                           index=grid.to_cells([c.cell for c in part]))
        layers.append(deck.count_layer(counts, layer_id=f"c_{kind}", color=color))
    return (*layers, *shape_layers(get_store().shaped_comments(city=city, factor=factor)))


#: The kinds in the order of the shape layers' states.
_KIND_ORDER = tuple(KIND_COLORS)


def shape_layers(comments: list[Comment]) -> tuple[Any, ...]:
    """Areas (their hexagons filled and outlined in the kind's colour) and routes (a line
    through their hexagons' centres in the kind's colour) of visible comments; not pickable,
    no text: cell ids and a kind number only."""
    areas = [(cell, _KIND_ORDER.index(c.kind)) for c in comments if c.shape == "area"
             for cell in c.cells]
    routes = [c for c in comments if c.shape == "route" and c.cells]
    cells = grid.to_cells([a[0] for a in areas])
    return (
        deck.state_layer(cells, [a[1] for a in areas], [(*KIND_COLORS[k], 70)
                                                        for k in _KIND_ORDER],
                         layer_id="shape_areas", outline_px=1.5),
        deck.path_layer([c.cells for c in routes], [_KIND_ORDER.index(c.kind) for c in routes],
                        [(*KIND_COLORS[k], 230) for k in _KIND_ORDER], layer_id="shape_routes"),
    )


def plus_one(store: Store, comment_id: int, session_id: str) -> None:
    """+1 callback: once per session and comment (the store ignores a repeat)."""
    try:
        store.plus_one(comment_id=comment_id, session_id=session_id)
    except DioramaError as exc:
        st.session_state["c_error_list"] = error_text(exc)
    st.session_state.setdefault("c_plus", set()).add(comment_id)


def similar_block(store: Store, city: str, cell: str, factor: str, *,
                  factors: dict[str, str], session_id: str) -> None:
    """Comments on the same factor near the chosen place, to +1 instead of repeating."""
    similar = store.similar_nearby(city=city, cell=cell, factor=factor)
    if not similar:
        return
    plussed = st.session_state.setdefault("c_plus", set())
    with st.container(border=True):
        st.caption(t("similar_nearby"))
        for c in similar[:5]:
            show_comment(c, factors=factors)
            st.button(f"+1 ({c.plus_ones})", key=f"sim_plus_{c.id}", disabled=c.id in plussed,
                      on_click=plus_one, args=(store, c.id, session_id))


def post_from_form(store: Store, b: CityBundle, n: int, cell: str, factor: str | None, *,
                   proposal: ProposalDraft | None = None,
                   shape: ShapeDraft | None = None) -> None:
    """The comment form's callback: it runs before the form's part of the page, which then
    shows the confirmation (:mod:`ui.posting`); closing it shows the new comment on the map
    and in the list. ``proposal``: a facility an idea proposes, stored with it (see
    :mod:`ui.proposals`); ``shape``: the area or route the comment is about (``cell`` its
    representative cell, see :mod:`ui.areas`)."""
    ss = st.session_state
    kind = ss.get(f"c_kind_{n}")
    if factor is None:
        ss["c_error"] = t("need_factor")
        return
    if kind is None:
        ss["c_error"] = t("need_kind")
        return
    if not ss.get(f"c_consent_{n}"):
        ss["c_error"] = t("need_consent")
        return
    text, nickname = ss.get(f"c_text_{n}", ""), ss.get(f"c_nick_{n}", "")
    photo, photo_key = form_photo(n)  # the library cleans (or refuses) it before storing
    try:
        r = store.post_comment(
            idempotency_key=submission_key(ss["c_nonce"], cell, factor, kind, text, nickname,
                                           *photo_key, *([proposal.kind] if proposal else []),
                                           *([shape.shape, *shape.cells] if shape else [])),
            session_id=ss["session_id"], cell=cell, factor=factor, kind=kind, text=text,
            nickname=nickname or None, town_code=cell_towns(b).get(cell), city=b.id,
            consent=True, photo=photo, proposal=proposal, shape=shape)
    except IdempotencyConflict:
        # the same submission was stored before the server restarted (another session)
        ss["c_flash"], ss["c_form_n"] = "already_posted", n + 1
        return
    except DioramaError as exc:
        ss["c_error"] = error_text(exc)
        return
    if r.created:
        ss["c_last"] = {"id": r.comment_id, "token": r.edit_token}
    else:
        ss["c_flash"] = "already_posted"
    # a new form number gives fresh, empty widgets; a failed post keeps what was written
    ss["c_form_n"] = n + 1


#: Set when the confirmation is dismissed: the page is then run whole, for the new comment.
REFRESH = "c_refresh"


def _forget_last() -> None:
    st.session_state.pop("c_last", None)


def _dismissed() -> None:
    """Closed by its X or Escape: only the form's part reruns, so ask for the whole page."""
    _forget_last()
    st.session_state[REFRESH] = True


def posted_dialog(more: Callable[[dict[str, Any]], None] | None = None) -> None:
    """The confirmation with the deletion code, in a dialog: on a phone it opens where the
    poster is looking instead of below the fold. It stays until closed. ``more`` draws what
    else the poster should see, after the code (what a proposed facility changes)."""
    last = st.session_state["c_last"]

    @st.dialog(t("posted_title"), on_dismiss=_dismissed)
    def _show() -> None:
        st.success(t("posted", id=last["id"]))
        st.code(last["token"], language=None)
        st.caption(t("token_note"))
        if more is not None:
            more(last)
        if st.button(t("close"), type="primary", key="c_last_close"):
            _forget_last()
            st.rerun(scope="app")  # the new comment on the map and in the list

    _show()


def reply_form(store: Store, parent: int, session_id: str) -> None:
    """Reply to one comment (inside its popover)."""
    ss = st.session_state
    text = st.text_area(t("ctext"), max_chars=1000, key=f"rtext_{parent}")
    consent = st.checkbox(t("consent_reply", days=retention_days()), key=f"rcons_{parent}")
    if st.button(t("post"), key=f"rsend_{parent}", disabled=not consent):
        try:
            done = store.reply(parent_id=parent, idempotency_key=ss.setdefault(
                f"rkey_{parent}", new_key()), session_id=session_id, text=text, consent=True)
        except DioramaError as exc:
            st.error(error_text(exc))
        else:
            ss.pop(f"rkey_{parent}", None)
            ss["c_replied"] = (parent, done.comment_id)  # said once under the thread
            st.rerun()


def reply_done(parent: int) -> None:
    """Say once, under its thread, that the session's reply to ``parent`` was stored."""
    done = st.session_state.get("c_replied")
    if done and done[0] == parent:
        st.success(t("reply_done", id=done[1]))
        del st.session_state["c_replied"]


def report_form(store: Store, comment_id: int, session_id: str) -> None:
    """Report one comment (inside its popover)."""
    reason = st.text_input(t("report_reason"), max_chars=200, key=f"rreason_{comment_id}")
    if st.button(t("report"), key=f"rep_{comment_id}"):
        try:
            store.report(comment_id=comment_id, session_id=session_id, reason=reason or "-")
        except DioramaError as exc:
            st.error(error_text(exc))
            return
        st.session_state.setdefault("c_reported", set()).add(comment_id)
        st.rerun()


def delete_form(store: Store) -> None:
    """Delete one's own comment with its number and deletion code."""
    did = st.number_input(t("comment_id"), min_value=1, step=1, key="c_del_id")
    token = st.text_input(t("edit_token"), type="password", key="c_del_token")
    if st.button(t("delete"), key="c_del"):
        try:
            ok = store.delete_by_token(comment_id=int(did), token=token)
        except DioramaError as exc:
            st.error(error_text(exc))
        else:
            (st.success if ok else st.error)(t("deleted") if ok else t("wrong_token"))


def audit_table(entries: list[AuditEntry]) -> pd.DataFrame:
    """The moderation audit for people: newest first, Japan time, headers and actions in the
    session's language (the database keeps the stable machine values)."""
    return pd.DataFrame({
        t("audit_when"): [e.created_at.astimezone(JST).strftime("%Y-%m-%d %H:%M")
                          for e in entries],
        t("audit_comment"): [f"#{e.comment_id}" if e.comment_id is not None else "—"
                             for e in entries],
        t("audit_action"): [t(f"action_{e.action}") for e in entries],
        t("audit_actor"): [t(f"actor_{e.actor}") if e.actor in ("system", "poster", "login")
                           else e.actor
                           for e in entries],
        t("audit_reason"): [audit_reason(e.reason) for e in entries],
        t("audit_detail"): [_status_change(e.detail) for e in entries],
    }).iloc[::-1].reset_index(drop=True)


def _status_change(detail: str | None) -> str:
    """``visible -> hidden`` in words; other details as they are."""
    if detail and " -> " in detail:
        old, new = detail.split(" -> ", 1)
        if old in STATUS_KEYS and new in STATUS_KEYS:
            return f"{t('status_' + old)} → {t('status_' + new)}"
    return audit_detail(detail)


STATUS_KEYS = ("visible", "hidden_auto", "hidden", "deleted")
