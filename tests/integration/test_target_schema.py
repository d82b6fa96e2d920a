"""Target tables planned from a real source and created on a real target: types, keys, values."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, MetaData, Table, create_engine, inspect, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import URL

from dialects.registry import get_dialect
from models.migration_config import MigrationConfig
from services.errors import InvalidConfig, WriteFailed
from services.migration.target_plan import TargetTablePlan, object_name, plan_target_table
from services.migration.target_table import (
    build_keys,
    create_target_table,
    target_table_exists,
)

PG, MYSQL, SQLITE = get_dialect("postgresql"), get_dialect("mysql"), get_dialect("sqlite")

MARIADB_VISIT = """
CREATE TABLE visit (
    id INT UNSIGNED NOT NULL,
    seq BIGINT UNSIGNED NOT NULL,
    flag TINYINT(1) NULL,
    income DECIMAL(12,4) NULL,
    ratio DOUBLE NULL,
    vsttime TIME(3) NULL,
    stamp DATETIME(6) NULL,
    vstdate DATE NULL,
    hn VARCHAR(20) NOT NULL,
    note VARCHAR(1000) NULL,
    detail LONGTEXT NULL,
    status ENUM('wait', 'done', 'cancelled') NULL,
    yr YEAR NULL,
    scan BLOB NULL,
    extra JSON NULL,
    PRIMARY KEY (id, seq),
    INDEX by_date (vstdate),
    UNIQUE INDEX by_hn (hn, vstdate)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
"""
# (data_type, character length, numeric precision, numeric scale, datetime precision, nullable)
PG_VISIT_TYPES = {
    "id": ("bigint", None, 64, 0, None, "NO"),
    "seq": ("numeric", None, 20, 0, None, "NO"),
    "flag": ("smallint", None, 16, 0, None, "YES"),
    "income": ("numeric", None, 12, 4, None, "YES"),
    "ratio": ("double precision", None, 53, None, None, "YES"),
    "vsttime": ("interval", None, None, None, 3, "YES"),  # MySQL TIME is a duration
    "stamp": ("timestamp without time zone", None, None, None, 6, "YES"),
    "vstdate": ("date", None, None, None, 0, "YES"),
    "hn": ("character varying", 20, None, None, None, "NO"),
    "note": ("character varying", 1000, None, None, None, "YES"),
    "detail": ("text", None, None, None, None, "YES"),
    "status": ("character varying", 9, None, None, None, "YES"),
    "yr": ("smallint", None, 16, 0, None, "YES"),
    "scan": ("bytea", None, None, None, None, "YES"),
    "extra": ("jsonb", None, None, None, None, "YES"),
}
VISIT_COLUMNS = tuple(PG_VISIT_TYPES)
EXTREME_VISIT = {
    "id": 4_294_967_295,
    "seq": 18_446_744_073_709_551_615,
    "flag": 2,
    "income": Decimal("12345678.1234"),
    "ratio": 0.1 + 0.2,
    "vsttime": "23:59:59.123",
    "stamp": datetime(2023, 3, 14, 8, 15, 0, 123456),
    "vstdate": date(2023, 3, 14),
    "hn": "ก" * 20,
    "note": "หมายเหตุ" * 125,
    "detail": "ไทย" * 40_000,
    "status": "cancelled",
    "yr": 2155,
    "scan": bytes(range(256)),
    "extra": '{"อาการ": ["ไข้"], "pain": 3}',
}


def mapping(*names: str, **renamed: str) -> list[dict[str, Any]]:
    """Mappings of columns to themselves, then `source=target` renames."""
    items = [{"source": name, "target": name} for name in names]
    return items + [{"source": source, "target": target} for source, target in renamed.items()]


def config(**fields: Any) -> MigrationConfig:
    return MigrationConfig.model_validate({"name": "step", "target_table": "visit", **fields})


@pytest.fixture
def connect() -> Iterator[Any]:
    """Opens connections to databases (URL or SQLite file) and closes them afterwards."""
    opened: list[tuple[Any, Connection]] = []

    def open_connection(where: URL | Path) -> Connection:
        engine = create_engine(f"sqlite:///{where}" if isinstance(where, Path) else where)
        opened.append((engine, engine.connect()))
        return opened[-1][1]

    yield open_connection
    # Closed before the databases are dropped: an open MariaDB transaction would block DROP.
    for engine, connection in opened:
        connection.close()
        engine.dispose()


def pg_columns(connection: Connection, table: str) -> dict[str, tuple]:
    rows = connection.execute(
        text(
            "SELECT column_name, data_type, character_maximum_length, numeric_precision, "
            "numeric_scale, datetime_precision, is_nullable FROM information_schema.columns "
            "WHERE table_name = :table ORDER BY ordinal_position"
        ),
        {"table": table},
    )
    found = {name: tuple(rest) for name, *rest in rows}
    connection.rollback()  # end the implicit transaction: the code under test begins its own
    return found


def mysql_columns(connection: Connection, table: str) -> dict[str, tuple]:
    rows = connection.execute(
        text(
            "SELECT column_name, column_type, is_nullable FROM information_schema.columns "
            "WHERE table_schema = DATABASE() AND table_name = :table ORDER BY ordinal_position"
        ),
        {"table": table},
    )
    found = {name: (column_type, nullable) for name, column_type, nullable in rows}
    connection.rollback()
    return found


def keys_of(connection: Connection, table: str) -> tuple[list[str], dict[str, tuple]]:
    """(primary key columns, {index name: (columns, unique)}) as the target reports them."""
    inspector = inspect(connection)
    primary = inspector.get_pk_constraint(table).get("constrained_columns") or []
    indexes = {
        index["name"]: (tuple(index["column_names"]), bool(index["unique"]))
        for index in inspector.get_indexes(table)
    }
    connection.rollback()
    return primary, indexes


def insert(connection: Connection, table: str, row: dict[str, Any]) -> None:
    """Insert one row through a reflected table (not through the code under test)."""
    reflected = Table(table, MetaData(), autoload_with=connection)
    connection.execute(reflected.insert(), row)


def create_and_build(
    target: Connection, dialect: Any, plan: TargetTablePlan
) -> tuple[list[str], list[str]]:
    """Create bare, check it is bare, build the keys twice; the names each call built."""
    with target.begin():
        create_target_table(target, dialect, plan)
    assert keys_of(target, plan.table) == ([], {})
    with target.begin():
        first = build_keys(target, dialect, plan)
    with target.begin():
        second = build_keys(target, dialect, plan)
    return first, second


@pytest.mark.mysql
@pytest.mark.postgres
def test_mariadb_table_is_created_on_postgresql_with_faithful_types_and_values(
    mysql_database: URL, pg_database: URL, connect: Any
) -> None:
    source, target = connect(mysql_database), connect(pg_database)
    with source.begin():
        source.execute(text(MARIADB_VISIT))
        insert(source, "visit", EXTREME_VISIT)

    plan = plan_target_table(
        source, MYSQL, config(source_table="visit", mappings=mapping(*VISIT_COLUMNS)), PG
    )
    assert not target_table_exists(target, "visit", None)
    first, second = create_and_build(target, PG, plan)

    assert pg_columns(target, "visit") == PG_VISIT_TYPES
    assert first == ["pk_visit", "ix_visit_vstdate", "ux_visit_hn_vstdate"]
    assert second == []  # a resumed run builds nothing twice
    assert keys_of(target, "visit") == (
        ["id", "seq"],
        {
            "ix_visit_vstdate": (("vstdate",), False),
            "ux_visit_hn_vstdate": (("hn", "vstdate"), True),
        },
    )

    row = source.execute(text(f"SELECT {', '.join(VISIT_COLUMNS)} FROM visit")).one()
    with target.begin():
        PG.bulk_load(target, "visit", None, VISIT_COLUMNS, [tuple(row)])
    back = dict(target.execute(text("SELECT * FROM visit")).mappings().one())
    back["scan"] = bytes(back["scan"])  # psycopg2 reads bytea as a memoryview
    assert back == {
        **EXTREME_VISIT,
        "vsttime": timedelta(hours=23, minutes=59, seconds=59, milliseconds=123),
        "extra": {"อาการ": ["ไข้"], "pain": 3},
    }
    assert back["seq"] == Decimal("18446744073709551615")
    assert back["ratio"] == 0.30000000000000004


PG_LAB = [
    """CREATE TABLE lab_result (
        order_no BIGINT NOT NULL,
        item VARCHAR(10) NOT NULL,
        reported TIMESTAMPTZ NULL,
        value NUMERIC(20,6) NULL,
        note TEXT NULL,
        image BYTEA NULL,
        payload JSONB NULL,
        token UUID NULL,
        waited INTERVAL NULL,
        amount NUMERIC NULL,
        code VARCHAR(500) NULL,
        PRIMARY KEY (order_no, item)
    )""",
    "CREATE INDEX lab_item ON lab_result (item)",
    "CREATE INDEX lab_note ON lab_result (note)",
    "CREATE UNIQUE INDEX lab_code ON lab_result (code)",
    "CREATE INDEX lab_lower ON lab_result (lower(item))",  # an expression: not carried over
]
MYSQL_LAB_TYPES = {
    "order_no": ("bigint(20)", "NO"),
    "item": ("varchar(10)", "NO"),
    "reported": ("datetime(6)", "YES"),
    "value": ("decimal(20,6)", "YES"),
    "note": ("longtext", "YES"),
    "image": ("longblob", "YES"),
    "payload": ("longtext", "YES"),  # MariaDB's JSON is LONGTEXT checked by json_valid
    "token": ("char(36)", "YES"),
    "waited": ("time(6)", "YES"),  # an interval is a duration: MySQL's TIME
    "amount": ("decimal(65,30)", "YES"),
    "code": ("varchar(500)", "YES"),  # a unique key: kept VARCHAR so InnoDB can index it
}
LAB_COLUMNS = tuple(MYSQL_LAB_TYPES)


@pytest.mark.mysql
@pytest.mark.postgres
def test_postgresql_table_is_created_on_mariadb_with_faithful_types_and_values(
    mysql_database: URL, pg_database: URL, connect: Any
) -> None:
    source, target = connect(pg_database), connect(mysql_database)
    with source.begin():
        for statement in PG_LAB:
            source.execute(text(statement))

    plan = plan_target_table(
        source,
        PG,
        config(source_table="lab_result", target_table="lab", mappings=mapping(*LAB_COLUMNS)),
        MYSQL,
    )
    first, second = create_and_build(target, MYSQL, plan)

    assert mysql_columns(target, "lab") == MYSQL_LAB_TYPES
    table = target.execute(
        text(
            "SELECT engine, table_collation FROM information_schema.tables "
            "WHERE table_schema = DATABASE() AND table_name = 'lab'"
        )
    ).one()
    assert tuple(table) == ("InnoDB", "utf8mb4_unicode_ci")
    assert first[0] == "pk_lab"
    assert sorted(first[1:]) == ["ix_lab_item", "ix_lab_note", "ux_lab_code"]
    assert second == []
    assert keys_of(target, "lab")[0] == ["order_no", "item"]
    assert set(keys_of(target, "lab")[1]) == {"ix_lab_item", "ix_lab_note", "ux_lab_code"}

    reported = datetime(2023, 3, 14, 8, 15, 0, 654321, tzinfo=timezone(timedelta(hours=7)))
    row = {
        "order_no": 9_223_372_036_854_775_807,
        "item": "CBC",
        "reported": reported.astimezone(UTC).replace(tzinfo=None),  # DATETIME: UTC, no zone
        "value": Decimal("12345678901234.123456"),
        "note": "ผลตรวจ" * 50_000,  # 300,000 characters: more than MySQL's TEXT holds
        "image": b"\x00\xff" * 40_000,
        "payload": json.dumps({"wbc": 7.5, "หมายเหตุ": "ปกติ"}, ensure_ascii=False),
        "token": str(uuid.UUID(int=2**128 - 1)),
        "waited": timedelta(hours=26, microseconds=1),  # TIME holds hours, not days
        "amount": Decimal("123456789012345678901234567890.123456789012345678901234567890"),
        "code": "ค" * 500,
    }
    with target.begin():
        insert(target, "lab", row)
    back = dict(target.execute(text("SELECT * FROM lab")).mappings().one())
    assert back == row


@pytest.mark.postgres
def test_sqlite_table_is_created_on_postgresql(
    pg_database: URL, tmp_path: Path, connect: Any
) -> None:
    source, target = connect(tmp_path / "demo.db"), connect(pg_database)
    with source.begin():
        source.execute(
            text(
                "CREATE TABLE person (pid INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL, "
                "weight REAL, born DATE, seen DATETIME, active BOOLEAN, photo BLOB, misc, "
                "price DECIMAL(10,2), UNIQUE (name, born))"
            )
        )
        source.execute(text("CREATE INDEX person_seen ON person (seen)"))
    columns = ("pid", "name", "weight", "born", "seen", "active", "photo", "misc", "price")

    plan = plan_target_table(
        source,
        SQLITE,
        config(source_table="person", target_table="person", mappings=mapping(*columns)),
        PG,
    )
    first, _ = create_and_build(target, PG, plan)

    types = {name: kind[0] for name, kind in pg_columns(target, "person").items()}
    assert types == {
        "pid": "bigint",  # SQLite integers are 64-bit
        "name": "character varying",
        "weight": "double precision",  # so are its REALs
        "born": "date",
        "seen": "timestamp without time zone",
        "active": "boolean",
        "photo": "bytea",
        "misc": "text",
        "price": "numeric",
    }
    assert pg_columns(target, "person")["name"][-1] == "NO"
    assert first == ["pk_person", "ix_person_seen", "ux_person_name_born"]
    with target.begin():
        insert(target, "person", {"pid": 2**62, "name": "สมชาย", "weight": 0.1 + 0.2})
    assert target.execute(text("SELECT pid, weight FROM person")).one() == (2**62, 0.1 + 0.2)


@pytest.mark.mysql
@pytest.mark.postgres
def test_renamed_column_carries_its_type_key_and_index(
    mysql_database: URL, pg_database: URL, connect: Any
) -> None:
    source, target = connect(mysql_database), connect(pg_database)
    with source.begin():
        source.execute(
            text(
                "CREATE TABLE ovst_diag (vn VARCHAR(13) NOT NULL, icd10 VARCHAR(7) NOT NULL, "
                "diagtype CHAR(1) NULL, PRIMARY KEY (vn, icd10), INDEX by_code (icd10))"
            )
        )
    mappings = [
        {"source": "vn", "target": "visit_number"},
        {"source": "icd10", "target": "diagnosis_code"},
        {"source": "diagtype", "target": "kind"},
    ]

    plan = plan_target_table(
        source,
        MYSQL,
        config(source_table="ovst_diag", target_table="diagnosis", mappings=mappings),
        PG,
    )
    create_and_build(target, PG, plan)

    assert pg_columns(target, "diagnosis") == {
        "visit_number": ("character varying", 13, None, None, None, "NO"),
        "diagnosis_code": ("character varying", 7, None, None, None, "NO"),
        "kind": ("character", 1, None, None, None, "YES"),
    }
    assert keys_of(target, "diagnosis") == (
        ["visit_number", "diagnosis_code"],
        {"ix_diagnosis_diagnosis_code": (("diagnosis_code",), False)},
    )


@pytest.mark.mysql
@pytest.mark.postgres
def test_transformer_output_type_decides_the_column_type(
    mysql_database: URL, pg_database: URL, connect: Any
) -> None:
    source, target = connect(mysql_database), connect(pg_database)
    with source.begin():
        source.execute(
            text(
                "CREATE TABLE patient (hn INT NOT NULL PRIMARY KEY, "
                "birth_th VARCHAR(10) NOT NULL, regist_th VARCHAR(19) NULL, "
                "weight_text VARCHAR(10) NULL, name VARCHAR(100) NOT NULL)"
            )
        )
    mappings = [
        {"source": "hn", "target": "hn", "transformers": [{"name": "HN_PAD"}]},
        {
            "source": "birth_th",
            "target": "birthday",
            "transformers": [{"name": "TRIM"}, {"name": "BUDDHIST_TO_ISO"}],
        },
        {
            "source": "regist_th",
            "target": "registered",
            "transformers": [{"name": "BUDDHIST_TO_ISO"}],
        },
        {"source": "weight_text", "target": "weight", "transformers": [{"name": "TO_NUMERIC"}]},
        {"source": "name", "target": "name", "transformers": [{"name": "TRIM"}]},
        {"source": "UPPER(name)", "target": "shout"},
        {"target": "source_system", "default": "HOSxP"},
        {"target": "version", "default": 3},
        {"target": "migrated", "default": True},
    ]

    plan = plan_target_table(
        source, MYSQL, config(source_table="patient", target_table="patient", mappings=mappings), PG
    )
    create_and_build(target, PG, plan)

    got = {
        name: (kind[0], kind[1], kind[-1]) for name, kind in pg_columns(target, "patient").items()
    }
    assert got == {
        "hn": ("character varying", 9, "NO"),  # text even from an integer: zeros are kept
        "birthday": ("date", None, "YES"),  # ten characters hold no time of day
        "registered": ("timestamp without time zone", None, "YES"),
        "weight": ("numeric", None, "YES"),
        "name": ("character varying", 100, "YES"),  # TRIM may leave NULL for a failure
        "shout": ("text", None, "YES"),
        "source_system": ("text", None, "YES"),
        "version": ("bigint", None, "YES"),
        "migrated": ("boolean", None, "YES"),
    }
    with target.begin():
        insert(
            target,
            "patient",
            {"hn": "000000042", "birthday": "2023-03-14", "registered": "2023-03-14 08:15:00"},
        )
    assert target.execute(text("SELECT birthday, registered FROM patient")).one() == (
        date(2023, 3, 14),
        datetime(2023, 3, 14, 8, 15),
    )


@pytest.mark.mysql
def test_padded_hospital_number_can_be_the_key_on_mariadb(
    mysql_database: URL, connect: Any
) -> None:
    source = connect(mysql_database)
    with source.begin():
        source.execute(text("CREATE TABLE patient (hn INT NOT NULL PRIMARY KEY, note TEXT)"))
        source.execute(text("CREATE INDEX by_note ON patient (note(50))"))
    mappings = [
        {"source": "hn", "target": "hn", "transformers": [{"name": "HN_PAD"}]},
        {"source": "note", "target": "note"},
    ]
    plan = plan_target_table(
        source,
        MYSQL,
        config(source_table="patient", target_table="patient_new", mappings=mappings),
        MYSQL,
    )

    with source.begin():
        create_target_table(source, MYSQL, plan)
        insert(source, "patient_new", {"hn": "000000001", "note": "ก" * 70_000})
        insert(source, "patient_new", {"hn": "000000001"})
    with source.begin(), pytest.raises(WriteFailed, match="duplicate or empty values in hn"):
        build_keys(source, MYSQL, plan)
    with source.begin():
        source.execute(text("DELETE FROM patient_new WHERE note IS NULL"))
        built = build_keys(source, MYSQL, plan)

    assert mysql_columns(source, "patient_new")["hn"] == ("varchar(9)", "NO")
    assert mysql_columns(source, "patient_new")["note"] == ("mediumtext", "YES")
    assert built == ["pk_patient_new", "ix_patient_new_note"]
    assert keys_of(source, "patient_new")[0] == ["hn"]


@pytest.mark.postgres
def test_upsert_gets_its_key_before_the_load(pg_database: URL, connect: Any) -> None:
    source = connect(pg_database)
    with source.begin():
        source.execute(
            text(
                "CREATE TABLE ovst (id SERIAL PRIMARY KEY, vn VARCHAR(13) NOT NULL, "
                "income NUMERIC(12,2))"
            )
        )
    step = config(
        source_table="ovst",
        target_table="visits",
        load_mode="upsert",
        key_columns=["vn"],
        mappings=mapping("vn", "income"),  # the source's key (id) is not moved
    )
    plan = plan_target_table(source, PG, step, PG, target_schema="newhis")
    with source.begin():
        create_target_table(source, PG, plan, with_keys=True)

    rows = [("6601010001", Decimal("10.00")), ("6601010001", Decimal("25.50"))]
    with source.begin():
        PG.upsert(source, "visits", "newhis", ["vn", "income"], ["vn"], rows[:1])
        PG.upsert(source, "visits", "newhis", ["vn", "income"], ["vn"], rows[1:])
    with source.begin():
        assert source.execute(text("SELECT vn, income FROM newhis.visits")).all() == [rows[1]]
        assert build_keys(source, PG, plan) == []  # made with the table already


def test_sqlite_target_gets_a_unique_index_for_its_primary_key(
    tmp_path: Path, connect: Any
) -> None:
    source, target = connect(tmp_path / "source.db"), connect(tmp_path / "target.db")
    with source.begin():
        source.execute(text("CREATE TABLE drug (code VARCHAR(24) PRIMARY KEY, name TEXT)"))
    plan = plan_target_table(
        source,
        SQLITE,
        config(source_table="drug", target_table="drug", mappings=mapping("code", "name")),
        SQLITE,
    )

    with target.begin():
        create_target_table(target, SQLITE, plan)
        first = build_keys(target, SQLITE, plan)
        second = build_keys(target, SQLITE, plan)

    assert (first, second) == (["pk_drug"], [])
    assert keys_of(target, "drug")[1] == {"pk_drug": (("code",), True)}


def test_config_without_a_source_table_is_typed_by_transformers_and_defaults(
    tmp_path: Path, connect: Any
) -> None:
    source = connect(tmp_path / "source.db")
    step = config(
        generate_sql="SELECT hn, flag FROM patient",
        mappings=[
            {
                "source": "hn",
                "target": "hn",
                "transformers": [{"name": "HN_PAD", "params": {"width": 7}}],
            },
            {"source": "flag", "target": "flag", "transformers": [{"name": "TO_BOOLEAN"}]},
            {"target": "rate", "default": 1.5},
            {"source": "note", "target": "note"},
        ],
    )

    plan = plan_target_table(source, SQLITE, step, PG)

    compiled = {
        column.name: str(column.type.compile(dialect=postgresql.dialect()))
        for column in plan.columns
    }
    assert compiled == {"hn": "VARCHAR(7)", "flag": "BOOLEAN", "rate": "NUMERIC", "note": "TEXT"}
    assert all(column.nullable for column in plan.columns)
    assert (plan.primary_key, plan.indexes) == ((), ())


def test_missing_source_table_or_transformer_is_a_clear_error(tmp_path: Path, connect: Any) -> None:
    source = connect(tmp_path / "source.db")
    with pytest.raises(InvalidConfig, match="The source has no table 'visit'"):
        plan_target_table(source, SQLITE, config(source_table="visit", mappings=mapping("a")), PG)
    with source.begin():
        source.execute(text("CREATE TABLE visit (a TEXT)"))
    bad = config(
        source_table="visit",
        mappings=[{"source": "a", "target": "a", "transformers": [{"name": "BUDHIST_TO_ISO"}]}],
    )
    with pytest.raises(InvalidConfig, match="Did you mean 'buddhist_to_iso'"):
        plan_target_table(source, SQLITE, bad, PG)


def test_long_names_are_cut_to_63_bytes_and_stay_distinct() -> None:
    table = "ตารางผลตรวจทางห้องปฏิบัติการ"  # 28 Thai characters, 84 bytes
    first = object_name("ix", table, ["order_no"])
    second = object_name("ix", table, ["item"])
    assert len(first.encode()) <= 63 and len(second.encode()) <= 63
    assert first != second
    assert object_name("ix", "visit", ["vstdate"]) == "ix_visit_vstdate"
