"""Rejects that can be traced: every failing check of a row is a reject row with its reference
(run, batch, row, reject id), the column the engine named and its value, the source key in
clear in the target's reject table — and never a masked key or a clear citizen ID in a message,
a run log or a test preview."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from dialects.registry import get_dialect
from models.migration_run import MigrationOptions
from services.context import ServiceContext
from services.errors import MigrationFailed
from services.migration import list_rejects, run_migration
from tests.integration.migration_fixtures import execute, fetch, register, save

BATCH = 20
TOO_LONG, NO_DOCTOR, NO_SUCH_DAY = 5, 17, 33

REJECTS = (
    "SELECT source_key, column_name, value, stage, batch_number, batch_row, reason, run_id "
    "FROM his_migration_rejects ORDER BY id"
)


def check_digit(twelve: str) -> int:
    # The Thai citizen-ID rule, written out here independently of the code under test.
    return (11 - sum(int(d) * (13 - i) for i, d in enumerate(twelve)) % 11) % 10


def cid(number: int) -> str:
    twelve = f"11017{number:07d}"
    return twelve + str(check_digit(twelve))


def masked_cid(value: str) -> str:
    return f"{value[0]}-{value[1:5]}-xxxxx-xx-{value[12]}"


@pytest.fixture(params=["postgresql", "mariadb"])
def into(request: pytest.FixtureRequest, mysql_database: URL) -> URL:
    """The target database: a PostgreSQL one, or the MariaDB source database itself."""
    if request.param == "mariadb":
        return mysql_database
    return request.getfixturevalue("pg_database")


def test_load_rejects_name_the_engines_column_and_its_value(
    ctx: ServiceContext, mysql_database: URL, into: URL
) -> None:
    rows = [
        (
            id_,
            "TOO-LONG-CODE" if id_ == TOO_LONG else f"C{id_:02d}",
            "2024-02-30" if id_ == NO_SUCH_DAY else f"2024-03-{id_ % 28 + 1:02d}",
            None if id_ == NO_DOCTOR else f"D{id_ % 3}",
        )
        for id_ in range(1, 61)
    ]
    execute(
        mysql_database,
        "CREATE TABLE src (id INT PRIMARY KEY, code VARCHAR(20), vdate VARCHAR(10), "
        "doctor VARCHAR(10))",
        "INSERT INTO src VALUES "
        + ", ".join(
            f"({i}, '{c}', '{d}', {'NULL' if doc is None else repr(doc)})" for i, c, d, doc in rows
        ),
    )
    execute(
        into,
        "CREATE TABLE visits (id INT PRIMARY KEY, code VARCHAR(5), vdate DATE, "
        "doctor VARCHAR(10) NOT NULL)",
    )
    name = save(
        ctx,
        register(ctx, "old", mysql_database),
        register(ctx, "new", into),
        source_table="src",
        target_table="visits",
        error_policy="quarantine",
        batch_size=BATCH,
        mappings=[{"source": c, "target": c} for c in ("id", "code", "vdate", "doctor")],
    )

    result = run_migration(ctx, name, log_dir=ctx.settings.data_dir)

    assert (result.rows_loaded, result.rows_rejected) == (57, 3)
    found = [row[:6] for row in fetch(into, REJECTS)]
    # Batches of 20 in id order: id 5 is batch 1 row 5, id 33 batch 2 row 13.
    assert found == [
        ("[5]", "code", "TOO-LONG-CODE", "load", 1, 5),
        ("[17]", "doctor", None, "load", 1, 17),
        ("[33]", "vdate", "2024-02-30", "load", 2, 13),
    ]
    # The column types alone refuse the long code and the missing doctor (checked before the
    # load); the impossible day is the engine's to judge, and its error names the column.
    reasons = [reason for *_, reason, _ in fetch(into, REJECTS)]
    assert reasons[0].startswith("the target would refuse it: value too long")
    assert reasons[1].startswith("the target would refuse it: null value")
    assert reasons[2].startswith("the target refused the row")


@pytest.mark.parametrize("server", ["pg_database", "mysql_database"])
def test_the_dialect_reads_the_column_from_the_servers_own_errors(
    server: str, request: pytest.FixtureRequest
) -> None:
    # The INSERT path (upserts, MariaDB without LOAD DATA) and PostgreSQL's NOT NULL report.
    url: URL = request.getfixturevalue(server)
    dialect = get_dialect("mysql" if url.get_backend_name() == "mysql" else "postgresql")
    execute(url, "CREATE TABLE t (code VARCHAR(5), d DATE, doctor VARCHAR(5) NOT NULL)")
    statements = {"doctor": "INSERT INTO t VALUES ('ok', '2024-01-01', NULL)"}
    if dialect.name == "mysql":
        statements["code"] = "INSERT INTO t VALUES ('TOO-LONG', '2024-01-01', 'x')"
        statements["d"] = "INSERT INTO t VALUES ('ok', '2024-02-30', 'x')"
    engine = create_engine(url)
    try:
        for column, statement in statements.items():
            with engine.connect() as connection:
                with pytest.raises(Exception) as raised:
                    connection.execute(text(statement))
                assert dialect.refused_rows(raised.value)
                assert dialect.refused_column(raised.value) == column
    finally:
        engine.dispose()


def test_a_row_failing_several_checks_gets_one_reject_per_check(
    ctx: ServiceContext, mysql_database: URL, pg_database: URL
) -> None:
    bad_cid = cid(9)[:-1] + str((int(cid(9)[-1]) + 1) % 10)
    execute(
        mysql_database,
        "CREATE TABLE src (id INT PRIMARY KEY, code VARCHAR(20), vdate VARCHAR(10), cid CHAR(13))",
        "INSERT INTO src VALUES "
        + ", ".join(
            f"({i}, '{'X' if i == 12 else 'C'}{i:02d}', "
            f"'{'2566-02-30' if i == 9 else '2566-03-01'}', '{bad_cid if i == 9 else cid(i)}')"
            for i in range(1, 31)
        ),
    )
    execute(pg_database, "CREATE TABLE v (id INT PRIMARY KEY, code TEXT, vdate DATE, cid CHAR(13))")
    name = save(
        ctx,
        register(ctx, "old", mysql_database),
        register(ctx, "new", pg_database),
        source_table="src",
        target_table="v",
        error_policy="quarantine",
        batch_size=BATCH,
        mappings=[
            {"source": "id", "target": "id"},
            {"source": "code", "target": "code",
             "validators": [{"name": "regex", "params": {"pattern": r"C\d+"}}]},
            {"source": "vdate", "target": "vdate", "transformers": [{"name": "BUDDHIST_TO_ISO"}],
             "validators": [{"name": "not_null"}]},
            {"source": "cid", "target": "cid", "validators": [{"name": "cid_checksum"}]},
        ],
    )  # fmt: skip

    result = run_migration(ctx, name, log_dir=ctx.settings.data_dir)

    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (30, 28, 2)
    found = sorted(
        (row[:6] for row in fetch(pg_database, REJECTS)), key=lambda r: (r[0], r[1], r[3])
    )
    # Row 9: the transformer, the validator behind it (NULL, not "nan") and the CID check.
    assert found == [
        ("[12]", "code", "X12", "validate", 1, 12),
        ("[9]", "cid", masked_cid(bad_cid), "validate", 1, 9),
        ("[9]", "vdate", "2566-02-30", "transform", 1, 9),
        ("[9]", "vdate", None, "validate", 1, 9),
    ]
    assert fetch(pg_database, "SELECT COUNT(*) FROM v") == [(28,)]


@pytest.fixture
def patients(ctx: ServiceContext, mysql_database: URL, pg_database: URL) -> dict:
    """Patients keyed by citizen ID (an identifier), two with a date that does not exist."""
    bad = {3, 25}
    execute(
        mysql_database,
        "CREATE TABLE patients (cid CHAR(13) PRIMARY KEY, hn VARCHAR(9), birth_th VARCHAR(10))",
        "INSERT INTO patients VALUES "
        + ", ".join(
            f"('{cid(i)}', '{i:09d}', '{'2540-02-30' if i in bad else '2540-01-15'}')"
            for i in range(1, 31)
        ),
    )
    execute(pg_database, "CREATE TABLE patients (cid CHAR(13), hn VARCHAR(9), birth DATE)")

    def config(policy: str) -> str:
        return save(
            ctx,
            register(ctx, f"old_{policy}", mysql_database),
            register(ctx, f"new_{policy}", pg_database),
            source_table="patients",
            target_table="patients",
            error_policy=policy,
            batch_size=BATCH,
            mappings=[
                {"source": "cid", "target": "cid"},
                {"source": "hn", "target": "hn"},
                {"source": "birth_th", "target": "birth",
                 "transformers": [{"name": "BUDDHIST_TO_ISO"}]},
            ],
        )  # fmt: skip

    # In cid order the bad rows are the 3rd and the 25th: batch 1 row 3, batch 2 row 5.
    return {"config": config, "bad": [cid(i) for i in sorted(bad)], "target": pg_database}


def assert_no_key_shown(text_: str, keys: list[str]) -> None:
    for key in keys:
        assert key not in text_  # no citizen ID in clear…
        assert masked_cid(key) not in text_  # …and no masked one, which matches no row


def test_identifier_keys_stay_clear_in_the_reject_table_and_out_of_logs(
    ctx: ServiceContext, patients: dict
) -> None:
    name = patients["config"]("quarantine")
    result = run_migration(ctx, name, log_dir=ctx.settings.data_dir)

    found = fetch(patients["target"], REJECTS)
    assert [(json.loads(key), batch, row) for key, _, _, _, batch, row, *_ in found] == [
        ([patients["bad"][0]], 1, 3),
        ([patients["bad"][1]], 2, 5),
    ]
    assert fetch(patients["target"], "SELECT DISTINCT key_columns FROM his_migration_rejects") == [
        ('["cid"]',)
    ]
    log = Path(result.log_path or "").read_text(encoding="utf-8")
    assert "rejected batch 1, row 3 (reject 1): birth (transform)" in log
    assert "rejected batch 2, row 5 (reject 2): birth (transform)" in log
    assert_no_key_shown(log, patients["bad"])

    summary = list_rejects(ctx, name)
    assert (summary.rejects, summary.rows, summary.runs) == (2, 2, [found[0][-1]])


def test_a_stop_on_an_identifier_key_names_batch_row_and_place_only(
    ctx: ServiceContext, patients: dict
) -> None:
    name = patients["config"]("stop")
    with pytest.raises(MigrationFailed) as raised:
        run_migration(ctx, name, log_dir=ctx.settings.data_dir)
    message = raised.value.message
    assert (
        "stopped at batch 1, row 3 (source row 3 in cid order): column birth: BUDDHIST_TO_ISO"
        in message
    )
    assert_no_key_shown(message, patients["bad"])
    log = next(ctx.settings.data_dir.glob("migration_*.log")).read_text(encoding="utf-8")
    assert "batch 1, row 3" in log
    assert_no_key_shown(log, patients["bad"])


def test_the_test_preview_names_rejects_by_batch_and_row_without_the_key(
    ctx: ServiceContext, patients: dict
) -> None:
    name = patients["config"]("quarantine")
    result = run_migration(
        ctx, name, options=MigrationOptions(test=True), log_dir=ctx.settings.data_dir
    )
    assert [(r.reference, r.column, r.stage, r.key, r.shown_key) for r in result.rejects] == [
        ("batch 1, row 3", "birth", "transform", (), None)
    ]
    assert_no_key_shown(str(result.rejects), patients["bad"])


def test_an_identifier_the_engine_quotes_is_masked_in_the_reason(
    ctx: ServiceContext, mysql_database: URL
) -> None:
    # MariaDB quotes the value it refuses ("Duplicate entry 'HN-12A45' for key 'hn'"); a key
    # is the engine's to judge, so the row reaches it (the column types alone accept it).
    execute(
        mysql_database,
        "CREATE TABLE src (id INT PRIMARY KEY, hn VARCHAR(9))",
        "INSERT INTO src VALUES (1, 'HN-12A45'), (2, 'HN-12A45'), (3, '678')",
        "CREATE TABLE dst (id INT PRIMARY KEY, hn VARCHAR(9) UNIQUE)",
    )
    datasource = register(ctx, "db", mysql_database)
    name = save(
        ctx,
        datasource,
        datasource,
        source_table="src",
        target_table="dst",
        error_policy="quarantine",
        mappings=[{"source": "id", "target": "id"}, {"source": "hn", "target": "hn"}],
    )
    result = run_migration(ctx, name, log_dir=ctx.settings.data_dir)

    ((key, _column, _value, stage, batch, row, reason, _),) = fetch(mysql_database, REJECTS)
    assert (key, stage, batch, row) == ("[2]", "load", 1, 2)
    assert "Duplicate entry" in reason and "HN-12A45" not in reason
    assert "HN-12A45" not in Path(result.log_path or "").read_text(encoding="utf-8")
