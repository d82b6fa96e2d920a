"""Streamlit entry point: page setup, the shared service context, sidebar and routing only."""

from __future__ import annotations

import streamlit as st

from controllers.datasource_controller import DatasourceController
from services.bootstrap import bootstrap, configure_logging
from services.context import ServiceContext
from views import datasources
from views.shared.feedback import reported_errors


def _close_context(context: ServiceContext) -> None:
    # Runs when the cache entry is released (cache cleared, server stopping): close the pools.
    context.close()


@st.cache_resource(show_spinner="Opening the metadata store…", on_release=_close_context)
def service_context() -> ServiceContext:
    """The one ServiceContext of this Streamlit server process, shared by every session."""
    configure_logging()
    return bootstrap()


def datasources_page() -> None:
    """The Datasources page, wired to the shared context."""
    # Last line of defence: whatever a page lets through is logged, never shown as a traceback.
    with reported_errors("showing the Datasources page"):
        datasources.render(DatasourceController(service_context()))


st.set_page_config(page_title="HIS Analyzer", layout="wide")
pages = [
    st.Page(
        datasources_page,
        title="Datasources",
        icon=":material/database:",
        url_path="datasources",
        default=True,
    ),
]
with st.sidebar:
    st.title("HIS Analyzer")
    st.caption("Analyse a legacy HIS database and migrate it.")
st.navigation(pages).run()
