"""The report folder: its layout, the CSV read back cell by cell, masking on the way out."""

from __future__ import annotations

import csv
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from models.profile import ColumnProfile, DatabaseProfile, ProfileMode, TableProfile, ValueCount
from services.privacy import mask_profile
from services.reports import write_report
from services.reports.rows import CSV_COLUMNS, CSV_HEADER, column_rows
from utils.thai_cid import cid_checksum_ok

SCRIPT_VALUE = "<script>alert(1)</script>"
FORMULA_VALUE = '=HYPERLINK("http://evil.example","x")'


def with_check_digit(first_twelve: str) -> str:
    """A valid Thai citizen ID: `first_twelve` digits and their check digit."""
    total = sum(int(digit) * (13 - index) for index, digit in enumerate(first_twelve))
    return first_twelve + str((11 - total % 11) % 10)


CID_1 = with_check_digit("110170020345")
CID_2 = with_check_digit("310060012345")
CID_3 = with_check_digit("570010098765")
STARTED = datetime(2024, 3, 14, 1, 5, 30, tzinfo=UTC)


def build_profile() -> DatabaseProfile:
    """A deep profile of two HOSxP-like tables, built by hand (Thai values, citizen IDs, a
    script tag, a spreadsheet formula), not masked yet."""
    patient = TableProfile(
        name="patient",
        schema="hos",
        row_count=1200,
        size_mb=0.52,
        rows_profiled=1200,
        elapsed_seconds=0.84,
        columns=[
            ColumnProfile(
                "hn",
                "VARCHAR(9)",
                1,
                nullable=False,
                primary_key=True,
                null_count=0,
                empty_count=0,
                distinct_count=1200,
                min_value="000001",
                max_value="001200",
                avg_length=6.0,
                max_length=6,
                sample_values=["000001", "000417"],
            ),
            ColumnProfile(
                "fname",
                "VARCHAR(100)",
                2,
                nullable=False,
                null_count=0,
                empty_count=12,
                distinct_count=830,
                min_value="กมล",
                max_value="อำนาจ",
                avg_length=5.4,
                max_length=18,
                top_values=[ValueCount("สมศักดิ์", 41), ValueCount("มาลี", 37), ValueCount("", 12)],
                sample_values=["สมศักดิ์", "มาลี", "กาญจนา"],
            ),
            ColumnProfile(
                "cid",
                "CHAR(13)",
                3,
                null_count=60,
                empty_count=140,
                distinct_count=1000,
                min_value=CID_1,
                max_value=CID_3,
                avg_length=13.0,
                max_length=13,
                top_values=[ValueCount(CID_2, 2), ValueCount(CID_1, 1)],
                sample_values=[CID_1, CID_2, CID_3],
            ),
            ColumnProfile(
                "note",
                "TEXT",
                4,
                null_count=1000,
                empty_count=0,
                distinct_count=150,
                min_value=SCRIPT_VALUE,
                max_value=f"บัตร {CID_3} หาย",
                avg_length=30.5,
                max_length=400,
                top_values=[ValueCount(SCRIPT_VALUE, 3), ValueCount("แพ้ยา penicillin", 2)],
                sample_values=[SCRIPT_VALUE, f"บัตร {CID_3} หาย", "ผู้ป่วย | มี | ขีด"],
            ),
        ],
    )
    ovst = TableProfile(
        name="ovst",
        schema="hos",
        row_count=250_000,
        size_mb=48.25,
        rows_profiled=25_000,
        sampled=True,
        sample_percent=10.0,
        elapsed_seconds=3.5,
        columns=[
            ColumnProfile(
                "vn",
                "VARCHAR(13)",
                1,
                nullable=False,
                primary_key=True,
                null_count=0,
                empty_count=0,
                distinct_count=24_990,
                min_value="660101080001",
                max_value="661231235959",
                avg_length=12.0,
                max_length=12,
            ),
            ColumnProfile(
                "income",
                "DECIMAL(12,2)",
                2,
                null_count=250,
                zero_count=5000,
                distinct_count=812,
                min_value="-15.50",
                max_value="98000.00",
                top_values=[ValueCount("0.00", 5000), ValueCount("120.00", 3100)],
            ),
            ColumnProfile(
                "doctor",
                "VARCHAR(7)",
                3,
                null_count=None,
                empty_count=None,
                top_values=[ValueCount(FORMULA_VALUE, 1)],
                sample_values=["D001", FORMULA_VALUE],
            ),
        ],
    )
    return DatabaseProfile(
        datasource="โรงพยาบาลทดสอบ hosxp",
        db_type="mysql",
        server_version="10.11.6-MariaDB",
        mode=ProfileMode.DEEP,
        tables=[patient, ovst],
        masked=False,
        started_at=STARTED,
        finished_at=STARTED + timedelta(seconds=75),
    )


