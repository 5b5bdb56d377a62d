"""Citizens' voices: pin a comment on a hexagon or a town, +1, reply, report; all as plain text."""

import json
from datetime import datetime, time
from functools import partial

import streamlit as st

from geo.participation.store import Comment, CommentPage
from ui import areas, posting, proposals, safety, state
from ui import photos as ph
from ui import voices as v
from ui.cache import get_bundle
from ui.columns import comments_for_people
from ui.i18n import t
from ui.places import PlacePicker
from ui.widgets import attribution, csv_pair, hexagon_size

#: Comments per page of the list.
LIST_PAGE = 20

state.require_app(__file__)
ss = st.session_state
b = get_bundle(ss[state.CITY])
store = v.get_store()
sid = ss[state.SESSION_ID]
# The tab's nonce lives in the URL, so a retry after the server was restarted (which loses
# session state) computes the same idempotency key and cannot create a duplicate.
ss.setdefault("c_nonce", v.nonce_from_url(st.query_params.get("k")))
if st.query_params.get("k") != ss["c_nonce"]:
    st.query_params["k"] = ss["c_nonce"]
ss.setdefault("c_plus", set())
ss.setdefault("c_reported", set())
factors, kinds = v.factor_labels(), v.kind_labels()
any_factor = {None: t("all"), **factors}
any_kind = {None: t("all"), **kinds}
place = PlacePicker("c")

st.title(t("page_comments"))
st.caption(t("comments_intro"))

# --- the map: comments per cell, coloured by their most common kind, over the pin grid -----
c1, c2 = st.columns([3, 1])
f_map = c1.selectbox(t("map_factor"), list(any_factor), key="c_map_factor",
                     format_func=any_factor.__getitem__, placeholder=t("choose"))
res = hexagon_size(c2, (7, 8, 9), value=v.PIN_RESOLUTION, key="c_res")
layers = [*v.base_layers(b.id), *v.count_layers(b.id, f_map, res), *proposals.layers(store, b.id)]
where = areas.choose(b, place, layers)  # one hexagon, an area or a route: by map or by towns

# --- the form (a fragment: posting reruns only it, so its confirmation shows at once) ----
st.subheader(t("post_title"))
posting.comment_form(store, b, where.cell, hint=where.hint,
                     caption=where.caption(b, place) if where.cell else "", shape=where.draft,
                     factors=factors, kinds=kinds, session_id=sid)
safety.held_for_me(store, b.id, sid)  # the author's own comments under review

# --- the list --------------------------------------------------------------------------
proposals.section(store, b, sid)  # proposed facilities, most people gained first
st.subheader(t("comments_list"))
f1, f2, f3, f4 = st.columns(4)
f_factor = f1.selectbox(t("filter_factor"), list(any_factor), key="c_f_factor",
                        format_func=any_factor.__getitem__, placeholder=t("choose"))
f_kind = f2.selectbox(t("filter_kind"), list(any_kind), key="c_f_kind",
                      format_func=any_kind.__getitem__, placeholder=t("choose"))
any_town = {None: t("all"), **v.town_names(b)}
f_town = f3.selectbox(t("filter_town"), list(any_town), key="c_f_town",
                      format_func=any_town.__getitem__, placeholder=t("choose"))
f_since = f4.date_input(t("since"), value=None, key="c_f_since")
since = datetime.combine(f_since, time(), tzinfo=v.JST) if f_since else None

def fetch(page: int) -> CommentPage:
    """One page of the filtered list (paged, filtered and counted in SQL)."""
    return store.comment_page(city=b.id, factor=f_factor, kind=f_kind, town_code=f_town,
                              since=since, offset=(page - 1) * LIST_PAGE, limit=LIST_PAGE)


listing = fetch(int(ss.get("c_page", 1)))
if ss.get("c_page", 1) > listing.pages:  # the filters changed under a later page
    ss["c_page"] = 1
    listing = fetch(1)
st.caption(t("n_comments", n=listing.total))
if listing.pages > 1:
    st.number_input(t("list_page", pages=listing.pages), 1, listing.pages, key="c_page")
thumbs = store.thumbnails(c.id for c in listing.items)  # visible comments' photos only


def one(c: Comment) -> None:
    """A comment with its photo, +1, replies, reply and report controls."""
    with st.container(border=True):
        v.show_comment(c, factors=factors)
        ph.thumbnail(thumbs.get(c.id))
        a, r_, p_ = st.columns([1, 2, 2])
        a.button(f"+1 ({c.plus_ones})", key=f"plus_{c.id}", disabled=c.id in ss["c_plus"],
                 on_click=v.plus_one, args=(store, c.id, sid))
        for rep in listing.replies.get(c.id, ()):
            v.show_reply(rep)
        v.reply_done(c.id)
        with r_.popover(t("reply")):
            v.reply_form(store, c.id, sid)
        with p_.popover(t("report"), disabled=c.id in ss["c_reported"]):
            v.report_form(store, c.id, sid)


for c in listing.items:
    one(c)

# --- my comment, exports ------------------------------------------------------------------
with st.expander(t("delete_mine")):
    v.delete_form(store)
e1, e2, e3, e4 = st.columns(4)
# exports are made when clicked (a callable), not on every run of the page
with e1:  # for people (headers in the user's language) and for tools (README's columns)
    csv_pair(partial(store.export_csv, city=b.id), comments_for_people, label=t("export_csv"),
             stem=f"{b.id}_comments", key="c_export_csv")
e2.download_button(t("export_geojson"),
                   lambda: json.dumps(store.export_geojson(city=b.id), ensure_ascii=False),
                   file_name=f"{b.id}_comments.geojson", mime="application/geo+json")
e3.download_button(t("export_decidim"), partial(store.export_decidim, city=b.id),
                   file_name=f"{b.id}_decidim_proposals.csv", mime="text/csv")
ph.export_button(e4, store, b.id)  # photos a moderator approved for export, nothing else
st.caption(t("lifecycle", days=v.retention_days()))
attribution(b)
