"""Replaying rejects: after the target or the mapping is fixed, exactly the rejected source rows
are read again by key (composite keys, typed values), loaded or filed again, their rejects
closed, and the replay reconciled; a second replay has nothing to do. An older version's reject
table gets the new columns and keeps its rows."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy.engine import URL

from models.migration_run import MigrationOptions
from services.context import ServiceContext
from services.errors import Conflict
from services.mapping import load_config, save_config
from services.migration import list_rejects, replay_rejects, run_migration, show_rejects
from tests.integration.migration_fixtures import execute, fetch, register, save

SITES = ("A", "B")
DAYS = 30


def source_rows() -> list[tuple]:
    """(site, vdate, seq, code, doctor): every 7th code too long, a few other rows without a
    doctor (apart: the engine names one refused column per row)."""
    rows = []
    for site in SITES:
        for day in range(DAYS):
            for seq in (1, 5):
                number = len(rows) + 1
                code = f"LONGCODE{number}" if number % 7 == 0 else f"C{number}"
                missing = seq == 5 and day % 10 == 0 and len(code) <= 5
                doctor = None if missing else f"D{number % 4}"
                rows.append((site, date(2024, 1, 1) + timedelta(days=day), seq, code, doctor))
    return rows


ROWS = source_rows()
LONG = {row[:3] for row in ROWS if len(row[3]) > 5}
NO_DOCTOR = {row[:3] for row in ROWS if row[4] is None}
assert LONG and NO_DOCTOR and not LONG & NO_DOCTOR


@pytest.fixture
def visits(ctx: ServiceContext, mysql_database: URL, pg_database: URL) -> dict:
    execute(
        mysql_database,
        "CREATE TABLE visits (site VARCHAR(2), vdate DATE, seq INT, code VARCHAR(20), "
        "doctor VARCHAR(5), PRIMARY KEY (site, vdate, seq))",
        "INSERT INTO visits VALUES "
        + ", ".join(
            f"('{s}', '{d}', {q}, '{c}', {'NULL' if doc is None else repr(doc)})"
            for s, d, q, c, doc in ROWS
        ),
    )
    execute(
        pg_database,
        "CREATE TABLE visits (site VARCHAR(2), vdate DATE, seq INT, code VARCHAR(5), "
        "doctor VARCHAR(5) NOT NULL, PRIMARY KEY (site, vdate, seq))",
    )
    name = save(
        ctx,
        register(ctx, "old", mysql_database),
        register(ctx, "new", pg_database),
        source_table="visits",
        target_table="visits",
        error_policy="quarantine",
        batch_size=25,
        mappings=[{"source": c, "target": c} for c in ("site", "vdate", "seq", "code", "doctor")],
    )
    return {"name": name, "source": mysql_database, "target": pg_database}


def loaded_keys(target: URL) -> list[tuple]:
    return fetch(target, "SELECT site, vdate, seq FROM visits ORDER BY site, vdate, seq")


def outstanding(target: URL) -> list[tuple]:
    rows = fetch(
        target,
        "SELECT source_key, column_name FROM his_migration_rejects WHERE resolution IS NULL",
    )
    return sorted(rows)


def key_json(key: tuple) -> str:
    """The key as the reject table keeps it, written out here: the date tagged, seq an int."""
    site, day, seq = key
    return json.dumps([site, {"$": "date", "value": day.isoformat()}, seq])


def test_replay_after_fixing_target_and_mapping_loads_exactly_the_rejected_rows(
    ctx: ServiceContext, visits: dict
) -> None:
    name, target = visits["name"], visits["target"]
    first = run_migration(ctx, name, log_dir=ctx.settings.data_dir)
    assert (first.rows_read, first.rows_rejected) == (len(ROWS), len(LONG | NO_DOCTOR))
    assert outstanding(target) == sorted(
        [(key_json(k), "code") for k in LONG] + [(key_json(k), "doctor") for k in NO_DOCTOR]
    )

    # The fix: a wider column. The NULL doctors still fail, and are filed again.
    execute(target, "ALTER TABLE visits ALTER COLUMN code TYPE VARCHAR(20)")
    replay = replay_rejects(ctx, name, log_dir=ctx.settings.data_dir)
    replayed = LONG | NO_DOCTOR
    assert (replay.rows_read, replay.rows_loaded, replay.rows_rejected) == (
        len(replayed),
        len(LONG),
        len(NO_DOCTOR),
    )
    check = replay.reconciliation
    assert check is not None and check.ok and check.source_rows == len(replayed)
    expected = sorted(k for k in (row[:3] for row in ROWS) if k not in NO_DOCTOR)
    assert loaded_keys(target) == expected
    assert outstanding(target) == sorted((key_json(k), "doctor") for k in NO_DOCTOR)
    closed = fetch(
        target,
        "SELECT resolution, COUNT(*) FROM his_migration_rejects WHERE resolved_by = :r "
        "GROUP BY resolution ORDER BY resolution",
        r=show_rejects(ctx, name)[0].run_id,
    )
    assert closed == [
        ("loaded", len(LONG)),
        ("rejected again", len(NO_DOCTOR)),
    ]

    # The second fix: a default for the missing doctor, in a new config version.
    fixed = load_config(ctx, name).model_dump(mode="json")
    fixed["mappings"][4]["default"] = "NONE"
    save_config(ctx, fixed)
    again = replay_rejects(ctx, name, log_dir=ctx.settings.data_dir)
    assert (again.rows_read, again.rows_loaded, again.rows_rejected) == (
        len(NO_DOCTOR),
        len(NO_DOCTOR),
        0,
    )
    assert again.reconciliation is not None and again.reconciliation.ok
    assert loaded_keys(target) == sorted(row[:3] for row in ROWS)
    assert fetch(target, "SELECT COUNT(*) FROM visits WHERE doctor = 'NONE'") == [(len(NO_DOCTOR),)]
    assert outstanding(target) == [] and list_rejects(ctx, name).rejects == 0

    nothing = replay_rejects(ctx, name, log_dir=ctx.settings.data_dir)
    assert (nothing.rows_read, nothing.rows_loaded, nothing.batches) == (0, 0, 0)
    assert nothing.reconciliation is not None and nothing.reconciliation.ok
    assert fetch(target, "SELECT COUNT(*) FROM his_migration_checkpoints") == [(0,)]


def test_a_rejected_row_gone_from_the_source_is_closed_as_such(
    ctx: ServiceContext, visits: dict
) -> None:
    name, source, target = visits["name"], visits["source"], visits["target"]
    run_migration(ctx, name, log_dir=ctx.settings.data_dir)
    gone = sorted(LONG)[0]
    execute(
        source,
        f"DELETE FROM visits WHERE site = '{gone[0]}' AND vdate = '{gone[1]}' AND seq = {gone[2]}",
    )
    execute(target, "ALTER TABLE visits ALTER COLUMN code TYPE VARCHAR(20)")

    replay = replay_rejects(ctx, name, log_dir=ctx.settings.data_dir)

    replayed = (LONG | NO_DOCTOR) - {gone}
    assert (replay.rows_read, replay.rows_loaded) == (len(replayed), len(LONG) - 1)
    assert replay.reconciliation is not None and replay.reconciliation.ok
    assert replay.reconciliation.source_rows == len(replayed)
    assert fetch(
        target,
        "SELECT source_key FROM his_migration_rejects WHERE resolution = 'not in source'",
    ) == [(key_json(gone),)]


def test_a_replay_waits_for_an_interrupted_run_and_a_fresh_run_supersedes_rejects(
    ctx: ServiceContext, visits: dict
) -> None:
    name, target = visits["name"], visits["target"]
    run_migration(ctx, name, log_dir=ctx.settings.data_dir)
    first = {r.run_id for r in show_rejects(ctx, name)}
    # A checkpoint left behind as by a killed run: a replay must not start over it.
    execute(
        target,
        "INSERT INTO his_migration_checkpoints VALUES ('" + name + "', '[]', 10, 1, now(), '{}')",
    )
    with pytest.raises(Conflict, match="interrupted run"):
        replay_rejects(ctx, name, log_dir=ctx.settings.data_dir)
    execute(target, "TRUNCATE visits", "DELETE FROM his_migration_checkpoints")

    # A fresh run reads every row again: the first run's rejects are not outstanding any more.
    second = run_migration(
        ctx, name, options=MigrationOptions(restart=True), log_dir=ctx.settings.data_dir
    )
    assert second.rows_rejected == len(LONG | NO_DOCTOR)
    runs = {r.run_id for r in show_rejects(ctx, name)}
    assert len(runs) == 1 and runs.isdisjoint(first)
    assert fetch(
        target,
        "SELECT COUNT(*) FROM his_migration_rejects WHERE resolution = 'superseded'",
    ) == [(len(LONG) + len(NO_DOCTOR),)]


@pytest.mark.parametrize("server", ["pg_database", "mysql_database"])
def test_an_old_reject_table_gets_the_new_columns_and_keeps_its_rows(
    ctx: ServiceContext, server: str, request: pytest.FixtureRequest, mysql_database: URL
) -> None:
    target: URL = request.getfixturevalue(server)
    maria = target.get_backend_name() == "mysql"
    # The table as the previous version created it, with one reject whose key it masked.
    identity = "BIGINT AUTO_INCREMENT" if maria else "BIGINT GENERATED BY DEFAULT AS IDENTITY"
    stamp = "DATETIME" if maria else "TIMESTAMP WITH TIME ZONE"
    execute(
        target,
        f"CREATE TABLE his_migration_rejects (id {identity} PRIMARY KEY, step VARCHAR(200) "
        "NOT NULL, run_id VARCHAR(36) NOT NULL, source_key TEXT NOT NULL, column_name "
        "VARCHAR(200), value TEXT, reason TEXT NOT NULL, stage VARCHAR(20) NOT NULL, "
        f"rejected_at {stamp} NOT NULL)",
        "INSERT INTO his_migration_rejects (step, run_id, source_key, column_name, value, "
        "reason, stage, rejected_at) VALUES ('pts', 'old-run', '[\"xxxxxxx01\"]', 'birth', "
        "'2540-02-30', 'BUDDHIST_TO_ISO: not a date', 'transform', '2024-05-01 10:00:00')",
    )
    execute(
        mysql_database,
        "CREATE TABLE pts (hn VARCHAR(9) PRIMARY KEY, birth_th VARCHAR(10))",
        "INSERT INTO pts VALUES ('000000001', '2540-02-30'), ('000000002', '2540-01-01')",
    )
    execute(target, "CREATE TABLE pts_new (hn VARCHAR(9), birth DATE)")
    name = save(
        ctx,
        register(ctx, "old", mysql_database),
        register(ctx, "new", target),
        name="pts",
        source_table="pts",
        target_table="pts_new",
        error_policy="quarantine",
        mappings=[
            {"source": "hn", "target": "hn"},
            {
                "source": "birth_th",
                "target": "birth",
                "transformers": [{"name": "BUDDHIST_TO_ISO"}],
            },
        ],
    )

    # Reading it first upgrades it; the old reject is listed, without a reference.
    summary = list_rejects(ctx, name)
    assert (summary.rejects, summary.unreferenced, summary.runs) == (1, 1, ["old-run"])
    (old,) = show_rejects(ctx, name)
    assert (old.reference, old.batch, old.key) == (f"reject {old.reject_id}", None, ("xxxxxxx01",))

    result = run_migration(ctx, name, log_dir=ctx.settings.data_dir)
    assert result.rows_rejected == 1
    rows = fetch(
        target,
        "SELECT run_id, source_key, batch_number, batch_row, key_columns, resolution "
        "FROM his_migration_rejects ORDER BY id",
    )
    new_run = rows[1][0]
    assert rows == [
        ("old-run", '["xxxxxxx01"]', None, None, None, "superseded"),
        (new_run, '["000000001"]', 1, 1, '["hn"]', None),
    ]
