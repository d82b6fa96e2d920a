"""SQLite's checksum aggregates. SQLite has no hash function and keeps dates as text, so the
dialect registers these Python aggregates on each connection it reads checksums on.

Each reads a value as SQLite stored it (ISO text for dates and times, REAL for floats, TEXT
affinity turning numbers into text) and renders the canonical form the migration hashes or
sums of what it sent (services/migration/fingerprints.py: written apart, on purpose, so the
integration tests compare two implementations).
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

FINGERPRINT = "his_fingerprint"
NUMBER_SUM = "his_number_sum"

_MODULUS = 1 << 64
_EPOCH = datetime(1970, 1, 1)
_EPOCH_DAY = date(1970, 1, 1).toordinal()
_CLOCK = re.compile(r"(-?)(\d+):(\d\d)(?::(\d\d)(?:\.(\d{1,6}))?)?")
_TRUE = frozenset({"t", "true", "y", "yes", "on", "1"})
_FALSE = frozenset({"f", "false", "n", "no", "off", "0"})


class Fingerprint:
    """his_fingerprint(form, value): the sum modulo 2^64 of the first 64 bits (big-endian) of
    the MD5 of each value's canonical text; NULL when there is no value."""

    def __init__(self) -> None:
        self.total = 0
        self.seen = False

    def step(self, form: str, value: object) -> None:
        if value is None:
            return
        self.seen = True
        digest = hashlib.md5(_canonical(form, value), usedforsecurity=False).digest()
        self.total = (self.total + int.from_bytes(digest[:8], "big")) % _MODULUS

    def finalize(self) -> str | None:
        return str(self.total) if self.seen else None


class NumberSum:
    """his_number_sum(kind, value): the exact sum of booleans as 1/0, dates as days since
    1970-01-01, times as microseconds since midnight, timestamps as microseconds since 1970
    (an offset written with one: converted to UTC). 'NaN' when a stored value is none of
    these, so the column shows as a mismatch."""

    def __init__(self) -> None:
        self.total: int | None = None
        self.unreadable = False

    def step(self, kind: str, value: object) -> None:
        if value is None:
            return
        try:
            number = _NUMBERS[kind](value)
        except (ValueError, TypeError, OverflowError):
            self.unreadable = True
            return
        self.total = number + (self.total or 0)

    def finalize(self) -> str | None:
        # Text, so a sum past 2^63 does not overflow on its way out.
        return "NaN" if self.unreadable else None if self.total is None else str(self.total)


def _canonical(form: str, value: object) -> bytes:
    if form == "bytes":
        raw = bytes(value) if isinstance(value, bytes | bytearray) else str(value).encode()
        return raw.hex().encode()
    if form == "float":
        # + 0.0: SQLite keeps no negative zero anyway.
        return struct.pack(">d", float(value) + 0.0).hex().encode()  # type: ignore[arg-type]
    if isinstance(value, bytes):
        text = "\\x" + value.hex()
    elif isinstance(value, float):
        text = repr(value)
    else:
        text = str(value)
    return (text.rstrip(" ") if form == "char" else text).encode()


def _truth(value: object) -> int:
    if isinstance(value, int | float):
        return int(value)
    text = str(value).strip().lower()
    if text not in _TRUE and text not in _FALSE:
        raise ValueError("not a boolean")
    return int(text in _TRUE)


def _days(value: object) -> int:
    text = str(value).strip()
    day = date.fromisoformat(text) if len(text) <= 10 else datetime.fromisoformat(text).date()
    return day.toordinal() - _EPOCH_DAY


def _clock(value: object) -> int:
    match = _CLOCK.fullmatch(str(value).strip())
    if match is None:
        raise ValueError("not a time of day")
    sign, hours, minutes, seconds, fraction = match.groups()
    whole = (int(hours) * 60 + int(minutes)) * 60 + int(seconds or 0)
    micros = whole * 1_000_000 + int((fraction or "").ljust(6, "0"))
    return -micros if sign else micros


def _moment(value: object) -> int:
    moment = datetime.fromisoformat(str(value).strip())
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return (moment - _EPOCH) // timedelta(microseconds=1)


_NUMBERS: dict[str, Callable[[object], int]] = {
    "boolean": _truth,
    "date": _days,
    "time": _clock,
    "datetime": _moment,
}
