"""How a migration step is asked to run, and what it reports back (pure data, no I/O)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from models.migration_config import ErrorPolicy
from models.status import RunStatus
from models.test_run import PREVIEW_ROWS


@dataclass(frozen=True, slots=True)
class MigrationOptions:
    """Per-run choices that are not part of the saved config.

    Attributes:
        resume: Continue an interrupted run from its checkpoint instead of refusing to start.
        restart: Forget an interrupted run's checkpoint and start over (truncate mode empties
            the target again; append mode appends again).
        test: Load for real inside a transaction that is rolled back, and report what would
            happen; nothing stays in the target.
        test_rows: How many source rows a test reads (default: one batch).
        preview_rows: How many of a test's transformed rows it keeps to show (0: none).
        batch_size: Overrides the config's batch size.
        error_policy: Overrides the config's error policy (a pipeline step's setting).
        again: Append although the config's last run succeeded (its rows are in the target
            already): refused without it, since every row would be loaded twice.
        replay_rejects: Read again exactly the source rows of the config's outstanding rejects
            (after the mapping or the target was fixed), load those that now pass and file
            the others again; with `resume`, continue an interrupted replay.
    """

    resume: bool = False
    restart: bool = False
    test: bool = False
    test_rows: int | None = None
    preview_rows: int = PREVIEW_ROWS
    batch_size: int | None = None
    error_policy: ErrorPolicy | None = None
    again: bool = False
    replay_rejects: bool = False


class ChecksumHash(StrEnum):
    """The hash of one value's canonical text that an engine computes in SQL for a column's
    fingerprint; the migration computes the same hash of every value it sends, and both
    sides add the hashes up modulo 2^64 (order-independent, resumable, subtractable)."""

    MD5 = "md5"  # the first 64 bits of MD5, big-endian (SQL Server's HASHBYTES; SQLite)
    CRC32 = "crc32"  # CRC-32 as zlib computes it (MariaDB/MySQL: their MD5 costs 6x more)
    LOOKUP3 = "lookup3"  # PostgreSQL's hashtextextended(text, 0): Jenkins' lookup3, 64 bits


class ColumnMeasure(StrEnum):
    """What is aggregated of a column besides its non-null count, chosen by its target type.

    Numbers are summed exactly; dates and times are summed as whole days or microseconds;
    every other type is fingerprinted: each value's canonical text is hashed and the hashes
    summed modulo 2^64. `parts` names the aggregates, in order.
    """

    COUNT = "count"  # the non-null count only (the engine cannot render the type identically)
    SUM = "sum"  # the exact sum of the values (integers, decimals)
    SUM_LENGTH = "sum_length"  # the sum of the values' lengths in characters
    TEXT = "text"  # lengths, and a hash of the text as stored
    CHAR = "char"  # a hash of the text without its trailing blanks (CHAR(n) pads them)
    JSON = "json"  # a hash of the JSON text as stored (kept verbatim)
    JSONB = "jsonb"  # a hash of the JSON as PostgreSQL's jsonb renders it (normalised)
    BYTES = "bytes"  # a hash of the bytes in lower-case hex
    UUID = "uuid"  # a hash of the lower-case 8-4-4-4-12 text
    FLOAT = "float"  # a hash of the 8 bytes of the IEEE-754 double, in hex
    REAL = "real"  # a hash of the 4 bytes of the IEEE-754 single, in hex
    BOOLEAN = "boolean"  # the number of true values
    DATE = "date"  # the sum of days since 1970-01-01
    TIME = "time"  # the sum of microseconds since midnight
    DATETIME = "datetime"  # the sum of microseconds since 1970-01-01 00:00 on the wall clock
    INSTANT = "instant"  # the sum of microseconds since 1970-01-01 00:00 UTC (zone-aware)

    @property
    def parts(self) -> tuple[str, ...]:
        """The aggregates besides the count, as `ColumnCheck.measure` names them."""
        return _MEASURE_PARTS.get(self, ("hash",))


_MEASURE_PARTS = {
    ColumnMeasure.COUNT: (),
    ColumnMeasure.SUM: ("sum",),
    ColumnMeasure.SUM_LENGTH: ("sum_length",),
    ColumnMeasure.TEXT: ("sum_length", "hash"),
    ColumnMeasure.BOOLEAN: ("sum_true",),
    ColumnMeasure.DATE: ("sum_days",),
    ColumnMeasure.TIME: ("sum_microseconds",),
    ColumnMeasure.DATETIME: ("sum_microseconds",),
    ColumnMeasure.INSTANT: ("sum_microseconds",),
}


@dataclass(frozen=True, slots=True)
class ColumnCheck:
    """One column's aggregate as sent (the transformed stream) and as found in the target."""

    column: str
    measure: str  # "count", or the part of its ColumnMeasure: "sum", "sum_length", "hash"...
    expected: str | None  # JSON-safe text so Decimals stay exact; hashes as 0x + 16 hex digits
    found: str | None

    @property
    def matches(self) -> bool:
        """True when the target holds exactly what was sent."""
        return self.expected == self.found


