"""Live schema discovery on real MariaDB and PostgreSQL tables, and on the SQLite demo."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from services import datasources as ds
from services.context import ServiceContext
from services.datasources import discovery
from services.demo import DEMO_SOURCE, DEMO_TARGET, ensure_demo, is_demo_database
from services.errors import SchemaNotFound, TableNotFound
from tests.factories import register_server

MYSQL_DDL = [
    """CREATE TABLE patient (
        hn VARCHAR(9) NOT NULL PRIMARY KEY,
        fname VARCHAR(100) NOT NULL,
        cid CHAR(13) NULL,
        sex CHAR(1) NOT NULL DEFAULT '1'
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4""",
    """CREATE TABLE ovst (
        vn VARCHAR(13) NOT NULL PRIMARY KEY,
        hn VARCHAR(9) NOT NULL,
        vstdate DATE NOT NULL,
        vsttime TIME NULL,
        income DECIMAL(12,2) NULL,
        CONSTRAINT fk_ovst_patient FOREIGN KEY (hn) REFERENCES patient (hn),
        INDEX ix_ovst_vstdate (vstdate),
        UNIQUE INDEX ux_ovst_hn_date (hn, vstdate)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4""",
]
PG_DDL = [
    """CREATE TABLE patient (
        hn VARCHAR(9) NOT NULL PRIMARY KEY,
        fname VARCHAR(100) NOT NULL,
        cid CHAR(13) NULL,
        sex CHAR(1) NOT NULL DEFAULT '1'
    )""",
    """CREATE TABLE ovst (
        vn VARCHAR(13) NOT NULL PRIMARY KEY,
        hn VARCHAR(9) NOT NULL,
        vstdate DATE NOT NULL,
        vsttime TIME NULL,
        income NUMERIC(12,2) NULL,
        CONSTRAINT fk_ovst_patient FOREIGN KEY (hn) REFERENCES patient (hn)
    )""",
    "CREATE INDEX ix_ovst_vstdate ON ovst (vstdate)",
    "CREATE UNIQUE INDEX ux_ovst_hn_date ON ovst (hn, vstdate)",
    "CREATE SCHEMA lab",
    "CREATE TABLE lab.lab_head (lab_order_number INTEGER PRIMARY KEY, vn VARCHAR(13))",
]
PATIENTS = [("000001", "สมศักดิ์", "1101700203450", "1"), ("000002", "มาลี", None, "2")]
VISITS = [
    ("660314080001", "000001", "2023-03-14", "08:15:00", "120.50"),
    ("660314080002", "000002", "2023-03-14", "08:40:00", None),
    ("660316100001", "000001", "2023-03-16", "10:20:00", "80.00"),
]


def build_his(url: URL) -> None:
    """Create and fill the little HIS, then refresh the engine's statistics."""
    mysql = url.get_backend_name() == "mysql"
    engine = create_engine(url)
    with engine.begin() as connection:
        for statement in MYSQL_DDL if mysql else PG_DDL:
            connection.execute(text(statement))
        connection.execute(
            text("INSERT INTO patient (hn, fname, cid, sex) VALUES (:a, :b, :c, :d)"),
            [dict(zip("abcd", row, strict=True)) for row in PATIENTS],
        )
        connection.execute(
            text("INSERT INTO ovst VALUES (:a, :b, :c, :d, :e)"),
            [dict(zip("abcde", row, strict=True)) for row in VISITS],
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE TABLE patient, ovst" if mysql else "ANALYZE"))
    engine.dispose()


@pytest.fixture(params=["mysql", "postgresql"])
def his(request: pytest.FixtureRequest, ctx: ServiceContext) -> tuple[str, URL]:
    url = request.getfixturevalue(
        {"mysql": "mysql_database", "postgresql": "pg_database"}[request.param]
    )
    build_his(url)
    register_server(ctx, "his", url)
    return request.param, url


def test_tables_are_listed_with_row_estimates(ctx: ServiceContext, his: tuple[str, URL]) -> None:
    engine, url = his
    tables = discovery.list_tables(ctx, "his")
    assert [(t.name, t.row_estimate) for t in tables] == [("ovst", 3), ("patient", 2)]
    expected_schema = url.database if engine == "mysql" else "public"
    assert {t.schema for t in tables} == {expected_schema}


def test_columns_types_nullability_defaults_and_primary_key(
    ctx: ServiceContext, his: tuple[str, URL]
) -> None:
    engine, _ = his
    detail = discovery.describe_table(ctx, "his", "ovst")
    columns = {c.name: c for c in detail.columns}
    assert list(columns) == ["vn", "hn", "vstdate", "vsttime", "income"]
    assert detail.primary_key == ("vn",)
    assert [c.name for c in detail.columns if c.primary_key] == ["vn"]
    # Each engine's own spelling of the declared types.
    expected = {
        "mysql": ["VARCHAR(13)", "VARCHAR(9)", "DATE", "TIME", "DECIMAL(12, 2)"],
        "postgresql": [
            "VARCHAR(13)",
            "VARCHAR(9)",
            "DATE",
            "TIME WITHOUT TIME ZONE",
            "NUMERIC(12, 2)",
        ],
    }[engine]
    assert [c.type for c in detail.columns] == expected
    assert [c.name for c in detail.columns if c.nullable] == ["vsttime", "income"]
    patient = {c.name: c for c in discovery.describe_table(ctx, "his", "patient").columns}
    assert patient["sex"].default is not None and "1" in patient["sex"].default
    assert patient["fname"].default is None


def test_indexes_and_foreign_keys(ctx: ServiceContext, his: tuple[str, URL]) -> None:
    detail = discovery.describe_table(ctx, "his", "ovst")
    indexes = {i.name: (i.columns, i.unique) for i in detail.indexes}
    assert indexes["ix_ovst_vstdate"] == (("vstdate",), False)
    assert indexes["ux_ovst_hn_date"] == (("hn", "vstdate"), True)
    # MariaDB would add an index for the foreign key, but ux_ovst_hn_date already leads with hn.
    assert set(indexes) == {"ix_ovst_vstdate", "ux_ovst_hn_date"}
    (fk,) = detail.foreign_keys
    assert (fk.name, fk.columns, fk.referred_table, fk.referred_columns) == (
        "fk_ovst_patient",
        ("hn",),
        "patient",
        ("hn",),
    )


def test_a_whole_schema_is_described_on_one_call(ctx: ServiceContext, his: tuple[str, URL]) -> None:
    ovst, patient = discovery.describe_schema(ctx, "his")
    assert (ovst.name, patient.name) == ("ovst", "patient")
    assert [c.name for c in patient.columns] == ["hn", "fname", "cid", "sex"]
    assert patient.primary_key == ("hn",) and not patient.foreign_keys
    assert [(fk.columns, fk.referred_table) for fk in ovst.foreign_keys] == [(("hn",), "patient")]
    # The same answer, table by table, as describing each one on its own.
    assert [ovst, patient] == [discovery.describe_table(ctx, "his", t) for t in ("ovst", "patient")]


def test_a_view_asked_for_by_name_is_described_and_a_schema_lists_tables_only(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    path = tmp_path / "views.sqlite"
    connection = sqlite3.connect(path)
    connection.executescript(
        "CREATE TABLE ward (code TEXT PRIMARY KEY, name TEXT);"
        "CREATE VIEW ward_names AS SELECT code, name FROM ward;"
    )
    connection.close()
    ds.create_datasource(ctx, name="wards", db_type="sqlite", database=str(path))
    view = discovery.describe_table(ctx, "wards", "ward_names")
    assert [c.name for c in view.columns] == ["code", "name"]
    assert (view.primary_key, view.indexes, view.foreign_keys) == ((), (), ())
    assert [t.name for t in discovery.describe_schema(ctx, "wards")] == ["ward"]


def test_unknown_table_is_a_clear_error(ctx: ServiceContext, his: tuple[str, URL]) -> None:
    with pytest.raises(TableNotFound, match="No table 'ovst_typo'"):
        discovery.describe_table(ctx, "his", "ovst_typo")


def test_postgresql_schemas_are_respected(ctx: ServiceContext, pg_database: URL) -> None:
    build_his(pg_database)
    register_server(ctx, "pg", pg_database)
    assert discovery.list_schemas(ctx, "pg") == ["lab", "public"]
    (lab_table,) = discovery.list_tables(ctx, "pg", schema="lab")
    assert (lab_table.name, lab_table.schema) == ("lab_head", "lab")
    assert discovery.describe_table(ctx, "pg", "lab_head", schema="lab").primary_key == (
        "lab_order_number",
    )
    with pytest.raises(TableNotFound):
        discovery.describe_table(ctx, "pg", "lab_head")  # not in public
    (lab_head,) = discovery.describe_schema(ctx, "pg", schema="lab")
    assert (lab_head.name, lab_head.schema) == ("lab_head", "lab")
    # A datasource whose default schema is "lab" finds it unqualified.
    ds.update_datasource(ctx, "pg", schema="lab")
    assert [t.name for t in discovery.list_tables(ctx, "pg")] == ["lab_head"]


def test_mariadb_schemas_hide_the_system_ones(ctx: ServiceContext, mysql_database: URL) -> None:
    register_server(ctx, "m", mysql_database)
    schemas = discovery.list_schemas(ctx, "m")
    assert mysql_database.database in schemas
    assert not {"mysql", "information_schema", "performance_schema", "sys"} & set(schemas)
    assert discovery.describe_schema(ctx, "m") == []  # a new database has no tables yet


def test_sqlite_demo_is_discovered(ctx: ServiceContext) -> None:
    ensure_demo(ctx)
    tables = discovery.list_tables(ctx, DEMO_SOURCE)
    assert [(t.name, t.row_estimate) for t in tables] == [
        ("doctor", 3),
        ("ovst", 5),
        ("patient", 4),
    ]
    detail = discovery.describe_table(ctx, DEMO_SOURCE, "ovst")
    assert detail.primary_key == ("vn",)
    assert {(fk.columns, fk.referred_table) for fk in detail.foreign_keys} == {
        (("hn",), "patient"),
        (("doctor",), "doctor"),
    }
    assert {i.name for i in detail.indexes} == {"ix_ovst_hn", "ix_ovst_vstdate"}


def test_demo_databases_are_known_by_their_files(ctx: ServiceContext, tmp_path: Path) -> None:
    ensure_demo(ctx)
    assert is_demo_database(ctx, DEMO_SOURCE) and is_demo_database(ctx, DEMO_TARGET)
    source_file = ds.get_datasource(ctx, DEMO_SOURCE).database
    ds.create_datasource(ctx, name="renamed demo", db_type="sqlite", database=source_file)
    assert is_demo_database(ctx, "renamed demo")  # the same file, whatever it is called
    other = tmp_path / "clinic.sqlite"
    sqlite3.connect(other).close()
    ds.update_datasource(ctx, DEMO_TARGET, database=str(other))
    assert not is_demo_database(ctx, DEMO_TARGET)  # re-pointed: the user's database now


def test_demo_is_created_once(ctx: ServiceContext) -> None:
    assert ensure_demo(ctx) == ["demo source", "demo target"]
    assert ensure_demo(ctx) == []
    assert [d.name for d in ds.list_datasources(ctx)] == ["demo source", "demo target"]


def test_deleted_demo_datasource_stays_deleted_unless_forced(ctx: ServiceContext) -> None:
    ensure_demo(ctx)
    ds.delete_datasource(ctx, "demo target")
    assert ensure_demo(ctx) == []
    assert [d.name for d in ds.list_datasources(ctx)] == ["demo source"]
    assert ensure_demo(ctx, force=True) == ["demo target"]


@pytest.mark.parametrize("engine", ["mysql", "postgresql"])
def test_unknown_schema_is_a_clear_error_on_every_engine(
    ctx: ServiceContext, engine: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue({"mysql": "mysql_server", "postgresql": "pg_server"}[engine])
    register_server(ctx, "his", url)
    with pytest.raises(SchemaNotFound, match="No schema 'no_such_schema'"):
        discovery.list_tables(ctx, "his", schema="no_such_schema")
    with pytest.raises(SchemaNotFound):
        discovery.describe_table(ctx, "his", "ovst", schema="no_such_schema")
    with pytest.raises(SchemaNotFound):
        discovery.describe_schema(ctx, "his", schema="no_such_schema")
