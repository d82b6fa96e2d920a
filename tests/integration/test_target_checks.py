"""Values the target's column types refuse are set aside before the load, with the column and
a reason, on PostgreSQL and MariaDB targets; the rows around them load as they are."""

from __future__ import annotations

import sqlite3
from datetime import date, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from models.status import RunStatus
from services.context import ServiceContext
from services.errors import MigrationFailed
from services.migration import run_migration
from tests.integration.migration_fixtures import execute, fetch, mapping, register, save

COLUMNS = ("id", "code", "n", "amount", "d", "t", "doc", "note", "small")
GOOD = (1, "A1", "7", "12.50", "2024-02-29", "08:30:00", '{"a": 1}', "ok", 5)
# id -> (column, the bad value); every other value of the row is GOOD's.
BAD = {
    2: ("code", "toolongvalue"),
    3: ("n", "abc"),
    4: ("amount", "x1"),
    5: ("d", "0000-00-00"),
    6: ("t", "30:00:00"),
    7: ("doc", "{bad"),
    8: ("note", None),
    9: ("note", "a\x00b"),
    10: ("small", 40000),
}
REASONS = {
    "code": "value too long: 12 characters, the column holds at most 5",
    "n": "not a whole number",
    "amount": "not a number",
    "d": "a zero date",
    "t": "a duration beyond a day",
    "doc": "not valid JSON",
    "note": ("null value into a NOT NULL column", "a NUL character"),
    "small": "outside the column's range (-32,768 to 32,767)",
}


def source_rows() -> list[tuple]:
    rows = [GOOD]
    for id_, (column, value) in BAD.items():
        row = dict(zip(COLUMNS, GOOD, strict=True)) | {"id": id_, column: value}
        rows.append(tuple(row.values()))
    return [*rows, (11, *GOOD[1:])]


@pytest.fixture
def loose_source(tmp_path: Path) -> Path:
    """SQLite stores anything anywhere: the legacy values a target refuses."""
    path = tmp_path / "legacy.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute(
            "CREATE TABLE visit (id INTEGER PRIMARY KEY, code TEXT, n TEXT, amount TEXT, "
            "d TEXT, t TEXT, doc TEXT, note TEXT, small INTEGER)"
        )
        connection.executemany(f"INSERT INTO visit VALUES ({', '.join('?' * 9)})", source_rows())
    return path


TARGETS = {
    "postgresql": (
        "CREATE TABLE visit (id INT PRIMARY KEY, code VARCHAR(5), n INT, amount NUMERIC(10,2), "
        "d DATE, t TIME, doc JSONB, note TEXT NOT NULL, small SMALLINT)",
        {2, 3, 4, 5, 6, 7, 8, 9, 10},
    ),
    # MariaDB's TIME holds durations and its text holds NUL: rows 6 and 9 load there.
    "mysql": (
        "CREATE TABLE visit (id INT PRIMARY KEY, code VARCHAR(5), n INT, amount DECIMAL(10,2), "
        "d DATE, t TIME, doc JSON, note TEXT NOT NULL, small SMALLINT) CHARACTER SET utf8mb4",
        {2, 3, 4, 5, 7, 8, 10},
    ),
}


@pytest.mark.parametrize("engine", ["postgresql", "mysql"])
def test_refused_values_are_quarantined_before_the_load_with_column_and_reason(
    ctx: ServiceContext, loose_source: Path, engine: str, request: pytest.FixtureRequest
) -> None:
    target: URL = request.getfixturevalue(
        "pg_database" if engine == "postgresql" else "mysql_database"
    )
    ddl, refused = TARGETS[engine]
    execute(target, ddl)
    name = save(
        ctx, register(ctx, "legacy", loose_source), register(ctx, "new", target),
        source_table="visit", target_table="visit", error_policy="quarantine",
        mappings=mapping(*COLUMNS),
    )  # fmt: skip

    result = run_migration(ctx, name, log_dir=ctx.settings.data_dir)

    assert result.status is RunStatus.SUCCEEDED and result.reconciliation.ok
    assert (result.rows_read, result.rows_rejected) == (11, len(refused))
    rejects = fetch(
        target, "SELECT source_key, column_name, stage, reason FROM his_migration_rejects"
    )
    found = {
        int(key.strip("[]")): (column, stage, reason) for key, column, stage, reason in rejects
    }
    assert sorted(found) == sorted(refused)
    for id_, (column, stage, reason) in found.items():
        assert (column, stage) == (BAD[id_][0], "load")
        # Caught by the check, not by the engine's refusal of a whole bulk load.
        assert reason.startswith("the target would refuse it: ")
        expected = REASONS[column]
        assert any(
            part in reason for part in (expected if isinstance(expected, tuple) else (expected,))
        )
    loaded = fetch(target, "SELECT id FROM visit ORDER BY id")
    assert [row[0] for row in loaded] == [i for i in range(1, 12) if i not in refused]
    ((*row, clock),) = fetch(
        target, "SELECT code, n, amount, d, note, small, t FROM visit WHERE id = 11"
    )
    assert row == ["A1", 7, Decimal("12.50"), date(2024, 2, 29), "ok", 5]
    # PyMySQL reads TIME as the duration it is; psycopg2 as a time of day.
    assert clock == (timedelta(hours=8, minutes=30) if engine == "mysql" else time(8, 30))


def test_under_stop_the_first_refused_value_stops_naming_its_column(
    ctx: ServiceContext, loose_source: Path, pg_database: URL
) -> None:
    execute(pg_database, TARGETS["postgresql"][0])
    name = save(
        ctx, register(ctx, "legacy", loose_source), register(ctx, "new", pg_database),
        source_table="visit", target_table="visit", mappings=mapping(*COLUMNS),
    )  # fmt: skip
    with pytest.raises(MigrationFailed) as stopped:
        run_migration(ctx, name, log_dir=ctx.settings.data_dir)
    assert "column code: the target would refuse it: value too long" in stopped.value.message
    assert fetch(pg_database, "SELECT COUNT(*) FROM visit") == [(0,)]
