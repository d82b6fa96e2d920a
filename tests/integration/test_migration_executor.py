"""The migration engine on real servers: every row compared with the source after transformation.

Expected rows are computed here, from the source rows, with plain Python (str.strip, zfill, the
source's own DATE column for a Buddhist-era text date) — not with the transformers under test.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from models.migration_run import MigrationOptions
from models.status import RunStatus
from services.context import ServiceContext
from services.demo import generate_mock_his
from services.errors import Conflict, InvalidConfig
from services.migration import run_migration
from tests.integration.migration_fixtures import execute, fetch, mapping, register, save

OVST_COLUMNS = (
    "vn", "hn", "an", "vstdate", "vsttime", "doctor", "pttype", "spclty", "hospmain",
    "main_dep", "pt_priority", "income", "paid_money", "staff", "last_dttm",
)  # fmt: skip


@pytest.fixture
def mini_mariadb(ctx: ServiceContext, mysql_database: URL) -> URL:
    """A small mini_his in MariaDB, registered as datasource 'hosxp'."""
    register(ctx, "hosxp", mysql_database)
    generate_mock_his(ctx, datasource="hosxp", patients=300, visits=1_500, seed=7)
    return mysql_database


def ovst_config(**overrides: object) -> dict:
    items = mapping(
        *OVST_COLUMNS,
        hn=[{"name": "TRIM"}, {"name": "HN_PAD", "params": {"width": 9}}],
        staff=[{"name": "TRIM"}],
    )
    items.append(
        {
            "source": "vstdate_th",
            "target": "vstdate_iso",
            "transformers": [{"name": "BUDDHIST_TO_ISO"}],
        }
    )
    config = {
        "source_table": "ovst",
        "target_table": "visits",
        "create_target_table": True,
        "batch_size": 400,
        "mappings": items,
    }
    config.update(overrides)
    return config


def expected_ovst(source: URL) -> list[tuple]:
    rows = fetch(source, f"SELECT {', '.join(OVST_COLUMNS)}, vstdate_th FROM ovst ORDER BY vn")
    expected = []
    for row in rows:
        values = dict(zip((*OVST_COLUMNS, "vstdate_th"), row, strict=True))
        values["hn"] = values["hn"].strip().zfill(9)
        # vsttime: PyMySQL reads TIME as the duration it is, psycopg2 the interval as one too.
        values["staff"] = None if values["staff"] is None else values["staff"].strip()
        # The generator writes vstdate_th as the Buddhist-era text of vstdate itself, or blank.
        iso = values["vstdate"] if (values.pop("vstdate_th") or "").strip() else None
        expected.append((*values.values(), iso))
    return expected


@pytest.mark.parametrize("fast_reader", [True, False], ids=["connectorx", "driver"])
def test_mariadb_to_postgresql_moves_every_visit_exactly(
    ctx: ServiceContext, mini_mariadb: URL, pg_database: URL, fast_reader: bool
) -> None:
    ctx.settings.fast_reader = fast_reader
    source = ctx_datasource(ctx, "hosxp")
    target = register(ctx, "newhis", pg_database)
    name = save(ctx, source, target, **ovst_config())

    result = run_migration(ctx, name, log_dir=ctx.settings.data_dir / "logs")

    assert result.status is RunStatus.SUCCEEDED
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (1_500, 1_500, 0)
    assert result.batches == 4  # 1,500 rows in batches of 400
    columns = ", ".join((*OVST_COLUMNS, "vstdate_iso"))
    assert fetch(pg_database, f"SELECT {columns} FROM visits ORDER BY vn") == expected_ovst(
        mini_mariadb
    )
    # Types survived: the created table has an INTERVAL (MySQL TIME is a duration), an exact
    # NUMERIC(12,2) and a DATE.
    types = dict(
        fetch(
            pg_database,
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'visits'",
        )
    )
    assert types["vsttime"] == "interval"
    assert types["income"] == "numeric"
    assert types["vstdate_iso"] == "date"
    # The primary key and the source's indexes were built after the load.
    indexes = {
        row[0]
        for row in fetch(pg_database, "SELECT indexdef FROM pg_indexes WHERE tablename = 'visits'")
    }
    assert any("UNIQUE" in index and "(vn)" in index for index in indexes)
    assert any("(hn)" in index for index in indexes)
    # Reconciled, and the run stored with its summary.
    check = result.reconciliation
    assert check is not None and check.ok and check.source_rows == 1_500
    assert {c.column for c in check.columns} >= {"hn", "income", "staff"}
    with ctx.uow() as uow:
        (run,) = uow.pipeline_runs.list()
    assert run.status is RunStatus.SUCCEEDED
    assert run.summary["steps"][name]["reconciliation"]["ok"] is True
    log_text = Path(result.log_path or "").read_text(encoding="utf-8")
    assert "rows/s" in log_text


def ctx_datasource(ctx: ServiceContext, name: str):
    from services import datasources

    return datasources.get_datasource(ctx, name)


def test_postgresql_to_mariadb_patients_thai_text_and_dates(
    ctx: ServiceContext, pg_database: URL, mysql_database: URL
) -> None:
    source = register(ctx, "pg_his", pg_database)
    generate_mock_his(ctx, datasource="pg_his", patients=400, visits=10, seed=3)
    target = register(ctx, "maria_new", mysql_database)
    columns = (
        "hn",
        "pname",
        "fname",
        "lname",
        "sex",
        "birthday",
        "cid",
        "drugallergy",
        "last_update",
    )
    name = save(
        ctx,
        source,
        target,
        source_table="patient",
        target_table="patient_new",
        create_target_table=True,
        batch_size=150,
        mappings=mapping(*columns),
    )

    result = run_migration(ctx, name, log_dir=ctx.settings.data_dir / "logs")

    assert (result.rows_read, result.rows_loaded) == (400, 400)
    select = f"SELECT {', '.join(columns)} FROM {{}} ORDER BY hn"

    def char_semantics(rows: list[tuple]) -> list[tuple]:
        # sex and cid are CHAR(n): PostgreSQL reads them padded, MariaDB without the padding.
        return [
            (*row[:4], row[4] and row[4].rstrip(), row[5], row[6] and row[6].rstrip(), *row[7:])
            for row in rows
        ]

    assert char_semantics(fetch(mysql_database, select.format("patient_new"))) == char_semantics(
        fetch(pg_database, select.format("patient"))
    )
    assert result.reconciliation is not None and result.reconciliation.ok


def test_sqlite_to_postgresql_free_text_byte_identical(
    ctx: ServiceContext, tmp_path: Path, pg_database: URL
) -> None:
    demo = tmp_path / "demo.sqlite"
    demo.touch()
    source = register(ctx, "demo", demo)
    generate_mock_his(ctx, datasource="demo", patients=200, visits=800, seed=11)
    target = register(ctx, "pg_new", pg_database)
    columns = ("vn", "hn", "vstdate", "bps", "temperature", "cc", "symptom_json")
    name = save(
        ctx,
        source,
        target,
        source_table="opdscreen",
        target_table="screening",
        create_target_table=True,
        batch_size=300,
        mappings=mapping(*columns),
    )

    result = run_migration(ctx, name, log_dir=ctx.settings.data_dir / "logs")

    select = f"SELECT {', '.join(columns)} FROM {{}} ORDER BY vn"
    source_rows = fetch(demo, select.format("opdscreen"))
    assert result.rows_loaded == len(source_rows) > 100
    target_rows = fetch(pg_database, select.format("screening"))
    # SQLite keeps dates as ISO text and NUMERIC(4,1) as a float: compare those as text;
    # the free text (newlines, tabs, quotes, Thai) and JSON must be byte-identical.
    assert [
        (row[0], row[1], row[2].isoformat(), row[3], row[4], row[5], row[6]) for row in target_rows
    ] == [(row[0], row[1], row[2], row[3], _decimal(row[4]), row[5], row[6]) for row in source_rows]
    assert any("\n" in (row[5] or "") for row in target_rows)


def _decimal(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def test_truncate_reruns_and_upsert_updates_in_place(
    ctx: ServiceContext, mini_mariadb: URL, pg_database: URL
) -> None:
    source = ctx_datasource(ctx, "hosxp")
    target = register(ctx, "newhis", pg_database)
    truncate = save(
        ctx, source, target, name="visits_truncate", **ovst_config(load_mode="truncate")
    )
    run_migration(ctx, truncate, log_dir=ctx.settings.data_dir / "logs")
    run_migration(ctx, truncate, log_dir=ctx.settings.data_dir / "logs")
    assert fetch(pg_database, "SELECT COUNT(*), COUNT(DISTINCT vn) FROM visits") == [(1_500, 1_500)]

    execute(
        mini_mariadb,
        "UPDATE ovst SET staff = 'changed' WHERE vn IN "
        "(SELECT * FROM (SELECT vn FROM ovst ORDER BY vn LIMIT 10) AS first_ten)",
    )
    upsert = save(
        ctx,
        source,
        target,
        name="visits_upsert",
        **ovst_config(load_mode="upsert", key_columns=["vn"], create_target_table=False),
    )
    result = run_migration(ctx, upsert, log_dir=ctx.settings.data_dir / "logs")
    assert result.rows_loaded == 1_500
    assert fetch(pg_database, "SELECT COUNT(*), COUNT(DISTINCT vn) FROM visits") == [(1_500, 1_500)]
    assert fetch(pg_database, "SELECT COUNT(*) FROM visits WHERE staff = 'changed'") == [(10,)]


def test_test_mode_shows_rows_and_leaves_nothing(
    ctx: ServiceContext, mini_mariadb: URL, pg_database: URL
) -> None:
    source = ctx_datasource(ctx, "hosxp")
    target = register(ctx, "newhis", pg_database)
    name = save(ctx, source, target, **ovst_config())

    result = run_migration(
        ctx, name, options=MigrationOptions(test=True, test_rows=25), log_dir=ctx.settings.data_dir
    )

    assert result.test and (result.rows_read, result.rows_loaded) == (25, 25)
    assert len(result.preview) == 20
    first_hn = fetch(mini_mariadb, "SELECT hn FROM ovst ORDER BY vn LIMIT 1")[0][0]
    assert result.preview[0]["hn"] != first_hn.strip().zfill(9)  # an identifier: masked
    assert fetch(pg_database, "SELECT to_regclass('visits')") == [(None,)]
    with ctx.uow() as uow:
        assert uow.pipeline_runs.list() == []  # a test is not a run


def test_a_second_run_without_resume_is_refused_while_one_is_interrupted(
    ctx: ServiceContext, mini_mariadb: URL, pg_database: URL
) -> None:
    source = ctx_datasource(ctx, "hosxp")
    target = register(ctx, "newhis", pg_database)
    name = save(ctx, source, target, **ovst_config())
    run_migration(ctx, name, log_dir=ctx.settings.data_dir)
    # Leave a checkpoint behind as a killed run would.
    execute(
        pg_database,
        "INSERT INTO his_migration_checkpoints (step, last_key, rows_done, batches_done, "
        f"updated_at, state) VALUES ('{name}', '[\"x\"]', 400, 1, now(), '{{}}')",
    )
    with pytest.raises(Conflict, match="--resume"):
        run_migration(ctx, name, log_dir=ctx.settings.data_dir)


def test_bad_generate_sql_is_refused_before_connecting(ctx: ServiceContext, tmp_path: Path) -> None:
    # Datasources that point nowhere: the error must come from the SQL check, not a connection.
    source = register(ctx, "nowhere", tmp_path / "missing.sqlite")
    target = register(ctx, "nowhere2", tmp_path / "missing2.sqlite")
    name = save(
        ctx,
        source,
        target,
        generate_sql="SELECT hn FROM patient; DROP TABLE patient",
        target_table="t",
        mappings=mapping("hn"),
        check_live=False,  # saved offline: the run's own check is tested
    )
    with pytest.raises(InvalidConfig, match="exactly one SELECT"):
        run_migration(ctx, name, log_dir=tmp_path)
