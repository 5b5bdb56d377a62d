"""The diorama: a group edits its scenario; coverage recomputes at once; before / after."""

import streamlit as st

from geo import deck
from geo import scenario as sc
from geo.coverage import KIND_BY_KEY, KINDS
from geo.errors import DioramaError
from geo.store import FACTORS
from geo.text import escape_for_markdown
from ui import state
from ui import workshop as wk
from ui.cache import get_bundle
from ui.i18n import t
from ui.voices import (
    error_text,
    factor_labels,
    get_store,
    new_key,
    retention_days,
    show_comment,
    town_cells,
)
from ui.widgets import attribution

state.require_app(__file__)
ss = st.session_state
st.title(t("page_diorama"))
group = ss.get(wk.GROUP)
if not group:
    st.info(t("dio_need_group"))
    st.page_link("pages/workshop.py", label=t("page_workshop"), icon=":material/groups:")
    st.stop()
ws = wk.workshop()
b = get_bundle(group["city"])
st.caption(f"{escape_for_markdown(group['title'])} · {escape_for_markdown(group['group'])}")

# --- the group's scenarios -----------------------------------------------------------------
mine = ws.scenarios(group_id=group["group_id"])
with st.popover(t("dio_new")):
    name = st.text_input(t("dio_name"), max_chars=80, key="dio_new_name")
    mode = st.radio(t("dio_mode"), ["line", "network"] if b.network is not None else ["line"],
                    horizontal=True, key="dio_new_mode")
    if st.button(t("dio_create"), key="dio_create") and name:
        try:
            s = ws.create_scenario(group_token=group["token"], name=name, mode=mode)
        except DioramaError as exc:
            st.error(error_text(exc))
        else:
            ss["dio_sid"] = s.id
            st.rerun()
if not mine:
    st.info(t("dio_no_scenario"))
    st.stop()
ids = [s.id for s in mine]
names = {s.id: s.name for s in mine}
if ss.get("dio_sid") not in ids:
    ss["dio_sid"] = ids[-1]
sid = st.selectbox(t("dio_scenario"), ids, format_func=names.__getitem__, key="dio_sid")
scen = next(s for s in mine if s.id == sid)
base = wk.baseline(scen.city, scen.mode)
eng = wk.scenario_engine(scen)

kinds = {k.key: wk.kind_name(k.key) for k in KINDS}
kind = st.selectbox(t("dio_kind"), list(kinds), format_func=kinds.__getitem__,
                    index=list(kinds).index("bus_stop"), key="dio_kind")


def edit(mod: sc.Modification) -> None:
    """Apply one edit, save it, report the recompute time (or why it was refused)."""
    try:
        _, change, ms = wk.apply_and_save(scen, mod)
    except DioramaError as exc:
        st.error(error_text(exc))
    else:
        ss["dio_flash"] = t("dio_recompute", ms=ms, n=len(change.cells),
                            gained=len(change.gained), lost=len(change.lost))
        st.rerun()


# --- where: a click on the map, or a town from the list --------------------------------
sites = ss.get("dio_sites") if ss.get("dio_sites_kind") == (sid, kind) else None
left, right = st.columns([3, 2])
with left:
    event = st.pydeck_chart(
        deck.deck(wk.scenario_layers(b, base, eng, kind, sites),
                  view=deck.view_of(b.boundary, height_px=460)),
        on_select="rerun", selection_mode="single-object", key="dio_map", height=460)
    st.caption(t("dio_map_note"))
    picked = [o for objs in (event.selection.get("objects", {}) or {}).values() for o in objs
              if isinstance(o, dict) and "h" in o] if event else []
    if picked:
        ss["dio_cell"] = wk.target_cell(str(picked[0]["h"]))
    towns = town_cells(b)
    if towns and b.towns is not None:
        tnames = dict(zip(b.towns["town_code"], b.towns["name"], strict=True))
        code = st.selectbox(t("dio_town"), [c for c in tnames if c in towns], index=None,
                            placeholder=t("choose"), format_func=tnames.__getitem__,
                            key="dio_town")
        if code is not None and ss.get("dio_town_used") != code:
            ss["dio_cell"], ss["dio_town_used"] = wk.target_cell(towns[code]), code
