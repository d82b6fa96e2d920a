"""How a reject is written down: its source key as typed JSON (clear, in the target's reject
table), its value masked when it is an identifier, and the line a run log gives it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from models.migration_run import RejectedRow
from services.privacy import ColumnMask, column_mask

if TYPE_CHECKING:
    from services.migration.run_log import MigrationLogger

#: How much of a rejected value the reject table keeps.
MAX_VALUE_CHARS = 200
#: Rejects of one batch named one by one in the run log; the others are counted.
LOGGED_PER_BATCH = 20

# Key values JSON has no type for are tagged, so a replay compares a DECIMAL key with a
# Decimal and a DATE key with a date, never with text: `{"$": "date", "value": "2024-01-31"}`.
_DECODERS: dict[str, Callable[[str], Any]] = {
    "decimal": Decimal,
    "datetime": datetime.fromisoformat,
    "date": date.fromisoformat,
    "time": time.fromisoformat,
    "bytes": bytes.fromhex,
    "uuid": uuid.UUID,
    "text": str,
}


def encode_key(key: Sequence[Any]) -> str:
    """The key as the reject table keeps it: a JSON array, ints as ints, text as text.

    The same key always gives the same text, so rejects of one row are found by it.
    """
    return json.dumps([_json_part(value) for value in key], ensure_ascii=False)


def decode_key(text: str) -> tuple[Any, ...]:
    """The key `encode_key` wrote, with its types back (an old table's text stays text)."""
    parts = json.loads(text)
    if not isinstance(parts, list):
        return (parts,)
    return tuple(_python_part(part) for part in parts)


def _json_part(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    for tag, kind in (("decimal", Decimal), ("datetime", datetime), ("date", date)):
        if isinstance(value, kind):  # datetime before date: a datetime is a date too
            return {"$": tag, "value": str(value) if tag == "decimal" else value.isoformat()}
    if isinstance(value, time):
        return {"$": "time", "value": value.isoformat()}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$": "bytes", "value": bytes(value).hex()}
    if isinstance(value, uuid.UUID):
        return {"$": "uuid", "value": str(value)}
    return {"$": "text", "value": str(value)}


def _python_part(part: Any) -> Any:
    if isinstance(part, dict) and part.get("$") in _DECODERS:
        return _DECODERS[part["$"]](part["value"])
    return part


def masked_value(column: str, value: Any, mask: ColumnMask | None = None) -> Any:
    """`value` as it may be shown or stored: identifiers masked, CIDs scrubbed, text cut short.

    Args:
        column: The value's column.
        value: The value.
        mask: The column's mask decided on more of its values (`column_mask`); without it the
            value alone decides, which masks a 13-digit number passing the checksum as a CID.
    """
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    mask = mask or column_mask(column, [text])
    if mask.kind is None and isinstance(value, int | float):
        return value
    # PostgreSQL text cannot hold NUL, and the reject table may be there: shown as \0.
    return mask(text).replace("\x00", "\\0")[:MAX_VALUE_CHARS]


def describe_key(key_columns: Sequence[str], key: Sequence[Any]) -> tuple[str, bool]:
    """The key as a person may see it, and whether it is an identifier.

    An identifier (an HN, a citizen ID, a phone number…, by the column's name or its value)
    is masked; a masked key matches no source row, so messages and logs leave such a key out
    and name the row by its reference instead.
    """
    columns = list(key_columns) + [""] * (len(key) - len(key_columns))
    clear = ["NULL" if value is None else str(value) for value in key]
    shown = [
        "NULL" if value is None else str(masked_value(column, value))
        for column, value in zip(columns, key, strict=False)
    ]
    return ", ".join(shown), shown != clear


def stop_place(row: RejectedRow, keys: Sequence[tuple[Any, ...]], ordinal: int) -> str:
    """Where the row that stopped a run is, for its message; the batch was rolled back, so
    there is no reject id: "batch 2 (source keys 41 to 80), row 10 (source row 50 in id order,
    key 50)". An identifier key is left out: "batch 2, row 10 (source row 50 in hn order)".

    Args:
        row: The failing row as a reject (its batch and row numbers set).
        keys: The source keys of the batch's rows, in order.
        ordinal: The row's place among the source rows read in key order (1 for the first).
    """
    if row.key_columns:
        place = f"source row {ordinal:,} in {', '.join(row.key_columns)} order"
    else:
        place = f"row {ordinal:,} read from the source"
    ends = [describe_key(row.key_columns, key) for key in [*keys[:1], *keys[-1:]] if key]
    if row.shown_key is None or len(ends) < 2 or any(hidden for _, hidden in ends):
        return f"batch {row.batch}, row {row.row} ({place})"
    (first, _), (last, _) = ends
    return (
        f"batch {row.batch} (source keys {first} to {last}), "
        f"row {row.row} ({place}, key {row.shown_key})"
    )


def log_rejects(run_log: MigrationLogger, rows: Sequence[RejectedRow], step: str) -> None:
    """Name a batch's stored rejects in the run log by their reference (at most
    `LOGGED_PER_BATCH`); the key only when it is not an identifier, the value never."""
    for row in rows[:LOGGED_PER_BATCH]:
        key = f", source key {row.shown_key}" if row.shown_key is not None else ""
        run_log.info(
            "rejected %s%s: %s (%s): %s",
            row.reference,
            key,
            row.column or "the row",
            row.stage,
            row.reason,
        )
    if len(rows) > LOGGED_PER_BATCH:
        last = rows[-1]
        run_log.info(
            "… and %d more rejects in batch %s: his-analyzer rejects show %s --run %s",
            len(rows) - LOGGED_PER_BATCH,
            last.batch,
            step,
            last.run_id,
        )
