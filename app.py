"""Well-Being Diorama: entry point (streamlit run app.py)."""

from pathlib import Path

import streamlit as st

from geo.settings import configure_logging
from ui import state
from ui.i18n import t
from ui.voices import DB_ERRORS, db_unavailable

# the icon is a file of ours: a Material icon name makes every browser fetch it from Google's
# font servers (a request leaving the room, and a broken icon offline)
ICON = Path(__file__).resolve().parent / "ui" / "assets" / "favicon.png"
st.set_page_config(page_title="Well-Being Diorama", page_icon=str(ICON), layout="wide")
configure_logging()  # the library's log, at DIORAMA_LOG_LEVEL (INFO by default)
state.init()
state.sidebar()

pages = [
    st.Page("pages/map.py", title=t("page_map"), icon=":material/map:", default=True),
    st.Page("pages/coverage.py", title=t("page_coverage"), icon=":material/directions_walk:"),
    st.Page("pages/comments.py", title=t("page_comments"), icon=":material/forum:"),
    st.Page("pages/workshop.py", title=t("page_workshop"), icon=":material/groups_3:"),
    st.Page("pages/diorama.py", title=t("page_diorama"), icon=":material/hexagon:"),
    st.Page("pages/moderation.py", title=t("page_moderation"), icon=":material/shield:"),
    st.Page("pages/flows.py", title=t("page_flows"), icon=":material/groups:"),
    st.Page("pages/vacancy.py", title=t("page_vacancy"), icon=":material/house:"),
    st.Page("pages/survey.py", title=t("page_survey"), icon=":material/radar:"),
    st.Page("pages/catalog.py", title=t("page_catalog"), icon=":material/category:"),
    st.Page("pages/about.py", title=t("page_about"), icon=":material/menu_book:"),
    st.Page("pages/build_city.py", title=t("page_build_city"), icon=":material/add_location_alt:"),
]
try:
    current = st.navigation(pages)
    state.forward()
    current.run()
except DB_ERRORS:
    # The comment database went away in the middle of a page: say so plainly, keep the rest
    # of the app usable, and reconnect on the next run.
    db_unavailable()
