"""Microsoft SQL Server, through pyodbc and Microsoft's ODBC Driver 18."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import URL

from dialects.base import Dialect, error_text
from dialects.registry import register_dialect
from models.connection_error import ConnectionErrorKind
from models.datasource import ConnectionSpec

ODBC_DRIVER = "ODBC Driver 18 for SQL Server"


@register_dialect("mssql")
class MSSQLDialect(Dialect):
    display_name = "Microsoft SQL Server"
    sqlglot_dialect = "tsql"
    driver = "mssql+pyodbc"
    driver_module = "pyodbc"
    default_port = 1433
    default_schema = "dbo"
    system_schemas = frozenset(
        {
            "sys",
            "INFORMATION_SCHEMA",
            "guest",
            "db_owner",
            "db_accessadmin",
            "db_securityadmin",
            "db_ddladmin",
            "db_backupoperator",
            "db_datareader",
            "db_datawriter",
            "db_denydatareader",
            "db_denydatawriter",
        }
    )
    quote_chars = ("[", "]")
    version_sql = "SELECT @@VERSION"
    SUPPORTS_GROUPING_SETS = True
    char_length_function = "LEN"
    text_cast_type = "NVARCHAR(4000)"

    def build_url(self, spec: ConnectionSpec) -> URL:
        url = super().build_url(spec)
        defaults = {
            "driver": ODBC_DRIVER,
            # Hospital servers mostly run self-signed certificates; Driver 18 encrypts by default.
            "TrustServerCertificate": "yes",
        }
        return url.update_query_dict({k: v for k, v in defaults.items() if k not in url.query})

    def connect_args(self, spec: ConnectionSpec) -> dict[str, Any]:
        return {"timeout": self.connect_timeout}

    def engine_options(self, spec: ConnectionSpec) -> dict[str, Any]:
        # fast_executemany sends parameter arrays in one round trip instead of one per row.
        return {**super().engine_options(spec), "fast_executemany": True}

    def row_estimate_sql(self) -> str:
        return (
            "SELECT t.name AS table_name, SUM(p.rows) AS row_estimate "
            "FROM sys.tables AS t "
            "JOIN sys.schemas AS s ON s.schema_id = t.schema_id "
            "JOIN sys.partitions AS p ON p.object_id = t.object_id AND p.index_id IN (0, 1) "
            "WHERE s.name = :schema GROUP BY t.name"
        )

    def is_empty(self, expression: str) -> str:
        # LEN ignores trailing blanks, so LEN('   ') = 0; DATALENGTH counts them.
        return f"DATALENGTH({expression}) = 0"

    def limit(self, select_sql: str, rows: int) -> str:
        return f"{select_sql} OFFSET 0 ROWS FETCH NEXT {int(rows)} ROWS ONLY"

    def repeatable_sample_sql(
        self, qualified_table: str, percent: float, key_columns: Sequence[str]
    ) -> str | None:
        # REPEATABLE: every pass of the profile reads the same pages.
        return f"{qualified_table} TABLESAMPLE ({float(percent)} PERCENT) REPEATABLE (42)"

    def random_fraction(self) -> str:
        return "RAND(CHECKSUM(NEWID()))"

    def classify_error(self, error: BaseException) -> ConnectionErrorKind:
        message = error_text(error)
        if "im002" in message or "can't open lib" in message or "no module named" in message:
            return ConnectionErrorKind.DRIVER_MISSING
        if "28000" in message or "login failed" in message:
            return ConnectionErrorKind.AUTHENTICATION
        if "4060" in message or "cannot open database" in message:
            return ConnectionErrorKind.UNKNOWN_DATABASE
        if "08001" in message or "hyt00" in message or "login timeout" in message:
            return ConnectionErrorKind.UNREACHABLE
        return ConnectionErrorKind.OTHER
