"""The run history of configs: every run of a config, alone or as a pipeline's step."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from models.pipeline import PipelineRun
from models.status import RunStatus
from protocols.repository import UnitOfWork
from services.context import ServiceContext
from services.errors import ConfigNotFound
from services.migration.run_record import MIGRATION_KIND


@dataclass(frozen=True, slots=True)
class ConfigRun:
    """One run of one config: its own outcome, and the run record it belongs to."""

    run_id: uuid.UUID
    config: str
    pipeline: str | None  # the pipeline's name, when the config ran as one of its steps
    status: RunStatus
    started_at: datetime | None
    finished_at: datetime | None
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    seconds: float
    reconciled: bool | None  # None: not reconciled (it did not get that far)
    error: str | None


def list_runs(ctx: ServiceContext, config: str | None = None) -> list[ConfigRun]:
    """Every run of every config (or of `config`), newest first.

    Raises:
        ConfigNotFound: `config` names no config (deleted ones count: their runs stay).
    """
    with ctx.uow() as uow:
        if config is not None:
            record = uow.configs.get_by_name_or_id(config)
            if record is None:
                raise ConfigNotFound(config)
            config = record.name
        runs = _runs(uow)
    return [run for run in runs if config is None or run.config == config]


def last_run(ctx: ServiceContext, config: str) -> ConfigRun | None:
    """The newest run of `config` that is over (not running, nor waiting), or None."""
    with ctx.uow() as uow:
        runs = _runs(uow)
    unfinished = (RunStatus.RUNNING, RunStatus.PENDING)
    return next((r for r in runs if r.config == config and r.status not in unfinished), None)


def _runs(uow: UnitOfWork) -> list[ConfigRun]:
    """Every config's runs, newest first, from the run records and the configs' names."""
    names = {str(record.id): record.name for record in uow.configs.list(include_deleted=True)}
    return [run for record in uow.pipeline_runs.list() for run in _config_runs(record, names)]


def _config_runs(record: PipelineRun, names: dict[str, str]) -> list[ConfigRun]:
    if record.summary.get("kind") == MIGRATION_KIND:
        step = next(iter(record.summary.get("steps", {}).values()), {})
        return [_run(record, record.pipeline_name, None, step, record.status)]
    runs = []
    for step in record.summary.get("steps", {}).values():
        config = names.get(step.get("config_id") or "")
        status = step.get("status")
        if config is None or status not in set(RunStatus):
            continue  # a step that never started (waiting, skipped) is not a run of its config
        runs.append(_run(record, config, record.pipeline_name, step, RunStatus(status)))
    return runs


def _run(
    record: PipelineRun, config: str, pipeline: str | None, step: dict[str, Any], status: RunStatus
) -> ConfigRun:
    check = step.get("reconciliation")
    return ConfigRun(
        run_id=record.id,
        config=config,
        pipeline=pipeline,
        status=status,
        started_at=record.started_at,
        finished_at=record.finished_at,
        rows_read=int(step.get("rows_read") or 0),
        rows_loaded=int(step.get("rows_loaded") or 0),
        rows_rejected=int(step.get("rows_rejected") or 0),
        seconds=float(step.get("seconds") or 0.0),
        reconciled=None if not check else bool(check.get("ok")),
        error=step.get("error") or record.error,
    )
