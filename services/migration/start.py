"""The start of a migration step: resume the interrupted run from its checkpoint, or prepare a
fresh one — create or empty the target, take the target's checksums before, write checkpoint 0.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, inspect, literal, select
from sqlalchemy import table as sa_table
from sqlalchemy.exc import SQLAlchemyError

from models.migration_config import LoadMode
from models.status import RunStatus
from services.errors import Conflict
from services.migration import checksums, target_table
from services.migration.history import ConfigRun
from services.migration.rejects import REPLAY
from services.migration.run_log import MigrationLogger
from services.migration.run_record import RunRecord
from services.migration.state import StepContext, StepState
from services.migration.target_plan import TargetTablePlan


def start_or_resume(
    step: StepContext,
    target: Connection,
    plan: TargetTablePlan | None,
    run_log: MigrationLogger,
    record: RunRecord,
    previous: ConfigRun | None = None,
) -> StepState:
    """Resume the interrupted run, or prepare a fresh one (create / empty the target).

    `previous` is the config's last finished run: when it succeeded, appending again to the
    table it filled is refused unless the options say `again`.
    """
    config = step.config
    ensure_bookkeeping_tables(step, target)
    with target.begin():
        checkpoint = step.checkpoints.load(target, config.name)
    if checkpoint is not None and REPLAY in checkpoint.state and not step.options.restart:
        # Resuming it as a run would read the whole source again over the replayed rows.
        raise Conflict(
            f"A replay of the rejects of {config.name!r} was interrupted: finish it "
            "(--replay-rejects --resume), or start the step over (--restart)."
        )
    if checkpoint is not None and step.options.resume:
        state = StepState.from_json(checkpoint.state, batches=checkpoint.batches_done)
        run_log.info(
            "resuming after %d rows (%d batches) of run %s",
            state.rows_read,
            state.batches,
            state.run_id,
        )
        record.started(state.run_id)
        return state
    if checkpoint is not None and checkpoint.state.get("run_id"):
        done = StepState.from_json(checkpoint.state, batches=checkpoint.batches_done)
        record.interrupted(done.run_id, done.result(config.name, RunStatus.INTERRUPTED))
    if checkpoint is not None and not step.options.restart:
        raise Conflict(
            f"An interrupted run of {config.name!r} loaded {checkpoint.rows_done:,} rows "
            f"({checkpoint.updated_at:%Y-%m-%d %H:%M} UTC): resume it (--resume) or start "
            "over (--restart)."
        )
    dialect, table, schema = step.target.dialect, config.target_table, step.target.schema
    if plan is None and checkpoint is None:
        _refuse_appending_twice(step, target, previous)
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
        measures = checksums.measures_for(target_types(step, target), dialect)
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
        # This run reads every source row again: earlier runs' rejects are no longer outstanding.
        step.rejects.supersede(target, config.name, state.run_id)
    record.started(state.run_id)
    return state


def _refuse_appending_twice(
    step: StepContext, target: Connection, previous: ConfigRun | None
) -> None:
    # A finished run's rows are in the table: appending them again doubles a keyless table
    # and files every row as a "duplicate key" reject in a keyed one.
    config = step.config
    if config.load_mode is not LoadMode.APPEND or step.options.again:
        return
    if previous is None or previous.status is not RunStatus.SUCCEEDED:
        return
    table = sa_table(config.target_table, schema=step.target.schema)
    with target.begin():
        holds_rows = target.execute(select(literal(1)).select_from(table).limit(1)).first()
    if holds_rows is None:
        return  # emptied since: nothing would be loaded twice
    when = f" on {previous.finished_at:%Y-%m-%d %H:%M} UTC" if previous.finished_at else ""
    raise Conflict(
        f"{config.name!r} already succeeded in run {previous.run_id}{when} "
        f"({previous.rows_loaded:,} rows loaded into {config.target_table!r}): appending "
        "again would load them twice. Use --again to append anyway, or load mode "
        "'truncate' or 'upsert'."
    )


def ensure_bookkeeping_tables(step: StepContext, target: Connection) -> None:
    """Create the checkpoint and reject tables in the target, or bring an old one up to date."""
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


def target_types(step: StepContext, target: Connection) -> dict[str, Any]:
    """The SQLAlchemy type of each mapped column of the target table, by mapped name."""
    wanted = {name.lower(): name for name in step.config.target_columns()}
    columns = inspect(target).get_columns(step.config.target_table, schema=step.target.schema)
    return {
        wanted[column["name"].lower()]: column["type"]
        for column in columns
        if column["name"].lower() in wanted
    }
