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

from dialects.value_text import decimal_text, duration_text, value_text

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


# The forms are dialects/value_text.py's; only the fast paths and the escaping are added here.
_ENCODERS: dict[type, Callable[[Any], str]] = {
    str: escape_text,
    int: int.__repr__,
    bool: lambda value: "1" if value else "0",
    float: float.__repr__,
    Decimal: decimal_text,
    date: _date_text,
    datetime: _datetime_text,
    time: _time_text,
    timedelta: duration_text,
    type(None): lambda _: NULL,
}
_BINARY = (bytes, bytearray, memoryview)


def text_field(value: object, binary: Callable[[Any], str] = postgres_bytes) -> str:
    """One value as a text-format field; `binary` encodes bytes, bytearray and memoryview.

    Published by dialects/bulk.py: the one text form of a value (dialects/value_text.py),
    escaped for COPY and LOAD DATA.
    """
    encoder = _ENCODERS.get(type(value))
    if encoder is not None:
        return encoder(value)
    if isinstance(value, _BINARY):
        return binary(value)
    return escape_text(value_text(value))


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
