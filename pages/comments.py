"""Citizens' voices: pin a comment on a hexagon or a town, +1, reply, report; all as plain text."""

import json
from functools import partial

import pandas as pd
import streamlit as st

from geo import deck, grid
from geo.errors import DioramaError
from geo.store import IdempotencyConflict
from ui import state
from ui.cache import get_bundle
from ui.i18n import t
from ui.voices import (
    KIND_COLORS,
    PIN_RESOLUTION,
    base_layers,
    cell_towns,
    error_text,
    factor_labels,
    get_store,
    kind_labels,
    new_key,
    nonce_from_url,
    retention_days,
    show_comment,
    submission_key,
    town_cells,
)
from ui.widgets import attribution

#: Comments per page of the list.
LIST_PAGE = 20

state.require_app(__file__)
ss = st.session_state
b = get_bundle(ss[state.CITY])
store = get_store()
sid = ss[state.SESSION_ID]
# The tab's nonce lives in the URL, so a retry after the server was restarted (which loses
# session state) computes the same idempotency key and cannot create a duplicate.
ss.setdefault("c_nonce", nonce_from_url(st.query_params.get("k")))
if st.query_params.get("k") != ss["c_nonce"]:
    st.query_params["k"] = ss["c_nonce"]
ss.setdefault("c_plus", set())
ss.setdefault("c_reported", set())
factors = factor_labels()
kinds = kind_labels()
any_factor = {None: t("all"), **factors}
any_kind = {None: t("all"), **kinds}

st.title(t("page_comments"))
st.caption(t("comments_intro"))

# --- the map: comments per cell, coloured by their most common kind, over a pin grid -----
c1, c2 = st.columns([3, 1])
f_map = c1.selectbox(t("factor"), list(any_factor), key="c_map_factor",
                     format_func=any_factor.__getitem__)
res = c2.select_slider(t("resolution"), options=[7, 8, 9], value=PIN_RESOLUTION, key="c_res")
summary = store.cell_summary(city=b.id, factor=f_map, resolution=res)
layers = list(base_layers(b.id))
for kind, color in KIND_COLORS.items():
    part = summary[summary["dominant_kind"] == kind]
    counts = pd.Series(part["count"].to_numpy(dtype=float), index=grid.to_cells(part["cell"]))
    layers.append(deck.count_layer(counts, layer_id=f"c_{kind}", color=color))
event = st.pydeck_chart(deck.deck(layers, view=deck.view_of(b.boundary, height_px=460)),
                        on_select="rerun",
                        selection_mode="single-object", key="c_map", height=460)
st.caption(t("comments_map_note"))
picked = [o for objs in (event.selection.get("objects", {}) or {}).values() for o in objs] \
    if event else []
if picked:
    cell = str(picked[0]["h"])
    if grid.resolution_of(grid.to_cells([cell]))[0] > PIN_RESOLUTION:
        cell = grid.to_strings(grid.parents(grid.to_cells([cell]), PIN_RESOLUTION))[0]
    ss["c_cell"] = cell

# --- the non-map path: pick a town -------------------------------------------------------
towns = town_cells(b)
if towns and b.towns is not None:
    names = dict(zip(b.towns["town_code"], b.towns["name"], strict=True))
    code = st.selectbox(t("town_pick"), [c for c in names if c in towns], index=None,
                        placeholder=t("choose"), format_func=names.__getitem__, key="c_town")
    if code is not None and ss.get("c_town_used") != code:
        ss["c_cell"], ss["c_town_used"] = towns[code], code

# --- the form --------------------------------------------------------------------------
st.subheader(t("post_title"))
cell = ss.get("c_cell")
if cell is None:
    st.info(t("pick_first"))
else:
    st.write(t("pinned_at", cell=cell))
    factor = st.selectbox(t("factor"), list(factors), format_func=factors.__getitem__,
                          key="c_factor")
    similar = store.similar_nearby(city=b.id, cell=cell, factor=factor)
    if len(similar):
        with st.container(border=True):
            st.caption(t("similar_nearby"))
            for row in similar.head(5).to_dict("records"):
                show_comment(row, factors=factors)
                if st.button(f"+1 ({int(row['plus_ones'])})", key=f"sim_plus_{row['id']}",
                             disabled=int(row["id"]) in ss["c_plus"]):
                    store.plus_one(comment_id=int(row["id"]), session_id=sid)
                    ss["c_plus"].add(int(row["id"]))
                    st.rerun()
    # A new form number after each successful post gives fresh, empty widgets (the browser
    # keeps a widget's value otherwise); a failed post keeps what the citizen wrote.
    n = ss.setdefault("c_form_n", 0)

    def post(n: int, cell: str, factor: str) -> None:
        """The form's callback: it runs before the page, so one run shows the new comment
        on the map and in the list (no second run after posting)."""
        if not ss.get(f"c_consent_{n}"):
            ss["c_error"] = t("need_consent")
            return
        text, nickname = ss.get(f"c_text_{n}", ""), ss.get(f"c_nick_{n}", "")
        kind = ss.get(f"c_kind_{n}")
        try:
            r = store.post_comment(
                idempotency_key=submission_key(ss["c_nonce"], cell, factor, kind, text,
                                               nickname),
                session_id=sid, cell=cell, factor=factor, kind=kind, text=text,
                nickname=nickname or None, town_code=cell_towns(b).get(cell), city=b.id,
                consent=True)
        except IdempotencyConflict:
            # the same submission was stored before the server restarted (another session)
            ss["c_flash"], ss["c_form_n"] = "already_posted", n + 1
            return
        except DioramaError as exc:
            ss["c_error"] = error_text(exc)
            return
        if r.created:
            ss["c_last"] = {"id": r.comment_id, "token": r.edit_token}
        else:
            ss["c_flash"] = "already_posted"
        ss["c_form_n"] = n + 1

    with st.form(f"c_form_{n}", clear_on_submit=False):
        st.radio(t("ckind"), list(kinds), format_func=kinds.__getitem__, horizontal=True,
                 key=f"c_kind_{n}")
        st.text_area(t("ctext"), max_chars=1000, key=f"c_text_{n}")
        st.text_input(t("nickname"), max_chars=40, key=f"c_nick_{n}")
        st.checkbox(t("consent", days=retention_days()), key=f"c_consent_{n}")
        st.form_submit_button(t("post"), type="primary", on_click=post, args=(n, cell, factor))
    if error := ss.pop("c_error", None):
        st.error(error)
