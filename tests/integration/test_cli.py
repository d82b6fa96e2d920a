"""The installed `his-analyzer` command, run as a user would run it."""

from __future__ import annotations

import socket

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from tests.factories import server_version


def add_args(name: str, url: URL, **overrides: str) -> list[str]:
    db_type = "mysql" if url.get_backend_name() == "mysql" else "postgresql"
    fields = {
        "--name": name,
        "--type": db_type,
        "--host": url.host,
        "--port": str(url.port),
        "--database": url.database,
        "--user": url.username,
    }
    fields.update(overrides)
    return ["datasource", "add", *[part for pair in fields.items() for part in pair]]


@pytest.mark.parametrize("server", ["mysql_server", "pg_server"])
def test_add_then_test_prints_the_server_version(
    cli, server: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue(server)
    added = cli(*add_args("src", url))
    assert added.returncode == 0, added.stderr
    tested = cli("datasource", "test", "src")
    assert tested.returncode == 0, tested.stderr
    assert tested.stdout.startswith(f"OK: {server_version(url)}")


def test_wrong_password_prints_one_line_and_fails(cli, mysql_server: URL) -> None:
    assert cli(*add_args("src", mysql_server, **{"--password": "Wr0ng-pw"})).returncode == 0
    tested = cli("datasource", "test", "src")
    assert tested.returncode == 1
    assert tested.stdout == ""
    lines = tested.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: ") and "wrong user name or password" in lines[0]
    assert "Wr0ng-pw" not in tested.stderr


def test_closed_port_prints_one_line_and_fails(cli, pg_server: URL) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert cli(*add_args("down", pg_server, **{"--port": str(port)})).returncode == 0
    tested = cli("datasource", "test", "down")
    assert tested.returncode == 1
    assert tested.stderr.strip() == (
        f"error: Cannot reach PostgreSQL at 127.0.0.1:{port}: the server is down, the host or "
        "port is wrong, or a firewall blocks it."
    )


def test_list_show_remove(cli, pg_server: URL) -> None:
    assert cli(*add_args("newhis", pg_server, **{"--password": "Pw-in-list"})).returncode == 0
    listed = cli("datasource", "list")
    assert "newhis" in listed.stdout and "postgresql" in listed.stdout
    shown = cli("datasource", "show", "newhis")
    assert "stored (encrypted)" in shown.stdout
    assert "Pw-in-list" not in listed.stdout + shown.stdout
    assert cli("datasource", "remove", "newhis", "--yes").returncode == 0
    missing = cli("datasource", "show", "newhis")
    assert missing.returncode == 1
    assert missing.stderr.strip() == "error: No datasource called 'newhis'."


def test_unknown_type_suggests_the_right_one(cli) -> None:
    result = cli("datasource", "add", "--name", "x", "--type", "postgres", "--database", "d")
    assert result.returncode == 1
    assert "Did you mean 'postgresql'?" in result.stderr


def test_schema_tables_and_columns(cli, pg_database: URL) -> None:
    engine = create_engine(pg_database)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE patient (hn VARCHAR(9) PRIMARY KEY, fname TEXT)"))
        connection.execute(text("INSERT INTO patient VALUES ('000001', 'สมศักดิ์')"))
        connection.execute(text("ANALYZE patient"))
    engine.dispose()
    assert cli(*add_args("his", pg_database)).returncode == 0
    tables = cli("schema", "tables", "his")
    assert tables.returncode == 0, tables.stderr
    assert "patient" in tables.stdout and "public" in tables.stdout
    columns = cli("schema", "columns", "his", "patient")
    assert columns.returncode == 0, columns.stderr
    assert "hn" in columns.stdout and "VARCHAR(9)" in columns.stdout and "PK" in columns.stdout
    missing = cli("schema", "columns", "his", "nope")
    assert (missing.returncode, missing.stderr.strip()) == (
        1,
        "error: No table 'nope' in schema 'public'.",
    )


def test_demo_init_is_idempotent(cli) -> None:
    first = cli("demo", "init")
    assert "created demo source, demo target" in first.stdout
    assert "already there" in cli("demo", "init").stdout
    assert "ovst" in cli("schema", "tables", "demo source").stdout
