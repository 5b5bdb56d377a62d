"""Streamlit helpers shared by the pages: strings in two languages, session state, cached calls."""
