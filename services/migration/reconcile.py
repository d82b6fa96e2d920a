"""The reconciliation at the end of a step: what was read, loaded and rejected must add up, the
source must still hold what was read, and the target's column checksums must equal the stream's.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import Connection, text

from dialects.base import Dialect
from models.migration_config import LoadMode, MigrationConfig
from models.migration_run import MigrationResult, Reconciliation
from services.migration import checksums
from services.migration.reader import SourceQuery, count_sql


class TargetEndpoint(Protocol):
    """What the reconciliation needs to know of the target datasource."""

    dialect: Dialect
    schema: str | None


def reconcile(
    result: MigrationResult,
    source_query: SourceQuery,
    source: Connection,
    source_dialect: Dialect,
    target: Connection,
    target_endpoint: TargetEndpoint,
    config: MigrationConfig,
    state: dict[str, Any],
    stream: checksums.StreamChecksums,
) -> Reconciliation:
    """Counts and per-column checksums of a finished run (or of a whole resumed run).

    `state` is the checkpoint state: the last key read, the measures chosen at the start and
    the target's checksums before the run (appending to a non-empty table compares the
    difference). Upserts rewrite rows in place, so only their counts are compared.
    """
    check = Reconciliation(result.rows_read, result.rows_loaded, result.rows_rejected)
    sql = count_sql(source_query, source_dialect, source.dialect, state["last_key"] or None)
    # text() reads ":name" as a bind parameter; the source SQL has none of ours.
    check.source_rows = int(source.execute(text(sql.replace(":", "\\:"))).scalar_one())
    measures = {
        column: checksums.ColumnMeasure(measure) for column, measure in state["measures"].items()
    }
    if config.load_mode is LoadMode.UPSERT:
        check.skipped = "upsert rewrites existing rows: only counts are compared"
        return check
    dialect, schema = target_endpoint.dialect, target_endpoint.schema
    with target.begin():
        after = checksums.target_checksums(target, dialect, config.target_table, schema, measures)
    found = checksums.subtract(after, state["before"]) if state["before"] else after
    check.columns = checksums.compare(stream.values(), found, measures)
    return check


def mismatch_message(step: str, check: Reconciliation) -> str:
    """One line saying what did not add up."""
    if not check.counts_match:
        return (
            f"Step {step!r} did not reconcile: read {check.rows_read:,}, loaded "
            f"{check.rows_loaded:,}, rejected {check.rows_rejected:,}, source holds "
            f"{check.source_rows:,} rows."
        )
    columns = ", ".join(f"{c.column} ({c.measure})" for c in check.mismatches)
    return f"Step {step!r} did not reconcile: the target differs from what was sent in {columns}."
