"""Both readers hand over the same Arrow batches for the same source: connectorx and the
driver, on PostgreSQL and MariaDB, for JSON, UUID, inet, arrays, bytes, decimals, instants,
times, TIME durations and booleans. A difference would be a value that changes with the reader
that happened to read it (connectorx gives way mid-table to the driver)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pyarrow as pa
from sqlalchemy.engine import URL

from services.context import ServiceContext
from services.datasources import open_endpoint
from services.migration.reader import SourceReader
from services.migration.source_query import SourceQuery
from tests.integration.migration_fixtures import execute, register

WIDTHS = {pa.large_binary(): pa.binary(), pa.large_string(): pa.string()}


Batches = list[pa.RecordBatch]


def read_both(ctx: ServiceContext, where: URL, sql: str) -> tuple[Batches, Batches, SourceReader]:
    """The query read by connectorx and by the driver, a batch of 2 rows at a time."""
    endpoint = open_endpoint(ctx, register(ctx, "source", where).name)
    readers = [
        SourceReader(
            endpoint.connections,
            endpoint.spec,
            endpoint.dialect,
            SourceQuery(sql, ("id",)),
            batch_size=2,
            fast=fast,
        )
        for fast in (True, False)
    ]
    fast, driver = (list(reader.batches()) for reader in readers)
    return fast, driver, readers[0]


def rows(batches: Batches) -> list[dict]:
    return [row for batch in batches for row in batch.to_pylist()]


def kinds(batches: Batches) -> dict[str, set[pa.DataType]]:
    """Each column's Arrow types over the batches; an all-NULL batch's null type left out, and
    widths taken as one (connectorx reads INT as int32 and bytes as large_binary)."""
    found: dict[str, set[pa.DataType]] = {}
    for batch in batches:
        for field in batch.schema:
            kind = WIDTHS.get(
                field.type, pa.int64() if pa.types.is_integer(field.type) else field.type
            )
            if not pa.types.is_null(kind):
                found.setdefault(field.name, set()).add(kind)
    return found


def same_values(fast: Batches, driver: Batches) -> None:
    assert rows(fast) == rows(driver)
    assert kinds(fast) == kinds(driver)


def test_postgresql_readers_agree(ctx: ServiceContext, pg_database: URL) -> None:
    execute(
        pg_database,
        "CREATE TABLE forms (id INT PRIMARY KEY, token UUID, addr INET, numbers INT[], "
        "words TEXT[], bin BYTEA, price NUMERIC(20,6), instant TIMESTAMPTZ, clock TIME(6), "
        "flag BOOLEAN, note TEXT, span INT4RANGE, days DATERANGE)",
        "INSERT INTO forms VALUES "
        "(1, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '192.168.0.1/24', '{1,2,NULL}', "
        "'{\"a b\",\"c,d\",NULL}', '\\x00ff5c0a', 12.5, '2024-02-29 23:59:59.5+07', "
        "'23:59:59.999999', true, 'ไทย', '[1,5)', '[2024-01-01,2024-02-01)'), "
        "(2, NULL, '::1', '{}', '{}', '', -0.000001, '1970-01-01 00:00:00+00', '00:00', "
        "false, '', 'empty', '(,2024-01-01]'), "
        "(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
    )

    fast, driver, reader = read_both(ctx, pg_database, "SELECT * FROM forms")

    assert reader.reader == "connectorx" and reader.fallback_reason is None
    same_values(fast, driver)
    row = rows(driver)[0]
    assert row["token"] == "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
    assert (row["addr"], row["numbers"], row["words"]) == (
        "192.168.0.1/24",
        "{1,2,NULL}",
        '{"a b","c,d",NULL}',
    )
    assert (row["bin"], row["price"]) == (b"\x00\xff\\\n", Decimal("12.500000"))
    assert row["instant"] == datetime(2024, 2, 29, 16, 59, 59, 500000, UTC)
    assert kinds(driver)["instant"] == {pa.timestamp("us", "UTC")}
    assert row["clock"] == time(23, 59, 59, 999999)
    # Ranges as PostgreSQL writes them (psycopg2 would make NumericRange(1, 5, '[)') objects).
    assert [(r["span"], r["days"]) for r in rows(driver)] == [
        ("[1,5)", "[2024-01-01,2024-02-01)"),
        ("empty", "(,2024-01-02)"),  # the server's own form of '(,2024-01-01]'
        (None, None),
    ]


def test_postgresql_json_is_read_by_the_driver_as_the_servers_text(
    ctx: ServiceContext, pg_database: URL
) -> None:
    doc = '{"n": 1.000000000000000000001,  "a": [2.50]}'
    execute(
        pg_database,
        "CREATE TABLE docs (id INT PRIMARY KEY, doc JSON, docb JSONB, waited INTERVAL)",
        f"INSERT INTO docs VALUES (1, '{doc}', '{doc}', '1 mon 2 days -00:00:01.5'), "
        "(2, 'null', 'null', '838:59:59'), (3, NULL, NULL, NULL)",
    )

    fast, driver, reader = read_both(ctx, pg_database, "SELECT * FROM docs")

    assert reader.fallback_reason == "column doc is JSON, which connectorx rewrites"
    same_values(fast, driver)
    assert rows(driver) == [
        # json keeps its text; jsonb prints its own; months stay months (psycopg2 made 30 days)
        {"id": 1, "doc": doc, "docb": '{"a": [2.50], "n": 1.000000000000000000001}',
         "waited": "1 mon 2 days -00:00:01.5"},
        {"id": 2, "doc": "null", "docb": "null", "waited": "838:59:59"},
        {"id": 3, "doc": None, "docb": None, "waited": None},
    ]  # fmt: skip


def test_mariadb_readers_agree(ctx: ServiceContext, mysql_database: URL) -> None:
    doc = '{"n": 1.000000000000000000001,  "th": "ไทย"}'
    execute(
        mysql_database,
        "CREATE TABLE forms (id INT PRIMARY KEY, doc JSON, price DECIMAL(20,6), clock TIME(6), "
        "bin VARBINARY(8), stamp DATETIME(6), token CHAR(36)) CHARACTER SET utf8mb4",
        f"INSERT INTO forms VALUES (1, '{doc}', 12.5, '23:59:59.5', x'00ff5c0a', "
        f"'2024-02-29 23:59:59.999999', '{uuid.UUID(int=1)}'), "
        "(2, 'null', -99999999999999.999999, '00:00:00', '', '1970-01-01', NULL), "
        "(3, NULL, NULL, NULL, NULL, NULL, NULL)",
    )

    fast, driver, reader = read_both(ctx, mysql_database, "SELECT * FROM forms")

    assert reader.reader == "connectorx" and reader.fallback_reason is None
    same_values(fast, driver)
    found = rows(driver)
    assert (found[0]["doc"], found[1]["doc"]) == (doc, "null")  # MariaDB's JSON: its text
    assert str(found[0]["price"]) == "12.500000"
    assert str(found[1]["price"]) == "-99999999999999.999999"
    # A MySQL TIME is a duration from both readers (connectorx reads it as a time of day).
    assert kinds(driver)["clock"] == {pa.duration("us")}
    assert found[0]["clock"] == timedelta(hours=23, minutes=59, seconds=59.5)
