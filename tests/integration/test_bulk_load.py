"""Dialect.bulk_load on real engines: nasty values arrive byte-identical, inside the caller's
transaction, and a server that drops or mangles rows is an error, not a silent loss."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Double,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    Table,
    Text,
    Time,
    create_engine,
    func,
    select,
    text,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import URL
from sqlalchemy.exc import DataError, IntegrityError

from dialects import _load_data, _text_rows
from dialects.bulk import BulkLoadError
from mini_his.gen_mini_his import dialect_of, engine_for_url
from services.context import ServiceContext
from services.datasources import connection_spec, get_datasource
from tests.factories import register_server

metadata = MetaData()
nasty = Table(
    "nasty",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("label", Text),
    Column("amount", Numeric(12, 2)),
    Column("day", Date),
    Column("at", Time().with_variant(mysql.TIME(fsp=6), "mysql")),
    Column("stamp", DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql")),
    Column("flag", Boolean),
    Column("data", LargeBinary().with_variant(mysql.LONGBLOB(), "mysql")),
    Column("ratio", Double),
    mysql_charset="utf8mb4",
)
COLUMNS = [column.name for column in nasty.columns]

TEXTS = [
    "สมชาย ใจดี",
    "นาง มาลี 👩\u200d⚕️🏥 ผู้ป่วย",
    "tab\there",
    "line1\nline2\n",
    "cr\rcrlf\r\n",
    "back\\slash",
    "\\N",
    "\\",
    "ends with a backslash\\",
    "quotes ' \" ` ''",
    "",
    None,
    "  padded  ",
    "%s %(x)s %% {0}",
    "NULL",
    "\\t and \\n written out",
    "mixed\t\\n\\\n\tก",
    "ก" * 5000 + "\n" * 3,
]
VALUES = [
    (Decimal("12345.67"), date(2024, 2, 29), time(23, 59, 59), datetime(2023, 3, 14, 8, 15), True),
    (Decimal("-0.01"), date(1900, 1, 1), time(0, 0), datetime(1999, 12, 31, 23, 59, 59), False),
    (
        Decimal("0.00"),
        date(2566 - 543, 3, 14),
        time(8, 0, 0, 120),
        datetime(2024, 1, 1, 0, 0, 0, 5),
        None,
    ),
    (None, None, None, None, True),
]
BLOBS = [b"\x00\x01\xff\t\n\r\\N", b"", None, "ไทย".encode()]
RATIOS = [0.1, 1 / 3, -1e-300, None]


def nasty_rows() -> list[tuple]:
    return [
        (number, text, *VALUES[number % 4], BLOBS[number % 4], RATIOS[number % 4])
        for number, text in enumerate(TEXTS)
    ]


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("mysql", marks=pytest.mark.mysql),
        pytest.param("mysql-insert", marks=pytest.mark.mysql),
        pytest.param("postgresql", marks=pytest.mark.postgres),
    ]
)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty `nasty` table on each engine; mysql-insert is a client without LOCAL INFILE."""
    if request.param == "sqlite":
        target = engine_for_url(f"sqlite:///{tmp_path / 'bulk.sqlite'}")
    elif request.param == "postgresql":
        target = engine_for_url(request.getfixturevalue("pg_database"))
    elif request.param == "mysql":
        target = engine_for_url(request.getfixturevalue("mysql_database"))
    else:
        target = create_engine(request.getfixturevalue("mysql_database"))
    metadata.create_all(target)
    yield target
    target.dispose()


def load(engine: Engine, rows: list[tuple], table: str = "nasty") -> int:
    with engine.begin() as connection:
        return dialect_of(connection).bulk_load(connection, table, None, COLUMNS, iter(rows))


def stored(engine: Engine) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(select(nasty).order_by(nasty.c.id))]


def test_nasty_values_arrive_byte_identical(engine: Engine) -> None:
    rows = nasty_rows()
    assert load(engine, rows) == len(rows)
    assert stored(engine) == rows


