"""A background job: long work started from the dashboard, the CLI or the API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from models.common import new_id, utc_now
from models.status import RunStatus


@dataclass(slots=True)
class Job:
    """A unit of background work and how far it has got (`progress` from 0.0 to 1.0)."""

    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    status: RunStatus = RunStatus.PENDING
    progress: float = 0.0
    message: str | None = None
    error: str | None = None
    pipeline_run_id: uuid.UUID | None = None
    id: uuid.UUID = field(default_factory=new_id)
    created_at: datetime = field(default_factory=utc_now)
    started_at: datetime | None = None
    finished_at: datetime | None = None
