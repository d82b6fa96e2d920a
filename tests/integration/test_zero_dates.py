"""MySQL zero dates: ZERO_DATE_TO_NULL turns them into NULL on their way to PostgreSQL and the
run says how many, per column; the profiler counts them on MariaDB beforehand."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from models.profile import ProfileMode
from services.context import ServiceContext
from services.migration import run_migration
from services.profiling import profile_datasource
from services.reports.writer import csv_text
from tests.integration.migration_fixtures import execute, fetch, mapping, register, save

ROWS = 300
ZERO = [{"name": "ZERO_DATE_TO_NULL"}]


def day(i: int) -> str | None:
    if i % 97 == 0:
        return None  # a real NULL: nothing to convert, nothing counted
    return "0000-00-00" if i % 50 == 0 else f"2024-{i % 12 + 1:02d}-{i % 28 + 1:02d}"


def stamp(i: int) -> str | None:
    if i % 70 == 0:
        return "0000-00-00 00:00:00"
    return f"2023-{i % 12 + 1:02d}-{i % 28 + 1:02d} {i % 24:02d}:{i % 60:02d}:{i % 60:02d}.{i:06d}"


def legacy_source(where: URL) -> None:
    def literal(text: str | None) -> str:
        return "NULL" if text is None else f"'{text}'"

    values = ", ".join(
        f"({i}, {literal(day(i))}, {literal(stamp(i))}, 'visit {i}')" for i in range(1, ROWS + 1)
    )
    execute(
        where,
        "SET SESSION sql_mode = ''",  # how a legacy HIS server let zero dates in
        "CREATE TABLE legacy (id INT PRIMARY KEY, d DATE, dt DATETIME(6), note VARCHAR(20))",
        f"INSERT INTO legacy VALUES {values}",
    )


def expected_value(text: str | None, kind: type) -> date | datetime | None:
    if text is None or text.startswith("0000"):
        return None
    return kind.fromisoformat(text)


@pytest.mark.parametrize("fast_reader", [True, False], ids=["connectorx", "driver"])
def test_zero_dates_arrive_as_null_and_are_counted_per_column(
    ctx: ServiceContext, mysql_database: URL, pg_database: URL, fast_reader: bool
) -> None:
    ctx.settings.fast_reader = fast_reader
    legacy_source(mysql_database)
    name = save(
        ctx,
        register(ctx, "maria", mysql_database),
        register(ctx, "pg", pg_database),
        source_table="legacy",
        target_table="legacy",
        create_target_table=True,
        batch_size=40,
        mappings=mapping("id", "d", "dt", "note", d=ZERO, dt=ZERO),
    )

    result = run_migration(ctx, name, log_dir=ctx.settings.data_dir)

    zero_days = sum(1 for i in range(1, ROWS + 1) if (day(i) or "").startswith("0000"))
    zero_stamps = sum(1 for i in range(1, ROWS + 1) if (stamp(i) or "").startswith("0000"))
    assert (zero_days, zero_stamps) == (6, 4)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (ROWS, ROWS, 0)
    assert result.conversions == {"d: ZERO_DATE_TO_NULL": 6, "dt: ZERO_DATE_TO_NULL": 4}
    assert result.to_dict()["conversions"] == result.conversions
    assert result.reconciliation is not None and result.reconciliation.ok
    assert fetch(pg_database, "SELECT id, d, dt, note FROM legacy ORDER BY id") == [
        (i, expected_value(day(i), date), expected_value(stamp(i), datetime), f"visit {i}")
        for i in range(1, ROWS + 1)
    ]
    log = (ctx.settings.data_dir / Path(result.log_path or "").name).read_text("utf-8")
    assert "converted as configured: d: ZERO_DATE_TO_NULL 6, dt: ZERO_DATE_TO_NULL 4" in log


def test_without_the_transformer_zero_dates_are_still_quarantined(
    ctx: ServiceContext, mysql_database: URL, pg_database: URL
) -> None:
    legacy_source(mysql_database)
    name = save(
        ctx,
        register(ctx, "maria", mysql_database),
        register(ctx, "pg", pg_database),
        source_table="legacy",
        target_table="legacy",
        create_target_table=True,
        error_policy="quarantine",
        mappings=mapping("id", "d", "dt", "note"),
    )

    result = run_migration(ctx, name, log_dir=ctx.settings.data_dir)

    assert result.conversions == {}  # nothing was converted, so nothing is reported
    assert result.rows_rejected == 10  # 6 zero days and 4 zero datetimes, no row twice


def test_profile_counts_zero_dates_on_mariadb(ctx: ServiceContext, mysql_database: URL) -> None:
    legacy_source(mysql_database)
    execute(
        mysql_database,
        "SET SESSION sql_mode = ''",
        "ALTER TABLE legacy ADD COLUMN t TIME NULL",
        "UPDATE legacy SET t = '00:00:00' WHERE id % 3 = 0",
    )
    register(ctx, "maria", mysql_database)

    profile = profile_datasource(ctx, "maria", mode=ProfileMode.DEEP)

    (table,) = profile.tables
    counts = {column.name: column.zero_dates for column in table.columns}
    # A TIME holds no date, a VARCHAR no date either: not counted (None), not zero.
    assert counts == {"id": None, "d": 6, "dt": 4, "note": None, "t": None}
    header, *lines = csv_text(profile).splitlines()
    columns = header.split(",")
    assert columns[columns.index("zero_count") + 1] == "zero_dates"
    cells = {line.split(",")[columns.index("column")]: line.split(",") for line in lines}
    assert cells["d"][columns.index("zero_dates")] == "6"
    assert cells["note"][columns.index("zero_dates")] == ""


def test_profile_of_an_engine_without_zero_dates_has_no_such_column(
    ctx: ServiceContext, pg_database: URL
) -> None:
    execute(pg_database, "CREATE TABLE visit (id INT PRIMARY KEY, d DATE, dt TIMESTAMP)")
    register(ctx, "pg", pg_database)

    profile = profile_datasource(ctx, "pg", mode=ProfileMode.DEEP)

    assert [column.zero_dates for column in profile.tables[0].columns] == [None, None, None]
    assert "zero_dates" not in csv_text(profile).splitlines()[0]
