"""Every value arrives byte-identical, whichever reader reads it and whichever way it travels:
JSON keeps its text (a JSON null stays 'null', not SQL NULL), decimals their digits, bytes
every byte, instants their instant, Thai text every character.

Each table is migrated into a target the run creates, with the fast reader (connectorx) and
with the driver forced; the target is read back with a plain SQLAlchemy engine, JSON and text
as the server's own text, and compared with values this file computes from what it inserted.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Context, Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from services.context import ServiceContext
from services.migration import run_migration
from tests.integration.migration_fixtures import execute, fetch, mapping, register, save, url_of

READERS = pytest.mark.parametrize("fast_reader", [True, False], ids=["connectorx", "driver"])
BANGKOK = timezone(timedelta(hours=7))
AWKWARD = "ไทย 😀\nline two\ttab \\ backslash 'single' \"double\" \r\n end"
# JSON as jsonb prints it (keys by length, then bytes; ", " and ": "), so that every target -
# MariaDB's LONGTEXT, PostgreSQL's json and jsonb - holds exactly these characters.
DOCUMENT = (
    '{"a": [1, 2.50, "x"], "n": 1.000000000000000000001, "th": "ไทย 😀", '
    '"big": 123456789012345678901234567890, "nested": {"k": {"deep": [true, false, null]}}}'
)
JSON_STRING = '"a \\"quoted\\" \\\\ back\\nslash\\ttab ข้อความ"'
JSON_DOCS = [DOCUMENT, "null", JSON_STRING, "-0.000000000000000000000000000001", None]
TOKENS = [str(uuid.UUID(int=2**128 - 1)), str(uuid.UUID(int=0)), str(uuid.uuid4()), None, None]
BYTES = [bytes(range(256)), b"", b"\\N\t\n\r\\\x00\xff", b"\x00", None]
STAMPS = [
    datetime(2024, 2, 29, 23, 59, 59, 999999),
    datetime(1970, 1, 1),
    datetime(1, 1, 1, 0, 0, 0, 1),
    datetime(9999, 12, 31, 23, 59, 59),
    None,
]
DAYS = [date(2024, 2, 29), date(1, 1, 1), date(9999, 12, 31), date(1970, 1, 1), None]
NOTES = [AWKWARD, "", "\\N", "NULL", None]


def exact(value: object) -> object:
    """A read-back value in a form that compares every digit and byte."""
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, Decimal):
        return format(value, "f")  # scale included: 12.500000 is not 12.5
    return value


def read(where: URL | Path, sql: str) -> list[tuple]:
    return [tuple(map(exact, row)) for row in fetch(where, sql)]


def insert(where: URL | Path, table: str, rows: Sequence[dict[str, Any]]) -> None:
    """Insert through a plain engine with bound parameters (no literal quoting to get wrong)."""
    names = list(rows[0])
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(':' + n for n in names)})"
    engine = create_engine(url_of(where))
    try:
        with engine.begin() as connection:
            connection.execute(text(sql), list(rows))
    finally:
        engine.dispose()


def migrate(
    ctx: ServiceContext, source: URL | Path, target: URL | Path, table: str, columns: list[str]
) -> Path:
    """Migrate `table` into a target table the run creates; returns the run's log file."""
    name = save(
        ctx,
        register(ctx, "source", source),
        register(ctx, "target", target),
        source_table=table,
        target_table=table,
        create_target_table=True,
        batch_size=2,  # several batches: a reader that falls back does so mid-table
        mappings=mapping(*columns),
    )
    result = run_migration(ctx, name, log_dir=ctx.settings.data_dir)
    assert result.reconciliation is not None and result.reconciliation.ok
    return ctx.settings.data_dir / Path(result.log_path or "").name


def decimals(values: Sequence[str | None], scale: int) -> list[str | None]:
    """The text of each value at a column's scale (the digits a DECIMAL(p, scale) keeps)."""
    step, digits = Decimal(1).scaleb(-scale), Context(prec=100)
    return [
        None if value is None else format(Decimal(value).quantize(step, context=digits), "f")
        for value in values
    ]


