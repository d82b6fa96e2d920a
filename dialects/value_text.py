"""The one text form of every value a database driver hands over, defined once.

A value travels as text whenever no Arrow type carries it (UUID, inet, arrays, a mixed SQLite
column) and whenever a bulk loader writes it (COPY, LOAD DATA). Every path takes its text
from here, so the same value never arrives spelt two ways:

| Python value (driver)            | text                                               |
| -------------------------------- | -------------------------------------------------- |
| str (JSON too: the server's text)| itself                                             |
| bool                             | 1 / 0 (both engines read them as true/false)       |
| int                              | its digits                                         |
| float                            | repr: the shortest text that reads back the same   |
| Decimal                          | plain notation with its own scale, never 1E+3      |
| date                             | 2024-02-29                                         |
| datetime (naive)                 | 2024-02-29 23:59:59[.ffffff]                       |
| datetime (aware)                 | with its offset: 2024-02-29 16:59:59.5+00:00       |
| time (naive / aware)             | 23:59:59[.ffffff] / 12:00:00+07:00                 |
| timedelta (MySQL TIME)           | [-]HH:MM:SS[.ffffff], hours unbounded: 838:59:59   |
| bytes, bytearray, memoryview     | \\x00ff (PostgreSQL's bytea text)                   |
| uuid.UUID                        | a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11               |
| ipaddress addresses and networks | 192.168.0.1, 10.0.0.0/8, ::1                       |
| list, tuple (PostgreSQL arrays)  | {1,2,NULL}, {"a b","c,d"} (PostgreSQL's array text)|
| dict (JSON a driver decoded)     | json.dumps, non-ASCII kept: {"a": 1}               |
| None                             | NULL (no text; loaders write their NULL marker)    |

The drivers are told not to decode JSON (dialects/postgresql.py): JSON arrives as its text and
a JSON `null` stays the text 'null'. A dict reaches this module only from a driver we do not
configure, and such a driver's None for a JSON null can no longer be told from SQL NULL.
"""

from __future__ import annotations

import ipaddress
import json
import uuid
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

#: Characters that make PostgreSQL quote an array element (array_out): its syntax and blanks.
_ARRAY_SPECIAL = frozenset('{},"\\ \t\n\r\v\f')


def decimal_text(value: Decimal) -> str:
    """Plain notation, scale kept: 12.50 stays 12.50, 1E+3 becomes 1000."""
    text = str(value)  # four times faster than format(value, "f")
    return format(value, "f") if "E" in text else text


def duration_text(value: timedelta) -> str:
    """A signed duration as MySQL TIME and PostgreSQL interval both read and print it.

    str() would give "-1 day, 23:59:59"; this gives "-00:00:01", and "838:59:59" for
    MySQL's longest TIME.
    """
    micro = value.days * 86_400_000_000 + value.seconds * 1_000_000 + value.microseconds
    sign, micro = ("-", -micro) if micro < 0 else ("", micro)
    seconds, fraction = divmod(micro, 1_000_000)
    text = f"{sign}{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    return f"{text}.{fraction:06d}" if fraction else text


def datetime_text(value: datetime) -> str:
    """ISO with a space, an aware value with its offset (the readers hand over UTC)."""
    return value.isoformat(" ")


def bytes_text(value: bytes | bytearray | memoryview) -> str:
    """PostgreSQL's text of a bytea: \\x and the hex digits."""
    return "\\x" + bytes(value).hex()


def array_text(values: list | tuple) -> str:
    """A (nested) list as PostgreSQL writes an array: {1,2,NULL}, {"a b","c,d"}."""
    return "{" + ",".join(_array_element(value) for value in values) + "}"


def _array_element(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, list | tuple):
        return array_text(value)
    text = value_text(value)
    if text == "" or text.upper() == "NULL" or not _ARRAY_SPECIAL.isdisjoint(text):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=value_text)


_TEXT: dict[type, Callable[[Any], str]] = {
    str: str.__str__,
    bool: lambda value: "1" if value else "0",
    int: int.__repr__,
    float: float.__repr__,
    Decimal: decimal_text,
    date: date.isoformat,
    datetime: datetime_text,
    time: time.isoformat,
    timedelta: duration_text,
    bytes: bytes_text,
    bytearray: bytes_text,
    memoryview: bytes_text,
    uuid.UUID: str,
    list: array_text,
    tuple: array_text,
    dict: _json_text,
}
#: Checked in order for subclasses (numpy.str_, pandas.Timestamp, enum members...): bool
#: before int, datetime before date.
_KINDS = (
    bool,
    int,
    float,
    Decimal,
    datetime,
    date,
    time,
    timedelta,
    str,
    bytes,
    uuid.UUID,
    list,
    tuple,
    dict,
)
_ADDRESSES = (
    ipaddress.IPv4Address,
    ipaddress.IPv6Address,
    ipaddress.IPv4Network,
    ipaddress.IPv6Network,
    ipaddress.IPv4Interface,
    ipaddress.IPv6Interface,
)


def value_text(value: object) -> str:
    """The text of one non-NULL value (see the table above); unknown types give str()."""
    encode = _TEXT.get(type(value))
    if encode is not None:
        return encode(value)
    for kind in _KINDS:
        if isinstance(value, kind):
            return _TEXT[kind](value)
    if isinstance(value, _ADDRESSES):
        return str(value)
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        return value_text(item())
    return str(value)
