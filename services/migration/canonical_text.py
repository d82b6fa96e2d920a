"""The canonical text of each value of a fingerprinted column — the text the target engine's
checksum SQL renders of what it stored — from the Arrow array sent (vectorised where Arrow or
numpy can) or value by value:

- TEXT, JSON: the text as sent; a value that is not text, the text the bulk loaders send for
  it (Decimals without exponent, booleans 1/0, dates ISO);
- CHAR: the same without trailing blanks, as CHAR(n) reads back;
- JSONB: PostgreSQL's rendering of the parsed document: keys ordered by byte length then by
  bytes, the last of duplicate keys kept, `", "` and `": "`, numbers as its numeric prints
  them (1e2 → 100, 1.50 → 1.50, -0 → 0), strings escaped as escape_json does;
- BYTES: lower-case hex; UUID: lower-case 8-4-4-4-12;
- FLOAT / REAL: the big-endian IEEE-754 double / single in hex: the value the engine parsed,
  not a decimal rendering (engines print floats differently); -0 as 0 (SQLite keeps no -0).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dialects.bulk import text_field
from models.migration_run import ColumnMeasure
from services.migration.canonical_numbers import each_number, is_text

M = ColumnMeasure
_HEX_PAIRS = np.frombuffer(b"".join(b"%02x" % byte for byte in range(256)), np.uint16)
_UUID_TEXT = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


def canonical_text(
    measure: ColumnMeasure, values: pa.Array | Sequence[object]
) -> tuple[pa.Array, np.ndarray | None]:
    """Canonical texts (large_string, NULLs kept) and the unreadable rows (None: none)."""
    if not isinstance(values, pa.Array):
        return each_text(values, TEXT_OF[measure])
    kind = values.type
    if measure is M.BYTES and (_is_binary(kind) or is_text(kind)):
        return _hex(values), None
    if measure in (M.FLOAT, M.REAL):
        return _float_hex(values, single=measure is M.REAL)
    if not is_text(kind) and not pa.types.is_null(kind):
        return each_text(values, TEXT_OF[measure])
    text = values.cast(pa.large_string())
    if measure is M.CHAR:
        return pc.utf8_rtrim(text, characters=" "), None
    if measure is M.UUID:
        return _uuid_text(text)
    if measure is M.JSONB:
        return each_text(text, jsonb_text)
    return text, None


def loader_text(value: object) -> str:
    """The text a value becomes in a text column: itself for text, else what the bulk
    loaders send for it."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\x" + bytes(value).hex()  # bytea's text form, as COPY reads it back
    if isinstance(value, bool | int | float | Decimal | date | time | timedelta):
        return text_field(value)  # none of these carries a character the loaders escape
    return str(value)


def jsonb_text(text: str) -> str:
    """`text` parsed as JSON and rendered as PostgreSQL renders it from jsonb.

    Raises:
        ValueError: not JSON (PostgreSQL refuses it too).
    """
    parsed = json.loads(text, parse_float=Decimal, parse_int=Decimal, parse_constant=_refuse)
    return _jsonb(parsed)


def _jsonb(value: Any) -> str:
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda item: _key_order(item[0]))
        return "{" + ", ".join(f"{_jsonb(key)}: {_jsonb(item)}" for key, item in items) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(map(_jsonb, value)) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # escapes what escape_json escapes
    if isinstance(value, Decimal):
        return format(value.copy_abs() if value.is_zero() else value, "f")
    return {True: "true", False: "false", None: "null"}[value]


def _key_order(key: str) -> tuple[int, bytes]:
    encoded = key.encode()
    return len(encoded), encoded


