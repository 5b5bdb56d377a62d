"""Comments in the UI: the shared store, the pin grid, and rendering a comment as inert text."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import uuid
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from geo import deck, grid
from geo.bundle import CityBundle
from geo.store import FACTORS, Store, open_store
from geo.text import escape_for_markdown

from .cache import get_bundle
from .i18n import lang, t

#: Resolution at which citizens pin comments: about 0.1 km², so a pin never points to a house.
PIN_RESOLUTION = 9
#: Days a comment is kept before the purge removes it (``DIORAMA_RETENTION_DAYS`` overrides).
DEFAULT_RETENTION_DAYS = 365
KIND_COLORS = {"good": (26, 152, 80), "concern": (215, 48, 39), "idea": (69, 117, 180)}
KIND_ICONS = {"good": ":material/thumb_up:", "concern": ":material/warning:",
              "idea": ":material/lightbulb:"}


def retention_days() -> int:
    """How long comments are kept, in days."""
    return int(os.environ.get("DIORAMA_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def store_location() -> str:
    """Where the store lives: ``DIORAMA_DATABASE_URL``, else the SQLite data directory."""
    return os.environ.get("DIORAMA_DATABASE_URL") or os.environ.get("DIORAMA_DATA_DIR", "var")


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


@st.cache_data(show_spinner=False)
def _town_by_pin_cell(city: str) -> pd.DataFrame:
    """People of each town in each pin cell."""
    b = get_bundle(city)
    if b.pieces is None:
        return pd.DataFrame({"town_code": [], "parent": [], "value": []})
    p = b.pieces.assign(parent=grid.parents(b.pieces["cell"].to_numpy(), PIN_RESOLUTION))
    return p.groupby(["town_code", "parent"])["value"].sum().reset_index()


def town_cells(b: CityBundle) -> dict[str, str]:
    """For each town, the pin cell holding most of its people (the non-map way to pin)."""
    return _town_cells(b.id)


def cell_towns(b: CityBundle) -> dict[str, str]:
    """For each pin cell, the town most of its people live in (to file map pins by town)."""
    return _cell_towns(b.id)


# One read-only dict per city, shared by every session (callers never modify them).
@st.cache_resource(show_spinner=False)
def _town_cells(city: str) -> dict[str, str]:
    top = _town_by_pin_cell(city).sort_values("value").groupby("town_code").tail(1)
    return dict(zip(top["town_code"], grid.to_strings(top["parent"].to_numpy()), strict=True))


@st.cache_resource(show_spinner=False)
def _cell_towns(city: str) -> dict[str, str]:
    top = _town_by_pin_cell(city).sort_values("value").groupby("parent").tail(1)
    return dict(zip(grid.to_strings(top["parent"].to_numpy()), top["town_code"], strict=True))


@st.cache_resource(show_spinner=False)
def base_layers(city: str) -> tuple[Any, ...]:
    """The pin grid and the city outline: the same for every session and every run."""
    b = get_bundle(city)
    return (deck.pin_layer(pin_cells(b)), deck.boundary_layer(b.boundary))


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


def show_comment(row: pd.Series | dict[str, Any], *, factors: dict[str, str]) -> None:
    """One comment as inert text: user text only ever passes through escape_for_markdown."""
    kinds = kind_labels()
    who = escape_for_markdown(row["nickname"]) if row.get("nickname") else t("anonymous")
    when = pd.Timestamp(row["created_at"]).strftime("%Y-%m-%d")
    factor = factors.get(row["factor"], row["factor"])
    st.markdown(f"{KIND_ICONS[row['kind']]} **{kinds[row['kind']]}** · {factor} · {who} · "
                f"{when} · #{int(row['id'])}")
    st.markdown(escape_for_markdown(str(row["text"])))


def error_text(exc: Exception) -> str:
    """An error's message in the session's language (the store's errors carry both)."""
    return str(getattr(exc, f"message_{lang()}", None) or exc)
