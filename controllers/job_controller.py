"""Jobs as the dashboard shows them: start, follow (progress, rate, ETA, log), cancel, resume.

The dashboard never runs a job itself: it queues it in the store, a runner (the API server's or a
worker's) runs it, and every page reads its state back from the store. So a job outlives the
browser tab that started it, and a reloaded page finds it again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from models.job import Job, JobEvent, JobEventType
from models.status import RunStatus
from services import jobs
from services.context import ServiceContext

#: Statuses of a job that still runs or waits for a runner.
ACTIVE = (RunStatus.PENDING, RunStatus.RUNNING)
#: How many of a job's latest log lines the viewer keeps.
LOG_LINES = 300
#: A job's events read per store query while folding them into its view.
_EVENT_PAGE = 1000


@dataclass(frozen=True, slots=True)
class StepProgress:
    """Where one step of a job stands (a pipeline step, the config, a profiled table)."""

    name: str
    status: str
    rows_done: int = 0
    rows_total: int | None = None
    rows_per_second: float | None = None


@dataclass(frozen=True, slots=True)
class JobView:
    """One job as a page draws it. Counts sum every step; `eta_seconds` is None when unknown."""

    id: str
    kind: str
    name: str
    status: str
    fraction: float
    rows_done: int
    rows_total: int | None
    rows_per_second: float | None
    eta_seconds: float | None
    steps: tuple[StepProgress, ...]
    log: tuple[str, ...]
    error: str | None
    summary: dict[str, Any] = field(default_factory=dict)
    cancel_requested: bool = False
    created_at: str = ""
    finished_at: str = ""
    #: The options it runs with as stored, defaults left out ({"test": True}…).
    options: dict[str, Any] = field(default_factory=dict)
    #: Its entry in the run history, once it ended with one (a test run makes none).
    run_id: str | None = None

    @property
    def active(self) -> bool:
        """Still queued or running: the page keeps following it."""
        return self.status in ACTIVE

    @property
    def resumable(self) -> bool:
        """Stopped part-way (cancelled, interrupted, failed): a resume continues it."""
        return self.status in jobs.RESUMABLE

    @property
    def reconciliation(self) -> dict[str, Any] | None:
        """The migration's reconciliation verdict and counts, once it has one."""
        return self.summary.get("reconciled")


class JobController:
    """Queue, follow and steer jobs; every method reads the store, never a runner's memory."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def start(self, kind: str, target: str, options: dict[str, Any] | None = None) -> str:
        """Queue a job (migration, pipeline or profile) and return its id.

        Raises:
            InvalidInput: an unknown option or a bad value; NotFound: no such target.
        """
        return str(jobs.submit_job(self.ctx, kind, target, options=options or {}).id)

    def view(self, job_id: str) -> JobView:
        """The job's state, folded from its record and every event it stored.

        Raises:
            JobNotFound: no job has that id.
        """
        job = jobs.get_job(self.ctx, job_id)
        return _view(job, self._events(job.id))

    def active(self, kind: str | None = None, target: str | None = None) -> list[JobView]:
        """Jobs still queued or running, newest first; of one kind, and of one target (a
        config, pipeline or datasource id) when given. A reloaded page follows these."""
        found = jobs.list_jobs(self.ctx, statuses=list(ACTIVE))
        if kind is not None:
            found = [job for job in found if str(job.kind) == kind]
        if target is not None:
            found = [job for job in found if jobs.job_target(job) == target]
        return [_view(job, self._events(job.id)) for job in found]

    def recent(self, kind: str | None = None, limit: int = 20) -> list[JobView]:
        """The newest jobs of every status (of one kind when given), without their logs."""
        found = jobs.list_jobs(self.ctx)
        if kind is not None:
            found = [job for job in found if str(job.kind) == kind]
        return [_view(job, []) for job in found[:limit]]

    def cancel(self, job_id: str) -> JobView:
        """Ask the job to stop after the batch in hand (a queued job stops at once).

        Raises:
            JobNotFound; Conflict: the job has already ended.
        """
        jobs.cancel_job(self.ctx, job_id)
        return self.view(job_id)

    def resume(self, job_id: str) -> JobView:
        """Queue a stopped job again; it continues from its checkpoints, exactly once.

        Raises:
            JobNotFound; Conflict: the job is not cancelled, interrupted or failed.
        """
        jobs.resume_job(self.ctx, job_id)
        return self.view(job_id)

    def log_text(self, job_id: str) -> str:
        """The job's whole event log as text, for a download (masked like every event)."""
        job = jobs.get_job(self.ctx, job_id)
        return "".join(f"{line}\n" for line in _log_lines(self._events(job.id)))

    def _events(self, job_id: uuid.UUID) -> list[JobEvent]:
        events: list[JobEvent] = []
        while True:
            page = jobs.list_job_events(
                self.ctx, job_id, after=_last_seq(events), limit=_EVENT_PAGE
            )
            events.extend(page)
            if len(page) < _EVENT_PAGE:
                return events


