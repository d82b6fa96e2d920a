"""Attributes of the jobs resource and of its events."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.base.documents import Attributes

RESOURCE_TYPE = "jobs"


class JobRunOptions(BaseModel):
    """How the job runs: the CLI's flags (each optional; the CLI's defaults otherwise)."""

    model_config = ConfigDict(extra="forbid")

    test: bool | None = Field(default=None, description="Migration: load, report, roll back.")
    test_rows: int | None = Field(default=None, ge=1, le=10_000_000)
    replay_rejects: bool | None = Field(
        default=None, description="Migration: read again only the rows of its rejects."
    )
    resume: bool | None = Field(default=None, description="Continue from the checkpoint.")
    restart: bool | None = Field(default=None, description="Forget the checkpoint; start over.")
    again: bool | None = Field(default=None, description="Append although it succeeded before.")
    batch_size: int | None = Field(default=None, ge=1, le=10_000_000)
    error_policy: str | None = Field(default=None, description="stop or quarantine.")
    max_workers: int | None = Field(
        default=None, ge=1, le=16, description="Pipeline steps at once."
    )


class ProfileRequest(BaseModel):
    """Which datasource to profile, and how."""

    model_config = ConfigDict(extra="forbid")

    datasource_id: str = Field(min_length=1, max_length=200, description="Its name or id.")
    tables: list[str] | None = Field(default=None, max_length=10_000)
    schema_: str | None = Field(default=None, alias="schema", max_length=200)
    mode: str | None = Field(default=None, description="basic or deep (the default).")


class JobCreate(Attributes):
    """What to run: exactly one of `pipeline_id`, `config_id` or `profile`, with options."""

    resource_type: ClassVar[str] = RESOURCE_TYPE
    model_config = ConfigDict(extra="forbid")

    pipeline_id: str | None = Field(
        default=None, min_length=1, max_length=200, description="A pipeline's name or id."
    )
    config_id: str | None = Field(
        default=None, min_length=1, max_length=200, description="A mapping config's name or id."
    )
    profile: ProfileRequest | None = None
    options: JobRunOptions = Field(default_factory=JobRunOptions)

    @model_validator(mode="after")
    def _exactly_one_target(self) -> JobCreate:
        given = [self.pipeline_id, self.config_id, self.profile]
        if sum(item is not None for item in given) != 1:
            raise ValueError("give exactly one of pipeline_id, config_id or profile")
        return self


class JobOut(Attributes):
    """A job as the API shows it."""

    resource_type: ClassVar[str] = RESOURCE_TYPE

    kind: str = Field(description="pipeline, migration or profile.")
    name: str = Field(description="The pipeline's, config's or datasource's name.")
    status: str = Field(
        description="pending (queued), running, succeeded, failed, cancelled or interrupted."
    )
    progress: float = Field(description="From 0 to 1.")
    error: str | None = None
    attempts: int = Field(description="How many times a runner took it (resumes add one).")
    last_seq: int = Field(description="The sequence number of its latest event.")
    cancel_requested: bool
    options: dict[str, Any] = Field(description="The options it runs with (defaults left out).")
    target_id: str | None = Field(description="The pipeline, config or datasource it runs.")
    result: dict[str, Any] = Field(description="Its summary once it ended: counts, timings…")
    pipeline_run_id: str | None = Field(description="Its entry in /pipeline-runs, if any.")
    runner: str | None = Field(description="The host of the runner that took it.")
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    heartbeat_at: datetime | None = None


class JobEventOut(Attributes):
    """One event of a job; Socket.IO clients receive the same under `type`."""

    resource_type: ClassVar[str] = "job-events"

    job_id: str
    seq: int = Field(description="From 1, in order, within the job.")
    type: str = Field(examples=["job:batch"])
    at: datetime
    data: dict[str, Any]
