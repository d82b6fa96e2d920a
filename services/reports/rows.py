"""One flat row per profiled column: the content of data_profile.csv and the report's table."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from models.profile import ColumnProfile, DatabaseProfile, TableProfile
from services.reports.quality import Composition, column_scores, composition

_TOP_VALUE = re.compile(r"^(?P<value>.*) \((?P<count>\d[\d,]*)\)$", re.DOTALL)
#: The columns of data_profile.csv, in order, each with its meaning (shown in the report and
#: the README). Counts are over the rows profiled; an empty cell means "not computed".
CSV_COLUMNS: tuple[tuple[str, str], ...] = (
    ("datasource", "Name of the datasource profiled."),
    ("schema", "Schema (MySQL: database) of the table."),
    ("table", "Table name."),
    ("table_rows", "Rows in the table (exact count, or the engine's estimate for huge tables)."),
    ("table_size_mb", "Table size on disk in MB (data + indexes) as the engine reports it."),
    ("rows_profiled", "Rows the column statistics were computed on."),
    ("sampled", "true when the statistics come from a sample of the table, not every row."),
    ("column", "Column name."),
    ("position", "Column's position in the table, from 1."),
    ("data_type", "Column type as the database spells it."),
    ("nullable", "true when the column accepts NULL."),
    ("primary_key", "true when the column is (part of) the primary key."),
    ("null_count", "Rows where the column is NULL."),
    ("empty_count", "Rows holding the empty string '' (text columns only; blanks are text)."),
    ("zero_count", "Rows holding the number 0 (number columns only)."),
    ("distinct_count", "Number of different non-null values."),
    ("valid_pct", "Percent of rows profiled that are neither null, empty nor zero."),
    ("null_pct", "null_count as a percent of rows profiled."),
    ("empty_pct", "empty_count as a percent of rows profiled."),
    ("zero_pct", "zero_count as a percent of rows profiled."),
    ("min_value", "Smallest value (masked for identifier columns)."),
    ("max_value", "Largest value (masked for identifier columns)."),
    ("avg_length", "Average length in characters of the non-null values."),
    ("max_length", "Length in characters of the longest value."),
    ("top_5_values", "The five most frequent values with their counts: value (count) | …"),
    ("sample_values", "A few example values, joined with ' | '."),
    ("masked", "true when this column's values were masked as personal identifiers."),
    ("phi_kind", "Which identifier the column holds: cid, hn, name, phone, address or email."),
    ("quality_score", "Data-quality score 0–100 (see the formula in the report)."),
)
#: The CSV header: the names of `CSV_COLUMNS`.
CSV_HEADER: tuple[str, ...] = tuple(name for name, _ in CSV_COLUMNS)
#: After zero_count, in a profile that counted zero dates (MariaDB/MySQL); other engines
#: cannot hold one, so their reports have no such column.
ZERO_DATES_COLUMN = (
    "zero_dates",
    "Rows holding a zero date 0000-00-00 (MariaDB/MySQL date and datetime columns only).",
)


def counts_zero_dates(profile: DatabaseProfile) -> bool:
    """Whether any column of `profile` has a zero-date count."""
    return any(c.zero_dates is not None for table in profile.tables for c in table.columns)


def csv_columns(profile: DatabaseProfile) -> tuple[tuple[str, str], ...]:
    """The columns of `profile`'s CSV with their meanings: `CSV_COLUMNS`, and zero_dates
    where it was counted."""
    if not counts_zero_dates(profile):
        return CSV_COLUMNS
    at = CSV_HEADER.index("zero_count") + 1
    return (*CSV_COLUMNS[:at], ZERO_DATES_COLUMN, *CSV_COLUMNS[at:])


def csv_header(profile: DatabaseProfile) -> tuple[str, ...]:
    """The names of `csv_columns(profile)`."""
    return tuple(name for name, _ in csv_columns(profile))


@dataclass(frozen=True, slots=True)
class ColumnRow:
    """A profiled column with its table, its derived figures and its flat CSV cells."""

    table: TableProfile
    column: ColumnProfile
    composition: Composition
    score: float | None
    cells: dict[str, str]


def column_rows(profile: DatabaseProfile) -> Iterator[ColumnRow]:
    """Every column of every table, in the profile's order, as report rows."""
    dated = counts_zero_dates(profile)
    for table in profile.tables:
        for column, score in zip(table.columns, column_scores(table), strict=True):
            shares = composition(column, table.rows_profiled)
            cells = _cells(profile, table, column, shares, score, dated=dated)
            yield ColumnRow(table, column, shares, score, cells)


def table_label(table: TableProfile) -> str:
    """`schema.table`, or just the table when it has no schema."""
    return f"{table.schema}.{table.name}" if table.schema else table.name


def sampled_label(table: TableProfile) -> str:
    """`no`, or `yes (10%)` with the sample's share when known."""
    if not table.sampled:
        return "no"
    return "yes" if table.sample_percent is None else f"yes ({table.sample_percent:g}%)"


def format_top_values(column: ColumnProfile) -> str:
    """`value (count) | value (count) | …` of the column's five most frequent values."""
    return " | ".join(f"{top.value} ({top.count})" for top in column.top_values[:5])


def parse_top_values(cell: str) -> list[tuple[str, int]]:
    """A top-values cell of data_profile.csv, 'value (count) | …', back as (value, count)."""
    pairs = []
    for part in cell.split(" | "):
        match = _TOP_VALUE.match(part)
        if match:
            pairs.append((match["value"], int(match["count"].replace(",", ""))))
    return pairs


def fmt(value: object, digits: int = 2) -> str:
    """A cell: empty for None, true/false for booleans, floats to `digits` decimals."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _cells(
    profile: DatabaseProfile,
    table: TableProfile,
    column: ColumnProfile,
    shares: Composition,
    score: float | None,
    *,
    dated: bool,
) -> dict[str, str]:
    return {
        "datasource": fmt(profile.datasource),
        "schema": fmt(table.schema),
        "table": table.name,
        "table_rows": fmt(table.row_count),
        "table_size_mb": fmt(table.size_mb),
        "rows_profiled": fmt(table.rows_profiled),
        "sampled": fmt(table.sampled),
        "column": column.name,
        "position": fmt(column.position),
        "data_type": column.data_type,
        "nullable": fmt(column.nullable),
        "primary_key": fmt(column.primary_key),
        "null_count": fmt(column.null_count),
        "empty_count": fmt(column.empty_count),
        "zero_count": fmt(column.zero_count),
        **({"zero_dates": fmt(column.zero_dates)} if dated else {}),
        "distinct_count": fmt(column.distinct_count),
        "valid_pct": fmt(shares.valid),
        "null_pct": fmt(shares.null),
        "empty_pct": fmt(shares.empty),
        "zero_pct": fmt(shares.zero),
        "min_value": fmt(column.min_value),
        "max_value": fmt(column.max_value),
        "avg_length": fmt(column.avg_length),
        "max_length": fmt(column.max_length),
        "top_5_values": format_top_values(column),
        "sample_values": " | ".join(column.sample_values),
        "masked": fmt(column.masked),
        "phi_kind": fmt(column.phi_kind),
        "quality_score": fmt(score, 1),
    }
