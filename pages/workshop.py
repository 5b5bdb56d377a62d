"""Workshop: a facilitator creates a session and sees every group; a group joins by link.

A participant who opens a join link (``?join=TOKEN``) sees only the group's view. The
facilitator's key opens the session, with the same join links and QR codes, after a reload
(the browser remembers it, unless told not to) and on any other machine (by typing it).
"""


import streamlit as st

from geo.errors import DioramaError
from geo.text import escape_for_markdown
from ui import compare as cmp
from ui import facilitator as fac
from ui import state
from ui import workshop as wk
from ui.cache import get_bundle
from ui.i18n import t
from ui.voices import error_text
from ui.widgets import attribution

state.require_app(__file__)
ss = st.session_state
st.title(t("page_workshop"))
st.caption(t("ws_intro"))

# --- a participant arrives by a join link (?join=TOKEN): the group's view only ------------
if ss.pop("ws_left_group", False):
    st.success(t("ws_left_group"))
    st.stop()
g = wk.current_group()  # shows why a link no longer works
if g or st.query_params.get(wk.JOIN_PARAM):
    if g:
        st.success(t("ws_joined", group=escape_for_markdown(g["group"]),
                     title=escape_for_markdown(g["title"])))
        st.page_link("pages/diorama.py", label=t("ws_go_diorama"), icon=":material/hexagon:",
                     query_params={wk.JOIN_PARAM: g["token"]})
        st.caption(t("ws_stay_note"))
    if st.button(t("ws_leave_group") if g else t("ws_close_link"), key="ws_leave_group"):
        wk.leave_group()
        ss["ws_left_group"] = True
        st.rerun()
    st.stop()

# --- the facilitator ---------------------------------------------------------------------
b = get_bundle(ss[state.CITY])
ss.setdefault(wk.REMEMBER, True)
key = wk.facilitator_key()  # this session's, else the one this device remembers
st.subheader(t("ws_facilitator"))
if not key:
    if ss.pop("ws_device_gone", False):
        st.warning(t("ws_session_gone"))
    if ss.pop("ws_left_session", False):
        st.success(t("ws_left_session"))
    with st.form("ws_create"):
        title = st.text_input(t("ws_session_title"), max_chars=120, key="ws_title")
        groups = st.text_area(t("ws_groups"), value="A\nB", key="ws_groups")
        agenda = st.text_area(t("ws_agenda"), key="ws_agenda")
        made = st.form_submit_button(t("ws_create"), type="primary")
    if made:
        try:
            created = wk.workshop().create_session(
                city=b.id, title=title, groups=[x for x in groups.splitlines() if x.strip()],
                agenda=agenda.splitlines())
        except DioramaError as exc:
            st.error(error_text(exc))
        else:
            wk.open_session(created.facilitator_token)
            st.rerun()
    with st.expander(t("ws_open")):
        typed = st.text_input(t("ws_fac_key"), type="password", key="ws_open_key")
        if st.button(t("ws_open"), key="ws_open_btn") and typed:
            try:
                wk.open_session(typed)
            except DioramaError as exc:
                st.error(error_text(exc))
            else:
                st.rerun()
    st.checkbox(t("ws_remember"), help=t("ws_remember_help"),
                **state.bind(wk.REMEMBER))  # type: ignore[arg-type]
    wk.keep_on_device(None)  # forget a key left behind (session left or deleted)
    attribution(b)
    st.stop()

ws = wk.workshop()
try:
    session = ws.facilitator_session(key)
except DioramaError:  # deleted on another machine
    wk.leave_session()
    ss["ws_device_gone"] = True
    st.rerun()
st.markdown(f"### {escape_for_markdown(session.title)}")
if session.agenda:
    st.markdown("\n".join(f"{i}. {escape_for_markdown(a)}"
                          for i, a in enumerate(session.agenda, 1)))
if done := ss.pop("ws_renewed", None):
    st.success(t("ws_renewed", group=escape_for_markdown(done)))

fac.group_cards(ws, session, key)
cmp.group_maps(ws, session, key="wsg")
cmp.section(ws, session.id, session.city, key="wcmp")
fac.exports_block(ws, session)

st.subheader(t("ws_this_device"))
st.checkbox(t("ws_remember"), help=t("ws_remember_help"),
            **state.bind(wk.REMEMBER))  # type: ignore[arg-type]
with st.expander(t("ws_key_show")):  # folded: the projector must not show it
    st.caption(t("ws_key_note"))
    st.code(key, language=None, wrap_lines=True)
if st.button(t("ws_leave_session"), key="ws_leave_session"):
    wk.leave_session()
    ss["ws_left_session"] = True
    st.rerun()

with st.expander(t("ws_delete")):
    if st.checkbox(t("ws_delete_confirm"), key="ws_del_ok") and st.button(
            t("ws_delete"), key="ws_del", type="primary"):
        n = ws.delete_session(facilitator_token=key)
        wk.leave_session()
        st.success(t("ws_deleted", n=n))
        wk.keep_on_device(None)
        st.stop()
wk.keep_on_device(key)
attribution(b)