def _last_seq(events: list[JobEvent]) -> int:
    return events[-1].seq if events else 0


def _view(job: Job, events: list[JobEvent]) -> JobView:
    steps = _steps(events)
    rows_done = sum(step.rows_done for step in steps)
    totals = [step.rows_total for step in steps]
    rows_total = sum(t for t in totals if t) if totals and all(totals) else None
    running = [s.rows_per_second for s in steps if s.status == "running" and s.rows_per_second]
    rate = sum(running) if running else None
    fraction = job.progress
    if rows_total and job.status is RunStatus.RUNNING:
        fraction = max(fraction, min(1.0, rows_done / rows_total))
    if job.status is RunStatus.SUCCEEDED:
        fraction = 1.0
    eta = (
        (rows_total - rows_done) / rate if rate and rows_total and rows_total > rows_done else None
    )
    return JobView(
        id=str(job.id),
        kind=str(job.kind),
        name=job.name,
        status=str(job.status),
        fraction=fraction,
        rows_done=rows_done,
        rows_total=rows_total,
        rows_per_second=rate,
        eta_seconds=eta if job.status is RunStatus.RUNNING else None,
        steps=steps,
        log=tuple(_log_lines(events)[-LOG_LINES:]),
        error=job.error,
        summary=dict(job.result or {}),
        cancel_requested=job.cancel_requested,
        created_at=_moment(job.created_at),
        finished_at=_moment(job.finished_at),
        options=dict(job.params.get("options") or {}),
        run_id=str(job.pipeline_run_id) if job.pipeline_run_id else None,
    )


def _steps(events: list[JobEvent]) -> tuple[StepProgress, ...]:
    # The newest word of each step wins; steps keep the order in which they first spoke.
    steps: dict[str, StepProgress] = {}
    for event in events:
        if event.type not in (JobEventType.STEP, JobEventType.BATCH):
            continue
        name = str(event.data.get("step", ""))
        before = steps.get(name)
        status = event.data.get("status") or (before.status if before else "running")
        steps[name] = StepProgress(
            name=name,
            status=str(status),
            rows_done=int(event.data.get("rows_done") or (before.rows_done if before else 0)),
            rows_total=event.data.get("rows_total") or (before.rows_total if before else None),
            rows_per_second=event.data.get("rows_per_second")
            or (before.rows_per_second if before else None),
        )
    return tuple(steps.values())


def _log_lines(events: list[JobEvent]) -> list[str]:
    return [f"{event.created_at.astimezone():%H:%M:%S} {_describe(event)}" for event in events]


def _describe(event: JobEvent) -> str:
    data = event.data
    step = f"{data['step']}: " if data.get("step") else ""
    if event.type is JobEventType.BATCH:
        total = f" of {data['rows_total']:,}" if data.get("rows_total") else ""
        rate = f" ({data['rows_per_second']:,.0f} rows/s)" if data.get("rows_per_second") else ""
        return f"{step}{data.get('rows_done', 0):,} rows{total}{rate}"
    if event.type is JobEventType.STEP:
        return f"{step}{data.get('status', '')}"
    if event.type is JobEventType.ERROR:
        return f"ERROR {step}{data.get('message', '')}"
    label = str(event.type).removeprefix("job:")
    detail = data.get("message") or data.get("status") or data.get("error") or ""
    return f"{label} {detail}".rstrip()


def _moment(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S") if moment else ""
