"""LOAD DATA LOCAL INFILE for MariaDB/MySQL: rows go to a temporary file that is loaded in parts."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from dialects._text_rows import (
    BLOCK_ROWS,
    NULL,
    BulkLoadError,
    Row,
    chunked,
    text_field,
    text_lines,
)

if TYPE_CHECKING:
    from dialects.base import Dialect

#: Rows per file: bounds the temporary file and lets progress move between parts.
FILE_ROWS = 200_000
#: Errors meaning "LOCAL INFILE is switched off" (server or client side), not a data problem.
LOCAL_INFILE_REFUSED = frozenset({1148, 2068, 3948, 4166})
_BINARY = (bytes, bytearray, memoryview)


class _NewBinaryColumn(Exception):
    """A bytes value turned up in a column that is not yet loaded through UNHEX."""


def _refuse_binary(value: Any) -> str:
    raise _NewBinaryColumn


def _hex_field(value: object) -> str:
    # Binary columns travel as hex: the file is read as utf8mb4, which raw bytes may not be.
    if value is None:
        return NULL
    if isinstance(value, _BINARY):
        return bytes(value).hex()
    text = value if isinstance(value, str) else text_field(value)
    return text.encode("utf-8").hex()


def _encode(block: list[Row], hex_columns: frozenset[int]) -> str:
    if not hex_columns:
        return text_lines(block, binary=_refuse_binary)
    lines = [
        "\t".join(
            _hex_field(value) if index in hex_columns else text_field(value, _refuse_binary)
            for index, value in enumerate(row)
        )
        for row in block
    ]
    return "\n".join(lines) + "\n"


def _binary_columns(block: list[Row]) -> frozenset[int]:
    return frozenset(
        index for row in block for index, value in enumerate(row) if isinstance(value, _BINARY)
    )


def write_parts(
    rows: Iterable[Row], path: str, file_rows: int | None = None
) -> Iterator[tuple[int, frozenset[int]]]:
    """Write `rows` to `path` a part at a time; yields (rows in the file, hex columns) when a
    part is ready to load, and reuses the file for the next part once the caller resumes.

    A column gets loaded through UNHEX from the first part in which it carries bytes; that
    part starts a new file, so every file has one fixed set of hex columns.
    """
    file_rows = file_rows or FILE_ROWS
    hex_columns: frozenset[int] = frozenset()
    pending = 0
    with open(path, "wb") as file:

        def ready() -> Iterator[tuple[int, frozenset[int]]]:
            nonlocal pending
            file.flush()
            yield pending, hex_columns
            file.seek(0)
            file.truncate()
            pending = 0

        for block in chunked(rows, BLOCK_ROWS):
            try:
                data = _encode(block, hex_columns)
            except _NewBinaryColumn:
                if pending:
                    yield from ready()
                hex_columns |= _binary_columns(block)
                data = _encode(block, hex_columns)
            file.write(data.encode("utf-8"))
            pending += len(block)
            if pending >= file_rows:
                yield from ready()
        if pending:
            yield from ready()


def load_data_sql(
    dialect: Dialect,
    table: str,
    schema: str | None,
    columns: Sequence[str],
    hex_columns: frozenset[int] = frozenset(),
) -> str:
    """The LOAD DATA statement for one file; the file name is its single %s parameter."""
    targets = [
        f"@h{index}" if index in hex_columns else dialect.quote(name)
        for index, name in enumerate(columns)
    ]
    unhex = [f"{dialect.quote(columns[index])} = UNHEX(@h{index})" for index in sorted(hex_columns)]
    # Hex literals instead of '\t' and '\\': they mean the same under NO_BACKSLASH_ESCAPES.
    sql = (
        f"LOAD DATA LOCAL INFILE %s INTO TABLE {dialect.qualified(table, schema)} "
        "CHARACTER SET utf8mb4 FIELDS TERMINATED BY X'09' ESCAPED BY X'5C' "
        f"LINES TERMINATED BY X'0A' ({', '.join(targets)})"
    )
    if unhex:
        sql += f" SET {', '.join(unhex)}"
    # PyMySQL formats the statement with `%`: a percent sign in a name must be doubled.
    return sql.replace("%", "%%").replace("%%s", "%s", 1)


def check_loaded(connection: Connection, table: str, loaded: int, expected: int) -> None:
    """Fail when the server skipped or altered rows.

    With LOCAL the server cannot stop the client mid-file, so it downgrades every error to a
    warning (IGNORE semantics, even in strict mode): a duplicate key drops the row and a bad
    date becomes 0000-00-00. Only the warning count tells.
    """
    warnings = connection.exec_driver_sql("SELECT @@warning_count").scalar_one()
    if loaded == expected and not warnings:
        return
    shown = connection.exec_driver_sql("SHOW WARNINGS LIMIT 3").all()
    detail = "; ".join(f"{code} {message}" for _, code, message in shown)
    raise BulkLoadError(
        f"LOAD DATA into {table} stored {loaded} of {expected} rows with {warnings} "
        f"warning(s): {detail or 'no details'}"
    )
