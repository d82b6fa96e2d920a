"""The state of one run of a step: what every phase reads, and what its checkpoint carries.

A leaf module: the run, its start or resume, test mode and the reconciliation all take these
types, and none of them imports another to reach the run's data.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from models.migration_config import ErrorPolicy, MigrationConfig
from models.migration_run import MigrationOptions, MigrationResult, Reconciliation
from models.status import RunStatus
from services.datasources import Endpoint
from services.migration.checkpoints import CheckpointManager
from services.migration.checksums import Checksums, ColumnMeasure, StreamChecksums
from services.migration.reader import SourceReader
from services.migration.rejects import RejectStore
from services.migration.source_query import SourceQuery


@dataclass(frozen=True, slots=True)
class StepContext:
    """What every phase of a run reads, fixed when the run starts."""

    config: MigrationConfig  # with lookup tables already resolved into mappings
    options: MigrationOptions
    source: Endpoint
    target: Endpoint
    policy: ErrorPolicy
    batch_size: int
    fast_reader: bool
    checkpoints: CheckpointManager
    rejects: RejectStore

    @property
    def name(self) -> str:
        """The step's name (its config's)."""
        return self.config.name

    def reader(self, query: SourceQuery) -> SourceReader:
        """A reader of the step's source query, batch by batch."""
        source = self.source
        return SourceReader(
            source.connections,
            source.spec,
            source.dialect,
            query,
            batch_size=self.batch_size,
            fast=self.fast_reader,
        )


@dataclass(slots=True)
class StepState:
    """What a run has done so far, and everything its checkpoint must carry to resume it.

    The counters live here and only here; a `MigrationResult` is a view of them.
    """

    run_id: uuid.UUID = field(default_factory=uuid.uuid4)
    last_key: tuple[Any, ...] = ()  # the source key of the last row of the last batch loaded
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    batches: int = 0
    resumed_from: int = 0  # rows the interrupted run had read when this one took over
    created: bool = False  # the run created the target table (keys are built at the end)
    measures: dict[str, ColumnMeasure] = field(default_factory=dict)
    before: Checksums | None = None  # the target's checksums before an append to a full table
    stream: StreamChecksums | None = None  # what was sent so far, column by column
    conversions: dict[str, int] = field(default_factory=dict)  # see MigrationResult

    def count_batch(
        self,
        *,
        read: int,
        loaded: int,
        rejected: int,
        last_key: tuple,
        conversions: dict[str, int] | None = None,
    ) -> None:
        """Add one committed batch to the counters."""
        self.rows_read += read
        self.rows_loaded += loaded
        self.rows_rejected += rejected
        self.batches += 1
        if last_key:
            self.last_key = tuple(last_key)
        for name, count in (conversions or {}).items():
            self.conversions[name] = self.conversions.get(name, 0) + count

    def to_json(self) -> dict[str, Any]:
        """JSON-safe form kept in the checkpoint (checksums as exact text)."""
        return {
            "run_id": str(self.run_id),
            "last_key": list(self.last_key),
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_rejected": self.rows_rejected,
            "created": self.created,
            "measures": {column: str(measure) for column, measure in self.measures.items()},
            "before": self.before,
            "stream": self.stream.to_state() if self.stream is not None else None,
            "conversions": dict(self.conversions),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], *, batches: int) -> StepState:
        """The state a checkpoint saved (`batches`: the checkpoint's own count); the run
        resumes where it stopped.

        Raises:
            ValueError: the stream checksums were taken over other columns or measures.
        """
        measures = {column: ColumnMeasure(kind) for column, kind in data["measures"].items()}
        before = data.get("before")
        return cls(
            run_id=uuid.UUID(data["run_id"]),
            last_key=tuple(data["last_key"]),
            rows_read=int(data["rows_read"]),
            rows_loaded=int(data["rows_loaded"]),
            rows_rejected=int(data["rows_rejected"]),
            batches=batches,
            resumed_from=int(data["rows_read"]),
            created=bool(data["created"]),
            measures=measures,
            before={column: (int(count), total) for column, (count, total) in before.items()}
            if before
            else None,
            stream=StreamChecksums(measures, data.get("stream")),
            conversions={name: int(count) for name, count in data.get("conversions", {}).items()},
        )

    def result(
        self,
        step: str,
        status: RunStatus,
        *,
        seconds: float = 0.0,
        reconciliation: Reconciliation | None = None,
    ) -> MigrationResult:
        """The run's report: these counters, with its status and timing."""
        return MigrationResult(
            step=step,
            status=status,
            rows_read=self.rows_read,
            rows_loaded=self.rows_loaded,
            rows_rejected=self.rows_rejected,
            batches=self.batches,
            seconds=seconds,
            resumed_from=self.resumed_from,
            reconciliation=reconciliation,
            conversions=dict(self.conversions),
            run_id=self.run_id,
        )
