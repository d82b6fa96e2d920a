"""A job's events: numbered, stored (the store is how every process learns of them), and
translated from the engine's progress events into what watchers are told."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from models.job import JobEvent, JobEventType
from models.progress import ProgressEvent, ProgressKind
from services.context import ServiceContext
from services.privacy import safe_line

log = logging.getLogger(__name__)

EventListener = Callable[[JobEvent], None]


class JobEventLog:
    """Writes one job's events, each with the job's next sequence number.

    Thread-safe: a pipeline's steps report from several threads, and the lock also makes the
    commit order of a job's events their sequence order, which the relay relies on.
    """

    def __init__(
        self,
        ctx: ServiceContext,
        job_id: uuid.UUID,
        *,
        last_seq: int = 0,
        listener: EventListener | None = None,
    ) -> None:
        self._ctx = ctx
        self._job_id = job_id
        self._seq = last_seq
        self._lock = threading.Lock()
        self._listener = listener

    def emit(self, event_type: JobEventType, **data: Any) -> JobEvent | None:
        """Store the event; None when the store refused it (logged: the job goes on)."""
        with self._lock:
            event = JobEvent(self._job_id, self._seq + 1, event_type, _clean(data))
            try:
                with self._ctx.uow() as uow:
                    event = uow.jobs.add_event(event)
                    uow.commit()
            except Exception:  # noqa: BLE001 - losing an event must not stop a migration
                log.warning("job %s: could not store its %s event", self._job_id, event_type)
                return None
            self._seq = event.seq
        if self._listener is not None:
            self._listener(event)
        return event


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    # Every text that reaches an event is one masked line: an engine's message may quote a row.
    return {
        key: safe_line(value) if isinstance(value, str) and key in ("message", "error") else value
        for key, value in data.items()
    }


class JobProgress:
    """The engine's progress events (a ProgressSink) told to watchers as job events.

    A step (a pipeline step, the config of a migration, a table of a profile) gives
    `job:step` when it starts and ends, `job:batch` after each batch (rows done, rows/s), and
    `job:error` when it fails. The pipeline's own events (`subject` = its name) only move
    `fraction`: the runner reports the job's start and end itself.
    """

    def __init__(
        self,
        events: JobEventLog,
        *,
        own_subject: str | None = None,
        stopping: Callable[[], bool] = lambda: False,
    ) -> None:
        self._events = events
        self._own_subject = own_subject
        self._stopping = stopping
        self._lock = threading.Lock()
        self._step_start: dict[str, tuple[float, int]] = {}  # step → (clock, rows at start)
        self.fraction = 0.0

    def __call__(self, event: ProgressEvent) -> None:
        if event.subject == self._own_subject:
            if event.total:
                self.fraction = min(1.0, event.done / event.total)
            return
        step = event.subject
        if event.kind is ProgressKind.STARTED:
            with self._lock:
                self._step_start[step] = (time.monotonic(), event.done)
            self._events.emit(
                JobEventType.STEP, step=step, status="running", rows_done=event.done,
                rows_total=event.total,
            )  # fmt: skip
        elif event.kind is ProgressKind.ADVANCED:
            if self._own_subject is None and event.total:
                self.fraction = min(1.0, event.done / event.total)
            self._events.emit(
                JobEventType.BATCH, step=step, rows_done=event.done, rows_total=event.total,
                rows_per_second=self._rate(step, event.done),
            )  # fmt: skip
        elif event.kind is ProgressKind.FINISHED:
            self._events.emit(
                JobEventType.STEP, step=step, status="succeeded", rows_done=event.done,
                rows_total=event.total,
            )  # fmt: skip
        elif event.kind is ProgressKind.FAILED:
            message = event.message or "the step failed"
            status = "skipped" if message.startswith("skipped") else "failed"
            if self._stopping():  # a cancel, not a failure: the step stopped as asked
                status = "cancelled" if status == "failed" else status
            self._events.emit(JobEventType.STEP, step=step, status=status)
            if status == "failed":
                self._events.emit(JobEventType.ERROR, step=step, message=message)

    def _rate(self, step: str, done: int) -> float:
        with self._lock:
            started, rows_at_start = self._step_start.get(step, (time.monotonic(), done))
        elapsed = time.monotonic() - started
        return round((done - rows_at_start) / elapsed, 1) if elapsed > 0 else 0.0