# --- MariaDB -> PostgreSQL ----------------------------------------------------------------------

PRICES = [
    "999999999999999999.9999999999",
    "-999999999999999999.9999999999",
    "0.0000000001",
    "0",
    None,
]
MARIA_ROWS = [
    {
        "id": index + 1,
        "doc": JSON_DOCS[index],
        "price": PRICES[index],
        "token": TOKENS[index],
        "bin": BYTES[index][:64] if BYTES[index] is not None else None,
        "scan": BYTES[index],
        "stamp": STAMPS[index],
        "day": DAYS[index],
        "flag": [1, 0, 2, None, None][index],
        "note": NOTES[index],
    }
    for index in range(5)
]
MARIA_TABLE = (
    "CREATE TABLE fidelity (id INT PRIMARY KEY, doc JSON, price DECIMAL(28,10), token CHAR(36), "
    "bin VARBINARY(64), scan BLOB, stamp DATETIME(6), day DATE, flag TINYINT(1), note TEXT) "
    "CHARACTER SET utf8mb4"
)


@READERS
def test_mariadb_to_postgresql_keeps_every_value(
    ctx: ServiceContext, mysql_database: URL, pg_database: URL, fast_reader: bool
) -> None:
    ctx.settings.fast_reader = fast_reader
    execute(mysql_database, MARIA_TABLE)
    insert(mysql_database, "fidelity", MARIA_ROWS)

    log = migrate(ctx, mysql_database, pg_database, "fidelity", list(MARIA_ROWS[0]))

    found = read(
        pg_database,
        "SELECT id, doc::text, doc IS NULL, price, token, bin, scan, stamp, day, flag, note "
        "FROM fidelity ORDER BY id",
    )
    expected = [
        (
            row["id"],
            row["doc"],
            row["doc"] is None,  # 'null' is a JSON value, not a missing one
            decimals([row["price"]], 10)[0],
            row["token"],
            row["bin"],
            row["scan"],
            row["stamp"],
            row["day"],
            row["flag"],
            row["note"],
        )
        for row in MARIA_ROWS
    ]
    assert found == expected
    # The fast reader read this table itself: every column is one connectorx reads faithfully.
    assert ("gave way" in log.read_text("utf-8")) is False


@READERS
def test_mariadb_decimals_at_their_limits_reach_postgresql(
    ctx: ServiceContext, mysql_database: URL, pg_database: URL, fast_reader: bool
) -> None:
    ctx.settings.fast_reader = fast_reader
    nines = "9" * 35 + "." + "9" * 30
    values = [nines, "-" + nines, "0." + "0" * 29 + "1", "0", None]
    execute(mysql_database, "CREATE TABLE limits (id INT PRIMARY KEY, amount DECIMAL(65,30))")
    insert(mysql_database, "limits", [{"id": i, "amount": v} for i, v in enumerate(values)])

    log = migrate(ctx, mysql_database, pg_database, "limits", ["id", "amount"])

    assert read(pg_database, "SELECT amount FROM limits ORDER BY id") == [
        (value,) for value in decimals(values, 30)
    ]
    if fast_reader:  # connectorx would round them to 10 places: the driver read them
        assert "amount has 30 decimals" in log.read_text("utf-8")


# --- PostgreSQL -> MariaDB ----------------------------------------------------------------------

