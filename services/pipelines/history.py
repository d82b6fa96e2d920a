"""Every run record read back, of either kind: a pipeline's runs and single-config migrations."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from models.pipeline import PipelineRun, StepSummary
from protocols.repository import UnitOfWork
from services.context import ServiceContext
from services.errors import NotFound
from utils.ids import get_by_id

#: `RunView.kind` of a pipeline's run, and of one config migrated on its own.
PIPELINE_KIND, MIGRATION_KIND = "pipeline", "migration"


@dataclass(slots=True)
class RunView:
    """A run record with what a person reads it by: its kind and each step's config name.

    Attributes:
        run: The stored record (for a single migration, `pipeline_name` holds the config's).
        kind: PIPELINE_KIND or MIGRATION_KIND.
        steps: Each step's outcome by step name, in the order the steps started (then the
            ones that never started, by name). A single migration has one step, its config.
        config_names: Step name → the name of the config it ran (deleted configs included).
    """

    run: PipelineRun
    kind: str
    steps: dict[str, StepSummary]
    config_names: dict[str, str] = field(default_factory=dict)

    @property
    def pipeline_name(self) -> str | None:
        """The pipeline's name; None for a single migration."""
        return self.run.pipeline_name if self.kind == PIPELINE_KIND else None

    @property
    def config_name(self) -> str | None:
        """The config's name for a single migration; None for a pipeline (see the steps)."""
        return self.run.pipeline_name if self.kind == MIGRATION_KIND else None


def list_all_runs(ctx: ServiceContext) -> list[RunView]:
    """Every run record, pipeline runs and single-config migrations alike, newest first."""
    with ctx.uow() as uow:
        names = _config_names(uow)
        return [_view(record, names) for record in uow.pipeline_runs.list()]


def get_run(ctx: ServiceContext, run_id: str | uuid.UUID) -> RunView:
    """One run record of either kind, by id.

    Raises:
        NotFound: no run has that id.
    """
    with ctx.uow() as uow:
        record = get_by_id(uow.pipeline_runs.get, run_id)
        if record is None:
            raise NotFound(f"No run {str(run_id)!r}.")
        return _view(record, _config_names(uow))


def _config_names(uow: UnitOfWork) -> dict[str, str]:
    # Runs outlive their configs: a deleted config's name still labels its old steps.
    return {str(record.id): record.name for record in uow.configs.list(include_deleted=True)}


def _view(record: PipelineRun, names: dict[str, str]) -> RunView:
    kind = MIGRATION_KIND if record.summary.get("kind") == MIGRATION_KIND else PIPELINE_KIND
    stored = record.steps()
    if kind == MIGRATION_KIND:
        # A single migration stores one step named after its config, without its own times.
        steps = {}
        for name, step in stored.items():
            step.started_at = step.started_at or _iso(record.started_at)
            step.finished_at = step.finished_at or _iso(record.finished_at)
            steps[name] = step
        config_names = dict.fromkeys(steps, record.pipeline_name)
        return RunView(record, kind, steps, config_names)
    order = [name for name in record.summary.get("order", []) if name in stored]
    order += sorted(name for name in stored if name not in order)
    steps = {name: stored[name] for name in order}
    config_names = {
        name: names[step.config_id]
        for name, step in steps.items()
        if step.config_id is not None and step.config_id in names
    }
    return RunView(record, kind, steps, config_names)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
