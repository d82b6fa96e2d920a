"""The start of a migration step: resume the interrupted run from its checkpoint, or prepare a
fresh one — create or empty the target, take the target's checksums before, write checkpoint 0.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, inspect
from sqlalchemy.exc import SQLAlchemyError

from models.migration_config import LoadMode
from services.errors import Conflict
from services.migration import checksums, target_table
from services.migration.run_log import MigrationLogger
from services.migration.state import StepContext, StepState
from services.migration.target_plan import TargetTablePlan


def start_or_resume(
    step: StepContext,
    target: Connection,
    plan: TargetTablePlan | None,
    run_log: MigrationLogger,
) -> StepState:
    """Resume the interrupted run, or prepare a fresh one (create / empty the target)."""
    config = step.config
    _ensure_bookkeeping_tables(step, target)
    with target.begin():
        checkpoint = step.checkpoints.load(target, config.name)
    if checkpoint is not None and step.options.resume:
        state = StepState.from_json(checkpoint.state, batches=checkpoint.batches_done)
        run_log.info(
            "resuming after %d rows (%d batches) of run %s",
            state.rows_read,
            state.batches,
            state.run_id,
        )
        return state
    if checkpoint is not None and not step.options.restart:
        raise Conflict(
            f"An interrupted run of {config.name!r} loaded {checkpoint.rows_done:,} rows "
            f"({checkpoint.updated_at:%Y-%m-%d %H:%M} UTC): resume it (--resume) or start "
            "over (--restart)."
        )
    dialect, table, schema = step.target.dialect, config.target_table, step.target.schema
    with target.begin():
        if checkpoint is not None:
            step.checkpoints.clear(target, config.name)
        created = plan is not None
        if plan is not None:
            target_table.create_target_table(
                target, dialect, plan, with_keys=config.load_mode is LoadMode.UPSERT
            )
            run_log.info("created target table %s (keys and indexes after the load)", table)
        elif config.load_mode is LoadMode.TRUNCATE:
            dialect.truncate(target, table, schema)
            run_log.info("emptied target table %s", table)
    with target.begin():
        measures = checksums.measures_for(_target_types(step, target), dialect)
        starts_empty = created or config.load_mode is LoadMode.TRUNCATE
        before = (
            None
            if starts_empty
            else checksums.target_checksums(target, dialect, table, schema, measures)
        )
        state = StepState(
            created=created,
            measures=measures,
            before=before,
            stream=checksums.StreamChecksums(measures, hash=dialect.checksum_hash),
        )
        step.checkpoints.save(
            target, config.name, last_key=(), rows_done=0, batches_done=0, state=state.to_json()
        )
    return state


def _ensure_bookkeeping_tables(step: StepContext, target: Connection) -> None:
    # Two steps of a pipeline may start on the same new target at the same moment: the one
    # that loses the race to create the tables finds them made on its second look.
    for attempt in (1, 2):
        try:
            with target.begin():
                step.checkpoints.ensure_table(target)
                step.rejects.ensure_table(target)
            return
        except SQLAlchemyError:
            if attempt == 2:
                raise


def _target_types(step: StepContext, target: Connection) -> dict[str, Any]:
    wanted = {name.lower(): name for name in step.config.target_columns()}
    columns = inspect(target).get_columns(step.config.target_table, schema=step.target.schema)
    return {
        wanted[column["name"].lower()]: column["type"]
        for column in columns
        if column["name"].lower() in wanted
    }
