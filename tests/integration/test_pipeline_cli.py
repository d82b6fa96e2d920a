"""`his-analyzer pipeline …`, run as a user would run it."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

CONFIG_NAMES = ("patient", "ovst", "ovstdiag")
COLUMNS = {
    "patient": ("hn", "fname"),
    "ovst": ("vn", "hn", "vstdate"),
    "ovstdiag": ("id", "vn", "icd10"),
}
NIGHTLY = {
    "name": "nightly",
    "description": "HOSxP to the new HIS",
    "steps": [
        {"name": "patients", "config": "patient"},
        {"name": "visits", "config": "ovst", "depends_on": ["patients"], "batch_size": 40},
        {
            "name": "diagnoses",
            "config": "ovstdiag",
            "depends_on": ["visits"],
            "error_policy": "quarantine",
        },
    ],
}


def write(folder: Path, name: str, data: dict[str, Any]) -> Path:
    path = folder / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def save_configs(cli, folder: Path, **datasources: str) -> None:
    """One config per HOSxP table, copying it column for column."""
    for table in CONFIG_NAMES:
        config = {
            "name": table,
            "source_table": table,
            "target_table": table,
            "mappings": [{"source": column, "target": column} for column in COLUMNS[table]],
            **datasources,
        }
        saved = cli("config", "save", str(write(folder, f"{table}.json", config)))
        assert saved.returncode == 0, saved.stderr


def test_create_from_a_file_show_list_runs_delete(cli, tmp_path: Path) -> None:
    save_configs(cli, tmp_path)
    created = cli("pipeline", "create", "--file", str(write(tmp_path, "nightly.json", NIGHTLY)))
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip() == "Pipeline 'nightly' created: 3 steps in 3 levels."

    shown = cli("pipeline", "show", "nightly")
    assert shown.returncode == 0, shown.stderr
    rows = {line.split("│")[2].strip(): line for line in shown.stdout.splitlines() if "│" in line}
    assert "ovst" in rows["visits"] and "patients" in rows["visits"]
    assert "batch_size=40" in rows["visits"]
    assert "error_policy=quarantine" in rows["diagnoses"]
    assert "  1. patients\n  2. visits\n  3. diagnoses\n" in shown.stdout
    assert "Never run." in shown.stdout

    listed = cli("pipeline", "list")
    row = next(line for line in listed.stdout.splitlines() if "nightly" in line)
    assert "│ 3 " in row and "never" in row

    runs = cli("pipeline", "runs", "nightly")
    assert runs.returncode == 0, runs.stderr

    assert cli("pipeline", "delete", "nightly", "--yes").returncode == 0
    missing = cli("pipeline", "show", "nightly")
    assert missing.returncode == 1
    assert missing.stderr.strip() == "error: No pipeline called 'nightly'."


def test_create_from_step_and_after_options(cli, tmp_path: Path) -> None:
    save_configs(cli, tmp_path)
    created = cli(
        "pipeline", "create", "wide",
        "--step", "patients=patient", "--step", "visits=ovst", "--step", "diagnoses=ovstdiag",
        "--after", "diagnoses:patients,visits", "--description", "two roots",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip() == "Pipeline 'wide' created: 3 steps in 2 levels."
    shown = cli("pipeline", "show", "wide")
    assert "  1. patients, visits\n  2. diagnoses\n" in shown.stdout
    row = next(line for line in shown.stdout.splitlines() if "diagnoses" in line and "│" in line)
    assert "patients, visits" in row


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--step", "a=patient", "--step", "b=ovst", "--after", "a:b", "--after", "b:a"],
            "error: Pipeline 'loop' has a cycle: a → b → a.",
        ),
        (["--step", "a=nope"], "error: Step 'a': no mapping config called 'nope'."),
        (["--step", "a"], "error: --step 'a': write it as STEP=CONFIG."),
        (
            ["--step", "a=patient", "--after", "x:a"],
            "error: --after 'x:a': 'x' is not a step (steps: a).",
        ),
        ([], "error: No steps: give --file or at least one --step STEP=CONFIG."),
    ],
    ids=["cycle", "unknown-config", "bad-step", "unknown-step", "no-steps"],
)
def test_mistakes_are_refused_in_one_line_and_nothing_is_saved(
    cli, tmp_path: Path, args: list[str], message: str
) -> None:
    save_configs(cli, tmp_path)
    refused = cli("pipeline", "create", "loop", *args)
    assert refused.returncode == 1
    assert refused.stderr.strip() == message
    assert "loop" not in cli("pipeline", "list").stdout


def test_a_malformed_file_is_refused_in_one_line(cli, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"steps": [{"name": "a", "config": "patient",}]}', encoding="utf-8")
    refused = cli("pipeline", "create", "--file", str(path))
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "error: broken.json: not valid JSON: line 1, column 46: "
        "Expecting property name enclosed in double quotes."
    )


# --- running, end to end, SQLite to SQLite ----------------------------------------------------


def make_source(path: Path) -> None:
    """A small HOSxP-like source: 30 patients, 120 visits, 200 diagnoses (Thai names too)."""
    with sqlite3.connect(path) as db:
        db.executescript(
            """
            CREATE TABLE patient (hn TEXT PRIMARY KEY, fname TEXT);
            CREATE TABLE ovst (vn TEXT PRIMARY KEY, hn TEXT, vstdate TEXT);
            CREATE TABLE ovstdiag (id INTEGER PRIMARY KEY, vn TEXT, icd10 TEXT);
            """
        )
        db.executemany(
            "INSERT INTO patient VALUES (?, ?)", [(f"{i:06d}", f"สมชาย {i}") for i in range(30)]
        )
        db.executemany(
            "INSERT INTO ovst VALUES (?, ?, ?)",
            [(f"v{i:05d}", f"{i % 30:06d}", f"2024-01-{i % 28 + 1:02d}") for i in range(120)],
        )
        db.executemany(
            "INSERT INTO ovstdiag VALUES (?, ?, ?)",
            [(i, f"v{i % 120:05d}", ("E11.9", "I10", "J00")[i % 3]) for i in range(200)],
        )


def make_target(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.executescript(
            """
            CREATE TABLE patient (hn TEXT PRIMARY KEY, fname TEXT);
            CREATE TABLE ovst (vn TEXT PRIMARY KEY, hn TEXT, vstdate TEXT);
            CREATE TABLE ovstdiag (id INTEGER PRIMARY KEY, vn TEXT, icd10 TEXT);
            """
        )


def rows(path: Path, table: str) -> list[tuple[Any, ...]]:
    """A table's rows, read with plain sqlite3 (not the code under test)."""
    with sqlite3.connect(path) as db:
        return db.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()


