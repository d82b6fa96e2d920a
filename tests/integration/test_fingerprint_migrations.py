"""Fingerprints through whole migrations on real engines, with both readers.

A BEFORE INSERT trigger that changes one byte of one JSON document and one byte of one BLOB
fails the run on exactly those two columns; a clean run over every type (JSON, jsonb, bytes,
UUID, dates, times, timestamps with and without zone, booleans, decimals, integers, text,
VARCHAR, CHAR, Thai text, NULLs) reconciles into PostgreSQL, MariaDB and SQLite, so the
canonical texts computed here agree with each engine's own; an append into a filled table and
a killed-and-resumed run add up too.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import time
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from config import Settings
from models.migration_run import Reconciliation
from services.bootstrap import bootstrap
from services.context import ServiceContext
from services.errors import MigrationFailed
from services.migration import run_migration
from tests.conftest import COMMAND
from tests.integration.migration_fixtures import execute, fetch, mapping, register, save

COLUMNS = (
    "id", "doc", "doc_text", "scan", "uid", "day", "clock", "seen", "moment", "flag",
    "amount", "n", "note", "name", "code", "ratio",
)  # fmt: skip
SOURCE_DDL = (
    "CREATE TABLE typed (id INT PRIMARY KEY, doc JSON, doc_text JSON, scan LONGBLOB, "
    "uid CHAR(36), day DATE, clock TIME(6), seen DATETIME(6), moment DATETIME(6), "
    "flag TINYINT(1), amount DECIMAL(12,4), n INT, note TEXT, name VARCHAR(100), code CHAR(5), "
    "ratio DOUBLE) CHARACTER SET utf8mb4"
)
# The same columns as each engine types them: jsonb, uuid, timestamptz on PostgreSQL.
TARGET_DDL = {
    "postgresql": (
        "CREATE TABLE typed_copy (id INT PRIMARY KEY, doc JSONB, doc_text JSON, scan BYTEA, "
        "uid UUID, day DATE, clock TIME, seen TIMESTAMP, moment TIMESTAMPTZ, flag BOOLEAN, "
        "amount NUMERIC(12,4), n INT, note TEXT, name VARCHAR(100), code CHAR(5), "
        "ratio DOUBLE PRECISION)"
    ),
    "mysql": (
        "CREATE TABLE typed_copy (id INT PRIMARY KEY, doc JSON, doc_text JSON, scan LONGBLOB, "
        "uid CHAR(36), day DATE, clock TIME(6), seen DATETIME(6), moment TIMESTAMP(6) NULL, "
        "flag BOOLEAN, amount DECIMAL(12,4), n INT, note TEXT, name VARCHAR(100), code CHAR(5), "
        "ratio DOUBLE) CHARACTER SET utf8mb4"
    ),
    "sqlite": (
        "CREATE TABLE typed_copy (id INTEGER PRIMARY KEY, doc JSON, doc_text JSON, scan BLOB, "
        "uid CHAR(36), day DATE, clock TIME, seen DATETIME, moment DATETIME, flag BOOLEAN, "
        "amount NUMERIC(12,4), n INTEGER, note TEXT, name VARCHAR(100), code CHAR(5), "
        "ratio FLOAT)"
    ),
}
DOCS = [
    # Duplicate key, keys out of jsonb's order, 2.50 and 1e2 and -0, escapes, Thai, nesting.
    '{"b": 1,  "a": [1, 2.50, {"é": "ผู้ป่วย\\n\\u0001/", "ก": 1e2}], "aa": -0, "b": 2}',
    '{"dose": 5, "unit": "mg", "note": "ยา \\"พารา\\""}',
    "[]",
    "{}",
    '"x\\\\y"',
    "[true, false, null, 1.0e-3, 12345678901234567890]",
]
BLOBS = [bytes(range(256)), b"", b"\x00\t\n\\\r'\"", "ไทย".encode(), os.urandom(3000)]
NOTES = ["บันทึก 👩\u200d⚕️ line\nnext\ttab \\ 'q'  ", "", "  spaces  ", "x" * 2000]
CODES = ["AB", "ABCDE", "", "ก", "A B "]
RATIOS = [0.1, 1 / 3, -0.0, 1e300, -1e-300, 2.5]
TRIGGERED = 7  # the row a trigger meddles with


def source_row(id_: int) -> dict:
    """Row `id_` of the source; every 9th row NULL but for its key."""
    if id_ % 9 == 0:
        return {column: (id_ if column == "id" else None) for column in COLUMNS}
    identifier = uuid.UUID(int=id_ * 7919 + 2**100)
    return {
        "id": id_,
        "doc": DOCS[id_ % len(DOCS)],
        "doc_text": DOCS[(id_ + 1) % len(DOCS)],
        "scan": BLOBS[id_ % len(BLOBS)],
        "uid": str(identifier).upper() if id_ % 2 else str(identifier),
        "day": date(1900, 1, 1) + timedelta(days=id_ * 997),
        "clock": (datetime(2000, 1, 1) + timedelta(microseconds=id_ * 86_399_999_999 // 97)).time(),
        "seen": datetime(9999, 12, 31, 23, 59, 59, 999999) - timedelta(seconds=id_ * 12345.678901),
        # Within MariaDB's TIMESTAMP range (1970 to 2038).
        "moment": datetime(1970, 1, 2) + timedelta(seconds=id_ % 900 * 1_234_567.123456),
        "flag": id_ % 2,
        "amount": Decimal(f"{id_ * 1.0625:.4f}") * (-1 if id_ % 3 else 1),
        "n": id_ * (-1) ** id_,
        "note": NOTES[id_ % len(NOTES)],
        "name": f"สมชาย {id_} ใจดี",
        "code": CODES[id_ % len(CODES)],
        "ratio": RATIOS[id_ % len(RATIOS)],
    }


def fill_source(where: URL, ids: range) -> None:
    engine = create_engine(where)
    try:
        with engine.begin() as connection:
            connection.execute(text(SOURCE_DDL))
            placeholders = ", ".join(f":{column}" for column in COLUMNS)
            connection.execute(
                text(f"INSERT INTO typed ({', '.join(COLUMNS)}) VALUES ({placeholders})"),
                [source_row(id_) for id_ in ids],
            )
    finally:
        engine.dispose()


def target_of(engine: str, request: pytest.FixtureRequest, tmp_path: Path) -> URL | Path:
    """An empty `typed_copy` table on `engine`."""
    if engine == "sqlite":
        where: URL | Path = tmp_path / "target.sqlite"
        with sqlite3.connect(where) as connection:
            connection.execute(TARGET_DDL["sqlite"])
        return where
    where = request.getfixturevalue("pg_database" if engine == "postgresql" else "mysql_database")
    if engine == "postgresql":
        # Naive timestamps into TIMESTAMPTZ are read in the session's zone: make it UTC.
        execute(where, f"ALTER DATABASE \"{where.database}\" SET timezone = 'UTC'")
    execute(where, TARGET_DDL[engine])
    return where


def datasources(ctx: ServiceContext, source: URL, target: URL | Path) -> tuple:
    """The source datasource, and the target's (the same one when both are the database)."""
    maria = register(ctx, "maria", source)
    return maria, maria if target == source else register(ctx, "target", target)


