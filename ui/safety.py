"""What the moderators and authors are told about abuse: alerts, why a comment waits, and an
author's own comments under review (the store decides; this only shows)."""

from __future__ import annotations

import streamlit as st

from geo.ingest.bundle import CityBundle
from geo.participation.store import Comment, QueueItem, Store

from .i18n import t
from .places import place_label
from .voices import JST, factor_labels, shape_words, show_comment


def where(b: CityBundle, c: Comment) -> str:
    """Where a comment is, in words (plain text): its hexagon near a town, or its area or
    route ("エリア: 12個の六角形(千代田町一丁目 ほか)")."""
    return shape_words(b, c.shape, c.cells) if c.shape != "point" and c.cells else (
        place_label(b, c.cell))


def alerts_panel(store: Store, city: str) -> None:
    """Warnings of the last 24 hours: failed logins from several sessions, the city's comment
    ceiling reached, reports in a burst from new sessions (counts and times, never a text)."""
    for a in store.alerts(city=city):
        st.warning(t(f"alert_{a.kind}", n=a.hits,
                     first=a.first_at.astimezone(JST).strftime("%m/%d %H:%M"),
                     last=a.last_at.astimezone(JST).strftime("%H:%M")),
                   icon=":material/warning:")
    streak = store.login_failures()
    if streak >= store.login_backoff.free:
        st.info(t("login_streak", n=streak))


def queue_notes(item: QueueItem) -> None:
    """Why a comment is in the queue: reports that count, reports from new sessions, a burst."""
    st.caption(t("mod_report_mix", counted=item.counted_reports,
                 new=item.new_session_reports))
    if item.burst:
        st.warning(t("mod_burst"))


def held_for_me(store: Store, city: str, session_id: str) -> None:
    """The author's own comments that are hidden: under review after reports, or hidden by a
    moderator; only this browser session sees them."""
    held = store.held_for_author(city=city, session_id=session_id)
    if not held:
        return
    factors = factor_labels()
    with st.container(border=True):
        st.subheader(t("held_title"))
        for c in held:
            st.caption(t("held_review") if c.status == "hidden_auto" else t("held_hidden"))
            show_comment(c, factors=factors)
