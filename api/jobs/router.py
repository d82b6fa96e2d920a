"""HTTP routes of the jobs resource: submit (202), list, read, follow, cancel, resume."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from api.base.collection import CollectionQueryDep, present_page
from api.base.dependencies import CtxDep
from api.base.documents import CollectionOut, DocumentIn, DocumentOut, error_responses
from api.base.resource import present, present_many
from api.jobs.schemas import JobCreate, JobEventOut, JobOut
from models.job import Job, JobKind
from services import jobs

router = APIRouter(prefix="/jobs", tags=["jobs"])

_ACCEPTED = {
    "Location": {"description": "URL of the job, to follow it.", "schema": {"type": "string"}}
}


def wake_runner(request: Request) -> None:
    """Tell this server's runner (when it hosts one) to look at the queue now."""
    runner = getattr(request.app.state, "runner", None)
    if runner is not None:
        runner.wake()


@router.post("", status_code=202, responses={202: {"headers": _ACCEPTED}} | error_responses(404))
def submit(
    body: DocumentIn[JobCreate], ctx: CtxDep, request: Request, response: Response
) -> DocumentOut[JobOut]:
    """Queue a pipeline run, a config's migration or a datasource's profile; a runner starts
    it within a second. Follow it at `Location`, its events, or over Socket.IO at /ws."""
    attributes = body.data.attributes
    options = attributes.options.model_dump(exclude_none=True)
    if attributes.pipeline_id is not None:
        kind, target = JobKind.PIPELINE, attributes.pipeline_id
    elif attributes.config_id is not None:
        kind, target = JobKind.MIGRATION, attributes.config_id
    else:
        profile = attributes.profile
        assert profile is not None
        kind, target = JobKind.PROFILE, profile.datasource_id
        chosen = {"tables": profile.tables, "schema": profile.schema_, "mode": profile.mode}
        options |= {key: value for key, value in chosen.items() if value is not None}
    job = jobs.submit_job(ctx, kind, target, options=options)
    wake_runner(request)
    response.headers["Location"] = str(request.url_for("get_job", job_id=str(job.id)))
    return _present(job, request)


@router.get("", responses=error_responses(400))
def list_jobs(ctx: CtxDep, query: CollectionQueryDep, request: Request) -> CollectionOut[JobOut]:
    """Jobs, newest first unless `sort` says otherwise; `filter[status]`, `filter[kind]`…"""
    items = ((job.id, _attributes(job)) for job in jobs.list_jobs(ctx))
    return present_page(JobOut, items, query, request, default_sort=("-created_at",))


@router.get("/{job_id}", responses=error_responses(404))
def get_job(job_id: str, ctx: CtxDep, request: Request) -> DocumentOut[JobOut]:
    """One job: its status, progress and, once ended, its summary."""
    return _present(jobs.get_job(ctx, job_id), request)


@router.get("/{job_id}/events", responses=error_responses(404))
def list_events(
    job_id: str,
    ctx: CtxDep,
    after: Annotated[int, Query(ge=0, description="Only events after this seq.")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
) -> CollectionOut[JobEventOut]:
    """The job's events after `after`, in order (what Socket.IO subscribers receive)."""
    events = jobs.list_job_events(ctx, job_id, after=after, limit=limit)
    return present_many(JobEventOut, ((f"{e.job_id}:{e.seq}", e.to_json()) for e in events))


@router.post("/{job_id}/cancel", status_code=202, responses=error_responses(404, 409))
def cancel(job_id: str, ctx: CtxDep, request: Request) -> DocumentOut[JobOut]:
    """Ask the job to stop: at once if queued, after the batch in hand if running (its
    checkpoint kept, so a resume continues). 409 when it has ended."""
    return _present(jobs.cancel_job(ctx, job_id), request)


@router.post("/{job_id}/resume", status_code=202, responses=error_responses(404, 409))
def resume(job_id: str, ctx: CtxDep, request: Request) -> DocumentOut[JobOut]:
    """Queue an interrupted, cancelled or failed job again, to continue from its checkpoints;
    409 when it is queued, running or succeeded."""
    job = jobs.resume_job(ctx, job_id)
    wake_runner(request)
    return _present(job, request)


def _present(job: Job, request: Request) -> DocumentOut[JobOut]:
    link = str(request.url_for("get_job", job_id=str(job.id)))
    return present(JobOut, job.id, _attributes(job), self_link=link)


def _attributes(job: Job) -> dict[str, Any]:
    return {
        "kind": str(job.kind),
        "name": job.name,
        "status": str(job.status),
        "progress": round(job.progress, 4),
        "error": job.error,
        "attempts": job.attempts,
        "last_seq": job.last_seq,
        "cancel_requested": job.cancel_requested,
        "options": job.params.get("options", {}),
        "target_id": jobs.job_target(job),
        "result": job.result or {},
        "pipeline_run_id": str(job.pipeline_run_id) if job.pipeline_run_id else None,
        "runner": job.owner.split(":")[0] if job.owner else None,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "heartbeat_at": job.heartbeat_at,
    }
