"""MariaDB/MySQL values on their way in and out: the stream's view of a result, storable rows."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from dialects.result_column import ResultColumn
from dialects.value_text import duration_text

# PyMySQL's type codes (pymysql.constants.FIELD_TYPE) of the result columns the stream treats apart.
_TIME, _DECIMAL, _NEW_DECIMAL, _JSON = 11, 0, 246, 245
#: Decimals connectorx keeps: it reads every DECIMAL as decimal128(38, 10), rounding the rest.
_FAST_READER_SCALE = 10


def result_column(entry: Sequence[Any]) -> ResultColumn:
    """What the stream must know of one PyMySQL description entry (see Dialect.result_columns)."""
    name, code, length, scale = str(entry[0]), entry[1], entry[4], entry[5]
    if code == _TIME:
        return ResultColumn(name, duration=True)
    if code == _JSON:
        # MySQL's own JSON type; MariaDB's JSON is LONGTEXT, which connectorx reads as it is.
        return ResultColumn(name, fast_refusal=f"column {name} is JSON, which connectorx rewrites")
    if code not in (_DECIMAL, _NEW_DECIMAL) or not isinstance(scale, int):
        return ResultColumn(name)
    # The display length counts the sign and the point besides the digits.
    column = ResultColumn(name, scale=scale, precision=int(length) - (2 if scale else 1))
    if scale > _FAST_READER_SCALE:
        refusal = f"column {name} has {scale} decimals; connectorx keeps {_FAST_READER_SCALE}"
        return dataclasses.replace(column, fast_refusal=refusal)
    return column


def storable(rows: Iterable[Sequence[object]]) -> Iterator[Sequence[object]]:
    """`rows` with the values MariaDB cannot take as they are replaced by what it stores."""
    # DATETIME has no zone: an instant is stored as its UTC time (dialects/column_types.py);
    # MariaDB refuses the offset. PyMySQL writes a negative timedelta wrongly ('-1:59:59' for
    # minus one second), so durations go as their text.
    for row in rows:
        if any(type(value) in _CONVERTED for value in row):
            yield tuple(_storable_value(value) for value in row)
        else:
            yield row


def _storable_value(value: object) -> object:
    if isinstance(value, timedelta):
        return duration_text(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


_CONVERTED = frozenset({timedelta, datetime})
