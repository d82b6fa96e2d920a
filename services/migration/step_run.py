"""One run of one migration step, from the first batch to the checksums.

The rule that makes a run exactly-once: a batch, its rejected rows and the checkpoint naming
its last source key are written by ONE target transaction. Whatever kills the process, the
target holds whole batches up to the checkpoint and nothing after it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection, inspect

from dialects.base import Dialect
from models.datasource import ConnectionSpec
from models.migration_config import ErrorPolicy, MigrationConfig
from models.migration_run import MigrationOptions, MigrationResult
from models.progress import ProgressEvent, ProgressKind
from models.status import RunStatus
from protocols.progress import ProgressSink
from services import datasources
from services.context import ServiceContext
from services.errors import InvalidConfig, InvalidInput, MigrationFailed
from services.migration import checksums, target_table
from services.migration.checkpoints import CheckpointManager
from services.migration.processor import (
    BatchProcessor,
    ProcessedBatch,
    RowProblem,
    rejected_row,
)
from services.migration.reader import SourceQuery, SourceReader
from services.migration.reconcile import mismatch_message, reconcile
from services.migration.rejects import RejectStore
from services.migration.run_log import MigrationLogger
from services.migration.source_query import build_select, check_read_only_select
from services.migration.start import start_or_resume
from services.migration.test_mode import run_trial
from services.migration.writer import (
    encode_for,
    load_problem,
    take,
    write_batch,
    write_or_split,
)
from utils.prefetch import prefetched


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A datasource as a step uses it: how to connect, its dialect, its schema."""

    spec: ConnectionSpec
    dialect: Dialect
    schema: str | None


class MigrationStep:
    """One run of one config; `result` is kept current so that a failure can report it."""

    def __init__(self, ctx: ServiceContext, config: MigrationConfig, options: MigrationOptions):
        if options.resume and options.restart:
            raise InvalidInput("Choose one: resume the interrupted run, or restart it.")
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
        datasource = datasources.get_datasource(self.ctx, datasource_id)
        dialect = datasources.dialect_of(datasource.db_type)
        spec = datasources.connection_spec(datasource, self.ctx.secrets)
        return Endpoint(spec, dialect, datasource.schema or dialect.default_schema)

    @contextmanager
    def _connect(self, endpoint: Endpoint) -> Iterator[Connection]:
        with self.ctx.connections.connect(endpoint.spec) as connection:
            yield connection

    def reader(self, query: SourceQuery) -> SourceReader:
        """A reader of the step's source query, batch by batch."""
        return SourceReader(
            self.ctx.connections,
            self.source.spec,
            self.source.dialect,
            query,
            batch_size=self.batch_size,
            fast=self.ctx.settings.fast_reader,
        )

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
                return run_trial(self, target, query, plan, run_log, started)
            state = start_or_resume(self, target, plan, run_log)
        processor = BatchProcessor(config, query.key)
        progress(ProgressEvent(ProgressKind.STARTED, config.name, result.rows_read, total))
        reader = self.reader(query)
        stream = checksums.StreamChecksums(state["measures"], state.get("stream"))
        resumed_rows = result.rows_read
        with self._connect(self.target) as target:
            # Three stages overlap: the reader thread fetches, a second thread transforms and
            # validates, and this thread loads and commits (waiting on the target's COPY
            # releases the GIL for the other two).
            batches = prefetched(reader.batches(tuple(state["last_key"]) or None))
            prepared = prefetched(map(self._preparer(processor), batches))
            # closing(): on an error the threads stop here, before the exception travels on.
            with closing(batches), closing(prepared):
                for processed, encoded in prepared:
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

    def _plan(self, source: Connection, target: Connection) -> target_table.TargetTablePlan | None:
        config = self.config
        if target_table.target_table_exists(target, config.target_table, self.target.schema):
            return None
        if not config.create_target_table:
            raise InvalidConfig(
                f"The target has no table {config.target_table!r}; create it, or set "
                "create_target_table to have it made from the source table.",
                field="target_table",
            )
        return target_table.plan_target_table(
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
        stream: checksums.StreamChecksums,
        state: dict[str, Any],
        encoded: bytes | None = None,
    ) -> tuple[int, int]:
        """Load one batch with its rejects and checkpoint in one transaction."""
        config, result = self.config, self.result
        rows = processed.batch.num_rows
        if processed.problems and self.policy is ErrorPolicy.STOP:
            raise self._stopped(processed, processed.problems[0])
        candidates = processed.clean_positions
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
                except Exception as error:
                    if not self.target.dialect.refused_rows(error):
                        raise
                    raise self._stopped(processed, load_problem(0, error)) from None
                loaded = good
            else:
                written, refused = write_or_split(
                    target, self.target.dialect, config, self.target.schema, good
                )
                problems += [load_problem(candidates[i], error) for i, error in refused]
                loaded = take(good, written)
            rejected = self.rejected_rows(processed, problems)
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

    def rejected_rows(self, processed: ProcessedBatch, problems: list[RowProblem]) -> list[Any]:
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
        # A refused bulk load does not say which row: name the row only when it is known.
        which = (
            "a row"
            if problem.stage == "load"
            else f"row {_key_text(row.key) or problem.position + 1}"
        )
        message = (
            f"Step {self.config.name!r} stopped at batch {self.result.batches + 1}{where}: "
            f"{which}:{column} {row.reason}. "
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
        plan: target_table.TargetTablePlan | None,
        state: dict[str, Any],
        stream: checksums.StreamChecksums,
    ) -> None:
        config, result, dialect = self.config, self.result, self.target.dialect
        if state.get("created"):
            with self._connect(self.source) as source:
                plan = plan or target_table.plan_target_table(
                    source,
                    self.source.dialect,
                    config,
                    dialect,
                    source_schema=self.source.schema,
                    target_schema=self.target.schema,
                )
            with target.begin():
                target_table.build_keys(target, dialect, plan)
        with self._connect(self.source) as source:
            check = reconcile(
                result,
                source_query,
                source,
                self.source.dialect,
                target,
                self.target,
                config,
                state,
                stream,
            )
        result.reconciliation = check
        with target.begin():
            self.checkpoints.clear(target, config.name)
        if not check.ok:
            raise MigrationFailed(mismatch_message(config.name, check), result)


def _key_text(key: tuple[Any, ...]) -> str:
    return ", ".join(str(part) for part in key)
