"""The Reports page, a file explorer of profile runs: the runs, one run's report page and
files, and profiling a datasource as a job whose new run joins the list when it completes.
"""

from __future__ import annotations

import streamlit as st

from controllers.report_controller import ReportController, new_report
from services.context import ServiceContext
from utils.page_state import PageState
from views.components.job_progress import job_in_address
from views.components.resource_list import resource_list
from views.reports.profile_form import profile_section
from views.reports.run_panel import run_panel
from views.shared.feedback import reported_errors

PAGE = "rp"

_RUN_COLUMNS = {
    "run": "Run",
    "when": "When",
    "datasource": "Datasource",
    "tables": "Tables",
    "columns": "Columns",
    "size_kb": "Size (KB)",
}


def show(ctx: ServiceContext) -> None:
    """Draw the Reports page."""
    render(ReportController(ctx))


def render(controller: ReportController) -> None:
    """Draw the page on `controller`."""
    state = PageState(PAGE)
    st.title("Reports")
    st.caption(
        "Each profile run leaves a folder: column statistics (CSV), the schema's DDL, a "
        "self-contained HTML report and the run's log. Patient identifiers are masked in them "
        "unless the run was made with masking off."
    )
    job_id = None
    with reported_errors("reading the profile job"):
        job_id = controller.job_to_follow(job_in_address())
        if job_id is not None:
            _select_new_report(controller, state, job_id)
    with reported_errors("reading the report runs"):
        run_id = resource_list(
            state,
            controller.rows(),
            key_column="run",
            labels=_RUN_COLUMNS,
            select_label="Report run",
            empty_text="No reports yet — profile a datasource below.",
        )
        if run_id is not None:
            with reported_errors(f"showing report run {run_id}"):
                run_panel(controller, state, run_id)
    st.divider()
    with reported_errors("showing the profile form"):
        profile_section(controller, state, job_id)


def _select_new_report(controller: ReportController, state: PageState, job_id: str) -> None:
    # Once a followed job has written its run, that run is selected, once: the user may pick
    # another afterwards without the page taking it back.
    if state.get("shown_job") == job_id:
        return
    report = new_report(controller.job(job_id))
    if report is not None:
        state.set("selected", report)
        state.set("shown_job", job_id)
