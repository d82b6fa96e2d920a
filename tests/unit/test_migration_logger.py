"""The run log: one file per run, timestamped lines, speeds, and nothing secret in it."""

from __future__ import annotations

import re
import threading
from datetime import datetime
from pathlib import Path

import psutil
import pytest

from services.migration.run_log import MigrationLogger, mask_secrets, safe_name
from utils.thai_cid import cid_check_digit

CID = "110170020345" + str(cid_check_digit("110170020345"))
PASSWORD = "s3cr3t-รหัส"
URL = f"postgresql+psycopg2://his:{PASSWORD}@db.hospital.local:5432/hosxp"
LINE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d (INFO|WARNING|ERROR) ", re.MULTILINE
)
START = datetime(2024, 5, 1, 13, 45, 30)


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_file_is_named_after_the_step_and_the_start(tmp_path: Path) -> None:
    with MigrationLogger(tmp_path / "migration_logs", "ผู้ป่วย นอก/OPD visit", now=START) as log:
        log.info("started")
    assert (
        log.path == tmp_path / "migration_logs" / "migration_ผู้ป่วย_นอก_OPD_visit_20240501_134530.log"
    )
    assert log.path.exists()


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("patient", "patient"),
        ("ข้อมูล ผู้ป่วย", "ข้อมูล_ผู้ป่วย"),  # Thai vowels and tone marks stay
        ("../../etc/passwd", "etc_passwd"),
        ("a\\b:c*d?e", "a_b_c_d_e"),
        ("///", "step"),
        ("ก" * 200, "ก" * 40),  # 120 UTF-8 bytes
    ],
)
def test_step_names_are_made_safe_for_a_file_name(name: str, safe: str) -> None:
    assert safe_name(name) == safe


def test_a_second_run_in_the_same_second_gets_its_own_file(tmp_path: Path) -> None:
    with (
        MigrationLogger(tmp_path, "visit", now=START) as first,
        MigrationLogger(tmp_path, "visit", now=START) as second,
    ):
        first.info("one")
        second.info("two")
    assert first.path != second.path
    assert second.path.name == "migration_visit_20240501_134530_2.log"
    assert "one" in first.path.read_text() and "one" not in second.path.read_text()


def test_every_line_starts_with_an_iso_timestamp_and_the_level(tmp_path: Path) -> None:
    with MigrationLogger(tmp_path, "visit") as log:
        log.info("reading %s from %s", "ovst", "source")
        log.warning("two lines:\nsecond line")
        try:
            raise ValueError("bad value")
        except ValueError as error:
            log.error("batch %d failed", 3, exc=error)
    lines = lines_of(log.path)
    assert all(LINE.match(line) for line in lines), lines
    assert lines[0].endswith("INFO reading ovst from source")
    assert lines[2].endswith("WARNING second line")


def test_an_exception_gives_its_one_line_message_and_its_traceback(tmp_path: Path) -> None:
    with MigrationLogger(tmp_path, "visit") as log:
        try:
            raise RuntimeError("connection lost\nDETAIL: more")
        except RuntimeError as error:
            log.error("load of batch %d failed", 7, exc=error)
    lines = lines_of(log.path)
    assert lines[0].endswith("ERROR load of batch 7 failed: RuntimeError: connection lost")
    text = "\n".join(lines)
    assert "ERROR Traceback (most recent call last):" in text
    assert 'raise RuntimeError("connection lost' in text


def test_a_batch_line_gives_its_speed(tmp_path: Path) -> None:
    with MigrationLogger(tmp_path, "visit") as log:
        log.batch(3, rows=10_000, loaded=9_998, rejected=2, seconds=2.5, total_rows=30_000)
        log.batch(4, rows=0, loaded=0, rejected=0, seconds=0.0, total_rows=30_000)
    first, second = lines_of(log.path)
    assert first.endswith(
        "INFO batch 3: 10,000 rows read, 9,998 loaded, 2 rejected in 2.500 s "
        "(4,000 rows/s); 30,000 rows so far"
    )
    assert "(- rows/s)" in second


def test_citizen_ids_and_passwords_never_reach_the_file(tmp_path: Path) -> None:
    with MigrationLogger(tmp_path, "visit") as log:
        log.info("connecting to %s", URL)
        log.info("row rejected: cid=%s", CID)
        log.warning("ODBC: DRIVER={x};UID=sa;PWD=%s;", PASSWORD)
        try:
            raise ValueError(f'COPY patient, line 3, column cid: "{CID}" via {URL}')
        except ValueError as error:
            log.error("load failed for %s", CID, exc=error)
    text = log.path.read_text(encoding="utf-8")
    assert CID not in text
    assert PASSWORD not in text
    assert "1-1017-xxxxx-xx-" in text  # masked, still recognisable as an ID
    assert "postgresql+psycopg2://his:***@db.hospital.local:5432/hosxp" in text


@pytest.mark.parametrize(
    ("message", "masked"),
    [
        ("mysql+pymysql://root:p@ss@127.0.0.1/hosxp", "mysql+pymysql://root:***@127.0.0.1/hosxp"),
        ("postgresql://his@host/db", "postgresql://his@host/db"),  # no password, nothing to hide
        ("password=abc def", "password=*** def"),
        ('Password: "a b"', "Password: ***"),
        (
            "DETAIL:  Key (hn)=(000123) already exists.",
            "DETAIL:  Key (hn)=(***) already exists.",
        ),
        (
            "(1062, \"Duplicate entry '000123' for key 'PRIMARY'\")",
            "(1062, \"Duplicate entry '***' for key 'PRIMARY'\")",
        ),
        (
            "[parameters: {'hn': '000123', 'fname': 'สมชาย'}]",
            "[parameters: hidden]",
        ),
        ("password authentication failed", "password authentication failed"),
    ],
)
def test_secrets_and_quoted_row_values_are_masked(message: str, masked: str) -> None:
    assert mask_secrets(message) == masked


def test_two_runs_in_parallel_write_to_their_own_files(tmp_path: Path) -> None:
    loggers = [MigrationLogger(tmp_path, name, now=START) for name in ("opd", "ipd")]

    def write(log: MigrationLogger) -> None:
        for number in range(1, 201):
            log.batch(number, 100, 100, 0, 0.01, number * 100)

    threads = [threading.Thread(target=write, args=(log,)) for log in loggers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for log in loggers:
        log.close()
        lines = lines_of(log.path)
        assert len(lines) == 200
        assert [int(line.split("batch ")[1].split(":")[0]) for line in lines] == list(range(1, 201))


def test_closing_releases_the_file(tmp_path: Path) -> None:
    def open_files() -> set[str]:
        return {Path(item.path).name for item in psutil.Process().open_files()}

    log = MigrationLogger(tmp_path, "visit")
    log.info("started")
    assert log.path.name in open_files()
    log.close()
    assert log.path.name not in open_files()
    log.info("after close")  # ignored, not an error
    log.close()
    assert "after close" not in log.path.read_text()
