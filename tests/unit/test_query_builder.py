"""The source SELECT: generate_sql checked to be one read-only SELECT, or built from mappings."""

from __future__ import annotations

import pytest
import sqlglot

from dialects.registry import get_dialect
from models.migration_config import MigrationConfig
from services.errors import InvalidConfig
from services.migration.source_query import build_select, check_read_only_select

ENGINES = ["mysql", "postgresql", "mssql", "sqlite"]


def config(**fields: object) -> MigrationConfig:
    data: dict[str, object] = {
        "name": "ovst_to_visit",
        "source_table": "ovst",
        "target_table": "visit",
        "mappings": [
            {"source": "vn", "target": "visit_number"},
            {"source": "hn", "target": "hospital_number"},
            {"source": "hn", "target": "hn_copy"},
            {"source": "staff", "ignore": True},
            {"source": "vstdate", "target": "visit_date"},
        ],
    }
    data.update(fields)
    return MigrationConfig.model_validate(data)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    "sql",
    [
        "SELECT vn, hn FROM ovst WHERE vstdate >= '2023-01-01'",
        "WITH v AS (SELECT vn, hn FROM ovst) SELECT v.vn, p.cid FROM v JOIN patient p USING (hn)",
        "SELECT hn FROM ovst UNION SELECT hn FROM ipt",
        "SELECT COUNT(*) AS n, doctor FROM ovst GROUP BY doctor",
    ],
)
def test_read_only_selects_pass(engine: str, sql: str) -> None:
    assert check_read_only_select(sql, get_dialect(engine)) is not None


@pytest.mark.parametrize(
    ("engine", "sql", "reason"),
    [
        ("mysql", "SELECT 1; DROP TABLE patient", "exactly one SELECT statement, found 2"),
        ("postgresql", "DELETE FROM ovst", "must be a SELECT, not DELETE"),
        ("postgresql", "INSERT INTO x SELECT * FROM ovst", "must be a SELECT, not INSERT"),
        ("mysql", "UPDATE patient SET cid = NULL", "must be a SELECT, not UPDATE"),
        (
            "postgresql",
            "WITH d AS (DELETE FROM ovst RETURNING *) SELECT * FROM d",
            "must only read, but it contains DELETE",
        ),
        ("mssql", "SELECT * INTO ovst_copy FROM ovst", "SELECT … INTO"),
        ("postgresql", "SELECT * FROM ovst FOR UPDATE", "row lock"),
        ("mysql", "SELECT FROM WHERE", "does not parse"),
        ("sqlite", "", "found 0"),
    ],
)
def test_anything_else_is_refused_with_a_clear_reason(engine: str, sql: str, reason: str) -> None:
    with pytest.raises(InvalidConfig) as caught:
        check_read_only_select(sql, get_dialect(engine))
    assert reason in caught.value.message
    assert caught.value.field == "generate_sql"
    assert "\n" not in caught.value.message


@pytest.mark.parametrize("engine", ENGINES)
def test_built_select_reads_only_mapped_columns_once(engine: str) -> None:
    dialect = get_dialect(engine)
    sql = build_select(config(), dialect)
    tree = sqlglot.parse_one(sql, read=dialect.sqlglot_dialect)
    assert [column.name for column in tree.expressions] == ["vn", "hn", "vstdate"]
    assert tree.find(sqlglot.exp.Table).name == "ovst"


def test_expression_sources_are_checked_and_aliased() -> None:
    postgres = get_dialect("postgresql")
    sql = build_select(
        config(mappings=[{"source": "TRIM(fname) || ' ' || lname", "target": "full_name"}]),
        postgres,
        schema="public",
    )
    assert sql == 'SELECT TRIM(fname) || \' \' || lname AS "full_name" FROM "public"."ovst"'
    with pytest.raises(InvalidConfig):
        build_select(config(mappings=[{"source": "1; DROP TABLE ovst", "target": "x"}]), postgres)
