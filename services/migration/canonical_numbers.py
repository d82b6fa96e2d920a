"""The whole number a date, time, timestamp or boolean value counts as in its column's sum,
from the Arrow array sent (vectorised) or value by value:

- BOOLEAN 1/0 (text in PostgreSQL's spellings: t, yes, on, 1...);
- DATE: days since 1970-01-01; TIME: microseconds since midnight (MySQL's durations past 24
  hours and negative ones too);
- DATETIME: microseconds since 1970-01-01 00:00 on the wall clock; a zone-aware Arrow value
  counts as its UTC wall time (what Arrow's text of it says, which COPY sends), zone-aware
  text as written (a column without time zone ignores the offset);
- INSTANT: microseconds since 1970-01-01 00:00 UTC; naive values count as UTC (the target
  reads them in its session's time zone: a server not on UTC shows a mismatch, never a
  false match).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from models.migration_run import ColumnMeasure

M = ColumnMeasure
_DAY_US = 86_400_000_000
_EPOCH = datetime(1970, 1, 1)
_EPOCH_DAY = date(1970, 1, 1).toordinal()
# PostgreSQL's and MariaDB's H:MM[:SS[.ffffff]]; hours past 24 for MySQL's durations.
_CLOCK = r"^\s*(?P<h>\d{1,3}):(?P<m>\d\d)(?::(?P<s>\d\d)(?:\.(?P<f>\d{1,6}))?)?\s*$"
_TRUE = frozenset({"t", "true", "y", "yes", "on", "1"})
_FALSE = frozenset({"f", "false", "n", "no", "off", "0"})


def canonical_number(
    measure: ColumnMeasure, values: pa.Array | Sequence[object]
) -> tuple[np.ndarray, np.ndarray | None]:
    """The number (int64, 0 for NULL) of each value, and the unreadable rows (None: none)."""
    if not isinstance(values, pa.Array):
        return each_number(values, NUMBER_OF[measure], np.int64)
    kind = values.type
    if measure is M.BOOLEAN and (pa.types.is_boolean(kind) or pa.types.is_integer(kind)):
        return int64(values), None
    if measure is M.DATE:
        return _days(values)
    if measure is M.TIME:
        if pa.types.is_time(kind) or pa.types.is_duration(kind):
            unit = pa.time64("us") if pa.types.is_time(kind) else pa.duration("us")
            return int64(values.cast(unit)), None
        if is_text(kind):
            return _clock_text(values)
    if measure in (M.DATETIME, M.INSTANT):
        if pa.types.is_timestamp(kind):  # UTC inside, whatever the zone; ns cut to us
            return int64(values.cast(pa.timestamp("us", kind.tz), safe=False)), None
        if pa.types.is_date32(kind):
            return int64(values) * _DAY_US, None
        if is_text(kind):
            try:
                return int64(values.cast(pa.timestamp("us"))), None  # naive ISO text
            except pa.ArrowInvalid:
                pass  # an offset, or not a timestamp: value by value
    return each_number(values, NUMBER_OF[measure], np.int64)


def _days(values: pa.Array) -> tuple[np.ndarray, np.ndarray | None]:
    kind = values.type
    if pa.types.is_date32(kind):
        return int64(values), None
    if pa.types.is_timestamp(kind) or pa.types.is_date64(kind):
        return int64(values.cast(pa.timestamp("us"))) // _DAY_US, None
    if is_text(kind):  # transformers hand dates over as ISO text
        parsed = pc.strptime(values, format="%Y-%m-%d", unit="s", error_is_null=True)
        return _with_fallback(values, int64(parsed) // 86_400, parsed, _day)
    return each_number(values, _day, np.int64)


def _clock_text(values: pa.Array) -> tuple[np.ndarray, np.ndarray | None]:
    fields = pc.extract_regex(values, _CLOCK)
    hours, minutes, seconds = (
        int64(pc.cast(pc.if_else(pc.equal(part, ""), "0", part), pa.int64()))
        for part in (pc.struct_field(fields, name) for name in "hms")
    )
    fraction = int64(pc.cast(pc.utf8_rpad(pc.struct_field(fields, "f"), 6, "0"), pa.int64()))
    micros = ((hours * 60 + minutes) * 60 + seconds) * 1_000_000 + fraction
    return _with_fallback(values, micros, fields, _clock)


def _truth(value: object) -> int:
    if isinstance(value, bool | int):
        return int(value)
    text = str(value).strip().lower()
    if text not in _TRUE and text not in _FALSE:
        raise ValueError("not a boolean")
    return int(text in _TRUE)


def _day(value: object) -> int:
    if isinstance(value, datetime):
        value = value.date()
    elif not isinstance(value, date):
        text = str(value).strip()
        value = date.fromisoformat(text) if len(text) <= 10 else datetime.fromisoformat(text).date()
    return value.toordinal() - _EPOCH_DAY


def _clock(value: object) -> int:
    if isinstance(value, datetime):
        value = value.time()  # a timestamp into a TIME column keeps its time of day
    if isinstance(value, time):
        seconds = (value.hour * 60 + value.minute) * 60 + value.second
        return seconds * 1_000_000 + value.microsecond
    if isinstance(value, timedelta):
        return value // timedelta(microseconds=1)
    text = str(value).strip()
    match = re.match(_CLOCK, text.removeprefix("-"))
    if match is None:
        raise ValueError("not a time of day")
    hours, minutes, seconds, fraction = (match[name] or "0" for name in "hmsf")
    micros = ((int(hours) * 60 + int(minutes)) * 60 + int(seconds)) * 1_000_000
    micros += int(fraction.ljust(6, "0"))
    return -micros if text.startswith("-") else micros


def _moment(value: object, *, zoned: bool) -> int:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    else:
        moment = datetime.fromisoformat(str(value).strip())
    if moment.tzinfo is not None:
        # In a zone-aware column the instant counts; elsewhere the wall clock as written.
        moment = moment.astimezone(UTC) if zoned else moment
        moment = moment.replace(tzinfo=None)
    return (moment - _EPOCH) // timedelta(microseconds=1)


#: The number of one Python value, per measure.
NUMBER_OF: dict[ColumnMeasure, Callable[[Any], int]] = {
    M.BOOLEAN: _truth,
    M.DATE: _day,
    M.TIME: _clock,
    M.DATETIME: lambda value: _moment(value, zoned=False),
    M.INSTANT: lambda value: _moment(value, zoned=True),
}


# --- shared by the canonical forms --------------------------------------------------------------


def is_text(kind: pa.DataType) -> bool:
    """True for Arrow's two string types."""
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


