"""A VALUE_MAP that reads its mapping from a lookup table, on a real MariaDB → PostgreSQL run.

The lookup table lives in the source (as a hospital's code tables do); the expected names are
computed here from the rows the test itself inserted, not by the transformer under test.
"""

from __future__ import annotations

import pytest
from sqlalchemy.engine import URL

from models.datasource import Datasource
from models.status import RunStatus
from services.context import ServiceContext
from services.errors import InvalidConfig
from services.migration import run_migration
from tests.integration.migration_fixtures import execute, fetch, register, save

PTTYPES = {"10": "บัตรทอง (UC)", "20": "ข้าราชการ", "30": "ประกันสังคม"}
VISITS = [(vn, f"{vn % 3 + 1}0") for vn in range(1, 251)]  # every visit has a known pttype


@pytest.fixture
def hosxp(ctx: ServiceContext, mysql_database: URL) -> Datasource:
    execute(
        mysql_database,
        "CREATE TABLE pttype (pttype VARCHAR(2) PRIMARY KEY, name VARCHAR(100)) CHARSET utf8mb4",
        "CREATE TABLE ovst (vn INT PRIMARY KEY, pttype VARCHAR(2))",
        "INSERT INTO pttype VALUES "
        + ", ".join(f"('{code}', '{name}')" for code, name in PTTYPES.items()),
        "INSERT INTO ovst VALUES " + ", ".join(f"({vn}, '{code}')" for vn, code in VISITS),
    )
    return register(ctx, "hosxp", mysql_database)


def visits_config(ctx: ServiceContext, source: Datasource, target: URL, **lookup: str) -> str:
    table = {"datasource": "hosxp", "table": "pttype", "key_column": "pttype"}
    table |= {"value_column": "name", **lookup}
    value_map = {"name": "VALUE_MAP", "params": {"lookup": table}}
    return save(
        ctx,
        source,
        register(ctx, "warehouse", target),
        source_table="ovst",
        target_table="visits",
        create_target_table=True,
        batch_size=100,
        mappings=[
            {"source": "vn", "target": "vn"},
            {"source": "pttype", "target": "pttype_name", "transformers": [value_map]},
        ],
    )


def test_lookup_table_value_map_migrates_every_row(
    ctx: ServiceContext, hosxp: Datasource, pg_database: URL
) -> None:
    name = visits_config(ctx, hosxp, pg_database)
    result = run_migration(ctx, name)
    assert result.status is RunStatus.SUCCEEDED
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (250, 250, 0)
    assert result.reconciliation is not None and result.reconciliation.ok
    rows = fetch(pg_database, "SELECT vn, pttype_name FROM visits ORDER BY vn")
    assert rows == [(vn, PTTYPES[code]) for vn, code in VISITS]


@pytest.mark.parametrize(
    ("lookup", "reason"),
    [
        ({"table": "no_such_table"}, "Cannot read the lookup table 'no_such_table'"),
        ({"value_column": "no_such_column"}, "Cannot read the lookup table 'pttype'"),
        ({"datasource": "nowhere"}, "No datasource called 'nowhere'"),
    ],
    ids=["table", "column", "datasource"],
)
def test_a_missing_lookup_stops_before_anything_is_written(
    ctx: ServiceContext, hosxp: Datasource, pg_database: URL, lookup: dict, reason: str
) -> None:
    name = visits_config(ctx, hosxp, pg_database, **lookup)
    with pytest.raises(InvalidConfig) as raised:
        run_migration(ctx, name)
    message = raised.value.message
    assert message.startswith("Column 'pttype_name': VALUE_MAP: ") and reason in message
    assert "\n" not in message
    # Nothing was created in the target: no table, no bookkeeping.
    tables = fetch(pg_database, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    assert tables == []
