"""MariaDB and MySQL, through PyMySQL."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.engine import URL

from dialects.base import Dialect, error_code
from dialects.registry import register_dialect
from models.connection_error import ConnectionErrorKind
from models.datasource import ConnectionSpec

# MySQL client/server error numbers that tell the causes apart.
_AUTH_ERRORS = {1045, 1698, 1251}
_UNKNOWN_DATABASE = 1049
_NO_DATABASE_RIGHTS = 1044
_UNREACHABLE_ERRORS = {2002, 2003, 2005, 2006, 2013}


@register_dialect("mysql")
class MySQLDialect(Dialect):
    display_name = "MariaDB / MySQL"
    driver = "mysql+pymysql"
    driver_module = "pymysql"
    default_port = 3306
    system_schemas = frozenset({"information_schema", "mysql", "performance_schema", "sys"})
    quote_chars = ("`", "`")
    version_sql = "SELECT VERSION()"
    text_cast_type = "CHAR"

    def build_url(self, spec: ConnectionSpec) -> URL:
        url = super().build_url(spec)
        # Thai text needs 4-byte-safe UTF-8 unless the datasource says otherwise.
        return url if "charset" in url.query else url.update_query_dict({"charset": "utf8mb4"})

    def connect_args(self, spec: ConnectionSpec) -> dict[str, Any]:
        args = super().connect_args(spec)
        if spec.password:
            # PyMySQL encodes a text password as latin-1 and fails on Thai; the server hashed
            # the UTF-8 bytes the password was created with, so send exactly those.
            args["password"] = spec.password.encode("utf-8")
        return args

    def row_estimate_sql(self) -> str:
        return (
            "SELECT table_name, table_rows FROM information_schema.tables "
            "WHERE table_schema = :schema AND table_type = 'BASE TABLE'"
        )

    @contextlib.contextmanager
    def sample_of(
        self,
        connection: Connection,
        qualified_table: str,
        percent: float,
        key_columns: Sequence[str] = (),
    ) -> Iterator[str]:
        if not key_columns:
            with super().sample_of(connection, qualified_table, percent) as source:
                yield source
            return
        # A hash of the primary key picks the same rows in every pass, and needs no right to
        # create temporary tables (read-only hospital accounts often lack it).
        key = ", ".join(self.quote(column) for column in key_columns)
        threshold = int(percent * 10_000)
        yield (
            f"(SELECT * FROM {qualified_table} "
            f"WHERE CRC32(CONCAT_WS(0x1F, {key})) MOD 1000000 < {threshold}) s"
        )

    def drop_temporary_sql(self, name: str) -> str:
        return f"DROP TEMPORARY TABLE {self.quote(name)}"

    def table_size_mb(self, connection: Connection, table: str, schema: str | None) -> float | None:
        size = connection.execute(
            text(
                "SELECT data_length + index_length FROM information_schema.tables "
                "WHERE table_schema = COALESCE(:schema, DATABASE()) AND table_name = :table"
            ),
            {"schema": schema, "table": table},
        ).scalar()
        return None if size is None else float(size) / 1_048_576

    def current_schema(self, connection: Connection) -> str | None:
        # In MySQL a schema is a database; the current one is the connection's database.
        return connection.execute(text("SELECT DATABASE()")).scalar()

    def classify_error(self, error: BaseException) -> ConnectionErrorKind:
        code = error_code(error)
        if code in _AUTH_ERRORS:
            return ConnectionErrorKind.AUTHENTICATION
        if code == _NO_DATABASE_RIGHTS:
            return ConnectionErrorKind.PERMISSION
        if code == _UNKNOWN_DATABASE:
            return ConnectionErrorKind.UNKNOWN_DATABASE
        if code in _UNREACHABLE_ERRORS:
            return ConnectionErrorKind.UNREACHABLE
        return ConnectionErrorKind.OTHER
