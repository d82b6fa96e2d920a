"""Column type translation: each rule compiled to the DDL text of every target engine."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlglot
from sqlalchemy import Column, MetaData, Table
from sqlalchemy.dialects import mssql, mysql, postgresql, sqlite
from sqlalchemy.schema import CreateTable
from sqlalchemy.sql import sqltypes
from sqlalchemy.types import TypeEngine

from data_transformers.dates import SHORTEST_DATE_WITH_CLOCK
from data_transformers.registry import get_transformer, run_transformer
from dialects.column_types import LOGICAL_TYPES
from dialects.translate import logical_type, translate_type

DIALECTS = {
    "postgresql": postgresql.dialect(),
    "mysql": mysql.dialect(),
    "sqlite": sqlite.dialect(),
    "mssql": mssql.dialect(),
}
TARGETS = tuple(DIALECTS)


def ddl(column_type: TypeEngine, target: str) -> str:
    """The type as the target engine's CREATE TABLE writes it."""
    return str(column_type.compile(dialect=DIALECTS[target]))


def row(source: TypeEngine, pg: str, my: str, lite: str, ms: str, **options: object) -> object:
    """One rule: the source type and its DDL on PostgreSQL, MySQL, SQLite and SQL Server."""
    return pytest.param(source, (pg, my, lite, ms), options, id=repr(source))


