"""The dashboard's one ServiceContext per Streamlit server process, shared by every session."""

from __future__ import annotations

import streamlit as st

from services.bootstrap import bootstrap, configure_logging
from services.context import ServiceContext


def _close_context(context: ServiceContext) -> None:
    # Runs when the cache entry is released (cache cleared, server stopping): close the pools.
    context.close()


@st.cache_resource(show_spinner="Opening the metadata store…", on_release=_close_context)
def service_context() -> ServiceContext:
    """The context every page's controller is built on (settings from the environment)."""
    configure_logging()
    return bootstrap()
