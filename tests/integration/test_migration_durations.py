"""MySQL TIME is a duration (-838:59:59 to 838:59:59): a created PostgreSQL target holds it as
an interval, every value exact, and a PostgreSQL interval comes back as MySQL TIME. A time of
day still loads into an existing PostgreSQL TIME column, as before."""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from services.context import ServiceContext
from services.migration import run_migration
from tests.integration.migration_fixtures import execute, fetch, mapping, register, save

READERS = pytest.mark.parametrize("fast_reader", [True, False], ids=["connectorx", "driver"])
# (sign, hours, minutes, seconds, microseconds); None is NULL. The first two are times of day,
# which connectorx reads; at the third it fails, and the driver reads on from that key.
DURATIONS = [
    (1, 0, 0, 0, 0),
    (1, 23, 59, 59, 500000),
    (1, 838, 59, 59, 0),
    (-1, 838, 59, 59, 0),
    (-1, 0, 0, 1, 0),
    (1, 24, 0, 0, 0),
    (1, 100, 0, 0, 500000),
    (-1, 0, 0, 1, 500000),
    None,
]


def mysql_text(value: tuple | None) -> str | None:
    """How MariaDB writes the value in a TIME(6) literal."""
    if value is None:
        return None
    sign, hours, minutes, seconds, micro = value
    return f"{'-' if sign < 0 else ''}{hours:02d}:{minutes:02d}:{seconds:02d}.{micro:06d}"


def postgres_text(value: tuple | None) -> str | None:
    """How PostgreSQL prints the interval: hours unbounded, fraction only when there is one."""
    if value is None:
        return None
    sign, hours, minutes, seconds, micro = value
    fraction = f".{micro:06d}".rstrip("0") if micro else ""
    return f"{'-' if sign < 0 else ''}{hours:02d}:{minutes:02d}:{seconds:02d}{fraction}"


def as_timedelta(value: tuple | None) -> timedelta | None:
    if value is None:
        return None
    sign, hours, minutes, seconds, micro = value
    return sign * timedelta(hours=hours, minutes=minutes, seconds=seconds, microseconds=micro)


def seconds(value: tuple | None) -> Decimal | None:
    if value is None:
        return None
    sign, hours, minutes, seconds_, micro = value
    return sign * (Decimal(hours * 3600 + minutes * 60 + seconds_) + Decimal(micro) / 10**6)


def durations_source(where: URL) -> None:
    rows = ", ".join(
        f"({i}, {'NULL' if v is None else repr(mysql_text(v))})" for i, v in enumerate(DURATIONS)
    )
    execute(
        where,
        "CREATE TABLE waits (id INT PRIMARY KEY, waited TIME(6))",
        f"INSERT INTO waits VALUES {rows}",
    )


def migrate(ctx: ServiceContext, source: URL, target: URL, table: str, new: str, **more) -> Path:
    name = save(
        ctx,
        register(ctx, f"from_{new}", source),
        register(ctx, f"to_{new}", target),
        source_table=table,
        target_table=new,
        batch_size=2,
        mappings=mapping("id", "waited"),
        **more,
    )
    result = run_migration(ctx, name, log_dir=ctx.settings.data_dir)
    assert result.reconciliation is not None and result.reconciliation.ok
    return ctx.settings.data_dir / Path(result.log_path or "").name


@READERS
def test_mysql_time_at_its_extremes_goes_to_a_postgresql_interval_and_back(
    ctx: ServiceContext, mysql_database: URL, pg_database: URL, fast_reader: bool
) -> None:
    ctx.settings.fast_reader = fast_reader
    durations_source(mysql_database)

    log = migrate(ctx, mysql_database, pg_database, "waits", "waits", create_target_table=True)

    assert fetch(
        pg_database,
        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
        "WHERE attrelid = 'waits'::regclass AND attname = 'waited'",
    ) == [("interval",)]
    found = fetch(
        pg_database,
        "SELECT waited::text, EXTRACT(EPOCH FROM waited), waited FROM waits ORDER BY id",
    )
    assert found == [(postgres_text(v), seconds(v), as_timedelta(v)) for v in DURATIONS]
    if fast_reader:
        assert "gave way to the driver" in log.read_text("utf-8")  # connectorx stopped at 838 h

    migrate(ctx, pg_database, mysql_database, "waits", "waits_back", create_target_table=True)

    assert fetch(
        mysql_database,
        "SELECT column_type FROM information_schema.columns "
        "WHERE table_schema = DATABASE() AND table_name = 'waits_back' AND column_name = 'waited'",
    ) == [("time(6)",)]
    back = fetch(mysql_database, "SELECT CAST(waited AS CHAR), waited FROM waits_back ORDER BY id")
    assert back == [(mysql_text(v), as_timedelta(v)) for v in DURATIONS]


@READERS
def test_an_interval_mysql_time_cannot_hold_is_refused_not_rewritten(
    ctx: ServiceContext, mysql_database: URL, pg_database: URL, fast_reader: bool
) -> None:
    # '1 day 02:00:00' is not 26 hours (a day can last 23 or 25 around a clock change), and
    # '1 mon' is no fixed number of hours at all: the target refuses them, row by row.
    ctx.settings.fast_reader = fast_reader
    execute(
        pg_database,
        "CREATE TABLE waits (id INT PRIMARY KEY, waited INTERVAL)",
        "INSERT INTO waits VALUES (1, '26:00:00'), (2, '1 day 02:00:00'), (3, '1 mon'), "
        "(4, '839:00:00'), (5, '-00:00:00.000001')",
    )

    migrate(
        ctx,
        pg_database,
        mysql_database,
        "waits",
        "waits",
        create_target_table=True,
        error_policy="quarantine",
    )

    assert fetch(mysql_database, "SELECT id, waited FROM waits ORDER BY id") == [
        (1, timedelta(hours=26)),
        (5, -timedelta(microseconds=1)),
    ]
    rejected = fetch(mysql_database, "SELECT source_key, reason FROM his_migration_rejects")
    assert sorted(key for key, _ in rejected) == ["[2]", "[3]", "[4]"]
    reasons = [reason for _, reason in sorted(rejected)]
    assert ["truncated" in reasons[0], "truncated" in reasons[1]] == [True, True]
    assert "Out of range value for column 'waited'" in reasons[2]


@READERS
def test_a_time_of_day_still_loads_into_an_existing_postgresql_time_column(
    ctx: ServiceContext, mysql_database: URL, pg_database: URL, fast_reader: bool
) -> None:
    ctx.settings.fast_reader = fast_reader
    execute(
        mysql_database,
        "CREATE TABLE waits (id INT PRIMARY KEY, waited TIME(6))",
        "INSERT INTO waits VALUES (1, '08:30:00'), (2, '23:59:59.999999'), (3, '00:00:00'), "
        "(4, NULL), (5, '00:00:00.000001')",
    )
    execute(pg_database, "CREATE TABLE waits (id INT PRIMARY KEY, waited TIME(6))")

    migrate(ctx, mysql_database, pg_database, "waits", "waits")

    assert fetch(pg_database, "SELECT waited FROM waits ORDER BY id") == [
        (time(8, 30),),
        (time(23, 59, 59, 999999),),
        (time(0, 0),),
        (None,),
        (time(0, 0, 0, 1),),
    ]
