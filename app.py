"""Streamlit entry point: page setup, the sidebar and routing only (the pages: views/pages.py)."""

from __future__ import annotations

import streamlit as st

from views.pages import navigation

st.set_page_config(page_title="HIS Analyzer", layout="wide")
with st.sidebar:
    st.title("HIS Analyzer")
    st.caption("Analyse a legacy HIS database, map it, and migrate it.")
st.navigation(navigation()).run()
