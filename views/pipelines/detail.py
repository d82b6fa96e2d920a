"""One pipeline: its graph coloured by step status, running it as a job and following the job,
its past runs with what each step did, and deleting it behind a confirmation.

The job's id sits in the page's address, so a reload follows it again; while it runs, the
graph is redrawn with the job's own step statuses, and afterwards with its run record's.
"""

from __future__ import annotations

from dataclasses import asdict

import streamlit as st

from controllers.job_controller import JobView
from controllers.pipeline_controller import PipelineController, RunRow
from utils.page_state import PageState
from views.components.job_progress import (
    follow_job,
    forget_address,
    job_in_address,
    keep_in_address,
)
from views.components.resource_list import confirm_delete
from views.pipelines.step_graph import show_step_graph
from views.shared.feedback import reported_errors

#: Most steps of one pipeline a run may work on at the same time.
MAX_WORKERS = 8

_RUN_COLUMNS = {
    "run": "Run",
    "status": "Status",
    "started": "Started",
    "seconds": "Seconds",
    "steps": "Steps",
    "rows_read": "Read",
    "rows_loaded": "Loaded",
    "rows_rejected": "Rejected",
    "error": "Error",
}
_STEP_COLUMNS = {
    "step": "Step",
    "status": "Status",
    "rows_read": "Read",
    "rows_loaded": "Loaded",
    "rows_rejected": "Rejected",
    "seconds": "Seconds",
    "error": "Error",
}


def pipeline_panel(controller: PipelineController, state: PageState, name: str) -> None:
    """Everything about the selected pipeline `name`."""
    job_id = controller.job_to_follow(name, job_in_address())
    job: JobView | None = None
    if job_id is None:
        show_step_graph(
            controller.nodes(name, controller.latest_statuses(name)), key=state.key("graph")
        )
    else:
        job = follow_job(
            controller.jobs,
            job_id,
            key=state.key("job"),
            alongside=lambda current: _job_graph(controller, state, name, current),
        )
        if job is not None and not job.active:
            st.button("Close the job", key=state.key("job_close"), on_click=forget_address)
    _run_controls(controller, state, name, running=job is not None and job.active)
    _past_runs(controller, state, name)
    confirm_delete(
        state,
        name,
        confirm_text=f"Yes, delete pipeline {name} (its configs and past runs are kept)",
        on_delete=lambda key, _force: controller.delete(key),
    )


def forget_pipeline_widgets(state: PageState) -> None:
    """Forget what was chosen for the previous pipeline (its run), so another starts afresh."""
    for name in ("run_selected", "run_picked", "resume", "again"):
        state.forget(name)


def _job_graph(controller: PipelineController, state: PageState, name: str, job: JobView) -> None:
    with reported_errors("drawing the pipeline's graph"):
        nodes = controller.nodes(name, controller.job_statuses(job))
        show_step_graph(nodes, key=state.key("graph"))


def _run_controls(
    controller: PipelineController, state: PageState, name: str, *, running: bool
) -> None:
    resume_column, again_column = st.columns(2)
    resume_column.checkbox(
        "Resume the last run",
        key=state.key("resume"),
        help="Keep the steps the last run finished; run the others, continuing an "
        "interrupted step from its checkpoint.",
    )
    again_column.checkbox(
        "Append again",
        key=state.key("again"),
        help="A step whose last run succeeded loads its rows once more (append steps load "
        "them twice). Without it, such a step is refused rather than loaded twice.",
    )
    workers_column, button_column = st.columns([1, 3], vertical_alignment="bottom")
    workers_column.number_input(
        "Steps at the same time",
        min_value=1,
        max_value=MAX_WORKERS,
        value=2,
        step=1,
        key=state.key("workers"),
        help="Independent steps (none waits for the other) may run side by side.",
    )
    button_column.button(
        "Run pipeline",
        key=state.key("run"),
        type="primary",
        disabled=running,
        help="Queued as a job: the API server's runner (or `his-analyzer worker`) runs it.",
        on_click=_on_run,
        args=(controller, state, name),
    )


def _on_run(controller: PipelineController, state: PageState, name: str) -> None:
    with reported_errors("starting the pipeline", report=lambda line: state.flash("error", line)):
        job_id = controller.start(
            name,
            workers=int(state.get("workers") or 2),
            resume=bool(state.get("resume")),
            again=bool(state.get("again")),
        )
        keep_in_address(job_id)
        state.forget("run_picked")  # the new run is shown once it is recorded
        state.flash("success", f"Pipeline {name!r} queued as job {job_id}.")


def _past_runs(controller: PipelineController, state: PageState, name: str) -> None:
    st.subheader("Past runs")
    runs = controller.runs(name)
    if not runs:
        st.info("Never run yet — press Run pipeline above.")
        return
    st.dataframe(
        [asdict(run) for run in runs],
        hide_index=True,
        column_config=_RUN_COLUMNS,
        key=state.key("runs"),
    )
    by_id = {run.run: run for run in runs}
    # The newest run is shown, and a new one replaces it, until the user picks another.
    if not state.get("run_picked") or state.get("run_selected") not in by_id:
        state.set("run_selected", runs[0].run)
        state.forget("run_picked")
    run_id = st.selectbox(
        "Steps of run",
        list(by_id),
        format_func=lambda key: _run_label(by_id[key]),
        key=state.key("run_selected"),
        on_change=state.set,
        args=("run_picked", True),
    )
    if run_id is None:
        return
    with reported_errors("reading the run's steps"):
        st.dataframe(
            [asdict(step) for step in controller.run_steps(run_id)],
            hide_index=True,
            column_config=_STEP_COLUMNS,
            key=state.key("run_steps"),
        )


def _run_label(run: RunRow) -> str:
    return f"{run.started or 'not started'} · {run.status} · {run.run[:8]}"