def read_csv(path: Path) -> list[dict[str, str]]:
    """The CSV as Excel would see it: UTF-8 with its byte-order mark, one dict per row."""
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file))


def cid_runs(text: str) -> list[str]:
    """Every run of exactly 13 digits in `text` that passes the citizen-ID checksum."""
    return [run for run in re.findall(r"(?<!\d)\d{13}(?!\d)", text) if cid_checksum_ok(run)]


def test_run_folder_holds_the_four_files(tmp_path: Path) -> None:
    paths = write_report(
        build_profile(),
        out_dir=tmp_path,
        ddl="CREATE TABLE x (a INT);",
        log_lines=["started", "done"],
    )

    local = STARTED.astimezone().strftime("%Y%m%d_%H%M")
    assert paths.run_dir == tmp_path / local
    assert sorted(str(p.relative_to(paths.run_dir)) for p in paths.run_dir.rglob("*")) == [
        "data_profile",
        "data_profile/data_profile.csv",
        "data_profile/data_profile.html",
        "ddl_schema",
        "ddl_schema/schema.sql",
        "process.log",
    ]
    assert paths.schema_sql is not None
    assert paths.schema_sql.read_text(encoding="utf-8") == "CREATE TABLE x (a INT);"
    assert paths.log.read_text(encoding="utf-8") == "started\ndone\n"


def test_a_second_run_in_the_same_minute_gets_its_own_folder(tmp_path: Path) -> None:
    first = write_report(build_profile(), out_dir=tmp_path, ddl=None, log_lines=[])
    second = write_report(build_profile(), out_dir=tmp_path, ddl=None, log_lines=[])
    third = write_report(build_profile(), out_dir=tmp_path, ddl=None, log_lines=[])

    assert second.run_dir.name == f"{first.run_dir.name}_2"
    assert third.run_dir.name == f"{first.run_dir.name}_3"
    assert first.schema_sql is None and not (first.run_dir / "ddl_schema").exists()
    assert not list(tmp_path.rglob("*.tmp"))  # no temporary file left behind


def test_csv_reads_back_cell_for_cell(tmp_path: Path) -> None:
    paths = write_report(build_profile(), out_dir=tmp_path, ddl=None, log_lines=[])

    rows = read_csv(paths.csv)

    assert len(rows) == 7
    assert tuple(rows[0]) == CSV_HEADER
    fname, cid, income, doctor = rows[1], rows[2], rows[5], rows[6]
    assert fname == {
        "datasource": "โรงพยาบาลทดสอบ hosxp",
        "schema": "hos",
        "table": "patient",
        "table_rows": "1200",
        "table_size_mb": "0.52",
        "rows_profiled": "1200",
        "sampled": "false",
        "column": "fname",
        "position": "2",
        "data_type": "VARCHAR(100)",
        "nullable": "false",
        "primary_key": "false",
        "null_count": "0",
        "empty_count": "12",
        "zero_count": "",
        "distinct_count": "830",
        "valid_pct": "99.00",
        "null_pct": "0.00",
        "empty_pct": "1.00",
        "zero_pct": "",
        "min_value": "กมล",
        "max_value": "อำนาจ",
        "avg_length": "5.40",
        "max_length": "18",
        "top_5_values": "สมศักดิ์ (41) | มาลี (37) |  (12)",
        "sample_values": "สมศักดิ์ | มาลี | กาญจนา",
        "masked": "false",
        "phi_kind": "",
        "quality_score": "99.0",
    }
    # 60 nulls + 140 empty of 1200: completeness 1000/1200.
    assert (cid["null_pct"], cid["empty_pct"], cid["valid_pct"]) == ("5.00", "11.67", "83.33")
    assert cid["quality_score"] == "83.3"
    assert cid["min_value"] == CID_1 and cid["sample_values"] == f"{CID_1} | {CID_2} | {CID_3}"
    # Sampled table: shares of the 25,000 rows profiled; a negative number is left as it is.
    assert (income["sampled"], income["rows_profiled"]) == ("true", "25000")
    assert (income["null_pct"], income["zero_pct"], income["valid_pct"]) == (
        "1.00",
        "20.00",
        "79.00",
    )
    assert income["min_value"] == "-15.50"
    assert income["quality_score"] == "99.0"
    # Unknown metrics are empty cells; a formula is defused for Excel.
    assert (doctor["null_count"], doctor["valid_pct"], doctor["quality_score"]) == ("", "", "")
    assert doctor["top_5_values"] == f"'{FORMULA_VALUE} (1)"
    assert doctor["sample_values"] == "D001 | " + FORMULA_VALUE


