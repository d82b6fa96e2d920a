"""Exactly-once replay: `migrate --replay-rejects` killed with SIGKILL in the middle of a few
hundred rejects in small batches, then `--replay-rejects --resume`: the target holds every row
exactly once, and no reject is lost, closed twice or filed twice.

The replay runs as the real `his-analyzer` in a subprocess; the test watches the step's
checkpoint in the target and kills the process once it has passed a randomly chosen batch.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from config import Settings
from services.bootstrap import bootstrap
from tests.conftest import COMMAND
from tests.integration.migration_fixtures import execute, fetch, register, save
from tests.integration.test_migration_resume import rows_done

ROWS = 1_500
KEYS_PER_BATCH = 5
LONG = frozenset(range(5, ROWS + 1, 5))  # 300 codes too long for the first target
NO_DOCTOR = frozenset(range(1, ROWS + 1, 75))  # 20 NULL doctors: rejected again by the replay


def source_row(id_: int) -> tuple[int, str, str | None]:
    code = f"LONG-CODE-{id_:05d}" if id_ in LONG else f"C{id_ % 1000:03d}"
    return id_, code, None if id_ in NO_DOCTOR else f"D{id_ % 9}"


@pytest.fixture(params=["postgresql", "mariadb"])
def installation(request: pytest.FixtureRequest, tmp_path: Path, mysql_database: URL) -> dict:
    target: URL = (
        mysql_database if request.param == "mariadb" else request.getfixturevalue("pg_database")
    )  # noqa: E501
    execute(
        mysql_database,
        "CREATE TABLE visits (id INT PRIMARY KEY, code VARCHAR(20), doctor VARCHAR(5))",
        "INSERT INTO visits VALUES "
        + ", ".join(
            f"({i}, '{c}', {'NULL' if d is None else repr(d)})"
            for i, c, d in map(source_row, range(1, ROWS + 1))
        ),
    )
    execute(
        target,
        "CREATE TABLE visits_new (id INT PRIMARY KEY, code VARCHAR(8), doctor VARCHAR(5) NOT NULL)",
    )
    env = {**os.environ, "HIS_DATA_DIR": str(tmp_path / "data"), "HIS_SECRET_KEY": "replay-kill"}
    env.pop("HIS_DATABASE_URL", None)
    ctx = bootstrap(Settings(data_dir=tmp_path / "data", secret_key="replay-kill", _env_file=None))
    save(
        ctx,
        register(ctx, "old", mysql_database),
        register(ctx, "new", target),
        name="visits",
        source_table="visits",
        target_table="visits_new",
        error_policy="quarantine",
        batch_size=500,
        mappings=[{"source": c, "target": c} for c in ("id", "code", "doctor")],
    )
    ctx.close()
    return {"env": env, "cwd": tmp_path, "target": target}


def his(installation: dict, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COMMAND, *args, "--log-dir", "logs"],
        env=installation["env"],
        cwd=installation["cwd"],
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


def kill_replay_at(installation: dict, rows: int) -> None:
    """Start the replay and SIGKILL it once its checkpoint has passed `rows` replayed rows."""
    process = subprocess.Popen(
        [COMMAND, "migrate", "visits", "--replay-rejects", "--batch-size", str(KEYS_PER_BATCH),
         "--log-dir", "logs"],
        env=installation["env"],
        cwd=installation["cwd"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    try:
        while rows_done(installation["target"], "visits") < rows:
            assert process.poll() is None, "the replay finished before the kill point"
            assert time.monotonic() < deadline, "the replay never reached the kill point"
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def test_replay_killed_and_resumed_loads_each_row_once_and_keeps_every_reject(
    installation: dict,
) -> None:
    target = installation["target"]
    first = his(installation, "migrate", "visits")
    assert first.returncode == 0, first.stderr
    rejected = sorted(LONG | NO_DOCTOR)
    assert fetch(target, "SELECT COUNT(*) FROM his_migration_rejects") == [(len(rejected),)]
    execute(
        target,
        "ALTER TABLE visits_new MODIFY code VARCHAR(20)"
        if target.get_backend_name() == "mysql"
        else "ALTER TABLE visits_new ALTER COLUMN code TYPE VARCHAR(20)",
    )

    seed = 7 if target.get_backend_name() == "mysql" else 11
    kill_batch = random.Random(seed).randint(3, len(rejected) // KEYS_PER_BATCH - 10)
    kill_replay_at(installation, kill_batch * KEYS_PER_BATCH)
    # Neither a second replay nor a plain run starts over the interrupted replay…
    again = his(installation, "migrate", "visits", "--replay-rejects")
    assert again.returncode == 1 and "--replay-rejects --resume" in again.stderr
    plain = his(installation, "migrate", "visits", "--resume")
    assert plain.returncode == 1 and "replay of the rejects" in plain.stderr
    # …and the replay resumes.
    resumed = his(installation, "migrate", "visits", "--replay-rejects", "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed after" in resumed.stdout and "reconciled" in resumed.stdout
    assert f"{len(rejected)} read, {len(LONG)} loaded, {len(NO_DOCTOR)} rejected" in resumed.stdout

    loaded = fetch(target, "SELECT id, code, doctor FROM visits_new ORDER BY id")
    expected = [source_row(i) for i in range(1, ROWS + 1) if i not in NO_DOCTOR]
    assert loaded == expected  # each row once: the ids are the primary key, and all are here
    rejects = fetch(
        target,
        "SELECT id, run_id, source_key, resolution, resolved_by FROM his_migration_rejects "
        "ORDER BY id",
    )
    originals, refiled = rejects[: len(rejected)], rejects[len(rejected) :]
    replay_run = {resolved_by for *_, resolved_by in originals}
    assert len(replay_run) == 1 and None not in replay_run  # all closed, by one replay run
    assert [(json.loads(key)[0], resolution) for _, _, key, resolution, _ in originals] == [
        (i, "rejected again" if i in NO_DOCTOR else "loaded") for i in rejected
    ]
    # The replay filed each still-failing row once, under its own run id, still outstanding.
    assert [(json.loads(key)[0], run, resolution) for _, run, key, resolution, _ in refiled] == [
        (i, *replay_run, None) for i in sorted(NO_DOCTOR)
    ]
    assert fetch(target, "SELECT COUNT(*) FROM his_migration_checkpoints") == [(0,)]
