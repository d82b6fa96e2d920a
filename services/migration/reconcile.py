"""The reconciliation at the end of a step: what was read, loaded and rejected must add up, the
source must still hold what was read, and the target's column checksums must equal the stream's.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from models.migration_config import LoadMode
from models.migration_run import Reconciliation
from services.migration import checksums
from services.migration.source_query import SourceQuery, count_sql
from services.migration.state import StepContext, StepState


def source_rows(step: StepContext, state: StepState, query: SourceQuery, source: Connection) -> int:
    """The source rows up to the last key read, counted by the source engine: what the run
    should have read. Asks only the source, so it may run while the target builds its keys."""
    sql = count_sql(query, step.source.dialect, source.dialect, state.last_key or None)
    # text() reads ":name" as a bind parameter; the source SQL has none of ours.
    return int(source.execute(text(sql.replace(":", "\\:"))).scalar_one())


def reconcile(
    step: StepContext, state: StepState, target: Connection, source_count: int
) -> Reconciliation:
    """Counts and per-column checksums of a finished run (or of a whole resumed run), with
    `source_count` from `source_rows`.

    The state carries the measures chosen at the start and the target's checksums before the
    run (appending to a non-empty table compares the difference). Upserts rewrite rows in
    place, so only their counts are compared.
    """
    check = Reconciliation(state.rows_read, state.rows_loaded, state.rows_rejected)
    check.source_rows = source_count
    if step.config.load_mode is LoadMode.UPSERT:
        check.skipped = "upsert rewrites existing rows: only counts are compared"
        return check
    with target.begin():
        after = checksums.target_checksums(
            target,
            step.target.dialect,
            step.config.target_table,
            step.target.schema,
            state.measures,
        )
    found = checksums.subtract(after, state.before) if state.before else after
    assert state.stream is not None  # every started run has one
    check.columns = checksums.compare(state.stream.values(), found, state.measures)
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
