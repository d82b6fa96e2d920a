"""Per-column checksums of the rows sent to a target, and of the target itself, compared.

Each column gets one measure chosen by its target type and engine (measures.py): integers and
exact decimals are summed, dates and times summed as days or microseconds, every other type
fingerprinted — each value's canonical text hashed, by the target engine in SQL and by
fingerprints.py here from the batch sent, the hashes summed modulo 2^64. Both sides produce
`(non-null count, aggregate)` with the aggregate as exact text (parts separated by a blank,
hash sums as 0x + 16 hex digits, Decimals normalised, None when nothing was added), so a match
means equal, not "close". Sums and hash sums are order-independent: a resumed run adds up, and
an append subtracts the target's checksums taken before it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

import numpy as np
import pyarrow as pa
from sqlalchemy import Connection

from dialects.base import Dialect
from models.migration_run import ChecksumHash, ColumnCheck, ColumnMeasure
from services.migration import exact
from services.migration.fingerprints import (
    EXPECTED,
    HASHED,
    NUMBERED,
    BatchFingerprint,
    column_rows,
)
from services.migration.measures import measures_for

__all__ = [
    "Checksums",
    "ColumnMeasure",
    "StreamChecksums",
    "compare",
    "measures_for",
    "subtract",
    "target_checksums",
]

#: Per column: (non-null values, aggregate as exact text or None).
Checksums = dict[str, tuple[int, str | None]]

M = ColumnMeasure
# 2: the hash family, and aggregates of several parts. 1 (sums and lengths only) still resumes.
_STATE_VERSION = 2
_Update = tuple[str, int, list[int | Decimal]]  # column, values added, a total per part


class StreamChecksums:
    """Running per-column aggregates of the rows actually sent to the target (additive across
    batches), resumable from a checkpoint's `to_state()`.

    Values are taken as the target stores them: a bool in an integer column is 0/1, numeric
    text ('12.50', as a transformer may hand it to a NUMERIC column) is its Decimal. In a text
    column a str is itself; any other value the text the bulk loaders send for it (str();
    Decimals without exponent, bools as 1/0) — an engine rendering it otherwise shows as a
    mismatch, never as a false match.
    """

    def __init__(
        self,
        measures: Mapping[str, ColumnMeasure],
        state: dict | None = None,
        *,
        hash: ChecksumHash = ChecksumHash.MD5,
    ) -> None:
        """Start empty, or where `state` (a previous `to_state()`) left off; `hash` is the
        target engine's (`Dialect.checksum_hash`), taken from `state` when resuming.

        Raises:
            ValueError: `state` was taken with other columns or measures.
        """
        self.measures = {name: ColumnMeasure(measure) for name, measure in measures.items()}
        self.hash = ChecksumHash(hash)
        self._counts = dict.fromkeys(self.measures, 0)
        self._totals: dict[str, list[int | Decimal]] = {
            name: [0] * len(measure.parts) for name, measure in self.measures.items()
        }
        if state is not None:
            self._restore(state)

    def fingerprint(self, batch: pa.RecordBatch) -> BatchFingerprint:
        """The canonical forms and hashes of the fingerprinted columns of `batch`, row by row.

        Reads only the measures: safe on the thread that transforms the next batches.
        """
        columns = {}
        for name, measure in self.measures.items():
            index = batch.schema.get_field_index(name)
            if index >= 0 and (measure in HASHED or measure in NUMBERED):
                columns[name] = column_rows(measure, batch.column(index), self.hash)
        return BatchFingerprint(batch.num_rows, columns)

    def add(self, columns: Mapping[str, Sequence[object]]) -> None:
        """Add one batch, given column-wise (None = NULL); columns not measured are ignored.

        Raises:
            ValueError: a value that is not of its column's kind (nothing is added).
        """
        updates: list[_Update] = []
        fingerprinted = {}
        for name, measure in self.measures.items():
            values = columns.get(name)
            if values is None:
                continue
            if measure in HASHED or measure in NUMBERED:
                fingerprinted[name] = column_rows(measure, values, self.hash)
                continue
            present = [value for value in values if value is not None]
            if measure is M.SUM:
                totals = [exact.exact_sum(name, present)]
            elif measure is M.SUM_LENGTH:
                totals = [sum(map(exact.text_length, present))]
            else:
                totals = []
            updates.append((name, len(present), totals))
        updates += self._fingerprinted(BatchFingerprint(0, fingerprinted))
        self._apply(updates)

    def add_arrow(self, batch: pa.RecordBatch, fingerprint: BatchFingerprint | None = None) -> None:
        """Add one Arrow batch, like `add`; `fingerprint` is `fingerprint(batch)` when the
        caller took it ahead. Sums and lengths are taken in Arrow (exactly) where it can.

        Raises:
            ValueError: a value that is not of its column's kind (nothing is added).
        """
        updates = self._fingerprinted(fingerprint or self.fingerprint(batch))
        plain: dict[str, list[object]] = {}
        for name, measure in self.measures.items():
            index = batch.schema.get_field_index(name)
            if index < 0 or measure in HASHED or measure in NUMBERED:
                continue
            column = batch.column(index)
            total = 0 if measure is M.COUNT else exact.arrow_total(column, measure)
            if total is None:
                plain[name] = column.to_pylist()
            else:
                totals = [] if measure is M.COUNT else [total]
                updates.append((name, len(column) - column.null_count, totals))
        if plain:
            self.add(plain)  # first: when it refuses a value, nothing of the batch is added
        self._apply(updates)

    def _fingerprinted(self, fingerprint: BatchFingerprint) -> list[_Update]:
        updates = []
        for name, rows in fingerprint.columns.items():
            if rows.unreadable is not None and rows.unreadable.any():
                what = EXPECTED.get(self.measures[name], "value of its type")
                # The value itself stays out of the message: it may identify a patient.
                raise ValueError(
                    f"Column {name} got a value that is not a {what}: the target may read "
                    "it, but the reconciliation cannot verify what it stored."
                )
            present = rows.present
            totals: list[int | Decimal] = [
                int(part[present].sum(dtype=np.uint64))  # wraps around at 2^64, as meant
                if part.dtype == np.uint64
                else exact.int64_sum(part[present])
                for part in rows.parts
            ]
            updates.append((name, int(present.sum()), totals))
        return updates

    def _apply(self, updates: list[_Update]) -> None:
        for name, count, totals in updates:
            self._counts[name] += count
            self._totals[name] = [
                exact.add(total, more)
                for total, more in zip(self._totals[name], totals, strict=True)
            ]

    def to_state(self) -> dict:
        """JSON-safe state (totals as exact text) to keep in a checkpoint."""
        return {
            "version": _STATE_VERSION,
            "hash": str(self.hash),
            "columns": {
                name: {
                    "measure": str(measure),
                    "count": self._counts[name],
                    "total": exact.joined(measure, self._totals[name]) if measure.parts else None,
                }
                for name, measure in self.measures.items()
            },
        }

    def values(self) -> Checksums:
        """column -> (non-null count, aggregate as exact text, or None when nothing was summed)."""
        return {
            name: (
                self._counts[name],
                exact.joined(measure, self._totals[name])
                if measure.parts and self._counts[name]
                else None,
            )
            for name, measure in self.measures.items()
        }

    def _restore(self, state: dict) -> None:
        saved = state.get("columns", {})
        if state.get("version") not in (1, _STATE_VERSION) or set(saved) != set(self.measures):
            raise ValueError("The checkpoint's checksums were taken over other columns.")
        self.hash = ChecksumHash(state.get("hash", self.hash))
        for name, measure in self.measures.items():
            if saved[name]["measure"] != measure:
                raise ValueError(f"The checkpoint measured column {name} differently.")
            self._counts[name] = int(saved[name]["count"])
            texts = exact.parts_of(saved[name]["total"], len(measure.parts))
            self._totals[name] = [exact.parse_part(text) for text in texts]


def target_checksums(
    connection: Connection,
    dialect: Dialect,
    table: str,
    schema: str | None,
    measures: Mapping[str, ColumnMeasure],
) -> Checksums:
    """The same aggregates read from the target table, in one query (one table scan).

    Returns:
        column -> (non-null count, aggregate as exact text or None), as `StreamChecksums`.
    """
    if not measures:
        return {}
    dialect.prepare_checksum_session(connection)
    selected = []
    for name, measure in measures.items():
        column = dialect.quote(name)
        aggregates = dialect.checksum_aggregates(measure, column)
        if aggregates is None:
            raise ValueError(f"{dialect.display_name} cannot measure column {name} as {measure}.")
        selected += [f"COUNT({column})", *aggregates]
    sql = f"SELECT {', '.join(selected)} FROM {dialect.qualified(table, schema)}"
    # No parameters: the driver then leaves `%` and `:` in column names alone.
    row = iter(connection.exec_driver_sql(sql, execution_options={"no_parameters": True}).one())
    found: Checksums = {}
    for name, measure in measures.items():
        count = int(next(row))
        totals = [next(row) for _ in measure.parts]
        if not totals or any(total is None for total in totals):
            found[name] = (count, None)
        else:
            numbers = [exact.integral(exact.as_number(total)) for total in totals]
            found[name] = (count, exact.joined(measure, numbers))
    return found


def subtract(after: Checksums, before: Checksums) -> Checksums:
    """`after − before` per column: what a run appending to a non-empty table added.

    An aggregate is None when nothing was added and nothing changed, as the stream of an
    empty (or all-NULL) column reports it. Hash sums subtract modulo 2^64.
    """
    result: Checksums = {}
    for name, (count_after, total_after) in after.items():
        count_before, total_before = before.get(name, (0, None))
        count = count_after - count_before
        if total_after is None and total_before is None:
            result[name] = (count, None)
            continue
        total = exact.difference(total_after, total_before)
        result[name] = (count, None if count == 0 and exact.is_zero(total) else total)
    return result


def compare(
    expected: Checksums, found: Checksums, measures: Mapping[str, ColumnMeasure]
) -> list[ColumnCheck]:
    """One check per column and aggregate: its non-null count, then each part of its measure
    ("sum", "sum_length", "hash"...)."""
    checks = []
    for name, measure in measures.items():
        expected_count, expected_total = expected.get(name, (None, None))
        found_count, found_total = found.get(name, (None, None))
        checks.append(ColumnCheck(name, "count", _text(expected_count), _text(found_count)))
        sent = exact.parts_of(expected_total, len(measure.parts))
        held = exact.parts_of(found_total, len(measure.parts))
        for part, expected_part, found_part in zip(measure.parts, sent, held, strict=True):
            checks.append(ColumnCheck(name, part, expected_part, found_part))
    return checks


def _text(value: int | None) -> str | None:
    return None if value is None else str(value)
