"""DDL export on real MariaDB and PostgreSQL: the exported DDL rebuilds the same structure."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from models.schema import TableDetail
from services.context import ServiceContext
from services.datasources import discovery
from services.errors import SchemaNotFound, TableNotFound
from services.profiling import export_ddl
from tests.factories import register_server
from tests.servers import create_database, drop_database, unique_name

# Names chosen so that alphabetical order is not dependency order (ovst < patient), with a
# composite key, an unnamed foreign key, a cascade, and a doctor <-> department cycle.
CLOSE_CYCLE = (
    "ALTER TABLE department ADD CONSTRAINT fk_dept_head FOREIGN KEY (head) REFERENCES doctor (code)"
)
MYSQL_DDL = [
    """CREATE TABLE patient (
        id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
        hn VARCHAR(9) NOT NULL,
        cid CHAR(13) NULL,
        fname VARCHAR(100) NOT NULL DEFAULT '',
        sex CHAR(1) NOT NULL DEFAULT '1',
        created TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
            ON UPDATE CURRENT_TIMESTAMP COMMENT 'วันที่บันทึก',
        addrpart VARCHAR(20) CHARACTER SET tis620 COLLATE tis620_thai_ci NULL DEFAULT 'ไม่ทราบ',
        UNIQUE INDEX ux_patient_hn (hn)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='ทะเบียนผู้ป่วย'""",
    """CREATE TABLE ovst (
        vn VARCHAR(13) NOT NULL PRIMARY KEY,
        hn VARCHAR(9) NOT NULL,
        patient_id INT NULL,
        vstdate DATE NOT NULL,
        income DECIMAL(12,2) NOT NULL DEFAULT 0.00,
        CONSTRAINT fk_ovst_patient FOREIGN KEY (hn) REFERENCES patient (hn),
        FOREIGN KEY (patient_id) REFERENCES patient (id),
        INDEX ix_ovst_vstdate (vstdate)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4""",
    """CREATE TABLE ovst_diag (
        vn VARCHAR(13) NOT NULL,
        icd10 VARCHAR(7) NOT NULL,
        diagtype CHAR(1) NULL DEFAULT '1',
        PRIMARY KEY (vn, icd10),
        CONSTRAINT fk_diag_ovst FOREIGN KEY (vn) REFERENCES ovst (vn) ON DELETE CASCADE
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4""",
    "CREATE TABLE department (code CHAR(3) PRIMARY KEY, head VARCHAR(6) NULL)",
    """CREATE TABLE doctor (
        code VARCHAR(6) PRIMARY KEY,
        dept CHAR(3) NULL,
        CONSTRAINT fk_doctor_dept FOREIGN KEY (dept) REFERENCES department (code)
    )""",
    CLOSE_CYCLE,
]
PG_DDL = [
    "CREATE TYPE sex_t AS ENUM ('1', '2')",
    "CREATE SEQUENCE queue_seq",
    """CREATE TABLE patient (
        id SERIAL PRIMARY KEY,
        hn VARCHAR(9) NOT NULL,
        cid CHAR(13) NULL,
        fname VARCHAR(100) NOT NULL DEFAULT '',
        sex sex_t NOT NULL DEFAULT '1',
        created TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
    )""",
    "CREATE UNIQUE INDEX ux_patient_hn ON patient (hn)",
    """CREATE TABLE ovst (
        vn VARCHAR(13) NOT NULL PRIMARY KEY,
        hn VARCHAR(9) NOT NULL,
        patient_id INTEGER NULL REFERENCES patient (id),
        vstdate DATE NOT NULL,
        income NUMERIC(12,2) NOT NULL DEFAULT 0.00,
        queue_no INTEGER NOT NULL DEFAULT nextval('queue_seq'),
        CONSTRAINT fk_ovst_patient FOREIGN KEY (hn) REFERENCES patient (hn),
        CONSTRAINT uq_ovst_queue UNIQUE (vstdate, queue_no)
    )""",
    "CREATE INDEX ix_ovst_vstdate ON ovst (vstdate)",
    """CREATE TABLE ovst_diag (
        vn VARCHAR(13) NOT NULL,
        icd10 VARCHAR(7) NOT NULL,
        diagtype CHAR(1) NULL DEFAULT '1',
        PRIMARY KEY (vn, icd10),
        CONSTRAINT fk_diag_ovst FOREIGN KEY (vn) REFERENCES ovst (vn) ON DELETE CASCADE
    )""",
    "CREATE TABLE department (code CHAR(3) PRIMARY KEY, head VARCHAR(6) NULL)",
    """CREATE TABLE doctor (
        code VARCHAR(6) PRIMARY KEY,
        dept CHAR(3) NULL,
        CONSTRAINT fk_doctor_dept FOREIGN KEY (dept) REFERENCES department (code)
    )""",
    CLOSE_CYCLE,
    "CREATE SCHEMA lab",
    "CREATE TABLE lab.lab_head (order_no INTEGER PRIMARY KEY, vn VARCHAR(13) NOT NULL)",
    """CREATE TABLE lab.lab_order (
        order_no INTEGER NOT NULL REFERENCES lab.lab_head (order_no),
        item VARCHAR(10) NOT NULL,
        result TEXT NULL,
        PRIMARY KEY (order_no, item)
    )""",
    "CREATE INDEX ix_lab_order_item ON lab.lab_order (item)",
]
TABLES = ["department", "doctor", "ovst", "ovst_diag", "patient"]


def run_sql(url: URL, statements: list[str]) -> None:
    """Run statements on the database at `url` in one transaction."""
    engine = create_engine(url)
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    engine.dispose()


def split_ddl(ddl: str) -> list[str]:
    """The exported script as single statements (comment-only chunks dropped)."""
    chunks = (chunk.strip() for chunk in ddl.split(";\n\n"))
    return [
        chunk
        for chunk in chunks
        if chunk and not all(line.startswith("--") for line in chunk.splitlines())
    ]


def comparable(detail: TableDetail) -> TableDetail:
    """The structure without the database's own name, indexes and keys in a fixed order."""
    return dataclasses.replace(
        detail,
        schema=None,
        indexes=tuple(sorted(detail.indexes, key=lambda index: index.name or "")),
        foreign_keys=tuple(sorted(detail.foreign_keys, key=lambda fk: fk.name or "")),
    )


@pytest.fixture
def mysql_copy(mysql_server: URL) -> Iterator[URL]:
    """A second, empty MariaDB database to run the exported DDL in."""
    name = unique_name()
    yield create_database(mysql_server, name)
    drop_database(mysql_server, name)


@pytest.fixture
def pg_copy(pg_server: URL) -> Iterator[URL]:
    """A second, empty PostgreSQL database to run the exported DDL in."""
    name = unique_name()
    yield create_database(pg_server, name)
    drop_database(pg_server, name)


def assert_rebuilt_identically(
    ctx: ServiceContext, ddl: str, copy_url: URL, tables: list[str], schema: str | None = None
) -> None:
    """Run `ddl` in the empty copy and compare every table's discovered structure."""
    run_sql(copy_url, split_ddl(ddl))
    register_server(ctx, "copy", copy_url)
    copied = discovery.list_tables(ctx, "copy", schema=schema)
    assert [table.name for table in copied] == tables
    for table in tables:
        original = discovery.describe_table(ctx, "source", table, schema=schema)
        rebuilt = discovery.describe_table(ctx, "copy", table, schema=schema)
        assert comparable(rebuilt) == comparable(original), table


@pytest.mark.mysql
def test_mysql_ddl_rebuilds_the_same_structure(
    ctx: ServiceContext, mysql_database: URL, mysql_copy: URL
) -> None:
    run_sql(mysql_database, MYSQL_DDL)
    register_server(ctx, "source", mysql_database)

    ddl = export_ddl(ctx, "source")

    creates = [line for line in ddl.splitlines() if line.startswith("CREATE TABLE")]
    assert [line.split()[2] for line in creates] == [
        "department",
        "doctor",
        "patient",
        "ovst",
        "ovst_diag",
    ]
    assert mysql_database.database not in ddl  # unqualified: runs in any database
    assert "ON DELETE CASCADE" in ddl
    assert "ON UPDATE current_timestamp()" in ddl
    assert "COMMENT='ทะเบียนผู้ป่วย'" in ddl
    assert "ALTER TABLE" in ddl  # the doctor <-> department cycle is closed afterwards
    assert_rebuilt_identically(ctx, ddl, mysql_copy, TABLES)


@pytest.mark.postgres
def test_postgresql_ddl_rebuilds_the_same_structure(
    ctx: ServiceContext, pg_database: URL, pg_copy: URL
) -> None:
    run_sql(pg_database, PG_DDL)
    register_server(ctx, "source", pg_database)

    ddl = export_ddl(ctx, "source")

    assert "CREATE TYPE sex_t AS ENUM ('1', '2')" in ddl
    assert "CREATE SEQUENCE IF NOT EXISTS queue_seq" in ddl
    assert "lab_head" not in ddl  # another schema
    assert ddl.index("CREATE TABLE patient") < ddl.index("CREATE TABLE ovst ")
    assert_rebuilt_identically(ctx, ddl, pg_copy, TABLES)


@pytest.mark.postgres
def test_postgresql_other_schema_is_qualified_and_created(
    ctx: ServiceContext, pg_database: URL, pg_copy: URL
) -> None:
    run_sql(pg_database, PG_DDL)
    register_server(ctx, "source", pg_database)

    ddl = export_ddl(ctx, "source", schema="lab")

    assert "CREATE SCHEMA IF NOT EXISTS lab" in ddl
    assert "CREATE TABLE lab.lab_head" in ddl
    assert "CREATE TABLE patient" not in ddl
    assert_rebuilt_identically(ctx, ddl, pg_copy, ["lab_head", "lab_order"], schema="lab")


@pytest.mark.postgres
def test_chosen_tables_only_in_dependency_order(ctx: ServiceContext, pg_database: URL) -> None:
    run_sql(pg_database, PG_DDL)
    register_server(ctx, "source", pg_database)

    ddl = export_ddl(ctx, "source", tables=["ovst_diag", "patient", "ovst"])

    creates = [line.split()[2] for line in ddl.splitlines() if line.startswith("CREATE TABLE")]
    assert creates == ["patient", "ovst", "ovst_diag"]
    assert "CREATE INDEX ix_ovst_vstdate ON ovst (vstdate)" in ddl


@pytest.mark.postgres
def test_unknown_table_or_schema_is_a_clear_error(ctx: ServiceContext, pg_database: URL) -> None:
    run_sql(pg_database, PG_DDL)
    register_server(ctx, "source", pg_database)

    with pytest.raises(TableNotFound, match="'opdscreen'"):
        export_ddl(ctx, "source", tables=["patient", "opdscreen"])
    with pytest.raises(SchemaNotFound, match="'hos'"):
        export_ddl(ctx, "source", schema="hos")
