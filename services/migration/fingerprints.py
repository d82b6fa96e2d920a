"""A batch's fingerprinted columns, row by row: each value's canonical form (canonical_text.py,
canonical_numbers.py) hashed by the target engine's hash (hashing.py) or taken as a number.

Computed from the transformed Arrow batch handed to the writer — never from what the writer
encodes, nor from the target — on the thread that transforms the next batches; the loading
thread then sums the rows it loaded. A value without a canonical form (text that is no date,
in a DATE column) is marked unreadable: the target must refuse such a row, or the batch is
refused (StreamChecksums).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from models.migration_run import ChecksumHash, ColumnMeasure
from services.migration.canonical_numbers import canonical_number
from services.migration.canonical_text import canonical_text
from services.migration.hashing import hash_each

M = ColumnMeasure
#: Measures whose values are hashed (their text), and those summed as whole numbers.
HASHED = frozenset({M.TEXT, M.CHAR, M.JSON, M.JSONB, M.BYTES, M.UUID, M.FLOAT, M.REAL})
NUMBERED = frozenset({M.BOOLEAN, M.DATE, M.TIME, M.DATETIME, M.INSTANT})
#: What a value of each measure must be, for the message refusing one that is not.
EXPECTED = {
    M.JSONB: "JSON document",
    M.UUID: "UUID",
    M.FLOAT: "number",
    M.REAL: "number",
    M.BOOLEAN: "boolean (true/false, yes/no, on/off, 1/0)",
    M.DATE: "date in ISO form (YYYY-MM-DD)",
    M.TIME: "time of day (HH:MM:SS)",
    M.DATETIME: "timestamp in ISO form (YYYY-MM-DD HH:MM:SS)",
    M.INSTANT: "timestamp in ISO form (YYYY-MM-DD HH:MM:SS)",
}


@dataclass(frozen=True, slots=True)
class ColumnRows:
    """One column's contribution to its measure, row by row."""

    present: np.ndarray  # bool: not NULL
    parts: tuple[np.ndarray, ...]  # per part of the measure: uint64 hashes, int64 numbers
    unreadable: np.ndarray | None  # bool: a value with no canonical form; None: none

    def take(self, positions: np.ndarray) -> ColumnRows:
        """The rows at `positions`."""
        unreadable = None if self.unreadable is None else self.unreadable[positions]
        parts = tuple(part[positions] for part in self.parts)
        return ColumnRows(self.present[positions], parts, unreadable)


@dataclass(frozen=True, slots=True)
class BatchFingerprint:
    """The rows of one batch's fingerprinted columns (`column_rows` of each)."""

    rows: int
    columns: dict[str, ColumnRows]

    def take(self, positions: Sequence[int]) -> BatchFingerprint:
        """The contributions of the rows at `positions` (the ones loaded)."""
        if len(positions) == self.rows:
            return self
        kept = np.asarray(positions, dtype=np.int64)
        return BatchFingerprint(len(kept), {n: c.take(kept) for n, c in self.columns.items()})


def column_rows(
    measure: ColumnMeasure, values: pa.Array | Sequence[object], family: ChecksumHash
) -> ColumnRows:
    """The per-row hashes (and for TEXT lengths) or numbers of a HASHED or NUMBERED column;
    `values` an Arrow array, or Python values (mixed ones are taken one by one)."""
    if not isinstance(values, pa.Array):
        values = _arrow_or_list(values)
    if isinstance(values, pa.Array):
        present = ~values.is_null().to_numpy(zero_copy_only=False)
    else:
        present = np.array([value is not None for value in values], bool)
    if measure in NUMBERED:
        numbers, unreadable = canonical_number(measure, values)
        numbers[~present] = 0
        return ColumnRows(present, (numbers,), unreadable)
    text, unreadable = canonical_text(measure, values)
    hashed = hash_each(family, text)
    hashed[~present] = 0
    if measure is not M.TEXT:
        return ColumnRows(present, (hashed,), unreadable)
    lengths = pc.fill_null(pc.utf8_length(text), 0).to_numpy().astype(np.int64)
    return ColumnRows(present, (lengths, hashed), unreadable)


def _arrow_or_list(values: Sequence[object]) -> pa.Array | list[object]:
    try:
        return pa.array(list(values))
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return list(values)  # mixed Python values: each canonical form taken one by one