def fingerprinted(check: Reconciliation) -> set[tuple[str, str]]:
    """(column, part) of every aggregate besides the counts, with a value on both sides."""
    return {
        (c.column, c.measure)
        for c in check.columns
        if c.measure != "count" and c.expected is not None and c.found is not None
    }


ENGINES = [
    "sqlite",
    pytest.param("mysql", marks=pytest.mark.mysql),
    pytest.param("postgresql", marks=pytest.mark.postgres),
]
READERS = pytest.mark.parametrize("fast_reader", [True, False], ids=["connectorx", "driver"])


@READERS
@pytest.mark.parametrize("engine", ENGINES)
def test_every_type_reconciles_on_every_target(
    ctx: ServiceContext,
    mysql_database: URL,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    engine: str,
    fast_reader: bool,
) -> None:
    ctx.settings.fast_reader = fast_reader
    fill_source(mysql_database, range(1, 61))
    target = target_of(engine, request, tmp_path)
    name = save(
        ctx,
        *datasources(ctx, mysql_database, target),
        source_table="typed",
        target_table="typed_copy",
        batch_size=7,
        mappings=mapping(*COLUMNS),
    )

    result = run_migration(ctx, name, log_dir=ctx.settings.data_dir)

    check = result.reconciliation
    assert check is not None and check.ok, check and check.mismatches
    assert (result.rows_loaded, check.source_rows) == (60, 60)
    hashed = {"doc", "doc_text", "scan", "uid", "code", "note", "name"}
    if engine != "mysql":
        hashed.add("ratio")  # MariaDB's doubles are only counted
    summed = {
        ("amount", "sum"), ("n", "sum"), ("id", "sum"), ("day", "sum_days"),
        ("clock", "sum_microseconds"), ("seen", "sum_microseconds"),
        ("moment", "sum_microseconds"),
    }  # fmt: skip
    # MariaDB's BOOLEAN is TINYINT(1), summed as a number; elsewhere the trues are counted.
    summed.add(("flag", "sum" if engine == "mysql" else "sum_true"))
    assert fingerprinted(check) == {(column, "hash") for column in hashed} | summed | {
        ("note", "sum_length"),
        ("name", "sum_length"),
        *((("doc", "sum_length"), ("doc_text", "sum_length")) if engine == "mysql" else ()),
    }
    # Independently of the checksums: every row arrived.
    assert fetch(target, "SELECT COUNT(*), COUNT(doc), COUNT(scan) FROM typed_copy") == [
        (60, 54, 54)
    ]


