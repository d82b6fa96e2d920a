"""The Runs and rejects page: the list of runs, the chosen run's steps, then its rejects.

Actions (a replay) run in widget callbacks and end in a flash line; a replay is a job the
page follows, its id kept in the address.
"""

from __future__ import annotations

from dataclasses import asdict

import streamlit as st

from controllers.runs_controller import RunDetail, RunRow, RunsController
from utils.page_state import PageState
from views.components.flash import show_flash
from views.runs.rejects import followed_replay, show_rejects
from views.shared.feedback import reported_errors
from views.shared.handoff import RUNS_RUN, take

PAGE = "runs"

_RUN_COLUMNS = {
    "started": "Started",
    "kind": "Kind",
    "name": "Config / pipeline",
    "status": "Status",
    "rows_read": "Read",
    "rows_loaded": "Loaded",
    "rows_rejected": "Rejected",
    "seconds": "Seconds",
    "reconciled": "Reconciled",
    "id": "Run id",
}
_STEP_COLUMNS = {
    "step": "Step",
    "config": "Config",
    "status": "Status",
    "rows_read": "Read",
    "rows_loaded": "Loaded",
    "rows_rejected": "Rejected",
    "seconds": "Seconds",
    "reconciled": "Reconciled",
    "error": "Error",
}


def render(controller: RunsController) -> None:
    """Draw the whole page."""
    state = PageState(PAGE)
    st.title("Runs and rejects")
    st.caption(
        "Every run, alone or as a pipeline's step: its counts, timings and the reconciliation's "
        "verdict; a run's rejects grouped by column and reason, to download, and to replay "
        "once the config is fixed."
    )
    show_flash(state)
    followed_replay(controller, state)
    runs = _load_runs(controller)
    if runs is None:
        return
    if not runs:
        st.info("No runs yet — start one in Migration Engine.")
        return
    st.dataframe(
        [asdict(run) for run in runs],
        hide_index=True,
        column_config=_RUN_COLUMNS,
        key=state.key("table"),
    )
    run_id = _choose_run(state, runs)
    if run_id is None:
        return
    with reported_errors("reading the run"):
        _show_run(controller.run(run_id), state)
    show_rejects(controller, state, run_id)


def _load_runs(controller: RunsController) -> list[RunRow] | None:
    with reported_errors("reading the runs"):
        return controller.runs()
    return None


def _choose_run(state: PageState, runs: list[RunRow]) -> str | None:
    by_id = {run.id: run for run in runs}
    handed = take(RUNS_RUN)  # another page (a pipeline's, the migration's) opened this one on it
    if handed is not None and str(handed) in by_id:
        state.set("run", str(handed))
    state.keep_choice("run", by_id)
    st.subheader("One run")
    return st.selectbox(
        "Run",
        list(by_id),
        format_func=lambda run_id: _label(by_id[run_id]),
        key=state.key("run"),
    )


def _label(run: RunRow) -> str:
    return f"{run.started} · {run.name} ({run.kind}) · {run.status}"


def _show_run(detail: RunDetail, state: PageState) -> None:
    if detail.error:
        st.warning(f"The run ended with: {detail.error}")
    st.dataframe(
        [asdict(step) for step in detail.steps],
        hide_index=True,
        column_config=_STEP_COLUMNS,
        key=state.key("steps"),
    )
