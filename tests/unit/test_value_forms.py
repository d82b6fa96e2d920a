"""The one text form and the one Arrow form of every value a driver or connectorx hands over."""

from __future__ import annotations

import ipaddress
import uuid
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

import pyarrow as pa
import pytest

from dialects._arrow_text import copy_text
from dialects._text_rows import text_lines
from dialects.mssql import bindable as mssql_rows
from dialects.result_column import ResultColumn
from dialects.stream import driver_array, driver_batch, fast_batch
from dialects.value_text import value_text

BANGKOK = timezone(timedelta(hours=7))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ('{"a": [1, 2.50], "n": null}', '{"a": [1, 2.50], "n": null}'),  # JSON: the server's
        ("null", "null"),  # a JSON null is text, not SQL NULL
        (True, "1"),
        (Decimal("12.500000"), "12.500000"),  # the scale stays
        (Decimal("-1E-30"), "-0.000000000000000000000000000001"),
        (uuid.UUID("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
        (memoryview(b"\x00\xff\t\n\\"), "\\x00ff090a5c"),
        (bytearray(b""), "\\x"),
        (datetime(2024, 2, 29, 23, 59, 59, 999999), "2024-02-29 23:59:59.999999"),
        (datetime(2024, 2, 29, 23, 59, 59, 500000, BANGKOK), "2024-02-29 23:59:59.500000+07:00"),
        (date(2024, 2, 29), "2024-02-29"),
        (time(8, 0), "08:00:00"),
        (time(12, 0, tzinfo=BANGKOK), "12:00:00+07:00"),
        (timedelta(hours=838, minutes=59, seconds=59), "838:59:59"),
        (-timedelta(hours=838, minutes=59, seconds=59), "-838:59:59"),
        (timedelta(seconds=-1.5), "-00:00:01.500000"),
        (timedelta(days=1), "24:00:00"),
        (ipaddress.ip_interface("192.168.0.1/24"), "192.168.0.1/24"),
        (ipaddress.ip_network("10.0.0.0/8"), "10.0.0.0/8"),
        (ipaddress.ip_address("::1"), "::1"),
        ([1, 2, None], "{1,2,NULL}"),
        (["a b", "c,d", "", "NULL", 'q"\\', None], '{"a b","c,d","","NULL","q\\"\\\\",NULL}'),
        ([[1, 2], [3, 4]], "{{1,2},{3,4}}"),
        ({"a": 1, "ไทย": None}, '{"a": 1, "ไทย": null}'),
    ],
)
def test_each_driver_value_has_one_text(value: object, text: str) -> None:
    assert value_text(value) == text


VALUES = {
    "flag": [True, False, None],
    "lasted": [timedelta(hours=838, minutes=59, seconds=59), timedelta(seconds=-1.5), None],
    "clock": [time(8, 0), time(8, 0, 0, 5), None],
    "stamp": [datetime(2024, 1, 1), datetime(2024, 1, 1, 0, 0, 0, 500000), None],
    "instant": [
        datetime(2024, 1, 1, 5, tzinfo=BANGKOK),
        datetime(2024, 1, 1, 0, 0, 0, 500000, tzinfo=UTC),
        None,
    ],
    "amount": [Decimal("12.50"), Decimal("-0.01"), None],
    "day": [date(2024, 2, 29), date(1900, 1, 1), None],
    "note": ["ไทย\t\\N", "", None],
}


def test_copy_encoder_and_row_encoder_write_the_same_text() -> None:
    # PostgreSQL targets load Arrow batches through copy_text, upserts and MariaDB through
    # text_lines: one value, one text, whichever path.
    batch = driver_batch(list(VALUES), list(zip(*VALUES.values(), strict=True)))
    rows = zip(*(column.to_pylist() for column in batch.columns), strict=True)
    assert copy_text(batch).decode() == text_lines(rows)
    first = copy_text(batch).decode().splitlines()[0].split("\t")
    assert first[:5] == [
        "1",
        "838:59:59",
        "08:00:00",
        "2024-01-01 00:00:00",
        "2023-12-31 22:00:00+00:00",
    ]


