"""Step 4 of the Migration Engine: queue the run as a job and follow it — live progress,
cancel / resume, the reconciliation, the run's log file, a test run's report."""

from __future__ import annotations

from functools import partial

import streamlit as st

from controllers.job_controller import JobView
from controllers.migration_controller import ConfigOverview, MigrationController
from utils.page_state import PageState
from views.components.job_progress import (
    follow_job,
    forget_address,
    job_in_address,
    keep_in_address,
    status_line,
)
from views.migration.state import current_choices
from views.migration.test_report import show_test_report
from views.shared.feedback import reported_errors


def execute(controller: MigrationController, state: PageState, overview: ConfigOverview) -> None:
    """Draw the button that queues the reviewed run."""
    test = current_choices(state, overview).test
    st.button(
        "Run the test" if test else "Run the migration",
        key=state.key("execute"),
        type="primary",
        on_click=_on_execute,
        args=(controller, state, overview),
    )
    st.caption(
        "The run is a job: a runner — the API server, or `his-analyzer worker` — does the "
        "work, so closing this tab does not stop it. The page follows it below."
    )


def _on_execute(
    controller: MigrationController, state: PageState, overview: ConfigOverview
) -> None:
    choices = current_choices(state, overview)
    with reported_errors("queueing the migration", report=lambda line: state.flash("error", line)):
        job_id = controller.start(overview, choices)
        keep_in_address(job_id)
        what = "test" if choices.test else "migration"
        state.flash("success", f"The {what} of {overview.name!r} is queued as job {job_id}.")


def followed_job(controller: MigrationController, state: PageState) -> None:
    """The job the address names, followed; else the migration jobs running now, to follow."""
    job_id = job_in_address()
    if job_id is None:
        _offer_active(controller, state)
        return
    st.button("Stop following this job", key=state.key("close"), on_click=forget_address)
    follow_job(
        controller.jobs,
        job_id,
        key=state.key("job"),
        outcome=partial(_outcome, controller, state),
    )


def _offer_active(controller: MigrationController, state: PageState) -> None:
    with reported_errors("reading the running jobs"):
        running = {job.id: job for job in controller.jobs.active("migration")}
        if not running:
            st.caption("No migration job is running or waiting now.")
            return
        st.selectbox(
            "Migration jobs running now (started here, from the command line, the API or "
            "another tab)",
            list(running),
            format_func=lambda job_id: f"{running[job_id].name} · {status_line(running[job_id])}",
            key=state.key("active"),
        )
        st.button("Follow it", key=state.key("follow"), on_click=_follow_chosen, args=(state,))


def _follow_chosen(state: PageState) -> None:
    chosen = state.get("active")
    if chosen:
        keep_in_address(chosen)


def _outcome(controller: MigrationController, state: PageState, job: JobView) -> None:
    # Drawn once the job has ended: what a test found, and the run's own log file.
    report = controller.test_report(job)
    if report is not None:
        show_test_report(report, key=state.key("report"))
    with reported_errors("finding the run's log file"):
        run_log = controller.run_log(job.run_id)
        if run_log is not None:
            st.download_button(
                "Download the run's log file",
                data=run_log.path.read_bytes,  # read when clicked, not on every redraw
                file_name=run_log.file_name,
                mime="text/plain",
                key=state.key("run_log"),
                on_click="ignore",
            )