RULES = [
    # Integers keep their width; UNSIGNED widens where the engine has no unsigned types.
    row(mysql.TINYINT(display_width=1), "SMALLINT", "TINYINT", "SMALLINT", "SMALLINT"),
    row(mysql.TINYINT(unsigned=True), "SMALLINT", "TINYINT UNSIGNED", "SMALLINT", "TINYINT"),
    row(mysql.SMALLINT(unsigned=True), "INTEGER", "SMALLINT UNSIGNED", "INTEGER", "INTEGER"),
    row(mysql.MEDIUMINT(), "INTEGER", "MEDIUMINT", "INTEGER", "INTEGER"),
    row(mysql.INTEGER(), "INTEGER", "INTEGER", "INTEGER", "INTEGER"),
    row(mysql.INTEGER(unsigned=True), "BIGINT", "INTEGER UNSIGNED", "BIGINT", "BIGINT"),
    row(mysql.BIGINT(), "BIGINT", "BIGINT", "BIGINT", "BIGINT"),
    row(
        mysql.BIGINT(unsigned=True),
        "NUMERIC(20, 0)",
        "BIGINT UNSIGNED",
        "NUMERIC(20, 0)",
        "NUMERIC(20, 0)",
    ),
    row(postgresql.BIGINT(), "BIGINT", "BIGINT", "BIGINT", "BIGINT"),
    row(mssql.TINYINT(), "SMALLINT", "TINYINT UNSIGNED", "SMALLINT", "TINYINT"),
    row(mysql.BIT(1), "SMALLINT", "TINYINT UNSIGNED", "SMALLINT", "TINYINT"),
    # SQLite integers are 64-bit whatever their declared name.
    row(sqltypes.INTEGER(), "BIGINT", "BIGINT", "BIGINT", "BIGINT", source_dialect="sqlite"),
    # Exact decimals stay exact with the same precision and scale.
    row(
        mysql.DECIMAL(12, 4), "NUMERIC(12, 4)", "DECIMAL(12, 4)", "NUMERIC(12, 4)", "DECIMAL(12, 4)"
    ),
    row(sqltypes.NUMERIC(), "NUMERIC", "DECIMAL(65, 30)", "NUMERIC", "DECIMAL(38, 10)"),
    row(mssql.MONEY(), "NUMERIC(19, 4)", "DECIMAL(19, 4)", "NUMERIC(19, 4)", "DECIMAL(19, 4)"),
    # Floats stay floats of the same size, never DECIMAL.
    row(mysql.DOUBLE(), "DOUBLE PRECISION", "DOUBLE", "DOUBLE", "FLOAT(53)"),
    row(mysql.FLOAT(), "REAL", "FLOAT", "REAL", "REAL"),
    row(postgresql.REAL(), "REAL", "FLOAT", "REAL", "REAL"),
    row(postgresql.DOUBLE_PRECISION(), "DOUBLE PRECISION", "DOUBLE", "DOUBLE", "FLOAT(53)"),
    row(
        sqltypes.REAL(),
        "DOUBLE PRECISION",
        "DOUBLE",
        "DOUBLE",
        "FLOAT(53)",
        source_dialect="sqlite",
    ),
    # Dates and times keep their fractional seconds.
    row(sqltypes.DATE(), "DATE", "DATE", "DATE", "DATE"),
    # MySQL TIME is a duration up to 838:59:59: PostgreSQL's TIME would refuse most of them.
    row(mysql.TIME(), "INTERVAL", "TIME", "TIME", "TIME(0)"),
    row(mysql.TIME(fsp=3), "INTERVAL (3)", "TIME(3)", "TIME", "TIME(3)"),
    row(mysql.DATETIME(), "TIMESTAMP WITHOUT TIME ZONE", "DATETIME", "DATETIME", "DATETIME2(0)"),
    row(
        mysql.DATETIME(fsp=6),
        "TIMESTAMP WITHOUT TIME ZONE",
        "DATETIME(6)",
        "DATETIME",
        "DATETIME2(6)",
    ),
    row(
        mysql.TIMESTAMP(fsp=3),
        "TIMESTAMP(3) WITHOUT TIME ZONE",
        "DATETIME(3)",
        "DATETIME",
        "DATETIME2(3)",
    ),
    row(
        postgresql.TIMESTAMP(timezone=True),
        "TIMESTAMP WITH TIME ZONE",
        "DATETIME(6)",
        "DATETIME",
        "DATETIMEOFFSET(6)",
    ),
    row(postgresql.TIME(timezone=True), "TIME WITH TIME ZONE", "TIME(6)", "TIME", "TIME(6)"),
    row(
        mssql.DATETIME2(precision=7),
        "TIMESTAMP WITHOUT TIME ZONE",
        "DATETIME(6)",
        "DATETIME",
        "DATETIME2(6)",
    ),
    row(
        postgresql.INTERVAL(fields="day to second", precision=3),
        "INTERVAL day to second (3)",
        "TIME(3)",
        "VARCHAR(100)",
        "NVARCHAR(100)",
    ),
    row(postgresql.INTERVAL(), "INTERVAL", "TIME(6)", "VARCHAR(100)", "NVARCHAR(100)"),
    # Months are no duration: a YEAR TO MONTH interval stays text on MySQL.
    row(
        postgresql.INTERVAL(fields="year to month"),
        "INTERVAL year to month",
        "VARCHAR(100)",
        "VARCHAR(100)",
        "NVARCHAR(100)",
    ),
    # Strings keep their length in characters; MySQL turns long ones into a TEXT type.
    row(
        mysql.VARCHAR(20, charset="tis620"),
        "VARCHAR(20)",
        "VARCHAR(20)",
        "VARCHAR(20)",
        "NVARCHAR(20)",
    ),
    row(mysql.CHAR(13), "CHAR(13)", "CHAR(13)", "CHAR(13)", "NCHAR(13)"),
    row(mysql.VARCHAR(255), "VARCHAR(255)", "VARCHAR(255)", "VARCHAR(255)", "NVARCHAR(255)"),
    row(mysql.VARCHAR(1000), "VARCHAR(1000)", "TEXT", "VARCHAR(1000)", "NVARCHAR(1000)"),
    row(
        postgresql.VARCHAR(20000), "VARCHAR(20000)", "MEDIUMTEXT", "VARCHAR(20000)", "NVARCHAR(max)"
    ),
    row(
        mysql.VARCHAR(600),
        "VARCHAR(600)",
        "VARCHAR(600)",
        "VARCHAR(600)",
        "NVARCHAR(600)",
        keyed=True,
    ),
    row(mysql.LONGTEXT(), "TEXT", "LONGTEXT", "TEXT", "NVARCHAR(max)"),
    row(mysql.TEXT(), "TEXT", "MEDIUMTEXT", "TEXT", "NVARCHAR(max)"),
    row(postgresql.TEXT(), "TEXT", "LONGTEXT", "TEXT", "NVARCHAR(max)"),
    row(sqltypes.CLOB(), "TEXT", "LONGTEXT", "TEXT", "NVARCHAR(max)"),
    row(postgresql.VARCHAR(), "TEXT", "LONGTEXT", "TEXT", "NVARCHAR(max)"),
    # ENUM and SET become VARCHAR of their longest value; YEAR a small integer.
    row(mysql.ENUM("wait", "cancelled"), "VARCHAR(9)", "VARCHAR(9)", "VARCHAR(9)", "NVARCHAR(9)"),
    row(mysql.SET("a", "bb", "ccc"), "VARCHAR(8)", "VARCHAR(8)", "VARCHAR(8)", "NVARCHAR(8)"),
    row(
        postgresql.ENUM("1", "2", name="sex_t"),
        "VARCHAR(1)",
        "VARCHAR(1)",
        "VARCHAR(1)",
        "NVARCHAR(1)",
    ),
    row(mysql.YEAR(), "SMALLINT", "SMALLINT", "SMALLINT", "SMALLINT"),
    # Binary data.
    row(sqltypes.BLOB(), "BYTEA", "LONGBLOB", "BLOB", "VARBINARY(max)"),
    row(mysql.LONGBLOB(), "BYTEA", "LONGBLOB", "BLOB", "VARBINARY(max)"),
    row(postgresql.BYTEA(), "BYTEA", "LONGBLOB", "BLOB", "VARBINARY(max)"),
    row(sqltypes.VARBINARY(40), "BYTEA", "LONGBLOB", "BLOB", "VARBINARY(40)"),
    row(sqltypes.VARBINARY(40), "BYTEA", "VARBINARY(40)", "BLOB", "VARBINARY(40)", keyed=True),
    row(sqltypes.BINARY(16), "BYTEA", "BINARY(16)", "BLOB", "BINARY(16)"),
    # JSON, UUID, booleans.
    row(mysql.JSON(), "JSONB", "JSON", "JSON", "NVARCHAR(max)"),
    row(postgresql.JSONB(), "JSONB", "JSON", "JSON", "NVARCHAR(max)"),
    row(postgresql.JSON(), "JSONB", "JSON", "JSON", "NVARCHAR(max)"),
    row(postgresql.UUID(), "UUID", "CHAR(36)", "CHAR(36)", "UNIQUEIDENTIFIER"),
    row(sqltypes.BOOLEAN(), "BOOLEAN", "TINYINT(1)", "BOOLEAN", "BIT"),
    row(mssql.BIT(), "BOOLEAN", "TINYINT(1)", "BOOLEAN", "BIT"),
    # Unknown types become unbounded text; PostgreSQL keeps its own.
    row(sqltypes.NullType(), "TEXT", "LONGTEXT", "TEXT", "NVARCHAR(max)"),
    row(postgresql.INET(), "INET", "LONGTEXT", "TEXT", "NVARCHAR(max)"),
]


