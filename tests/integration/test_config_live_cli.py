"""`config new`, datasources by name and the live checks of `config save`, run as a user would
on the real MariaDB (source) and PostgreSQL (target) servers: the rows a drafted config moves
are read back from PostgreSQL with plain SQL."""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import URL

from tests.conftest import COMMAND
from tests.integration.migration_fixtures import execute, fetch
from tests.integration.test_cli import add_args

Cli = Callable[..., subprocess.CompletedProcess[str]]

PATIENTS = [
    ("000000001", "Somchai", datetime.date(1980, 1, 31)),
    ("000000002", "Malee", datetime.date(1975, 12, 1)),
    ("000000003", "Niran", None),
]


@pytest.fixture
def servers(cli: Cli, mysql_database: URL, pg_database: URL) -> dict[str, URL]:
    """A `patient` table in MariaDB, datasources `src` (MariaDB) and `tgt` (PostgreSQL)."""
    execute(
        mysql_database,
        "CREATE TABLE patient (hn VARCHAR(9) PRIMARY KEY, name VARCHAR(50), birthday DATE)",
        "INSERT INTO patient VALUES ('000000001', 'Somchai', '1980-01-31'), "
        "('000000002', 'Malee', '1975-12-01'), ('000000003', 'Niran', NULL)",
    )
    for name, url in (("src", mysql_database), ("tgt", pg_database)):
        added = cli(*add_args(name, url))
        assert added.returncode == 0, added.stderr
    return {"source": mysql_database, "target": pg_database}


def write(folder: Path, name: str, data: dict[str, Any]) -> Path:
    path = folder / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def error_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.returncode == 1, result.stdout + result.stderr
    return result.stderr.strip().splitlines()


def test_new_prints_a_config_that_saves_and_moves_the_rows(
    cli: Cli, servers: dict[str, URL], tmp_path: Path
) -> None:
    drafted = cli("config", "new", "patients", "--source", "src.patient", "--target", "tgt")
    assert drafted.returncode == 0, drafted.stderr
    data = json.loads(drafted.stdout)
    assert data["source"] == "src" and data["target"] == "tgt"
    assert "source_datasource_id" not in data and "target_datasource_id" not in data
    assert (data["source_table"], data["target_table"]) == ("patient", "patient")
    assert data["create_target_table"] is True
    assert data["source_key"] == ["hn"] and data["key_columns"] == ["hn"]
    assert [(m["source"], m["target"]) for m in data["mappings"]] == [
        ("hn", "hn"),
        ("name", "name"),
        ("birthday", "birthday"),
    ]

    saved = cli("config", "save", str(write(tmp_path, "patients.json", data)))
    assert saved.returncode == 0, saved.stderr
    assert saved.stdout.strip() == "Config 'patients' saved as v1."
    migrated = cli("migrate", "patients")
    assert migrated.returncode == 0, migrated.stderr
    rows = fetch(servers["target"], "SELECT hn, name, birthday FROM patient ORDER BY hn")
    assert rows == PATIENTS


def test_new_save_matches_an_existing_target_by_name(cli: Cli, servers: dict[str, URL]) -> None:
    execute(
        servers["target"],
        'CREATE TABLE person (hn VARCHAR(9) PRIMARY KEY, "Name" VARCHAR(50), note TEXT)',
    )
    saved = cli(
        "config", "new", "people", "--source", "src.patient", "--target", "tgt.person", "--save"
    )
    assert saved.returncode == 0, saved.stderr
    assert saved.stdout.strip() == "Config 'people' saved as v1."
    exported = json.loads(cli("config", "export", "people").stdout)
    assert exported["create_target_table"] is False
    assert [(m["source"], m.get("target"), m["ignore"]) for m in exported["mappings"]] == [
        ("hn", "hn", False),
        ("name", "Name", False),  # matched ignoring case, spelled as the target has it
        ("birthday", None, True),  # the target has no such column
    ]

    migrated = cli("migrate", "people")
    assert migrated.returncode == 0, migrated.stderr
    rows = fetch(servers["target"], 'SELECT hn, "Name", note FROM person ORDER BY hn')
    assert rows == [(hn, name, None) for hn, name, _ in PATIENTS]

    again = cli(
        "config", "new", "people", "--source", "src.patient", "--target", "tgt.person", "--save"
    )
    assert error_lines(again) == ["error: Config 'people' already exists; choose another name."]