PG_TABLE = (
    "CREATE TABLE fidelity (id INT PRIMARY KEY, token UUID, bin BYTEA, stamp TIMESTAMP(6), "
    "instant TIMESTAMPTZ, day DATE, clock TIME(6), flag BOOLEAN, note TEXT, price NUMERIC(28,10), "
    "numbers INT[], words TEXT[], addr INET)"
)
PG_ROWS = [
    {
        "id": index + 1,
        "token": TOKENS[index],
        "bin": BYTES[index],
        "stamp": STAMPS[index],
        "instant": [
            datetime(2024, 2, 29, 23, 59, 59, 500000, BANGKOK),
            datetime(1970, 1, 1, tzinfo=UTC),
            datetime(2024, 1, 1, 6, 59, 59, 999999, BANGKOK),  # the day before, in UTC
            None,
            None,
        ][index],
        "day": DAYS[index],
        "clock": [time(23, 59, 59, 999999), time(0, 0), time(8, 30, 0, 5000), None, None][index],
        "flag": [True, False, None, True, None][index],
        "note": NOTES[index],
        "price": PRICES[index],
        "numbers": [[1, 2, None], [], [-2147483648], None, None][index],
        "words": [["a b", "c,d", None, '"q"', "", "NULL"], [], ["ไทย"], None, None][index],
        "addr": ["192.168.0.1/24", "::1", "10.0.0.0/8", None, None][index],
    }
    for index in range(5)
]
# PostgreSQL's own text of the arrays and addresses above (SELECT words::text ...).
ARRAY_TEXT = {
    "numbers": ["{1,2,NULL}", "{}", "{-2147483648}", None, None],
    "words": ['{"a b","c,d",NULL,"\\"q\\"","","NULL"}', "{}", "{ไทย}", None, None],
}


@READERS
def test_postgresql_to_mariadb_keeps_every_value(
    ctx: ServiceContext, pg_database: URL, mysql_database: URL, fast_reader: bool
) -> None:
    ctx.settings.fast_reader = fast_reader
    execute(pg_database, PG_TABLE)
    insert(pg_database, "fidelity", PG_ROWS)

    log = migrate(ctx, pg_database, mysql_database, "fidelity", list(PG_ROWS[0]))

    found = read(
        mysql_database,
        "SELECT id, token, bin, stamp, instant, day, clock, flag, note, price, numbers, words, "
        "addr FROM fidelity ORDER BY id",
    )
    expected = [
        (
            row["id"],
            row["token"],
            row["bin"],
            row["stamp"],
            # DATETIME has no zone: the instant's UTC time.
            None if row["instant"] is None else row["instant"].astimezone(UTC).replace(tzinfo=None),
            row["day"],
            None
            if row["clock"] is None
            else datetime.combine(date.min, row["clock"]) - datetime.min,
            None if row["flag"] is None else int(row["flag"]),
            row["note"],
            decimals([row["price"]], 10)[0],
            ARRAY_TEXT["numbers"][index],
            ARRAY_TEXT["words"][index],
            row["addr"],
        )
        for index, row in enumerate(PG_ROWS)
    ]
    assert found == expected
    assert ("gave way" in log.read_text("utf-8")) is False


@READERS
def test_postgresql_json_and_wide_decimals_reach_mariadb_as_written(
    ctx: ServiceContext, pg_database: URL, mysql_database: URL, fast_reader: bool
) -> None:
    ctx.settings.fast_reader = fast_reader
    execute(
        pg_database,
        "CREATE TABLE refused (id INT PRIMARY KEY, doc JSON, docb JSONB, amount NUMERIC(65,30), "
        "loose NUMERIC)",
    )
    loose = ["12.5", "0.123456789012345", "-1", "1E-30", None]
    verbatim = '{"b":1,  "a" : [1,2.50]}'  # json keeps its text as written, spaces and order
    rows = [
        {
            "id": index,
            "doc": [verbatim, *JSON_DOCS[1:]][index],
            "docb": JSON_DOCS[index],
            "amount": PRICES[index],
            "loose": loose[index],
        }
        for index in range(5)
    ]
    insert(pg_database, "refused", rows)

    log = migrate(ctx, pg_database, mysql_database, "refused", list(rows[0]))

    found = read(mysql_database, "SELECT doc, docb, amount, loose FROM refused ORDER BY id")
    assert found == [
        (row["doc"], row["docb"], *decimals([row["amount"], row["loose"]], 30)) for row in rows
    ]
    if fast_reader:  # connectorx rewrites JSON: the driver read the table
        assert "doc is JSON, which connectorx rewrites" in log.read_text("utf-8")


