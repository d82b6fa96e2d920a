"""What a person asks of a step's rejects: counts by column and reason, the rejects by their
reference, a CSV of them with the clear source keys, and a replay of the outstanding ones.

The reject table is read in the config's TARGET database, where the runs wrote it.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select

from models.migration_config import MigrationConfig
from models.migration_run import MigrationOptions, MigrationResult, RejectedRow
from models.rejects import RejectGroup, RejectSummary
from protocols.progress import ProgressSink, ignore_progress
from services.context import ServiceContext
from services.datasources import open_endpoint
from services.errors import InvalidConfig
from services.mapping import load_config
from services.migration.rejects import RejectStore

#: The columns of an export, in order.
EXPORT_COLUMNS = (
    "reject_id",
    "run_id",
    "batch",
    "row",
    "key_columns",
    "source_key",
    "column",
    "value",
    "stage",
    "reason",
    "rejected_at",
    "resolution",
    "resolved_by",
)


def list_rejects(
    ctx: ServiceContext, config: str | uuid.UUID, *, run_id: str | None = None
) -> RejectSummary:
    """A step's rejects counted by column, stage and reason.

    Args:
        ctx: The service context.
        config: The config's name or id.
        run_id: Count the rejects that run filed (closed ones too); default: the outstanding
            rejects (the latest run's that no replay has loaded, and those replays filed again).

    Raises:
        ConfigNotFound: no such config.
        ConnectionFailed: the target cannot be reached.
    """
    with _reject_table(ctx, config) as (step, store, connection):
        summary = RejectSummary(step=step, run_id=run_id)
        if store is None:
            return summary
        chosen = store.selection(step, run_id)
        summary.rejects, summary.rows = store.totals(connection, chosen)
        summary.groups = [RejectGroup(*group) for group in store.counts(connection, chosen)]
        c = store.table.c
        runs = connection.execute(
            select(c.run_id).where(chosen).group_by(c.run_id).order_by(func.min(c.id))
        ).scalars()
        summary.runs = list(runs)
        summary.unreferenced, _ = store.totals(connection, chosen & c.batch_number.is_(None))
        return summary


def show_rejects(
    ctx: ServiceContext,
    config: str | uuid.UUID,
    *,
    run_id: str | None = None,
    limit: int | None = 100,
) -> list[RejectedRow]:
    """A step's rejects, oldest first, each with its reference (run, batch, row, reject id).

    The rows carry the source key in clear (`key`) as the reject table does; show a person
    `masked_key`, which is masked when the key is an identifier.

    Args:
        ctx: The service context.
        config: The config's name or id.
        run_id: The rejects that run filed; default: the outstanding ones.
        limit: At most this many (None: all).

    Raises:
        ConfigNotFound: no such config.
        ConnectionFailed: the target cannot be reached.
    """
    with _reject_table(ctx, config) as (step, store, connection):
        if store is None:
            return []
        return list(store.rows(connection, store.selection(step, run_id), limit))


def export_rejects(
    ctx: ServiceContext, config: str | uuid.UUID, *, path: Path, run_id: str | None = None
) -> int:
    """Write a step's rejects to a CSV file, source keys IN CLEAR, to find the rows again.

    The key is the hospital's own data, written to a file the user asked for (values stay
    masked as the reject table keeps them). Columns: `EXPORT_COLUMNS`; `source_key` and
    `key_columns` are JSON arrays (a composite key keeps its parts apart).

    Args:
        ctx: The service context.
        config: The config's name or id.
        path: The CSV file to write (UTF-8 with a byte-order mark, which Excel reads as UTF-8).
        run_id: The rejects that run filed; default: the outstanding ones.

    Returns:
        How many rejects were written.

    Raises:
        ConfigNotFound: no such config.
        ConnectionFailed: the target cannot be reached.
    """
    written = 0
    with (
        _reject_table(ctx, config) as (step, store, connection),
        path.open("w", encoding="utf-8-sig", newline="") as file,
    ):
        out = csv.writer(file)
        out.writerow(EXPORT_COLUMNS)
        if store is None:
            return 0
        for reject in store.rows(connection, store.selection(step, run_id)):
            out.writerow(_export_row(reject))
            written += 1
    return written


def replay_rejects(
    ctx: ServiceContext,
    config: str | uuid.UUID | MigrationConfig,
    *,
    options: MigrationOptions = MigrationOptions(),  # noqa: B008 - frozen, never mutated
    progress: ProgressSink = ignore_progress,
    log_dir: Path | None = None,
) -> MigrationResult:
    """Read again exactly the source rows of a config's outstanding rejects, load those that
    now pass, file the others again, and reconcile — `run_migration` with `replay_rejects`.

    Args:
        ctx: The service context.
        config: A saved config's name or id (its current version: the fixed mapping).
        options: `resume` an interrupted replay, `restart` it, `batch_size` keys per batch.
        progress: Receives STARTED, ADVANCED per batch, FINISHED/FAILED.
        log_dir: Where the run log goes.

    Raises:
        Conflict: an interrupted run or replay of the step must be finished first.
        MigrationFailed: the replay did not reconcile, or the source key is not unique.
        InvalidConfig: the step has no source key, or its target table does not exist.
    """
    from services.migration.executor import run_migration

    replay = dataclasses.replace(options, replay_rejects=True)
    return run_migration(ctx, config, options=replay, progress=progress, log_dir=log_dir)


@contextmanager
def _reject_table(
    ctx: ServiceContext, key: str | uuid.UUID
) -> Iterator[tuple[str, RejectStore | None, Connection]]:
    """The config's name, its target's reject store (None when the target has no reject
    table: nothing was ever rejected there) and a connection in a transaction."""
    config = load_config(ctx, key)
    if config.target_datasource_id is None:
        raise InvalidConfig(
            f"Config {config.name!r} names no target datasource.", field="target_datasource_id"
        )
    target = open_endpoint(ctx, config.target_datasource_id)
    store = RejectStore(target.dialect, target.schema)
    with target.connect() as connection, connection.begin():
        if not store.exists(connection):
            yield config.name, None, connection
            return
        store.ensure_table(connection)  # an older version's table gets the new columns first
        yield config.name, store, connection


def _export_row(reject: RejectedRow) -> list[Any]:
    return [
        reject.reject_id,
        reject.run_id,
        reject.batch,
        reject.row,
        json.dumps(list(reject.key_columns), ensure_ascii=False),
        json.dumps([_plain(part) for part in reject.key], ensure_ascii=False),
        reject.column,
        reject.value,
        reject.stage,
        reject.reason,
        reject.rejected_at.isoformat() if reject.rejected_at else None,
        reject.resolution,
        reject.resolved_by,
    ]


def _plain(part: Any) -> Any:
    # In a CSV a date or a decimal reads best as its text; numbers and text stay as they are.
    return part if part is None or isinstance(part, bool | int | float | str) else str(part)
