"""Profiling a datasource from the Reports page: the form that queues the job, and the job
followed until it ends (its id in the page's address, so a reload finds it again)."""

from __future__ import annotations

import streamlit as st

from controllers.report_controller import ProfileRequest, ReportController
from utils.page_state import PageState
from views.components.job_progress import follow_job, forget_address, keep_in_address
from views.shared.feedback import reported_errors

_MODE_HELP = (
    "deep: every column statistic, the five most frequent values and a sample. "
    "basic: row counts, sizes, column types and null counts only (faster on big tables)."
)


def profile_section(controller: ReportController, state: PageState, job_id: str | None) -> None:
    """The form, then the followed profile job (`job_id`), if any."""
    st.subheader("Profile a datasource")
    names = controller.datasource_names()
    if not names:
        st.info("No datasource yet — add one in Settings.")
        return
    job = None
    if job_id is not None:
        job = follow_job(controller.jobs, job_id, key=state.key("job"))
        if job is not None and not job.active:
            st.button("Close the job", key=state.key("job_close"), on_click=forget_address)
    _form(controller, state, names, running=job is not None and job.active)


def _form(
    controller: ReportController, state: PageState, names: list[str], *, running: bool
) -> None:
    state.keep_choice("datasource", names)
    datasource = st.selectbox(
        "Datasource",
        names,
        key=state.key("datasource"),
        on_change=state.forget,
        args=("tables",),
    )
    mode_column, schema_column = st.columns(2)
    mode_column.radio(
        "Mode", controller.modes(), horizontal=True, key=state.key("mode"), help=_MODE_HELP
    )
    schema_column.text_input(
        "Schema (optional)", key=state.key("schema"), help="Empty: the datasource's default."
    )
    # Opt-in: listing the tables connects to the datasource, which may be slow to answer.
    if st.toggle("Only some tables", key=state.key("pick_tables")):
        with reported_errors("reading the list of tables"):
            tables = controller.table_names(datasource, state.get("schema") or "")
            kept = [table for table in state.get("tables") or [] if table in tables]
            state.set("tables", kept)
            st.multiselect("Tables", tables, key=state.key("tables"))
    st.button(
        "Start profiling",
        key=state.key("start"),
        type="primary",
        disabled=running,
        help="Queued as a job: the API server's runner (or `his-analyzer worker`) runs it.",
        on_click=_on_start,
        args=(controller, state),
    )


def _on_start(controller: ReportController, state: PageState) -> None:
    request = ProfileRequest(
        datasource=state.get("datasource") or "",
        mode=state.get("mode") or controller.modes()[0],
        schema=state.get("schema") or "",
        tables=tuple(state.get("tables") or ()) if state.get("pick_tables") else (),
    )
    with reported_errors("starting the profile", report=lambda line: state.flash("error", line)):
        job_id = controller.start_profile(request)
        keep_in_address(job_id)
        state.flash("success", f"Profile of {request.datasource!r} queued as job {job_id}.")