def test_driver_values_take_the_forms_connectorx_gives() -> None:
    duration = ResultColumn("t", duration=True)
    decimal = ResultColumn("n", scale=6, precision=20)
    fast = pa.RecordBatch.from_arrays(
        [
            pa.array([time(8, 0), None], pa.time64("us")),
            pa.array([Decimal("12.5"), None], pa.decimal128(38, 10)),
            pa.array([[1, 2, None], None], pa.large_list(pa.int32())),
            pa.array([datetime(2024, 1, 1, tzinfo=UTC), None], pa.timestamp("us", "+00:00")),
        ],
        ["t", "n", "arr", "tz"],
    )
    driver = driver_batch(
        ["t", "n", "arr", "tz"],
        [
            (
                timedelta(hours=8),
                Decimal("12.500000"),
                [1, 2, None],
                datetime(2024, 1, 1, 7, tzinfo=BANGKOK),
            ),
            (None, None, None, None),
        ],
        [duration, decimal, ResultColumn("arr"), ResultColumn("tz")],
    )
    normalised = fast_batch(fast, [duration, decimal, ResultColumn("arr"), ResultColumn("tz")])
    assert normalised.schema == driver.schema
    assert normalised.to_pylist() == driver.to_pylist()
    assert driver.column(0).type == pa.duration("us")
    assert driver.column(2).to_pylist() == ["{1,2,NULL}", None]


def test_decimals_keep_their_own_digits_without_a_declared_scale() -> None:
    # pyarrow would pad 12.5 to 12.50 beside 1.25; PostgreSQL's NUMERIC keeps each as written.
    assert driver_array([Decimal("12.5"), Decimal("1.25"), None]).to_pylist() == [
        "12.5",
        "1.25",
        None,
    ]
    assert driver_array([Decimal("12.50"), Decimal("1.25")]).type == pa.decimal128(4, 2)


def test_values_arrow_has_no_type_for_become_their_text() -> None:
    key = uuid.UUID(int=1)
    assert driver_array([key, None]).to_pylist() == [str(key), None]
    assert driver_array([time(12, tzinfo=BANGKOK)]).to_pylist() == ["12:00:00+07:00"]
    assert driver_array([b"\x00", "x"]).to_pylist() == ["\\x00", "x"]  # SQLite's loose column
    assert driver_array([memoryview(b"\x00\xff")]).to_pylist() == [b"\x00\xff"]


def test_sql_server_gets_a_mysql_time_as_the_text_its_time_reads() -> None:
    # pyodbc refuses to bind a timedelta; no SQL Server runs here, so the rows are checked.
    rows = [(1, timedelta(hours=8, microseconds=5)), (2, None), (3, -timedelta(seconds=1))]
    assert list(mssql_rows(rows)) == [(1, "08:00:00.000005"), (2, None), (3, "-00:00:01")]


# Each column shape the COPY encoder writes its own quicker way: clocks all in whole seconds,
# all with fractions, or mixed; durations within a day (as clock times), past it, negative;
# text with nothing to escape and with every escape; NULLs only.
SHAPES = {
    "whole": [datetime(2024, 1, 1, 8, 30), datetime(1999, 12, 31, 23, 59, 59), None],
    "fractions": [datetime(2024, 1, 1, 0, 0, 0, 1), datetime(2024, 1, 1, 0, 0, 0, 999999), None],
    "mixed": [datetime(2024, 1, 1), datetime(2024, 1, 1, 0, 0, 0, 250000), None],
    "clock_whole": [time(0, 0), time(23, 59, 59), None],
    "clock_mixed": [time(8, 0, 0, 5), time(8, 0), None],
    "zoned": [datetime(2024, 1, 1, 5, tzinfo=BANGKOK), datetime(2024, 1, 1, tzinfo=UTC), None],
    "within_day": [timedelta(0), timedelta(hours=23, minutes=59, seconds=59.5), None],
    "past_day": [timedelta(hours=24), timedelta(hours=838, minutes=59, seconds=59), None],
    "negative": [timedelta(seconds=-1), timedelta(hours=1), None],
    "plain": ["HN0001", "สมชาย", None],
    "escapes": ["a\tb", "c\\d\ne\rf", None],
    "nothing": [None, None, None],
}


@pytest.mark.parametrize("column", list(SHAPES))
@pytest.mark.parametrize("start", [0, 1])
def test_copy_encoder_writes_each_column_shape_as_the_row_encoder(column: str, start: int) -> None:
    batch = driver_batch([column], [(value,) for value in SHAPES[column]]).slice(start)
    rows = zip(*(c.to_pylist() for c in batch.columns), strict=True)
    assert copy_text(batch).decode() == text_lines(rows)
