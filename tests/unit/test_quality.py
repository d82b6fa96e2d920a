"""Quality scores and value composition, checked against numbers worked out by hand."""

from __future__ import annotations

import pytest

from models.profile import ColumnProfile, TableProfile
from services.reports.quality import (
    QUALITY_FORMULA,
    Composition,
    column_score,
    column_scores,
    composition,
    mean_score,
    table_score,
)


def column(name: str = "c", **metrics: object) -> ColumnProfile:
    """A text column with the given metrics."""
    return ColumnProfile(name, "VARCHAR(20)", 1, **metrics)  # type: ignore[arg-type]


def test_score_is_completeness_over_nulls_and_empty_strings() -> None:
    # 200 rows, 10 null + 30 empty: 160/200 complete.
    assert column_score(column(null_count=10, empty_count=30), 200) == 80.0


def test_zeros_are_shown_but_not_penalised() -> None:
    income = column(null_count=10, empty_count=30, zero_count=50)

    assert column_score(income, 200) == 80.0
    # valid = 200 − 10 − 30 − 50 = 110 → 55 %.
    assert composition(income, 200) == Composition(55.0, 5.0, 15.0, 25.0)


def test_a_duplicated_single_column_key_loses_its_uniqueness_share() -> None:
    # 100 rows, no nulls, 95 distinct: 100 × 1 × 0.95.
    assert column_score(column(null_count=0, distinct_count=95), 100, sole_key=True) == 95.0
    assert column_score(column(null_count=0, distinct_count=95), 100) == 100.0


def test_uniqueness_counts_only_for_a_single_column_key() -> None:
    table = TableProfile(
        "ovst_diag",
        None,
        row_count=100,
        size_mb=None,
        rows_profiled=100,
        columns=[
            ColumnProfile(
                "vn", "VARCHAR(13)", 1, primary_key=True, null_count=0, distinct_count=60
            ),
            ColumnProfile(
                "icd10", "VARCHAR(7)", 2, primary_key=True, null_count=0, distinct_count=40
            ),
        ],
    )
    assert column_scores(table) == [100.0, 100.0]

    table.columns = table.columns[:1]
    assert column_scores(table) == [60.0]


def test_basic_mode_scores_on_nulls_alone() -> None:
    # 1000 rows, 125 nulls, nothing else computed: 875/1000.
    assert column_score(column(null_count=125), 1000) == 87.5
    assert composition(column(null_count=125), 1000) == Composition(87.5, 12.5, None, None)


@pytest.mark.parametrize(
    ("metrics", "rows"),
    [({"null_count": None}, 100), ({"null_count": 0}, 0)],
    ids=["null count unknown", "no rows profiled"],
)
def test_no_score_without_the_figures_it_needs(metrics: dict[str, object], rows: int) -> None:
    assert column_score(column(**metrics), rows) is None


def test_inconsistent_counts_never_score_below_zero() -> None:
    assert column_score(column(null_count=80, empty_count=40), 100) == 0.0
    assert composition(column(null_count=80, empty_count=40), 100).valid == 0.0


def test_table_score_is_the_mean_of_known_column_scores() -> None:
    table = TableProfile(
        "patient",
        "hos",
        row_count=200,
        size_mb=1.0,
        rows_profiled=200,
        columns=[
            column("fname", null_count=10, empty_count=30),  # 80.0
            column("lname", null_count=0, empty_count=10),  # 95.0
            column("note", null_count=None),  # no score
        ],
    )
    assert column_scores(table) == [80.0, 95.0, None]
    assert table_score(table) == 87.5


def test_scores_round_to_one_decimal() -> None:
    # 1 null of 3 rows: 66.666… → 66.7; (80 + 95 + 90) / 3 = 88.333… → 88.3.
    assert column_score(column(null_count=1), 3) == 66.7
    assert mean_score([80.0, 95.0, 90.0]) == 88.3
    assert mean_score([None, None]) is None


def test_the_formula_is_documented_in_words() -> None:
    for term in ("completeness", "nulls + empty strings", "primary key", "mean"):
        assert term in QUALITY_FORMULA
