"""The create-a-pipeline form: a name, the saved configs that become its steps, and for each
step the steps it waits for, drawn as a graph while it is being put together.

The form is not an `st.form`: each step's "waits for" box must follow the steps chosen above
it at once. Creating runs in the button's callback; its outcome is the page's flash line.
"""

from __future__ import annotations

import streamlit as st

from controllers.pipeline_controller import (
    DraftStep,
    PipelineController,
    PipelineDraft,
    draft_nodes,
)
from utils.page_state import PageState
from views.components.resource_list import forget_row_widgets
from views.pipelines.step_graph import show_step_graph
from views.shared.feedback import reported_errors


def create_form(controller: PipelineController, state: PageState, *, expanded: bool) -> None:
    """The form, in an expander (open when there is no pipeline yet)."""
    with st.expander("Create a pipeline", expanded=expanded):
        configs = controller.config_names()
        if not configs:
            st.info(
                "No saved config yet — save one in the Schema Mapper (or Settings), then make "
                "it a step here."
            )
            return
        st.text_input("Name", key=state.key("new_name"), placeholder="nightly")
        st.text_input("Description (optional)", key=state.key("new_description"))
        # A step taken away keeps no stale choice in the box below (its options changed).
        chosen = [name for name in state.get("new_steps") or [] if name in configs]
        state.set("new_steps", chosen)
        steps = st.multiselect(
            "Steps: the saved configs to run (a step is named after its config)",
            configs,
            key=state.key("new_steps"),
        )
        for step in steps:
            _dependency_box(state, step, [other for other in steps if other != step])
        draft = _draft(state)
        if draft.steps:
            show_step_graph(draft_nodes(draft), key=state.key("draft_graph"))
        st.button(
            "Create pipeline",
            key=state.key("create"),
            type="primary",
            disabled=not steps,
            on_click=_on_create,
            args=(controller, state),
        )


def _dependency_box(state: PageState, step: str, others: list[str]) -> None:
    name = _after(step)
    kept = [other for other in state.get(name) or [] if other in others]
    state.set(name, kept)
    st.multiselect(
        f"{step} waits for",
        others,
        key=state.key(name),
        help="It starts only once every step chosen here has succeeded.",
    )


def _after(step: str) -> str:
    return f"new_after_{step}"


def _draft(state: PageState) -> PipelineDraft:
    steps = list(state.get("new_steps") or [])
    return PipelineDraft(
        name=state.get("new_name") or "",
        description=state.get("new_description") or "",
        steps=tuple(DraftStep(step, step, tuple(state.get(_after(step)) or ())) for step in steps),
    )


def _on_create(controller: PipelineController, state: PageState) -> None:
    draft = _draft(state)
    # On failure (a cycle, a taken name) the form keeps what was chosen, to be corrected.
    with reported_errors("creating the pipeline", report=lambda line: state.flash("error", line)):
        view = controller.create(draft)
        for step in draft.steps:
            state.forget(_after(step.name))
        state.set("new_name", "")
        state.set("new_description", "")
        state.set("new_steps", [])
        state.set("selected", view.pipeline.name)
        forget_row_widgets(state)
        levels = len(view.levels)
        state.flash(
            "success",
            f"Pipeline {view.pipeline.name!r} created: {len(view.nodes)} steps in {levels} "
            f"level{'s' if levels != 1 else ''}.",
        )
