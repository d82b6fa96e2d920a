"""A SQLite datasource's transactions hold what they wrote until they commit: a savepoint (every
load attempt takes one) is part of its transaction, so rolling that back leaves nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import text

from models.migration_run import MigrationOptions
from services.context import ServiceContext
from services.datasources import create_datasource, open_endpoint
from services.mapping import save_config
from services.migration import run_migration


def _sqlite(ctx: ServiceContext, path: Path, name: str, *statements: str) -> None:
    with sqlite3.connect(path) as connection:
        for statement in statements:
            connection.execute(statement)
    create_datasource(ctx, name=name, db_type="sqlite", database=str(path))


def _count(path: Path, table: str) -> int:
    # Read with plain sqlite3, not through the code under test.
    with sqlite3.connect(path) as connection:
        return connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_a_savepoint_rolled_back_with_its_transaction_leaves_nothing(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    path = tmp_path / "target.sqlite"
    _sqlite(ctx, path, "target", "CREATE TABLE t (a INTEGER PRIMARY KEY)")
    with open_endpoint(ctx, "target").connect() as connection:
        transaction = connection.begin()
        with connection.begin_nested():
            connection.execute(text("INSERT INTO t VALUES (1)"))
        transaction.rollback()
        connection.execute(text("INSERT INTO t VALUES (2)"))
        connection.commit()
    assert _count(path, "t") == 1


def test_a_test_run_onto_sqlite_writes_nothing(ctx: ServiceContext, tmp_path: Path) -> None:
    source, target = tmp_path / "source.sqlite", tmp_path / "target.sqlite"
    _sqlite(
        ctx, source, "source",
        "CREATE TABLE patient (hn TEXT PRIMARY KEY, sex TEXT)",
        "INSERT INTO patient VALUES ('000001', '1'), ('000002', '2')",
    )  # fmt: skip
    _sqlite(ctx, target, "target", "CREATE TABLE person (hn TEXT PRIMARY KEY, sex TEXT)")
    save_config(
        ctx,
        {
            "name": "patients",
            "source": "source",
            "source_table": "patient",
            "target": "target",
            "target_table": "person",
            "mappings": [{"source": "hn", "target": "hn"}, {"source": "sex", "target": "sex"}],
        },
    )

    result = run_migration(ctx, "patients", options=MigrationOptions(test=True))

    assert (result.rows_read, result.rows_loaded) == (2, 2)
    assert _count(target, "person") == 0
