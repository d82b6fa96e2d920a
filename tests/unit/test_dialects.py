"""Dialects: registry contents, URLs, quoting, error classification, generated T-SQL."""

from __future__ import annotations

import pymysql
import pytest
import sqlglot
from sqlalchemy.exc import OperationalError

from dialects.registry import dialects, get_dialect
from models.connection_error import ConnectionErrorKind
from models.datasource import ConnectionSpec


def test_every_builtin_engine_registers_itself() -> None:
    get_dialect("mysql")  # imports the package
    assert dialects.names() == ["mssql", "mysql", "postgresql", "sqlite"]


@pytest.mark.parametrize(
    ("db_type", "expected"),
    [
        ("mysql", "mysql+pymysql://his:***@db.hospital.local:3306/hos?charset=utf8mb4"),
        ("postgresql", "postgresql+psycopg2://his:***@db.hospital.local:5432/hos"),
    ],
)
def test_server_urls_use_default_ports_and_hide_the_password(db_type: str, expected: str) -> None:
    spec = ConnectionSpec(
        db_type=db_type, database="hos", host="db.hospital.local", username="his", password="p@ss"
    )
    url = get_dialect(db_type).build_url(spec)
    assert str(url) == expected
    assert url.password == "p@ss"


def test_mssql_url_names_odbc_driver_18_and_trusts_self_signed_certificates() -> None:
    spec = ConnectionSpec(
        db_type="mssql", database="HIS", host="sql01", username="sa", password="x;y}z"
    )
    url = get_dialect("mssql").build_url(spec)
    assert url.drivername == "mssql+pyodbc"
    assert url.port == 1433
    assert url.query["driver"] == "ODBC Driver 18 for SQL Server"
    assert url.query["TrustServerCertificate"] == "yes"
    # Special characters survive URL encoding and come back intact.
    assert url.password == "x;y}z"


def test_mssql_options_override_the_defaults() -> None:
    spec = ConnectionSpec(
        db_type="mssql",
        database="HIS",
        host="sql01",
        options=(("TrustServerCertificate", "no"), ("Encrypt", "yes")),
    )
    url = get_dialect("mssql").build_url(spec)
    assert url.query["TrustServerCertificate"] == "no"
    assert url.query["Encrypt"] == "yes"


def test_sqlite_url_refuses_to_create_a_missing_file() -> None:
    url = get_dialect("sqlite").build_url(ConnectionSpec(db_type="sqlite", database="/x/his.db"))
    assert url.database == "file:/x/his.db"
    assert url.query == {"mode": "rw", "uri": "true"}


@pytest.mark.parametrize(
    ("db_type", "identifier", "quoted"),
    [
        ("mysql", "ov`st", "`ov``st`"),
        ("postgresql", 'pa"tient', '"pa""tient"'),
        ("mssql", "lab]head", "[lab]]head]"),
        ("sqlite", "ovst", '"ovst"'),
    ],
)
def test_identifiers_are_quoted_with_embedded_quotes_doubled(
    db_type: str, identifier: str, quoted: str
) -> None:
    assert get_dialect(db_type).quote(identifier) == quoted


