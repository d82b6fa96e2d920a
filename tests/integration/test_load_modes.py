"""Dialect.truncate and Dialect.upsert on real engines: keys found are updated, new keys are
inserted, values read back exactly, and everything stays inside the caller's transaction.
SQL Server is checked through its generated T-SQL (no server here)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import sqlglot
from sqlalchemy import (
    Column,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    func,
    select,
    text,
)
from sqlglot import exp

from dialects.registry import get_dialect
from mini_his.gen_mini_his import dialect_of, engine_for_url

metadata = MetaData()
patient = Table(
    "patient",
    metadata,
    Column("hn", String(9), primary_key=True),
    Column("fname", String(100)),
    Column("balance", Numeric(12, 2)),
    mysql_charset="utf8mb4",
)
visit = Table(  # composite key: one row per (hn, vn)
    "visit",
    metadata,
    Column("hn", String(9), primary_key=True),
    Column("vn", Integer, primary_key=True, autoincrement=False),
    Column("note", String(200)),
    mysql_charset="utf8mb4",
)
tag = Table(  # every column is a key
    "tag",
    metadata,
    Column("hn", String(9), primary_key=True),
    Column("code", String(10), primary_key=True),
    mysql_charset="utf8mb4",
)
ward = Table(  # referenced by a foreign key: PostgreSQL cannot TRUNCATE it
    "ward",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("name", String(50)),
    mysql_charset="utf8mb4",
)
bed = Table(
    "bed",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("ward_id", Integer, ForeignKey("ward.id")),
    mysql_charset="utf8mb4",
)

odd = Table(  # names the drivers' parameter formatting must leave alone
    "ราย%การ:x",
    metadata,
    Column("k%s", Integer, primary_key=True, autoincrement=False),
    Column("v:al'ue", String(20)),
    mysql_charset="utf8mb4",
)

PATIENT_COLUMNS = ["hn", "fname", "balance"]
FIRST = [
    ("000000001", "สมชาย ใจดี", Decimal("10.50")),
    ("000000002", "มาลี 👩\u200d⚕️", Decimal("0.00")),
    ("000000003", "trailing  ", None),
]
SECOND = [
    ("000000002", "มาลี ศรีสุข\nบรรทัดสอง", Decimal("-1.25")),  # existing key: updated
    ("000000004", "ใหม่", Decimal("99999.99")),  # new key: inserted
]


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("mysql", marks=pytest.mark.mysql),
        pytest.param("postgresql", marks=pytest.mark.postgres),
    ]
)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """Empty tables on each engine."""
    if request.param == "sqlite":
        target = engine_for_url(f"sqlite:///{tmp_path / 'modes.sqlite'}")
    elif request.param == "postgresql":
        target = engine_for_url(request.getfixturevalue("pg_database"))
    else:
        target = engine_for_url(request.getfixturevalue("mysql_database"))
    metadata.create_all(target)
    yield target
    target.dispose()


def rows_of(engine: Engine, table: Table) -> list[tuple]:
    with engine.connect() as connection:
        order = select(table).order_by(*table.primary_key.columns)
        return [tuple(row) for row in connection.execute(order)]


def upsert(engine: Engine, table: str, columns: list[str], keys: list[str], rows: list) -> int:
    with engine.begin() as connection:
        return dialect_of(connection).upsert(connection, table, None, columns, keys, iter(rows))


def test_upsert_inserts_new_keys_and_updates_existing_ones(engine: Engine) -> None:
    assert upsert(engine, "patient", PATIENT_COLUMNS, ["hn"], FIRST) == 3
    assert upsert(engine, "patient", PATIENT_COLUMNS, ["hn"], SECOND) == 2
    assert rows_of(engine, patient) == [FIRST[0], SECOND[0], FIRST[2], SECOND[1]]


def test_upsert_of_some_columns_leaves_the_others_alone(engine: Engine) -> None:
    upsert(engine, "patient", PATIENT_COLUMNS, ["hn"], FIRST)
    upsert(engine, "patient", ["hn", "fname"], ["hn"], [("000000001", "สมศรี")])
    assert rows_of(engine, patient)[0] == ("000000001", "สมศรี", Decimal("10.50"))


def test_upsert_on_a_composite_key(engine: Engine) -> None:
    columns, keys = ["hn", "vn", "note"], ["hn", "vn"]
    upsert(engine, "visit", columns, keys, [("001", 1, "แรก"), ("001", 2, "สอง"), ("002", 1, "x")])
    upsert(engine, "visit", columns, keys, [("001", 2, "แก้ไข"), ("002", 2, "ใหม่")])
    assert rows_of(engine, visit) == [
        ("001", 1, "แรก"),
        ("001", 2, "แก้ไข"),
        ("002", 1, "x"),
        ("002", 2, "ใหม่"),
    ]


def test_upsert_when_every_column_is_a_key_keeps_the_row(engine: Engine) -> None:
    upsert(engine, "tag", ["hn", "code"], ["hn", "code"], [("001", "DM"), ("001", "HT")])
    again = [("001", "HT"), ("002", "DM")]
    assert upsert(engine, "tag", ["hn", "code"], ["hn", "code"], again) == 2
    assert rows_of(engine, tag) == [("001", "DM"), ("001", "HT"), ("002", "DM")]


def test_a_key_sent_twice_in_one_call_keeps_its_last_row(engine: Engine) -> None:
    rows = [("000000001", "first", None), ("000000001", "last", Decimal("1.00"))]
    assert upsert(engine, "patient", PATIENT_COLUMNS, ["hn"], rows) == 2
    assert rows_of(engine, patient) == [("000000001", "last", Decimal("1.00"))]


def test_upsert_stays_in_the_callers_transaction(engine: Engine) -> None:
    upsert(engine, "patient", PATIENT_COLUMNS, ["hn"], FIRST)
    with engine.connect() as connection:
        dialect_of(connection).upsert(connection, "patient", None, PATIENT_COLUMNS, ["hn"], SECOND)
        connection.rollback()
    assert rows_of(engine, patient) == FIRST


def test_upsert_refuses_a_key_that_is_not_loaded(engine: Engine) -> None:
    with engine.begin() as connection, pytest.raises(ValueError, match="vn"):
        dialect_of(connection).upsert(connection, "visit", None, ["hn", "note"], ["hn", "vn"], [])


def test_names_with_percent_colon_and_quote_signs(engine: Engine) -> None:
    columns = ["k%s", "v:al'ue"]
    upsert(engine, "ราย%การ:x", columns, ["k%s"], [(1, "a"), (2, "b")])
    upsert(engine, "ราย%การ:x", columns, ["k%s"], [(2, "c"), (3, "d")])
    assert rows_of(engine, odd) == [(1, "a"), (2, "c"), (3, "d")]
    with engine.begin() as connection:
        dialect_of(connection).truncate(connection, "ราย%การ:x", None)
    assert rows_of(engine, odd) == []


@pytest.mark.postgres
def test_postgres_upserts_twice_in_one_transaction(pg_database) -> None:
    engine = engine_for_url(pg_database)
    metadata.create_all(engine)
    with engine.begin() as connection:
        dialect = dialect_of(connection)
        assert dialect.upsert(connection, "patient", None, PATIENT_COLUMNS, ["hn"], FIRST) == 3
        assert dialect.upsert(connection, "patient", None, PATIENT_COLUMNS, ["hn"], SECOND) == 2
        # A different table and column list reuses the staging name in the same transaction.
        dialect.upsert(connection, "visit", None, ["hn", "vn"], ["hn", "vn"], [("001", 1)])
    assert rows_of(engine, patient) == [FIRST[0], SECOND[0], FIRST[2], SECOND[1]]
    assert rows_of(engine, visit) == [("001", 1, None)]
    engine.dispose()


def test_truncate_rolled_back_leaves_the_rows(engine: Engine) -> None:
    upsert(engine, "patient", PATIENT_COLUMNS, ["hn"], FIRST)
    with engine.connect() as connection:
        connection.begin()
        dialect_of(connection).truncate(connection, "patient", None)
        assert connection.execute(select(func.count()).select_from(patient)).scalar_one() == 0
        connection.rollback()
    assert rows_of(engine, patient) == FIRST


def test_truncate_committed_empties_the_table(engine: Engine) -> None:
    upsert(engine, "patient", PATIENT_COLUMNS, ["hn"], FIRST)
    with engine.begin() as connection:
        dialect_of(connection).truncate(connection, "patient", None)
    assert rows_of(engine, patient) == []


def test_truncate_of_a_table_a_foreign_key_points_at(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(ward.insert(), [{"id": 1, "name": "อายุรกรรม"}])
        dialect_of(connection).truncate(connection, "ward", None)  # bed is empty: allowed
    assert rows_of(engine, ward) == []


@pytest.mark.mysql
def test_mariadb_upsert_is_sent_as_multi_row_statements(mysql_database) -> None:
    engine = engine_for_url(mysql_database)
    metadata.create_all(engine)
    rows = [(f"{n:09d}", f"ชื่อ {n}", Decimal(n)) for n in range(500)]
    with engine.begin() as connection:
        status = "SHOW SESSION STATUS LIKE 'Com_insert'"
        before = int(connection.execute(text(status)).one()[1])
        dialect_of(connection).upsert(connection, "patient", None, PATIENT_COLUMNS, ["hn"], rows)
        sent = int(connection.execute(text(status)).one()[1]) - before
    assert sent == 1  # PyMySQL folded 500 rows into one INSERT … ON DUPLICATE KEY UPDATE
    assert len(rows_of(engine, patient)) == 500
    engine.dispose()


def test_mssql_upsert_is_one_merge_per_row() -> None:
    sql = get_dialect("mssql").upsert_sql(
        "visit", "dbo", ["hn", "vn", "note"], ["hn", "vn"], "qmark"
    )
    tree = sqlglot.parse_one(sql, read="tsql")
    assert isinstance(tree, exp.Merge)
    target = tree.this
    assert (target.db, target.name) == ("dbo", "visit")
    source = tree.args["using"]
    assert isinstance(source, exp.Values)
    assert len(list(source.find_all(exp.Placeholder))) == 3
    assert source.alias_column_names == ["hn", "vn", "note"]
    on = tree.args["on"]
    assert {(eq.this.name, eq.expression.name) for eq in on.find_all(exp.EQ)} == {
        ("hn", "hn"),
        ("vn", "vn"),
    }
    matched, not_matched = tree.args["whens"].expressions
    assert matched.args["matched"] and isinstance(matched.args["then"], exp.Update)
    assert [eq.this.name for eq in matched.args["then"].expressions] == ["note"]
    insert = not_matched.args["then"]
    assert not not_matched.args["matched"] and isinstance(insert, exp.Insert)
    assert [column.name for column in insert.this.expressions] == ["hn", "vn", "note"]


def test_mssql_upsert_of_keys_only_never_updates() -> None:
    sql = get_dialect("mssql").upsert_sql("tag", None, ["hn", "code"], ["hn", "code"], "qmark")
    tree = sqlglot.parse_one(sql, read="tsql")
    (only,) = tree.args["whens"].expressions
    assert not only.args["matched"] and isinstance(only.args["then"], exp.Insert)


def test_mssql_checksum_sql_parses() -> None:
    mssql = get_dialect("mssql")
    column = mssql.quote("ชื่อ")
    sql = (
        f"SELECT {mssql.checksum_sum(column)}, {mssql.checksum_length(column)} "
        f"FROM {mssql.qualified('patient', 'dbo')}"
    )
    tree = sqlglot.parse_one(sql, read="tsql")
    assert len(list(tree.find_all(exp.Sum))) == 2
    assert tree.find(exp.Length) is not None