TRIGGERS = {
    "postgresql": (
        "CREATE FUNCTION meddle() RETURNS trigger AS $$ BEGIN "
        f"IF NEW.id = {TRIGGERED} THEN "
        "NEW.doc := jsonb_set(NEW.doc, '{dose}', '6'); "
        "NEW.scan := set_byte(NEW.scan, 0, get_byte(NEW.scan, 0) # 1); "
        "END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER meddle BEFORE INSERT ON typed_copy FOR EACH ROW EXECUTE FUNCTION meddle()",
    ),
    "mysql": (
        "CREATE TRIGGER meddle BEFORE INSERT ON typed_copy FOR EACH ROW "
        f"BEGIN IF NEW.id = {TRIGGERED} THEN "
        "SET NEW.doc = REPLACE(NEW.doc, '\"dose\": 5', '\"dose\": 6'); "
        "SET NEW.scan = CONCAT(CHAR(ASCII(NEW.scan) ^ 1), SUBSTRING(NEW.scan, 2)); "
        "END IF; END",
    ),
}


@READERS
@pytest.mark.parametrize(
    "engine",
    [
        pytest.param("mysql", marks=pytest.mark.mysql),
        pytest.param("postgresql", marks=pytest.mark.postgres),
    ],
)
def test_one_byte_changed_by_a_trigger_fails_the_run_naming_both_columns(
    ctx: ServiceContext,
    mysql_database: URL,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    engine: str,
    fast_reader: bool,
) -> None:
    ctx.settings.fast_reader = fast_reader
    fill_source(mysql_database, range(1, 31))
    assert json.loads(source_row(TRIGGERED)["doc"])["dose"] == 5  # what the trigger changes
    assert source_row(TRIGGERED)["scan"]  # a first byte to change
    target = target_of(engine, request, tmp_path)
    execute(target, *TRIGGERS[engine])
    name = save(
        ctx,
        *datasources(ctx, mysql_database, target),
        source_table="typed",
        target_table="typed_copy",
        batch_size=8,
        mappings=mapping(*COLUMNS),
    )

    with pytest.raises(MigrationFailed, match=r"did not reconcile: .*doc \(hash\).*scan") as failed:
        run_migration(ctx, name, log_dir=ctx.settings.data_dir)

    check = failed.value.result.reconciliation
    assert check is not None and check.counts_match  # every row is there…
    # …and exactly one JSON document and one BLOB differ, by one byte each, same length.
    assert {(c.column, c.measure) for c in check.mismatches} == {("doc", "hash"), ("scan", "hash")}
    doc, scan = fetch(target, f"SELECT doc, scan FROM typed_copy WHERE id = {TRIGGERED}")[0]
    assert (doc if isinstance(doc, dict) else json.loads(doc))["dose"] == 6
    sent = source_row(TRIGGERED)["scan"]
    assert bytes(scan) == bytes([sent[0] ^ 1]) + sent[1:]


