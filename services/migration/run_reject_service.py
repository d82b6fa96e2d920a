"""The rejects of one run record, whatever its kind: counted by step, column and reason, and
read a page at a time.

The reject table lives in each step's TARGET database and names its rows by the step's config
and by the migration's own run id. A single migration's record has that very id; a pipeline's
record keeps each step's (`run_id` of the step). Records written before steps kept their id
fall back to the migration runs of the step's config that filed rejects while the step ran
(between its start and end, to the second: some engines keep no fraction), so for those an
other run of the same config in that window would be counted with it.
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
from utils.ids import get_by_id

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
    for step, config, filer in _steps(record):
        with _reject_table(ctx, config) as (name, store, connection):
            if store is None:
                continue
            chosen = _filed_by(store, connection, name, filer)
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
    with ctx.uow() as uow:
        record = get_by_id(uow.pipeline_runs.get, run_id)
    if record is None:
        raise NotFound(f"No run {str(run_id)!r}.")
    return record


def _steps(record: PipelineRun) -> list[tuple[str, str, _Filer]]:
    """(step, config name or id, which run filed its rejects) of each step that may have
    rejected rows."""
    steps: dict[str, StepSummary] = record.steps()
    if record.summary.get("kind") == MIGRATION_KIND:
        rejected = any(step.rows_rejected for step in steps.values())
        filer = _Filer(run_id=str(record.id))
        return [(record.pipeline_name, record.pipeline_name, filer)] if rejected else []
    order = [name for name in record.summary.get("order", []) if name in steps]
    order += sorted(name for name in steps if name not in order)
    return [
        (
            name,
            step.config_id,
            _Filer(step.run_id, _moment(step.started_at), _moment(step.finished_at)),
        )
        for name, step in ((name, steps[name]) for name in order)
        # A step that rejected nothing (or never ran) has nothing to look up in its target.
        if step.config_id and step.started_at and step.rows_rejected
    ]


@dataclass(frozen=True, slots=True)
class _Filer:
    """Which migration run filed a step's rejects: its id, or (older records) when it ran."""

    run_id: str | None = None
    started: datetime | None = None
    finished: datetime | None = None


def _filed_by(
    store: RejectStore, connection: Connection, config: str, filer: _Filer
) -> ColumnElement[bool] | None:
    """The condition "a reject the run's step filed", or None when it filed none."""
    c = store.table.c
    if filer.run_id is not None:
        return (c.step == config) & (c.run_id == filer.run_id)
    if filer.started is None:
        return None
    window = (c.step == config) & (c.rejected_at >= filer.started.replace(microsecond=0))
    if filer.finished is not None:
        window &= c.rejected_at <= filer.finished + _SLACK
    run_ids = list(connection.execute(select(c.run_id).where(window).distinct()).scalars())
    if not run_ids:
        return None
    return (c.step == config) & c.run_id.in_(run_ids)


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
