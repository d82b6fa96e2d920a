"""The profiler on SQLite, MariaDB and PostgreSQL: every metric against Python's own count."""

from __future__ import annotations

import random
import sqlite3
from collections import Counter
from datetime import date, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from models.profile import ColumnProfile, ProfileMode, TableProfile
from models.profile_settings import SampleException, SamplingSettings
from services import datasources as ds
from services.context import ServiceContext
from services.errors import TableNotFound
from services.profiling import SamplePlan, profile_datasource
from tests.factories import register_server

ROWS = 400
NAMES = ["สมศักดิ์", " มาลี", "กาญจนา", "ภูมิ", "Somchai", "ศรีสุข", "", None]
DDL = {
    "sqlite": """CREATE TABLE visit (
        vn TEXT PRIMARY KEY, hn TEXT NOT NULL, fname TEXT, vstdate DATE, vsttime TIME,
        income DECIMAL(12,2), qty INTEGER, note TEXT)""",
    "mysql": """CREATE TABLE visit (
        vn VARCHAR(12) PRIMARY KEY, hn VARCHAR(9) NOT NULL, fname VARCHAR(100), vstdate DATE,
        vsttime TIME, income DECIMAL(12,2), qty INTEGER, note TEXT) DEFAULT CHARSET=utf8mb4""",
    "postgresql": """CREATE TABLE visit (
        vn VARCHAR(12) PRIMARY KEY, hn VARCHAR(9) NOT NULL, fname VARCHAR(100), vstdate DATE,
        vsttime TIME, income NUMERIC(12,2), qty INTEGER, note TEXT)""",
}
COLUMNS = ["vn", "hn", "fname", "vstdate", "vsttime", "income", "qty", "note"]


def make_rows(seed: int = 7) -> list[tuple]:
    """Visits with NULLs, empty strings, zeros, Thai text and a skewed hn."""
    rng = random.Random(seed)
    rows = []
    for number in range(ROWS):
        hn = f"{min(int(rng.paretovariate(1.2)), 60):06d}"
        income = None if rng.random() < 0.1 else Decimal(rng.choice([0, 0, 150, 99.5, 1200]))
        qty = None if rng.random() < 0.05 else rng.choice([0, 1, 2, 3, 10])
        visit_date = (
            None if rng.random() < 0.05 else date(2023, 1, 1) + timedelta(rng.randrange(365))
        )
        visit_time = time(rng.randrange(24), rng.randrange(60), 0)
        note = rng.choice([None, "", "ปวดหัว\nมีไข้", "ok", "x" * rng.randrange(1, 40)])
        rows.append(
            (f"66{number:010d}", hn, rng.choice(NAMES), visit_date, visit_time,
             income.quantize(Decimal("0.01")) if income is not None else None, qty, note)
        )  # fmt: skip
    return rows


def expected_column(rows: list[tuple], column: str) -> dict:
    """The metrics of one column, computed here in Python."""
    values = [row[COLUMNS.index(column)] for row in rows]
    present = [v for v in values if v is not None]
    counts = Counter(present)
    return {
        "null_count": len(values) - len(present),
        "distinct_count": len(counts),
        "empty_count": sum(1 for v in present if v == "") if isinstance(present[0], str) else None,
        "zero_count": sum(1 for v in present if v == 0) if column in ("income", "qty") else None,
        "counts": counts,
    }


def as_text(value: object) -> str:
    return value.isoformat() if isinstance(value, date | time) else str(value)


def same_value(expected: object, shown: str) -> bool:
    """Whether the profiler's text shows `expected` (SQLite keeps 0.00 as 0, say)."""
    if isinstance(expected, Decimal | int):
        return Decimal(shown) == expected
    return as_text(expected) == shown


@pytest.fixture(params=["sqlite", "mysql", "postgresql"])
def visits(request: pytest.FixtureRequest, ctx: ServiceContext, tmp_path: Path) -> list[tuple]:
    """A `visit` table filled with make_rows() on each engine, registered as datasource "his"."""
    rows = make_rows()
    if request.param == "sqlite":
        path = tmp_path / "his.sqlite"
        with sqlite3.connect(path) as connection:
            connection.execute(DDL["sqlite"])
            connection.executemany(
                "INSERT INTO visit VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [tuple(as_text(v) if isinstance(v, date | time | Decimal) else v for v in row)
                 for row in rows],
            )  # fmt: skip
        ds.create_datasource(ctx, name="his", db_type="sqlite", database=str(path))
        return rows
    url: URL = request.getfixturevalue(
        {"mysql": "mysql_database", "postgresql": "pg_database"}[request.param]
    )
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(DDL[request.param]))
        placeholders = ", ".join(f":{c}" for c in COLUMNS)
        connection.execute(
            text(f"INSERT INTO visit VALUES ({placeholders})"),
            [dict(zip(COLUMNS, row, strict=True)) for row in rows],
        )
    engine.dispose()
    register_server(ctx, "his", url)
    return rows


