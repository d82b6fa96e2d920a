"""The start of a replay of rejects: resume the interrupted replay from its checkpoint, or start
one over what is outstanding now — the target's checksums before, the newest reject it takes,
checkpoint 0. A replay and a run of one step share the step's checkpoint (a replay's is marked
`REPLAY`), so neither starts over the other.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from services.errors import Conflict
from services.migration import checksums
from services.migration.rejects import REPLAY
from services.migration.run_log import MigrationLogger
from services.migration.start import ensure_bookkeeping_tables, target_types
from services.migration.state import StepContext, StepState


def start_replay(
    step: StepContext, target: Connection, key_columns: str, run_log: MigrationLogger
) -> tuple[StepState, int]:
    """Resume the step's interrupted replay, or start a new one.

    Args:
        step: The step, with the options asked for (resume, restart).
        target: The target connection (no transaction open).
        key_columns: The source key's columns as the reject table keeps them (JSON).
        run_log: The run's log.

    Returns:
        The replay's state, and the id of the newest reject it takes (later ones, its own
        among them, are not its to replay).

    Raises:
        Conflict: an interrupted run of the step must finish first, or an interrupted replay
            must be resumed or restarted.
    """
    ensure_bookkeeping_tables(step, target)
    with target.begin():
        checkpoint = step.checkpoints.load(target, step.name)
    if checkpoint is not None and REPLAY not in checkpoint.state:
        raise Conflict(
            f"An interrupted run of {step.name!r} loaded {checkpoint.rows_done:,} rows: "
            "finish it (--resume) or start it over (--restart) before replaying rejects."
        )
    if checkpoint is not None and step.options.resume:
        state = StepState.from_json(checkpoint.state, batches=checkpoint.batches_done)
        run_log.info(
            "resuming the replay after %d rows (%d batches) of run %s",
            state.rows_read,
            state.batches,
            state.run_id,
        )
        return state, int(checkpoint.state[REPLAY]["upto"])
    if checkpoint is not None and not step.options.restart:
        raise Conflict(
            f"A replay of the rejects of {step.name!r} was interrupted after "
            f"{checkpoint.rows_done:,} rows: resume it (--replay-rejects --resume) or start it "
            "over (--replay-rejects --restart)."
        )
    store = step.rejects
    with target.begin():
        if checkpoint is not None:
            # The batches it committed stay, their rejects closed: what is left is replayed.
            step.checkpoints.clear(target, step.name)
        measures = checksums.measures_for(target_types(step, target), step.target.dialect)
        # The rows go next to the ones already there: the replay compares what it adds.
        before = checksums.target_checksums(
            target, step.target.dialect, step.config.target_table, step.target.schema, measures
        )
        newest = target.execute(
            select(func.max(store.table.c.id)).where(store.outstanding(step.name))
        ).scalar()
        upto = int(newest or 0)
        stream = checksums.StreamChecksums(measures, hash=step.target.dialect.checksum_hash)
        state = StepState(measures=measures, before=before, stream=stream)
        save_checkpoint(step, target, state, upto)
    _describe(step, target, state, upto, key_columns, run_log)
    return state, upto


def save_checkpoint(step: StepContext, target: Connection, state: StepState, upto: int) -> None:
    """Save the replay's checkpoint inside the caller's transaction (the batch's)."""
    step.checkpoints.save(
        target,
        step.name,
        last_key=(),
        rows_done=state.rows_read,
        batches_done=state.batches,
        state={**state.to_json(), REPLAY: {"upto": upto}},
    )


def _describe(
    step: StepContext,
    target: Connection,
    state: StepState,
    upto: int,
    key_columns: str,
    run_log: MigrationLogger,
) -> None:
    store, c = step.rejects, step.rejects.table.c
    elsewhere = c.key_columns.is_(None) | (c.key_columns != key_columns)
    with target.begin():
        rejects, rows = store.totals(target, store.replayable(step.name, upto, key_columns))
        others, _ = store.totals(target, store.outstanding(step.name) & (c.id <= upto) & elsewhere)
    run_log.info(
        "replay %s of step %s: %d outstanding rejects (%d source rows) up to reject %d",
        state.run_id,
        step.name,
        rejects,
        rows,
        upto,
    )
    if others:
        run_log.warning(
            "%d outstanding rejects are left alone: filed under another source key, or by a "
            "version that kept no row reference (their keys may be masked)",
            others,
        )