def int64(values: pa.Array) -> np.ndarray:
    """A numeric or temporal array's integers (a writable int64 copy, 0 for NULL)."""
    kind = values.type
    if pa.types.is_temporal(kind):  # dates, times, timestamps: their integer storage
        values = values.view(pa.int32() if kind.bit_width == 32 else pa.int64())
    numbers = pc.fill_null(values.cast(pa.int64()), 0).to_numpy()
    return numbers.astype(np.int64, copy=True)


def each_number(
    values: pa.Array | Sequence[Any], convert: Callable[[Any], Any], dtype: type
) -> tuple[np.ndarray, np.ndarray | None]:
    """`convert` applied value by value (0 for NULL); a value it refuses is unreadable."""
    items = values.to_pylist() if isinstance(values, pa.Array) else list(values)
    numbers = np.zeros(len(items), dtype)
    unreadable = np.zeros(len(items), bool)
    for position, value in enumerate(items):
        if value is None:
            continue
        try:
            numbers[position] = convert(value)
        except (ValueError, TypeError, OverflowError, ArithmeticError):
            unreadable[position] = True
    return numbers, unreadable if unreadable.any() else None


def _with_fallback(
    values: pa.Array, numbers: np.ndarray, parsed: pa.Array, convert: Callable[[Any], int]
) -> tuple[np.ndarray, np.ndarray | None]:
    """Vectorised numbers, with the values the vectorised parse missed taken one by one."""
    missed = pc.and_(pc.is_valid(values), pc.is_null(parsed)).to_numpy(zero_copy_only=False)
    if not missed.any():
        return numbers, None
    positions = np.flatnonzero(missed)
    again, unreadable = each_number(values.take(pa.array(positions)), convert, np.int64)
    numbers[positions] = again
    if unreadable is None:
        return numbers, None
    everywhere = np.zeros(len(values), bool)
    everywhere[positions] = unreadable
    return numbers, everywhere
