"""A background job (a pipeline run, one config's migration, a profiling run) and its events."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from models.common import new_id, utc_now
from models.status import RunStatus


class JobKind(StrEnum):
    """What a job runs."""

    PIPELINE = "pipeline"  # every step of a pipeline
    MIGRATION = "migration"  # one mapping config (also its test, or a replay of its rejects)
    PROFILE = "profile"  # a datasource's profile report


class JobEventType(StrEnum):
    """What a job's event says; the API relays each under its value as the Socket.IO event."""

    QUEUED = "job:queued"  # submitted, or resumed: waiting for a runner
    STARTED = "job:started"  # a runner claimed it
    STEP = "job:step"  # a step (pipeline step, config, table) started or ended
    BATCH = "job:batch"  # a batch of a step is committed: rows done, rows/s
    ERROR = "job:error"  # something failed (a step, or the job); one line, masked
    COMPLETED = "job:completed"  # the job ended, succeeded or failed, with its summary
    CANCELLED = "job:cancelled"  # it stopped between batches as asked; resumable
    INTERRUPTED = "job:interrupted"  # its runner went away; resumable


#: The job's status while it waits in the queue for a runner.
QUEUED = RunStatus.PENDING


@dataclass(slots=True)
class Job:
    """One unit of background work, as the store (which is the queue) keeps it.

    Attributes:
        kind: What it runs.
        name: What people call the thing it runs (the pipeline's, config's or datasource's name).
        params: What to run and how: {"pipeline_id" | "config_id" | "datasource_id", "options"}.
        owner: The runner that claimed it ("host:pid:token"), while it runs.
        heartbeat_at: When that runner last said it is alive.
        cancel_requested: Someone asked it to stop; it stops after the batch in hand.
        attempts: How many times a runner claimed it (a resumed job is claimed again).
        last_seq: The sequence number of its latest event (0 before the first).
        result: The summary it ended with (counts, timings, the reconciliation's verdict).
        pipeline_run_id: The run record it made (pipeline or standalone migration runs).
    """

    kind: JobKind
    name: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    status: RunStatus = QUEUED
    progress: float = 0.0
    message: str | None = None
    error: str | None = None
    owner: str | None = None
    heartbeat_at: datetime | None = None
    cancel_requested: bool = False
    attempts: int = 0
    last_seq: int = 0
    result: dict[str, Any] = field(default_factory=dict)
    pipeline_run_id: uuid.UUID | None = None
    id: uuid.UUID = field(default_factory=new_id)
    created_at: datetime = field(default_factory=utc_now)
    started_at: datetime | None = None
    finished_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class JobEvent:
    """One thing that happened to a job; `seq` counts from 1 within the job."""

    job_id: uuid.UUID
    seq: int
    type: JobEventType
    data: dict[str, Any] = field(default_factory=dict)
    created_at: datetime = field(default_factory=utc_now)
    id: int | None = None  # the store's own order across every job (assigned on insert)

    def to_json(self) -> dict[str, Any]:
        """What watchers receive: the Socket.IO payload, the API's and the CLI's view."""
        return {
            "job_id": str(self.job_id),
            "seq": self.seq,
            "type": str(self.type),
            "at": self.created_at.isoformat(),
            "data": self.data,
        }
