"""Source rows as Arrow arrays: one form per value, whichever reader read it.

A migration reads its source with connectorx (Arrow straight from the server) or with the
driver (Python values, converted here). Both must hand over the same Arrow values, or a value
would change with the reader that happened to read it. The forms:

- text stays text: JSON is the server's own text from both readers (connectorx would rewrite
  it, so it does not read JSON; the PostgreSQL driver is told not to decode it);
- values Arrow has no type for (UUID, inet, arrays, time with a zone, a JSON dict) become
  their dialects/value_text.py text, and so does a column of mixed types (SQLite);
- an exact decimal keeps its declared scale, so 12.500000 stays 12.500000; a decimal column
  without one (PostgreSQL NUMERIC) keeps each value's own digits, as text when they differ;
- a MySQL TIME is a signed duration (Arrow duration, microseconds), never a time of day;
- an instant with a zone is a UTC timestamp;
- anything else is what pyarrow makes of it (integers, floats, dates, times, bytes).

What the stream needs to know of a column (duration, declared scale, whether connectorx reads
it faithfully) comes from the driver's description of the query, read by the dialect
(`Dialect.result_columns`, giving `ResultColumn`s).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from dialects.result_column import ResultColumn
from dialects.value_text import value_text

_MICROS = pa.duration("us")
_ZONE = "UTC"
_BYTES = frozenset({bytes, bytearray, memoryview})
#: Python types pyarrow converts to an Arrow type of their own, value for value.
_NATIVE = frozenset(
    {str, int, float, bool, Decimal, date, datetime, time, timedelta, bytes, bytearray, memoryview}
)


def decimal_type(column: ResultColumn | None) -> pa.DataType | None:
    """The one Arrow type of a decimal column with a declared scale, whichever reader reads
    it; None for any other column."""
    if column is None or column.scale is None:
        return None
    if (column.precision or 0) <= 38:
        return pa.decimal128(38, column.scale)
    return pa.decimal256(76, column.scale)


def driver_array(values: Sequence[Any], column: ResultColumn | None = None) -> pa.Array:
    """A column of driver values as Arrow, in the stream's forms (see the module docstring)."""
    present = [value for value in values if value is not None]
    kinds = {type(value) for value in present}
    try:
        if column is not None and column.duration:
            return pa.array(values, _MICROS)
        if decimal_type(column) is not None:
            return pa.array(values, decimal_type(column))
        if not kinds <= _NATIVE or (time in kinds and _zoned_times(present)):
            return _text(values)
        if str in kinds and not kinds.isdisjoint(_BYTES):
            return _text(values)  # pyarrow would turn the text into bytes
        if Decimal in kinds and len({value.as_tuple().exponent for value in present}) > 1:
            return _text(values)  # pyarrow would pad them all to the largest scale
        return _utc(pa.array(values))
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
        # Mixed types (SQLite's loose columns) or out-of-range numbers: keep their text; the
        # target engine parses it, or the load rejects the row with the engine's own reason.
        return _text(values)


def driver_batch(
    names: Sequence[str],
    rows: Sequence[Sequence[Any]],
    columns: Sequence[ResultColumn] = (),
) -> pa.RecordBatch:
    """Driver rows as an Arrow batch, each column typed from its values (ints stay ints)."""
    values = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    forms = _forms(columns, len(names))
    arrays = [driver_array(list(column), form) for column, form in zip(values, forms, strict=True)]
    return pa.RecordBatch.from_arrays(arrays, list(names))


def fast_batch(batch: pa.RecordBatch, columns: Sequence[ResultColumn] = ()) -> pa.RecordBatch:
    """A connectorx batch in the stream's forms, so it equals what the driver gives."""
    forms = _forms(columns, batch.num_columns)
    arrays = [_fast_array(array, form) for array, form in zip(batch.columns, forms, strict=True)]
    return pa.RecordBatch.from_arrays(arrays, batch.schema.names)


def _fast_array(array: pa.Array, column: ResultColumn | None) -> pa.Array:
    kind = array.type
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return _text(array.to_pylist())  # PostgreSQL arrays: their text, as from the driver
    if (
        column is not None
        and column.duration
        and (pa.types.is_time(kind) or pa.types.is_null(kind))
    ):
        # connectorx reads a MySQL TIME under 24 hours as a time of day: the same microseconds
        # as a duration (a longer one makes it fail, and the driver carries on).
        micros = pc.cast(pc.cast(array, pa.time64("us")), pa.int64())
        return pc.cast(micros, _MICROS)
    decimal = decimal_type(column)
    if decimal is not None and (pa.types.is_decimal(kind) or pa.types.is_null(kind)):
        return pc.cast(array, decimal)  # a safe cast: it fails rather than drop a digit
    return _utc(array)


def _forms(columns: Sequence[ResultColumn], count: int) -> list[ResultColumn | None]:
    # A description that does not match the result (it should always) changes nothing.
    return list(columns) if len(columns) == count else [None] * count


def _zoned_times(values: list[Any]) -> bool:
    return any(isinstance(value, time) and value.tzinfo is not None for value in values)


def _utc(array: pa.Array) -> pa.Array:
    kind = array.type
    if pa.types.is_timestamp(kind) and kind.tz is not None and kind.tz != _ZONE:
        return pc.cast(array, pa.timestamp(kind.unit, _ZONE))  # the same instants
    return array


def _text(values: Sequence[Any]) -> pa.Array:
    return pa.array([None if value is None else value_text(value) for value in values], pa.string())
