"""A replay of a step's outstanding rejects: exactly the rejected source rows read again by key
(after the mapping or the target was fixed), loaded when they now pass, filed again when they
do not, and reconciled like a run.

Exactly once, as a run is: each batch of keys is loaded, its new rejects written, the old
rejects of those keys closed and the checkpoint saved by ONE target transaction. What is still
outstanding IS the replay's position, so a replay killed at any moment resumes with the keys no
committed transaction closed: each row is loaded once, and each reject closed once. Rejects
filed after the replay started (its own among them) have higher ids than the bound it keeps
in the checkpoint, so it never replays what it filed itself.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection, select, text
from sqlalchemy.sql import ColumnElement

from models.migration_config import LoadMode
from models.migration_run import Reconciliation, RejectedRow
from models.progress import ProgressEvent, ProgressKind
from models.status import RunStatus
from protocols.progress import ProgressSink
from services.errors import Conflict, InvalidConfig, MigrationFailed
from services.migration import checksums
from services.migration.processor import BatchProcessor, ProcessedBatch, rejected_rows
from services.migration.reader import SourceReader
from services.migration.reconcile import mismatch_message
from services.migration.reject_format import decode_key, log_rejects
from services.migration.rejects import Resolution
from services.migration.replay_start import save_checkpoint, start_replay
from services.migration.run_log import MigrationLogger
from services.migration.source_query import SourceQuery, count_sql, with_keys
from services.migration.state import StepContext, StepState
from services.migration.writer import load_problem, take, write_or_split

#: Most keys one replay batch reads: bounds the IN list every engine must parse.
KEYS_PER_BATCH = 1000


class RejectReplay:
    """One replay of one step's outstanding rejects: `start` (or resume), then `run`."""

    def __init__(
        self,
        step: StepContext,
        target: Connection,
        query: SourceQuery,
        run_log: MigrationLogger,
        *,
        target_missing: bool = False,
    ) -> None:
        if not query.key:
            raise InvalidConfig(
                f"Step {step.name!r} has no source key (no primary key, no source_key), so its "
                "rejected rows cannot be read again one by one.",
                field="source_key",
            )
        if target_missing:
            raise InvalidConfig(
                f"The target has no table {step.config.target_table!r} yet: run the step "
                "before replaying its rejects.",
                field="target_table",
            )
        self.step, self.target, self.query, self.run_log = step, target, query, run_log
        # As the reject table keeps them: rejects filed under another key are not ours to read.
        self.key_columns = json.dumps(list(query.key), ensure_ascii=False)
        self.state = StepState()
        self.upto = 0  # the newest reject this replay takes (fixed when it starts)
        self.after = 0  # the newest reject taken so far (this process's own cursor)
        self.reader = "connectorx" if step.fast_reader else "driver"

    def start(self) -> StepState:
        """Resume the interrupted replay, or start one over what is outstanding now."""
        self.state, self.upto = start_replay(self.step, self.target, self.key_columns, self.run_log)
        return self.state

    def _ours(self) -> ColumnElement[bool]:
        return self.step.rejects.replayable(self.step.name, self.upto, self.key_columns)

    # --- each batch ---------------------------------------------------------------------------

    def run(
        self, progress: ProgressSink, between_batches: Callable[[], None] = lambda: None
    ) -> tuple[str, Reconciliation]:
        """Replay batch after batch until nothing outstanding is left, then reconcile.

        `between_batches` runs after each committed batch (it may raise to stop the replay).

        Returns:
            The reader used, and the reconciliation.

        Raises:
            MigrationFailed: the reconciliation did not add up (the checkpoint is gone).
        """
        reader = self._load(progress, between_batches)
        with self.step.source.connect() as source:
            check = self._reconcile(source)
        if not check.ok:
            result = self.state.result(self.step.name, RunStatus.FAILED, reconciliation=check)
            raise MigrationFailed(mismatch_message(self.step.name, check), result)
        return reader, check

    def _load(self, progress: ProgressSink, between_batches: Callable[[], None]) -> str:
        step, state, target = self.step, self.state, self.target
        processor = BatchProcessor(step.config, self.query.key)
        size = min(step.batch_size, KEYS_PER_BATCH)
        with target.begin():
            _, remaining = step.rejects.totals(target, self._ours())
        total = state.rows_read + remaining
        progress(ProgressEvent(ProgressKind.STARTED, step.name, state.rows_read, total))
        while True:
            with target.begin():
                pending = self._pending(size)
            if not pending:
                return self.reader
            started = time.perf_counter()
            batch = self._read(list(pending.values()))
            processed = processor.process(batch) if batch is not None else self._nothing()
            rows = processed.batch.num_rows
            loaded, stored = self._commit(processed, pending)
            self.run_log.batch(
                state.batches,
                rows,
                loaded,
                rows - loaded,
                time.perf_counter() - started,
                state.rows_read,
            )
            log_rejects(self.run_log, stored, step.name)
            progress(
                ProgressEvent(
                    ProgressKind.ADVANCED, step.name, state.rows_read, max(total, state.rows_read)
                )
            )
            between_batches()

    def _pending(self, size: int) -> dict[str, tuple[Any, ...]]:
        """The next keys to replay, oldest reject first: stored text -> key with its types."""
        store = self.step.rejects
        # Every reject up to the last one taken is closed by now (all rejects of a key close
        # together): start after it, not at the first of the step's closed rejects.
        after = store.table.c.id > self.after
        self.after, texts = store.next_keys(self.target, self._ours() & after, size)
        return {key_text: decode_key(key_text) for key_text in texts}

    def _read(self, keys: list[tuple[Any, ...]]) -> pa.RecordBatch | None:
        """The source rows with `keys`, by the run's own reader (fast first, driver after);
        None when none of them is in the source any more."""
        source = self.step.source
        compiler = source.connections.engine_for(source.spec).dialect
        reader = SourceReader(
            source.connections,
            source.spec,
            source.dialect,
            with_keys(self.query, source.dialect, compiler, keys),
            batch_size=len(keys) + 1,  # one batch, unless the key is not unique
            fast=self.step.fast_reader,
        )
        batches = list(reader.batches())
        self.reader = reader.reader
        if reader.fallback_reason:
            self.run_log.warning("fast reader gave way to the driver: %s", reader.fallback_reason)
        rows = sum(batch.num_rows for batch in batches)
        if len(batches) > 1 or rows > len(keys):
            raise self._failed(
                f"The source returned {rows:,} rows for {len(keys):,} rejected keys of step "
                f"{self.step.name!r}: its key ({', '.join(self.query.key)}) is not unique, so "
                "the rejected rows cannot be told from rows already loaded."
            )
        return batches[0] if batches else None

    def _nothing(self) -> ProcessedBatch:
        columns = self.step.config.target_columns()
        empty = pa.schema([(column, pa.null()) for column in columns])
        return ProcessedBatch(pa.RecordBatch.from_pylist([], schema=empty), [])

    def _commit(
        self, processed: ProcessedBatch, pending: dict[str, tuple[Any, ...]]
    ) -> tuple[int, list[RejectedRow]]:
        """Load what passes, file what fails, close the keys' old rejects and save the
        checkpoint, in one transaction; returns rows loaded and the new rejects."""
        step, state, target = self.step, self.state, self.target
        config, dialect, schema = step.config, step.target.dialect, step.target.schema
        candidates = processed.clean_positions
        good = take(processed.batch, candidates)
        with target.begin():
            dialect.relax_commit(target)
            written, refused = write_or_split(target, dialect, config, schema, good)
            problems = list(processed.problems) + [
                load_problem(candidates[i], error, dialect, processed.batch) for i, error in refused
            ]
            loaded = take(good, written)
            number = state.batches + 1
            rejected = rejected_rows(processed, problems, self.query.key, batch=number)
            stored = step.rejects.add(target, step.name, state.run_id, rejected)
            failed = {processed.keys[problem.position] for problem in problems}
            self._close(pending, processed.keys, failed)
            assert state.stream is not None  # set by start
            state.stream.add_arrow(loaded)
            state.count_batch(
                read=processed.batch.num_rows,
                loaded=loaded.num_rows,
                rejected=len({problem.position for problem in problems}),
                last_key=(),
            )
            save_checkpoint(step, target, state, self.upto)
        return loaded.num_rows, stored

    def _close(
        self,
        pending: dict[str, tuple[Any, ...]],
        read: list[tuple[Any, ...]],
        failed: set[tuple[Any, ...]],
    ) -> None:
        """Close every outstanding reject of the batch's keys, each with its outcome."""
        wanted = {key: key_text for key_text, key in pending.items()}
        outcome = dict.fromkeys(pending, Resolution.NOT_IN_SOURCE)
        for key in read:
            if key not in wanted:
                raise self._failed(
                    f"The source returned a row of step {self.step.name!r} whose key was not "
                    "asked for (its key changed while being replayed?); nothing was loaded."
                )
            outcome[wanted[key]] = Resolution.REJECTED_AGAIN if key in failed else Resolution.LOADED
        if not self.step.rejects.close_keys(self.target, self._ours(), outcome, self.state.run_id):
            # Another replay of the step closed some of them first: this batch rolls back.
            raise Conflict(f"Another replay of the rejects of {self.step.name!r} is running.")

    def _failed(self, message: str) -> MigrationFailed:
        return MigrationFailed(message, self.state.result(self.step.name, RunStatus.FAILED))

    # --- after the last batch -----------------------------------------------------------------

    def _reconcile(self, source: Connection) -> Reconciliation:
        """Read = loaded + rejected again; the source, counted by the replayed keys, holds
        what was read; the target's checksums grew by exactly what was sent. Then the
        checkpoint goes: the replay is over."""
        step, state, target = self.step, self.state, self.target
        check = Reconciliation(state.rows_read, state.rows_loaded, state.rows_rejected)
        c = step.rejects.table.c
        with target.begin():
            replayed = target.execute(
                select(c.source_key)
                .where(c.step == step.name, c.resolved_by == str(state.run_id))
                .distinct()
            ).scalars()
            keys = [decode_key(key_text) for key_text in replayed]
        dialect = step.source.dialect
        check.source_rows = 0
        for start in range(0, len(keys), KEYS_PER_BATCH):
            narrowed = with_keys(
                self.query, dialect, source.dialect, keys[start : start + KEYS_PER_BATCH]
            )
            sql = count_sql(narrowed, dialect, source.dialect, None)
            # text() reads ":name" as a bind parameter; the source SQL has none of ours.
            check.source_rows += int(source.execute(text(sql.replace(":", "\\:"))).scalar_one())
        if step.config.load_mode is LoadMode.UPSERT:
            check.skipped = "upsert rewrites existing rows: only counts are compared"
        else:
            with target.begin():
                after = checksums.target_checksums(
                    target,
                    step.target.dialect,
                    step.config.target_table,
                    step.target.schema,
                    state.measures,
                )
            assert state.stream is not None and state.before is not None  # set by start
            found = checksums.subtract(after, state.before)
            check.columns = checksums.compare(state.stream.values(), found, state.measures)
        with target.begin():
            step.checkpoints.clear(target, step.name)
        return check