if flash := ss.pop("c_flash", None):
    st.info(t(flash))
last = ss.get("c_last")
if last:
    st.success(t("posted", id=last["id"]))
    st.code(last["token"], language=None)
    st.caption(t("token_note"))

# --- the list --------------------------------------------------------------------------
st.subheader(t("comments_list"))
f1, f2, f3, f4 = st.columns(4)
f_factor = f1.selectbox(t("factor"), list(any_factor), key="c_f_factor",
                        format_func=any_factor.__getitem__)
f_kind = f2.selectbox(t("ckind"), list(any_kind), key="c_f_kind",
                      format_func=any_kind.__getitem__)
town_names = {None: t("all")}
if b.towns is not None:
    town_names |= dict(zip(b.towns["town_code"], b.towns["name"], strict=True))
f_town = f3.selectbox(t("town"), list(town_names), key="c_f_town",
                      format_func=town_names.__getitem__)
f_since = f4.date_input(t("since"), value=None, key="c_f_since")
rows = store.list_comments(
    city=b.id, factor=f_factor, kind=f_kind, town_code=f_town,
    since=pd.Timestamp(f_since, tz="UTC").to_pydatetime() if f_since else None)
top = rows[rows["parent_id"].isna()].sort_values("created_at", ascending=False)
replies: dict[int, list[dict]] = {}
for rep in rows[rows["parent_id"].notna()].to_dict("records"):
    replies.setdefault(int(rep["parent_id"]), []).append(rep)
st.caption(t("n_comments", n=len(top)))
# one page of the list at a time: every comment brings its own buttons and forms, and a page
# run (and its payload) grows with each element
pages = max(1, -(-len(top) // LIST_PAGE))
page = st.number_input(t("list_page", pages=pages), 1, pages, 1, key="c_page") \
    if pages > 1 else 1
# records, not iterrows: a row Series of Arrow-backed strings costs more than the row itself
for row in top.iloc[(page - 1) * LIST_PAGE:page * LIST_PAGE].to_dict("records"):
    cid = int(row["id"])
    with st.container(border=True):
        show_comment(row, factors=factors)
        a, r_, p_ = st.columns([1, 2, 2])
        if a.button(f"+1 ({int(row['plus_ones'])})", key=f"plus_{cid}",
                    disabled=cid in ss["c_plus"]):
            store.plus_one(comment_id=cid, session_id=sid)
            ss["c_plus"].add(cid)
            st.rerun()
        for rep in replies.get(cid, []):
            st.markdown("↳")
            show_comment(rep, factors=factors)
        with r_.popover(t("reply")):
            rtext = st.text_area(t("ctext"), max_chars=1000, key=f"rtext_{cid}")
            rconsent = st.checkbox(t("consent", days=retention_days()), key=f"rcons_{cid}")
            if st.button(t("post"), key=f"rsend_{cid}", disabled=not rconsent):
                try:
                    store.reply(parent_id=cid, idempotency_key=ss.setdefault(
                        f"rkey_{cid}", new_key()), session_id=sid, text=rtext, consent=True)
                except DioramaError as exc:
                    st.error(error_text(exc))
                else:
                    ss.pop(f"rkey_{cid}", None)
                    st.rerun()
        with p_.popover(t("report"), disabled=cid in ss["c_reported"]):
            reason = st.text_input(t("report_reason"), max_chars=200, key=f"rreason_{cid}")
            if st.button(t("report"), key=f"rep_{cid}"):
                store.report(comment_id=cid, session_id=sid, reason=reason or "-")
                ss["c_reported"].add(cid)
                st.rerun()

# --- my comment, exports ------------------------------------------------------------------
with st.expander(t("delete_mine")):
    did = st.number_input(t("comment_id"), min_value=1, step=1, key="c_del_id")
    token = st.text_input(t("edit_token"), type="password", key="c_del_token")
    if st.button(t("delete"), key="c_del"):
        try:
            ok = store.delete_by_token(comment_id=int(did), token=token)
        except DioramaError as exc:
            st.error(error_text(exc))
        else:
            (st.success if ok else st.error)(t("deleted") if ok else t("wrong_token"))
e1, e2, e3 = st.columns(3)
# exports are made when clicked (a callable), not on every run of the page
e1.download_button(t("export_csv"), partial(store.export_csv, city=b.id),
                   file_name=f"{b.id}_comments.csv", mime="text/csv")
e2.download_button(t("export_geojson"),
                   lambda: json.dumps(store.export_geojson(city=b.id), ensure_ascii=False),
                   file_name=f"{b.id}_comments.geojson", mime="application/geo+json")
e3.download_button(t("export_decidim"), partial(store.export_decidim, city=b.id),
                   file_name=f"{b.id}_decidim_proposals.csv", mime="text/csv")
st.caption(t("lifecycle", days=retention_days()))
attribution(b)