@dataclass(slots=True)
class Reconciliation:
    """Counts and per-column checksums of one run: what was read, loaded and rejected."""

    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    source_rows: int | None = None  # an independent COUNT(*) of the source query, when taken
    columns: list[ColumnCheck] = field(default_factory=list)
    skipped: str | None = None  # why checksums were not compared (upsert rewrites rows)

    @property
    def counts_match(self) -> bool:
        """Read = loaded + rejected, and (when counted) the source holds what was read."""
        balanced = self.rows_read == self.rows_loaded + self.rows_rejected
        return balanced and (self.source_rows is None or self.source_rows == self.rows_read)

    @property
    def mismatches(self) -> list[ColumnCheck]:
        """The columns whose target aggregate differs from the stream's."""
        return [check for check in self.columns if not check.matches]

    @property
    def ok(self) -> bool:
        """True when counts balance and every column checksum matches."""
        return self.counts_match and not self.mismatches

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form, stored with the run."""
        return {
            "ok": self.ok,
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_rejected": self.rows_rejected,
            "source_rows": self.source_rows,
            "skipped": self.skipped,
            "columns": [
                {
                    "column": check.column,
                    "measure": check.measure,
                    "expected": check.expected,
                    "found": check.found,
                    "matches": check.matches,
                }
                for check in self.columns
            ],
        }


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """One failing check of a row kept out of the target (a row failing two checks gives two).

    A person finds the row by its reference — run, batch, row in the batch, reject id — and,
    in the target's reject table, by its source key, which is kept in clear there: the table
    lives in the hospital's own target database, beside the rows themselves. Anything shown
    or logged uses `masked_key`, or no key at all when it is an identifier.
    """

    key: tuple[Any, ...]  # the source key in clear, values as read (ints stay ints)
    column: str | None  # the target column that failed, when the check or the engine says
    value: str | None  # its value, masked when the column holds an identifier
    reason: str
    stage: str  # "transform", "validate" or "load"
    batch: int | None = None  # the batch of its run, 1 for the first (None: an old reject)
    row: int | None = None  # its row in that batch, 1 for the first
    key_columns: tuple[str, ...] = ()  # the source key's columns, in order
    masked_key: str = ""  # the key as a person may see it: masked when it is an identifier
    key_is_identifier: bool = False  # then no message or log names the key, only the reference
    reject_id: int | None = None  # its id in the reject table, once written
    run_id: str | None = None  # the run that filed it
    rejected_at: datetime | None = None
    resolution: str | None = None  # None while outstanding; else how it was closed
    resolved_by: str | None = None  # the run (a replay, or a fresh run) that closed it

    @property
    def reference(self) -> str:
        """How a person names the row: "batch 2, row 10 (reject 17)"; "batch 2, row 10"
        before it is written; "reject 17" for one filed before batches and rows were kept."""
        if self.batch is None or self.row is None:
            return f"reject {self.reject_id}"
        where = f"batch {self.batch}, row {self.row}"
        return f"{where} (reject {self.reject_id})" if self.reject_id is not None else where

    @property
    def shown_key(self) -> str | None:
        """The key for a message or a log line: None when it is an identifier (the reference
        names the row then) or when the step has no key."""
        return None if self.key_is_identifier or not self.key else self.masked_key


@dataclass(slots=True)
class MigrationResult:
    """What one run of one step did."""

    step: str
    status: RunStatus
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    batches: int = 0
    seconds: float = 0.0
    resumed_from: int = 0  # rows already loaded by the interrupted run this one resumed
    reconciliation: Reconciliation | None = None
    error: str | None = None
    log_path: str | None = None
    test: bool = False
    preview: list[dict[str, Any]] = field(default_factory=list)  # test mode: transformed rows
    rejects: list[RejectedRow] = field(default_factory=list)  # test mode: the would-be rejects
    #: Values of loaded rows a transformer replaced by a declared conversion, per
    #: "column: TRANSFORMER" (ZERO_DATE_TO_NULL's zero dates): reported, never silent.
    conversions: dict[str, int] = field(default_factory=dict)
    #: The run's id (its checkpoint's, and its entry's in the run history), once it had one.
    run_id: uuid.UUID | None = None

    @property
    def rows_per_second(self) -> float:
        """Rows this run read per second (0 when nothing was timed); a resumed run's rate
        leaves out the rows the interrupted run had read."""
        read = self.rows_read - self.resumed_from
        return read / self.seconds if self.seconds > 0 else 0.0

    @property
    def conversions_text(self) -> str:
        """The conversions in one line: 'd: ZERO_DATE_TO_NULL 3, dt: ZERO_DATE_TO_NULL 1'."""
        return ", ".join(f"{name} {count:,}" for name, count in sorted(self.conversions.items()))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary, stored in the run record."""
        return {
            "step": self.step,
            "status": str(self.status),
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_rejected": self.rows_rejected,
            "batches": self.batches,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.rows_per_second, 1),
            "resumed_from": self.resumed_from,
            "reconciliation": self.reconciliation.to_dict() if self.reconciliation else None,
            "error": self.error,
            "log_path": self.log_path,
            "test": self.test,
            "conversions": dict(self.conversions),
        }
