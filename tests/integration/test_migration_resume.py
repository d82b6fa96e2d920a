"""Exactly-once: a migration killed with SIGKILL at a random batch, resumed, equals a clean run.

The migration runs as the real `his-analyzer migrate` in a subprocess. The test watches the
checkpoint in the target and kills the process once it has passed a randomly chosen batch —
wherever it happens to be (reading, transforming, inside COPY, committing). Then it runs
`migrate --resume` and compares the target with rows computed here from the source.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import URL

from config import Settings
from services.bootstrap import bootstrap
from tests.conftest import COMMAND
from tests.integration.migration_fixtures import execute, fetch, register, save

ROWS = 5_000
BATCH = 20
POISONED = frozenset(range(7, ROWS + 1, 499))  # ids whose Buddhist date cannot exist


def source_rows(poisoned: bool) -> list[tuple]:
    rows = []
    for id_ in range(1, ROWS + 1):
        bad = poisoned and id_ in POISONED
        day = "2566-02-30" if bad else f"2566-{id_ % 12 + 1:02d}-{id_ % 28 + 1:02d}"
        note = None if id_ % 10 == 0 else f"  ไข้ {id_}\t😀 \\ 'q'\n"
        rows.append((id_, f"{id_ % 5000:>7}", day, note, f"{id_ * 1.25:.2f}"))
    return rows


def expected_rows(poisoned: bool) -> list[tuple]:
    expected = []
    for id_, hn, day, note, amount in source_rows(poisoned):
        if poisoned and id_ in POISONED:
            continue
        year, month, dom = (int(part) for part in day.split("-"))
        expected.append(
            (id_, hn.strip().zfill(9), date(year - 543, month, dom), note, Decimal(amount))
        )
    return expected


@pytest.fixture
def installation(tmp_path: Path, mysql_database: URL, pg_database: URL) -> dict:
    """Source rows in MariaDB, datasources and the config saved in an isolated installation."""
    for policy in ("stop", "quarantine"):
        # Quarantine runs read poisoned rows; stop runs read clean ones (a poisoned row would
        # stop them in their first batch).
        execute(
            mysql_database,
            f"CREATE TABLE visits_{policy} (id INT PRIMARY KEY, hn VARCHAR(9), "
            "vdate_th VARCHAR(10), note TEXT, amount DECIMAL(12,2)) CHARACTER SET utf8mb4",
            f"INSERT INTO visits_{policy} VALUES {_values(source_rows(policy == 'quarantine'))}",
        )
    env = {
        **os.environ,
        "HIS_DATA_DIR": str(tmp_path / "data"),
        "HIS_SECRET_KEY": "resume-test",
    }
    env.pop("HIS_DATABASE_URL", None)
    ctx = bootstrap(Settings(data_dir=tmp_path / "data", secret_key="resume-test", _env_file=None))
    source = register(ctx, "old", mysql_database)
    target = register(ctx, "new", pg_database)
    names, targets = {}, {}
    # "maria": the quarantine run again, into MariaDB (LOAD DATA in the batch's transaction).
    for key, policy, into, url in (
        ("stop", "stop", target, pg_database),
        ("quarantine", "quarantine", target, pg_database),
        ("maria", "quarantine", source, mysql_database),
    ):
        targets[key] = url
        names[key] = save(
            ctx,
            source,
            into,
            name=f"visits_{key}",
            source_table=f"visits_{policy}",
            target_table=f"visits_{key}_new",
            create_target_table=True,
            error_policy=policy,
            batch_size=BATCH,
            mappings=[
                {"source": "id", "target": "id"},
                {"source": "hn", "target": "hn", "transformers": [
                    {"name": "TRIM"}, {"name": "HN_PAD", "params": {"width": 9}}]},
                {"source": "vdate_th", "target": "visit_date",
                 "transformers": [{"name": "BUDDHIST_TO_ISO"}]},
                {"source": "note", "target": "note"},
                {"source": "amount", "target": "amount"},
            ],
        )  # fmt: skip
    ctx.close()
    return {"env": env, "cwd": tmp_path, "names": names, "targets": targets}


def _values(rows: list[tuple]) -> str:
    def quoted(text: str | None) -> str:
        if text is None:
            return "NULL"
        return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"

    return ", ".join(
        f"({id_}, {quoted(hn)}, {quoted(day)}, {quoted(note)}, {amount})"
        for id_, hn, day, note, amount in rows
    )


def rows_done(target: URL | Engine, step: str) -> int:
    """The step's checkpoint in the target, read independently (0 when there is none)."""
    engine = create_engine(target) if isinstance(target, URL) else target
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("his_migration_checkpoints"):
                return 0
            done = connection.execute(
                text("SELECT rows_done FROM his_migration_checkpoints WHERE step = :s"),
                {"s": step},
            ).scalar()
            return done or 0
    finally:
        if engine is not target:
            engine.dispose()


