"""Poisoned rows: an unconvertible date, an over-long text, a NULL into NOT NULL and a CID
with a wrong check digit — stopped or quarantined as configured, with key and reason, and the
counts reconcile."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import psycopg2
import pytest
from sqlalchemy.engine import URL

from models.migration_run import MigrationOptions
from models.progress import ProgressEvent, ProgressKind
from models.status import RunStatus
from services.context import ServiceContext
from services.errors import MigrationFailed
from services.migration import run_migration
from tests.integration.migration_fixtures import execute, fetch, register, save

ROWS = 300
BAD_DATE, TOO_LONG, NO_DOCTOR, BAD_CID = 50, 120, 200, 260
# A 13-digit CID whose check digit is wrong (the right one for 110170023456 is 3... see below).
CID_DIGITS = "110170023456"


def check_digit(twelve: str) -> int:
    # The Thai CID rule, written out here independently of the code under test.
    return (11 - sum(int(d) * (13 - i) for i, d in enumerate(twelve)) % 11) % 10


GOOD_CID = CID_DIGITS + str(check_digit(CID_DIGITS))
WRONG_CID = CID_DIGITS + str((check_digit(CID_DIGITS) + 1) % 10)


def source_row(id_: int) -> tuple:
    day = "2566-02-30" if id_ == BAD_DATE else f"2566-03-{id_ % 28 + 1:02d}"
    code = "TOO-LONG-CODE" if id_ == TOO_LONG else f"C{id_ % 1000:03d}"
    doctor = None if id_ == NO_DOCTOR else f"D{id_ % 7}"
    cid = WRONG_CID if id_ == BAD_CID else GOOD_CID
    return id_, code, day, doctor, cid


@pytest.fixture
def poisoned(ctx: ServiceContext, mysql_database: URL, pg_database: URL) -> dict:
    execute(
        mysql_database,
        "CREATE TABLE visits (id INT PRIMARY KEY, code VARCHAR(20), vdate_th VARCHAR(10), "
        "doctor VARCHAR(10), cid CHAR(13))",
        "INSERT INTO visits VALUES "
        + ", ".join(
            f"({id_}, '{code}', '{day}', {'NULL' if doctor is None else repr(doctor)}, '{cid}')"
            for id_, code, day, doctor, cid in map(source_row, range(1, ROWS + 1))
        ),
    )
    execute(
        pg_database,
        "CREATE TABLE visits (id INT PRIMARY KEY, code VARCHAR(5), visit_date DATE, "
        "doctor VARCHAR(10) NOT NULL, cid CHAR(13))",
    )
    source = register(ctx, "old", mysql_database)
    target = register(ctx, "new", pg_database)

    def config(policy: str, **overrides: object) -> str:
        fields = {
            "source_table": "visits",
            "target_table": "visits",
            "error_policy": policy,
            "batch_size": 40,
            "mappings": [
                {"source": "id", "target": "id"},
                {"source": "code", "target": "code"},
                {"source": "vdate_th", "target": "visit_date",
                 "transformers": [{"name": "BUDDHIST_TO_ISO"}]},
                {"source": "doctor", "target": "doctor"},
                {"source": "cid", "target": "cid", "validators": [{"name": "cid_checksum"}]},
            ],
        }  # fmt: skip
        fields.update(overrides)
        return save(ctx, source, target, **fields)

    return {"config": config, "target": pg_database, "logs": ctx.settings.data_dir / "logs"}


def test_quarantine_sets_each_poisoned_row_aside_with_key_and_reason(
    ctx: ServiceContext, poisoned: dict
) -> None:
    name = poisoned["config"]("quarantine")
    result = run_migration(ctx, name, log_dir=poisoned["logs"])

    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (ROWS, ROWS - 4, 4)
    assert result.reconciliation is not None and result.reconciliation.ok
    rejects = fetch(
        poisoned["target"],
        "SELECT source_key, column_name, value, stage, reason FROM his_migration_rejects "
        "ORDER BY id",
    )
    by_key = {int(key.strip("[]")): rest for key, *rest in rejects}
    assert sorted(by_key) == [BAD_DATE, TOO_LONG, NO_DOCTOR, BAD_CID]
    assert tuple(by_key[BAD_DATE][:3]) == ("visit_date", "2566-02-30", "transform")
    assert "BUDDHIST_TO_ISO" in by_key[BAD_DATE][3]
    assert by_key[TOO_LONG][2] == "load" and "too long" in by_key[TOO_LONG][3]
    assert by_key[NO_DOCTOR][2] == "load" and "null value" in by_key[NO_DOCTOR][3]
    assert by_key[BAD_CID][0] == "cid" and by_key[BAD_CID][2] == "validate"
    # The identifier is masked wherever it is kept: reject table and run log.
    assert WRONG_CID not in str(rejects)
    assert WRONG_CID not in Path(result.log_path or "").read_text(encoding="utf-8")
    loaded = fetch(
        poisoned["target"], "SELECT id, code, visit_date, doctor FROM visits ORDER BY id"
    )
    expected = [
        (id_, code, date(int(day[:4]) - 543, 3, int(day[-2:])), doctor)
        for id_, code, day, doctor, _ in map(source_row, range(1, ROWS + 1))
        if id_ not in (BAD_DATE, TOO_LONG, NO_DOCTOR, BAD_CID)
    ]
    assert loaded == expected


def test_stop_rolls_back_the_failing_batch_and_names_key_and_reason(
    ctx: ServiceContext, poisoned: dict
) -> None:
    name = poisoned["config"]("stop")
    with pytest.raises(MigrationFailed) as raised:
        run_migration(ctx, name, log_dir=poisoned["logs"])
    message = raised.value.message
    assert "batch 2" in message and "41 to 80" in message  # ids 41-80 hold the bad date
    assert f"row {BAD_DATE}" in message and "visit_date" in message and "BUDDHIST_TO_ISO" in message
    assert "\n" not in message
    # Batch 1 stays, batch 2 is rolled back whole.
    assert fetch(poisoned["target"], "SELECT MIN(id), MAX(id), COUNT(*) FROM visits") == [
        (1, 40, 40)
    ]
    with ctx.uow() as uow:
        (run,) = uow.pipeline_runs.list()
    assert run.error == message
    assert run.summary["steps"][name]["rows_loaded"] == 40


def test_stop_on_a_load_error_reports_the_engines_reason(
    ctx: ServiceContext, poisoned: dict
) -> None:
    # Without the date transformer the first problem is the over-long code (row 120, batch 3).
    name = poisoned["config"](
        "stop",
        mappings=[
            {"source": "id", "target": "id"},
            {"source": "code", "target": "code"},
            {"source": "doctor", "target": "doctor"},
        ],
    )
    with pytest.raises(MigrationFailed, match="batch 3 .*too long"):
        run_migration(ctx, name, log_dir=poisoned["logs"])
    assert fetch(poisoned["target"], "SELECT COUNT(*) FROM visits") == [(80,)]


def test_test_mode_lists_the_would_be_rejects(ctx: ServiceContext, poisoned: dict) -> None:
    name = poisoned["config"]("stop")
    result = run_migration(
        ctx, name, options=MigrationOptions(test=True, test_rows=130), log_dir=poisoned["logs"]
    )
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (130, 128, 2)
    assert [(reject.key, reject.stage) for reject in result.rejects] == [
        ((BAD_DATE,), "transform"),
        ((TOO_LONG,), "load"),
    ]
    assert fetch(poisoned["target"], "SELECT COUNT(*) FROM visits") == [(0,)]


def test_a_lost_target_connection_stops_the_run_and_resume_completes_it(
    ctx: ServiceContext, poisoned: dict
) -> None:
    # Quarantine must not mistake a dead connection for bad rows and set healthy rows aside.
    name = poisoned["config"]("quarantine")
    target: URL = poisoned["target"]

    def cut_the_target(event: ProgressEvent) -> None:
        if event.kind is ProgressKind.ADVANCED and event.done == 80:  # after batch 2
            connection = psycopg2.connect(
                host=target.host, port=target.port, user=target.username, dbname="postgres"
            )
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    (target.database,),
                )
            connection.close()

    # Batches 1-2 (ids 1-80, id 50 quarantined) are in; batch 3 meets the dead connection.
    with pytest.raises(MigrationFailed, match="failed after 79 rows: .*--resume continues"):
        run_migration(ctx, name, progress=cut_the_target, log_dir=poisoned["logs"])
    assert fetch(target, "SELECT source_key FROM his_migration_rejects") == [("[50]",)]
    assert fetch(target, "SELECT COUNT(*) FROM visits") == [(79,)]
    with ctx.uow() as uow:
        (first,) = uow.pipeline_runs.list()
    assert first.status is RunStatus.FAILED

    result = run_migration(
        ctx, name, options=MigrationOptions(resume=True), log_dir=poisoned["logs"]
    )
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (ROWS, ROWS - 4, 4)
    assert result.resumed_from == 80
    assert fetch(target, "SELECT COUNT(*), COUNT(DISTINCT id) FROM visits") == [
        (ROWS - 4, ROWS - 4)
    ]


def test_a_target_that_alters_rows_fails_the_reconciliation(
    ctx: ServiceContext, poisoned: dict
) -> None:
    # A trigger on the target changes one value and swallows one row: the rows "loaded" are
    # not what the target holds, and the checksums must say so.
    execute(
        poisoned["target"],
        "CREATE FUNCTION meddle() RETURNS trigger AS $$ BEGIN "
        "IF NEW.id = 7 THEN RETURN NULL; END IF; "
        "IF NEW.id = 8 THEN NEW.code := NEW.code || 'x'; END IF; "
        "RETURN NEW; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER meddle BEFORE INSERT ON visits FOR EACH ROW EXECUTE FUNCTION meddle()",
    )
    name = poisoned["config"](
        "quarantine",
        mappings=[
            {"source": "id", "target": "id"},
            {"source": "code", "target": "code"},
            {"source": "doctor", "target": "doctor"},
        ],
    )
    with pytest.raises(MigrationFailed, match="did not reconcile: .*code") as raised:
        run_migration(ctx, name, log_dir=poisoned["logs"])
    check = raised.value.result.reconciliation
    assert check.counts_match  # 300 read = 298 sent + 2 rejected (too long, no doctor)…
    mismatched = {(c.column, c.measure) for c in check.mismatches}
    # …but the target holds 297 ids and one code one character longer than sent.
    assert ("id", "count") in mismatched and ("code", "sum_length") in mismatched
    with ctx.uow() as uow:
        (run,) = uow.pipeline_runs.list()
    assert run.status is RunStatus.FAILED
    assert run.summary["steps"][name]["reconciliation"]["ok"] is False
