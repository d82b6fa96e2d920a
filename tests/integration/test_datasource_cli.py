"""`his-analyzer datasource update|remove`, run as a user would run them, on the real servers."""

from __future__ import annotations

import json
import socket
import sqlite3
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from tests.factories import server_version
from tests.integration.test_cli import add_args


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def shown(cli, name: str) -> dict[str, str]:
    """`datasource show` as field → value."""
    result = cli("datasource", "show", name)
    assert result.returncode == 0, result.stderr
    cells = (line.split("│") for line in result.stdout.splitlines() if "│" in line)
    return {cell[1].strip(): cell[2].strip() for cell in cells}


def test_update_fixes_a_wrong_host_and_port_then_test_works(cli, pg_server: URL) -> None:
    port = closed_port()
    added = cli(*add_args("newhis", pg_server, **{"--host": "127.0.0.2", "--port": str(port)}))
    assert added.returncode == 0, added.stderr
    failed = cli("datasource", "test", "newhis")
    assert failed.returncode == 1 and f"127.0.0.2:{port}" in failed.stderr

    updated = cli(
        "datasource", "update", "newhis", "--host", "127.0.0.1", "--port", str(pg_server.port)
    )
    assert updated.returncode == 0, updated.stderr
    assert updated.stdout.strip() == "Datasource 'newhis' updated: host, port."
    fields = shown(cli, "newhis")
    assert (fields["host"], fields["port"]) == ("127.0.0.1", str(pg_server.port))
    assert fields["database"] == pg_server.database  # not given, so kept
    tested = cli("datasource", "test", "newhis")
    assert tested.returncode == 0, tested.stderr
    assert tested.stdout.startswith(f"OK: {server_version(pg_server)}")