@pytest.mark.parametrize(("source", "expected", "options"), RULES)
def test_source_type_translates_to_each_target(
    source: TypeEngine, expected: tuple[str, ...], options: dict
) -> None:
    got = tuple(ddl(translate_type(source, target, **options), target) for target in TARGETS)
    assert got == expected


LOGICAL = [
    ("text", ("TEXT", "LONGTEXT", "TEXT", "NVARCHAR(max)")),
    ("date", ("DATE", "DATE", "DATE", "DATE")),
    ("datetime", ("TIMESTAMP WITHOUT TIME ZONE", "DATETIME(6)", "DATETIME", "DATETIME2(6)")),
    ("time", ("TIME WITHOUT TIME ZONE", "TIME(6)", "TIME", "TIME(6)")),
    ("integer", ("BIGINT", "BIGINT", "BIGINT", "BIGINT")),
    ("numeric", ("NUMERIC", "DECIMAL(65, 30)", "NUMERIC", "DECIMAL(38, 10)")),
    ("boolean", ("BOOLEAN", "TINYINT(1)", "BOOLEAN", "BIT")),
    ("json", ("JSONB", "JSON", "JSON", "NVARCHAR(max)")),
]


@pytest.mark.parametrize(("name", "expected"), LOGICAL)
def test_logical_type_translates_to_each_target(name: str, expected: tuple[str, ...]) -> None:
    assert tuple(ddl(logical_type(name, target), target) for target in TARGETS) == expected


def test_every_logical_type_has_a_rule() -> None:
    assert {name for name, _ in LOGICAL} == set(LOGICAL_TYPES)


def test_bounded_text_is_a_varchar_of_that_length() -> None:
    got = tuple(ddl(logical_type("text", target, length=9), target) for target in TARGETS)
    assert got == ("VARCHAR(9)", "VARCHAR(9)", "VARCHAR(9)", "NVARCHAR(9)")


def test_unknown_logical_type_or_target_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown logical type 'money'"):
        logical_type("money", "postgresql")
    with pytest.raises(ValueError, match="no column type rules for database type 'oracle'"):
        translate_type(sqltypes.INTEGER(), "oracle")


