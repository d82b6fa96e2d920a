"""Values the target would refuse, found before the load, column by column in Arrow.

A row the target refuses makes its whole bulk load fail; finding it by halving the batch in
savepoints costs about log2(batch) loads per bad row, so a table with many bad rows crawls.
What the column types alone decide — NULL into NOT NULL, text longer than the column, text
that is no number into a number, a zero date, invalid JSON, bytes that are no text, a NUL in
PostgreSQL text, a duration in a time-of-day column — is checked here, vectorised, and such
rows go to quarantine with the reason without ever reaching the database. Bisection remains
for what only the engine can judge (keys, constraints, triggers).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.sql import sqltypes

from dialects.base import Dialect
from services.migration.processor import RowProblem
from utils.arrow_bytes import holds_any

# A check gives, for an Arrow column, a mask of the values that fail it (None: none fail).
Check = Callable[[pa.Array], np.ndarray | None]

_NUMBER = r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$"
_WHOLE_NUMBER = r"^\s*[-+]?\d+\s*$"
_ZERO_DATE = r"^\s*(\d{4}-00-|\d{4}-\d{2}-00|0000-)"
_BEYOND_A_DAY = r"^\s*(-|\d{3,}:|2[4-9]:|[3-9]\d:)"


@dataclass(frozen=True, slots=True)
class ColumnCheck:
    """One check of one target column: what fails it, and why (never quoting the value)."""

    column: str
    fails: Check
    reason: Callable[[pa.Array, int], str]


class TargetChecks:
    """The checks of a target table's mapped columns, built once per run from its reflection."""

    def __init__(
        self,
        columns: list[dict[str, Any]],
        dialect: Dialect,
        mapped: list[str],
        json_columns: frozenset[str] = frozenset(),
    ) -> None:
        wanted = {name.lower(): name for name in mapped}
        self._checks: list[ColumnCheck] = []
        for column in columns:
            name = wanted.get(column["name"].lower())
            if name is not None:
                is_json = column["name"] in json_columns
                self._checks += _checks_for(name, column, dialect, is_json=is_json)

    def problems(
        self, batch: pa.RecordBatch, skip: set[tuple[int, str | None]] = frozenset()
    ) -> list[RowProblem]:
        """The refusals of `batch`'s rows: every failing check, except for the (row, column)
        pairs in `skip` (a value a transformer already failed is not judged again)."""
        found: list[RowProblem] = []
        names = batch.schema.names
        for check in self._checks:
            array = batch.column(names.index(check.column))
            mask = check.fails(array)
            if mask is None:
                continue
            for position in np.flatnonzero(mask).tolist():
                if (position, check.column) not in skip:
                    reason = f"the target would refuse it: {check.reason(array, position)}"
                    value = array[position].as_py()
                    found.append(RowProblem(position, check.column, value, reason, "load"))
        return found


def _checks_for(
    name: str, column: Mapping[str, Any], dialect: Dialect, *, is_json: bool
) -> list[ColumnCheck]:
    kind = column["type"]
    checks = []
    # NULL into MySQL's AUTO_INCREMENT column numbers the row: only the engine knows.
    if not column.get("nullable", True) and column.get("autoincrement") is not True:
        checks.append(ColumnCheck(name, _nulls, lambda _a, _p: "null value into a NOT NULL column"))
    if not dialect.enforces_column_types:
        return checks
    if is_json or isinstance(kind, sqltypes.JSON):
        checks.append(ColumnCheck(name, _not_json, lambda _a, _p: "not valid JSON"))
    elif isinstance(kind, sqltypes.String):
        checks += _text_checks(name, kind, dialect)
    elif isinstance(kind, sqltypes.Integer):
        checks.append(ColumnCheck(name, _text_not_matching(_WHOLE_NUMBER), _not_a_whole_number))
        portable = dialect.portable_type(kind)
        if portable.size:
            low, high = _integer_range(8 * portable.size, unsigned=portable.unsigned)
            checks.append(ColumnCheck(name, _outside(low, high), _out_of(low, high)))
    elif isinstance(kind, sqltypes.Numeric):
        checks.append(ColumnCheck(name, _text_not_matching(_NUMBER), lambda _a, _p: "not a number"))
    elif isinstance(kind, sqltypes.Date | sqltypes.DateTime):
        checks.append(ColumnCheck(name, _text_matching(_ZERO_DATE), lambda _a, _p: _ZERO_REASON))
    elif isinstance(kind, sqltypes.Time) and not dialect.time_holds_durations:
        checks.append(ColumnCheck(name, _durations, lambda _a, _p: _DURATION_REASON))
    return checks


_ZERO_REASON = "a zero date, or month or day 00 (ZERO_DATE_TO_NULL turns zero dates to NULL)"
_DURATION_REASON = "a duration beyond a day, or negative: the column holds a time of day"


