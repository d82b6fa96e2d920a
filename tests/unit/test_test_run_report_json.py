"""A test run's report survives its trip through a job's stored summary (JSON) unchanged,
and a value JSON cannot hold as a number travels as its text."""

from __future__ import annotations

import json

from models.test_run import SampledRejectGroup, TestRunReport


def test_a_report_read_back_from_its_json_equals_the_report() -> None:
    report = TestRunReport(
        step="patients",
        rows_read=4,
        would_load=1,
        would_reject=3,
        groups=(
            SampledRejectGroup("cid", "validate", "no match", 2, ("1-1017-xxxxx-xx-0", None)),
            SampledRejectGroup(None, "load", "refused", 1, (), True, "batch 1, row 3"),
        ),
        preview=({"hn": "xxxx02", "income": 12.5, "visits": 3, "died": None},),
    )  # fmt: skip

    stored = json.loads(json.dumps(report.to_json(), allow_nan=False))

    assert TestRunReport.from_json(stored) == report


def test_values_json_has_no_number_for_are_kept_as_their_text() -> None:
    report = TestRunReport("s", 1, 1, 0, preview=({"a": float("nan"), "b": float("inf")},))
    preview = json.loads(json.dumps(report.to_json(), allow_nan=False))["preview"]
    assert preview == [{"a": "nan", "b": "inf"}]
