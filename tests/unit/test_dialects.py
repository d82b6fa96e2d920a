"""Dialects: registry contents, URLs, quoting, error classification, generated T-SQL, and the
hooks services call instead of asking for an engine's name."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pyarrow as pa
import pymysql
import pytest
import sqlglot
from sqlalchemy import Column, Index, MetaData, Table, text
from sqlalchemy.dialects import mssql, mysql, postgresql
from sqlalchemy.exc import OperationalError
from sqlalchemy.schema import CreateIndex, CreateTable
from sqlalchemy.sql import sqltypes
from sqlalchemy.types import TypeEngine

from dialects.base import Dialect
from dialects.column_types import PortableType
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


def test_exact_text_keys_compare_bytes_where_collations_ignore_case_or_blanks() -> None:
    # MariaDB's and SQL Server's usual collations count 'a' and 'A ' as 'A': a GROUP BY on them
    # would merge values a VALUE_MAP tells apart. The T-SQL is checked by parsing it.
    keys = {name: get_dialect(name).exact_text_key("x") for name in dialects.names()}
    assert keys == {
        **dict.fromkeys(dialects.names(), "x"),
        "mysql": "CAST(x AS BINARY)",
        "mssql": "CAST(x AS VARBINARY(8000))",
    }
    mssql = get_dialect("mssql")
    value = mssql.as_text("[pttype]")
    sql = f"SELECT MIN({value}), COUNT(*) FROM [ovst] GROUP BY {mssql.exact_text_key(value)}"
    assert sqlglot.parse_one(sql, read="tsql").key == "select"


# --- hooks services call instead of asking for an engine's name --------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            ConnectionSpec(
                db_type="mysql", database="hos", host="db", username="his", password="p@ss/w:d"
            ),
            "mysql://his:p%40ss%2Fw%3Ad@db:3306/hos",
        ),
        (
            ConnectionSpec(db_type="postgresql", database="his db", host="pg", port=6432),
            "postgresql://@pg:6432/his%20db",
        ),
        (
            ConnectionSpec(db_type="sqlite", database="/data/demo.sqlite"),
            "sqlite:///data/demo.sqlite",
        ),
        (ConnectionSpec(db_type="mssql", database="HIS", host="sql01", username="sa"), None),
    ],
    ids=["mysql", "postgresql", "sqlite", "mssql"],
)
def test_fast_reader_url_quotes_credentials_and_is_none_where_connectorx_cannot_read(
    spec: ConnectionSpec, expected: str | None
) -> None:
    assert get_dialect(spec.db_type).arrow_url(spec) == expected


def test_relative_sqlite_path_becomes_absolute_for_the_fast_reader() -> None:
    url = get_dialect("sqlite").arrow_url(ConnectionSpec(db_type="sqlite", database="demo.db"))
    assert url == f"sqlite://{os.path.abspath('demo.db')}"


def test_only_mysql_sets_the_fast_readers_session_to_utf8mb4() -> None:
    sessions = {name: get_dialect(name).arrow_session_sql for name in dialects.names()}
    assert sessions == {
        "mssql": None,
        "mysql": "SET NAMES utf8mb4",
        "postgresql": None,
        "sqlite": None,
    }


def test_mysql_tables_are_innodb_utf8mb4_and_other_engines_get_no_options() -> None:
    options = {name: dict(get_dialect(name).table_options) for name in dialects.names()}
    assert options.pop("mysql") == {
        "mysql_engine": "InnoDB",
        "mysql_charset": "utf8mb4",
        "mysql_collate": "utf8mb4_unicode_ci",
    }
    assert options == {"mssql": {}, "postgresql": {}, "sqlite": {}}


def _index_ddl(db_type: str, *, unique: bool) -> str:
    table = Table(
        "lab",
        MetaData(),
        Column("note", mysql.LONGTEXT()),
        Column("image", mysql.LONGBLOB()),
        Column("hn", mysql.VARCHAR(20)),
    )
    dialect = get_dialect(db_type)
    columns = list(table.columns)
    index = Index(
        "ix_lab", *columns, unique=unique, **dialect.index_options(columns, unique=unique)
    )
    engine = {"mysql": mysql.dialect(), "postgresql": postgresql.dialect()}[db_type]
    return str(CreateIndex(index).compile(dialect=engine))


def test_mysql_indexes_text_and_blob_columns_by_a_191_character_prefix() -> None:
    assert (
        _index_ddl("mysql", unique=False)
        == "CREATE INDEX ix_lab ON lab (note(191), image(191), hn)"
    )
    # A unique index on a prefix would refuse rows that differ only after it.
    assert _index_ddl("mysql", unique=True) == "CREATE UNIQUE INDEX ix_lab ON lab (note, image, hn)"
    assert _index_ddl("postgresql", unique=False) == "CREATE INDEX ix_lab ON lab (note, image, hn)"


@pytest.mark.parametrize(
    ("column_type", "prefix"),
    [
        (mysql.TEXT(), 191),
        (sqltypes.Text(), 191),
        (mysql.LONGBLOB(), 191),
        (mysql.VARCHAR(768), None),
        (mysql.VARBINARY(40), None),
        (mysql.INTEGER(), None),
    ],
)
def test_mysql_index_prefix_covers_only_columns_without_a_length(
    column_type: TypeEngine, prefix: int | None
) -> None:
    assert get_dialect("mysql").index_prefix_length(column_type) == prefix


def test_each_dialect_renders_its_own_column_types() -> None:
    json = PortableType("json")
    got = {
        name: str(get_dialect(name).column_type(json).compile(dialect=engine))
        for name, engine in (
            ("mysql", mysql.dialect()),
            ("postgresql", postgresql.dialect()),
            ("mssql", mssql.dialect()),
        )
    }
    assert got == {"mysql": "JSON", "postgresql": "JSONB", "mssql": "NVARCHAR(max)"}
    text = get_dialect("mysql").logical_column_type("text", length=300, keyed=True)
    assert str(text.compile(dialect=mysql.dialect())) == "VARCHAR(300)"


def test_a_dialect_without_type_rules_is_refused_clearly() -> None:
    class Bare(Dialect):
        name = "bare"

    with pytest.raises(ValueError, match="no column type rules for database type 'bare'"):
        Bare().column_type(PortableType("integer", size=4))


def test_postgresql_encodes_batches_as_copy_text_and_other_engines_send_rows() -> None:
    batch = pa.RecordBatch.from_pydict({"hn": ["0001", "tab\there", None], "age": [7, None, 64]})
    assert get_dialect("postgresql").encode_batch(batch) == (b"0001\t7\ntab\\there\t\\N\n\\N\t64\n")
    binary = pa.RecordBatch.from_pydict({"image": [b"\x00\xff"]})
    assert get_dialect("postgresql").encode_batch(binary) is None  # not faithful as cast text
    assert [get_dialect(name).encode_batch(batch) for name in ("mysql", "sqlite", "mssql")] == [
        None,
        None,
        None,
    ]


def test_postgresql_exported_ddl_creates_enum_types_and_sequences_first() -> None:
    status = postgresql.ENUM("open", "closed", name="visit_status")
    table = Table(
        "visit",
        MetaData(),
        Column("id", sqltypes.Integer, server_default=text("nextval('visit_id_seq'::regclass)")),
        Column("status", status),
    )
    create = str(CreateTable(table).compile(dialect=postgresql.dialect()))
    prelude = get_dialect("postgresql").export_prelude([table], [create])
    assert [
        item if isinstance(item, str) else str(item.compile(dialect=postgresql.dialect()))
        for item in prelude
    ] == [
        "CREATE TYPE visit_status AS ENUM ('open', 'closed')",
        "CREATE SEQUENCE IF NOT EXISTS visit_id_seq",
    ]
    assert get_dialect("mysql").export_prelude([table], [create]) == []


def test_missing_driver_message_says_what_else_to_install() -> None:
    from services.connections import driver_missing

    assert str(driver_missing(get_dialect("mssql"))) == (
        "The Microsoft SQL Server driver 'pyodbc' is not installed (pip install "
        "'his-analyzer[mssql]' and Microsoft's ODBC Driver 18)."
    )
    assert str(driver_missing(get_dialect("postgresql"))) == (
        "The PostgreSQL driver 'psycopg2' is not installed."
    )


def test_services_import_no_private_dialect_module() -> None:
    # Engine knowledge stays behind the Dialect and dialects/bulk.py; the _modules may change.
    services = Path(__file__).parents[2] / "services"
    private = []
    for path in sorted(services.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            if any(name.startswith("dialects._") for name in names):
                private.append(f"{path.relative_to(services.parent)}:{node.lineno}")
    assert private == []


def test_text_is_joined_with_each_engines_own_operator() -> None:
    # || is OR on MySQL and unknown to T-SQL: they join with CONCAT(); the T-SQL parses.
    joined = {name: get_dialect(name).concat_text(["d", "t"]) for name in dialects.names()}
    assert joined["postgresql"] == "CAST(d AS TEXT) || ' ' || CAST(t AS TEXT)"
    assert joined["sqlite"] == "CAST(d AS TEXT) || ' ' || CAST(t AS TEXT)"
    assert joined["mysql"] == "CONCAT(CAST(d AS CHAR), ' ', CAST(t AS CHAR))"
    assert joined["mssql"] == "CONCAT(CAST(d AS NVARCHAR(4000)), ' ', CAST(t AS NVARCHAR(4000)))"
    assert sqlglot.parse_one(f"SELECT {joined['mssql']} FROM [ovst]", read="tsql").key == "select"
