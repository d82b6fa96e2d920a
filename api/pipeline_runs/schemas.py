"""Attributes of the pipeline-runs resource (every run record: a pipeline's, or one config's
migration) and of a run's rejects; the envelopes are the generic documents."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from api.base.documents import Attributes, CollectionMeta, CollectionOut

RESOURCE_TYPE = "pipeline-runs"
REJECT_TYPE = "rejects"


class RunStepOut(BaseModel):
    """One step's outcome in a run (a single migration has one step: its config)."""

    name: str
    config_id: str | None
    config_name: str | None
    status: str = Field(description="waiting, pending, running, succeeded, failed or skipped…")
    depends_on: list[str]
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    seconds: float
    rows_per_second: float
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None
    reconciled: bool | None = Field(description="None: it did not get as far as reconciling.")
    reconciliation: dict[str, Any] | None = Field(description="Counts and checksums compared.")
    kept_from_run: str | None = Field(
        description="When a resumed run kept this step: the run it succeeded in."
    )


class PipelineRunOut(Attributes):
    """One run record: a pipeline's run (`kind` pipeline) or one config's own (`migration`)."""

    resource_type: ClassVar[str] = RESOURCE_TYPE

    kind: str = Field(description="pipeline or migration.")
    status: str = Field(description="pending, running, succeeded, failed, interrupted…")
    pipeline_name: str | None = Field(description="The pipeline's; None for a migration.")
    pipeline_id: str | None = Field(description="None for a migration or a deleted pipeline.")
    config_name: str | None = Field(description="The config's, for a migration; else None.")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    seconds: float | None = Field(description="From start to finish; None while it runs.")
    rows_read: int = Field(description="Summed over the steps.")
    rows_loaded: int
    rows_rejected: int
    reconciled: bool | None = Field(
        description="Every step that ran reconciled; None when none got that far."
    )
    error: str | None
    resumed_run: str | None = Field(description="The earlier run this one resumed.")
    steps: list[RunStepOut] = Field(description="In the order they started.")


class RejectOut(Attributes):
    """One reject of a run: a failing check of a row kept out of the target. Its id is
    `step:reject id` (each target numbers its own rejects)."""

    resource_type: ClassVar[str] = REJECT_TYPE

    step: str
    reject_id: int | None
    reference: str = Field(examples=["batch 2, row 10 (reject 17)"])
    batch: int | None
    row: int | None
    key_columns: list[str]
    source_key: str | None = Field(description="Masked when it is an identifier (HN, CID…).")
    column: str | None = Field(description="The target column at fault, when known.")
    value: str | None = Field(description="Masked when the column holds an identifier.")
    stage: str = Field(description="transform, validate or load.")
    reason: str
    run_id: str | None = Field(description="The migration run that filed it.")
    rejected_at: datetime | None
    resolution: str | None = Field(description="None while outstanding.")
    resolved_by: str | None


class RejectGroupOut(BaseModel):
    """The rejects of one step, column, stage and reason."""

    step: str
    column: str | None
    stage: str
    reason: str
    rejects: int


class RunRejectsMeta(CollectionMeta):
    """A run's rejects: the page's counts, and the whole run's by column and reason."""

    rows: int = Field(description="Distinct source rows among all the run's rejects.")
    groups: list[RejectGroupOut] = Field(description="Most rejects first.")


class RunRejectsOut(CollectionOut[RejectOut]):
    """One page of a run's rejects, and its summary in `meta`."""

    meta: RunRejectsMeta
