"""Pipelines: a DAG of steps (nodes), each one mapping config, joined by dependency edges."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from models.common import new_id, utc_now
from models.status import RunStatus


@dataclass(slots=True)
class Pipeline:
    """A named DAG of migration steps."""

    name: str
    description: str | None = None
    id: uuid.UUID = field(default_factory=new_id)
    created_at: datetime = field(default_factory=utc_now)
    updated_at: datetime = field(default_factory=utc_now)


@dataclass(slots=True)
class PipelineNode:
    """One step: runs one mapping config; `settings` holds per-step options (error policy…)."""

    pipeline_id: uuid.UUID
    name: str
    config_id: uuid.UUID | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    position_x: float = 0.0
    position_y: float = 0.0
    id: uuid.UUID = field(default_factory=new_id)


@dataclass(slots=True)
class PipelineEdge:
    """`target_node` may start only after `source_node` has succeeded."""

    pipeline_id: uuid.UUID
    source_node_id: uuid.UUID
    target_node_id: uuid.UUID
    id: uuid.UUID = field(default_factory=new_id)


#: A step's status in a run summary while a dependency has not succeeded yet …
WAITING = "waiting"
#: … and when it never started because a dependency failed (the other statuses are RunStatus).
SKIPPED = "skipped"


@dataclass(slots=True)
class StepSummary:
    """One step's outcome in a pipeline run, as the run's `summary` stores it (JSON)."""

    status: str = WAITING  # a RunStatus value, WAITING or SKIPPED
    config_id: str | None = None
    depends_on: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    seconds: float = 0.0
    rows_per_second: float = 0.0
    error: str | None = None
    started_at: str | None = None  # ISO-8601, UTC
    finished_at: str | None = None
    reconciliation: dict[str, Any] | None = None  # Reconciliation.to_dict()
    kept_from_run: str | None = None  # the earlier run it succeeded in, when not run again
    run_id: str | None = None  # the step's migration run: its checkpoint's and rejects' id

    @property
    def ran(self) -> bool:
        """True when the step started and ended (in this run or the one it was kept from)."""
        return self.status in (RunStatus.SUCCEEDED, RunStatus.FAILED)

    def to_json(self) -> dict[str, Any]:
        """The stored form; `kept_from_run` and `run_id` only where they are known."""
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        for optional in ("kept_from_run", "run_id"):
            if data[optional] is None:
                del data[optional]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StepSummary:
        """A stored step summary; keys it does not know are ignored."""
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})


@dataclass(slots=True)
class PipelineRun:
    """One execution of a pipeline, with every step's outcome in `summary`."""

    pipeline_id: uuid.UUID | None
    pipeline_name: str
    status: RunStatus = RunStatus.PENDING
    summary: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    id: uuid.UUID = field(default_factory=new_id)
    created_at: datetime = field(default_factory=utc_now)
    started_at: datetime | None = None
    finished_at: datetime | None = None

    def steps(self) -> dict[str, StepSummary]:
        """Each step's outcome, by step name, read from the stored summary."""
        stored = self.summary.get("steps", {})
        return {name: StepSummary.from_json(step) for name, step in stored.items()}
