"""The facilitator's view of a session: each group's link, QR code and scenarios; exports."""

from __future__ import annotations

import json
from typing import Any

import streamlit as st

from geo.participation.store import Session, Workshop
from geo.text import escape_for_markdown

from . import workshop as wk
from .compare import stored_engine as _engine
from .i18n import t


def _renew(ws: Workshop, key: str, g: Any) -> None:
    """Renewing a link asks first: the old link and its QR code stop working."""
    ss = st.session_state
    if ss.get("ws_renew_ask") == g.id:
        st.warning(t("ws_renew_confirm", group=escape_for_markdown(g.name)))
        yes, no = st.columns(2)
        if yes.button(t("ws_renew_yes"), key=f"ws_renew_yes_{g.id}", type="primary"):
            ws.renew_link(facilitator_token=key, group_id=g.id)
            ss.pop("ws_renew_ask", None)
            ss["ws_renewed"] = g.name
            st.rerun()
        if no.button(t("ws_renew_no"), key=f"ws_renew_no_{g.id}"):
            ss.pop("ws_renew_ask", None)
            st.rerun()
    elif st.button(t("ws_renew"), key=f"ws_renew_{g.id}"):
        ss["ws_renew_ask"] = g.id
        st.rerun()


def group_cards(ws: Workshop, session: Session, key: str) -> None:
    """One card per group, side by side: its join link and QR code (computed again from the
    key: the same every time), renewal, and each scenario's changed figures."""
    groups = ws.groups(session.id)
    links = wk.group_links(ws, key)
    for col, g in zip(st.columns(max(len(groups), 1)), groups, strict=False):
        with col, st.container(border=True):
            st.markdown(f"**{escape_for_markdown(g.name)}**")
            link = links.get(g.id)
            if link:
                st.caption(t("ws_join_link"))
                st.code(link, language=None, wrap_lines=True)
                st.image(wk.qr_png(link), width=160, alt=t("ws_qr_alt", group=g.name))
            else:
                st.caption(t("ws_link_legacy"))
            _renew(ws, key, g)
            for s in ws.scenarios(group_id=g.id):
                eng = _engine(s.city, s.mode, s.id, s.version, s.modifications)
                st.markdown(f"*{escape_for_markdown(s.name)}* · v{s.version} · "
                            f"{t('dio_mods')}: {len(eng.mods)}")
                table = wk.before_after_table(wk.baseline(s.city, s.mode), eng)
                st.dataframe(table[table["Δ " + t("dio_covered")].fillna(0) != 0],
                             hide_index=True, key=f"ws_fig_{s.id}")


def exports_block(ws: Workshop, session: Session) -> None:
    """Minutes (HTML and the same as an A4 PDF) and the modifications (GeoJSON), made when
    asked for."""
    ss = st.session_state
    st.subheader(t("ws_export"))
    if st.button(t("ws_export_make"), key="ws_export_btn"):
        html, pdf, geojson = wk.session_exports(ws, session.id)
        ss["ws_export"] = (html, geojson)
        ss["ws_export_pdf"] = (html, pdf)  # the PDF of exactly these minutes
    if exp := ss.get("ws_export"):
        html, geojson = exp
        made_from, pdf = ss.get("ws_export_pdf") or (None, None)
        pdf = pdf if made_from == html else None
        e1, e2, e3 = st.columns(3)
        e1.download_button(t("ws_export_html"), html, file_name=f"workshop_{session.id}.html",
                           mime="text/html", key="ws_dl_html")
        if pdf is not None:
            e2.download_button(t("ws_export_pdf"), pdf,
                               file_name=f"workshop_{session.id}.pdf",
                               mime="application/pdf", key="ws_dl_pdf")
        else:
            e2.caption(t("ws_export_pdf_missing"))
        e3.download_button(t("ws_export_geojson"), geojson,
                           file_name=f"workshop_{session.id}_modifications.geojson",
                           mime="application/geo+json", key="ws_dl_geojson")
        st.caption(t("ws_export_size", kb=len(html) / 1024,
                     n=len(json.loads(geojson)["features"]))
                   + (t("ws_export_pdf_size", kb=len(pdf) / 1024) if pdf else ""))