def migrate(installation: dict, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COMMAND, "migrate", *args, "--log-dir", "logs"],
        env=installation["env"],
        cwd=installation["cwd"],
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


def kill_at(
    installation: dict, step: str, target: URL, rows: int, stop: int = signal.SIGKILL
) -> None:
    """Start `migrate step` and SIGKILL it (or send `stop`) once its checkpoint has passed
    `rows` rows."""
    process = subprocess.Popen(
        [COMMAND, "migrate", step, "--log-dir", "logs"],
        env=installation["env"],
        cwd=installation["cwd"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    # One pooled connection for the polling: a new one per look can take longer than the
    # batches left before the end, and the run would finish unkilled.
    engine = create_engine(target)
    try:
        while rows_done(engine, step) < rows:
            assert process.poll() is None, "the migration finished before the kill point"
            assert time.monotonic() < deadline, "the migration never reached the kill point"
            time.sleep(0.005)
        process.send_signal(stop)
    finally:
        process.wait(timeout=30)
        engine.dispose()
    # Ctrl-C: the command's own exit status for an interrupt (128 + SIGINT).
    assert process.returncode == (-signal.SIGKILL if stop == signal.SIGKILL else 130)


@pytest.mark.parametrize(
    ("run", "seed"),
    [("quarantine", 1), ("quarantine", 2), ("maria", 3), ("stop", 4), ("stop", 5)],
)
def test_killed_and_resumed_equals_a_clean_run(installation: dict, run: str, seed: int) -> None:
    step, target = installation["names"][run], installation["targets"][run]
    poisoned = run != "stop"
    # Anywhere in the first three fifths: late enough to leave batches and rejects behind,
    # early enough that a fast run cannot end before the poll sees the kill point.
    kill_batch = random.Random(seed).randint(2, ROWS // BATCH * 3 // 5)
    kill_at(installation, step, target, kill_batch * BATCH)
    # The interrupted run is refused a plain restart of its own accord…
    refused = migrate(installation, step)
    assert refused.returncode == 1 and "--resume" in refused.stderr
    # …and resumes.
    resumed = migrate(installation, step, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed after" in resumed.stdout and "reconciled" in resumed.stdout

    table = f"visits_{run}_new"
    loaded = fetch(target, f"SELECT id, hn, visit_date, note, amount FROM {table} ORDER BY id")
    expected = expected_rows(poisoned)
    assert Counter(row[0] for row in loaded).most_common(1)[0][1] == 1  # no duplicate
    assert loaded == expected
    if poisoned:
        rejects = fetch(
            target,
            "SELECT source_key, column_name, reason FROM his_migration_rejects WHERE step = :s",
            s=step,
        )
        assert sorted(int(key.strip("[]")) for key, _, _ in rejects) == sorted(POISONED)
        assert {column for _, column, _ in rejects} == {"visit_date"}
        assert all("BUDDHIST_TO_ISO" in reason for _, _, reason in rejects)
    assert fetch(target, "SELECT COUNT(*) FROM his_migration_checkpoints") == [(0,)]


def test_cli_test_mode_shows_masked_rows_and_rejects_and_loads_nothing(installation: dict) -> None:
    step = installation["names"]["quarantine"]
    shown = migrate(installation, step, "--test", "--rows", "30")
    assert shown.returncode == 0, shown.stderr
    assert "30 rows read, 29 would load, 1 would be rejected" in shown.stdout
    assert "BUDDHIST_TO_ISO" in shown.stdout  # the reject of id 7, with its reason
    # hn is an identifier: the preview masks it, keeping the last two digits.
    assert "000000001" not in shown.stdout and "xxxxxxx01" in shown.stdout
    assert rows_done(installation["targets"]["quarantine"], step) == 0
    both = migrate(installation, step, "--resume", "--restart")
    assert both.returncode == 1 and both.stderr.count("\n") == 1
