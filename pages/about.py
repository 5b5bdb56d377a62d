"""Data page: sources, licences, attribution, method, build warnings and what is missing."""

import streamlit as st

from geo.text import escape_for_markdown
from ui import about_view as about
from ui import format as fmt
from ui import state
from ui.cache import get_bundle
from ui.i18n import lang, t
from ui.widgets import attribution, data_notes

state.require_app(__file__)
b = get_bundle(st.session_state[state.CITY])
m = b.manifest
st.title(t("page_about"))
city = m["city"]
st.write(f"**{escape_for_markdown(str(city['name_ja']))} / "  # names from files: text
         f"{escape_for_markdown(str(city['name_en']))}** — {city['crs']} — "
         f"{t('about_built', when=fmt.stamp(m['built_at']))}")
data_notes(b)

st.subheader(t("sources_table"))
st.dataframe(about.sources_table(m), hide_index=True, width="stretch")
st.subheader(t("method"))
st.write(t("method_text"))
if m.get("assumptions"):
    st.write(f"{t('assumption')}: {m['assumptions'][lang()]}")
st.dataframe(about.counts_table(m), hide_index=True)
if m["warnings"]:
    st.subheader(t("warnings"))
    for w in m["warnings"]:
        st.text(about.warning_text(w))
if m["unclassified"]:
    st.subheader(t("unclassified"))
    st.dataframe(about.unclassified_table(m), hide_index=True, width="stretch")
attribution(b)
