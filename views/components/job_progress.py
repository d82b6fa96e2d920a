"""Following a job on a page: progress bar, rows/s, ETA, a log that follows the run, the outcome,
and cancel / resume. The job's id sits in the page's address, so a reload finds it again."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from controllers.job_controller import JobController, JobView
from views.shared.feedback import reported_errors

#: The query parameter that keeps the followed job across a browser reload.
JOB_PARAM = "job"
#: How often a running job's widget redraws itself, in seconds.
REFRESH_SECONDS = 1.0
#: Log lines shown in the viewer (the download has them all).
SHOWN_LOG_LINES = 40

_STATUS_WORDS = {
    "pending": "Waiting for a runner (the API server or `his-analyzer worker`)",
    "running": "Running",
    "succeeded": "Completed",
    "failed": "Failed",
    "cancelled": "Cancelled",
    "interrupted": "Interrupted (its runner stopped)",
}


def keep_in_address(job_id: str) -> None:
    """Put the job in the page's address: a reload (or a bookmark) follows it again."""
    st.query_params[JOB_PARAM] = job_id


def job_in_address() -> str | None:
    """The job the page's address names, if any."""
    return st.query_params.get(JOB_PARAM)


def forget_address() -> None:
    """Stop naming a job in the address (the user closed it)."""
    st.query_params.pop(JOB_PARAM, None)


def follow_job(
    controller: JobController,
    job_id: str,
    *,
    key: str,
    outcome: Callable[[JobView], None] | None = None,
    alongside: Callable[[JobView], None] | None = None,
) -> JobView | None:
    """Draw the job; while it is queued or running the widget redraws itself every second.

    Args:
        key: a prefix for the widgets' keys, unique on the page.
        outcome: draws what the page adds once the job has ended (e.g. its run's rejects).
        alongside: draws, above the job, what the page shows of it on every redraw, running
            or ended (e.g. a pipeline's graph with each step coloured by its status).

    Returns:
        The job as last read (None when it could not be read: the error line is shown).
    """
    job = _read(controller, job_id)
    if job is None:
        return None
    every = REFRESH_SECONDS if job.active else None

    @st.fragment(run_every=every)
    def live() -> None:
        current = _read(controller, job_id)
        if current is None:
            return
        if current.active != job.active:
            st.rerun()  # it just ended: redraw the whole page once, without the timer
        if alongside is not None:
            alongside(current)
        _draw(controller, current, key=key, outcome=outcome)

    live()
    return job


def _read(controller: JobController, job_id: str) -> JobView | None:
    with reported_errors("reading the job"):
        return controller.view(job_id)
    return None


def _draw(
    controller: JobController,
    job: JobView,
    *,
    key: str,
    outcome: Callable[[JobView], None] | None,
) -> None:
    st.markdown(f"**{job.kind.capitalize()} job — {job.name}** · `{job.id}`")
    st.progress(min(max(job.fraction, 0.0), 1.0), text=status_line(job))
    if len(job.steps) > 1:
        st.dataframe(
            [
                {
                    "step": step.name,
                    "status": step.status,
                    "rows": step.rows_done,
                    "of": step.rows_total,
                    "rows/s": step.rows_per_second,
                }
                for step in job.steps
            ],
            hide_index=True,
            key=f"{key}_steps",
        )
    _buttons(controller, job, key=key)
    refused = st.session_state.pop(f"{key}_refused", None)
    if refused:
        st.error(refused)
    if job.status == "succeeded":
        st.success(f"Job completed: {_counts(job)}.")
    elif job.status == "failed":
        st.error(f"Job failed: {job.error or 'see the log'}")
    elif job.status in ("cancelled", "interrupted"):
        st.warning(f"Job {job.status}; Resume continues it from its last checkpoint.")
    reconciliation = job.reconciliation
    if reconciliation:
        show_reconciliation(reconciliation)
    with st.expander("Log", expanded=job.active):
        st.code("\n".join(job.log[-SHOWN_LOG_LINES:]) or "(no events yet)", language=None)
        st.download_button(
            "Download the job's log",
            data=lambda: controller.log_text(job.id),
            file_name=f"job-{job.id}.log",
            mime="text/plain",
            key=f"{key}_log_download",
            on_click="ignore",
        )
    if not job.active and outcome is not None:
        outcome(job)


