"""Workshop: a facilitator creates a session and sees every group; a group joins by link."""

import json

import streamlit as st

from geo import scenario as sc
from geo.errors import DioramaError
from geo.text import escape_for_markdown
from ui import state
from ui import workshop as wk
from ui.cache import get_bundle
from ui.i18n import t
from ui.voices import error_text
from ui.widgets import attribution

state.require_app(__file__)
ss = st.session_state
b = get_bundle(ss[state.CITY])
ws = wk.workshop()
st.title(t("page_workshop"))
st.caption(t("ws_intro"))

# --- a participant arrives by a join link (?join=TOKEN): no account needed ----------------
token = st.query_params.get("join")
if token and (ss.get(wk.GROUP) or {}).get("token") != token:
    try:
        session, group = ws.join(token)
    except DioramaError:
        st.error(t("ws_bad_link"))
    else:
        ss[wk.GROUP] = {"token": token, "group_id": group.id, "group": group.name,
                        "session_id": session.id, "title": session.title, "city": session.city}
        state.set_value(state.CITY, session.city)
if g := ss.get(wk.GROUP):
    st.success(t("ws_joined", group=escape_for_markdown(g["group"]),
                 title=escape_for_markdown(g["title"])))
    st.page_link("pages/diorama.py", label=t("ws_go_diorama"), icon=":material/hexagon:")

# --- the facilitator ---------------------------------------------------------------------
st.subheader(t("ws_facilitator"))
if not ss.get(wk.FACILITATOR):
    with st.form("ws_create"):
        title = st.text_input(t("ws_session_title"), max_chars=120, key="ws_title")
        groups = st.text_area(t("ws_groups"), value="A\nB", key="ws_groups")
        agenda = st.text_area(t("ws_agenda"), key="ws_agenda")
        made = st.form_submit_button(t("ws_create"), type="primary")
    if made:
        try:
            created = ws.create_session(city=b.id, title=title,
                                        groups=[x for x in groups.splitlines() if x.strip()],
                                        agenda=agenda.splitlines())
        except DioramaError as exc:
            st.error(error_text(exc))
        else:
            ss[wk.FACILITATOR] = created.facilitator_token
            ss["ws_links"] = {gid: wk.join_url(tok) for gid, tok in created.group_tokens.items()}
            st.rerun()
    with st.expander(t("ws_open")):
        key = st.text_input(t("ws_fac_key"), type="password", key="ws_open_key")
        if st.button(t("ws_open"), key="ws_open_btn") and key:
            try:
                ws.facilitator_session(key)
            except DioramaError as exc:
                st.error(error_text(exc))
            else:
                ss[wk.FACILITATOR] = key
                st.rerun()
    attribution(b)
    st.stop()

try:
    session = ws.facilitator_session(ss[wk.FACILITATOR])
except DioramaError:
    ss.pop(wk.FACILITATOR, None)
    st.rerun()
st.markdown(f"### {escape_for_markdown(session.title)}")
if session.agenda:
    st.markdown("\n".join(f"{i}. {escape_for_markdown(a)}"
                          for i, a in enumerate(session.agenda, 1)))
st.caption(t("ws_fac_key_note"))
st.code(ss[wk.FACILITATOR], language=None, wrap_lines=True)

groups = ws.groups(session.id)
links = ss.get("ws_links", {})
cols = st.columns(max(len(groups), 1))
for col, g in zip(cols, groups, strict=False):
    with col, st.container(border=True):
        st.markdown(f"**{escape_for_markdown(g.name)}**")
        if g.id in links:  # tokens are only known right after creation (stored hashed)
            st.caption(t("ws_join_link"))
            st.code(links[g.id], language=None, wrap_lines=True)
            st.image(wk.qr_png(links[g.id]), width=160,
                     alt=t("ws_qr_alt", group=g.name))
        elif st.button(t("ws_renew"), key=f"ws_renew_{g.id}", help=t("ws_renew_help")):
            token = ws.renew_link(facilitator_token=ss[wk.FACILITATOR], group_id=g.id)
            ss["ws_links"] = {**links, g.id: wk.join_url(token)}
            st.rerun()
        for s in ws.scenarios(group_id=g.id):
            base = wk.baseline(s.city, s.mode)
            eng = base.with_modifications(sc.loads(s.modifications))
            st.markdown(f"*{escape_for_markdown(s.name)}* · v{s.version} · "
                        f"{t('dio_mods')}: {len(eng.mods)}")
            table = wk.before_after_table(base, eng)
            st.dataframe(table[table["Δ " + t("dio_covered")].fillna(0) != 0],
                         hide_index=True, key=f"ws_fig_{s.id}")

st.subheader(t("ws_export"))
if st.button(t("ws_export_make"), key="ws_export_btn"):
    ss["ws_export"] = wk.session_exports(ws, session.id)
if exp := ss.get("ws_export"):
    html, geojson = exp
    e1, e2 = st.columns(2)
    e1.download_button(t("ws_export_html"), html, file_name=f"workshop_{session.id}.html",
                       mime="text/html", key="ws_dl_html")
    e2.download_button(t("ws_export_geojson"), geojson,
                       file_name=f"workshop_{session.id}_modifications.geojson",
                       mime="application/geo+json", key="ws_dl_geojson")
    st.caption(t("ws_export_size", kb=len(html) / 1024,
                 n=len(json.loads(geojson)["features"])))

with st.expander(t("ws_delete")):
    if st.checkbox(t("ws_delete_confirm"), key="ws_del_ok") and st.button(
            t("ws_delete"), key="ws_del", type="primary"):
        n = ws.delete_session(facilitator_token=ss[wk.FACILITATOR])
        for k in (wk.FACILITATOR, "ws_links", "ws_export"):
            ss.pop(k, None)
        st.success(t("ws_deleted", n=n))
attribution(b)
