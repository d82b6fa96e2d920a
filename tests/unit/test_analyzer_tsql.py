"""The Bash analyzer's SQL for SQL Server (no server here): every statement it would send,
printed by `--print-sql`, parses as T-SQL; the MySQL and PostgreSQL statements parse too."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

SCRIPT = Path(__file__).resolve().parents[2] / "analysis_report" / "unified_db_analyzer.sh"

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def printed_sql(engine: str) -> dict[str, list[str]]:
    """The statements `--print-sql ENGINE` prints, per section (catalog, metadata, profile…)."""
    run = subprocess.run(
        ["bash", str(SCRIPT), "--print-sql", engine], capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stderr
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    for line in run.stdout.splitlines():
        if line.startswith("-- "):
            current = sections.setdefault(line[3:], [])
        elif line.strip():
            current.append(line)
    return {name: _statements(lines) for name, lines in sections.items()}


def _statements(lines: list[str]) -> list[str]:
    # A statement ends a line with ';' (the DDL spans lines; a value never ends one).
    statements, current = [], []
    for line in lines:
        current.append(line)
        if line.rstrip().endswith(";"):
            statements.append("\n".join(current))
            current = []
    assert not current, current
    return statements


def test_every_tsql_statement_parses() -> None:
    sections = printed_sql("mssql")

    assert set(sections) >= {"catalog", "metadata", "ddl"}
    assert any(name.startswith("profile ovst") for name in sections)
    for statements in sections.values():
        for statement in statements:
            (tree,) = sqlglot.parse(statement, read="tsql", error_level=ErrorLevel.RAISE)
            assert tree is not None, statement


def test_the_tsql_uses_sql_servers_own_spellings() -> None:
    profile = "\n".join(printed_sql("mssql")["profile ovst (basic: false)"])

    # One scan for the value counts of several columns; GROUPING() takes one column in T-SQL.
    assert "GROUPING_ID([hn], [vstdate])" in profile and "GROUPING(" not in profile
    # No LIMIT, no ||, no CHAR_LENGTH: T-SQL has OFFSET … FETCH, + and LEN/DATALENGTH.
    assert " LIMIT " not in profile and "||" not in profile and "CHAR_LENGTH" not in profile
    assert "OFFSET 0 ROWS FETCH NEXT 11 ROWS ONLY" in profile
    assert "DATALENGTH([vn]) = 0" in profile
    # Each output line is one NVARCHAR(MAX) text: sqlcmd prints it without column padding.
    for statement in printed_sql("mssql")["profile ovst (basic: false)"][1:]:
        (tree,) = sqlglot.parse(statement, read="tsql")
        assert len(tree.expressions) == 1, statement


def test_the_tsql_ddl_creates_each_table_with_its_key() -> None:
    (ddl,) = printed_sql("mssql")["ddl"]

    tree = sqlglot.parse_one(ddl, read="tsql")

    assert isinstance(tree, exp.Create)
    assert tree.find(exp.Table).name == "ovst"
    assert [column.name for column in tree.find_all(exp.ColumnDef)] == ["vn", "hn", "income"]
    assert tree.find(exp.PrimaryKey) is not None


@pytest.mark.parametrize(("engine", "dialect"), [("mysql", "mysql"), ("postgresql", "postgres")])
def test_the_mysql_and_postgresql_statements_parse_too(engine: str, dialect: str) -> None:
    for statements in printed_sql(engine).values():
        for statement in statements:
            sqlglot.parse(statement, read=dialect, error_level=ErrorLevel.RAISE)


def test_an_unknown_engine_is_refused_in_one_line() -> None:
    run = subprocess.run(
        ["bash", str(SCRIPT), "--print-sql", "oracle"], capture_output=True, text=True, check=False
    )

    assert run.returncode == 2
    assert run.stderr.startswith("unified_db_analyzer: ") and run.stderr.count("\n") == 1
