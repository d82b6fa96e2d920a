"""mini_his generated into real SQLite, MariaDB and PostgreSQL databases, checked with SQL;
then through the service and the `his-analyzer mock generate` command."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import CHAR, Engine, Table, inspect, select, text
from sqlalchemy.engine import URL

from mini_his.data import MiniHisData
from mini_his.gen_mini_his import engine_for_url, generate
from mini_his.schema import TABLE_NAMES, metadata
from models.progress import ProgressEvent, ProgressKind
from services.context import ServiceContext
from services.demo import generate_mock_his, planned_mock_rows
from services.errors import InvalidInput, WriteFailed
from tests.factories import register_server
from tests.servers import create_database, drop_database, unique_name

PATIENTS = 300
SEED = 11
COMMAND = shutil.which("his-analyzer", path=str(Path(sys.executable).parent))

# (child table, column, parent table, parent column): every reference, written out by hand.
REFERENCES = [
    ("patient", "pttype", "pttype", "pttype"),
    ("ovst", "hn", "patient", "hn"),
    ("ovst", "doctor", "doctor", "code"),
    ("ovst", "pttype", "pttype", "pttype"),
    ("ovst", "an", "ipt", "an"),  # not a declared key in HOSxP either
    ("opdscreen", "vn", "ovst", "vn"),
    ("opdscreen", "hn", "patient", "hn"),
    ("ovstdiag", "vn", "ovst", "vn"),
    ("ovstdiag", "doctor", "doctor", "code"),
    ("opitemrece", "vn", "ovst", "vn"),
    ("opitemrece", "icode", "drugitems", "icode"),
    ("ipt", "vn", "ovst", "vn"),
    ("ipt", "admdoctor", "doctor", "code"),
    ("iptadm", "an", "ipt", "an"),
    ("lab_head", "vn", "ovst", "vn"),
    ("lab_head", "doctor_code", "doctor", "code"),
    ("lab_order", "lab_order_number", "lab_head", "lab_order_number"),
]


@pytest.fixture(
    scope="module",
    params=[
        "sqlite",
        pytest.param("mysql", marks=pytest.mark.mysql),
        pytest.param("postgresql", marks=pytest.mark.postgres),
    ],
)
def his(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """mini_his generated once per engine into a database of its own (dropped afterwards)."""
    server: URL | None = None
    if request.param == "sqlite":
        url: str | URL = f"sqlite:///{tmp_path_factory.mktemp('his') / 'mini_his.sqlite'}"
    else:
        server = request.getfixturevalue(
            "mysql_server" if request.param == "mysql" else "pg_server"
        )
        name = unique_name()
        url = create_database(server, name)
    engine = engine_for_url(url)
    generate(engine, patients=PATIENTS, seed=SEED)
    yield engine
    engine.dispose()
    if server is not None:
        drop_database(server, name)


def scalar(engine: Engine, sql: str) -> int:
    with engine.connect() as connection:
        return connection.execute(text(sql)).scalar_one()


def values(engine: Engine, sql: str) -> list:
    with engine.connect() as connection:
        return list(connection.execute(text(sql)).scalars())


def test_tables_hold_the_planned_row_counts(his: Engine) -> None:
    expected = MiniHisData(patients=PATIENTS, seed=SEED).row_counts()
    assert {
        table: scalar(his, f"SELECT COUNT(*) FROM {table}") for table in TABLE_NAMES
    } == expected


@pytest.mark.parametrize(("child", "column", "parent", "key"), REFERENCES)
def test_every_reference_finds_its_parent(
    his: Engine, child: str, column: str, parent: str, key: str
) -> None:
    orphans = scalar(
        his,
        f"SELECT COUNT(*) FROM {child} c LEFT JOIN {parent} p ON p.{key} = c.{column} "
        f"WHERE c.{column} IS NOT NULL AND p.{key} IS NULL",
    )
    assert orphans == 0
    assert scalar(his, f"SELECT COUNT(*) FROM {child} WHERE {column} IS NOT NULL") > 0


def test_database_returns_exactly_the_generated_rows(his: Engine) -> None:
    data = MiniHisData(patients=PATIENTS, seed=SEED)
    with his.connect() as connection:
        for table in metadata.sorted_tables:
            key = [data.columns(table.name).index(c.name) for c in table.primary_key]
            expected = sorted(
                (row for chunk in data.chunks(table.name) for row in chunk),
                key=lambda r: [r[i] for i in key],
            )
            got = sorted(
                (tuple(row) for row in connection.execute(select(table))),
                key=lambda r: [r[i] for i in key],
            )
            if his.dialect.name == "postgresql":
                got = [_unpadded(table, row) for row in got]
            assert got == expected, table.name


def _unpadded(table: Table, row: tuple) -> tuple:
    # PostgreSQL hands CHAR(n) back blank-padded: an empty CHAR(13) cid reads as 13 spaces.
    return tuple(
        value.rstrip(" ") if isinstance(value, str) and isinstance(column.type, CHAR) else value
        for value, column in zip(row, table.columns, strict=True)
    )


def test_keys_and_indexes_are_declared(his: Engine) -> None:
    inspector = inspect(his)
    assert inspector.get_pk_constraint("ovst")["constrained_columns"] == ["vn"]
    assert inspector.get_pk_constraint("lab_order")["constrained_columns"] == [
        "lab_order_number",
        "lab_items_code",
    ]
    referred = {fk["referred_table"] for fk in inspector.get_foreign_keys("ovst")}
    assert referred == {"patient", "doctor", "pttype"}
    indexes = {index["name"] for index in inspector.get_indexes("ovst")}
    assert {"ix_ovst_hn", "ix_ovst_vstdate", "ix_ovst_doctor"} <= indexes
    assert len(inspector.get_columns("ovst")) == 16


def test_citizen_ids_mostly_pass_an_independent_checksum(his: Engine) -> None:
    cids = [
        cid.strip() if cid is not None else None for cid in values(his, "SELECT cid FROM patient")
    ]
    filled = [cid for cid in cids if cid]
    valid = [cid for cid in filled if _cid_checksum_ok(cid)]
    assert len(valid) > 0.9 * len(filled) and len(valid) < len(filled)
    assert "" in cids and None in cids


def _cid_checksum_ok(cid: str) -> bool:
    total = sum(int(cid[i]) * (13 - i) for i in range(12))
    return (11 - total % 11) % 10 == int(cid[12])


def test_buddhist_text_dates_are_the_date_column_plus_543_years(his: Engine) -> None:
    with his.connect() as connection:
        pairs = connection.execute(
            text(
                "SELECT vstdate, vstdate_th FROM ovst "
                "WHERE vstdate_th IS NOT NULL AND vstdate_th <> ''"
            )
        ).all()
    assert len(pairs) > 0.9 * PATIENTS * 5
    for day, thai in pairs:
        iso = str(day)[:10]  # SQLite hands back text, the servers a date
        assert thai == f"{int(iso[:4]) + 543}{iso[4:]}"


def test_dirty_values_survive_in_the_database(his: Engine) -> None:
    assert scalar(his, "SELECT COUNT(*) FROM ovst WHERE hospmain = ''") > 0
    assert scalar(his, "SELECT COUNT(*) FROM ovst WHERE hospmain IS NULL") > 0
    assert scalar(his, "SELECT COUNT(*) FROM ovst WHERE hospmain LIKE '%.0'") > 0
    assert scalar(his, "SELECT COUNT(*) FROM patient WHERE fname LIKE ' %' OR fname LIKE '% '") > 0
    assert scalar(his, "SELECT COUNT(*) FROM ovstdiag WHERE icd10 = 'E119'") > 0
    assert scalar(his, "SELECT COUNT(*) FROM ovstdiag WHERE icd10 = 'E11.9'") > 0
    assert scalar(his, "SELECT COUNT(*) FROM patient WHERE pname = 'น.ส.'") > 0
    complaints = values(his, "SELECT cc FROM opdscreen WHERE cc IS NOT NULL")
    assert any("\n" in cc for cc in complaints) and any("\t" in cc for cc in complaints)
    documents = values(his, "SELECT symptom_json FROM opdscreen WHERE symptom_json IS NOT NULL")
    assert documents and all(isinstance(json.loads(doc), dict) for doc in documents)


def test_a_tenth_of_the_doctors_see_most_visits(his: Engine) -> None:
    doctors = scalar(his, "SELECT COUNT(*) FROM doctor")
    per_doctor = values(his, "SELECT COUNT(*) FROM ovst GROUP BY doctor ORDER BY COUNT(*) DESC")
    assert sum(per_doctor[: max(1, doctors // 10)]) > 0.5 * sum(per_doctor)


def test_regenerating_replaces_the_tables_and_keep_refuses(tmp_path: Path) -> None:
    engine = engine_for_url(f"sqlite:///{tmp_path / 'again.sqlite'}")
    first = generate(engine, patients=50, seed=1)
    assert generate(engine, patients=50, seed=1) == first
    assert scalar(engine, "SELECT COUNT(*) FROM ovst") == 250
    with pytest.raises(Exception, match="already exists"):
        generate(engine, patients=50, seed=1, replace=False)
    engine.dispose()


@pytest.mark.postgres
def test_keys_added_on_postgresql_stay_inline_for_the_next_engine(
    pg_database: URL, tmp_path: Path
) -> None:
    # PostgreSQL gets its foreign keys after the load (ALTER TABLE); that must not take them
    # out of the shared tables' CREATE TABLE for an engine that declares them inline.
    postgresql = engine_for_url(pg_database)
    generate(postgresql, patients=5, seed=2)
    postgresql.dispose()
    sqlite_engine = engine_for_url(f"sqlite:///{tmp_path / 'after_pg.sqlite'}")
    generate(sqlite_engine, patients=5, seed=2)
    with sqlite3.connect(tmp_path / "after_pg.sqlite") as connection:
        referred = {row[2] for row in connection.execute("PRAGMA foreign_key_list(ovst)")}
    sqlite_engine.dispose()
    assert referred == {"patient", "doctor", "pttype"}


# --- service and command line -----------------------------------------------------------------


@pytest.mark.mysql
def test_service_fills_a_registered_datasource_and_reports_progress(
    ctx: ServiceContext, mysql_database: URL
) -> None:
    register_server(ctx, "mock", mysql_database)
    seen: list[ProgressEvent] = []
    counts = generate_mock_his(
        ctx, datasource="mock", patients=40, visits=90, seed=5, progress=seen.append
    )
    assert counts["ovst"] == 90 and list(counts) == list(TABLE_NAMES)
    assert planned_mock_rows(patients=40, visits=90, seed=5) == counts  # known before writing
    assert [(e.done, e.total) for e in seen if e.subject == "ovst"] == [(0, 90), (90, 90)]
    assert {e.kind for e in seen} == {ProgressKind.ADVANCED}
    engine = engine_for_url(mysql_database)
    assert scalar(engine, "SELECT COUNT(*) FROM opitemrece") == counts["opitemrece"]
    engine.dispose()


@pytest.mark.postgres
def test_service_errors_are_one_line(ctx: ServiceContext, pg_database: URL) -> None:
    register_server(ctx, "nowhere", pg_database, schema="no_such_schema")
    with pytest.raises(WriteFailed) as failure:
        generate_mock_his(ctx, datasource="nowhere", patients=5)
    assert failure.value.message.startswith("Writing the mock HIS into 'nowhere' failed: ")
    assert "\n" not in failure.value.message
    with pytest.raises(InvalidInput, match="Patients must be between 1"):
        generate_mock_his(ctx, datasource="nowhere", patients=0)
    with pytest.raises(InvalidInput, match="The seed must be 0 or more"):
        planned_mock_rows(patients=5, seed=-1)


@pytest.fixture
def mock_cli(tmp_path: Path):
    """Like conftest's `cli`, with stdin closed: a confirmation prompt aborts, never waits."""
    env = {**os.environ, "HIS_DATA_DIR": str(tmp_path / "data"), "HIS_SECRET_KEY": "cli-test"}
    env.pop("HIS_DATABASE_URL", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        assert COMMAND, "his-analyzer is not installed in this venv"
        return subprocess.run(
            [COMMAND, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip

    return run


def test_mock_generate_command_fills_an_sqlite_datasource(mock_cli, tmp_path: Path) -> None:
    database = tmp_path / "mock.sqlite"
    sqlite3.connect(database).close()  # a datasource file must exist (mode=rw)
    add = ["datasource", "add", "--name", "mock", "--type", "sqlite", "--database", str(database)]
    assert mock_cli(*add).returncode == 0
    done = mock_cli("mock", "generate", "--datasource", "mock", "--patients", "120", "--seed", "3")
    assert done.returncode == 0, done.stderr
    assert "Mock HIS written to 'mock'" in done.stdout and "ovst" in done.stdout
    expected = MiniHisData(patients=120, seed=3).row_counts()
    assert _sqlite_counts(database) == expected
    # Existing tables are not replaced without --yes (no terminal to confirm on: aborted).
    again = mock_cli("mock", "generate", "--datasource", "mock", "--patients", "10")
    assert again.returncode == 1 and "already has" in again.stdout + again.stderr
    assert _sqlite_counts(database) == expected
    refused = mock_cli("mock", "generate", "--datasource", "mock", "--patients", "0", "--yes")
    assert (refused.returncode, refused.stderr.strip()) == (
        1,
        "error: Patients must be between 1 and 10,000,000, not 0.",
    )


def _sqlite_counts(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as connection:
        return {
            table: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in TABLE_NAMES
        }
