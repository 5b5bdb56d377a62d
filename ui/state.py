"""Session state set up once per session: language, city, coverage settings; the sidebar."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import streamlit as st

from geo.kinds import FREQUENT_DEPARTURES, default_radii
from geo.settings import settings

from .cache import city_names, get_bundle, list_cities
from .i18n import LANGS, t

LANG = "lang"
CITY = "city"
MODE = "mode"
RADII = "radii"
FREQUENT = "frequent"
SESSION_ID = "session_id"
BOOTED = "_booted"
INTENDED = "_intended_page"
INTENDED_QUERY = "_intended_query"
#: Values set from code for widgets, by widget key, until the widget is next drawn (see
#: set_value and bind).
SET_FROM_CODE = "_set_from_code"
#: Draw the base map under the maps when its tiles can be reached (the person's choice).
BASEMAP = "basemap"


def init() -> None:
    """Set every session key to its default the first time a session runs."""
    ss = st.session_state
    ss[BOOTED] = True
    # the language is kept in the URL (?lang=en), so a reload or a shared link keeps it
    # (a deep link's query string waits in INTENDED_QUERY while app.py takes over: see
    # require_app)
    asked = st.query_params.get("lang") or (ss.get(INTENDED_QUERY) or {}).get("lang")
    ss.setdefault(LANG, asked if asked in LANGS else "ja")
    ss.setdefault(SESSION_ID, uuid.uuid4().hex)
    cities = list_cities()
    if ss.get(CITY) not in cities:  # a first run, or the city was deleted meanwhile
        ss[CITY] = cities[0] if cities else None
        ss.pop(f"_{CITY}", None)  # the picker starts from it (no value set from code)
    ss.setdefault(MODE, "line")
    ss.setdefault(RADII, default_radii())
    ss.setdefault(FREQUENT, FREQUENT_DEPARTURES)
    ss.setdefault(BASEMAP, True)


def require_app(page_file: str | None = None) -> None:
    """Send a page run on its own back through app.py, then on to the page.

    Because the project has a ``pages/`` folder, a fresh server answers a deep link such as
    ``/coverage`` with Streamlit's old folder-based navigation, running the page without
    app.py. The page then switches to app.py, which sets up state and ``st.navigation`` and
    forwards to the page that was asked for (see :func:`forward`).

    Parameters
    ----------
    page_file
        The page's ``__file__`` (without it, the user lands on the default page).
    """
    if not st.session_state.get(BOOTED):
        if page_file:
            st.session_state[INTENDED] = f"pages/{Path(page_file).name}"
            # st.switch_page clears the query string; keep it for the page (see forward)
            st.session_state[INTENDED_QUERY] = st.query_params.to_dict()
        st.switch_page("app.py")


def forward() -> None:
    """In app.py, after ``st.navigation``: go on to a deep-linked page (see :func:`require_app`)."""
    target = st.session_state.pop(INTENDED, None)
    if target:
        st.switch_page(target)
    query = st.session_state.pop(INTENDED_QUERY, None)
    if query:
        st.query_params.from_dict(query)


def set_value(state_key: str, value: object) -> None:
    """Change a setting that a :func:`bind` widget shows, from code (e.g. a join link's city).

    The widget's own key is set the next time it is drawn, so it shows the new value instead
    of sending back its old one.
    """
    st.session_state[state_key] = value
    # the widget may already be drawn in this run (its key cannot change then): the next
    # run that draws it sets its key first, and gives it no default (Streamlit warns about
    # both)
    st.session_state.setdefault(SET_FROM_CODE, {})[f"_{state_key}"] = value


def bind(state_key: str, options: Sequence[Any] | None = None) -> dict[str, object]:
    """Widget arguments that keep ``state_key`` across pages.

    Streamlit drops a widget's key from the session when a run does not draw the widget (e.g.
    on another page), so each widget gets its own key ``_<state_key>``, copied back to the
    persistent ``state_key`` when the user changes it, and its default from ``state_key``:
    ``index`` among ``options`` for a choice (radio, selectbox), else ``value``.

    The widget is given its default on every run (Chromium re-mounts the sidebar's widgets
    when the first page at ``/`` becomes ``/map``, and a widget without it then showed the
    previous city while the page used the new one); only the run right after
    :func:`set_value` shows the value set from code instead.
    """
    ss = st.session_state
    wkey = f"_{state_key}"

    def copy_back() -> None:
        # the widget's key may have been dropped on purpose (see :func:`set_value`)
        if wkey in ss:
            ss[state_key] = ss[wkey]

    pending = ss.setdefault(SET_FROM_CODE, {})
    if wkey in pending:  # a value set from code (see set_value), before the widget is made
        ss[wkey] = pending.pop(wkey)
        return {"key": wkey, "on_change": copy_back}
    current = ss[state_key]
    if options is None:
        return {"key": wkey, "on_change": copy_back, "value": current}
    choices = list(options)
    index = choices.index(current) if current in choices else 0
    return {"key": wkey, "on_change": copy_back, "index": index}


def sidebar() -> None:
    """Language switch and city picker, shown on every page."""
    ss = st.session_state
    st.sidebar.radio(t("language"), LANGS, **bind(LANG, LANGS), horizontal=True,  # type: ignore[arg-type]
                     format_func=lambda v: {"ja": "日本語", "en": "English"}[v])
    if ss[LANG] == "ja":  # the default needs no parameter
        if "lang" in st.query_params:
            del st.query_params["lang"]
    elif st.query_params.get("lang") != ss[LANG]:
        st.query_params["lang"] = ss[LANG]
    cities = list_cities()

    names = city_names(tuple(cities), ss[LANG])
    # format_func must be a pure lookup: AppTest calls it outside the script run.
    st.sidebar.selectbox(t("city"), cities, format_func=names.__getitem__,
                         **bind(CITY, cities), placeholder=t("choose"))  # type: ignore[arg-type]
    if settings().basemap_url:  # off: the maps never ask the internet for anything
        st.sidebar.toggle(t("basemap"), help=t("basemap_help"), **bind(BASEMAP))  # type: ignore[arg-type]
    b = get_bundle(ss[CITY])
    if b.network is None and ss[MODE] == "network":
        set_value(MODE, "line")


def radii_key() -> tuple[tuple[str, float], ...]:
    """The session's radii as a hashable, sorted tuple for the caches."""
    return tuple(sorted((k, float(v)) for k, v in st.session_state[RADII].items()))
