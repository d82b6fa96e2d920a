"""`his-analyzer rejects list|show|export` and `migrate --replay-rejects`, run as a user would:
the output is compared with rejects computed here from the source rows."""

from __future__ import annotations

import csv
import json
import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from config import Settings
from services.bootstrap import bootstrap
from tests.conftest import COMMAND
from tests.integration.migration_fixtures import execute, fetch, register, save

ROWS = 90
LONG = {id_ for id_ in range(1, ROWS + 1) if id_ % 10 == 3}  # codes too long for VARCHAR(5)
NO_DOCTOR = {7, 77}  # NULL into NOT NULL


def code(id_: int) -> str:
    return f"LONG-{id_:04d}" if id_ in LONG else f"C{id_:02d}"


def check_digit(twelve: str) -> int:
    # The Thai citizen-ID rule, written out here independently of the code under test.
    return (11 - sum(int(d) * (13 - i) for i, d in enumerate(twelve)) % 11) % 10


CIDS = [f"31017{n:07d}" + str(check_digit(f"31017{n:07d}")) for n in range(1, 11)]


@pytest.fixture
def installation(tmp_path: Path, mysql_database: URL, pg_database: URL) -> dict:
    execute(
        mysql_database,
        "CREATE TABLE visits (id INT PRIMARY KEY, code VARCHAR(20), doctor VARCHAR(5))",
        "INSERT INTO visits VALUES "
        + ", ".join(
            f"({i}, '{code(i)}', {'NULL' if i in NO_DOCTOR else repr(f'D{i % 3}')})"
            for i in range(1, ROWS + 1)
        ),
        "CREATE TABLE people (cid CHAR(13) PRIMARY KEY, birth_th VARCHAR(10))",
        "INSERT INTO people VALUES "
        + ", ".join(
            f"('{cid}', '{'2540-02-30' if n == 4 else '2540-01-01'}')" for n, cid in enumerate(CIDS)
        ),
    )
    execute(
        pg_database,
        "CREATE TABLE visits (id INT PRIMARY KEY, code VARCHAR(5), doctor VARCHAR(5) NOT NULL)",
    )
    env = {**os.environ, "HIS_DATA_DIR": str(tmp_path / "data"), "HIS_SECRET_KEY": "cli-rejects"}
    env.pop("HIS_DATABASE_URL", None)
    ctx = bootstrap(Settings(data_dir=tmp_path / "data", secret_key="cli-rejects", _env_file=None))
    source, target = register(ctx, "old", mysql_database), register(ctx, "new", pg_database)
    common = {"error_policy": "quarantine", "batch_size": 25}
    save(
        ctx,
        source,
        target,
        name="visits",
        source_table="visits",
        target_table="visits",
        mappings=[{"source": c, "target": c} for c in ("id", "code", "doctor")],
        **common,
    )
    save(ctx, source, target, name="people", source_table="people", target_table="people",
         create_target_table=True, mappings=[{"source": "cid", "target": "cid"},
         {"source": "birth_th", "target": "birth", "transformers": [{"name": "BUDDHIST_TO_ISO"}]}],
         **common)  # fmt: skip
    ctx.close()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [COMMAND, *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )

    return {"run": run, "target": pg_database, "dir": tmp_path}


def reference(id_: int) -> str:
    """Where id `id_` sits in the first run: batches of 25 in id order."""
    return f"batch {(id_ - 1) // 25 + 1}, row {(id_ - 1) % 25 + 1}"


