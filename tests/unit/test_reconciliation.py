"""Checksum measures by target type and engine, exact running aggregates, fingerprints (canonical
texts and hashes), resume, subtract and compare."""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pyarrow as pa
import pytest
import sqlglot
from sqlalchemy import (
    CHAR,
    JSON,
    NCHAR,
    NVARCHAR,
    REAL,
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
from sqlglot import exp

from dialects.registry import get_dialect
from models.migration_run import ChecksumHash
from services.migration.canonical_text import jsonb_text
from services.migration.checksums import (
    ColumnMeasure,
    StreamChecksums,
    compare,
    measures_for,
    subtract,
)
from services.migration.hashing import hash_each

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


# --- fingerprints -------------------------------------------------------------------------------

F = ColumnMeasure


@pytest.mark.parametrize(
    ("engine", "kind", "measure"),
    [
        ("postgresql", postgresql.JSONB(), F.JSONB),  # stored parsed: its text is normalised
        ("postgresql", postgresql.JSON(), F.JSON),  # stored verbatim
        ("postgresql", postgresql.REAL(), F.REAL),
        ("postgresql", postgresql.TIMESTAMP(timezone=True), F.INSTANT),
        ("postgresql", postgresql.TIME(timezone=True), COUNT),
        ("postgresql", postgresql.INTERVAL(), COUNT),
        ("postgresql", postgresql.BYTEA(), F.BYTES),
        ("mysql", mysql.DOUBLE(), COUNT),  # its own float notation, no way to its bytes
        ("mysql", mysql.FLOAT(), COUNT),
        ("mysql", mysql.JSON(), COUNT),  # MySQL 8 re-renders numbers
        ("mysql", mysql.LONGTEXT(), TEXT_AND_HASH),  # MariaDB's JSON
        ("mysql", mysql.LONGBLOB(), F.BYTES),
        ("mysql", mysql.TIMESTAMP(fsp=6), F.DATETIME),
        ("mysql", mysql.TIME(fsp=6), F.TIME),
        ("mysql", mysql.CHAR(36), F.CHAR),
        ("sqlite", REAL(), F.FLOAT),  # SQLite keeps doubles whatever the declared type
        ("sqlite", JSON(), F.JSON),
        ("sqlite", Boolean(), F.BOOLEAN),
        ("mssql", mssql.FLOAT(53), COUNT),
        ("mssql", mssql.DATETIMEOFFSET(), F.INSTANT),
        ("mssql", mssql.DATETIME2(), F.DATETIME),
        ("mssql", mssql.UNIQUEIDENTIFIER(), F.UUID),
        ("mssql", mssql.BIT(), F.BOOLEAN),
        ("mssql", mssql.NCHAR(5), F.CHAR),
        ("mssql", mssql.XML(), COUNT),
    ],
    ids=lambda value: value if isinstance(value, str) else repr(value),
)
def test_each_engine_fingerprints_what_it_renders_identically(engine, kind, measure) -> None:
    assert measures_for({"c": kind}, get_dialect(engine)) == {"c": measure}


@pytest.mark.parametrize("engine", ["postgresql", "mysql", "sqlite", "mssql"])
def test_each_measure_is_one_aggregate_per_part_in_sql_the_engine_parses(engine: str) -> None:
    dialect = get_dialect(engine)
    column = dialect.quote("ชื่อ")
    for measure in ColumnMeasure:
        aggregates = dialect.checksum_aggregates(measure, column)
        if not aggregates:
            continue
        assert len(aggregates) == len(measure.parts), measure
        sql = f"SELECT {', '.join(aggregates)} FROM {dialect.qualified('patient', None)}"
        tree = sqlglot.parse_one(sql, read=dialect.sqlglot_dialect)
        assert len(list(tree.find_all(exp.Sum, exp.Anonymous))) >= len(aggregates), measure
    if engine == "mssql":  # no server here: the T-SQL is only parsed
        (_, hashed) = dialect.checksum_aggregates(F.TEXT, column)
        assert "HASHBYTES('MD5'" in hashed and "_UTF8" in hashed


def test_postgresql_hash_is_the_one_the_server_computes() -> None:
    # SELECT hashtextextended(v, 0) on PostgreSQL 15, little-endian: -6747756470228489321...
    server = {
        "abc": -6747756470228489321,
        "": -6939563903564495251,
        "abcdefghijkl": -7556637188122330412,
        "สมชาย": 8824824080735403359,
    }
    hashed = hash_each(ChecksumHash.LOOKUP3, pa.array(list(server)))
    assert [int(h) - (1 << 64) if h >= 1 << 63 else int(h) for h in hashed] == list(server.values())


def test_md5_and_crc32_hash_each_value_as_hashlib_and_zlib_do() -> None:
    values = [b"", b"a", "ไทย".encode(), b"a", None]
    md5 = hash_each(ChecksumHash.MD5, pa.array(values, pa.binary()))
    crc = hash_each(ChecksumHash.CRC32, pa.array(values, pa.binary()))
    present = values[:4]
    assert md5[:4].tolist() == [int(hashlib.md5(v).hexdigest()[:16], 16) for v in present]
    assert crc[:4].tolist() == [zlib.crc32(v) for v in present]


@pytest.mark.parametrize(
    ("sent", "rendered"),
    [  # as PostgreSQL 15 printed '<sent>'::jsonb::text
        (
            '{"b":1, "a":[1,2,{"zz":null,"y":true}], "aa": 1.50, "c": 1e2, "d": -0, "e": 1E-3, '
            '"f": "x\\"\\\\\\u00e9\\n\\u0001/", "a": 2}',
            '{"a": 2, "b": 1, "c": 100, "d": 0, "e": 0.001, '
            '"f": "x\\"\\\\é\\n\\u0001/", "aa": 1.50}',
        ),
        ('{"ก":1,"a":2,"é":3}', '{"a": 2, "é": 3, "ก": 1}'),  # keys by byte length, then bytes
        (
            '{"a": 12345678901234567890123, "b": 0.000001, "c": 1.0e+5, "d": -1.5E-2, "e": 100e-2}',
            '{"a": 12345678901234567890123, "b": 0.000001, "c": 100000, "d": -0.015, "e": 1.00}',
        ),
        ("[]", "[]"),
        ("  {}  ", "{}"),
    ],
)
def test_jsonb_text_is_postgresql_rendering(sent: str, rendered: str) -> None:
    assert jsonb_text(sent) == rendered


def md5_sum(texts: list[str]) -> str:
    """The MD5 fingerprint of canonical texts, computed here independently."""
    total = sum(int(hashlib.md5(text.encode()).hexdigest()[:16], 16) for text in texts)
    return f"0x{total % (1 << 64):016x}"


UUID_TEXT = "12345678-1234-5678-1234-567812345678"
CANONICAL = [  # measure, Arrow array, its values as Python objects, the canonical forms
    (F.TEXT, pa.array(["สมชาย ", "", None]), None, ["สมชาย ", ""]),
    (F.TEXT, pa.array([12, None, 7]), None, ["12", "7"]),
    (F.TEXT, pa.array([Decimal("1E+3")]), None, ["1000"]),
    (F.CHAR, pa.array(["ab   ", " a", None]), None, ["ab", " a"]),
    (F.JSON, pa.array(['{"b": 1,  "a": 2}']), None, ['{"b": 1,  "a": 2}']),
    (F.JSONB, pa.array(['{"b": 1,  "a": 2}']), None, ['{"a": 2, "b": 1}']),
    (F.BYTES, pa.array([b"\x00\xff\n", b"", None]), None, ["00ff0a", ""]),
    (F.BYTES, pa.array(["ก"]), None, ["e0b881"]),
    (F.UUID, pa.array([UUID_TEXT.upper(), "{" + UUID_TEXT + "}", UUID_TEXT.replace("-", "")]),
     None, [UUID_TEXT] * 3),
    (F.FLOAT, pa.array([0.1, -0.0, float("nan"), None]), None,
     [struct.pack(">d", 0.1).hex(), "0" * 16, "7ff8000000000000"]),
    (F.FLOAT, pa.array([Decimal("0.1"), Decimal("1E+2")]), None,
     [struct.pack(">d", 0.1).hex(), struct.pack(">d", 100.0).hex()]),
    (F.REAL, pa.array([0.1, 1 / 3]), None,
     [struct.pack(">f", 0.1).hex(), struct.pack(">f", 1 / 3).hex()]),
]  # fmt: skip
NUMBERS = [  # measure, Arrow array, the numbers, computed here
    (F.BOOLEAN, pa.array([True, False, None, True]), 2),
    (F.BOOLEAN, pa.array(["yes", " OFF", "t", None]), 2),
    (F.DATE, pa.array([date(1970, 1, 2), date(1969, 12, 31), None]), 1 - 1),
    (F.DATE, pa.array(["2024-02-29", None, "2024-03-01 10:00:00"]),
     (date(2024, 2, 29) - date(1970, 1, 1)).days * 2 + 1),
    (F.TIME, pa.array([time(0, 0, 1, 5), None]), 1_000_005),
    (F.TIME, pa.array(["08:30", "838:59:59", "-01:00:00.5", "00:00:00.25"]),
     (8 * 60 + 30) * 60_000_000 + (838 * 3600 + 59 * 60 + 59) * 1_000_000
     - 3_600_500_000 + 250_000),
    (F.DATETIME, pa.array([datetime(1970, 1, 1, 0, 0, 1, 2), None]), 1_000_002),
    (F.DATETIME, pa.array(["1970-01-01 00:00:01", "1970-01-01T00:00:00.5"]), 1_500_000),
    (F.DATETIME, pa.array(["1970-01-01 07:00:00+07:00"]), 7 * 3_600_000_000),  # wall clock
    (F.INSTANT, pa.array(["1970-01-01 07:00:00+07:00"]), 0),  # the instant
    (F.INSTANT, pa.array([datetime(1970, 1, 1, 7, tzinfo=timezone(timedelta(hours=7)))]), 0),
]  # fmt: skip


@pytest.mark.parametrize(("measure", "array", "_", "canonical"), CANONICAL)
def test_hashed_values_in_their_canonical_text(measure, array, _, canonical) -> None:
    by_arrow, by_python = (StreamChecksums({"c": measure}) for _ in range(2))
    by_arrow.add_arrow(pa.RecordBatch.from_pydict({"c": array}))
    by_python.add({"c": array.to_pylist()})  # the value-by-value path
    hashed = md5_sum(canonical)
    expected = f"{sum(len(text) for text in canonical)} {hashed}" if measure is F.TEXT else hashed
    assert by_arrow.values() == by_python.values() == {"c": (len(canonical), expected)}


@pytest.mark.parametrize(("measure", "array", "total"), NUMBERS)
def test_dates_times_and_booleans_are_summed_as_whole_numbers(measure, array, total) -> None:
    by_arrow, by_python = (StreamChecksums({"c": measure}) for _ in range(2))
    by_arrow.add_arrow(pa.RecordBatch.from_pydict({"c": array}))
    by_python.add({"c": array.to_pylist()})
    count = len(array) - array.null_count
    assert by_arrow.values() == by_python.values() == {"c": (count, str(total))}


def test_a_value_without_canonical_form_refuses_the_batch_without_showing_it() -> None:
    stream = StreamChecksums({"seen": F.DATE, "note": F.TEXT})
    stream.add({"seen": [date(2024, 1, 1)], "note": ["x"]})
    before = stream.values()
    with pytest.raises(ValueError, match="seen got a value that is not a date") as raised:
        stream.add_arrow(pa.RecordBatch.from_pydict({"seen": ["1101700203450"], "note": ["y"]}))
    assert "1101700203450" not in str(raised.value)
    assert stream.values() == before


def test_only_the_rows_loaded_are_added() -> None:
    # Fingerprinted ahead (transform thread); the target refused rows 1 and 3 (quarantine):
    # an unreadable value in a refused row is no error, and adds nothing.
    measures = {"seen": F.DATE, "scan": F.BYTES, "id": SUM}
    batch = pa.RecordBatch.from_pydict(
        {
            "seen": ["2024-01-01", "not a date", "2024-01-03", "2024-01-04"],
            "scan": [b"a", b"b", b"c", b"d"],
            "id": [1, 2, 3, 4],
        }
    )
    ahead = StreamChecksums(measures)
    kept = [0, 2]
    ahead.add_arrow(batch.take(pa.array(kept)), ahead.fingerprint(batch).take(kept))
    alone = StreamChecksums(measures)
    alone.add({"seen": ["2024-01-01", "2024-01-03"], "scan": [b"a", b"c"], "id": [1, 3]})
    assert ahead.values() == alone.values()


def test_resume_from_state_continues_the_same_hashes() -> None:
    measures = {"note": F.TEXT, "seen": F.DATETIME, "scan": F.BYTES}
    first = {"note": ["ก", None], "seen": [datetime(2024, 1, 1)], "scan": [b"\x00"]}
    second = {"note": ["ขค"], "seen": [None], "scan": [b"\xff" * 40]}
    whole = StreamChecksums(measures, hash=ChecksumHash.LOOKUP3)
    whole.add(first)
    whole.add(second)
    interrupted = StreamChecksums(measures, hash=ChecksumHash.LOOKUP3)
    interrupted.add(first)
    state = json.loads(json.dumps(interrupted.to_state()))  # as a checkpoint stores it
    resumed = StreamChecksums(measures, state=state)  # the hash family comes with the state
    resumed.add(second)
    assert (resumed.hash, resumed.values()) == (ChecksumHash.LOOKUP3, whole.values())
    assert state["version"] == 2 and state["columns"]["scan"]["total"].startswith("0x")


def test_a_checkpoint_from_before_fingerprints_still_resumes() -> None:
    state = {
        "version": 1,
        "columns": {
            "id": {"measure": "sum", "count": 2, "total": "3"},
            "name": {"measure": "sum_length", "count": 1, "total": "4"},
        },
    }
    stream = StreamChecksums({"id": SUM, "name": LENGTH}, state=state)
    stream.add({"id": [4], "name": ["ab"]})
    assert stream.values() == {"id": (3, "7"), "name": (2, "6")}


def test_hash_sums_subtract_modulo_2_to_the_64() -> None:
    before = {"scan": (1, "0xffffffffffffffff"), "note": (2, "5 0x0000000000000003")}
    after = {"scan": (3, "0x0000000000000001"), "note": (2, "5 0x0000000000000003")}
    assert subtract(after, before) == {
        "scan": (2, "0x0000000000000002"),  # (1 - (2^64 - 1)) mod 2^64
        "note": (0, None),  # nothing added, nothing changed
    }
    assert subtract({"note": (2, "6 0x0000000000000009")}, before)["note"] == (
        0,
        "1 0x0000000000000006",  # an old row altered: shows, not hidden
    )


def test_compare_reports_each_part_of_a_measure() -> None:
    measures = {"note": F.TEXT, "seen": F.DATE}
    expected = {"note": (2, "9 0x0000000000000001"), "seen": (1, "19000")}
    found = {"note": (2, "9 0x0000000000000002"), "seen": (1, "19000")}
    checks = compare(expected, found, measures)
    assert [(c.column, c.measure, c.matches) for c in checks] == [
        ("note", "count", True),
        ("note", "sum_length", True),
        ("note", "hash", False),
        ("seen", "count", True),
        ("seen", "sum_days", True),
    ]
