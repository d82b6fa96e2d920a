"""SQL and driver helpers the dialect modules share: parameter markers, batches, error codes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection

from dialects._text_rows import chunked


def markers(count: int, paramstyle: str) -> list[str]:
    """`count` positional parameter markers for the DB-API `paramstyle`."""
    if paramstyle == "qmark":
        return ["?"] * count
    if paramstyle == "numeric":
        return [f":{number}" for number in range(1, count + 1)]
    return ["%s"] * count


def for_paramstyle(sql: str, paramstyle: str) -> str:
    """`sql` (holding no parameter markers) made safe for the driver's parameter formatting.

    format/pyformat drivers format the statement with `%`: a percent sign in a name is doubled.
    """
    return sql.replace("%", "%%") if paramstyle in ("format", "pyformat") else sql


def non_key_columns(columns: Sequence[str], key_columns: Sequence[str]) -> list[str]:
    """The columns an upsert updates; raises ValueError when the key is empty or not loaded."""
    if not key_columns:
        raise ValueError("An upsert needs at least one key column.")
    missing = [name for name in key_columns if name not in columns]
    if missing:
        raise ValueError(f"Key column(s) {', '.join(missing)} are not among the loaded columns.")
    return [name for name in columns if name not in key_columns]


def execute_batches(connection: Connection, sql: str, rows: Iterable[Sequence[object]]) -> int:
    """Run the positional `sql` once per row through executemany, 10,000 rows at a time.

    Returns:
        The number of rows sent.
    """
    written = 0
    for chunk in chunked(rows, 10_000):
        connection.exec_driver_sql(sql, [tuple(row) for row in chunk])
        written += len(chunk)
    return written


def execute_plain(connection: Connection, sql: str) -> None:
    """Run `sql` without parameters, so the driver leaves `%` and `:` in names alone."""
    connection.exec_driver_sql(sql, execution_options={"no_parameters": True})


def error_text(error: BaseException) -> str:
    """The driver's own message of a (possibly SQLAlchemy-wrapped) error, lower-cased."""
    original = getattr(error, "orig", None) or error
    return str(original).lower()


def error_code(error: BaseException) -> int | None:
    """The numeric code a DB-API error carries as its first argument (MySQL), if any."""
    original = getattr(error, "orig", None) or error
    args = getattr(original, "args", ())
    return args[0] if args and isinstance(args[0], int) else None
