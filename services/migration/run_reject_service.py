"""The rejects of one run record, whatever its kind: counted by step, column and reason, and
read a page at a time.

The reject table lives in each step's TARGET database and names its rows by the step's config
and by the migration's own run id. A single migration's record has that very id. A pipeline's
record does not keep its steps' migration ids, so a step's rejects are those filed by the
migration runs of its config that filed any while the step ran (between its start and end, to
the second: some engines keep no fraction). So another run of the same config that filed
rejects in that window (started by hand while the step ran, or ending in its first second)
would be counted with it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, select
from sqlalchemy.sql import ColumnElement

from models.migration_run import RejectedRow
from models.pipeline import PipelineRun, StepSummary
from services.context import ServiceContext
from services.errors import NotFound
from services.migration.reject_service import _reject_table
from services.migration.rejects import RejectStore
from services.migration.run_record import MIGRATION_KIND
from utils.ids import as_uuid

# The reject table's times on MariaDB have no fraction of a second: widen the step's window.
_SLACK = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class RunRejectGroup:
    """The rejects of one step, column, stage and reason in a run."""

    step: str
    column: str | None  # None: the check or the engine named no column
    stage: str  # "transform", "validate" or "load"
    reason: str
    rejects: int


@dataclass(frozen=True, slots=True)
class StepReject:
    """One reject row of a run, with the step that filed it."""

    step: str
    reject: RejectedRow


@dataclass(slots=True)
class RunRejects:
    """A run's rejects: the counts, and one page of the rows.

    Attributes:
        run_id: The run record asked for.
        rejects: Rejects filed by the run (a row failing two checks counts twice).
        rows: Distinct source rows among them, summed over the steps.
        groups: By step, column, stage and reason, most rejects first.
        page: The rejects from `offset`, oldest first, step after step (in the run's order).
            Their `key` is in clear as the reject table keeps it: show `masked_key`.
    """

    run_id: str
    rejects: int = 0
    rows: int = 0
    groups: list[RunRejectGroup] = field(default_factory=list)
    page: list[StepReject] = field(default_factory=list)


def run_rejects(
    ctx: ServiceContext, run_id: str | uuid.UUID, *, offset: int = 0, limit: int = 50
) -> RunRejects:
    """The rejects one run filed, every step's, closed ones too (a replay does not hide them).

    Args:
        ctx: The service context.
        run_id: A run record's id (a pipeline run or a single migration).
        offset: How many rejects to pass over before the page.
        limit: At most this many rejects in the page.

    Raises:
        NotFound: no run has that id.
        ConfigNotFound: a step's config was deleted since (its target is then unknown).
        ConnectionFailed: a step's target cannot be reached.
    """
    record = _record(ctx, run_id)
    found = RunRejects(run_id=str(record.id))
    end = offset + limit
    for step, config, started, finished in _steps(record):
        with _reject_table(ctx, config) as (name, store, connection):
            if store is None:
                continue
            chosen = _filed_by(store, connection, name, record, started, finished)
            if chosen is None:
                continue
            before = found.rejects  # this step's rejects come after the earlier steps'
            rejects, rows = store.totals(connection, chosen)
            found.rejects += rejects
            found.rows += rows
            found.groups += [
                RunRejectGroup(step, column, stage, reason, count)
                for column, stage, reason, count in store.counts(connection, chosen)
            ]
            first, last = max(offset, before), min(end, found.rejects)
            if first < last:
                taken = store.rows(connection, chosen, last - first, first - before)
                found.page += [StepReject(step, reject) for reject in taken]
    found.groups.sort(key=lambda g: (-g.rejects, g.step, g.column or "", g.stage, g.reason))
    return found


def _record(ctx: ServiceContext, run_id: str | uuid.UUID) -> PipelineRun:
    key = as_uuid(run_id)
    with ctx.uow() as uow:
        record = uow.pipeline_runs.get(key) if key is not None else None
    if record is None:
        raise NotFound(f"No run {str(run_id)!r}.")
    return record


def _steps(record: PipelineRun) -> list[tuple[str, str, datetime | None, datetime | None]]:
    """(step, config name or id, started, finished) of each step that may have rejected rows."""
    steps: dict[str, StepSummary] = record.steps()
    if record.summary.get("kind") == MIGRATION_KIND:
        rejected = any(step.rows_rejected for step in steps.values())
        return [(record.pipeline_name, record.pipeline_name, None, None)] if rejected else []
    order = [name for name in record.summary.get("order", []) if name in steps]
    order += sorted(name for name in steps if name not in order)
    return [
        (name, step.config_id, _moment(step.started_at), _moment(step.finished_at))
        for name, step in ((name, steps[name]) for name in order)
        # A step that rejected nothing (or never ran) has nothing to look up in its target.
        if step.config_id and step.started_at and step.rows_rejected
    ]


def _filed_by(
    store: RejectStore,
    connection: Connection,
    config: str,
    record: PipelineRun,
    started: datetime | None,
    finished: datetime | None,
) -> ColumnElement[bool] | None:
    """The condition "a reject the run's step filed", or None when it filed none."""
    c = store.table.c
    if started is None:  # a single migration: the record's id is the migration's own
        return (c.step == config) & (c.run_id == str(record.id))
    window = (c.step == config) & (c.rejected_at >= started.replace(microsecond=0))
    if finished is not None:
        window &= c.rejected_at <= finished + _SLACK
    run_ids = list(connection.execute(select(c.run_id).where(window).distinct()).scalars())
    if not run_ids:
        return None
    return (c.step == config) & c.run_id.in_(run_ids)


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