with right:
    cell = ss.get("dio_cell")
    st.write(t("dio_place", cell=cell or "—"))
    label = st.text_input(t("dio_label"), max_chars=80, key="dio_label")
    if st.button(t("dio_add"), key="dio_add", type="primary", disabled=cell is None):
        edit(sc.add(kind, cell, name=label))
    fac = eng.facilities(kind)
    if len(fac):
        fnames = {r.id: f"{r.name or r.id}" + (" ★" if r.added else "")
                  for r in fac.itertuples()}
        fid = st.selectbox(t("dio_facility"), list(fnames), format_func=fnames.__getitem__,
                           key="dio_fid")
        c1, c2 = st.columns(2)
        if c1.button(t("dio_move"), key="dio_move", disabled=cell is None):
            edit(sc.move(kind, fid, cell))
        if c2.button(t("dio_remove"), key="dio_remove"):
            edit(sc.remove(kind, fid))
    radius = st.number_input(t("dio_radius"), min_value=50, max_value=3000, step=50,
                             value=int(eng.radii[kind]), key=f"dio_radius_{kind}")
    if st.button(t("dio_set_radius"), key="dio_set_radius"):
        edit(sc.set_radius(kind, float(radius)))
    if flash := ss.pop("dio_flash", None):
        st.success(flash)

# --- before / after ---------------------------------------------------------------------
st.subheader(t("dio_before_after"))
f0, f1 = base.figures().loc[kind], eng.figures().loc[kind]
m1, m2, m3 = st.columns(3)
if f1["status"] == "ok" or f0["status"] == "ok":
    m1.metric(t("dio_covered"), f"{f1['covered']:,.0f}",
              f"{f1['covered'] - f0['covered']:+,.0f}")
    m2.metric(t("dio_rate"), f"{f1['rate'] * 100:.2f} %",
              f"{(f1['rate'] - f0['rate']) * 100:+.2f} pt")
else:
    st.caption(t("dio_no_pop"))
m3.metric(t("dio_cells"), f"{int(f1['cells_covered']):,}",
          f"{int(f1['cells_covered'] - f0['cells_covered']):+,}")
table = wk.before_after_table(base, eng)
st.dataframe(table, hide_index=True, key="dio_table")
r1, r2 = st.columns([2, 3])
r1.markdown(f"**{t('dio_radar')}**")
r1.image(wk.radar(base, eng), alt=t("dio_radar"))
with r2:
    st.markdown(f"**{t('dio_mods')}**")
    for i, m in enumerate(eng.mods, 1):
        st.text(f"{i}. {m.op} {kinds[m.kind]} {m.facility or ''} {m.cell or ''}"
                f"{'' if m.radius_m is None else f' {m.radius_m:.0f} m'}")

# --- site suggestions -------------------------------------------------------------------
st.subheader(t("dio_suggest"))
n = st.number_input(t("dio_suggest_n"), 1, 10, 3, key="dio_suggest_n")
if st.button(t("dio_suggest_run"), key="dio_suggest_run"):
    ss["dio_sites"], ss["dio_sites_kind"] = wk.suggestions(eng, kind, int(n)), (sid, kind)
    st.rerun()
if sites is not None and len(sites):
    st.dataframe(sites, hide_index=True, key="dio_sites_table")
    pick = st.selectbox(t("dio_site_pick"), list(sites["rank"]), key="dio_site_pick")
    if st.button(t("dio_add_site"), key="dio_add_site"):
        row = sites[sites["rank"] == pick].iloc[0]
        ss.pop("dio_sites", None)
        edit(sc.add(kind, str(row["cell"]), name=f"#{int(pick)}"))

# --- comments on this scenario (the comment store's path: escaped, consented, idempotent) --
st.subheader(t("dio_comment"))
store = get_store()
factors = factor_labels()
with st.form(f"dio_c_{ss.setdefault('dio_c_n', 0)}"):
    text = st.text_area(t("ctext"), max_chars=1000, key="dio_c_text")
    consent = st.checkbox(t("consent", days=retention_days()), key="dio_c_consent")
    sent = st.form_submit_button(t("post"))
if sent:
    # the comment sits on the picked place, else on the scenario's latest change
    at = cell or next((m.cell for m in reversed(eng.mods) if m.cell), None)
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
                               scenario_id=scen.id)
        except DioramaError as exc:
            st.error(error_text(exc))
        else:
            ss.pop("dio_c_key", None)
            ss["dio_c_n"] += 1
            st.rerun()
rows = store.list_comments(city=b.id)
for _, row in rows[rows["scenario_id"] == scen.id].iterrows():
    with st.container(border=True):
        show_comment(row, factors=factors)
attribution(b)