@pytest.mark.parametrize("engine", ENGINES)
def test_append_to_a_filled_table_reconciles_what_it_added(
    ctx: ServiceContext,
    mysql_database: URL,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    engine: str,
) -> None:
    fill_source(mysql_database, range(1, 41))
    target = target_of(engine, request, tmp_path)
    source, into = datasources(ctx, mysql_database, target)
    first = save(
        ctx,
        source,
        into,
        target_table="typed_copy",
        generate_sql="SELECT * FROM typed WHERE id <= 25",
        mappings=mapping(*COLUMNS),
    )
    second = save(
        ctx,
        source,
        into,
        target_table="typed_copy",
        generate_sql="SELECT * FROM typed WHERE id > 25",
        load_mode="append",
        batch_size=6,
        mappings=mapping(*COLUMNS),
    )
    assert run_migration(ctx, first, log_dir=ctx.settings.data_dir).reconciliation.ok

    appended = run_migration(ctx, second, log_dir=ctx.settings.data_dir)

    # The target's checksums before the append were subtracted, hash sums modulo 2^64: what
    # was compared is exactly the 15 rows added.
    check = appended.reconciliation
    assert check is not None and check.ok, check and check.mismatches
    counts = {c.column: c.found for c in check.columns if c.measure == "count"}
    assert counts["id"] == "15" and counts["doc"] == str(sum(1 for i in range(26, 41) if i % 9))
    assert ("scan", "hash") in fingerprinted(check)
    assert fetch(target, "SELECT COUNT(*) FROM typed_copy") == [(40,)]


# --- killed and resumed -------------------------------------------------------------------------

RESUME_ROWS, RESUME_BATCH = 2_000, 20


