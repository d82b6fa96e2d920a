"""Data-quality figures derived from a profile: value composition and quality scores."""

from __future__ import annotations

from dataclasses import dataclass

from models.profile import ColumnProfile, TableProfile

#: The quality score, in words; the report shows it next to the scores.
QUALITY_FORMULA = (
    "column score   = 100 × completeness × key uniqueness\n"
    "completeness   = 1 − (nulls + empty strings) ÷ rows profiled\n"
    "key uniqueness = distinct values ÷ non-null rows, for the column of a single-column\n"
    "                 primary key; 1 for every other column\n"
    "table score    = mean of its column scores\n"
    "No score when no rows were profiled or the null count is unknown; a metric the profile\n"
    "did not compute (e.g. empty strings of a number column) counts as 0."
)

#: Why the formula is what it is, for the report's documentation tab.
QUALITY_NOTES = (
    "The score measures completeness, the thing a migration trips over first: a NOT NULL "
    "target column cannot take a null or empty source value. An optional column that is "
    "mostly empty (e.g. a death date) therefore scores low by design — read the score as "
    "'how much of this column will arrive', not as 'this column is wrong'.",
    "Zeros are shown (zero %) but not penalised: 0 is a legitimate amount, count or code.",
    "Uniqueness only matters where it is promised: a duplicated single-column primary key "
    "(possible in a sample or in a table whose key is not enforced) breaks every join.",
)


@dataclass(frozen=True, slots=True)
class Composition:
    """What share (percent, 0–100) of a column's profiled rows is valid, null, empty or zero.

    A share is None when the metric was not computed. `valid` counts rows that are neither
    null, empty nor zero (unknown metrics count as 0), so the four add up to 100.
    """

    valid: float | None
    null: float | None
    empty: float | None
    zero: float | None


def composition(column: ColumnProfile, rows: int) -> Composition:
    """The valid/null/empty/zero shares of `column` over `rows` profiled rows."""
    if rows <= 0:
        return Composition(None, None, None, None)

    def share(count: int | None) -> float | None:
        return None if count is None else round(100 * count / rows, 2)

    valid = None
    if column.null_count is not None:
        not_valid = column.null_count + (column.empty_count or 0) + (column.zero_count or 0)
        valid = round(100 * max(rows - not_valid, 0) / rows, 2)
    return Composition(
        valid, share(column.null_count), share(column.empty_count), share(column.zero_count)
    )


def column_score(column: ColumnProfile, rows: int, *, sole_key: bool = False) -> float | None:
    """The quality score (0–100, one decimal) of `column` over `rows` profiled rows.

    Args:
        column: The column's statistics.
        rows: Rows the statistics were computed on.
        sole_key: The column alone is the table's primary key (uniqueness then counts).
    """
    if rows <= 0 or column.null_count is None:
        return None
    missing = min(column.null_count + (column.empty_count or 0), rows)
    completeness = 1 - missing / rows
    uniqueness = 1.0
    non_null = rows - column.null_count
    if sole_key and column.distinct_count is not None and non_null > 0:
        uniqueness = min(column.distinct_count / non_null, 1.0)
    return round(100 * completeness * uniqueness, 1)


def column_scores(table: TableProfile) -> list[float | None]:
    """Each column's score, in the table's column order."""
    keys = [column for column in table.columns if column.primary_key]
    return [
        column_score(column, table.rows_profiled, sole_key=len(keys) == 1 and column.primary_key)
        for column in table.columns
    ]


def table_score(table: TableProfile) -> float | None:
    """The table's score: the mean of its columns' scores (None when none has one)."""
    return mean_score(column_scores(table))


def mean_score(scores: list[float | None]) -> float | None:
    """The mean of the scores that exist, to one decimal; None when there are none."""
    known = [score for score in scores if score is not None]
    return round(sum(known) / len(known), 1) if known else None