def test_list_show_export_then_replay_until_nothing_is_left(installation: dict) -> None:
    run, target = installation["run"], installation["target"]
    first = run("migrate", "visits")
    assert first.returncode == 0, first.stderr
    bad = sorted(LONG | NO_DOCTOR)
    assert f"{ROWS - len(bad)} loaded, {len(bad)} rejected" in first.stdout

    listed = run("rejects", "list", "visits")
    assert listed.returncode == 0, listed.stderr
    assert f"{len(bad)} outstanding rejects of {len(bad)} source rows" in listed.stdout
    lines = listed.stdout.splitlines()
    assert any("code" in line and "load" in line and f" {len(LONG)} " in line for line in lines)
    assert any("doctor" in line and f" {len(NO_DOCTOR)} " in line for line in lines)

    shown = run("rejects", "show", "visits")
    assert shown.returncode == 0, shown.stderr
    for id_ in bad:
        assert reference(id_) in shown.stdout

    exported = run("rejects", "export", "visits", "--out", "rejects.csv")
    assert exported.returncode == 0, exported.stderr
    with (installation["dir"] / "rejects.csv").open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
    expected = [
        (
            [id_],
            str((id_ - 1) // 25 + 1),
            str((id_ - 1) % 25 + 1),
            "code" if id_ in LONG else "doctor",
            code(id_) if id_ in LONG else "",
            "load",
        )
        for id_ in bad
    ]
    columns = ("batch", "row", "column", "value", "stage")
    found = [(json.loads(r["source_key"]), *(r[c] for c in columns)) for r in rows]
    assert found == expected
    assert {(r["key_columns"], r["resolution"]) for r in rows} == {('["id"]', "")}
    first_run = rows[0]["run_id"]

    # Fix the target, replay: the long codes load, the missing doctors are filed again.
    execute(target, "ALTER TABLE visits ALTER COLUMN code TYPE VARCHAR(20)")
    replay = run("migrate", "visits", "--replay-rejects")
    assert replay.returncode == 0, replay.stderr
    assert "Replay of the rejects of 'visits'" in replay.stdout
    assert f"{len(bad)} read, {len(LONG)} loaded, {len(NO_DOCTOR)} rejected" in replay.stdout
    # Counts and sums, plus a hash of each text column (code, doctor).
    assert f"reconciled: 8 column checksums, source holds {len(bad)} rows" in replay.stdout
    assert fetch(target, "SELECT id, code FROM visits WHERE id IN (3, 13) ORDER BY id") == [
        (3, code(3)),
        (13, code(13)),
    ]
    again = run("rejects", "list", "visits")
    assert f"{len(NO_DOCTOR)} outstanding rejects of {len(NO_DOCTOR)} source rows" in again.stdout
    assert first_run not in again.stdout  # filed by the replay's own run
    of_first = run("rejects", "list", "visits", "--run", first_run)
    assert f"{len(bad)} run {first_run} rejects" in of_first.stdout

    # Nothing fixed for the doctors: a second replay files them again, loads nothing.
    second = run("migrate", "visits", "--replay-rejects")
    assert f"{len(NO_DOCTOR)} read, 0 loaded, {len(NO_DOCTOR)} rejected" in second.stdout
    assert fetch(target, "SELECT COUNT(*), COUNT(DISTINCT id) FROM visits") == [
        (ROWS - len(NO_DOCTOR), ROWS - len(NO_DOCTOR))
    ]


def test_identifier_keys_are_masked_on_screen_and_clear_in_the_export(installation: dict) -> None:
    run = installation["run"]
    preview = run("migrate", "people", "--test")
    assert preview.returncode == 0, preview.stderr
    assert "batch 1, row 5" in preview.stdout and "BUDDHIST_TO_ISO" in preview.stdout
    masked = f"{CIDS[4][0]}-{CIDS[4][1:5]}-xxxxx-xx-{CIDS[4][12]}"
    assert CIDS[4] not in preview.stdout and masked not in preview.stdout
    assert run("migrate", "people").returncode == 0

    shown = run("rejects", "show", "people")
    assert "batch 1, row 5 (reject 1)" in shown.stdout
    assert CIDS[4] not in shown.stdout and masked in shown.stdout  # masked beside its reference
    assert run("rejects", "export", "people", "--out", "people.csv").returncode == 0
    with (installation["dir"] / "people.csv").open(encoding="utf-8-sig", newline="") as file:
        (row,) = csv.DictReader(file)
    assert json.loads(row["source_key"]) == [CIDS[4]] and (row["batch"], row["row"]) == ("1", "5")
    logs = "".join(p.read_text(encoding="utf-8") for p in installation["dir"].rglob("*.log"))
    assert CIDS[4] not in logs and masked not in logs