def test_password_prompt_sets_it_without_ever_showing_it(
    cli, mysql_server: URL, tmp_path: Path
) -> None:
    user, password = f"his_{uuid.uuid4().hex[:8]}", "Upd@te-pw ไทย"
    admin = create_engine(mysql_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE USER '{user}'@'%' IDENTIFIED BY :pw"), {"pw": password})
        connection.execute(text(f"GRANT SELECT ON `{mysql_server.database}`.* TO '{user}'@'%'"))
    try:
        added = cli(*add_args("hosxp", mysql_server, **{"--user": user}))
        assert added.returncode == 0, added.stderr
        refused = cli("datasource", "test", "hosxp")
        assert "wrong user name or password" in refused.stderr

        updated = cli("datasource", "update", "hosxp", "--password-prompt", input=f"{password}\n")
        assert updated.returncode == 0, updated.stderr
        assert updated.stdout.strip().endswith("Datasource 'hosxp' updated: password.")
        tested = cli("datasource", "test", "hosxp")
        assert tested.returncode == 0, tested.stderr
        assert shown(cli, "hosxp")["password"] == "stored (encrypted)"

        removed = cli("datasource", "update", "hosxp", "--no-password")
        assert removed.stdout.strip() == "Datasource 'hosxp' updated: password."
        assert shown(cli, "hosxp")["password"] == "none"
        for result in (updated, tested, removed):
            assert password not in result.stdout + result.stderr
        # Not in the log, nor in clear in the metadata store.
        for path in (tmp_path / "data").rglob("*"):
            if path.is_file():
                assert password.encode() not in path.read_bytes(), path.name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP USER '{user}'@'%'"))
        admin.dispose()


def test_update_without_changes_or_of_an_unknown_datasource_fails_in_one_line(
    cli, pg_server: URL
) -> None:
    assert cli(*add_args("newhis", pg_server)).returncode == 0
    nothing = cli("datasource", "update", "newhis")
    assert (nothing.returncode, nothing.stderr.strip()) == (
        1,
        "error: Nothing to change: give at least one option (see --help).",
    )
    missing = cli("datasource", "update", "nope", "--port", "5433")
    assert (missing.returncode, missing.stderr.strip()) == (
        1,
        "error: No datasource called 'nope'.",
    )
    bad = cli("datasource", "update", "newhis", "--port", "0")
    assert bad.stderr.strip() == "error: Port 0 is not between 1 and 65535."
    assert shown(cli, "newhis")["port"] == str(pg_server.port)


def test_options_are_merged_and_an_empty_value_drops_one(cli, pg_server: URL) -> None:
    added = cli(*add_args("newhis", pg_server), "--option", "sslmode=prefer", "--option", "a=1")
    assert added.returncode == 0, added.stderr
    updated = cli("datasource", "update", "newhis", "--option", "a=", "--option", "b=2")
    assert updated.returncode == 0, updated.stderr
    assert shown(cli, "newhis")["options"] == "sslmode=prefer, b=2"


# --- rename and removal, on SQLite datasources a config and a pipeline use ---------------------


def make_databases(tmp_path: Path) -> tuple[Path, Path]:
    source, target = tmp_path / "hosxp.sqlite", tmp_path / "newhis.sqlite"
    with sqlite3.connect(source) as db:
        db.execute("CREATE TABLE patient (hn TEXT PRIMARY KEY, fname TEXT)")
        db.executemany("INSERT INTO patient VALUES (?, ?)", [("000001", "A"), ("000002", "B")])
    with sqlite3.connect(target) as db:
        db.execute("CREATE TABLE patient (hn TEXT PRIMARY KEY, fname TEXT)")
    return source, target


def register(cli, tmp_path: Path) -> tuple[Path, Path]:
    """hosxp → newhis; configs patient and patient_copy; pipeline nightly runs patient."""
    source, target = make_databases(tmp_path)
    for name, path in (("hosxp", source), ("newhis", target)):
        added = cli(
            "datasource", "add", "--name", name, "--type", "sqlite", "--database", str(path)
        )
        assert added.returncode == 0, added.stderr
    for config in ("patient", "patient_copy"):
        save_config(cli, tmp_path, config, shown(cli, "hosxp")["id"], shown(cli, "newhis")["id"])
    nightly = {"name": "nightly", "steps": [{"name": "patients", "config": "patient"}]}
    created = cli("pipeline", "create", "--file", str(write(tmp_path, "nightly.json", nightly)))
    assert created.returncode == 0, created.stderr
    return source, target


def save_config(cli, folder: Path, name: str, source_id: str, target_id: str) -> None:
    config = {
        "name": name,
        "source_datasource_id": source_id,
        "target_datasource_id": target_id,
        "source_table": "patient",
        "target_table": "patient",
        "mappings": [{"source": "hn", "target": "hn"}, {"source": "fname", "target": "fname"}],
    }
    saved = cli("config", "save", str(write(folder, f"{name}.json", config)))
    assert saved.returncode == 0, saved.stderr


def write(folder: Path, name: str, data: dict[str, Any]) -> Path:
    path = folder / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def rows(path: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT hn, fname FROM patient ORDER BY hn").fetchall()


def test_a_rename_keeps_the_id_and_the_config_still_runs(cli, tmp_path: Path) -> None:
    source, target = register(cli, tmp_path)
    before = shown(cli, "hosxp")

    renamed = cli("datasource", "update", "hosxp", "--name", "hosxp-prod")
    assert renamed.returncode == 0, renamed.stderr
    assert renamed.stdout.strip() == "Datasource 'hosxp-prod' updated: name."
    after = shown(cli, "hosxp-prod")
    assert after["id"] == before["id"]
    assert {k: v for k, v in after.items() if k not in ("name", "updated")} == {
        k: v for k, v in before.items() if k not in ("name", "updated")
    }
    assert cli("datasource", "show", "hosxp").returncode == 1
    config = cli("config", "show", "patient")
    assert f"│ source_datasource_id │ {before['id']} │" in config.stdout, config.stdout

    ran = cli("migrate", "patient")
    assert ran.returncode == 0, ran.stderr
    assert rows(target) == rows(source) == [("000001", "A"), ("000002", "B")]


def test_remove_is_refused_naming_the_configs_and_pipeline_unless_forced(
    cli, tmp_path: Path
) -> None:
    register(cli, tmp_path)
    refusal = (
        "error: Datasource 'hosxp' is used by configs patient, patient_copy and pipeline "
        "nightly; remove them first or use --force."
    )
    for args in ((), ("--yes",)):
        refused = cli("datasource", "remove", "hosxp", *args)
        assert (refused.returncode, refused.stderr.strip()) == (1, refusal)
    assert shown(cli, "hosxp")["name"] == "hosxp"

    declined = cli("datasource", "remove", "hosxp", "--force", input="n\n")
    assert declined.returncode == 1
    assert (
        "Remove datasource 'hosxp', used by configs patient, patient_copy and pipeline nightly?"
        in declined.stdout
    )
    assert shown(cli, "hosxp")["name"] == "hosxp"

    forced = cli("datasource", "remove", "hosxp", "--force", "--yes")
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout.strip() == "Datasource 'hosxp' removed."
    assert cli("datasource", "show", "hosxp").returncode == 1
    # Nothing uses newhis once its configs are deleted: removed without --force.
    for config in ("patient", "patient_copy"):
        assert cli("config", "delete", config, "--yes").returncode == 0
    assert cli("pipeline", "delete", "nightly", "--yes").returncode == 0
    assert cli("datasource", "remove", "newhis", "--yes").returncode == 0