def datasource_id(cli, name: str) -> str:
    shown = cli("datasource", "show", name)
    assert shown.returncode == 0, shown.stderr
    return re.search(r"│ id\s+│ ([0-9a-f-]{36})", shown.stdout).group(1)  # type: ignore[union-attr]


def register_sqlite(cli, tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    source, target = tmp_path / "hosxp.sqlite", tmp_path / "newhis.sqlite"
    make_source(source)
    make_target(target)
    for name, path in (("hosxp", source), ("newhis", target)):
        added = cli(
            "datasource", "add", "--name", name, "--type", "sqlite", "--database", str(path)
        )
        assert added.returncode == 0, added.stderr
    ids = {
        "source_datasource_id": datasource_id(cli, "hosxp"),
        "target_datasource_id": datasource_id(cli, "newhis"),
    }
    return source, target, ids


def test_run_moves_every_table_in_dependency_order(cli, tmp_path: Path) -> None:
    source, target, ids = register_sqlite(cli, tmp_path)
    save_configs(cli, tmp_path, **ids)
    assert (
        cli("pipeline", "create", "--file", str(write(tmp_path, "n.json", NIGHTLY))).returncode == 0
    )

    ran = cli("pipeline", "run", "nightly", "--workers", "2", "--batch-size", "25")
    assert ran.returncode == 0, ran.stderr
    for table in CONFIG_NAMES:
        assert rows(target, table) == rows(source, table)
    result = {line.split("│")[1].strip(): line for line in ran.stdout.splitlines() if "│" in line}
    assert "succeeded" in result["patients"] and " 30 " in result["patients"]
    assert " 120 " in result["visits"] and " 200 " in result["diagnoses"]
    assert "Pipeline 'nightly' succeeded" in ran.stdout

    runs = cli("pipeline", "runs", "nightly")
    assert "succeeded" in runs.stdout and "3 succeeded" in runs.stdout


def test_a_failed_step_skips_its_dependants_and_exits_1(cli, tmp_path: Path) -> None:
    source, target, ids = register_sqlite(cli, tmp_path)
    save_configs(cli, tmp_path, **ids)
    with sqlite3.connect(source) as db:
        db.execute("DROP TABLE ovst")  # the visits step cannot read its source
    assert (
        cli("pipeline", "create", "--file", str(write(tmp_path, "n.json", NIGHTLY))).returncode == 0
    )

    ran = cli("pipeline", "run", "nightly")
    assert ran.returncode == 1
    assert ran.stderr.strip().splitlines()[-1] == (
        "error: 1 of 3 steps failed: visits (The source has no table 'ovst'.); skipped: diagnoses"
    )
    assert rows(target, "patient") == rows(source, "patient")  # the independent part went on
    assert rows(target, "ovstdiag") == []
