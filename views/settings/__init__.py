"""The Settings page: datasources, saved mapping configs, and a config's version history."""

from __future__ import annotations

import streamlit as st

from controllers.config_controller import ConfigController
from controllers.datasource_controller import DatasourceController
from services.context import ServiceContext
from views.settings import configs, datasources, history
from views.shared.feedback import reported_errors


def show(ctx: ServiceContext) -> None:
    """Draw the Settings page: one tab per kind of thing it keeps."""
    st.title("Settings")
    st.caption(
        "The databases HIS Analyzer reads from and writes to, and the mapping configs saved "
        "between them. Passwords are stored encrypted and never shown."
    )
    datasources_tab, configs_tab, history_tab = st.tabs(["Datasources", "Saved configs", "History"])
    config_controller = ConfigController(ctx)
    # Each tab on its own: a failure in one is its one error line, the others still work.
    with datasources_tab, reported_errors("showing the datasources"):
        datasources.render(DatasourceController(ctx))
    with configs_tab, reported_errors("showing the saved configs"):
        configs.render(config_controller)
    with history_tab, reported_errors("showing the config history"):
        history.render(config_controller)