def status_line(job: JobView) -> str:
    """One line: status, rows done of total, rows/s and the time left when known."""
    words = [_STATUS_WORDS.get(job.status, job.status)]
    if job.cancel_requested and job.active:
        words.append("stopping after this batch")
    if job.kind == "profile":
        # A profile's steps are its tables; their counts are table positions, not rows.
        done = sum(step.status in ("succeeded", "failed") for step in job.steps)
        tables = next((step.rows_total for step in job.steps if step.rows_total), None)
        if job.steps:
            words.append(f"{done:,} of {tables:,} tables" if tables else f"{done:,} tables")
    elif job.rows_done or job.rows_total:
        total = f" of {job.rows_total:,}" if job.rows_total else ""
        words.append(f"{job.rows_done:,}{total} rows")
    if job.rows_per_second:
        words.append(f"{job.rows_per_second:,.0f} rows/s")
    if job.eta_seconds is not None:
        words.append(f"about {duration(job.eta_seconds)} left")
    return " · ".join(words)


def duration(seconds: float) -> str:
    """A short human duration: 45 s, 3 min 20 s, 2 h 05 min."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def show_reconciliation(reconciliation: dict) -> None:
    """The reconciliation's verdict against the source, with its counts."""
    mismatched = reconciliation.get("columns_mismatched") or []
    line = (
        f"source rows {reconciliation.get('source_rows', 0):,} · loaded "
        f"{reconciliation.get('rows_loaded', 0):,} · rejected "
        f"{reconciliation.get('rows_rejected', 0):,} · column checksums "
        f"{reconciliation.get('columns_checked', 0)}"
    )
    if reconciliation.get("ok"):
        st.success(f"Reconciliation: the target matches the source ({line}).")
    else:
        differing = f"; differing columns: {', '.join(mismatched)}" if mismatched else ""
        st.error(f"Reconciliation: the target does not match the source ({line}{differing}).")


def _counts(job: JobView) -> str:
    summary = job.summary
    if summary.get("test"):
        return (
            f"a test of {summary.get('rows_read', 0):,} rows, rolled back: "
            f"{summary.get('rows_loaded', 0):,} would load, "
            f"{summary.get('rows_rejected', 0):,} would be rejected"
        )
    if "rows_loaded" in summary:
        return (
            f"{summary.get('rows_read', 0):,} rows read, {summary['rows_loaded']:,} loaded, "
            f"{summary.get('rows_rejected', 0):,} rejected"
        )
    if "report" in summary:  # a profile counts tables, not rows
        return f"{summary.get('tables', 0):,} tables profiled into report {summary['report']}"
    return f"{job.rows_done:,} rows"


def _buttons(controller: JobController, job: JobView, *, key: str) -> None:
    left, right, _ = st.columns([1, 1, 4])
    if job.active:
        left.button(
            "Cancel",
            key=f"{key}_cancel",
            disabled=job.cancel_requested,
            on_click=_act,
            args=(controller.cancel, job.id, "cancelling the job", key),
        )
    if job.resumable:
        right.button(
            "Resume",
            key=f"{key}_resume",
            type="primary",
            on_click=_act,
            args=(controller.resume, job.id, "resuming the job", key),
        )


def _act(action: Callable[[str], JobView], job_id: str, words: str, key: str) -> None:
    # A refusal (the job ended meanwhile) is kept for the draw that follows, as one line.
    def keep(line: str) -> None:
        st.session_state[f"{key}_refused"] = line

    with reported_errors(words, report=keep):
        action(job_id)
