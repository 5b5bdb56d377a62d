"""Factor ↔ smart-service catalog: pick a factor → services; pick a service → its factors."""

import pandas as pd
import streamlit as st

from geo.participation.framework import FRAMEWORK
from geo.text import escape_for_markdown
from ui import state
from ui.cache import get_bundle
from ui.i18n import lang, t
from ui.survey import get_catalog, measure_labels
from ui.widgets import attribution

state.require_app(__file__)
ss = st.session_state
b = get_bundle(ss[state.CITY])
cat = get_catalog()
ja = lang() == "ja"
st.title(t("page_catalog"))
st.caption(t("cat_intro"))

factors = {k: v for k, v in measure_labels().items() if FRAMEWORK.headline(k) is None}
services = {s.id: (s.ja if ja else s.en) for s in cat.services}

left, right = st.columns(2)
with left:
    st.subheader(t("cat_by_factor"))
    factor = st.selectbox(t("cat_pick_factor"), list(factors), key="cat_factor",
                          format_func=factors.__getitem__, placeholder=t("choose"))
    found = cat.services_for(factor)
    st.caption(t("cat_services_found", n=len(found)))
    if not found:
        st.info(t("cat_none"))
    for s in found:
        with st.container(border=True):
            st.markdown(escape_for_markdown(f"{s.ja if ja else s.en} — {s.where}"))
            st.markdown(escape_for_markdown(s.summary_ja if ja else s.summary_en))
            st.caption(f"{t('cat_source')}: " + escape_for_markdown(s.source))
with right:
    st.subheader(t("cat_by_service"))
    sid = st.selectbox(t("cat_pick_service"), list(services), key="cat_service",
                       format_func=services.__getitem__, placeholder=t("choose"))
    s = cat.service(sid)
    st.markdown(escape_for_markdown(f"{s.ja if ja else s.en} — {s.where}"))
    st.markdown(escape_for_markdown(s.summary_ja if ja else s.summary_en))
    st.caption(f"{t('cat_source')}: " + escape_for_markdown(s.source))
    st.markdown(f"**{t('cat_factors_found')}**")
    for f in cat.factors_for(sid):
        st.markdown(f"- {f.group} / {f.ja}" if ja else f"- {f.en}")

st.subheader(t("cat_coverage"))
counts = cat.coverage()
st.dataframe(pd.DataFrame({t("factor"): [factors[k] for k in counts],
                           t("cat_n_services"): list(counts.values())}),
             hide_index=True, width="stretch")
st.caption(t("cat_note"))
attribution(b)
