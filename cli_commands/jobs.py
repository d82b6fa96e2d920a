"""`his-analyzer job start|list|show|events|cancel|resume` and `his-analyzer worker`: the job
queue from a terminal. A job started here runs in whichever runner claims it first — the API
server's, or a worker's."""

from __future__ import annotations

import json
import signal
import threading
import time
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from cli_commands.common import add_plain_row, out, print_nothing_in_store, service_context
from models.job import Job, JobEvent, JobEventType
from models.status import RunStatus
from services import jobs
from services.context import ServiceContext

job_app = typer.Typer(
    help="Background jobs: pipelines, migrations and profiles run by the API server or workers.",
    no_args_is_help=True,
)

_FOLLOW_POLL_SECONDS = 0.5
_ENDS = {JobEventType.COMPLETED, JobEventType.CANCELLED, JobEventType.INTERRUPTED}


@job_app.command("start")
def start(
    kind: Annotated[str, typer.Argument(help="pipeline, migration or profile.")],
    target: Annotated[str, typer.Argument(help="The pipeline, config or datasource (name/id).")],
    test: Annotated[
        bool, typer.Option("--test", help="Migration: load, report, roll back.")
    ] = False,
    replay_rejects: Annotated[
        bool, typer.Option("--replay-rejects", help="Migration: only the rows of its rejects.")
    ] = False,
    restart: Annotated[bool, typer.Option("--restart", help="Forget the checkpoint.")] = False,
    again: Annotated[bool, typer.Option("--again", help="Append although it succeeded.")] = False,
    batch_size: Annotated[int | None, typer.Option(help="Rows per batch.", min=1)] = None,
    error_policy: Annotated[str | None, typer.Option(help="stop or quarantine.")] = None,
    max_workers: Annotated[int | None, typer.Option(help="Pipeline steps at once.", min=1)] = None,
    table: Annotated[
        list[str] | None, typer.Option("--table", help="Profile: only this table (repeatable).")
    ] = None,
    follow: Annotated[
        bool, typer.Option("--follow", help="Print its events until it ends.")
    ] = False,
) -> None:
    """Queue a job and print its id; a runner (API server or `his-analyzer worker`) runs it."""
    chosen: dict[str, Any] = {
        "test": test or None, "replay_rejects": replay_rejects or None, "restart": restart or None,
        "again": again or None, "batch_size": batch_size, "error_policy": error_policy,
        "max_workers": max_workers, "tables": table or None,
    }  # fmt: skip
    ctx = service_context()
    job = jobs.submit_job(ctx, kind, target, options={k: v for k, v in chosen.items() if v})
    out.print(f"Job {job.id} queued: {job.kind} {job.name!r}.")
    out.print("The API server (make run) or a `his-analyzer worker` runs it.")
    if follow:
        _follow(ctx, job)
    else:
        out.print(f"Follow it with: his-analyzer job events {job.id} --follow")


@job_app.command("list")
def list_command(
    status: Annotated[
        list[str] | None, typer.Option("--status", help="Only jobs in this status (repeatable).")
    ] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.", min=1)] = 20,
) -> None:
    """Jobs, newest first: kind, name, status, progress, when, and why one failed."""
    ctx = service_context()
    statuses = [RunStatus(value) for value in status] if status else None
    found = jobs.list_jobs(ctx, statuses=statuses)
    if not found:
        print_nothing_in_store(ctx, "jobs")
        return
    table = Table("job", "kind", "name", "status", "progress", "created (UTC)", "error",
                  title=Text("jobs"))  # fmt: skip
    for job in found[:limit]:
        add_plain_row(
            table, str(job.id), str(job.kind), job.name, str(job.status),
            f"{job.progress:.0%}", f"{job.created_at:%Y-%m-%d %H:%M}", job.error or "",
        )  # fmt: skip
    out.print(table)