def test_csv_matches_the_profile_for_every_column(tmp_path: Path) -> None:
    profile = build_profile()
    paths = write_report(profile, out_dir=tmp_path, ddl=None, log_lines=[])

    rows = read_csv(paths.csv)

    columns = [(table, column) for table in profile.tables for column in table.columns]
    assert [(row["table"], row["column"]) for row in rows] == [
        (table.name, column.name) for table, column in columns
    ]
    for row, (table, column) in zip(rows, columns, strict=True):
        assert row["position"] == str(column.position)
        assert row["table_rows"] == str(table.row_count)
        assert row["null_count"] == ("" if column.null_count is None else str(column.null_count))
        assert row["distinct_count"] == (
            "" if column.distinct_count is None else str(column.distinct_count)
        )
        assert row["data_type"] == column.data_type
        assert row["primary_key"] == ("true" if column.primary_key else "false")


def test_every_csv_column_is_documented() -> None:
    names = [name for name, _ in CSV_COLUMNS]
    assert len(names) == len(set(names)) == 29
    assert all(meaning.strip() for _, meaning in CSV_COLUMNS)
    for row in column_rows(build_profile()):
        assert tuple(row.cells) == CSV_HEADER


@pytest.mark.parametrize("masked", [True, False])
def test_no_citizen_id_leaves_a_masked_report(tmp_path: Path, masked: bool) -> None:
    profile = mask_profile(build_profile()) if masked else build_profile()
    log = [f"profiling patient, first cid {CID_1}"]

    paths = write_report(profile, out_dir=tmp_path, ddl=None, log_lines=log)

    texts = [path.read_text(encoding="utf-8-sig") for path in (paths.csv, paths.html, paths.log)]
    found = {cid for text in texts for cid in cid_runs(text)}
    assert found == (set() if masked else {CID_1, CID_2, CID_3})


def test_a_profile_marked_masked_is_masked_even_if_nobody_called_mask_profile(
    tmp_path: Path,
) -> None:
    profile = build_profile()
    profile.masked = True  # claims to be masked, but nobody masked it: the writer makes it so

    paths = write_report(profile, out_dir=tmp_path, ddl=None, log_lines=[])

    rows = read_csv(paths.csv)
    expected = [f"{cid[0]}-{cid[1:5]}-xxxxx-xx-{cid[12]}" for cid in (CID_1, CID_2, CID_3)]
    assert rows[2]["sample_values"] == " | ".join(expected)
    assert (rows[2]["masked"], rows[2]["phi_kind"]) == ("true", "cid")
    assert rows[1]["top_5_values"] == "สxxx (41) | มxxx (37) |  (12)"
    assert not cid_runs(paths.csv.read_text(encoding="utf-8-sig"))


def test_html_is_self_contained_and_shows_a_failed_table(tmp_path: Path) -> None:
    profile = build_profile()
    profile.tables.append(
        TableProfile("opdscreen", "hos", 0, None, error="Lost connection <during> query")
    )

    paths = write_report(profile, out_dir=tmp_path, ddl=None, log_lines=["<b>not bold</b>"])

    html = paths.html.read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in html
    assert not re.search(r"<link|<img|\ssrc=|@import|url\(", html, re.IGNORECASE)
    assert "Lost connection &lt;during&gt; query" in html
    assert "&lt;b&gt;not bold&lt;/b&gt;" in html
    assert len(read_csv(paths.csv)) == 7  # the failed table has no column rows