def test_new_names_a_missing_table_or_datasource(cli: Cli, servers: dict[str, URL]) -> None:
    table = cli("config", "new", "x", "--source", "src.patinet", "--target", "tgt")
    assert error_lines(table) == [
        "error: Datasource 'src' has no table 'patinet'; did you mean 'patient'?"
    ]
    datasource = cli("config", "new", "x", "--source", "scr.patient", "--target", "tgt")
    assert error_lines(datasource) == ["error: No datasource called 'scr'; did you mean 'src'?"]
    no_table = cli("config", "new", "x", "--source", "src", "--target", "tgt")
    assert error_lines(no_table) == [
        "error: 'src': give the source as DATASOURCE.TABLE, e.g. his.patient."
    ]


def other_installation(tmp_path: Path) -> Cli:
    """The command on a second, fresh installation (its own data directory)."""
    env = {**os.environ, "HIS_DATA_DIR": str(tmp_path / "other"), "HIS_SECRET_KEY": "other"}
    env.pop("HIS_DATABASE_URL", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        assert COMMAND
        return subprocess.run(
            [COMMAND, *args], env=env, cwd=tmp_path, capture_output=True, text=True,
            timeout=120, stdin=subprocess.DEVNULL,
        )  # fmt: skip

    return run


def test_export_carries_names_and_imports_on_another_installation(
    cli: Cli, servers: dict[str, URL], tmp_path: Path
) -> None:
    data = json.loads(
        cli("config", "new", "p", "--source", "src.patient", "--target", "tgt").stdout
    )
    assert cli("config", "save", str(write(tmp_path, "p.json", data))).returncode == 0
    exported = cli("config", "export", "p", "--out", str(tmp_path / "export.json"))
    assert exported.returncode == 0, exported.stderr
    text = (tmp_path / "export.json").read_text(encoding="utf-8")
    assert json.loads(text)["source"] == "src" and json.loads(text)["target"] == "tgt"
    assert "datasource_id" not in text

    other = other_installation(tmp_path)
    missing = other("config", "import", str(tmp_path / "export.json"))
    assert error_lines(missing) == ["error: Invalid config: source: no datasource called 'src'"]
    for name, url in (("src", servers["source"]), ("tgt", servers["target"])):
        assert other(*add_args(name, url)).returncode == 0
    imported = other("config", "import", str(tmp_path / "export.json"))
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == "Config 'p' imported as v1."
    assert json.loads(other("config", "export", "p").stdout) == json.loads(text)
    migrated = other("migrate", "p")
    assert migrated.returncode == 0, migrated.stderr
    assert fetch(servers["target"], "SELECT count(*) FROM patient") == [(len(PATIENTS),)]


def datasource_id(cli: Cli, name: str) -> str:
    shown = cli("datasource", "show", name).stdout
    return re.search(r"\bid\b\W+([0-9a-f-]{36})", shown).group(1)  # type: ignore[union-attr]


def test_datasource_names_and_ids_must_agree(
    cli: Cli, servers: dict[str, URL], tmp_path: Path
) -> None:
    base = {
        "name": "p",
        "source_table": "patient",
        "target_table": "patient",
        "create_target_table": True,
        "mappings": [{"source": "hn", "target": "hn"}],
    }
    typo = cli("config", "save", str(write(tmp_path, "a.json", {**base, "source": "srcc"})))
    assert error_lines(typo) == [
        "error: Invalid config: source: no datasource called 'srcc'; did you mean 'src'?"
    ]
    ids = {name: datasource_id(cli, name) for name in ("src", "tgt")}
    both = {**base, "source": "src", "source_datasource_id": ids["tgt"], "target": "tgt"}
    clash = cli("config", "save", str(write(tmp_path, "b.json", both)))
    assert error_lines(clash) == [
        f"error: Invalid config: source is datasource 'src' but source_datasource_id is "
        f"{ids['tgt']}, another one; give only one of them."
    ]
    by_id = {**base, "source": ids["src"], "target_datasource_id": ids["tgt"]}
    saved = cli("config", "save", str(write(tmp_path, "c.json", by_id)))
    assert saved.returncode == 0, saved.stderr
    exported = json.loads(cli("config", "export", "p").stdout)
    assert (exported["source"], exported["target"]) == ("src", "tgt")


def test_save_lists_every_live_problem_with_a_suggestion(
    cli: Cli, servers: dict[str, URL], tmp_path: Path
) -> None:
    execute(servers["target"], "CREATE TABLE person (hn VARCHAR(9) PRIMARY KEY, fullname TEXT)")
    config = {
        "name": "p", "source": "src", "target": "tgt", "source_table": "patient",
        "target_table": "person", "key_columns": ["hn"], "source_key": ["vn"],
        "mappings": [
            {"source": "nmae", "target": "fulname"},
            {"source": "birthday", "target": "fullname"},
            {"source": "UPPER(name)", "target": "hn"},  # an expression: not looked up
        ],
    }  # fmt: skip
    result = cli("config", "save", str(write(tmp_path, "p.json", config)))
    assert error_lines(result) == [
        "error: Config 'p' does not match the live schemas (3 problems):",
        "  mappings[0].source: no source column 'nmae'; did you mean 'name'?",
        "  source_key[0]: no source column 'vn'",
        "  mappings[0].target: the target table has no column 'fulname'; did you mean 'fullname'?",
    ]
    table = {**config, "source_table": "patinet", "target_table": "persn"}
    result = cli("config", "save", str(write(tmp_path, "t.json", table)))
    assert error_lines(result) == [
        "error: Config 'p' does not match the live schemas (2 problems):",
        "  source_table: datasource 'src' has no table 'patinet'; did you mean 'patient'?",
        "  target_table: datasource 'tgt' has no table 'persn'; did you mean 'person'?",
    ]
    assert cli("config", "list").stdout.count(" p ") == 0  # nothing was saved


def test_generate_sql_is_checked_without_reading_a_row(
    cli: Cli, servers: dict[str, URL], tmp_path: Path
) -> None:
    config = {
        "name": "q", "source": "src", "target": "tgt", "target_table": "q",
        "create_target_table": True, "generate_sql": "SELECT hn, name AS fullname FROM patient",
        "mappings": [{"source": "hn", "target": "hn"}, {"source": "ful_name", "target": "n"}],
    }  # fmt: skip
    result = cli("config", "save", str(write(tmp_path, "q.json", config)))
    assert error_lines(result)[1:] == [
        "  mappings[1].source: no source column 'ful_name'; did you mean 'fullname'?"
    ]
    bad = {**config, "generate_sql": "SELECT hn, nme FROM patient"}
    result = cli("config", "save", str(write(tmp_path, "b.json", bad)))
    (line,) = error_lines(result)[1:]
    assert line.startswith("  generate_sql: the source refuses it: Unknown column 'nme' in ")
    writes = {**config, "generate_sql": "DELETE FROM patient"}
    result = cli("config", "save", str(write(tmp_path, "w.json", writes)))
    assert error_lines(result)[1:] == [
        "  generate_sql (MariaDB / MySQL) must be a SELECT, not DELETE."
    ]
    assert fetch(servers["source"], "SELECT count(*) FROM patient") == [(len(PATIENTS),)]


def test_offline_skips_the_check_and_the_run_names_the_column(
    cli: Cli, servers: dict[str, URL], tmp_path: Path
) -> None:
    config = {
        "name": "p", "source": "src", "target": "tgt", "source_table": "patient",
        "target_table": "patient", "create_target_table": True,
        "mappings": [{"source": "hn", "target": "hn"}, {"source": "nmae", "target": "name"}],
    }  # fmt: skip
    path = write(tmp_path, "p.json", config)
    assert cli("config", "save", str(path)).returncode == 1
    saved = cli("config", "save", str(path), "--offline")
    assert saved.returncode == 0, saved.stderr
    migrated = cli("migrate", "p")
    assert migrated.returncode == 1
    lines = [line for line in migrated.stderr.splitlines() if line.startswith("error:")]
    assert lines == [
        "error: Step 'p': mappings[1].source: no source column 'nmae'; did you mean 'name'?"
    ], migrated.stderr
    for driver_text in ("pymysql", "psycopg2", "1054", "OperationalError"):
        assert driver_text not in migrated.stdout + migrated.stderr


def test_an_unreachable_datasource_suggests_offline(
    cli: Cli, servers: dict[str, URL], tmp_path: Path
) -> None:
    added = cli(*add_args("down", servers["source"], **{"--port": "1"}))
    assert added.returncode == 0, added.stderr
    config = {"name": "p", "source": "down", "target": "tgt", "source_table": "patient",
              "target_table": "patient", "create_target_table": True,
              "mappings": [{"source": "hn", "target": "hn"}]}  # fmt: skip
    path = write(tmp_path, "p.json", config)
    (line,) = error_lines(cli("config", "save", str(path)))
    assert line.startswith("error: Cannot check the config against datasource 'down': ")
    assert line.endswith("; use --offline to save without the check.")
    assert cli("config", "save", str(path), "--offline").returncode == 0