def test_sql_server_table_of_every_rule_is_valid_t_sql() -> None:
    # No SQL Server runs here: the generated DDL is checked by parsing it as T-SQL.
    columns = [
        Column(f"c{number}", translate_type(param.values[0], "mssql", **param.values[2]))
        for number, param in enumerate(RULES)
    ]
    create = CreateTable(Table("every_rule", MetaData(), *columns))
    sqlglot.parse_one(str(create.compile(dialect=DIALECTS["mssql"])), read="tsql")


# --- transformers declare what they output --------------------------------------------------


def output_of(name: str, params: dict | None = None, **given: object) -> str | None:
    plugin = get_transformer(name)
    return plugin().output_type_for(plugin.Params.model_validate(params or {}), **given)


def length_of(name: str, params: dict | None = None) -> int | None:
    plugin = get_transformer(name)
    return plugin().output_length_for(plugin.Params.model_validate(params or {}))


def test_buddhist_dates_keep_their_time_unless_the_input_cannot_hold_one() -> None:
    assert output_of("BUDDHIST_TO_ISO", input_type="text") == "datetime"
    assert output_of("BUDDHIST_TO_ISO", input_type="text", input_length=19) == "datetime"
    assert output_of("BUDDHIST_TO_ISO", input_type="text", input_length=10) == "date"
    assert output_of("BUDDHIST_TO_ISO", input_type="date") == "date"
    # Values it cannot convert are kept as they came: only text holds them.
    assert output_of("BUDDHIST_TO_ISO", {"on_error": "keep"}, input_type="date") == "text"


def test_shortest_buddhist_text_with_a_clock_is_read_with_its_time() -> None:
    shortest = "1มค2566 8:15"
    assert len(shortest) == SHORTEST_DATE_WITH_CLOCK
    values = run_transformer("BUDDHIST_TO_ISO", pd.Series([shortest])).values
    assert values.tolist() == ["2023-01-01 08:15:00"]


@pytest.mark.parametrize(
    ("name", "params", "expected"),
    [
        ("TO_NUMERIC", {}, "numeric"),
        ("TO_BOOLEAN", {}, "boolean"),
        ("PARSE_JSON", {}, "json"),
        ("FLOAT_TO_INT", {}, "text"),  # digits as text keep their leading zeros
        ("FLOAT_TO_INT", {"output": "integer"}, "integer"),
        ("FLOAT_TO_INT", {"output": "integer", "on_error": "keep"}, "text"),
        ("TO_NUMERIC", {"on_error": "keep"}, "text"),
        ("HN_PAD", {}, "text"),
        ("CID_FORMAT", {}, "text"),
        ("ISO_TO_BUDDHIST", {}, "text"),
        ("DATE_FORMAT", {"format": "%d/%m/%Y"}, "text"),
        ("TRIM", {}, None),
        ("UPPER", {}, None),
        ("SPLIT_THAI_NAME", {"part": "first"}, None),
    ],
)
def test_transformer_declares_its_output_type(name: str, params: dict, expected: str) -> None:
    assert output_of(name, params, input_type="integer") == expected


@pytest.mark.parametrize(
    ("name", "params", "expected"),
    [
        ("HN_PAD", {"width": 9}, 9),
        ("HN_PAD", {"width": 9, "on_error": "keep"}, None),
        ("CID_FORMAT", {}, 17),
        ("ICD10_NORMALIZE", {}, 8),
        ("SEX_CODE", {"male": "M", "female": "F"}, 1),
        ("PRENAME_NORMALIZE", {}, len("ทันตแพทย์หญิง")),
        ("ISO_TO_BUDDHIST", {}, 19),
        ("VALUE_MAP", {"mapping": {"10": "UC", "20": "SSS"}, "default": "OTHER"}, 5),
        ("DATE_FORMAT", {"format": "%d/%m/%Y"}, None),
    ],
)
def test_text_output_length_is_declared_where_it_is_bounded(
    name: str, params: dict, expected: int | None
) -> None:
    assert length_of(name, params) == expected


def test_declared_lengths_hold_for_the_documented_examples() -> None:
    for name in ("HN_PAD", "CID_FORMAT", "ICD10_NORMALIZE", "SEX_CODE", "PRENAME_NORMALIZE"):
        plugin = get_transformer(name)
        for example in plugin.examples:
            limit = length_of(name, example.params)
            assert limit is not None
            assert all(len(value) <= limit for value in example.output if value is not None)
