"""The one-shot flash line a page shows after an action that ran in a widget callback."""

from __future__ import annotations

import streamlit as st

from utils.page_state import PageState


def show_flash(state: PageState) -> None:
    """Show (and forget) the page's pending flash message, if any."""
    flash = state.pop_flash()
    if flash is not None:
        {"success": st.success, "error": st.error, "info": st.info}[flash.level](flash.message)
