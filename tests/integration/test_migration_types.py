"""Types survive the trip: TIME stays a duration, DECIMAL stays exact, nullable integers stay
integers, dates stay dates, and awkward text arrives byte-identical — there and back, with
either reader. The naive pandas route is run on the same rows to show what it does instead."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import URL

from services.context import ServiceContext
from services.migration import run_migration
from tests.integration.migration_fixtures import execute, fetch, mapping, register, save

COLUMNS = ("id", "t", "amount", "n", "big", "d", "dt", "txt", "vc")
AWKWARD = "ไทย 😀\nline two\ttab \\ backslash 'single' \"double\" \r\n end"
ROWS = [
    (1, time(23, 59, 59, 999000), Decimal("99999999999999.999999"), None, 9007199254740993,
     date(1900, 1, 1), datetime(2024, 2, 29, 23, 59, 59, 999999), AWKWARD, "  spaces kept  "),
    (2, time(0, 0), Decimal("-0.000001"), 0, None, date(2099, 12, 31),
     datetime(1970, 1, 1), "", "ข้อความ"),
    (3, None, None, -2147483648, -9223372036854775808, None, None, None, None),
    (4, time(8, 30, 0, 5000), Decimal("12.500000"), 2147483647, 0, date(2024, 2, 29),
     datetime(2024, 1, 1, 0, 0, 0, 1), "\\N", "NULL"),
]  # fmt: skip


def insert_sql(table: str) -> str:
    def literal(value: object) -> str:
        if value is None:
            return "NULL"
        if isinstance(value, str):
            return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"
        if isinstance(value, int | Decimal):
            return str(value)
        return f"'{value}'"

    rows = ", ".join("(" + ", ".join(map(literal, row)) + ")" for row in ROWS)
    return f"INSERT INTO {table} VALUES {rows}"


@pytest.fixture
def typed_source(mysql_database: URL) -> URL:
    execute(
        mysql_database,
        "CREATE TABLE typed (id INT PRIMARY KEY, t TIME(3), amount DECIMAL(20,6), n INT NULL, "
        "big BIGINT NULL, d DATE, dt DATETIME(6), txt TEXT, vc VARCHAR(50)) "
        "CHARACTER SET utf8mb4",
        insert_sql("typed"),
    )
    return mysql_database


def as_duration(clock: time) -> timedelta:
    return datetime.combine(date.min, clock) - datetime.min


def read_typed(where: URL, table: str) -> list[tuple]:
    return fetch(where, f"SELECT {', '.join(COLUMNS)} FROM {table} ORDER BY id")


@pytest.mark.parametrize("fast_reader", [True, False], ids=["connectorx", "driver"])
def test_types_survive_mariadb_to_postgresql_and_back(
    ctx: ServiceContext, typed_source: URL, pg_database: URL, fast_reader: bool
) -> None:
    ctx.settings.fast_reader = fast_reader
    maria = register(ctx, "maria", typed_source)
    pg = register(ctx, "pg", pg_database)
    there = save(
        ctx,
        maria,
        pg,
        source_table="typed",
        target_table="typed",
        create_target_table=True,
        mappings=mapping(*COLUMNS),
    )
    run_migration(ctx, there, log_dir=ctx.settings.data_dir)

    # MySQL TIME is a duration: PostgreSQL holds it as an interval, psycopg2 reads a timedelta.
    assert read_typed(pg_database, "typed") == [
        (row[0], None if row[1] is None else as_duration(row[1]), *row[2:]) for row in ROWS
    ]
    types = dict(
        fetch(
            pg_database,
            "SELECT column_name, format_type(atttypid, atttypmod) FROM information_schema.columns "
            "JOIN pg_attribute ON attname = column_name AND attrelid = 'typed'::regclass "
            "WHERE table_name = 'typed'",
        )
    )
    assert types["t"] == "interval(3)"
    assert types["amount"] == "numeric(20,6)"
    assert (types["n"], types["big"]) == ("integer", "bigint")
    assert types["d"] == "date"
    # PostgreSQL's plain TIMESTAMP keeps microseconds, like DATETIME(6).
    assert types["dt"] in {"timestamp without time zone", "timestamp(6) without time zone"}

    back = save(
        ctx,
        pg,
        maria,
        source_table="typed",
        target_table="typed_back",
        create_target_table=True,
        mappings=mapping(*COLUMNS),
    )
    run_migration(ctx, back, log_dir=ctx.settings.data_dir)
    rows_back = read_typed(typed_source, "typed_back")
    # PyMySQL reads TIME as a timedelta: compare it as the time of day it is.
    assert [
        (row[0], None if row[1] is None else (datetime.min + row[1]).time(), *row[2:])
        for row in rows_back
    ] == ROWS


def test_the_naive_pandas_route_loses_time_and_decimal(typed_source: URL, pg_database: URL) -> None:
    # What the benchmark's "naive approach" does to the same rows (pandas read_sql + to_sql).
    source = create_engine(typed_source)
    target = create_engine(pg_database)
    with pytest.warns(UserWarning, match="timedelta"):  # pandas itself says what it does
        for chunk in pd.read_sql(f"SELECT {', '.join(COLUMNS)} FROM typed", source, chunksize=1000):
            chunk.to_sql("naive", target, if_exists="append", index=False)
    source.dispose()
    target.dispose()
    types = dict(
        fetch(
            pg_database,
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'naive'",
        )
    )
    assert types["t"] != "time without time zone"  # a timedelta: nanoseconds, not a time
    assert types["amount"] == "double precision"  # DECIMAL became a float
    assert types["n"] == "double precision"  # a nullable integer became a float


def test_legacy_zero_dates_switch_readers_and_are_quarantined(
    ctx: ServiceContext, mysql_database: URL, pg_database: URL
) -> None:
    # HOSxP databases hold '0000-00-00' dates and TIME beyond 24 h. connectorx cannot read
    # them (it gives up, and the driver carries on from the last key); PostgreSQL cannot store
    # them, so under quarantine exactly those rows are set aside, with the reason.
    rows = [(i, "2024-01-02" if i % 50 else "0000-00-00", "08:00:00") for i in range(1, 301)]
    rows[120] = (121, "2024-01-02", "838:59:59")
    execute(
        mysql_database,
        "SET SESSION sql_mode = ''",
        "CREATE TABLE legacy (id INT PRIMARY KEY, d DATE, t TIME)",
        "INSERT INTO legacy VALUES " + ", ".join(f"({i}, '{d}', '{t}')" for i, d, t in rows),
    )
    execute(pg_database, "CREATE TABLE legacy (id INT PRIMARY KEY, d DATE, t TIME)")
    name = save(
        ctx,
        register(ctx, "maria", mysql_database),
        register(ctx, "pg", pg_database),
        source_table="legacy",
        target_table="legacy",
        error_policy="quarantine",
        batch_size=40,
        mappings=mapping("id", "d", "t"),
    )

    result = run_migration(ctx, name, log_dir=ctx.settings.data_dir)

    bad = sorted([i for i, d, _ in rows if d.startswith("0000")] + [121])
    assert (result.rows_read, result.rows_rejected) == (300, len(bad))
    rejected = fetch(pg_database, "SELECT source_key, stage, reason FROM his_migration_rejects")
    assert sorted(int(key.strip("[]")) for key, _, _ in rejected) == bad
    assert {stage for _, stage, _ in rejected} == {"load"}
    assert fetch(pg_database, "SELECT COUNT(*), MIN(d), MAX(t) FROM legacy") == [
        (300 - len(bad), date(2024, 1, 2), time(8, 0))
    ]
    log_text = (ctx.settings.data_dir / Path(result.log_path or "").name).read_text("utf-8")
    assert "gave way to the driver" in log_text
