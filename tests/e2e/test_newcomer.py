"""The newcomer's first hour, through the real command: two datasources on the real servers, a
mock hospital, a config drafted from the live schemas, a test run, the run — no JSON written by
hand, no id typed."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from tests.integration.test_cli import add_args
from utils.thai_cid import cid_checksum_ok


def rows(url: URL, sql: str) -> list[tuple]:
    engine = create_engine(url)
    with engine.connect() as connection:
        found = [tuple(row) for row in connection.execute(text(sql))]
    engine.dispose()
    return found


def test_a_newcomer_moves_the_patients_without_writing_json(
    cli, mysql_database: URL, pg_database: URL
) -> None:
    for step in (
        add_args("hosxp", mysql_database),
        add_args("newhis", pg_database),
        ["mock", "generate", "--datasource", "hosxp", "--patients", "120", "--yes"],
        ["config", "new", "patient", "--source", "hosxp.patient", "--target", "newhis", "--save"],
    ):
        done = cli(*step)
        assert done.returncode == 0, f"{step}: {done.stderr}"

    tried = cli("migrate", "patient", "--test", "--show", "3")
    assert tried.returncode == 0, tried.stderr
    assert "120 rows read, 120 would load, 0 would be rejected" in tried.stdout
    assert rows(pg_database, "SELECT COUNT(*) FROM pg_tables WHERE tablename = 'patient'") == [(0,)]

    moved = cli("migrate", "patient")
    assert moved.returncode == 0, moved.stderr
    assert "reconciled" in moved.stdout
    query = "SELECT hn, fname, lname, cid, birthday FROM patient ORDER BY hn"
    # cid is CHAR(13): MariaDB reads it without its padding, PostgreSQL with it (CHAR semantics:
    # both compare it equal to ''); values are compared as CHAR compares them.
    source, target = (
        [tuple(None if v is None else str(v).rstrip(" ") for v in row) for row in rows(url, query)]
        for url in (mysql_database, pg_database)
    )
    assert len(source) == 120
    assert target == source


def test_the_newcomers_profile_masks_patients_and_not_visit_numbers(
    cli, mysql_database: URL, tmp_path: Path
) -> None:
    for step in (
        add_args("hosxp", mysql_database),
        ["mock", "generate", "--datasource", "hosxp", "--patients", "120", "--yes"],
        ["profile", "hosxp", "--tables", "patient,ovst", "--out", "reports"],
    ):
        done = cli(*step)
        assert done.returncode == 0, f"{step}: {done.stderr}"
    (report,) = (tmp_path / "reports").glob("*/data_profile/data_profile.csv")
    with report.open(encoding="utf-8-sig", newline="") as handle:
        columns = {(row["table"], row["column"]): row for row in csv.DictReader(handle)}
    verdicts = {key: (row["masked"], row["phi_kind"]) for key, row in columns.items()}
    assert verdicts["patient", "cid"] == ("true", "cid")
    assert verdicts["patient", "hn"] == ("true", "hn")
    assert verdicts["patient", "fname"] == ("true", "name")
    assert verdicts["ovst", "vn"] == ("false", "")  # 13 digits, but visit numbers
    # Independently: no patient's citizen ID is anywhere in the report, visit numbers are.
    text = report.read_text(encoding="utf-8-sig")
    cids = [cid for (cid,) in rows(mysql_database, "SELECT cid FROM patient") if cid]
    assert [cid for cid in cids if cid_checksum_ok(cid)]
    assert not [cid for cid in cids if cid.strip() and cid.strip() in text]
    visit_numbers = rows(mysql_database, "SELECT vn FROM ovst")
    assert any(vn in columns["ovst", "vn"]["sample_values"] for (vn,) in visit_numbers)
