"""Moderation: the queue of reported comments; hide, restore or delete with a reason (audited)."""

import hmac

import streamlit as st

from geo.errors import DioramaError
from ui import state
from ui.auth import configured_password, has_identity_provider
from ui.cache import get_bundle
from ui.i18n import t
from ui.voices import error_text, factor_labels, get_store, retention_days, show_comment

state.require_app(__file__)
ss = st.session_state
b = get_bundle(ss[state.CITY])
st.title(t("page_moderation"))

if has_identity_provider():
    if not st.user.is_logged_in:
        st.button(t("login"), on_click=st.login)
        st.stop()
    ss["mod_name"] = str(st.user.get("email") or st.user.get("name") or "moderator")
elif not ss.get("mod_name"):
    password = configured_password()
    if not password:
        st.warning(t("mod_not_configured"))
        st.stop()
    with st.form("mod_login"):
        who = st.text_input(t("mod_who"))
        given = st.text_input(t("password"), type="password")
        if st.form_submit_button(t("login")):
            if who.strip() and hmac.compare_digest(given.encode(), password.encode()):
                ss["mod_name"] = who.strip()[:80]
                st.rerun()
            st.error(t("login_failed"))
    st.stop()

store = get_store()
moderator = ss["mod_name"]
st.caption(t("mod_as", who=moderator))
factors = factor_labels()
queue = store.moderation_queue(city=b.id)
st.subheader(t("mod_queue", n=len(queue)))
for _, row in queue.iterrows():
    cid = int(row["id"])
    with st.container(border=True):
        show_comment(row, factors=factors)
        st.caption(t("mod_state", status=row["status"], reports=int(row.get("reports", 0))))
        reason = st.text_input(t("mod_reason"), key=f"mreason_{cid}")
        cols = st.columns(3)
        for col, action in zip(cols, ("hide", "restore", "delete"), strict=True):
            if col.button(t(f"mod_{action}"), key=f"m_{action}_{cid}", disabled=not reason):
                try:
                    store.moderate(comment_id=cid, action=action, moderator=moderator,
                                   reason=reason)
                except DioramaError as exc:
                    st.error(error_text(exc))
                else:
                    st.rerun()

with st.expander(t("purge_title")):
    st.write(t("purge_text", days=retention_days()))
    if st.button(t("purge_now"), key="m_purge"):
        n = store.purge_expired(retention_days=retention_days(), actor=moderator)
        st.success(t("purged", n=n))

st.subheader(t("audit"))
st.dataframe(store.audit_log(), hide_index=True, width="stretch")
