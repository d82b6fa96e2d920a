"""Rows as tab-separated text for COPY FROM STDIN (PostgreSQL) and LOAD DATA (MariaDB/MySQL).

Both engines read the same "text" format: fields split by tab, rows ended by newline, `\\N` for
NULL, and backslash escapes for backslash, tab, newline and carriage return. Only bytes differ:
PostgreSQL reads bytea as `\\x` + hex, MariaDB gets plain hex that the LOAD statement UNHEXes.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import islice
from typing import Any

NULL = "\\N"
#: Rows encoded per block: large enough to amortise the joins, small enough to stream.
BLOCK_ROWS = 5_000

Row = Sequence[object]


class BulkLoadError(Exception):
    """The engine accepted a bulk load only partly (skipped rows or altered values).

    Published by dialects/bulk.py: catch it from there.
    """


def escape_text(value: str) -> str:
    """`value` with backslash, tab, newline and carriage return written as escapes."""
    # Most values hold none of the four; four `in` scans are cheaper than one translate().
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return (
            value.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return value


def _timedelta_text(value: timedelta) -> str:
    # PyMySQL reads TIME columns as timedelta; str() would give "-1 day, 23:00:00".
    micro = value.days * 86_400_000_000 + value.seconds * 1_000_000 + value.microseconds
    sign, micro = ("-", -micro) if micro < 0 else ("", micro)
    seconds, fraction = divmod(micro, 1_000_000)
    text = f"{sign}{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    return f"{text}.{fraction:06d}" if fraction else text


def _decimal_text(value: Decimal) -> str:
    text = str(value)  # four times faster than format(value, "f")
    return format(value, "f") if "E" in text else text  # never exponent form: 1E+3 -> 1000


def _cached(encode: Callable[[Any], str], limit: int = 100_000) -> Callable[[Any], str]:
    # A HIS column holds few distinct days and times of day, and isoformat() costs ~0.7 us:
    # remember each text. Aware values are not cached (equal instants, different offsets).
    cache: dict[Any, str] = {}

    def encoder(value: Any) -> str:
        text = cache.get(value)
        if text is None:
            text = encode(value)
            if len(cache) < limit and getattr(value, "tzinfo", None) is None:
                cache[value] = text
        return text

    return encoder


_date_text = _cached(date.isoformat)
_time_text = _cached(time.isoformat)


def _datetime_text(value: datetime) -> str:
    if value.tzinfo is not None:
        return value.isoformat(" ")
    # Cached day + cached time of day: about three times faster than isoformat() itself.
    return f"{_date_text(value.date())} {_time_text(value.time())}"


def postgres_bytes(value: bytes | bytearray | memoryview) -> str:
    """bytea's hex input form, its backslash already escaped for COPY text."""
    return "\\\\x" + bytes(value).hex()


_ENCODERS: dict[type, Callable[[Any], str]] = {
    str: escape_text,
    int: int.__repr__,
    bool: lambda value: "1" if value else "0",  # both engines read 1/0 as true/false
    float: float.__repr__,
    Decimal: _decimal_text,
    date: _date_text,
    datetime: _datetime_text,
    time: _time_text,
    timedelta: _timedelta_text,
    type(None): lambda _: NULL,
}
_SUPERCLASSES = (bool, int, float, Decimal, datetime, date, time, timedelta, str)


def text_field(value: object, binary: Callable[[Any], str] = postgres_bytes) -> str:
    """One value as a text-format field; `binary` encodes bytes, bytearray and memoryview.

    Published by dialects/bulk.py: the one text form of a value (a TIME beyond 24 hours
    becomes '838:59:59', a Decimal never takes exponent form).
    """
    encoder = _ENCODERS.get(type(value))
    if encoder is not None:
        return encoder(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return binary(value)
    for kind in _SUPERCLASSES:  # subclasses: numpy.str_, pandas.Timestamp, enum members...
        if isinstance(value, kind):
            return _ENCODERS[kind](value)
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        return text_field(item(), binary)
    return escape_text(str(value))


def text_lines(rows: Iterable[Row], binary: Callable[[Any], str] = postgres_bytes) -> str:
    """Rows as text-format lines, each ended by a newline."""
    encoders = _ENCODERS
    parts = []
    for row in rows:
        fields = []
        for value in row:
            encoder = encoders.get(type(value))
            fields.append(encoder(value) if encoder is not None else text_field(value, binary))
        parts.append("\t".join(fields))
    parts.append("")
    return "\n".join(parts) if len(parts) > 1 else ""


def chunked(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    """`rows` in lists of at most `size` (itertools.batched arrives only in Python 3.12)."""
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


class TextRowStream(io.RawIOBase):
    """A read-only file over rows encoded on demand, for `cursor.copy_expert`.

    Encodes `BLOCK_ROWS` rows at a time, so a million-row load never holds one giant string.
    """

    def __init__(self, rows: Iterable[Row]) -> None:
        super().__init__()
        self._blocks = chunked(rows, BLOCK_ROWS)
        # bytearray: deleting from the front is cheap, so reads never copy the whole block.
        self._buffer = bytearray()
        self.rows = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            block = next(self._blocks, None)
            if block is None:
                break
            self.rows += len(block)
            self._buffer += text_lines(block).encode("utf-8")
        if size < 0:
            size = len(self._buffer)
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def readinto(self, target: Any) -> int:
        data = self.read(len(target))
        target[: len(data)] = data
        return len(data)
