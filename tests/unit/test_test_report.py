"""A test run's report: would-be rejects grouped by column, stage and reason, with a few
distinct values each (masked when identifiers), and the preview cut to the rows asked for."""

from __future__ import annotations

from models.migration_run import MigrationResult, RejectedRow
from models.status import RunStatus
from services.migration.processor import RowProblem, rejected_row
from services.migration.test_report import general_reason, group_rejects, summarize_test_run


def reject(
    row: int, column: str | None, value: str | None, reason: str, stage: str = "transform"
) -> RejectedRow:
    return RejectedRow(key=(row,), column=column, value=value, reason=reason, stage=stage,
                       batch=1, row=row, key_columns=("id",), masked_key=str(row))  # fmt: skip


def test_rejects_of_one_column_and_reason_are_one_group_with_ten_distinct_values() -> None:
    # 40 bad dates, 25 distinct (each quoted by the transformer), then 3 NULLs into NOT NULL.
    dates = [f"2566-13-{n % 25 + 1:02d}" for n in range(40)]
    rejects = [
        reject(n + 1, "d", value, f"BUDDHIST_TO_ISO: not a date: '{value}'")
        for n, value in enumerate(dates)
    ]
    rejects += [reject(100 + n, "doctor", None, "not_null: is NULL", "validate") for n in range(3)]

    groups = group_rejects(rejects)

    assert [(g.column, g.stage, g.reason, g.rejects) for g in groups] == [
        ("d", "transform", "BUDDHIST_TO_ISO: not a date", 40),
        ("doctor", "validate", "not_null: is NULL", 3),
    ]
    dated, nulls = groups
    assert dated.values == tuple(dict.fromkeys(dates))[:10] and dated.more_values
    assert dated.first == "batch 1, row 1"
    assert (nulls.values, nulls.more_values, nulls.first) == ((None,), False, "batch 1, row 100")


def test_few_values_are_all_kept_and_groups_come_most_rejects_first() -> None:
    rejects = [reject(1, "a", "x", "TRIM: odd"), reject(2, "b", "y", "TRIM: odd")]
    rejects += [reject(3, "b", "y", "TRIM: odd"), reject(4, "b", "z", "TRIM: odd")]
    groups = group_rejects(rejects, samples=2)
    assert [(g.column, g.rejects, g.values, g.more_values) for g in groups] == [
        ("b", 3, ("y", "z"), False),
        ("a", 1, ("x",), False),
    ]


def test_a_quoted_value_leaves_the_reason_and_others_stay() -> None:
    assert general_reason("BUDDHIST_TO_ISO: not a date: '2566-02-30'", "2566-02-30") == (
        "BUDDHIST_TO_ISO: not a date"
    )
    engine = "the target refused the row: Duplicate entry '7' for key 'PRIMARY'"
    assert general_reason(engine, "7") == (
        "the target refused the row: Duplicate entry '…' for key 'PRIMARY'"
    )
    assert general_reason("HN_PAD: longer than 9 digits", "xxxxxxxxx12") == (
        "HN_PAD: longer than 9 digits"
    )
    assert general_reason("not_null: is NULL", None) == "not_null: is NULL"


def test_identifier_values_are_grouped_masked() -> None:
    hns = ["71234567801", "71234567802"]
    rows = [
        rejected_row(RowProblem(n, "hn", hn, "HN_PAD: longer than 9 digits", "transform"),
                     (n + 1,), ("id",), batch=1)
        for n, hn in enumerate(hns)
    ]  # fmt: skip
    (group,) = group_rejects(rows)
    assert group.values == ("xxxxxxxxx01", "xxxxxxxxx02") and group.rejects == 2
    assert not set(hns) & set(group.values)


def test_the_report_carries_the_counts_and_cuts_the_preview() -> None:
    result = MigrationResult(step="visits", status=RunStatus.SUCCEEDED, test=True)
    result.rows_read, result.rows_loaded, result.rows_rejected = 10, 7, 3
    result.preview = [{"id": n} for n in range(7)]
    result.rejects = [reject(n, "d", "bad", "X: no") for n in (1, 2)]
    result.rejects += [reject(n, "e", "bad", "Y: no") for n in (2, 3)]  # row 2 fails twice

    report = summarize_test_run(result, show=4)

    assert (report.step, report.rows_read, report.would_load, report.would_reject) == (
        "visits",
        10,
        7,
        3,
    )
    assert [(g.column, g.rejects) for g in report.groups] == [("d", 2), ("e", 2)]
    assert report.preview == tuple({"id": n} for n in range(4))
    assert summarize_test_run(result, show=0).preview == ()
    assert len(summarize_test_run(result).preview) == 7