@job_app.command("show")
def show(job_id: Annotated[str, typer.Argument(help="The job's id.")]) -> None:
    """One job: status, attempts, options and, once ended, its summary."""
    job = jobs.get_job(service_context(), job_id)
    out.print(f"job {job.id}: {job.kind} {job.name!r}, {job.status} ({job.progress:.0%})")
    out.print(f"  attempts {job.attempts}, events {job.last_seq}, created {job.created_at:%c} UTC")
    if job.params.get("options"):
        out.print(f"  options: {json.dumps(job.params['options'])}")
    if job.error:
        out.print(f"  error: {job.error}")
    if job.result:
        out.print(f"  result: {json.dumps(job.result, default=str)}")


@job_app.command("events")
def events(
    job_id: Annotated[str, typer.Argument(help="The job's id.")],
    after: Annotated[int, typer.Option(help="Only events after this sequence number.", min=0)] = 0,
    follow: Annotated[
        bool, typer.Option("--follow", help="Wait for new ones until it ends.")
    ] = False,
) -> None:
    """A job's events, in order (what Socket.IO subscribers receive)."""
    ctx = service_context()
    job = jobs.get_job(ctx, job_id)
    if follow:
        _follow(ctx, job, after=after)
        return
    for event in jobs.list_job_events(ctx, job.id, after=after):
        out.print(_event_line(event))


@job_app.command("cancel")
def cancel(job_id: Annotated[str, typer.Argument(help="The job's id.")]) -> None:
    """Ask a job to stop: at once if queued, after the batch in hand if running."""
    job = jobs.cancel_job(service_context(), job_id)
    if job.status is RunStatus.CANCELLED:
        out.print(f"Job {job.id} cancelled before it started.")
    else:
        out.print(f"Job {job.id} will stop after the batch in hand; resume continues it.")


@job_app.command("resume")
def resume(job_id: Annotated[str, typer.Argument(help="The job's id.")]) -> None:
    """Queue an interrupted, cancelled or failed job again, to continue from its checkpoint."""
    job = jobs.resume_job(service_context(), job_id)
    out.print(f"Job {job.id} queued again; it continues from its checkpoint.")


def worker(
    workers: Annotated[
        int | None, typer.Option(help="Jobs at once (HIS_JOB_WORKERS).", min=1)
    ] = None,
) -> None:
    """Run queued jobs until Ctrl-C or SIGTERM; running jobs then stop after their batch in
    hand and become interrupted (resumable). Start several, here or on other machines that
    share a PostgreSQL store (HIS_DATABASE_URL)."""
    ctx = service_context()
    runner = jobs.JobRunner(ctx, workers=workers).start()
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    out.print(f"Worker {runner.owner} runs up to {runner.workers} jobs; Ctrl-C stops it.")
    stopping.wait()
    out.print("Stopping: running jobs stop after their batch in hand…")
    runner.close()
    ctx.close()


def _follow(ctx: ServiceContext, job: Job, *, after: int = 0) -> None:
    while True:
        for event in jobs.list_job_events(ctx, job.id, after=after):
            out.print(_event_line(event))
            after = event.seq
            if event.type in _ENDS:
                return
        time.sleep(_FOLLOW_POLL_SECONDS)


def _event_line(event: JobEvent) -> str:
    data = event.data
    details = {
        JobEventType.BATCH: lambda: (
            f"{data.get('step')}: {data.get('rows_done', 0):,} rows "
            f"({data.get('rows_per_second', 0):,.0f} rows/s)"
        ),
        JobEventType.STEP: lambda: f"{data.get('step')}: {data.get('status')}",
        JobEventType.ERROR: lambda: f"{data.get('step') or 'job'}: {data.get('message')}",
        JobEventType.COMPLETED: lambda: f"{data.get('status')} {data.get('error') or ''}".strip(),
    }
    detail = details.get(event.type, lambda: data.get("message") or data.get("name") or "")()
    return f"{event.seq:>5} {event.created_at:%H:%M:%S} {event.type:<16} {detail}"
