"""One run of one migration step, from the first batch to the reconciliation.

The rule that makes a run exactly-once: a batch, its rejected rows and the checkpoint naming
its last source key are written by ONE target transaction. Whatever kills the process, the
target holds whole batches up to the checkpoint and nothing after it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection, inspect, text

from dialects.base import Dialect
from models.datasource import ConnectionSpec
from models.migration_config import ErrorPolicy, LoadMode, MigrationConfig
from models.migration_run import MigrationOptions, MigrationResult, Reconciliation
from models.progress import ProgressEvent, ProgressKind
from models.status import RunStatus
from protocols.progress import ProgressSink
from services import datasource_service, reconciliation, target_schema
from services.batch_processor import (
    BatchProcessor,
    ProcessedBatch,
    RowProblem,
    masked_value,
    rejected_row,
)
from services.batch_reader import SourceQuery, SourceReader, count_sql
from services.batch_writer import LOAD_ERRORS, encode_for, take, write_batch, write_or_split
from services.checkpoint_manager import CheckpointManager
from services.context import ServiceContext
from services.db_connector import first_line
from services.errors import Conflict, InvalidConfig, MigrationFailed
from services.migration_logger import MigrationLogger
from services.phi_masking import scrub_cids
from services.query_builder import build_select, check_read_only_select
from services.reject_store import RejectStore
from utils.prefetch import prefetched

#: Transformed rows a test run shows.
PREVIEW_ROWS = 20


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A datasource as a step uses it: how to connect, its dialect, its schema."""

    spec: ConnectionSpec
    dialect: Dialect
    schema: str | None


