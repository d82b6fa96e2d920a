"""The pure parts of drafting and live-checking configs: DS.TABLE references, name matching,
the suggestions, and the problems found against given live columns."""

from __future__ import annotations

from typing import Any

import psycopg2.errors
import pymysql
import pytest
import sqlalchemy.exc

from models.migration_config import MigrationConfig
from services.errors import InvalidInput
from services.mapping.draft import draft_mappings, in_config_order, split_table_reference
from services.mapping.live_check import (
    LiveTable,
    driver_reason,
    source_column_problems,
    target_column_problems,
)
from utils.text import did_you_mean


def config(**fields: Any) -> MigrationConfig:
    return MigrationConfig.model_validate(
        {"name": "p", "source_table": "patient", "target_table": "person", **fields}
    )


@pytest.mark.parametrize(
    ("reference", "required", "expected"),
    [
        ("his.patient", True, ("his", "patient")),
        ("his.prod.patient", True, ("his.prod", "patient")),  # a datasource name with a dot
        ("his.prod", False, ("his.prod", None)),  # the whole of it names a datasource
        ("new", False, ("new", None)),
        ("new.person", False, ("new", "person")),
        (" his.patient ", True, ("his", "patient")),
    ],
)
def test_table_references(reference: str, required: bool, expected: tuple) -> None:
    names = ["his", "his.prod", "new"]
    assert split_table_reference(reference, names, table_required=required) == expected


@pytest.mark.parametrize("reference", ["his", "his.", ".patient"])
def test_a_source_reference_needs_a_table(reference: str) -> None:
    with pytest.raises(InvalidInput, match="give the source as DATASOURCE.TABLE"):
        split_table_reference(reference, ["his"], table_required=True)


def test_mappings_match_target_columns_ignoring_case_in_source_order() -> None:
    assert draft_mappings(["HN", "fname", "cid"], ["cid", "hn", "note"]) == [
        {"source": "HN", "target": "hn"},
        {"source": "fname", "ignore": True},
        {"source": "cid", "target": "cid"},
    ]
    assert draft_mappings(["hn", "fname"], None) == [
        {"source": "hn", "target": "hn"},
        {"source": "fname", "target": "fname"},
    ]


def test_a_draft_is_a_whole_config_with_names_in_place_of_ids() -> None:
    drafted = in_config_order(
        {
            "name": "p",
            "source": "his",
            "source_table": "patient",
            "target": "new",
            "target_table": "patient",
            "mappings": [{"source": "hn", "ignore": True}],
        }  # fmt: skip
    )
    assert list(drafted)[:5] == ["name", "source", "source_table", "generate_sql", "target"]
    assert "source_datasource_id" not in drafted and drafted["load_mode"] == "append"
    assert drafted["mappings"][0]["ignore"] is True


def test_did_you_mean_ignores_case_and_keeps_the_spelling() -> None:
    assert did_you_mean("nmae", ["hn", "name"]) == "; did you mean 'name'?"
    assert did_you_mean("HN", ["hn", "name"]) == "; did you mean 'hn'?"
    assert did_you_mean("zzz", ["hn", "name"]) == ""
    assert did_you_mean("x", []) == ""


def test_source_columns_and_the_source_key_are_looked_up() -> None:
    checked = config(
        source_key=["hn", "vn"],
        mappings=[
            {"source": "hn", "target": "hn"},
            {"source": "fnmae", "target": "fname"},
            {"source": "LOWER(lname)", "target": "lname"},  # an expression, not a column
            {"source": "gone", "ignore": True},  # not read: not looked up
        ],
    )
    live = LiveTable(("hn", "fname", "lname"), ("hn",))
    assert source_column_problems(checked, live) == [
        "mappings[1].source: no source column 'fnmae'; did you mean 'fname'?",
        "source_key[1]: no source column 'vn'",
    ]


def test_query_columns_are_matched_ignoring_case() -> None:
    checked = config(mappings=[{"source": "FullName", "target": "n"}])
    assert source_column_problems(checked, LiveTable(("fullname",), ignore_case=True)) == []
    [problem] = source_column_problems(checked, LiveTable(("fullname",)))
    assert problem == "mappings[0].source: no source column 'FullName'; did you mean 'fullname'?"


def test_target_columns_and_key_columns_are_looked_up() -> None:
    checked = config(
        load_mode="upsert",
        key_columns=["hn"],
        mappings=[{"source": "hn", "target": "hn"}, {"source": "n", "target": "fulname"}],
    )
    assert target_column_problems(checked, LiveTable(("HN", "fullname"))) == [
        "mappings[0].target: the target table has no column 'hn'; did you mean 'HN'?",
        "mappings[1].target: the target table has no column 'fulname'; did you mean 'fullname'?",
        "key_columns[0]: the target table has no column 'hn'; did you mean 'HN'?",
    ]


def test_driver_reason_drops_the_code_tuple() -> None:
    mariadb = pymysql.err.OperationalError(1054, "Unknown column 'x' in 'SELECT'")
    wrapped = sqlalchemy.exc.OperationalError("SELECT x FROM t", {}, mariadb)
    assert driver_reason(wrapped) == "Unknown column 'x' in 'SELECT'"
    postgresql = psycopg2.errors.UndefinedColumn('column "x" does not exist\nLINE 1: SELECT x')
    wrapped = sqlalchemy.exc.ProgrammingError("SELECT x FROM t", {}, postgresql)
    assert driver_reason(wrapped) == 'column "x" does not exist'
