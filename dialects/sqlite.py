"""SQLite files: the demo datasources and small local extracts."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Context, Decimal
from typing import Any

from sqlalchemy import Connection, Integer, event, text
from sqlalchemy.engine import URL, Engine

from dialects._sql import error_text
from dialects._sqlite_checksums import FINGERPRINT, NUMBER_SUM, Fingerprint, NumberSum
from dialects._text_rows import text_field
from dialects.base import Dialect
from dialects.column_types import SQLITE_TYPES
from dialects.registry import register_dialect
from models.connection_error import ConnectionErrorKind
from models.datasource import ConnectionSpec
from models.migration_run import ColumnMeasure as M


@register_dialect("sqlite")
class SQLiteDialect(Dialect):
    display_name = "SQLite (file)"
    sqlglot_dialect = "sqlite"
    driver = "sqlite+pysqlite"
    driver_module = "sqlite3"
    needs_server = False
    version_sql = "SELECT sqlite_version()"
    char_length_function = "LENGTH"
    text_cast_type = "TEXT"
    # Its ALTER TABLE has no ADD CONSTRAINT.
    supports_adding_primary_key = False
    type_rules = SQLITE_TYPES
    arrow_scheme = "sqlite"
    # Any value goes into any column (type affinity), and TIME is whatever text it is given.
    enforces_column_types = False
    time_holds_durations = True
    # It numbers rows itself only for a column declared exactly INTEGER PRIMARY KEY (64-bit).
    row_id_type = Integer
    # MD5, through the Python aggregates prepare_checksum_session registers; REAL columns
    # hold doubles whatever their declared size, hence FLOAT and no REAL.
    checksum_sql = {
        M.TEXT: ("SUM(LENGTH({c}))", f"{FINGERPRINT}('text', {{c}})"),
        M.CHAR: (f"{FINGERPRINT}('char', {{c}})",),
        M.JSON: (f"{FINGERPRINT}('text', {{c}})",),
        M.BYTES: (f"{FINGERPRINT}('bytes', {{c}})",),
        M.FLOAT: (f"{FINGERPRINT}('float', {{c}})",),
        M.BOOLEAN: (f"{NUMBER_SUM}('boolean', {{c}})",),
        M.DATE: (f"{NUMBER_SUM}('date', {{c}})",),
        M.TIME: (f"{NUMBER_SUM}('time', {{c}})",),
        M.DATETIME: (f"{NUMBER_SUM}('datetime', {{c}})",),
    }

    def build_url(self, spec: ConnectionSpec) -> URL:
        # mode=rw: a mistyped path must fail, not silently create an empty database.
        return URL.create(
            self.driver, database=f"file:{spec.database}", query={"mode": "rw", "uri": "true"}
        )

    def arrow_url(self, spec: ConnectionSpec) -> str | None:
        return f"{self.arrow_scheme}://{os.path.abspath(spec.database)}"

    def engine_options(self, spec: ConnectionSpec) -> dict[str, Any]:
        return {"connect_args": {"check_same_thread": False, "timeout": 30}}

    def prepare_engine(self, engine: Engine) -> None:
        # sqlite3 begins a transaction on its own, and only before a write: a SAVEPOINT taken
        # first (each load attempt takes one) then runs outside any transaction, and releasing
        # it commits, so rolling back the batch or a test run undid nothing. SQLAlchemy's
        # documented remedy: the driver begins nothing, and the engine's own BEGIN is sent.
        event.listen(engine, "connect", _driver_begins_nothing)
        event.listen(engine, "begin", _begin)

    def current_schema(self, connection: Connection) -> str | None:
        return "main"

    def row_estimates(self, connection: Connection, schema: str | None) -> dict[str, int | None]:
        # SQLite keeps no row statistics; demo files are small enough to count exactly.
        prefix = f"{self.quote(schema)}." if schema else ""
        names = connection.execute(
            text(
                f"SELECT name FROM {prefix}sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%'"
            )
        ).scalars()
        return {
            name: connection.execute(
                text(f"SELECT COUNT(*) FROM {prefix}{self.quote(name)}")
            ).scalar_one()
            for name in list(names)
        }

    def table_size_mb(self, connection: Connection, table: str, schema: str | None) -> float | None:
        # dbstat is compiled into Python's SQLite on most platforms; without it, no size.
        try:
            size = connection.execute(
                text("SELECT SUM(pgsize) FROM dbstat WHERE name = :table"), {"table": table}
            ).scalar()
        except Exception:  # noqa: BLE001 - "no such table: dbstat"
            return None
        return None if size is None else size / 1_048_576

    def random_fraction(self) -> str:
        # random() is a signed 64-bit integer; map it onto [0, 1).
        return "((random() / 18446744073709551616.0) + 0.5)"

    def classify_error(self, error: BaseException) -> ConnectionErrorKind:
        if "unable to open database file" in error_text(error):
            return ConnectionErrorKind.UNKNOWN_DATABASE
        return ConnectionErrorKind.OTHER

    # upsert: the base class's INSERT … ON CONFLICT (SQLite 3.24+), one row at a time in
    # order, so a key sent twice keeps its last row.

    def bindable_rows(self, rows: Iterable[Sequence[object]]) -> Iterable[Sequence[object]]:
        return _bindable(rows)

    def prepare_checksum_session(self, connection: Connection) -> None:
        # Registered per connection: the function lives in the sqlite3 connection, not the file.
        raw = connection.connection.driver_connection
        raw.create_aggregate(_EXACT_SUM, 1, _ExactSum)  # type: ignore[union-attr]
        raw.create_aggregate(FINGERPRINT, 2, Fingerprint)  # type: ignore[union-attr]
        raw.create_aggregate(NUMBER_SUM, 2, NumberSum)  # type: ignore[union-attr]

    def checksum_sum(self, expression: str) -> str:
        return f"{_EXACT_SUM}({expression})"


def _driver_begins_nothing(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None


def _begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN")


def _bindable(rows: Iterable[Sequence[object]]) -> Iterator[tuple[object, ...]]:
    # sqlite3 binds no Decimal or time, and its date adapters are deprecated (Python 3.12):
    # store them as the ISO text SQLAlchemy's SQLite types read back.
    stored = _SQLITE_AS_TEXT
    return (
        tuple(text_field(value) if type(value) in stored else value for value in row)
        for row in rows
    )


_EXACT_SUM = "his_exact_sum"
# Sums of many decimals need more digits than the default 28 to stay exact.
_EXACT = Context(prec=200)


class _ExactSum:
    """SUM without floating point: SQLite keeps DECIMAL values as REAL, and its own SUM of
    them drifts (0.1 + 0.2). Each stored value is read back as the shortest decimal that
    gives the same double, which is the value sent when it had at most 15 digits."""

    def __init__(self) -> None:
        self.total = Decimal(0)
        self.seen = False

    def step(self, value: object) -> None:
        if value is None:
            return
        self.seen = True
        if isinstance(value, float):
            value = repr(value)
        self.total = _EXACT.add(self.total, Decimal(value))  # type: ignore[arg-type]

    def finalize(self) -> str | None:
        # Text, so the exact sum does not turn back into a float on its way out.
        return str(self.total) if self.seen else None


_SQLITE_AS_TEXT = frozenset({Decimal, date, datetime, time, timedelta})
