"""The job runner: claims queued jobs from the store, runs them on a bounded thread pool,
heartbeats, passes cancel requests on, and marks the jobs of runners that died `interrupted`.

The API server hosts one; `his-analyzer worker` hosts more, on this machine or another one
sharing a PostgreSQL store.
"""

from __future__ import annotations

import logging
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from models.common import utc_now
from models.job import Job, JobEvent, JobEventType
from models.status import RunStatus
from protocols.repository import UnitOfWork
from services.context import ServiceContext
from services.errors import HisError, RunCancelled
from services.jobs.events import EventListener, JobEventLog, JobProgress
from services.jobs.kinds import JobCall, JobOutcome, kind_spec
from services.jobs.liveness import new_owner_id, owner_is_gone
from services.jobs.options import JobOptions
from services.privacy import safe_line
from utils.ids import as_uuid

log = logging.getLogger(__name__)


@dataclass
class _Running:
    """A job this runner has in hand."""

    job: Job
    stop: threading.Event = field(default_factory=threading.Event)
    shutting_down: bool = False  # the stop came from this runner closing, not from a cancel
    progress: JobProgress | None = None


class JobRunner:
    """Runs queued jobs until `close()`; every method is safe to call from any thread."""

    def __init__(
        self,
        ctx: ServiceContext,
        *,
        workers: int | None = None,
        poll_seconds: float = 1.0,
        heartbeat_seconds: float | None = None,
        stale_seconds: float | None = None,
    ) -> None:
        settings = ctx.settings
        self.ctx = ctx
        self.owner = new_owner_id()
        self.workers = workers or settings.job_workers
        self.poll_seconds = poll_seconds
        self.heartbeat_seconds = heartbeat_seconds or settings.job_heartbeat_seconds
        self.stale_seconds = stale_seconds or settings.job_stale_seconds
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="job")
        self._running: dict[uuid.UUID, _Running] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._closing = threading.Event()
        self._threads: list[threading.Thread] = []
        self._listeners: list[EventListener] = []

    # --- life cycle ---------------------------------------------------------------------------

    def start(self) -> JobRunner:
        """Mark dead runners' jobs interrupted, then start claiming and heartbeating."""
        self.sweep_stale()
        for target, name in ((self._claim_loop, "claim"), (self._heartbeat_loop, "heartbeat")):
            thread = threading.Thread(target=target, name=f"job-runner-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        log.info("job runner %s started with %d workers", self.owner, self.workers)
        return self

    def close(self, timeout: float = 60.0) -> None:
        """Stop claiming; running jobs stop after their batch in hand and become
        `interrupted` (resumable). Waits for them up to `timeout` seconds."""
        self._closing.set()
        self._wake.set()
        with self._lock:
            for running in self._running.values():
                running.shutting_down = True
                running.stop.set()
        for thread in self._threads:
            thread.join(timeout)
        self._pool.shutdown(wait=True, cancel_futures=True)
        log.info("job runner %s stopped", self.owner)

    def wake(self) -> None:
        """Look at the queue now (a job was just submitted in this process)."""
        self._wake.set()

    def add_listener(self, listener: EventListener) -> None:
        """Call `listener` (quickly, on the job's thread) with every event this runner stores."""
        self._listeners.append(listener)

    def running_jobs(self) -> list[uuid.UUID]:
        """The jobs this runner has in hand."""
        with self._lock:
            return list(self._running)

    # --- claiming -----------------------------------------------------------------------------

    def _claim_loop(self) -> None:
        while not self._closing.is_set():
            claimed = False
            try:
                if self._has_free_worker():
                    claimed = self._claim_one()
            except Exception:  # noqa: BLE001 - a store hiccup must not end the runner
                log.exception("job runner %s: could not claim a job", self.owner)
            if not claimed:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()

    def _has_free_worker(self) -> bool:
        with self._lock:
            return len(self._running) < self.workers

    def _claim_one(self) -> bool:
        with self.ctx.uow() as uow:
            job = uow.jobs.claim_next(self.owner, utc_now())
            uow.commit()
        if job is None:
            return False
        running = _Running(job)
        with self._lock:
            self._running[job.id] = running
        self._pool.submit(self._run, running)
        return True

    # --- running one job ----------------------------------------------------------------------

    def _run(self, running: _Running) -> None:
        job = running.job
        events = JobEventLog(self.ctx, job.id, last_seq=job.last_seq, listener=self._notify)
        try:
            outcome, final, error = self._execute(running, events)
            self._finish(running, events, outcome, final, error)
        except Exception:  # noqa: BLE001 - the job's end must be recorded whatever happened
            log.exception("job %s: the runner failed while ending it", job.id)
        finally:
            with self._lock:
                self._running.pop(job.id, None)
            self._wake.set()  # a worker is free

    def _execute(
        self, running: _Running, events: JobEventLog
    ) -> tuple[JobOutcome | None, RunStatus, str | None]:
        job = running.job
        try:
            spec = kind_spec(job.kind)
            options = JobOptions.from_json(job.params.get("options"))
            if spec.own_subject:  # its run record's id is known before it starts
                job.params["run_id"] = str(uuid.uuid4())
                self._store(job.id, params=job.params)
            progress = JobProgress(
                events, own_subject=job.name if spec.own_subject else None,
                stopping=running.stop.is_set,
            )  # fmt: skip
            running.progress = progress
            events.emit(
                JobEventType.STARTED, kind=str(job.kind), name=job.name, attempt=job.attempts,
                resumed=options.resume, runner=self.owner.split(":")[0],
            )  # fmt: skip
            call = JobCall(progress, running.stop.is_set)
            outcome = spec.run(self.ctx, job, options, call)
        except RunCancelled as stopped:
            return None, self._stopped_status(running), stopped.message
        except HisError as error:
            return None, RunStatus.FAILED, error.message
        except Exception as error:  # noqa: BLE001 - a bug: the job fails, the runner goes on
            log.exception("job %s failed unexpectedly", job.id)
            return (
                None,
                RunStatus.FAILED,
                (f"unexpected error ({type(error).__name__}); the server log has the details"),
            )
        if outcome.status is RunStatus.CANCELLED:  # a pipeline stopped between steps
            return outcome, self._stopped_status(running), outcome.error
        return outcome, outcome.status, outcome.error

    def _stopped_status(self, running: _Running) -> RunStatus:
        return RunStatus.INTERRUPTED if running.shutting_down else RunStatus.CANCELLED

    def _finish(
        self,
        running: _Running,
        events: JobEventLog,
        outcome: JobOutcome | None,
        status: RunStatus,
        error: str | None,
    ) -> None:
        job = running.job
        summary = outcome.summary if outcome is not None else {}
        line = safe_line(error) if error else None
        values: dict[str, Any] = {
            "status": status,
            "error": line,
            "result": summary,
            "finished_at": utc_now(),
            "progress": 1.0 if status is RunStatus.SUCCEEDED else self._fraction(running),
        }
        run_id = outcome.run_id if outcome is not None else None
        run_id = run_id or as_uuid(job.params.get("run_id"))
        with self.ctx.uow() as uow:
            if run_id is not None and uow.pipeline_runs.get(run_id) is not None:
                values["pipeline_run_id"] = run_id
            ended = uow.jobs.change_if(
                job.id, statuses=[RunStatus.RUNNING], owned_by=self.owner, **values
            )
            uow.commit()
        if not ended:  # another runner judged this one dead and took the job over
            log.warning("job %s: ended here, but this runner no longer owns it", job.id)
            return
        if status is RunStatus.CANCELLED:
            events.emit(JobEventType.CANCELLED, message=line, summary=summary)
        elif status is RunStatus.INTERRUPTED:
            events.emit(JobEventType.INTERRUPTED, message=line, summary=summary)
        else:
            if status is RunStatus.FAILED:
                events.emit(JobEventType.ERROR, message=line or "the job failed")
            events.emit(JobEventType.COMPLETED, status=str(status), summary=summary, error=line)
        log.info("job %s %s", job.id, status)

    def _fraction(self, running: _Running) -> float:
        return running.progress.fraction if running.progress is not None else 0.0

    def _store(self, job_id: uuid.UUID, **values: Any) -> None:
        with self.ctx.uow() as uow:
            uow.jobs.change_if(job_id, statuses=[RunStatus.RUNNING], owned_by=self.owner, **values)
            uow.commit()

    def _notify(self, event: JobEvent) -> None:
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:  # noqa: BLE001 - a watcher's fault is not the job's
                log.exception("job event listener failed")

    # --- heartbeat, cancel requests, dead runners ---------------------------------------------

    def _heartbeat_loop(self) -> None:
        beats = 0
        while not self._closing.wait(self.heartbeat_seconds):
            beats += 1
            try:
                self._beat()
                if beats % 5 == 0:
                    self.sweep_stale()
            except Exception:  # noqa: BLE001 - the next beat tries again
                log.exception("job runner %s: heartbeat failed", self.owner)

    def _beat(self) -> None:
        with self._lock:
            running = dict(self._running)
        if not running:
            return
        with self.ctx.uow() as uow:
            uow.jobs.heartbeat(self.owner, utc_now())
            for job_id, item in running.items():
                uow.jobs.change_if(
                    job_id, statuses=[RunStatus.RUNNING], owned_by=self.owner,
                    progress=self._fraction(item),
                )  # fmt: skip
            cancelled = uow.jobs.cancel_requested(self.owner)
            uow.commit()
        for job_id in cancelled:
            if job_id in running and not running[job_id].stop.is_set():
                log.info("job %s: stopping after the batch in hand, as asked", job_id)
                running[job_id].stop.set()

    def sweep_stale(self) -> list[uuid.UUID]:
        """Mark `interrupted` every running job whose runner is gone; returns their ids."""
        now = utc_now()
        with self.ctx.uow() as uow:
            running = uow.jobs.list(statuses=[RunStatus.RUNNING])
        marked = []
        for job in running:
            if job.owner == self.owner:
                continue
            if not owner_is_gone(job.owner, job.heartbeat_at, now, self.stale_seconds):
                continue
            if self._mark_interrupted(job):
                marked.append(job.id)
        return marked

    def _mark_interrupted(self, job: Job) -> bool:
        message = "Its runner stopped while it ran; resume continues from its checkpoints."
        run_id = as_uuid(job.params.get("run_id"))
        with self.ctx.uow() as uow:
            changed = uow.jobs.change_if(
                job.id, statuses=[RunStatus.RUNNING], owned_by=job.owner,
                status=RunStatus.INTERRUPTED, error=message, finished_at=utc_now(),
            )  # fmt: skip
            if changed and run_id is not None:
                _interrupt_run_record(uow, run_id)
            uow.commit()
        if changed:
            log.warning("job %s: its runner %s is gone; marked interrupted", job.id, job.owner)
            JobEventLog(self.ctx, job.id, last_seq=job.last_seq, listener=self._notify).emit(
                JobEventType.INTERRUPTED, message=message
            )
        return changed


def _interrupt_run_record(uow: UnitOfWork, run_id: uuid.UUID) -> None:
    # The pipeline's run record still says running: its process died with it.
    run = uow.pipeline_runs.get(run_id)
    if run is not None and run.status is RunStatus.RUNNING:
        run.status = RunStatus.INTERRUPTED
        run.error = "The process running it stopped; resuming the job continues it."
        run.finished_at = utc_now()
        uow.pipeline_runs.update(run)
