"""Use cases on the job queue: submit, read, follow, cancel and resume jobs.

The store is the queue: submitting writes a queued row, and whichever runner (the API
server's, a `his-analyzer worker`'s) claims it first runs it.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from models.common import utc_now
from models.job import QUEUED, Job, JobEvent, JobEventType, JobKind
from models.status import RunStatus
from protocols.repository import UnitOfWork
from services.context import ServiceContext
from services.errors import Conflict, InvalidInput, JobNotFound
from services.jobs.kinds import kind_spec
from services.jobs.options import JobOptions
from utils.ids import get_by_id

log = logging.getLogger(__name__)

#: A job in one of these can be resumed: it stopped with its checkpoints kept.
RESUMABLE = (RunStatus.INTERRUPTED, RunStatus.CANCELLED, RunStatus.FAILED)
_CANCELLABLE = (QUEUED, RunStatus.RUNNING)


def submit_job(
    ctx: ServiceContext,
    kind: JobKind | str,
    target: str | uuid.UUID,
    *,
    options: dict[str, Any] | JobOptions | None = None,
) -> Job:
    """Queue a job; a runner picks it up (the API server's, or a worker's).

    Args:
        kind: pipeline, migration or profile.
        target: The pipeline, config or datasource to run, by name or id.
        options: JobOptions, or their JSON form (the CLI's flags: test, resume, batch_size…).

    Raises:
        InvalidInput: an unknown kind or option, or a bad option value (naming it).
        NotFound: no such pipeline, config or datasource.
    """
    spec = kind_spec(kind)
    if isinstance(options, JobOptions):
        options.check()
        checked = options
    else:
        checked = JobOptions.from_json(options)  # checks them
    if not str(target).strip():
        raise InvalidInput(
            f"A {spec.kind} job needs its {spec.target_param}.", field=spec.target_param
        )
    target_id, name = spec.resolve(ctx, str(target).strip())
    job = Job(
        kind=spec.kind,
        name=name,
        params={spec.target_param: str(target_id), "options": checked.to_json()},
    )
    with ctx.uow() as uow:
        uow.jobs.add(job)
        _record(uow, job.id, JobEventType.QUEUED, kind=str(job.kind), name=name)
        uow.commit()
    log.info("job %s queued: %s %r", job.id, job.kind, name)
    return get_job(ctx, job.id)


def get_job(ctx: ServiceContext, job_id: str | uuid.UUID) -> Job:
    """One job by id.

    Raises:
        JobNotFound: no job has that id.
    """
    with ctx.uow() as uow:
        job = get_by_id(uow.jobs.get, job_id)
    if job is None:
        raise JobNotFound(str(job_id))
    return job


def job_target(job: Job) -> str | None:
    """The id of what the job runs: its pipeline, config or datasource."""
    return job.params.get(kind_spec(job.kind).target_param)


def list_jobs(ctx: ServiceContext, *, statuses: list[RunStatus] | None = None) -> list[Job]:
    """Jobs, newest first; only those in `statuses` when given."""
    with ctx.uow() as uow:
        return uow.jobs.list(statuses=statuses)


def list_job_events(
    ctx: ServiceContext, job_id: str | uuid.UUID, *, after: int = 0, limit: int = 1000
) -> list[JobEvent]:
    """A job's events with a sequence number above `after`, oldest first.

    Raises:
        JobNotFound: no job has that id.
    """
    job = get_job(ctx, job_id)
    if after < 0 or limit < 1:
        raise InvalidInput("'after' must be 0 or more and 'limit' at least 1.", field="after")
    with ctx.uow() as uow:
        return uow.jobs.list_events(job.id, after=after, limit=limit)


def latest_event_id(ctx: ServiceContext) -> int:
    """The store's newest job event number, across every job (0 when there is none)."""
    with ctx.uow() as uow:
        return uow.jobs.last_event_id()


def events_since(ctx: ServiceContext, after_id: int, *, limit: int = 5000) -> list[JobEvent]:
    """Every job's events stored after event number `after_id`, in store order (the relay's
    feed: it sees what runners in every process store)."""
    with ctx.uow() as uow:
        return uow.jobs.events_since(after_id, limit=limit)


def cancel_job(ctx: ServiceContext, job_id: str | uuid.UUID) -> Job:
    """Ask a job to stop. A queued job is cancelled at once; a running one stops after the
    batch in hand, its checkpoint kept (its runner sees the request within seconds).

    Raises:
        JobNotFound: no job has that id.
        Conflict: the job has already ended.
    """
    job = get_job(ctx, job_id)
    with ctx.uow() as uow:
        if uow.jobs.change_if(
            job.id,
            statuses=[QUEUED],
            status=RunStatus.CANCELLED,
            cancel_requested=True,
            finished_at=utc_now(),
            error="Cancelled before it started.",
        ):
            _record(uow, job.id, JobEventType.CANCELLED, message="Cancelled before it started.")
            uow.commit()
            return get_job(ctx, job.id)
        changed = uow.jobs.change_if(job.id, statuses=_CANCELLABLE, cancel_requested=True)
        uow.commit()
    if not changed:
        current = get_job(ctx, job.id)
        raise Conflict(f"Job {job.id} has already ended ({current.status}): nothing to cancel.")
    log.info("job %s: cancel requested", job.id)
    return get_job(ctx, job.id)


def resume_job(ctx: ServiceContext, job_id: str | uuid.UUID) -> Job:
    """Queue an interrupted, cancelled or failed job again, to continue from its checkpoints.

    Only one resume of a job wins (compare-and-set on its status): it runs exactly once.

    Raises:
        JobNotFound: no job has that id.
        Conflict: the job is queued, running or has succeeded.
    """
    job = get_job(ctx, job_id)
    options = JobOptions.from_json(job.params.get("options")).resumed()
    params = {**job.params, "options": options.to_json()}
    with ctx.uow() as uow:
        resumed = uow.jobs.change_if(
            job.id,
            statuses=RESUMABLE,
            status=QUEUED,
            params=params,
            owner=None,
            cancel_requested=False,
            error=None,
            finished_at=None,
        )
        if resumed:
            _record(
                uow, job.id, JobEventType.QUEUED, kind=str(job.kind), name=job.name, resumed=True
            )
        uow.commit()
    if not resumed:
        current = get_job(ctx, job.id)
        raise Conflict(
            f"Job {job.id} is {current.status}: only an interrupted, cancelled or failed job "
            "can be resumed."
        )
    log.info("job %s queued again to resume", job.id)
    return get_job(ctx, job.id)


def _record(uow: UnitOfWork, job_id: uuid.UUID, event_type: JobEventType, **data: Any) -> None:
    # In the transaction that changes the job: no runner can number an event in between.
    job = uow.jobs.get(job_id)
    assert job is not None
    uow.jobs.add_event(JobEvent(job_id, job.last_seq + 1, event_type, data))