def _text_checks(name: str, kind: sqltypes.String, dialect: Dialect) -> list[ColumnCheck]:
    checks = [ColumnCheck(name, _bytes_not_utf8, lambda _a, _p: "bytes that are not UTF-8 text")]
    if kind.length:
        limit = int(kind.length)

        def too_long(array: pa.Array, position: int) -> str:
            chars = len(str(array[position].as_py()))
            return f"value too long: {chars} characters, the column holds at most {limit}"

        checks.append(ColumnCheck(name, _longer_than(limit), too_long))
    if not dialect.text_holds_nul:
        reason = f"a NUL character, which {dialect.display_name} text cannot hold"
        checks.append(ColumnCheck(name, _holding_nul, lambda _a, _p: reason))
    return checks


# --- the checks: Arrow in, a mask of failing values out --------------------------------------


def _nulls(array: pa.Array) -> np.ndarray | None:
    return _mask(pc.is_null(array)) if array.null_count else None


def _is_text(array: pa.Array) -> bool:
    return pa.types.is_string(array.type) or pa.types.is_large_string(array.type)


def _longer_than(limit: int) -> Check:
    def check(array: pa.Array) -> np.ndarray | None:
        if not _is_text(array):
            return None
        # No more bytes than the limit means no more characters: read from the offsets alone,
        # without scanning the text (most batches of most columns stop here).
        widest = pc.max(pc.binary_length(array)).as_py()
        if not widest or widest <= limit:
            return None
        lengths = pc.utf8_length(array)
        longest = pc.max(lengths).as_py()
        return _mask(pc.greater(lengths, limit)) if longest and longest > limit else None

    return check


def _text_matching(pattern: str) -> Check:
    def check(array: pa.Array) -> np.ndarray | None:
        if not _is_text(array):
            return None
        matches = pc.match_substring_regex(array, pattern)
        return _mask(matches) if pc.any(matches).as_py() else None

    return check


def _text_not_matching(pattern: str) -> Check:
    def check(array: pa.Array) -> np.ndarray | None:
        if not _is_text(array):
            return None
        refused = pc.invert(pc.match_substring_regex(array, pattern))
        return _mask(refused) if pc.any(refused).as_py() else None

    return check


def _outside(low: int, high: int) -> Check:
    def check(array: pa.Array) -> np.ndarray | None:
        if not pa.types.is_integer(array.type) or len(array) == array.null_count:
            return None
        extremes = pc.min_max(array)
        if extremes["min"].as_py() >= low and extremes["max"].as_py() <= high:
            return None
        return _mask(pc.or_(pc.less(array, low), pc.greater(array, high)))

    return check


def _holding_nul(array: pa.Array) -> np.ndarray | None:
    if not _is_text(array) or not holds_any(array, b"\x00"):
        return None
    found = pc.match_substring(array, "\x00")
    return _mask(found) if pc.any(found).as_py() else None


def _durations(array: pa.Array) -> np.ndarray | None:
    if _is_text(array):
        return _text_matching(_BEYOND_A_DAY)(array)
    if pa.types.is_duration(array.type):
        day = pa.scalar(86_400 * 10**9, pa.int64())
        nanos = pc.cast(pc.cast(array, pa.duration("ns")), pa.int64())
        refused = pc.or_(pc.less(nanos, 0), pc.greater_equal(nanos, day))
        return _mask(refused) if pc.any(refused).as_py() else None
    return None


def _not_json(array: pa.Array) -> np.ndarray | None:
    if not _is_text(array):
        return None
    refused = np.zeros(len(array), dtype=bool)
    for position, value in enumerate(array.to_pylist()):  # no vectorised JSON parser: per value
        if value is not None:
            try:
                json.loads(value)
            except ValueError:
                refused[position] = True
    return refused if refused.any() else None


def _bytes_not_utf8(array: pa.Array) -> np.ndarray | None:
    if not (pa.types.is_binary(array.type) or pa.types.is_large_binary(array.type)):
        return None
    refused = np.zeros(len(array), dtype=bool)
    for position, value in enumerate(array.to_pylist()):
        if value is not None:
            try:
                value.decode("utf-8")
            except UnicodeDecodeError:
                refused[position] = True
    return refused if refused.any() else None


def _mask(values: pa.Array) -> np.ndarray:
    return values.fill_null(False).to_numpy(zero_copy_only=False).astype(bool)


def _integer_range(bits: int, *, unsigned: bool) -> tuple[int, int]:
    return (0, 2**bits - 1) if unsigned else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)


def _out_of(low: int, high: int) -> Callable[[pa.Array, int], str]:
    def reason(_array: pa.Array, _position: int) -> str:
        return f"outside the column's range ({low:,} to {high:,})"

    return reason


def _not_a_whole_number(_array: pa.Array, _position: int) -> str:
    return "not a whole number"
