"""One run of one migration step, from the first batch to the reconciliation.

The rule that makes a run exactly-once: a batch, its rejected rows and the checkpoint naming
its last source key are written by ONE target transaction. Whatever kills the process, the
target holds whole batches up to the checkpoint and nothing after it.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing

import pyarrow as pa
from sqlalchemy import Connection, inspect

from models.migration_config import ErrorPolicy, MigrationConfig
from models.migration_run import MigrationOptions, MigrationResult, Reconciliation, RejectedRow
from models.progress import ProgressEvent, ProgressKind
from models.status import RunStatus
from protocols.progress import ProgressSink, StopCheck, never_stop
from services.context import ServiceContext
from services.datasources import Endpoint, open_endpoint
from services.errors import InvalidConfig, InvalidInput, MigrationFailed, RunCancelled
from services.mapping import resolve_config_lookups
from services.migration import preflight, target_table
from services.migration.checkpoints import CheckpointManager
from services.migration.fingerprints import BatchFingerprint
from services.migration.history import ConfigRun
from services.migration.processor import (
    BatchProcessor,
    ProcessedBatch,
    RowProblem,
    rejected_row,
    rejected_rows,
)
from services.migration.reconcile import mismatch_message, reconcile, source_rows
from services.migration.reject_format import log_rejects, stop_place
from services.migration.rejects import RejectStore
from services.migration.replay import RejectReplay
from services.migration.run_log import MigrationLogger
from services.migration.run_record import RunRecord
from services.migration.source_query import SourceQuery, check_read_only_select
from services.migration.start import start_or_resume
from services.migration.state import StepContext, StepState
from services.migration.target_checks import TargetChecks
from services.migration.target_plan import TargetTablePlan
from services.migration.test_mode import run_test
from services.migration.writer import (
    encode_for,
    first_refused,
    load_problem,
    take,
    write_batch,
    write_or_split,
)
from utils.prefetch import prefetched

log = logging.getLogger(__name__)


class StepRun:
    """One run of one config: `run()` moves the rows; `result()` reports how far it got."""

    def __init__(
        self,
        ctx: ServiceContext,
        config: MigrationConfig,
        options: MigrationOptions,
        *,
        record: RunRecord | None = None,
        previous: ConfigRun | None = None,
        stop: StopCheck = never_stop,
    ):
        if options.resume and options.restart:
            raise InvalidInput("Choose one: resume the interrupted run, or restart it.")
        if options.test and options.replay_rejects:
            raise InvalidInput("Choose one: a test of the step, or a replay of its rejects.")
        source = _endpoint(ctx, config, "source")
        target = _endpoint(ctx, config, "target")
        # Checked before any connection: a bad query must never reach the hospital's server.
        if config.generate_sql:
            check_read_only_select(config.generate_sql, source.dialect)
        batch_size = options.batch_size or config.batch_size
        if options.test:
            batch_size = options.test_rows or batch_size  # the test reads one batch
        self.ctx = ctx
        self.step = StepContext(
            config=config,
            options=options,
            source=source,
            target=target,
            policy=options.error_policy or config.error_policy,
            batch_size=batch_size,
            fast_reader=ctx.settings.fast_reader,
            checkpoints=CheckpointManager(target.schema),
            rejects=RejectStore(target.dialect, target.schema),
        )
        self.state = StepState()
        self.seconds = 0.0
        self.reconciliation: Reconciliation | None = None
        self.record = record or RunRecord(ctx, config, enabled=False)
        self.previous = previous  # the config's last finished run, if any
        self._started = False  # this run wrote its own checkpoint 0
        self.stop = stop

    def result(self, status: RunStatus = RunStatus.RUNNING) -> MigrationResult:
        """What the run has done so far, as a report."""
        return self.state.result(
            self.step.name, status, seconds=self.seconds, reconciliation=self.reconciliation
        )

    # --- the run ------------------------------------------------------------------------------

    def run(self, progress: ProgressSink, run_log: MigrationLogger) -> MigrationResult:
        """Run the step (or its test) and reconcile; raises MigrationFailed when it fails."""
        started = time.perf_counter()
        step = self.step
        config = step.config
        run_log.info(
            "step %s: %s %s -> %s %s, load mode %s, error policy %s, batch size %d%s",
            config.name,
            step.source.dialect.display_name,
            config.source_table or "(generate_sql)",
            step.target.dialect.display_name,
            config.target_table,
            config.load_mode,
            step.policy,
            step.batch_size,
            " (test: rolled back)" if step.options.test else "",
        )
        # Lookup tables are read once, before the target is touched: a missing one stops here.
        step = self.step = dataclasses.replace(
            step, config=resolve_config_lookups(self.ctx, config)
        )
        # The target connection serves the whole run; the source is asked twice (before and
        # after the load): an idle connection held across a long load could be timed out by
        # the server just before the reconciliation. The reader brings its own.
        with step.target.connect() as target:
            if not step.options.test:
                preflight.forget_unstarted(step, target, self.record)
            with step.source.connect() as source:
                query = preflight.source_query(step, source)
                plan = preflight.target_plan(step, source, target)
                total = preflight.row_estimate(step, source)
            if step.options.test:
                return run_test(step, target, query, plan, run_log, started)
            if step.options.replay_rejects:  # only the rows of the rejects: replay.py
                replay = RejectReplay(step, target, query, run_log, target_missing=bool(plan))
                self.state = replay.start()
                self.record.started(self.state.run_id)
                self._started = True
                reader, self.reconciliation = replay.run(progress, self.stop_if_asked)
            else:
                self.state = start_or_resume(
                    step, target, plan, run_log, self.record, self.previous
                )
                self._started = True
                reader = self._load(target, query, total, progress, run_log, started)
                with step.source.connect() as source:
                    self._finish(source, target, query, plan)
        self.seconds = time.perf_counter() - started
        result = self.result(RunStatus.SUCCEEDED)
        run_log.info(
            "done: %d read, %d loaded, %d rejected in %.1f s (%.0f rows/s), reader %s",
            result.rows_read,
            result.rows_loaded,
            result.rows_rejected,
            result.seconds,
            result.rows_per_second,
            reader,
        )
        if result.conversions:
            run_log.info("converted as configured: %s", result.conversions_text)
        progress(
            ProgressEvent(ProgressKind.FINISHED, step.name, result.rows_read, result.rows_read)
        )
        return result

    # --- before the first batch ---------------------------------------------------------------

    @property
    def started(self) -> bool:
        """True once this run has its own checkpoint (a new run, or the one it resumed)."""
        return self._started

    def forget_if_unstarted(self) -> None:
        """After a failure: when this run committed no batch, leave nothing behind (its
        checkpoint 0 and the table it created); best effort, the next run does it too."""
        if not self._started or self.state.batches:
            return
        try:
            with self.step.target.connect() as target:
                preflight.forget_unstarted(self.step, target, self.record)
        except Exception:  # noqa: BLE001 - the original failure is what the user must see
            log.warning("could not tidy up after the failed run of %s", self.step.name)

    # --- each batch ---------------------------------------------------------------------------

    def _load(
        self,
        target: Connection,
        query: SourceQuery,
        total: int,
        progress: ProgressSink,
        run_log: MigrationLogger,
        started: float,
    ) -> str:
        """Every batch loaded and committed with its checkpoint; returns the reader used."""
        step, state = self.step, self.state
        processor = BatchProcessor(step.config, query.key)
        checks = self._target_checks(target)
        progress(ProgressEvent(ProgressKind.STARTED, step.name, state.rows_read, total))
        reader = step.reader(query)
        resumed_rows = state.rows_read
        # Three stages overlap: the reader thread fetches, a second thread transforms and
        # validates, and this thread loads and commits (waiting on the target's COPY releases
        # the GIL for the other two).
        batches = prefetched(reader.batches(state.last_key or None))
        prepared = prefetched(map(self._preparer(processor, checks), batches))
        # closing(): on an error the threads stop here, before the exception travels on.
        with closing(batches), closing(prepared):
            for processed, encoded, fingerprint in prepared:
                batch_started = time.perf_counter()
                loaded, rejected, stored = self._commit_batch(
                    target, processed, query.key, encoded, fingerprint
                )
                run_log.batch(
                    state.batches,
                    processed.batch.num_rows,
                    loaded,
                    rejected,
                    time.perf_counter() - batch_started,
                    state.rows_read,
                )
                log_rejects(run_log, stored, step.name)
                elapsed = max(time.perf_counter() - started, 1e-9)
                rate = (state.rows_read - resumed_rows) / elapsed
                progress(
                    ProgressEvent(
                        ProgressKind.ADVANCED,
                        step.name,
                        state.rows_read,
                        max(total, state.rows_read),
                        f"{rate:,.0f} rows/s",
                    )
                )
                self.stop_if_asked()
        if reader.fallback_reason:
            run_log.warning("fast reader gave way to the driver: %s", reader.fallback_reason)
        return reader.reader

    def stop_if_asked(self) -> None:
        """Between two batches: raise RunCancelled when the stop check says so."""
        if self.stop():
            raise RunCancelled(
                f"Step {self.step.name!r} stopped as asked after {self.state.rows_loaded:,} "
                "rows; they stay, and a resume continues after them."
            )

    def _target_checks(self, target: Connection) -> TargetChecks:
        step = self.step
        table, schema, dialect = step.config.target_table, step.target.schema, step.target.dialect
        with target.begin():
            columns = inspect(target).get_columns(table, schema=schema)
            json_columns = dialect.json_columns(target, table, schema)
        return TargetChecks(columns, dialect, step.config.target_columns(), json_columns)

    def _preparer(
        self, processor: BatchProcessor, checks: TargetChecks
    ) -> Callable[[pa.RecordBatch], tuple[ProcessedBatch, bytes | None, BatchFingerprint]]:
        """Transform and validate a batch, set aside what the target would refuse, fingerprint
        its values (the reconciliation's hashes, taken here off the loading thread), and
        encode the rows to load (the clean ones) for the target."""
        target, config = self.step.target.dialect, self.step.config
        stops = self.step.policy is ErrorPolicy.STOP
        stream = self.state.stream
        assert stream is not None  # set by start_or_resume

        def prepare(batch: pa.RecordBatch) -> tuple[ProcessedBatch, bytes | None, BatchFingerprint]:
            processed = processor.process(batch)
            judged = {(problem.position, problem.column) for problem in processed.problems}
            refused = checks.problems(processed.batch, judged)
            if refused:
                processed.problems = sorted(
                    [*processed.problems, *refused], key=lambda problem: problem.position
                )
            fingerprint = stream.fingerprint(processed.batch)
            if not processed.problems:
                return processed, encode_for(target, config, processed.batch), fingerprint
            if stops:
                return processed, None, fingerprint  # the batch stops the run: no encoding
            good = take(processed.batch, processed.clean_positions)
            return processed, encode_for(target, config, good), fingerprint

        return prepare

    def _commit_batch(
        self,
        target: Connection,
        processed: ProcessedBatch,
        key_columns: tuple[str, ...],
        encoded: bytes | None = None,
        fingerprint: BatchFingerprint | None = None,
    ) -> tuple[int, int, list[RejectedRow]]:
        """Load one batch with its rejects and checkpoint in one transaction; returns rows
        loaded, rows kept out, and the rejects as stored."""
        step, state = self.step, self.state
        config, dialect, schema = step.config, step.target.dialect, step.target.schema
        rows = processed.batch.num_rows
        if processed.problems and step.policy is ErrorPolicy.STOP:
            raise self._stopped(processed, processed.problems[0], key_columns)
        candidates = processed.clean_positions
        good = take(processed.batch, candidates)
        problems = list(processed.problems)
        with target.begin():
            dialect.relax_commit(target)
            if step.policy is ErrorPolicy.STOP:
                try:
                    # In a savepoint: after a refusal the transaction can still find the row.
                    with target.begin_nested():
                        write_batch(
                            target,
                            dialect,
                            config,
                            schema,
                            good,
                            encoded=encoded if not problems else None,
                        )
                except Exception as error:
                    if not dialect.refused_rows(error):
                        raise
                    at, refusal = first_refused(target, dialect, config, schema, good, error)
                    problem = load_problem(candidates[at], refusal, dialect, processed.batch)
                    raise self._stopped(processed, problem, key_columns) from None
                loaded, positions = good, candidates
            else:
                written, refused = write_or_split(
                    target, dialect, config, schema, good, encoded=encoded
                )
                problems += [
                    load_problem(candidates[i], error, dialect, processed.batch)
                    for i, error in refused
                ]
                loaded, positions = take(good, written), [candidates[i] for i in written]
            rejected = rejected_rows(processed, problems, key_columns, batch=state.batches + 1)
            stored = step.rejects.add(target, config.name, state.run_id, rejected)
            assert state.stream is not None  # set by start_or_resume
            try:
                state.stream.add_arrow(loaded, fingerprint and fingerprint.take(positions))
            except ValueError as error:  # a value the checksums cannot read: rolled back
                raise self._unverifiable(error) from None
            last_key = processed.keys[-1] if processed.keys else ()
            state.count_batch(
                read=rows,
                loaded=loaded.num_rows,
                rejected=len({problem.position for problem in problems}),
                last_key=last_key,
                conversions=processed.conversions_in(positions),
            )
            step.checkpoints.save(
                target,
                config.name,
                last_key=state.last_key,
                rows_done=state.rows_read,
                batches_done=state.batches,
                state=state.to_json(),
            )
        return loaded.num_rows, rows - loaded.num_rows, stored

    def _stopped(
        self, processed: ProcessedBatch, problem: RowProblem, key_columns: tuple[str, ...]
    ) -> MigrationFailed:
        # Nothing of the batch is written, so there is no reject id: the row is named by its
        # batch, its row and its place in key order — by key only when the key is no identifier.
        state = self.state
        row = rejected_row(
            problem, processed.keys[problem.position], key_columns, batch=state.batches + 1
        )
        where = stop_place(row, processed.keys, state.rows_read + problem.position + 1)
        column = f" column {problem.column}:" if problem.column else ""
        message = (
            f"Step {self.step.name!r} stopped at {where}:{column} {row.reason}. "
            f"The batch was rolled back; {state.rows_loaded:,} rows loaded before it stay. "
            "Fix the data and --resume, or use error policy 'quarantine'."
        )
        return MigrationFailed(message, self.result(RunStatus.FAILED))

    def _unverifiable(self, error: ValueError) -> MigrationFailed:
        message = (
            f"Step {self.step.name!r} stopped at batch {self.state.batches + 1}: {error} "
            f"The batch was rolled back; {self.state.rows_loaded:,} rows loaded before it "
            "stay. Convert the column with a transformer and --resume."
        )
        return MigrationFailed(message, self.result(RunStatus.FAILED))

    # --- after the last batch -----------------------------------------------------------------

    def _finish(
        self,
        source: Connection,
        target: Connection,
        query: SourceQuery,
        plan: TargetTablePlan | None,
    ) -> None:
        step, state = self.step, self.state
        # A resumed run found the table made by the run it continues: plan its keys again.
        keys = (plan or preflight.planned(step, source)) if state.created else None
        # The source engine counts its rows while the target builds keys and indexes: two
        # servers, each at its own work (about half a second of 1M rows).
        with ThreadPoolExecutor(1, thread_name_prefix="source-count") as pool:
            counted = pool.submit(source_rows, step, state, query, source)
            if keys is not None:
                with target.begin():
                    target_table.build_keys(target, step.target.dialect, keys)
            source_count = counted.result()
        check = reconcile(step, state, target, source_count)
        self.reconciliation = check
        with target.begin():
            step.checkpoints.clear(target, step.name)
        if not check.ok:
            raise MigrationFailed(mismatch_message(step.name, check), self.result(RunStatus.FAILED))


def _endpoint(ctx: ServiceContext, config: MigrationConfig, role: str) -> Endpoint:
    datasource_id = getattr(config, f"{role}_datasource_id")
    if datasource_id is None:
        raise InvalidConfig(
            f"Config {config.name!r} names no {role} datasource.", field=f"{role}_datasource_id"
        )
    return open_endpoint(ctx, datasource_id)
