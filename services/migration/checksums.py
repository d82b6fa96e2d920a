"""Per-column checksums of the rows sent to a target, and of the target itself, compared.

Each column gets one measure chosen by its target type: integers and exact decimals are
summed, variable-length text has its characters summed, anything else is only counted. Both
sides produce `(non-null count, aggregate)` with the aggregate as exact text — Decimals
normalised, no exponent, no trailing zeros, "0" for zero, None when no value was summed — so a
match means equal, not "close".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Context, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import CHAR, NCHAR, Connection, Enum, Float, Integer, Numeric, String
from sqlalchemy.types import TypeEngine

from dialects.base import Dialect
from models.migration_run import ColumnCheck

#: Per column: (non-null values, aggregate as exact text or None).
Checksums = dict[str, tuple[int, str | None]]

# Sums of millions of decimals need more digits than the default context's 28 to stay exact.
_EXACT = Context(prec=200)
# String types whose character count is not what was sent: enums and sets (no CHAR_LENGTH on
# a PostgreSQL enum), XML (rewritten by the server).
_NOT_PLAIN_TEXT = frozenset({"enum", "ENUM", "SET", "XML"})
_STATE_VERSION = 1


class ColumnMeasure(StrEnum):
    """What is aggregated of a column besides its non-null count."""

    COUNT = "count"  # the non-null count only
    SUM = "sum"  # the exact sum of the values
    SUM_LENGTH = "sum_length"  # the sum of the values' lengths in characters


def measures_for(columns: Mapping[str, TypeEngine[Any]]) -> dict[str, ColumnMeasure]:
    """The measure of each column, chosen by the TARGET column's SQLAlchemy type.

    Integers and exact decimals are summed; VARCHAR, NVARCHAR and TEXT have their characters
    summed; CHAR(n) is only counted (the engine pads it), like dates, times, floats (their
    sums depend on the order of addition), bytes, JSON and booleans.
    """
    return {name: _measure_of(kind) for name, kind in columns.items()}


def _measure_of(kind: TypeEngine[Any]) -> ColumnMeasure:
    if isinstance(kind, Integer) or (isinstance(kind, Numeric) and not isinstance(kind, Float)):
        return ColumnMeasure.SUM
    plain_text = getattr(kind, "__visit_name__", "") not in _NOT_PLAIN_TEXT
    if isinstance(kind, String) and not isinstance(kind, CHAR | NCHAR | Enum) and plain_text:
        return ColumnMeasure.SUM_LENGTH
    return ColumnMeasure.COUNT


class StreamChecksums:
    """Running per-column aggregates of the rows actually sent to the target (additive across
    batches), resumable from a checkpoint's `to_state()`.

    Values are taken as the target stores them: a bool in an integer column is 0/1, numeric
    text ('12.50', as a transformer may hand it to a NUMERIC column) is its Decimal. In a text
    column a str counts its characters; any other value counts the characters of the text the
    bulk loaders send for it (str(); Decimals without exponent, bools as 1/0) — an engine
    rendering it otherwise shows as a mismatch, never as a false match.
    """

    def __init__(self, measures: Mapping[str, ColumnMeasure], state: dict | None = None) -> None:
        """Start empty, or where `state` (a previous `to_state()`) left off.

        Raises:
            ValueError: `state` was taken with other columns or measures.
        """
        self.measures = {name: ColumnMeasure(measure) for name, measure in measures.items()}
        self._counts = dict.fromkeys(self.measures, 0)
        self._totals: dict[str, int | Decimal] = dict.fromkeys(self.measures, 0)
        if state is not None:
            self._restore(state)

    def add(self, columns: Mapping[str, Sequence[object]]) -> None:
        """Add one batch, given column-wise (None = NULL); columns not measured are ignored.

        Raises:
            ValueError: a summed column got a value that is not a number (nothing is added).
        """
        updates = []
        for name, measure in self.measures.items():
            values = columns.get(name)
            if values is None:
                continue
            present = [value for value in values if value is not None]
            if measure is ColumnMeasure.SUM:
                total = _sum(name, present)
            elif measure is ColumnMeasure.SUM_LENGTH:
                total = sum(map(_text_length, present))
            else:
                total = 0
            updates.append((name, len(present), total))
        self._apply(updates)

    def add_arrow(self, batch: pa.RecordBatch) -> None:
        """Add one Arrow batch, like `add`; integer and decimal sums and text lengths are taken
        in Arrow (exactly), other columns go through Python values."""
        updates = []
        plain: dict[str, list[object]] = {}
        for name, measure in self.measures.items():
            index = batch.schema.get_field_index(name)
            if index < 0:
                continue
            column = batch.column(index)
            total = _arrow_total(column, measure)
            if total is None:
                plain[name] = column.to_pylist()
            else:
                updates.append((name, len(column) - column.null_count, total))
        if plain:
            self.add(plain)  # first: when it refuses a value, nothing of the batch is added
        self._apply(updates)

    def _apply(self, updates: list[tuple[str, int, int | Decimal]]) -> None:
        for name, count, total in updates:
            self._counts[name] += count
            self._totals[name] = _add(self._totals[name], total)

    def to_state(self) -> dict:
        """JSON-safe state (totals as exact text) to keep in a checkpoint."""
        return {
            "version": _STATE_VERSION,
            "columns": {
                name: {
                    "measure": str(measure),
                    "count": self._counts[name],
                    "total": _exact_text(self._totals[name]),
                }
                for name, measure in self.measures.items()
            },
        }

    def values(self) -> Checksums:
        """column -> (non-null count, aggregate as exact text, or None when nothing was summed)."""
        return {
            name: (
                self._counts[name],
                None
                if measure is ColumnMeasure.COUNT or not self._counts[name]
                else _exact_text(self._totals[name]),
            )
            for name, measure in self.measures.items()
        }

    def _restore(self, state: dict) -> None:
        saved = state.get("columns", {})
        if state.get("version") != _STATE_VERSION or set(saved) != set(self.measures):
            raise ValueError("The checkpoint's checksums were taken over other columns.")
        for name, measure in self.measures.items():
            if saved[name]["measure"] != measure:
                raise ValueError(f"The checkpoint measured column {name} differently.")
            self._counts[name] = int(saved[name]["count"])
            self._totals[name] = _parse_total(saved[name]["total"])


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
        selected.append(f"COUNT({column})")
        if measure == ColumnMeasure.SUM:
            selected.append(dialect.checksum_sum(column))
        elif measure == ColumnMeasure.SUM_LENGTH:
            selected.append(dialect.checksum_length(column))
    sql = f"SELECT {', '.join(selected)} FROM {dialect.qualified(table, schema)}"
    # No parameters: the driver then leaves `%` and `:` in column names alone.
    row = iter(connection.exec_driver_sql(sql, execution_options={"no_parameters": True}).one())
    found: Checksums = {}
    for name, measure in measures.items():
        count = int(next(row))
        total = None if measure == ColumnMeasure.COUNT else next(row)
        found[name] = (count, None if total is None else _exact_text(_number(total)))
    return found


def subtract(after: Checksums, before: Checksums) -> Checksums:
    """`after − before` per column: what a run appending to a non-empty table added.

    An aggregate is None when nothing was added and nothing changed, as the stream of an
    empty (or all-NULL) column reports it.
    """
    difference: Checksums = {}
    for name, (count_after, total_after) in after.items():
        count_before, total_before = before.get(name, (0, None))
        count = count_after - count_before
        if total_after is None and total_before is None:
            difference[name] = (count, None)
            continue
        total = _EXACT.subtract(Decimal(total_after or 0), Decimal(total_before or 0))
        difference[name] = (count, None if count == 0 and total == 0 else _exact_text(total))
    return difference


def compare(
    expected: Checksums, found: Checksums, measures: Mapping[str, ColumnMeasure]
) -> list[ColumnCheck]:
    """Two checks per column — its non-null count and its measure — one for COUNT columns."""
    checks = []
    for name, measure in measures.items():
        expected_count, expected_total = expected.get(name, (None, None))
        found_count, found_total = found.get(name, (None, None))
        checks.append(ColumnCheck(name, "count", _text(expected_count), _text(found_count)))
        if measure != ColumnMeasure.COUNT:
            checks.append(ColumnCheck(name, str(measure), expected_total, found_total))
    return checks


# --- exact arithmetic -------------------------------------------------------------------------


def _sum(name: str, values: Iterable[object]) -> int | Decimal:
    integers = 0
    decimals: Decimal | None = None
    for value in values:
        if isinstance(value, int):  # bool too: True is 1
            integers += value
            continue
        number = _number(value, name)
        if isinstance(number, int):
            integers += number
        else:
            decimals = number if decimals is None else _EXACT.add(decimals, number)
    return integers if decimals is None else _EXACT.add(decimals, integers)


def _arrow_total(column: pa.Array, measure: ColumnMeasure) -> int | Decimal | None:
    """The column's aggregate computed by Arrow, or None when only Python can be exact."""
    kind = column.type
    if measure is ColumnMeasure.COUNT:
        return 0
    if measure is ColumnMeasure.SUM_LENGTH:
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            return int(pc.sum(pc.utf8_length(column), min_count=0).as_py())  # code points
        return None
    if pa.types.is_integer(kind):
        # Arrow's int64 sum wraps around silently; 38 decimal digits cannot overflow here.
        return int(pc.sum(column.cast(pa.decimal128(38, 0)), min_count=0).as_py())
    if pa.types.is_decimal128(kind) and kind.precision <= 30:
        # The sum is a decimal128(38, s): 8 digits of headroom, more than any batch needs.
        return pc.sum(column, min_count=0).as_py()
    if pa.types.is_decimal(kind):
        # Readers hand out decimal128(38, 10) whatever the column: sum in 76 digits instead.
        wide = column.cast(pa.decimal256(76, kind.scale))
        return pc.sum(wide, min_count=0).as_py()
    return None


