"""SQLite files: the demo datasources and small local extracts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.engine import URL

from dialects._text_rows import text_field
from dialects.base import Dialect, error_text
from dialects.registry import register_dialect
from models.connection_error import ConnectionErrorKind
from models.datasource import ConnectionSpec


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

    def build_url(self, spec: ConnectionSpec) -> URL:
        # mode=rw: a mistyped path must fail, not silently create an empty database.
        return URL.create(
            self.driver, database=f"file:{spec.database}", query={"mode": "rw", "uri": "true"}
        )

    def engine_options(self, spec: ConnectionSpec) -> dict[str, Any]:
        return {"connect_args": {"check_same_thread": False, "timeout": 30}}

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

    def bulk_load(
        self,
        connection: Connection,
        table: str,
        schema: str | None,
        columns: Sequence[str],
        rows: Iterable[Sequence[object]],
    ) -> int:
        # sqlite3 binds no Decimal or time, and its date adapters are deprecated (Python 3.12):
        # store them as the ISO text SQLAlchemy's SQLite types read back.
        stored = _SQLITE_AS_TEXT
        adapted = (
            tuple(text_field(value) if type(value) in stored else value for value in row)
            for row in rows
        )
        return super().bulk_load(connection, table, schema, columns, adapted)


_SQLITE_AS_TEXT = frozenset({Decimal, date, datetime, time, timedelta})
