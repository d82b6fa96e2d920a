"""Test mode of a migration step: one batch loaded for real inside a transaction that is rolled
back, to show the transformed rows, the would-be rejects and the counts before the real run."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection, text

from models.migration_config import LoadMode
from models.migration_run import MigrationResult
from models.status import RunStatus
from services.migration import target_table
from services.migration.processor import BatchProcessor, rejected_rows
from services.migration.reject_format import masked_value
from services.migration.run_log import MigrationLogger
from services.migration.source_query import SourceQuery
from services.migration.state import StepContext
from services.migration.target_plan import TargetTablePlan
from services.migration.writer import load_problem, take, write_or_split
from services.privacy import column_mask


def run_test(
    step: StepContext,
    target: Connection,
    query: SourceQuery,
    plan: TargetTablePlan | None,
    run_log: MigrationLogger,
    started: float,
) -> MigrationResult:
    """Load one batch for real inside a transaction that is rolled back; report it."""
    config, dialect, schema = step.config, step.target.dialect, step.target.schema
    result = MigrationResult(step=config.name, status=RunStatus.RUNNING, test=True)
    batches = step.reader(query).batches()
    batch = next(batches, None)
    batches.close()
    if batch is None:  # an empty source: nothing to try
        result.status, result.seconds = RunStatus.SUCCEEDED, time.perf_counter() - started
        return result
    processed = BatchProcessor(config, query.key).process(batch)
    transaction = target.begin()
    try:
        if plan is not None:
            target_table.create_target_table(target, dialect, plan, with_keys=True)
        elif config.load_mode is LoadMode.TRUNCATE:
            dialect.truncate(target, config.target_table, schema)
        candidates = processed.clean_positions
        good = take(processed.batch, candidates)
        written, refused = write_or_split(target, dialect, config, schema, good)
    finally:
        transaction.rollback()
        if plan is not None and target_table.target_table_exists(
            target, config.target_table, schema
        ):
            # MariaDB commits DDL at once: the table made for the test goes explicitly.
            made = dialect.qualified(config.target_table, schema)
            with target.begin():
                target.execute(text(f"DROP TABLE {made}"))
    problems = list(processed.problems)
    problems += [
        load_problem(candidates[i], error, dialect, processed.batch) for i, error in refused
    ]
    # Named by batch and row (nothing is written, so no reject id); a key that is an
    # identifier does not travel with the preview, clear or masked (masked, it matches no row).
    result.rejects = [
        dataclasses.replace(reject, key=(), masked_key="") if reject.key_is_identifier else reject
        for reject in rejected_rows(processed, problems, query.key, batch=1)
    ]
    result.rows_read = processed.batch.num_rows
    result.rows_loaded = len(written)
    result.rows_rejected = len({problem.position for problem in problems})
    result.batches = 1 if processed.batch.num_rows else 0
    result.preview = _preview(take(good, written), config.source_table, step.options.preview_rows)
    result.conversions = processed.conversions_in([candidates[i] for i in written])
    result.seconds = time.perf_counter() - started
    result.status = RunStatus.SUCCEEDED
    run_log.info(
        "test: %d read, %d would load, %d would be rejected (rolled back)",
        result.rows_read,
        result.rows_loaded,
        result.rows_rejected,
    )
    return result


def _preview(batch: pa.RecordBatch, table: str | None, rows_shown: int) -> list[dict[str, Any]]:
    # Each column's mask is decided on all the rows tried, as the profile's is on its sample.
    masks = {
        name: column_mask(name, batch.column(index).to_pylist(), table)
        for index, name in enumerate(batch.schema.names)
    }
    rows = batch.slice(0, max(rows_shown, 0)).to_pylist()
    return [
        {name: masked_value(name, value, masks[name]) for name, value in row.items()}
        for row in rows
    ]
