"""Exact arithmetic of the checksums: sums of integers and decimals that never round, and the
one text form both sides of a reconciliation write them in."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Context, Decimal, InvalidOperation

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from models.migration_run import ColumnMeasure

# Sums of millions of decimals need more digits than the default context's 28 to stay exact.
EXACT = Context(prec=200)
#: Hash sums wrap around at 2^64 on both sides.
HASH_MODULUS = 1 << 64


def exact_sum(name: str, values: Iterable[object]) -> int | Decimal:
    """The exact sum of Python values as the target holds them (bools 1/0, numeric text).

    Raises:
        ValueError: a value is not a number (the value itself stays out of the message).
    """
    integers = 0
    decimals: Decimal | None = None
    for value in values:
        if isinstance(value, int):  # bool too: True is 1
            integers += value
            continue
        number = as_number(value, name)
        if isinstance(number, int):
            integers += number
        else:
            decimals = number if decimals is None else EXACT.add(decimals, number)
    return integers if decimals is None else EXACT.add(decimals, integers)


def arrow_total(column: pa.Array, measure: ColumnMeasure) -> int | Decimal | None:
    """A SUM or SUM_LENGTH column's aggregate computed by Arrow, or None when only Python can
    be exact."""
    kind = column.type
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


def int64_sum(values: np.ndarray) -> int:
    """The exact sum of int64 values (numpy's own sum wraps around past 2^63)."""
    high, low = values >> 32, values & 0xFFFFFFFF  # each half sums without overflow
    return (int(high.sum(dtype=np.int64)) << 32) + int(low.sum(dtype=np.int64))


def add(total: int | Decimal, more: int | Decimal) -> int | Decimal:
    """`total + more`, exactly."""
    if isinstance(total, int) and isinstance(more, int):
        return total + more  # Python ints never overflow or round
    return EXACT.add(Decimal(total), Decimal(more))


def as_number(value: object, name: str = "") -> int | Decimal:
    """A value as the exact number the target holds (a driver result or a streamed value).

    Raises:
        ValueError: not a number.
    """
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
        return as_number(item(), name)
    raise ValueError(f"Column {name} got a {type(value).__name__} value, not a number.")


def text_length(value: object) -> int:
    """Characters of the text the bulk loaders send for a value."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, bool):
        return 1  # sent as 1 or 0
    if isinstance(value, Decimal):
        return len(_decimal_text(value))
    return len(str(value))


def exact_text(total: int | Decimal) -> str:
    """The one text form both sides agree on: 12.5 (not 12.50), 1000 (not 1E+3), 0."""
    if isinstance(total, int):
        return str(total)
    if not total.is_finite():
        return str(total)  # NaN, Infinity: PostgreSQL's numeric has them
    if total == 0:
        return "0"
    return format(total.normalize(EXACT), "f")


def hash_text(total: int) -> str:
    """A hash sum as 0x and 16 hex digits: never mistaken for a number."""
    return f"0x{total % HASH_MODULUS:016x}"


def parse_part(text: str | None) -> int | Decimal:
    """One part of an aggregate's text back as a number (a hash sum as its integer)."""
    if text is None:
        return 0
    if text.startswith("0x"):
        return int(text, 16)
    try:
        return int(text)
    except ValueError:
        return Decimal(text)


def _decimal_text(value: Decimal) -> str:
    text = str(value)
    return format(value, "f") if "E" in text else text


# --- an aggregate's text ------------------------------------------------------------------------


def joined(measure: ColumnMeasure, totals: list[int | Decimal]) -> str:
    """An aggregate's text: its parts, hash sums in hex, separated by blanks."""
    return " ".join(
        hash_text(int(total)) if part == "hash" else exact_text(total)
        for part, total in zip(measure.parts, totals, strict=True)
    )


def parts_of(total: str | None, parts: int) -> list[str | None]:
    """The texts of an aggregate's `parts` parts (all None for no aggregate)."""
    if total is None:
        return [None] * parts
    return total.split(" ") if parts > 1 else [total]


def difference(after: str | None, before: str | None) -> str:
    """`after − before`, part by part: exact for sums, modulo 2^64 for hash sums."""
    shape = (after or before or "").split(" ")
    afters, befores = parts_of(after, len(shape)), parts_of(before, len(shape))
    parts = []
    for template, high, low in zip(shape, afters, befores, strict=True):
        later, earlier = parse_part(high), parse_part(low)
        if template.startswith("0x"):
            parts.append(hash_text(int(later) - int(earlier)))
        else:
            parts.append(exact_text(EXACT.subtract(Decimal(later), Decimal(earlier))))
    return " ".join(parts)


def is_zero(total: str) -> bool:
    """True when every part of an aggregate is zero."""
    return all(part in ("0", hash_text(0)) for part in total.split(" "))


def integral(number: int | Decimal) -> int | Decimal:
    """Engines return sums of whole numbers as NUMERIC/DECIMAL: 12 rather than 12.0."""
    if isinstance(number, Decimal) and number.is_finite() and number == number.to_integral():
        return int(number)
    return number
