"""The comment form and its confirmation, as one fragment of the comments page.

Posting reruns only this part: the confirmation (the deletion code, and what a proposed
facility would change) is in view as soon as the comment is stored, instead of after the
whole page (map, proposals, list: about 500 kB and 450 elements with 5,000 comments) has been
run and sent again. Choosing the factor reruns only this part too. Closing the confirmation
reruns the whole page, so the new comment appears on the map and in the list.
"""

from __future__ import annotations

import streamlit as st

from geo.ingest.bundle import CityBundle
from geo.participation.store import ShapeDraft, Store
from geo.text import escape_for_markdown

from . import photos as ph
from . import proposals
from . import voices as v
from .i18n import t


@st.fragment
def comment_form(store: Store, b: CityBundle, cell: str | None, *, hint: str, caption: str,
                 shape: ShapeDraft | None, factors: dict[str, str], kinds: dict[str, str],
                 session_id: str) -> None:
    """Where the comment goes (in words), the factor, similar comments nearby, the form, and
    after posting the confirmation dialog. ``cell`` None: nothing chosen yet (``hint``)."""
    ss = st.session_state
    if ss.pop(v.REFRESH, False):  # the confirmation was closed: the whole page, once
        st.rerun(scope="app")
    if cell is None:
        st.info(t(hint))
    else:
        st.markdown(f"**{t('place_chosen')}** {escape_for_markdown(caption)}")
        # the factor is the citizen's choice: no default that a hurried post would keep
        factor = st.selectbox(t("factor"), list(factors), index=None,
                              placeholder=t("factor_pick"), format_func=factors.__getitem__,
                              key="c_factor")
        if factor is not None:
            v.similar_block(store, b.id, cell, factor, factors=factors, session_id=session_id)
        n = ss.setdefault("c_form_n", 0)
        with st.form(f"c_form_{n}", clear_on_submit=False):
            st.radio(t("ckind"), list(kinds), format_func=kinds.__getitem__, horizontal=True,
                     index=None, key=f"c_kind_{n}")
            proposals.facility_field(b, n)  # an idea may propose a facility here
            st.text_area(t("ctext"), max_chars=1000, key=f"c_text_{n}")
            st.text_input(t("nickname"), max_chars=40, key=f"c_nick_{n}")
            ph.upload_field(n)
            st.checkbox(t("consent", days=v.retention_days()), key=f"c_consent_{n}")
            if error := ss.pop("c_error", None):  # where the button was: in view after the press
                st.error(error)
            st.form_submit_button(t("post"), type="primary", on_click=proposals.post_from_form,
                                  args=(store, b, n, cell, factor), kwargs={"shape": shape})
    if flash := ss.pop("c_flash", None):
        st.info(t(flash))
    if ss.get("c_last"):
        v.posted_dialog(proposals.in_dialog)  # the code (and a proposal's figures) in view


__all__ = ["comment_form"]