def _wrapped(error: Exception) -> OperationalError:
    return OperationalError("connect", {}, error)


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (1045, ConnectionErrorKind.AUTHENTICATION),
        (1049, ConnectionErrorKind.UNKNOWN_DATABASE),
        (1044, ConnectionErrorKind.PERMISSION),
        (2003, ConnectionErrorKind.UNREACHABLE),
        (1105, ConnectionErrorKind.OTHER),
    ],
)
def test_mysql_errors_are_classified_by_code(code: int, kind: ConnectionErrorKind) -> None:
    error = _wrapped(pymysql.err.OperationalError(code, "message"))
    assert get_dialect("mysql").classify_error(error) is kind


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        (
            'FATAL:  password authentication failed for user "his"',
            ConnectionErrorKind.AUTHENTICATION,
        ),
        ('FATAL:  database "hos" does not exist', ConnectionErrorKind.UNKNOWN_DATABASE),
        (
            'connection to server at "127.0.0.1", port 5999 failed: Connection refused',
            ConnectionErrorKind.UNREACHABLE,
        ),
        ('could not translate host name "nohost" to address', ConnectionErrorKind.UNREACHABLE),
        ('FATAL:  permission denied for database "hos"', ConnectionErrorKind.PERMISSION),
        ("SSL SYSCALL error", ConnectionErrorKind.OTHER),
    ],
)
def test_postgresql_errors_are_classified_by_message(
    message: str, kind: ConnectionErrorKind
) -> None:
    assert get_dialect("postgresql").classify_error(_wrapped(Exception(message))) is kind


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        (
            "('28000', \"[28000] Login failed for user 'sa'. (18456)\")",
            ConnectionErrorKind.AUTHENTICATION,
        ),
        (
            "('42000', '[42000] Cannot open database \"HIS\" (4060)')",
            ConnectionErrorKind.UNKNOWN_DATABASE,
        ),
        ("('HYT00', '[HYT00] Login timeout expired (0)')", ConnectionErrorKind.UNREACHABLE),
        (
            "('01000', \"[01000] Can't open lib 'ODBC Driver 18 for SQL Server'\")",
            ConnectionErrorKind.DRIVER_MISSING,
        ),
    ],
)
def test_mssql_errors_are_classified_by_sqlstate(message: str, kind: ConnectionErrorKind) -> None:
    assert get_dialect("mssql").classify_error(_wrapped(Exception(message))) is kind


def test_mssql_row_estimate_query_is_valid_tsql() -> None:
    # No SQL Server runs here: the generated T-SQL is checked by parsing it as T-SQL.
    sql = get_dialect("mssql").row_estimate_sql().replace(":schema", "'dbo'")
    tree = sqlglot.parse_one(sql, read="tsql")
    assert tree.key == "select"
    tables = {table.name for table in tree.find_all(sqlglot.exp.Table)}
    assert tables == {"tables", "schemas", "partitions"}


def test_mssql_version_and_qualified_names_are_valid_tsql() -> None:
    mssql = get_dialect("mssql")
    sqlglot.parse_one(mssql.version_sql, read="tsql")
    sql = f"SELECT COUNT(*) FROM {mssql.qualified('ovst', 'dbo')}"
    table = sqlglot.parse_one(sql, read="tsql").find(sqlglot.exp.Table)
    assert (table.db, table.name) == ("dbo", "ovst")


def test_database_types_list_servers_first_for_forms() -> None:
    from services.datasources import database_types

    kinds = database_types()
    assert [k.name for k in kinds] == ["mysql", "mssql", "postgresql", "sqlite"]
    assert [k.default_port for k in kinds] == [3306, 1433, 5432, None]
    assert [k.needs_server for k in kinds] == [True, True, True, False]


def test_mssql_profile_queries_are_valid_tsql() -> None:
    # No SQL Server here: the profiler's T-SQL is checked by parsing it as T-SQL.
    from services.profiling.queries import (
        ColumnKind,
        ProfiledColumn,
        aggregate_sql,
        first_values_sql,
        grouping_sets_sql,
    )

    mssql = get_dialect("mssql")
    columns = [
        ProfiledColumn("hn", ColumnKind.TEXT),
        ProfiledColumn("income", ColumnKind.NUMBER),
        ProfiledColumn("vstdate", ColumnKind.TEMPORAL),
    ]
    source = mssql.repeatable_sample_sql(mssql.qualified("ovst", "dbo"), 5, ())
    assert source == "[dbo].[ovst] TABLESAMPLE (5.0 PERCENT) REPEATABLE (42)"
    for sql in (
        aggregate_sql(mssql, "[dbo].[ovst]", columns, deep=True),
        grouping_sets_sql(mssql, "[dbo].[ovst]", columns, keep=6),
        first_values_sql(mssql, "[dbo].[ovst]", columns[0], keep=6),
    ):
        tree = sqlglot.parse_one(sql, read="tsql")
        assert tree.key == "select", sql
    grouped = sqlglot.parse_one(
        grouping_sets_sql(mssql, "[dbo].[ovst]", columns, keep=6), read="tsql"
    )
    assert grouped.find(sqlglot.exp.GroupingSets) is not None
    assert "DATALENGTH([hn]) = 0" in aggregate_sql(mssql, "[dbo].[ovst]", columns, deep=True)
