"""A migration run's entry in the metadata store's run history.

The entry has the run's own id (the one its checkpoint carries), so a run that was killed and
is resumed later is ONE entry: `running`, then `interrupted` when a later start finds its
checkpoint, then `succeeded` when the resume completes it. A run that fails before it has an
id (a missing lookup table, say) still gets an entry, with a fresh id.
"""

from __future__ import annotations

import uuid

from models.common import utc_now
from models.migration_config import MigrationConfig
from models.migration_run import MigrationResult
from models.pipeline import PipelineRun
from models.status import RunStatus
from services.context import ServiceContext

#: `summary["kind"]` of a single config's run (a pipeline's runs say "pipeline").
MIGRATION_KIND = "migration"


class RunRecord:
    """Writes one run's history entry as the run goes; does nothing when `enabled` is False
    (a pipeline keeps one entry for all its steps, a test run keeps none)."""

    def __init__(self, ctx: ServiceContext, config: MigrationConfig, *, enabled: bool) -> None:
        self._ctx = ctx
        self._config = config
        self._enabled = enabled
        self._entry: PipelineRun | None = None

    def interrupted(self, run_id: uuid.UUID, done: MigrationResult | None = None) -> None:
        """A checkpoint names run `run_id` and this process is starting: that run stopped
        part-way. Its entry, still `running` if it was killed, says so now, with what its
        checkpoint says it had done (`done`)."""
        if not self._enabled:
            return
        with self._ctx.uow() as uow:
            entry = uow.pipeline_runs.get(run_id)
            if entry is not None and entry.status is RunStatus.RUNNING:
                entry.status = RunStatus.INTERRUPTED
                entry.error = "stopped part-way; its checkpoint is kept for --resume"
                if done is not None:
                    done.status, done.error = entry.status, entry.error
                    entry.summary = self._summary(done)
                uow.pipeline_runs.update(entry)
                uow.commit()

    def started(self, run_id: uuid.UUID) -> None:
        """The run has its id: a new entry, or, for a resumed run, its own entry again."""
        if not self._enabled:
            return
        with self._ctx.uow() as uow:
            entry = uow.pipeline_runs.get(run_id)
            if entry is None:
                entry = self._new_entry(run_id)
                uow.pipeline_runs.add(entry)
            else:
                entry.status, entry.error, entry.finished_at = RunStatus.RUNNING, None, None
                uow.pipeline_runs.update(entry)
            uow.commit()
        self._entry = entry

    def ended(self, result: MigrationResult) -> None:
        """The run is over (or stopped): its status, counts, timing and reconciliation."""
        if not self._enabled:
            return
        with self._ctx.uow() as uow:
            entry = self._entry
            if entry is None:  # it stopped before it had an id
                entry = self._new_entry(uuid.uuid4())
                uow.pipeline_runs.add(entry)
            entry.status = result.status
            entry.error = result.error
            entry.finished_at = utc_now()
            entry.summary = self._summary(result)
            uow.pipeline_runs.update(entry)
            uow.commit()
        self._entry = entry

    def _new_entry(self, run_id: uuid.UUID) -> PipelineRun:
        return PipelineRun(
            id=run_id,
            pipeline_id=None,
            pipeline_name=self._config.name,
            status=RunStatus.RUNNING,
            started_at=utc_now(),
            summary=self._summary(None),
        )

    def _summary(self, result: MigrationResult | None) -> dict:
        steps = {result.step: result.to_dict()} if result is not None else {}
        return {"kind": MIGRATION_KIND, "steps": steps}
