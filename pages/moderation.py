"""Moderation: the queue of reported comments; hide, restore or delete with a reason (audited)."""

import streamlit as st

from geo.errors import DioramaError
from geo.participation.store import ModerationAction
from geo.text import escape_for_markdown
from ui import photos as ph
from ui import safety, state
from ui.auth import configured_password, has_identity_provider, password_ok
from ui.cache import get_bundle
from ui.i18n import t
from ui.voices import (
    audit_table,
    error_text,
    factor_labels,
    get_store,
    retention_days,
    show_comment,
)

#: Newest audit rows shown on the page (the whole log stays in the database).
AUDIT_ROWS = 200
#: Queued comments shown at a time (each card has its own reason field and buttons).
QUEUE_PAGE = 20
#: The page's buttons and the store's actions: dismissing a shown comment's reports restores
#: it as it is; keeping a hidden one hidden hides it (both answer its reports).
MODERATE: dict[str, ModerationAction] = {
    "hide": "hide", "dismiss": "restore", "keep": "hide", "restore": "restore", "delete": "delete"}

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
            if not who.strip():
                st.error(t("login_failed"))
            elif password_ok(given, password, who=who.strip()):  # throttled, audited
                ss["mod_name"] = who.strip()[:80]
                st.rerun()
    st.stop()

store = get_store()
moderator = ss["mod_name"]
st.caption(t("mod_as", who=moderator))
if done := ss.pop("m_done", None):  # what the last button did, said once after its rerun
    st.success(t(f"mod_done_{done[1]}", id=done[0]))
safety.alerts_panel(store, b.id)
factors = factor_labels()
queue = store.moderation_queue(city=b.id)
st.subheader(t("mod_queue", n=len(queue)))
find = st.number_input(t("mod_find"), min_value=1, value=None, step=1, key="m_find")
if find is not None:  # one comment a citizen or a colleague named by its number
    queue = [q for q in queue if q.comment.id == find]
    if not queue:
        st.info(t("mod_not_queued", id=find))
elif len(queue) > QUEUE_PAGE:  # the most urgent first, a page at a time (a phone too)
    st.caption(t("mod_order", n=QUEUE_PAGE))
    pages = -(-len(queue) // QUEUE_PAGE)
    if int(ss.get("m_page") or 1) > pages:  # the queue got shorter under a later page
        ss["m_page"] = pages
    at = int(st.number_input(t("list_page", pages=pages), 1, pages, key="m_page"))
    queue = queue[(at - 1) * QUEUE_PAGE:at * QUEUE_PAGE]
for item in queue:
    c = item.comment
    with st.container(border=True):
        show_comment(c, factors=factors)
        ph.queue_photo(store, c.id, moderator)  # also a hidden comment's, for the moderators
        st.caption(t("mod_where", place=escape_for_markdown(safety.where(b, c))))
        st.caption(t("mod_state", status=t(f"status_{c.status}"), reports=item.reports,
                     pending=item.pending_reports))
        safety.queue_notes(item)
        if item.reasons:
            st.caption(t("mod_reasons"))
            st.text("\n".join(f"・{t('mod_no_reason') if r == '-' else r}"  # never markup
                               for r in item.reasons))
        reason = st.text_input(t("mod_reason"), key=f"mreason_{c.id}")
        # only the actions that make sense for the comment's state; a hidden one (by the
        # reports, or a moderator's with new reports) may be kept hidden, its reports answered
        actions = (("hide", "dismiss", "delete") if c.status == "visible"
                   else ("keep", "restore", "delete"))
        for col, action in zip(st.columns(len(actions)), actions, strict=True):
            if col.button(t(f"mod_{action}"), key=f"m_{action}_{c.id}", disabled=not reason,
                          type="primary" if action == actions[0] else "secondary"):
                try:
                    store.moderate(comment_id=c.id, moderator=moderator, reason=reason,
                                   action=MODERATE[action])
                except DioramaError as exc:
                    st.error(error_text(exc))
                else:
                    ss["m_done"] = (c.id, action)
                    st.rerun()

ph.review(store, b.id, moderator)  # photos of shown comments: approve for export or delete

with st.expander(t("purge_title")):
    st.write(t("purge_text", days=retention_days()))
    if st.button(t("purge_now"), key="m_purge"):
        n = store.purge_expired(retention_days=retention_days(), actor=moderator)
        st.success(t("purged", n=n))

st.subheader(t("audit"))
st.caption(t("audit_note", n=AUDIT_ROWS))
st.dataframe(audit_table(store.audit_log(limit=AUDIT_ROWS)), hide_index=True, width="stretch")
