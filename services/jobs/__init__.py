"""Background jobs: one runner for every face (API, dashboard, CLI), the store as the queue."""

from services.jobs.kinds import JobOutcome, migration_summary, pipeline_summary
from services.jobs.options import JobOptions
from services.jobs.queue import (
    RESUMABLE,
    cancel_job,
    events_since,
    get_job,
    job_target,
    latest_event_id,
    list_job_events,
    list_jobs,
    resume_job,
    submit_job,
)
from services.jobs.runner import JobRunner

__all__ = [
    "RESUMABLE",
    "JobOptions",
    "JobOutcome",
    "JobRunner",
    "cancel_job",
    "events_since",
    "get_job",
    "job_target",
    "latest_event_id",
    "list_job_events",
    "list_jobs",
    "migration_summary",
    "pipeline_summary",
    "resume_job",
    "submit_job",
]
