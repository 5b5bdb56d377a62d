"""The diorama: a group edits its scenario; coverage recomputes at once; before / after."""

import streamlit as st

from geo import access as sc
from geo.errors import DioramaError
from geo.kinds import KIND_BY_KEY, KINDS
from geo.participation.store import FACTORS
from geo.text import escape_for_markdown
from ui import compare as cmp
from ui import diorama as dio
from ui import state
from ui import workshop as wk
from ui.cache import get_bundle
from ui.i18n import t
from ui.places import PlacePicker, cell_in_words
from ui.voices import error_text, factor_labels, get_store, new_key, retention_days, show_comment
from ui.widgets import attribution

state.require_app(__file__)
ss = st.session_state
st.title(t("page_diorama"))
group = wk.current_group()  # restored from ?join= after a reload
if not group:
    st.info(t("dio_need_group"))
    st.page_link("pages/workshop.py", label=t("page_workshop"), icon=":material/groups:")
    st.stop()
ws = wk.workshop()
b = get_bundle(group["city"])
st.caption(f"{escape_for_markdown(group['title'])} · {escape_for_markdown(group['group'])}")


def create() -> None:
    """The new-scenario popover's callback: create, select it, close the popover."""
    try:
        s = ws.create_scenario(group_token=group["token"], name=ss.get("dio_new_name", ""),
                               mode=ss.get("dio_new_mode", "line"))
    except DioramaError as exc:
        ss[dio.ERROR] = error_text(exc)
        return
    ss["dio_sid"], ss["dio_new_pop"], ss["dio_new_name"] = s.id, False, ""


# --- the group's scenarios -----------------------------------------------------------------
with st.popover(t("dio_new"), key="dio_new_pop", on_change="rerun"):
    st.text_input(t("dio_name"), max_chars=80, key="dio_new_name")
    kinds_of_walk = ["line", "network"] if b.network is not None else ["line"]
    modes = {m: t(f"dio_mode_{m}") for m in kinds_of_walk}
    st.radio(t("dio_mode"), list(modes), horizontal=True, key="dio_new_mode",
             format_func=modes.__getitem__)  # a pure lookup: AppTest calls it outside the run
    st.button(t("dio_create"), key="dio_create", on_click=create, type="primary")
if err := ss.pop(dio.ERROR, None):
    st.error(err)
mine = ws.scenarios(group_id=group["group_id"])
if not mine:
    st.info(t("dio_no_scenario"))
    st.stop()
names = {s.id: s.name for s in mine}
if ss.get("dio_sid") not in names:
    ss["dio_sid"] = mine[-1].id
sid = st.selectbox(t("dio_scenario"), list(names), format_func=names.__getitem__, key="dio_sid",
                   placeholder=t("choose"))
kinds = {k.key: wk.kind_name(k.key) for k in KINDS}
place = PlacePicker("dio", to_cell=wk.target_cell)


@st.fragment
def editor() -> None:
    """Map, edits and figures: a click or an edit reruns only this part of the page."""
    scen = ws.scenario(sid)  # the stored version (an edit saved in a callback moved it on)
    base, eng = wk.baseline(scen.city, scen.mode), wk.scenario_engine(scen)
    ss.setdefault("dio_kind", "bus_stop")  # set from code too: a proposal pulled in
    kind = st.selectbox(t("dio_kind"), list(kinds), format_func=kinds.__getitem__,
                        key="dio_kind", placeholder=t("choose"))
    sites = ss.get("dio_sites") if ss.get("dio_sites_kind") == (sid, kind) else None
    left, right = st.columns([3, 2])
    with left:
        place.map(b, dio.layers(b, scen.mode, base, eng, kind, sites))
        st.caption(t("dio_map_note"))
        place.town_select(b, label=t("dio_town"))
    with right:
        cell = place.cell
        st.markdown(f"**{t('dio_place_label')}** {escape_for_markdown(cell_in_words(b, cell))}")
        st.text_input(t("dio_label"), max_chars=80, key="dio_label")
        st.button(t("dio_add"), key="dio_add", type="primary", disabled=cell is None,
                  on_click=dio.edit, args=(sid, lambda: sc.add(
                      kind, place.cell or "", name=ss.get("dio_label", ""))))
        fnames = dio.facility_names(eng, kind)
        if fnames:
            st.selectbox(t("dio_facility"), list(fnames), format_func=fnames.__getitem__,
                         key="dio_fid", placeholder=t("choose"))
            c1, c2 = st.columns(2)
            c1.button(t("dio_move"), key="dio_move", disabled=cell is None, on_click=dio.edit,
                      args=(sid, lambda: sc.move(kind, ss["dio_fid"], place.cell or "")))
            c2.button(t("dio_remove"), key="dio_remove", on_click=dio.edit,
                      args=(sid, lambda: sc.remove(kind, ss["dio_fid"])))
        st.number_input(t("dio_radius"), min_value=50, max_value=3000, step=50,
                        value=int(eng.radii[kind]), key=f"dio_radius_{kind}")
        st.button(t("dio_set_radius"), key="dio_set_radius", on_click=dio.edit,
                  args=(sid, lambda: sc.set_radius(kind, float(ss[f"dio_radius_{kind}"]))))
        if flash := ss.pop(dio.FLASH, None):
            st.success(flash)
        if err := ss.pop(dio.ERROR, None):
            st.error(err)
    words = lambda c: cell_in_words(b, c)  # noqa: E731 - a place in words, for the tables
    dio.figures(scen, base, eng, kind, kinds, words)
    dio.suggestions_block(sid, eng, kind, place, words)
    dio.proposals_block(sid, b, place)  # a citizen's proposal into the scenario in one click


editor()
cmp.section(ws, group["session_id"], b.id, key="cmp", default_b=sid)

# --- comments on this scenario (the comment store's path: escaped, consented, idempotent) --
st.subheader(t("dio_comment"))
store = get_store()
factors = factor_labels()
with st.form(f"dio_c_{ss.setdefault('dio_c_n', 0)}"):
    text = st.text_area(t("ctext"), max_chars=1000, key="dio_c_text")
    consent = st.checkbox(t("consent", days=retention_days()), key="dio_c_consent")
    sent = st.form_submit_button(t("post"))
if sent:
    eng = wk.scenario_engine(ws.scenario(sid))
    # the comment sits on the picked place, else on the scenario's latest change
    at = place.cell or next((m.cell for m in reversed(eng.mods) if m.cell), None)
    kind = ss.get("dio_kind", "bus_stop")
    if not consent:
        st.error(t("need_consent"))
    elif at is None:
        st.error(t("dio_comment_place"))
    else:
        factor = next((f.key for f in FACTORS if f.ja == KIND_BY_KEY[kind].factor),
                      next(iter(factors)))
        try:
            store.post_comment(idempotency_key=ss.setdefault("dio_c_key", new_key()),
                               session_id=ss[state.SESSION_ID], cell=at, factor=factor,
                               kind="idea", text=text, city=b.id, consent=True,
                               scenario_id=sid, group_token=group["token"])
        except DioramaError as exc:
            st.error(error_text(exc))
        else:
            ss.pop("dio_c_key", None)
            ss["dio_c_n"] += 1
            st.rerun()
for c in store.list_comments(city=b.id, scenario_id=sid, top_level=True):
    with st.container(border=True):
        show_comment(c, factors=factors)
attribution(b)
