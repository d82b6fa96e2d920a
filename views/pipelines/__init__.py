"""The Pipelines page: the pipelines, one pipeline's graph, runs and past runs, and the form
that puts a new one together from saved configs.

Actions that change the store run in widget callbacks, before the page is drawn, so what the
page shows after a click is the store as it is; each ends in the page's flash line.
"""

from __future__ import annotations

import streamlit as st

from controllers.pipeline_controller import PipelineController
from services.context import ServiceContext
from utils.page_state import PageState
from views.components.resource_list import resource_list
from views.pipelines.create import create_form
from views.pipelines.detail import forget_pipeline_widgets, pipeline_panel
from views.shared.feedback import reported_errors

PAGE = "pl"

_PIPELINE_COLUMNS = {
    "name": "Name",
    "steps": "Steps",
    "levels": "Levels",
    "last_run": "Last run",
    "description": "Description",
}


def show(ctx: ServiceContext) -> None:
    """Draw the Pipelines page."""
    render(PipelineController(ctx))


def render(controller: PipelineController) -> None:
    """Draw the page on `controller`."""
    state = PageState(PAGE)
    st.title("Pipelines")
    st.caption(
        "A pipeline runs saved mapping configs as steps, each once the steps it waits for have "
        "succeeded. Runs are jobs: they go on when this page is closed."
    )
    rows = None
    with reported_errors("reading the pipelines"):
        rows = controller.rows()
        name = resource_list(
            state,
            rows,
            key_column="name",
            labels=_PIPELINE_COLUMNS,
            select_label="Pipeline",
            empty_text="No pipeline yet — create one below from saved configs.",
            on_select=lambda: forget_pipeline_widgets(state),
        )
        if name is not None:
            with reported_errors(f"showing pipeline {name}"):
                pipeline_panel(controller, state, name)
    if rows is None:
        return  # the store could not be read: its one error line is shown
    st.divider()
    with reported_errors("showing the create form"):
        create_form(controller, state, expanded=not rows)