@pytest.mark.parametrize(
    "engine",
    [
        pytest.param("mysql", marks=pytest.mark.mysql),
        pytest.param("postgresql", marks=pytest.mark.postgres),
    ],
)
def test_killed_and_resumed_run_still_reconciles(
    mysql_database: URL, request: pytest.FixtureRequest, tmp_path: Path, engine: str
) -> None:
    fill_source(mysql_database, range(1, RESUME_ROWS + 1))
    target = target_of(engine, request, tmp_path)
    data_dir = tmp_path / "data"
    ctx = bootstrap(Settings(data_dir=data_dir, secret_key="fingerprints", _env_file=None))
    step = save(
        ctx,
        *datasources(ctx, mysql_database, target),
        name="typed_resume",
        source_table="typed",
        target_table="typed_copy",
        batch_size=RESUME_BATCH,
        mappings=mapping(*COLUMNS),
    )
    ctx.close()
    env = {**os.environ, "HIS_DATA_DIR": str(data_dir), "HIS_SECRET_KEY": "fingerprints"}
    env.pop("HIS_DATABASE_URL", None)

    kill_batch = random.Random(engine).randint(5, RESUME_ROWS // RESUME_BATCH - 30)
    _kill_after(step, target, kill_batch * RESUME_BATCH, env, tmp_path)
    # What the killed run had summed and hashed so far is in its checkpoint, as JSON.
    (state,) = fetch(target, "SELECT state FROM his_migration_checkpoints")[0]
    stream = json.loads(state)["stream"]
    assert stream["version"] == 2
    assert stream["hash"] == ("crc32" if engine == "mysql" else "lookup3")
    assert stream["columns"]["scan"]["total"].startswith("0x")

    resumed = subprocess.run(
        [COMMAND, "migrate", step, "--resume", "--log-dir", "logs"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed after" in resumed.stdout and "reconciled" in resumed.stdout
    ctx = bootstrap(Settings(data_dir=data_dir, secret_key="fingerprints", _env_file=None))
    with ctx.uow() as uow:
        runs = uow.pipeline_runs.list()
    ctx.close()
    # The killed run's record has no step result; the resumed one's covers the whole run.
    (final,) = [
        run.summary["steps"][step]["reconciliation"]
        for run in runs
        if step in (run.summary or {}).get("steps", {})
    ]
    assert final["rows_read"] == RESUME_ROWS
    assert final["ok"] is True
    hashes = {c["column"] for c in final["columns"] if c["measure"] == "hash"}
    assert {"doc", "scan", "uid", "note", "code"} <= hashes
    assert fetch(target, "SELECT COUNT(*), COUNT(DISTINCT id) FROM typed_copy") == [
        (RESUME_ROWS, RESUME_ROWS)
    ]


def _kill_after(step: str, target: URL, rows: int, env: dict, cwd: Path) -> None:
    """Start `migrate step` and SIGKILL it once its checkpoint has passed `rows` rows."""
    process = subprocess.Popen(
        [COMMAND, "migrate", step, "--log-dir", "logs"],
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    try:
        while _rows_done(target, step) < rows:
            assert process.poll() is None, "the migration finished before the kill point"
            assert time.monotonic() < deadline, "the migration never reached the kill point"
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def _rows_done(target: URL, step: str) -> int:
    try:
        found = fetch(
            target, "SELECT rows_done FROM his_migration_checkpoints WHERE step = :s", s=step
        )
    except Exception:  # noqa: BLE001 - the bookkeeping table is not there yet
        return 0
    return found[0][0] if found else 0


@pytest.mark.postgres
def test_a_value_the_checksums_cannot_read_stops_the_run_clearly(
    ctx: ServiceContext, mysql_database: URL, pg_database: URL
) -> None:
    # PostgreSQL reads '2024/01/06' as a date, but which one it stored cannot be verified
    # (it would read '06/01/2024' by its DateStyle): the run stops instead of trusting it.
    execute(
        mysql_database,
        "CREATE TABLE visits (id INT PRIMARY KEY, day VARCHAR(10))",
        "INSERT INTO visits VALUES (1, '2024-01-05'), (2, '2024-01-06'), (3, '2024/01/07')",
    )
    execute(pg_database, "CREATE TABLE visits (id INT PRIMARY KEY, day DATE)")
    name = save(
        ctx,
        register(ctx, "maria", mysql_database),
        register(ctx, "pg", pg_database),
        source_table="visits",
        target_table="visits",
        batch_size=2,
        mappings=mapping("id", "day"),
    )

    with pytest.raises(MigrationFailed) as failed:
        run_migration(ctx, name, log_dir=ctx.settings.data_dir)

    message = str(failed.value)
    assert "stopped at batch 2: Column day got a value that is not a date in ISO form" in message
    assert "2024/01/07" not in message  # values stay out of messages
    assert fetch(pg_database, "SELECT id, day FROM visits ORDER BY id") == [
        (1, date(2024, 1, 5)),
        (2, date(2024, 1, 6)),
    ]