class MigrationStep:
    """One run of one config; `result` is kept current so that a failure can report it."""

    def __init__(self, ctx: ServiceContext, config: MigrationConfig, options: MigrationOptions):
        self.ctx = ctx
        self.config = config
        self.options = options
        self.policy = options.error_policy or config.error_policy
        self.batch_size = options.batch_size or config.batch_size
        if options.test:
            self.batch_size = options.test_rows or self.batch_size  # the test reads one batch
        self.result = MigrationResult(step=config.name, status=RunStatus.RUNNING, test=options.test)
        self.source = self._endpoint(config.source_datasource_id, "source")
        self.target = self._endpoint(config.target_datasource_id, "target")
        # Checked before any connection: a bad query must never reach the hospital's server.
        if config.generate_sql:
            check_read_only_select(config.generate_sql, self.source.dialect)
        self.checkpoints = CheckpointManager(self.target.schema)
        self.rejects = RejectStore(self.target.schema)
        self.run_id = uuid.uuid4()
        self.key: tuple[str, ...] = ()  # the source key, known once the source is inspected

    def _endpoint(self, datasource_id: uuid.UUID | None, role: str) -> Endpoint:
        if datasource_id is None:
            raise InvalidConfig(
                f"Config {self.config.name!r} names no {role} datasource.",
                field=f"{role}_datasource_id",
            )
        datasource = datasource_service.get_datasource(self.ctx, datasource_id)
        dialect = datasource_service.dialect_of(datasource.db_type)
        spec = datasource_service.connection_spec(datasource, self.ctx.secrets)
        return Endpoint(spec, dialect, datasource.schema or dialect.default_schema)

    @contextmanager
    def _connect(self, endpoint: Endpoint) -> Iterator[Connection]:
        with self.ctx.connections.connect(endpoint.spec) as connection:
            yield connection

    # --- the run ------------------------------------------------------------------------------

    def run(self, progress: ProgressSink, run_log: MigrationLogger) -> MigrationResult:
        """Run the step (or its test) and reconcile; raises MigrationFailed when it fails."""
        started = time.perf_counter()
        config, result = self.config, self.result
        run_log.info(
            "step %s: %s %s -> %s %s, load mode %s, error policy %s, batch size %d%s",
            config.name,
            self.source.dialect.display_name,
            config.source_table or "(generate_sql)",
            self.target.dialect.display_name,
            config.target_table,
            config.load_mode,
            self.policy,
            self.batch_size,
            " (test: rolled back)" if self.options.test else "",
        )
        with self._connect(self.source) as source, self._connect(self.target) as target:
            query = self._source_query(source)
            plan = self._plan(source, target)
            total = self._estimate(source)
            if self.options.test:
                return self._test_run(target, query, plan, run_log, started)
            state = self._begin(target, query, plan, run_log)
        processor = BatchProcessor(config, query.key)
        progress(ProgressEvent(ProgressKind.STARTED, config.name, result.rows_read, total))
        reader = SourceReader(
            self.ctx.connections,
            self.source.spec,
            self.source.dialect,
            query,
            batch_size=self.batch_size,
            fast=self.ctx.settings.fast_reader,
        )
        stream = reconciliation.StreamChecksums(state["measures"], state.get("stream"))
        resumed_rows = result.rows_read
        with self._connect(self.target) as target:
            # Three stages overlap: the reader thread fetches, a second thread transforms and
            # validates, and this thread loads and commits (waiting on the target's COPY
            # releases the GIL for the other two).
            batches = prefetched(reader.batches(tuple(state["last_key"]) or None))
            for processed, encoded in prefetched(map(self._preparer(processor), batches)):
                batch_started = time.perf_counter()
                loaded, rejected = self._commit_batch(target, processed, stream, state, encoded)
                run_log.batch(
                    result.batches,
                    processed.batch.num_rows,
                    loaded,
                    rejected,
                    time.perf_counter() - batch_started,
                    result.rows_read,
                )
                elapsed = max(time.perf_counter() - started, 1e-9)
                rate = (result.rows_read - resumed_rows) / elapsed
                progress(
                    ProgressEvent(
                        ProgressKind.ADVANCED,
                        config.name,
                        result.rows_read,
                        max(total, result.rows_read),
                        f"{rate:,.0f} rows/s",
                    )
                )
            if reader.fallback_reason:
                run_log.warning("fast reader gave way to the driver: %s", reader.fallback_reason)
            self._finish(source_query=query, target=target, plan=plan, state=state, stream=stream)
        result.seconds = time.perf_counter() - started
        result.status = RunStatus.SUCCEEDED
        run_log.info(
            "done: %d read, %d loaded, %d rejected in %.1f s (%.0f rows/s), reader %s",
            result.rows_read,
            result.rows_loaded,
            result.rows_rejected,
            result.seconds,
            result.rows_per_second,
            reader.reader,
        )
        progress(
            ProgressEvent(ProgressKind.FINISHED, config.name, result.rows_read, result.rows_read)
        )
        return result

    # --- before the first batch ---------------------------------------------------------------

    def _source_query(self, source: Connection) -> SourceQuery:
        config, dialect = self.config, self.source.dialect
        key = tuple(config.source_key)
        if config.generate_sql:
            sql = config.generate_sql.strip().rstrip(";")
        else:
            table = str(config.source_table)
            if not inspect(source).has_table(table, schema=self.source.schema):
                raise InvalidConfig(f"The source has no table {table!r}.", field="source_table")
            if not key:
                primary = inspect(source).get_pk_constraint(table, schema=self.source.schema)
                key = tuple(primary.get("constrained_columns") or ())
            sql = build_select(config, dialect, schema=self.source.schema, include=key)
        if (self.options.resume or self.options.restart) and not key and not self.options.test:
            raise InvalidConfig(
                f"Step {config.name!r} has no source key (no primary key, no source_key), so an "
                "interrupted run cannot be resumed exactly; set source_key or use load mode "
                "'truncate' and run it again.",
                field="source_key",
            )
        self.key = key
        return SourceQuery(sql, key)

    def _plan(self, source: Connection, target: Connection) -> target_schema.TargetTablePlan | None:
        config = self.config
        if target_schema.target_table_exists(target, config.target_table, self.target.schema):
            return None
        if not config.create_target_table:
            raise InvalidConfig(
                f"The target has no table {config.target_table!r}; create it, or set "
                "create_target_table to have it made from the source table.",
                field="target_table",
            )
        return target_schema.plan_target_table(
            source,
            self.source.dialect,
            config,
            self.target.dialect,
            source_schema=self.source.schema,
            target_schema=self.target.schema,
        )

    def _estimate(self, source: Connection) -> int:
        if not self.config.source_table:
            return 0
        estimates = self.source.dialect.row_estimates(source, self.source.schema)
        return int(estimates.get(self.config.source_table) or 0)

    def _begin(
        self,
        target: Connection,
        query: SourceQuery,
        plan: target_schema.TargetTablePlan | None,
        run_log: MigrationLogger,
    ) -> dict[str, Any]:
        """Resume the interrupted run, or prepare a fresh one (create / empty the target)."""
        config, result = self.config, self.result
        with target.begin():
            self.checkpoints.ensure_table(target)
            self.rejects.ensure_table(target)
        with target.begin():
            checkpoint = self.checkpoints.load(target, config.name)
        if checkpoint is not None and self.options.resume:
            state = dict(checkpoint.state)
            self.run_id = uuid.UUID(state["run_id"])
            result.rows_read, result.batches = state["rows_read"], checkpoint.batches_done
            result.rows_loaded, result.rows_rejected = state["rows_loaded"], state["rows_rejected"]
            result.resumed_from = result.rows_read
            run_log.info(
                "resuming after %d rows (%d batches) of run %s",
                result.rows_read,
                result.batches,
                self.run_id,
            )
            return state
        if checkpoint is not None and not self.options.restart:
            raise Conflict(
                f"An interrupted run of {config.name!r} loaded {checkpoint.rows_done:,} rows "
                f"({checkpoint.updated_at:%Y-%m-%d %H:%M} UTC): resume it (--resume) or start "
                "over (--restart)."
            )
        dialect, table, schema = self.target.dialect, config.target_table, self.target.schema
        with target.begin():
            if checkpoint is not None:
                self.checkpoints.clear(target, config.name)
            created = plan is not None
            if plan is not None:
                target_schema.create_target_table(
                    target, dialect, plan, with_keys=config.load_mode is LoadMode.UPSERT
                )
                run_log.info("created target table %s (keys and indexes after the load)", table)
            elif config.load_mode is LoadMode.TRUNCATE:
                dialect.truncate(target, table, schema)
                run_log.info("emptied target table %s", table)
        with target.begin():
            measures = reconciliation.measures_for(self._target_types(target))
            starts_empty = created or config.load_mode is LoadMode.TRUNCATE
            before = (
                None
                if starts_empty
                else reconciliation.target_checksums(target, dialect, table, schema, measures)
            )
            state = {
                "run_id": str(self.run_id),
                "last_key": [],
                "rows_read": 0,
                "rows_loaded": 0,
                "rows_rejected": 0,
                "created": created,
                "measures": {column: str(measure) for column, measure in measures.items()},
                "before": before,
                "stream": None,
            }
            self.checkpoints.save(
                target, config.name, last_key=(), rows_done=0, batches_done=0, state=state
            )
        return state

    def _target_types(self, target: Connection) -> dict[str, Any]:
        wanted = {name.lower(): name for name in BatchProcessor(self.config, ()).target_columns}
        columns = inspect(target).get_columns(self.config.target_table, schema=self.target.schema)
        return {
            wanted[column["name"].lower()]: column["type"]
            for column in columns
            if column["name"].lower() in wanted
        }

    # --- each batch ---------------------------------------------------------------------------

    def _preparer(
        self, processor: BatchProcessor
    ) -> Callable[[pa.RecordBatch], tuple[ProcessedBatch, bytes | None]]:
        """Transform and validate a batch, and encode it for the target when it is clean."""

        def prepare(batch: pa.RecordBatch) -> tuple[ProcessedBatch, bytes | None]:
            processed = processor.process(batch)
            if processed.problems:
                return processed, None
            return processed, encode_for(self.target.dialect, self.config, processed.batch)

        return prepare

    def _commit_batch(
        self,
        target: Connection,
        processed: ProcessedBatch,
        stream: reconciliation.StreamChecksums,
        state: dict[str, Any],
        encoded: bytes | None = None,
    ) -> tuple[int, int]:
        """Load one batch with its rejects and checkpoint in one transaction."""
        config, result = self.config, self.result
        rows = processed.batch.num_rows
        if processed.problems and self.policy is ErrorPolicy.STOP:
            raise self._stopped(processed, processed.problems[0])
        failed = set(processed.failed_positions)
        candidates = [position for position in range(rows) if position not in failed]
        good = take(processed.batch, candidates)
        problems = list(processed.problems)
        with target.begin():
            self.target.dialect.relax_commit(target)
            if self.policy is ErrorPolicy.STOP:
                try:
                    write_batch(
                        target,
                        self.target.dialect,
                        config,
                        self.target.schema,
                        good,
                        encoded=encoded if not problems else None,
                    )
                except LOAD_ERRORS as error:
                    raise self._stopped(processed, _load_problem(0, error)) from None
                loaded = good
            else:
                written, refused = write_or_split(
                    target, self.target.dialect, config, self.target.schema, good
                )
                problems += [_load_problem(candidates[i], error) for i, error in refused]
                loaded = take(good, written)
            rejected = self._rejected_rows(processed, problems)
            self.rejects.add(target, config.name, self.run_id, rejected)
            stream.add_arrow(loaded)
            result.rows_read += rows
            result.rows_loaded += loaded.num_rows
            result.rows_rejected += len({problem.position for problem in problems})
            result.batches += 1
            if processed.keys and processed.keys[-1]:
                state["last_key"] = list(processed.keys[-1])
            state.update(
                rows_read=result.rows_read,
                rows_loaded=result.rows_loaded,
                rows_rejected=result.rows_rejected,
                stream=stream.to_state(),
            )
            self.checkpoints.save(
                target,
                config.name,
                last_key=tuple(state["last_key"]),
                rows_done=result.rows_read,
                batches_done=result.batches,
                state=state,
            )
        return loaded.num_rows, rows - loaded.num_rows

    def _rejected_rows(self, processed: ProcessedBatch, problems: list[RowProblem]) -> list[Any]:
        return [
            rejected_row(problem, processed.keys[problem.position], self.key)
            for problem in sorted(problems, key=lambda problem: problem.position)
        ]

    def _stopped(self, processed: ProcessedBatch, problem: RowProblem) -> MigrationFailed:
        keys = [key for key in processed.keys if key]
        where = ""
        if keys:
            first, last = (rejected_row(problem, key, self.key).key for key in (keys[0], keys[-1]))
            where = f" (source keys {_key_text(first)} to {_key_text(last)})"
        row = rejected_row(problem, processed.keys[problem.position], self.key)
        column = f" column {problem.column}:" if problem.column else ""
        message = (
            f"Step {self.config.name!r} stopped at batch {self.result.batches + 1}{where}: "
            f"row {_key_text(row.key) or problem.position + 1}:{column} {row.reason}. "
            f"The batch was rolled back; {self.result.rows_loaded:,} rows loaded before it stay. "
            "Fix the data and --resume, or use error policy 'quarantine'."
        )
        return MigrationFailed(message, self.result)

    # --- after the last batch -----------------------------------------------------------------

    def _finish(
        self,
        *,
        source_query: SourceQuery,
        target: Connection,
        plan: target_schema.TargetTablePlan | None,
        state: dict[str, Any],
        stream: reconciliation.StreamChecksums,
    ) -> None:
        config, result, dialect = self.config, self.result, self.target.dialect
        if state.get("created"):
            with self._connect(self.source) as source:
                plan = plan or target_schema.plan_target_table(
                    source,
                    self.source.dialect,
                    config,
                    dialect,
                    source_schema=self.source.schema,
                    target_schema=self.target.schema,
                )
            with target.begin():
                target_schema.build_keys(target, dialect, plan)
        check = Reconciliation(result.rows_read, result.rows_loaded, result.rows_rejected)
        with self._connect(self.source) as source:
            sql = count_sql(source_query, self.source.dialect, source, state["last_key"] or None)
            check.source_rows = int(source.execute(text(_escape_colons(sql))).scalar_one())
        measures = {
            column: reconciliation.ColumnMeasure(measure)
            for column, measure in state["measures"].items()
        }
        if config.load_mode is LoadMode.UPSERT:
            check.skipped = "upsert rewrites existing rows: only counts are compared"
        else:
            with target.begin():
                after = reconciliation.target_checksums(
                    target, dialect, config.target_table, self.target.schema, measures
                )
            found = reconciliation.subtract(after, state["before"]) if state["before"] else after
            check.columns = reconciliation.compare(stream.values(), found, measures)
        result.reconciliation = check
        with target.begin():
            self.checkpoints.clear(target, config.name)
        if not check.ok:
            raise MigrationFailed(_mismatch_message(config.name, check), result)

    # --- test mode ----------------------------------------------------------------------------

    def _test_run(
        self,
        target: Connection,
        query: SourceQuery,
        plan: target_schema.TargetTablePlan | None,
        run_log: MigrationLogger,
        started: float,
    ) -> MigrationResult:
        """Load one batch for real inside a transaction that is rolled back; report it."""
        config, result, dialect = self.config, self.result, self.target.dialect
        reader = SourceReader(
            self.ctx.connections,
            self.source.spec,
            self.source.dialect,
            query,
            batch_size=self.batch_size,
            fast=self.ctx.settings.fast_reader,
        )
        batches = reader.batches()
        batch = next(batches, None)
        batches.close()
        processor = BatchProcessor(config, query.key)
        if batch is None:  # an empty source: nothing to try
            result.status, result.seconds = RunStatus.SUCCEEDED, time.perf_counter() - started
            return result
        processed = processor.process(batch)
        transaction = target.begin()
        try:
            if plan is not None:
                target_schema.create_target_table(target, dialect, plan, with_keys=True)
            elif config.load_mode is LoadMode.TRUNCATE:
                dialect.truncate(target, config.target_table, self.target.schema)
            candidates = [
                position
                for position in range(processed.batch.num_rows)
                if position not in set(processed.failed_positions)
            ]
            good = take(processed.batch, candidates)
            written, refused = write_or_split(target, dialect, config, self.target.schema, good)
        finally:
            transaction.rollback()
            if plan is not None and target_schema.target_table_exists(
                target, config.target_table, self.target.schema
            ):
                # MariaDB commits DDL at once: the table made for the test goes explicitly.
                made = dialect.qualified(config.target_table, self.target.schema)
                with target.begin():
                    target.execute(text(f"DROP TABLE {made}"))
        problems = list(processed.problems)
        problems += [_load_problem(candidates[i], error) for i, error in refused]
        result.rejects = self._rejected_rows(processed, problems)
        result.rows_read = processed.batch.num_rows
        result.rows_loaded = len(written)
        result.rows_rejected = len({problem.position for problem in problems})
        result.batches = 1 if processed.batch.num_rows else 0
        result.preview = _preview(take(good, written))
        result.seconds = time.perf_counter() - started
        result.status = RunStatus.SUCCEEDED
        run_log.info(
            "test: %d read, %d would load, %d would be rejected (rolled back)",
            result.rows_read,
            result.rows_loaded,
            result.rows_rejected,
        )
        return result


def _load_problem(position: int, error: BaseException) -> RowProblem:
    reason = scrub_cids(first_line(error))
    return RowProblem(position, None, None, f"the target refused the row: {reason}", "load")


def _key_text(key: tuple[Any, ...]) -> str:
    return ", ".join(str(part) for part in key)


def _mismatch_message(step: str, check: Reconciliation) -> str:
    if not check.counts_match:
        return (
            f"Step {step!r} did not reconcile: read {check.rows_read:,}, loaded "
            f"{check.rows_loaded:,}, rejected {check.rows_rejected:,}, source holds "
            f"{check.source_rows:,} rows."
        )
    columns = ", ".join(f"{c.column} ({c.measure})" for c in check.mismatches)
    return f"Step {step!r} did not reconcile: the target differs from what was sent in {columns}."


def _escape_colons(sql: str) -> str:
    # text() reads ":name" as a bind parameter; the source SQL has none of ours.
    return sql.replace(":", "\\:")


def _preview(batch: pa.RecordBatch) -> list[dict[str, Any]]:
    rows = batch.slice(0, PREVIEW_ROWS).to_pylist()
    return [{column: masked_value(column, value) for column, value in row.items()} for row in rows]