def _add(total: int | Decimal, more: int | Decimal) -> int | Decimal:
    if isinstance(total, int) and isinstance(more, int):
        return total + more  # Python ints never overflow or round
    return _EXACT.add(Decimal(total), Decimal(more))


def _number(value: object, name: str = "") -> int | Decimal:
    """A value as the exact number the target holds (a driver result or a streamed value)."""
    if isinstance(value, int | Decimal):
        return int(value) if isinstance(value, bool) else value
    if isinstance(value, float):
        return Decimal(repr(value))  # the shortest decimal that is this double
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            # The value itself stays out of the message: it may identify a patient.
            raise ValueError(f"Column {name} got a text value that is not a number.") from None
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        return _number(item(), name)
    raise ValueError(f"Column {name} got a {type(value).__name__} value, not a number.")


def _text_length(value: object) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, bool):
        return 1  # sent as 1 or 0
    if isinstance(value, Decimal):
        return len(_decimal_text(value))
    return len(str(value))


def _decimal_text(value: Decimal) -> str:
    text = str(value)
    return format(value, "f") if "E" in text else text


def _exact_text(total: int | Decimal) -> str:
    """The one text form both sides agree on: 12.5 (not 12.50), 1000 (not 1E+3), 0."""
    if isinstance(total, int):
        return str(total)
    if not total.is_finite():
        return str(total)  # NaN, Infinity: PostgreSQL's numeric has them
    if total == 0:
        return "0"
    return format(total.normalize(_EXACT), "f")


def _parse_total(text: str | None) -> int | Decimal:
    if text is None:
        return 0
    try:
        return int(text)
    except ValueError:
        return Decimal(text)


def _text(value: int | None) -> str | None:
    return None if value is None else str(value)
