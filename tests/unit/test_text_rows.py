"""The bulk-load text format (COPY / LOAD DATA) and the statements around it, without a server."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
import sqlglot

from dialects import _load_data
from dialects._load_data import load_data_sql, write_parts
from dialects._text_rows import TextRowStream, escape_text, text_field, text_lines
from dialects.registry import get_dialect


@pytest.mark.parametrize(
    ("value", "field"),
    [
        (None, "\\N"),
        ("", ""),
        ("\\N", "\\\\N"),  # the two characters, not NULL
        ("a\tb\nc\rd\\e", "a\\tb\\nc\\rd\\\\e"),
        ("สมชาย 🏥 'q' \"qq\"", "สมชาย 🏥 'q' \"qq\""),
        (True, "1"),
        (False, "0"),
        (-42, "-42"),
        (0.1, "0.1"),
        (Decimal("12345.67"), "12345.67"),
        (Decimal("1E+3"), "1000"),
        (Decimal("-0.00"), "-0.00"),
        (date(2024, 2, 29), "2024-02-29"),
        (time(23, 59, 59), "23:59:59"),
        (time(8, 0, 0, 120), "08:00:00.000120"),
        (datetime(2023, 3, 14, 8, 15), "2023-03-14 08:15:00"),
        (datetime(2023, 3, 14, 8, 15, 0, 5), "2023-03-14 08:15:00.000005"),
        (
            datetime(2023, 3, 14, 8, 15, tzinfo=timezone(timedelta(hours=7))),
            "2023-03-14 08:15:00+07:00",
        ),
        (timedelta(hours=30, minutes=5), "30:05:00"),
        # Two-digit hours, as MySQL and PostgreSQL print a TIME or an interval themselves.
        (timedelta(seconds=-90), "-00:01:30"),
        (b"\x00\xff", "\\\\x00ff"),
        (np.int64(7), "7"),
        (np.float64(2.5), "2.5"),
        (np.str_("x\ty"), "x\\ty"),
    ],
)
def test_each_value_has_one_text_field(value: object, field: str) -> None:
    assert text_field(value) == field


def test_lines_end_in_newlines_and_split_on_tabs() -> None:
    assert text_lines([(1, "a\tb", None), (2, "", "x\n")]) == "1\ta\\tb\t\\N\n2\t\tx\\n\n"
    assert text_lines([]) == ""


def test_stream_yields_the_same_bytes_in_any_read_size() -> None:
    rows = [(number, "ไทย\t" * (number % 7), None) for number in range(12_345)]
    expected = text_lines(rows).encode("utf-8")
    for size in (1, 4096, 1 << 20, -1):
        stream = TextRowStream(iter(rows))
        parts = []
        while part := stream.read(size):
            parts.append(part)
            if size == 1 and len(parts) > 2000:  # reading byte by byte: a sample is enough
                parts.append(stream.read(-1))
                break
        assert b"".join(parts) == expected
        assert stream.rows == len(rows)


def test_escape_leaves_plain_text_alone() -> None:
    text = "plain ธรรมดา"
    assert escape_text(text) is text


def test_load_data_files_split_and_switch_bytes_columns_to_hex(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_load_data, "BLOCK_ROWS", 10)
    path = str(tmp_path / "rows.tsv")
    rows = [(n, None) for n in range(25)] + [(25, b"\x00\t"), (26, "ก")] + [(27, None)]
    parts = []
    for count, hex_columns in write_parts(rows, path, file_rows=100):
        parts.append((count, hex_columns, Path(path).read_bytes()))
    # Two blocks without bytes, then the block holding bytes starts a file of its own.
    assert [(count, sorted(hex_columns)) for count, hex_columns, _ in parts] == [
        (20, []),
        (8, [1]),
    ]
    last = parts[1][2].decode("utf-8").splitlines()
    assert last[5:] == ["25\t0009", "26\te0b881", "27\t\\N"]
    sizes = [count for count, _ in write_parts(rows[:25], path, file_rows=15)]
    assert sizes == [20, 5]  # a file is loaded once it holds file_rows rows or more


def test_load_data_statement_unhexes_binary_columns_and_doubles_percent_signs() -> None:
    sql = load_data_sql(get_dialect("mysql"), "ovst", "hos", ["vn", "pic", "100%"], frozenset({1}))
    assert sql.startswith("LOAD DATA LOCAL INFILE %s INTO TABLE `hos`.`ovst` CHARACTER SET utf8mb4")
    assert "(`vn`, @h1, `100%%`) SET `pic` = UNHEX(@h1)" in sql
    assert "FIELDS TERMINATED BY X'09' ESCAPED BY X'5C' LINES TERMINATED BY X'0A'" in sql


@pytest.mark.parametrize(
    ("db_type", "paramstyle", "expected"),
    [
        ("sqlite", "qmark", 'INSERT INTO "ovst" ("vn", "hn") VALUES (?, ?)'),
        ("postgresql", "pyformat", 'INSERT INTO "public"."ovst" ("vn", "hn") VALUES (%s, %s)'),
        ("mysql", "format", "INSERT INTO `ovst` (`vn`, `hn`) VALUES (%s, %s)"),
        ("mssql", "qmark", "INSERT INTO [dbo].[ovst] ([vn], [hn]) VALUES (?, ?)"),
    ],
)
def test_insert_statement_uses_the_drivers_parameter_markers(
    db_type: str, paramstyle: str, expected: str
) -> None:
    schema = {"postgresql": "public", "mssql": "dbo"}.get(db_type)
    assert get_dialect(db_type).insert_sql("ovst", schema, ["vn", "hn"], paramstyle) == expected


def test_mssql_bulk_insert_parses_as_tsql() -> None:
    sql = get_dialect("mssql").insert_sql("ovst", "dbo", ["vn", "an"], "qmark")
    parsed = sqlglot.parse_one(sql.replace("?", "NULL"), read="tsql")
    assert parsed.this.sql(dialect="tsql") == "[dbo].[ovst] ([vn], [an])"