def test_rows_stay_in_the_callers_transaction(engine: Engine) -> None:
    with engine.connect() as connection:
        written = dialect_of(connection).bulk_load(connection, "nasty", None, COLUMNS, nasty_rows())
        assert written == len(TEXTS)
        assert connection.execute(select(func.count()).select_from(nasty)).scalar_one() == written
        connection.rollback()
    assert stored(engine) == []


def test_many_rows_stream_through_in_parts(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    # Small files and blocks so a few thousand rows take every path between parts.
    monkeypatch.setattr(_load_data, "FILE_ROWS", 1_000)
    monkeypatch.setattr(_load_data, "BLOCK_ROWS", 300)
    monkeypatch.setattr(_text_rows, "BLOCK_ROWS", 300)
    rows = [
        (n, f"แถว {n}\t{n}", Decimal(n) / 100, None, None, None, None, None, None)
        for n in range(4_500)
    ]
    rows += [(4_500, "bytes appear late", None, None, None, None, None, b"\x00late", None)]
    assert load(engine, rows) == len(rows)
    assert stored(engine) == rows


@pytest.mark.mysql
def test_mariadb_skipping_a_duplicate_is_an_error(mysql_database) -> None:
    engine = engine_for_url(mysql_database)
    metadata.create_all(engine)
    row = nasty_rows()[0]
    with pytest.raises(BulkLoadError, match="stored 1 of 2 rows.*Duplicate entry"):
        load(engine, [row, row])
    assert stored(engine) == []  # engine.begin() rolled the first row back
    engine.dispose()


@pytest.mark.mysql
def test_mariadb_mangling_a_value_is_an_error(mysql_database) -> None:
    engine = engine_for_url(mysql_database)
    metadata.create_all(engine)
    bad = (1, "x", Decimal("1.234"), "2023-02-30", None, None, None, None, None)
    with pytest.raises(BulkLoadError, match="warning"):
        load(engine, [bad])  # LOCAL would store 0000-00-00 and 1.23 with only warnings
    engine.dispose()


@pytest.mark.mysql
def test_mariadb_without_local_infile_logs_and_falls_back(
    mysql_database, caplog: pytest.LogCaptureFixture
) -> None:
    engine = create_engine(mysql_database)  # PyMySQL's default: LOCAL INFILE off
    metadata.create_all(engine)
    with caplog.at_level(logging.WARNING, logger="dialects.mysql"):
        assert load(engine, nasty_rows()) == len(TEXTS)
    assert "LOAD DATA LOCAL INFILE refused (error 4166)" in caplog.text
    with pytest.raises(IntegrityError):  # INSERT batches fail loudly on a duplicate
        load(engine, nasty_rows()[:1])
    engine.dispose()


@pytest.mark.postgres
def test_postgres_copy_rejects_a_bad_row_and_keeps_none(pg_database) -> None:
    engine = engine_for_url(pg_database)
    metadata.create_all(engine)
    rows = nasty_rows()[:3] + [(99, "x", None, "2023-02-30", None, None, None, None, None)]
    with pytest.raises(DataError, match="2023-02-30"):
        load(engine, rows)
    assert stored(engine) == []
    engine.dispose()


def test_server_cannot_pull_local_files_outside_our_own_loads(
    ctx: ServiceContext, mysql_database: URL, tmp_path: Path
) -> None:
    """LOCAL INFILE is announced at connect, but refused unless bulk_load is running."""
    secret = tmp_path / "secret.key"
    secret.write_text("do-not-send")
    register_server(ctx, "m", mysql_database)
    spec = connection_spec(get_datasource(ctx, "m"), ctx.secrets)
    engine = create_engine(mysql_database)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE leak (line TEXT)"))
    # PyMySQL refuses the server's file request; the broken connection is thrown away.
    with pytest.raises(Exception), ctx.connections.connect(spec) as connection:  # noqa: B017
        connection.exec_driver_sql(f"LOAD DATA LOCAL INFILE '{secret}' INTO TABLE leak")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM leak")).scalar_one() == 0
    engine.dispose()
    # The pool still serves working connections afterwards.
    with ctx.connections.connect(spec) as connection:
        assert connection.execute(text("SELECT 1")).scalar_one() == 1
