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
