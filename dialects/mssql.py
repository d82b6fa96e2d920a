"""Microsoft SQL Server, through pyodbc and Microsoft's ODBC Driver 18."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy.engine import URL

from dialects._sql import error_text, for_paramstyle, markers, non_key_columns
from dialects.base import Dialect
from dialects.column_types import MSSQL_TYPES
from dialects.registry import register_dialect
from dialects.value_text import duration_text
from models.connection_error import ConnectionErrorKind
from models.datasource import ConnectionSpec
from models.migration_run import ColumnMeasure as M

ODBC_DRIVER = "ODBC Driver 18 for SQL Server"
# LEN ignores trailing blanks (a '.' appended keeps them) and rejects TEXT, NTEXT and XML (the
# cast takes them). LEN counts UTF-16 units: an emoji counts 2 unless the column's collation
# is supplementary-character aware (_SC, _UTF8).
_LENGTHS = "SUM(LEN(CAST({c} AS NVARCHAR(MAX)) + N'.') - 1)"


def _hashed(text_sql: str) -> str:
    # MD5 of the UTF-8 bytes (a _UTF8 collation, SQL Server 2019+), its first 8 bytes read
    # big-endian as a BIGINT; summed as DECIMAL(38, 0), which cannot overflow.
    unicode = f"CAST({text_sql} AS NVARCHAR(MAX))"
    utf8 = f"CAST({unicode} COLLATE Latin1_General_100_BIN2_UTF8 AS VARCHAR(MAX))"
    return f"SUM(CAST(CAST(SUBSTRING(HASHBYTES('MD5', {utf8}), 1, 8) AS BIGINT) AS DECIMAL(38, 0)))"


def _microseconds(since: str) -> str:
    return f"SUM(CAST(DATEDIFF_BIG(MICROSECOND, {since}) AS DECIMAL(38, 0)))"


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
    supports_grouping_sets = True
    char_length_function = "LEN"
    concat_function = True  # T-SQL has no ||
    text_cast_type = "NVARCHAR(4000)"
    driver_install_hint = "pip install 'his-analyzer[mssql]' and Microsoft's ODBC Driver 18"
    type_rules = MSSQL_TYPES
    # Counted only: FLOAT and REAL (CONVERT gives 17 digits, not the engine's own value).
    checksum_sql = {
        M.TEXT: (_LENGTHS, _hashed("{c}")),
        M.CHAR: (_hashed("RTRIM({c})"),),
        M.BYTES: (_hashed("LOWER(CONVERT(VARCHAR(MAX), {c}, 2))"),),
        M.UUID: (_hashed("LOWER(CONVERT(CHAR(36), {c}))"),),
        M.BOOLEAN: ("SUM(CAST({c} AS INT))",),
        M.DATE: ("SUM(CAST(DATEDIFF(DAY, CAST('19700101' AS DATE), {c}) AS BIGINT))",),
        M.TIME: (_microseconds("CAST('00:00' AS TIME), {c}"),),
        M.DATETIME: (_microseconds("CAST('19700101' AS DATETIME2), {c}"),),
        M.INSTANT: (
            _microseconds(
                "CAST('19700101' AS DATETIME2), CAST(SWITCHOFFSET({c}, '+00:00') AS DATETIME2)"
            ),
        ),
    }

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

    def first_rows(self, select_sql: str, rows: int) -> str:
        # OFFSET … FETCH needs an ORDER BY; ordering by a constant keeps it free.
        return f"{select_sql} ORDER BY (SELECT NULL) OFFSET 0 ROWS FETCH NEXT {int(rows)} ROWS ONLY"

    def exact_text_key(self, expression: str) -> str:
        # Default collations ignore case, and every collation ignores trailing blanks (ANSI
        # padding): bytes do neither. 8000 bytes hold the NVARCHAR(4000) of as_text.
        return f"CAST({expression} AS VARBINARY(8000))"

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

    # truncate: the base class's DELETE; TRUNCATE TABLE fails on a table a foreign key names.

    def bindable_rows(self, rows: Iterable[Sequence[object]]) -> Iterable[Sequence[object]]:
        return bindable(rows)

    def upsert_sql(
        self,
        table: str,
        schema: str | None,
        columns: Sequence[str],
        key_columns: Sequence[str],
        paramstyle: str,
    ) -> str:
        # One MERGE per row through fast_executemany (parameter arrays in one round trip).
        # HOLDLOCK: without it two sessions can both find a key missing and both insert it.
        updates = non_key_columns(columns, key_columns)
        names = [self.quote(name) for name in columns]
        listed = ", ".join(names)
        matched = " AND ".join(f"[tgt].{key} = [src].{key}" for key in map(self.quote, key_columns))
        head = for_paramstyle(
            f"MERGE INTO {self.qualified(table, schema)} WITH (HOLDLOCK) AS [tgt] USING (VALUES",
            paramstyle,
        )
        sql = f"{head} ({', '.join(markers(len(columns), paramstyle))})) "
        tail = f"AS [src] ({listed}) ON {matched}"
        if updates:
            sets = ", ".join(f"[tgt].{name} = [src].{name}" for name in map(self.quote, updates))
            tail += f" WHEN MATCHED THEN UPDATE SET {sets}"
        values = ", ".join(f"[src].{name}" for name in names)
        tail += f" WHEN NOT MATCHED THEN INSERT ({listed}) VALUES ({values});"
        return sql + for_paramstyle(tail, paramstyle)

    def checksum_sum(self, expression: str) -> str:
        # SUM of an INT column is an INT and overflows past 2^31; DECIMAL(38, 10) holds 28
        # integer digits and the scale of any HIS amount.
        return f"SUM(CAST({expression} AS DECIMAL(38, 10)))"

    def checksum_length(self, expression: str) -> str:
        return _LENGTHS.format(c=expression)


def bindable(rows: Iterable[Sequence[object]]) -> Iterator[Sequence[object]]:
    """`rows` as pyodbc binds them: it binds no timedelta, so a MySQL TIME (a duration) goes as
    its text, which SQL Server's TIME reads up to a day and refuses beyond."""
    for row in rows:
        if any(type(value) is timedelta for value in row):
            yield tuple(duration_text(v) if isinstance(v, timedelta) else v for v in row)
        else:
            yield row
