"""A date and a time going into one datetime: the suggested config reads both in one SQL
expression of the source's own dialect, and the migration writes the instants, read back from
PostgreSQL with plain SQL."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from services import mapping
from services.context import ServiceContext
from services.mapping.suggest import suggest_config
from services.migration import run_migration
from tests.factories import register_server
from tests.integration.migration_fixtures import execute, fetch

VISITS = [
    ("660101080000001", datetime.date(2023, 1, 1), datetime.time(8, 15)),
    ("660203134000002", datetime.date(2023, 2, 3), datetime.time(13, 40, 5)),
    ("661231235900003", datetime.date(2023, 12, 31), datetime.time(23, 59, 59)),
]


@pytest.fixture
def visits(ctx: ServiceContext, mysql_database: URL, pg_database: URL) -> URL:
    """`ovst` (vn, vstdate DATE, vsttime TIME) in MariaDB; `encounter` (a timestamp) in
    PostgreSQL; datasources `hosxp` and `newhis`."""
    rows = ", ".join(f"('{vn}', '{day}', '{clock}')" for vn, day, clock in VISITS)
    execute(
        mysql_database,
        "CREATE TABLE ovst (vn VARCHAR(15) PRIMARY KEY, vstdate DATE, vsttime TIME)",
        f"INSERT INTO ovst VALUES {rows}",
    )
    execute(
        pg_database,
        "CREATE TABLE encounter (visit_number VARCHAR(15) PRIMARY KEY, "
        "visit_start_datetime TIMESTAMP)",
    )
    register_server(ctx, "hosxp", mysql_database)
    register_server(ctx, "newhis", pg_database)
    return pg_database


def test_a_date_and_a_time_are_suggested_and_migrated_into_one_datetime(
    ctx: ServiceContext, visits: URL, tmp_path: Path
) -> None:
    data, found = suggest_config(
        ctx, "visits", source="hosxp.ovst", target="newhis.encounter", semantic=False
    )
    assert found is not None
    by_source = {s.source_column: s for s in found.suggestions}
    assert by_source["vstdate"].target_column == "visit_start_datetime"
    assert by_source["vstdate"].combined_with == "vsttime"
    assert by_source["vsttime"].combined_with == "vstdate"
    combined = [m for m in data["mappings"] if m.get("target") == "visit_start_datetime"]
    assert [m["source"] for m in combined] == [
        "CONCAT(CAST(`vstdate` AS CHAR), ' ', CAST(`vsttime` AS CHAR))"
    ]
    (time_alone,) = [m for m in data["mappings"] if m["source"] == "vsttime"]
    assert time_alone["ignore"] is True

    mapping.save_config(ctx, data)
    run_migration(ctx, "visits", log_dir=tmp_path)

    rows = fetch(
        visits, "SELECT visit_number, visit_start_datetime FROM encounter ORDER BY visit_number"
    )
    assert rows == [(vn, datetime.datetime.combine(day, clock)) for vn, day, clock in VISITS]
