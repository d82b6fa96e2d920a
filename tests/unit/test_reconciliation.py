"""Checksum measures by target type, exact running aggregates, resume, subtract and compare."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pyarrow as pa
import pytest
from sqlalchemy import (
    CHAR,
    JSON,
    NCHAR,
    NVARCHAR,
    TEXT,
    VARCHAR,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Double,
    Enum,
    Float,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Text,
    Time,
    Unicode,
    UnicodeText,
    Uuid,
)
from sqlalchemy.dialects import mssql, mysql, postgresql

from dialects.registry import get_dialect
from services.migration.checksums import (
    ColumnMeasure,
    StreamChecksums,
    compare,
    measures_for,
    subtract,
)

SUM, LENGTH, COUNT = ColumnMeasure.SUM, ColumnMeasure.SUM_LENGTH, ColumnMeasure.COUNT
TEXT_AND_HASH = ColumnMeasure.TEXT


@pytest.mark.parametrize(
    ("kind", "measure"),
    [
        (Integer(), SUM),
        (BigInteger(), SUM),
        (SmallInteger(), SUM),
        (Numeric(12, 4), SUM),
        (mysql.DECIMAL(10, 2), SUM),
        (mysql.TINYINT(1), SUM),
        (postgresql.NUMERIC(), SUM),
        (String(50), TEXT_AND_HASH),
        (VARCHAR(50), TEXT_AND_HASH),
        (NVARCHAR(50), TEXT_AND_HASH),
        (Unicode(50), TEXT_AND_HASH),
        (Text(), TEXT_AND_HASH),
        (TEXT(), TEXT_AND_HASH),
        (UnicodeText(), TEXT_AND_HASH),
        (mysql.LONGTEXT(), TEXT_AND_HASH),
        (mysql.VARCHAR(20), TEXT_AND_HASH),
        (mssql.NTEXT(), TEXT_AND_HASH),
        (CHAR(13), ColumnMeasure.CHAR),
        (NCHAR(13), ColumnMeasure.CHAR),
        (mysql.CHAR(2), ColumnMeasure.CHAR),
        (Enum("M", "F", name="sex"), TEXT_AND_HASH),
        (mysql.ENUM("Y", "N"), TEXT_AND_HASH),
        (mysql.SET("a", "b"), TEXT_AND_HASH),
        (mssql.XML(), COUNT),
        (Float(), ColumnMeasure.FLOAT),
        (Double(), ColumnMeasure.FLOAT),
        (mysql.DOUBLE(), ColumnMeasure.FLOAT),
        (postgresql.DOUBLE_PRECISION(), ColumnMeasure.FLOAT),
        (mssql.MONEY(), COUNT),
        (Date(), ColumnMeasure.DATE),
        (DateTime(), ColumnMeasure.DATETIME),
        (Time(), ColumnMeasure.TIME),
        (Boolean(), ColumnMeasure.BOOLEAN),
        (LargeBinary(), ColumnMeasure.BYTES),
        (JSON(), ColumnMeasure.JSON),
        (Uuid(), ColumnMeasure.UUID),
    ],
    ids=lambda value: repr(value) if not isinstance(value, ColumnMeasure) else value.value,
)
def test_measure_follows_the_target_type(kind, measure: ColumnMeasure) -> None:
    # PostgreSQL renders every one of these identically; engine differences: below.
    assert measures_for({"c": kind}, get_dialect("postgresql")) == {"c": measure}


MEASURES = {"id": SUM, "amount": SUM, "name": LENGTH, "seen": COUNT}


def test_values_are_summed_exactly_whatever_form_they_arrive_in() -> None:
    stream = StreamChecksums(MEASURES)
    stream.add(
        {
            "id": [1, True, None, 2**70],
            "amount": [Decimal("12.5000"), "0.50", None, 0.1, 7],
            "name": ["สมชาย ", "👩\u200d⚕️", "", None, 12, Decimal("1E+3"), False],
            "seen": [date(2024, 1, 1), None, 1.5],
        }
    )
    assert stream.values() == {
        "id": (3, str(2 + 2**70)),
        "amount": (4, "20.1"),  # 12.5 + 0.5 + 0.1 + 7, no float drift, no trailing zeros
        "name": (6, str(6 + 4 + 0 + 2 + 4 + 1)),  # code points, as CHAR_LENGTH counts them
        "seen": (2, None),
    }


def test_zero_and_no_values_are_told_apart() -> None:
    stream = StreamChecksums({"a": SUM, "b": SUM, "c": LENGTH})
    stream.add({"a": [Decimal("1.5"), Decimal("-1.50")], "b": [None, None], "c": [""]})
    assert stream.values() == {"a": (2, "0"), "b": (0, None), "c": (1, "0")}


def test_text_that_is_not_a_number_is_refused_without_showing_it() -> None:
    stream = StreamChecksums({"amount": SUM})
    with pytest.raises(ValueError, match="amount") as raised:
        stream.add({"amount": ["1101700203450x"]})
    assert "1101700203450" not in str(raised.value)


def test_resume_from_state_continues_the_same_sums() -> None:
    first = {"id": [1, 2], "amount": [Decimal("0.0001"), None], "name": ["ก", "ขค"], "seen": [1]}
    second = {"id": [3], "amount": [Decimal("99999999.9999")], "name": ["ง"], "seen": [None]}
    whole = StreamChecksums(MEASURES)
    whole.add(first)
    whole.add(second)

    interrupted = StreamChecksums(MEASURES)
    interrupted.add(first)
    state = json.loads(json.dumps(interrupted.to_state()))  # as a checkpoint stores it
    resumed = StreamChecksums(MEASURES, state=state)
    resumed.add(second)
    assert resumed.values() == whole.values()
    assert whole.values()["amount"] == (2, "100000000")


def test_state_of_other_columns_is_refused() -> None:
    state = StreamChecksums({"id": SUM}).to_state()
    with pytest.raises(ValueError, match="other columns"):
        StreamChecksums({"id": SUM, "name": LENGTH}, state=state)
    with pytest.raises(ValueError, match="differently"):
        StreamChecksums({"id": COUNT}, state=state)


def test_subtract_gives_what_an_append_added() -> None:
    before = {"id": (2, "3"), "amount": (1, "1.5"), "seen": (2, None), "empty": (0, None)}
    after = {"id": (4, "10"), "amount": (1, "1.5"), "seen": (5, None), "empty": (0, None)}
    assert subtract(after, before) == {
        "id": (2, "7"),
        "amount": (0, None),  # nothing added, nothing changed: as an all-NULL stream says
        "seen": (3, None),
        "empty": (0, None),
    }
    changed = subtract({"amount": (1, "1.6")}, {"amount": (1, "1.5")})
    assert changed == {"amount": (0, "0.1")}  # an old row altered: shows, not hidden


def test_compare_reports_count_and_measure_per_column() -> None:
    measures = {"id": SUM, "name": LENGTH, "seen": COUNT}
    expected = {"id": (2, "3"), "name": (2, "9"), "seen": (1, None)}
    found = {"id": (2, "3"), "name": (2, "8"), "seen": (1, None)}
    checks = compare(expected, found, measures)
    assert [(check.column, check.measure) for check in checks] == [
        ("id", "count"),
        ("id", "sum"),
        ("name", "count"),
        ("name", "sum_length"),
        ("seen", "count"),
    ]
    assert [check.column + "/" + check.measure for check in checks if not check.matches] == [
        "name/sum_length"
    ]
    missing = compare(expected, {}, measures)
    assert all(not check.matches for check in missing)


def test_an_arrow_batch_adds_up_exactly_as_python_values_do() -> None:
    columns = {
        "id": pa.array([2**62, 2**62, 2**62, None], pa.int64()),  # wraps in Arrow's own int sum
        "amount": pa.array([Decimal("99999999.9999"), None, Decimal("-0.0001"), Decimal(1)]),
        "name": pa.array(["ผู้ป่วย  ", "👩\u200d⚕️", None, ""]),
        "seen": pa.array([date(2024, 1, 1), None, None, date(2024, 1, 2)]),
        "price": pa.array(["12.50", None, "0.5", "1"]),  # numeric text: through Python
    }
    measures = {**MEASURES, "price": SUM, "missing": SUM}
    batch = pa.RecordBatch.from_pydict(columns)
    by_arrow, by_python = StreamChecksums(measures), StreamChecksums(measures)
    by_arrow.add_arrow(batch)
    by_python.add({name: array.to_pylist() for name, array in columns.items()})
    assert by_arrow.values() == by_python.values()
    assert by_arrow.values() == {
        "id": (3, str(3 * 2**62)),
        "amount": (3, "100000000.9998"),
        "name": (3, "13"),
        "seen": (2, None),
        "price": (3, "14"),
        "missing": (0, None),
    }


def test_a_refused_batch_adds_nothing() -> None:
    stream = StreamChecksums({"id": SUM, "amount": SUM})
    stream.add({"id": [1], "amount": [Decimal(1)]})
    with pytest.raises(ValueError):
        stream.add({"id": [5], "amount": ["not a number"]})
    with pytest.raises(ValueError):
        stream.add_arrow(pa.RecordBatch.from_pydict({"id": [5], "amount": ["x"]}))
    assert stream.values() == {"id": (1, "1"), "amount": (1, "1")}