def profiled(table: TableProfile, name: str) -> ColumnProfile:
    return next(column for column in table.columns if column.name == name)


def test_deep_profile_matches_python_counts(ctx: ServiceContext, visits: list[tuple]) -> None:
    (table,) = profile_datasource(ctx, "his", mode=ProfileMode.DEEP).tables
    assert table.error is None
    assert (table.name, table.row_count, table.rows_profiled, table.column_count) == (
        "visit", ROWS, ROWS, len(COLUMNS),
    )  # fmt: skip
    assert table.sampled is False
    assert table.size_mb is not None and table.size_mb > 0
    for name in COLUMNS:
        column = profiled(table, name)
        expected = expected_column(visits, name)
        assert column.null_count == expected["null_count"], name
        assert column.distinct_count == expected["distinct_count"], name
        assert column.empty_count == expected["empty_count"], name
        assert column.zero_count == expected["zero_count"], name
        # Top values: the counts are exact and in descending order.
        expected_top = sorted(expected["counts"].values(), reverse=True)[:5]
        assert [v.count for v in column.top_values] == expected_top, name
        for value in column.top_values:
            matching = [k for k in expected["counts"] if same_value(k, value.value)]
            assert matching and expected["counts"][matching[0]] == value.count, (name, value)


def test_numbers_dates_and_lengths(ctx: ServiceContext, visits: list[tuple]) -> None:
    (table,) = profile_datasource(ctx, "his").tables
    qty = [row[6] for row in visits if row[6] is not None]
    assert (int(profiled(table, "qty").min_value), int(profiled(table, "qty").max_value)) == (
        min(qty), max(qty),
    )  # fmt: skip
    income = [row[5] for row in visits if row[5] is not None]
    column = profiled(table, "income")
    assert (Decimal(column.min_value), Decimal(column.max_value)) == (min(income), max(income))
    dates = [row[3] for row in visits if row[3] is not None]
    column = profiled(table, "vstdate")
    assert (column.min_value, column.max_value) == (min(dates).isoformat(), max(dates).isoformat())
    hns = [row[1] for row in visits]
    assert (profiled(table, "hn").min_value, profiled(table, "hn").max_value) == (
        min(hns),
        max(hns),
    )
    notes = [row[7] for row in visits if row[7] is not None]
    column = profiled(table, "note")
    assert column.max_length == max(len(n) for n in notes)
    assert column.avg_length == pytest.approx(sum(len(n) for n in notes) / len(notes), abs=0.01)
    assert profiled(table, "qty").avg_length is None  # lengths are for text only


def test_smart_sample_skips_null_and_empty_and_honours_limits(
    ctx: ServiceContext, visits: list[tuple]
) -> None:
    sampling = SamplingSettings(
        default_limit=3,
        max_text_length=10,
        exceptions=[SampleException(table="visit", column="note", limit=1)],
    )
    (table,) = profile_datasource(ctx, "his", sampling=sampling).tables
    names = profiled(table, "fname").sample_values
    assert len(names) == 3 and len(set(names)) == 3
    assert all(name.strip() for name in names)
    assert set(names) <= {n for n in NAMES if n}
    notes = profiled(table, "note").sample_values
    assert len(notes) == 1 and len(notes[0]) <= 10


def test_basic_mode_counts_only(ctx: ServiceContext, visits: list[tuple]) -> None:
    (table,) = profile_datasource(ctx, "his", mode=ProfileMode.BASIC).tables
    column = profiled(table, "income")
    assert column.null_count == expected_column(visits, "income")["null_count"]
    assert (column.distinct_count, column.min_value, column.top_values) == (None, None, [])


def test_sample_is_marked_and_smaller(ctx: ServiceContext, visits: list[tuple]) -> None:
    (table,) = profile_datasource(ctx, "his", sample=SamplePlan(percent=30)).tables
    assert table.sampled is True and table.sample_percent == 30
    assert table.row_count == ROWS or ds.get_datasource(ctx, "his").db_type != "sqlite"
    assert table.rows_profiled <= ROWS
    if ds.get_datasource(ctx, "his").db_type != "postgresql":
        # Row-level sampling; PostgreSQL samples whole pages, so a tiny table may come back whole.
        assert table.rows_profiled < ROWS
    vn = profiled(table, "vn")
    assert vn.null_count == 0
    assert vn.distinct_count == table.rows_profiled


def test_unknown_table_is_refused_before_any_work(ctx: ServiceContext, visits: list[tuple]) -> None:
    with pytest.raises(TableNotFound, match="No table 'visits'"):
        profile_datasource(ctx, "his", tables=["visits"])
