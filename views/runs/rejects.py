"""A run's rejects on the Runs page: grouped by column and reason with their failing values,
the first of them one by one, a CSV per step, and a replay once the config is fixed."""

from __future__ import annotations

from dataclasses import asdict
from functools import partial

import streamlit as st

from controllers.runs_controller import SHOWN_REJECTS, RejectedStep, RunsController
from utils.page_state import PageState
from views.components.job_progress import (
    follow_job,
    forget_address,
    job_in_address,
    keep_in_address,
)
from views.shared.feedback import reported_errors

_GROUP_COLUMNS = {
    "step": "Step",
    "column": "Column",
    "stage": "Stage",
    "reason": "Reason",
    "rejects": "Rejects",
    "values": "Failing values",
}
_LINE_COLUMNS = {
    "step": "Step",
    "reference": "Reference",
    "source_key": "Source key",
    "column": "Column",
    "value": "Value",
    "stage": "Stage",
    "reason": "Reason",
    "resolution": "Resolution",
}


def show_rejects(controller: RunsController, state: PageState, run_id: str) -> None:
    """Draw the run's rejects, with a download and a replay for each step that has some."""
    with reported_errors("reading the run's rejects"):
        found = controller.rejects(run_id)
        st.subheader("Rejects")
        if not found.rejects:
            st.caption("This run rejected no row.")
            return
        st.markdown(
            f"{found.rejects:,} rejects of {found.rows:,} source rows (a row failing two "
            "checks counts twice). Identifiers are masked; the CSV has the source keys in clear."
        )
        st.dataframe(
            [asdict(group) for group in found.groups],
            hide_index=True,
            column_config=_GROUP_COLUMNS,
            key=state.key("groups"),
        )
        shown = f"the first {SHOWN_REJECTS:,}" if found.rejects > SHOWN_REJECTS else "all"
        with st.expander(f"The rejects one by one ({shown})"):
            st.dataframe(
                [asdict(line) for line in found.lines],
                hide_index=True,
                column_config=_LINE_COLUMNS,
                key=state.key("lines"),
            )
        for index, step in enumerate(found.steps):
            _step_actions(controller, state, step, index)


def _step_actions(
    controller: RunsController, state: PageState, step: RejectedStep, index: int
) -> None:
    download, replay, _ = st.columns([2, 2, 3])
    download.download_button(
        f"Download the rejects of {step.step} (CSV)",
        data=partial(controller.rejects_csv, step),  # made when clicked, not on every redraw
        file_name=controller.csv_name(step),
        mime="text/csv",
        key=state.key(f"csv_{index}"),
        on_click="ignore",
        help="Source keys in clear, to find the rows in the source again.",
    )
    replay.button(
        f"Replay the rejects of {step.step}",
        key=state.key(f"replay_{index}"),
        on_click=_on_replay,
        args=(controller, state, step),
        help="After fixing the config (or the target): reads again only the rows of its "
        "outstanding rejects, loads those that now pass and files the others again.",
    )


def _on_replay(controller: RunsController, state: PageState, step: RejectedStep) -> None:
    with reported_errors("queueing the replay", report=lambda line: state.flash("error", line)):
        job_id = controller.replay(step)
        keep_in_address(job_id)
        state.flash(
            "success", f"The replay of the rejects of {step.step!r} is queued as job {job_id}."
        )


def followed_replay(controller: RunsController, state: PageState) -> None:
    """The replay job the address names, followed until it ends."""
    job_id = job_in_address()
    if job_id is None:
        return
    st.button("Stop following this job", key=state.key("close"), on_click=forget_address)
    follow_job(controller.jobs, job_id, key=state.key("job"))
