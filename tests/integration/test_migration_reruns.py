"""Runs as a hospital repeats them: a finished run is not appended twice by accident, the run
history tells killed, resumed and failed runs apart, a plugin's crash costs rows (never the
run), and what native code prints stays off the terminal."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from config import Settings
from models.migration_run import MigrationOptions
from models.status import RunStatus
from services.bootstrap import bootstrap
from services.context import ServiceContext
from services.errors import Conflict, MigrationFailed
from services.migration import list_runs, run_migration
from tests.conftest import COMMAND
from tests.integration.migration_fixtures import execute, fetch, mapping, register, save
from tests.integration.test_migration_resume import (  # noqa: F401 - the fixture
    ROWS,
    installation,
    kill_at,
    migrate,
)

VISITS = 120


@pytest.fixture
def visits(ctx: ServiceContext, mysql_database: URL, pg_database: URL) -> dict:
    execute(
        mysql_database,
        "CREATE TABLE ovst (vn INT PRIMARY KEY, hn VARCHAR(9))",
        "INSERT INTO ovst VALUES "
        + ", ".join(f"({vn}, '{vn:09d}')" for vn in range(1, VISITS + 1)),
    )
    source, target = register(ctx, "hosxp", mysql_database), register(ctx, "new", pg_database)

    def config(**fields: object) -> str:
        defaults = {"source_table": "ovst", "target_table": "visits", "batch_size": 50,
                    "create_target_table": True, "mappings": mapping("vn", "hn")}  # fmt: skip
        return save(ctx, source, target, **(defaults | fields))

    return {"config": config, "target": pg_database, "logs": ctx.settings.data_dir / "logs"}


def test_a_succeeded_append_run_is_refused_until_asked_again(
    ctx: ServiceContext, visits: dict
) -> None:
    name = visits["config"](error_policy="quarantine")
    first = run_migration(ctx, name, log_dir=visits["logs"])
    assert first.status is RunStatus.SUCCEEDED
    (done,) = list_runs(ctx, name)

    with pytest.raises(Conflict) as refused:
        run_migration(ctx, name, log_dir=visits["logs"])
    message = refused.value.message
    assert f"already succeeded in run {done.run_id}" in message and "--again" in message
    assert "\n" not in message
    # Nothing loaded twice, no false "duplicate key" reject filed, and the refusal is no run.
    assert fetch(visits["target"], "SELECT COUNT(*), COUNT(DISTINCT vn) FROM visits") == [
        (VISITS, VISITS)
    ]
    assert fetch(visits["target"], "SELECT COUNT(*) FROM his_migration_rejects") == [(0,)]
    assert len(list_runs(ctx, name)) == 1


def test_again_appends_deliberately_and_truncate_runs_again(
    ctx: ServiceContext, visits: dict, pg_database: URL
) -> None:
    execute(pg_database, "CREATE TABLE visit_copies (vn INT, hn VARCHAR(9))")
    keyless = visits["config"](
        target_table="visit_copies", create_target_table=False, name="copies"
    )
    run_migration(ctx, keyless, log_dir=visits["logs"])
    run_migration(ctx, keyless, options=MigrationOptions(again=True), log_dir=visits["logs"])
    assert fetch(pg_database, "SELECT COUNT(*), COUNT(DISTINCT vn) FROM visit_copies") == [
        (2 * VISITS, VISITS)
    ]
    emptied = visits["config"](load_mode="truncate", name="emptied")
    run_migration(ctx, emptied, log_dir=visits["logs"])
    again = run_migration(ctx, emptied, log_dir=visits["logs"])
    assert again.rows_loaded == VISITS
    assert fetch(pg_database, "SELECT COUNT(*) FROM visits") == [(VISITS,)]
    assert [run.status for run in list_runs(ctx, "emptied")] == [RunStatus.SUCCEEDED] * 2


def test_thai_bytes_are_repaired_and_an_undecodable_value_is_quarantined_by_name(
    ctx: ServiceContext, mysql_database: URL, pg_database: URL
) -> None:
    names = {i: f"ผู้ป่วย {i}" for i in range(1, 61)}
    values = {i: "0x" + name.encode("cp874").hex() for i, name in names.items()}
    values[33] = "0xFFFE"  # neither UTF-8 nor TIS-620
    execute(
        mysql_database,
        "CREATE TABLE person (id INT PRIMARY KEY, fname VARBINARY(100), note BLOB)",
        "INSERT INTO person VALUES " + ", ".join(f"({i}, {v}, {v})" for i, v in values.items()),
    )
    repair = [{"name": "REPAIR_THAI_ENCODING"}]
    name = save(
        ctx, register(ctx, "m", mysql_database), register(ctx, "p", pg_database),
        source_table="person", target_table="person", create_target_table=True,
        error_policy="quarantine", batch_size=25,
        mappings=mapping("id", "fname", "note", fname=repair, note=repair),
    )  # fmt: skip

    result = run_migration(ctx, name, log_dir=ctx.settings.data_dir)

    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (60, 59, 1)
    expected = [(i, text, text) for i, text in names.items() if i != 33]
    assert fetch(pg_database, "SELECT id, fname, note FROM person ORDER BY id") == expected
    rejects = fetch(pg_database, "SELECT column_name, stage, reason FROM his_migration_rejects")
    assert sorted(column for column, _, _ in rejects) == ["fname", "note"]  # both checks
    assert all(stage == "transform" for _, stage, _ in rejects)
    assert all(reason.startswith("REPAIR_THAI_ENCODING: the plugin raised UnicodeDecodeError")
               for _, _, reason in rejects)  # fmt: skip


def test_a_plugin_failure_at_the_first_batch_stops_in_one_line_and_leaves_nothing_behind(
    ctx: ServiceContext, mysql_database: URL, pg_database: URL
) -> None:
    execute(
        mysql_database,
        "CREATE TABLE person (id INT PRIMARY KEY, fname VARBINARY(100))",
        "INSERT INTO person VALUES (1, 0x41), (2, 0xFFFE), (3, 0x42)",
    )
    name = save(
        ctx, register(ctx, "m", mysql_database), register(ctx, "p", pg_database),
        source_table="person", target_table="person", create_target_table=True,
        mappings=mapping("id", "fname", fname=[{"name": "TRIM"}]),
    )  # fmt: skip
    with pytest.raises(MigrationFailed) as stopped:
        run_migration(ctx, name, log_dir=ctx.settings.data_dir)
    message = stopped.value.message
    assert "column fname: TRIM: the plugin raised UnicodeDecodeError" in message
    assert "\n" not in message and "unexpected" not in message
    # No batch was committed: no empty table, no checkpoint a plain rerun would trip over.
    tables = fetch(pg_database, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    assert ("person",) not in tables
    assert fetch(pg_database, "SELECT COUNT(*) FROM his_migration_checkpoints") == [(0,)]
    execute(mysql_database, "UPDATE person SET fname = 0x43 WHERE id = 2")
    rerun = run_migration(ctx, name, log_dir=ctx.settings.data_dir)
    assert rerun.status is RunStatus.SUCCEEDED
    assert fetch(pg_database, "SELECT id, fname FROM person ORDER BY id") == [
        (1, "A"), (2, "C"), (3, "B"),
    ]  # fmt: skip
    assert [run.status for run in list_runs(ctx, name)] == [
        RunStatus.SUCCEEDED, RunStatus.FAILED,
    ]  # fmt: skip


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGINT], ids=["killed", "ctrl-c"])
def test_a_stopped_run_is_interrupted_in_history_until_its_resume_succeeds(
    installation: dict,  # noqa: F811 - the fixture
    stop: signal.Signals,
) -> None:
    step, target = installation["names"]["quarantine"], installation["targets"]["quarantine"]
    kill_at(installation, step, target, 40 * 20, stop=stop)
    refused = migrate(installation, step)  # a plain rerun is refused, and finds it stopped
    assert refused.returncode == 1
    (stopped,) = history_of(installation, step)
    assert stopped.status is RunStatus.INTERRUPTED and stopped.rows_read >= 800
    assert "interrupted" in runs_of(installation, step)

    resumed = migrate(installation, step, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    # One run, stopped and resumed: its own entry now says succeeded, every row counted.
    (run,) = history_of(installation, step)
    assert (run.run_id, run.status, run.reconciled) == (stopped.run_id, RunStatus.SUCCEEDED, True)
    assert run.rows_read == ROWS
    shown = runs_of(installation, step)
    assert "succeeded" in shown and "interrupted" not in shown and str(run.run_id)[:8] in shown


def history_of(setup: dict, step: str) -> list:
    data_dir = Path(setup["env"]["HIS_DATA_DIR"])
    ctx = bootstrap(Settings(data_dir=data_dir, secret_key="resume-test", _env_file=None))
    try:
        return list_runs(ctx, step)
    finally:
        ctx.close()


def runs_of(setup: dict, step: str) -> str:
    listed = subprocess.run(
        [COMMAND, "runs", step], env=setup["env"] | {"COLUMNS": "250"}, cwd=setup["cwd"],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    return listed.stdout


def test_native_panics_and_warnings_stay_off_the_terminal(
    cli, tmp_path: Path, mysql_database: URL, pg_database: URL
) -> None:
    # A zero date makes the fast reader (Rust) panic before the driver takes over; an INET6
    # column makes SQLAlchemy warn while it reflects the source.
    execute(
        mysql_database,
        "SET SESSION sql_mode = ''",
        "CREATE TABLE legacy (id INT PRIMARY KEY, d DATE, ip INET6)",
        "INSERT INTO legacy VALUES (1, '2024-01-02', '::1'), (2, '0000-00-00', NULL)",
    )
    execute(pg_database, "CREATE TABLE legacy (id INT PRIMARY KEY, d DATE)")
    # The installation the `cli` fixture runs in: its data folder and key.
    ctx = bootstrap(Settings(data_dir=tmp_path / "data", secret_key="cli-test", _env_file=None))
    name = save(
        ctx, register(ctx, "maria", mysql_database), register(ctx, "pg", pg_database),
        name="legacy", source_table="legacy", target_table="legacy",
        error_policy="quarantine", mappings=mapping("id", "d"),
    )  # fmt: skip
    ctx.close()

    moved = cli("migrate", name)

    assert moved.returncode == 0, moved.stderr
    for noise in ("panicked", "RUST_BACKTRACE", "Warning", "Did not recognize"):
        assert noise not in moved.stderr and noise not in moved.stdout
    log = (tmp_path / "data" / "logs" / "his-analyzer.log").read_text("utf-8")
    assert "native code reported" in log and "panicked" in log
    assert "Did not recognize type 'inet6'" in log