@READERS
@pytest.mark.parametrize("target_kind", ["postgresql", "mariadb"])
def test_postgresql_json_into_an_existing_text_column_keeps_the_servers_text(
    ctx: ServiceContext,
    pg_database: URL,
    mysql_database: URL,
    fast_reader: bool,
    target_kind: str,
) -> None:
    # The reported bug: psycopg2 decoded JSON and the loader wrote Python's repr -
    # {'a': 1}, True, None - into a text column, and the run reconciled.
    ctx.settings.fast_reader = fast_reader
    target = pg_database if target_kind == "postgresql" else mysql_database
    execute(pg_database, "CREATE TABLE docs (id INT PRIMARY KEY, doc JSON, docb JSONB)")
    execute(target, "CREATE TABLE docs_text (id INT PRIMARY KEY, doc TEXT, docb TEXT)")
    rows = [{"id": i, "doc": d, "docb": d} for i, d in enumerate(JSON_DOCS)]
    insert(pg_database, "docs", rows)

    name = save(
        ctx,
        register(ctx, "source", pg_database),
        register(ctx, "target", target),
        source_table="docs",
        target_table="docs_text",
        mappings=mapping("id", "doc", "docb"),
    )
    run_migration(ctx, name, log_dir=ctx.settings.data_dir)

    found = read(target, "SELECT doc, docb FROM docs_text ORDER BY id")
    assert found == [(row["doc"], row["docb"]) for row in rows]
    assert found[1] == ("null", "null")  # a JSON null, kept as JSON


# --- SQLite -> both -----------------------------------------------------------------------------

# A column declared JSON has NUMERIC affinity in SQLite: a JSON number would be stored as a REAL.
SQLITE_DOCS = [DOCUMENT, "null", JSON_STRING, "[]", None]
SQLITE_TABLE = (
    "CREATE TABLE fidelity (id INTEGER PRIMARY KEY, doc JSON, token TEXT, bin BLOB, "
    "stamp DATETIME, day DATE, flag BOOLEAN, note TEXT)"
)


@READERS
@pytest.mark.parametrize("target_kind", ["postgresql", "mariadb"])
def test_sqlite_to_both_servers_keeps_every_value(
    ctx: ServiceContext,
    tmp_path: Path,
    pg_database: URL,
    mysql_database: URL,
    fast_reader: bool,
    target_kind: str,
) -> None:
    ctx.settings.fast_reader = fast_reader
    target = pg_database if target_kind == "postgresql" else mysql_database
    source = tmp_path / "demo.sqlite"
    execute(source, SQLITE_TABLE)
    rows = [
        {
            "id": index + 1,
            "doc": SQLITE_DOCS[index],
            "token": TOKENS[index],
            "bin": BYTES[index],
            # SQLite keeps text: the ISO forms a SQLite DATETIME and DATE column hold.
            "stamp": None if STAMPS[index] is None else STAMPS[index].isoformat(" "),
            "day": None if DAYS[index] is None else DAYS[index].isoformat(),
            "flag": [1, 0, None, 1, None][index],
            "note": NOTES[index],
        }
        for index in range(5)
    ]
    insert(source, "fidelity", rows)

    migrate(ctx, source, target, "fidelity", list(rows[0]))

    doc = "doc::text" if target_kind == "postgresql" else "doc"
    found = read(
        target, f"SELECT id, {doc}, token, bin, stamp, day, flag, note FROM fidelity ORDER BY id"
    )
    flag = (lambda v: None if v is None else bool(v)) if target_kind == "postgresql" else None
    assert found == [
        (
            index + 1,
            SQLITE_DOCS[index],
            TOKENS[index],
            BYTES[index],
            STAMPS[index],
            DAYS[index],
            flag(row["flag"]) if flag else row["flag"],
            NOTES[index],
        )
        for index, row in enumerate(rows)
    ]