def _refuse(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")


def _uuid_text(text: pa.Array) -> tuple[pa.Array, np.ndarray | None]:
    lowered = pc.utf8_lower(text)
    if pc.all(pc.match_substring_regex(lowered, _UUID_TEXT)).as_py() is not False:
        return lowered, None  # canonical already (or all NULL)
    # Braces, no dashes: the engine stores the same UUID; not a UUID: it refuses the row.
    return each_text(lowered, _uuid_value)


def _uuid_value(value: object) -> str:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return str(uuid.UUID(bytes=bytes(value)))
    return str(uuid.UUID(str(value)))


def _hex(values: pa.Array) -> pa.Array:
    """Lower-case hex of binary (or UTF-8 text) values, in one table lookup."""
    binary = values.cast(pa.large_binary())
    if binary.offset:
        binary = pa.concat_arrays([binary])  # buffers that start at the first value
    count = len(binary)
    offsets = np.frombuffer(binary.buffers()[1], np.int64, count + 1)
    raw = binary.buffers()[2]
    data = np.frombuffer(raw, np.uint8) if raw is not None else np.zeros(0, np.uint8)
    pairs = _HEX_PAIRS[data[offsets[0] : offsets[-1]]]
    return pa.LargeStringArray.from_buffers(
        count, pa.py_buffer((offsets - offsets[0]) * 2), pa.py_buffer(pairs), binary.buffers()[0]
    )


def _float_hex(values: pa.Array, *, single: bool) -> tuple[pa.Array, np.ndarray | None]:
    kind = values.type
    if pa.types.is_floating(kind) or pa.types.is_integer(kind) or pa.types.is_boolean(kind):
        numbers, unreadable = pc.fill_null(values.cast(pa.float64()), 0.0).to_numpy(), None
    else:  # decimals and text: float() rounds correctly, as the engine's own parser does
        numbers, unreadable = each_number(values, float, np.float64)
    raw = _ieee(numbers, single=single).view(np.uint8)
    width = 8 if single else 16
    hexed = pa.LargeStringArray.from_buffers(
        len(values),
        pa.py_buffer(np.arange(len(values) + 1, dtype=np.int64) * width),
        pa.py_buffer(_HEX_PAIRS[raw]),
    )
    return pc.if_else(values.is_null(), pa.scalar(None, pa.large_string()), hexed), unreadable


def _ieee(numbers: np.ndarray, *, single: bool) -> np.ndarray:
    # + 0.0 turns -0 into 0; every NaN becomes the one NaN the engines store.
    rounded = numbers.astype(np.float32 if single else np.float64) + 0.0
    rounded[np.isnan(rounded)] = np.nan
    return rounded.astype(">f4" if single else ">f8")


def _float_value(value: object, *, single: bool) -> str:
    return _ieee(np.array([float(value)]), single=single).tobytes().hex()  # type: ignore[arg-type]


def _bytes_value(value: object) -> str:
    raw = bytes(value) if isinstance(value, bytes | bytearray | memoryview) else None
    return (raw if raw is not None else loader_text(value).encode()).hex()


#: The canonical text of one Python value, per measure.
TEXT_OF: dict[ColumnMeasure, Callable[[Any], str]] = {
    M.TEXT: loader_text,
    M.JSON: loader_text,
    M.CHAR: lambda value: loader_text(value).rstrip(" "),
    M.JSONB: lambda value: jsonb_text(loader_text(value)),
    M.BYTES: _bytes_value,
    M.UUID: lambda value: _uuid_value(value.lower() if isinstance(value, str) else value),
    M.FLOAT: lambda value: _float_value(value, single=False),
    M.REAL: lambda value: _float_value(value, single=True),
}


def _is_binary(kind: pa.DataType) -> bool:
    return (
        pa.types.is_binary(kind)
        or pa.types.is_large_binary(kind)
        or pa.types.is_fixed_size_binary(kind)
    )


def each_text(
    values: pa.Array | Sequence[Any], convert: Callable[[Any], str]
) -> tuple[pa.Array, np.ndarray | None]:
    """`convert` applied value by value (NULL stays NULL); a value it refuses is unreadable."""
    items = values.to_pylist() if isinstance(values, pa.Array) else list(values)
    unreadable = np.zeros(len(items), bool)
    texts: list[str | None] = []
    for position, value in enumerate(items):
        try:
            texts.append(None if value is None else convert(value))
        except (ValueError, TypeError, OverflowError, UnicodeError):
            texts.append(None)
            unreadable[position] = True
    return pa.array(texts, pa.large_string()), unreadable if unreadable.any() else None
