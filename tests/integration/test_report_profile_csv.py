"""A report run's data_profile.csv read back as the profile that wrote it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from models.profile import ColumnProfile, DatabaseProfile, ProfileMode, TableProfile, ValueCount
from services.context import ServiceContext
from services.errors import ReportRunNotFound
from services.reports import read_report_profile, write_report

FORMULA = "=SUM(A1:A9)"


def _profile(*, masked: bool) -> DatabaseProfile:
    patient = TableProfile(
        name="patient",
        schema="hos",
        row_count=120,
        size_mb=0.25,
        rows_profiled=100,
        sampled=True,
        sample_percent=80.0,
        columns=[
            ColumnProfile(
                "note", "TEXT", 2, null_count=4, empty_count=1, distinct_count=2,
                top_values=[ValueCount(FORMULA, 60), ValueCount("ok, fine", 35)],
                sample_values=[FORMULA, "ok, fine"], avg_length=9.5, max_length=11,
            ),
            ColumnProfile(
                "hn", "VARCHAR(9)", 1, nullable=False, primary_key=True, null_count=0,
                empty_count=0, distinct_count=100, min_value="000001", max_value="000100",
                top_values=[ValueCount("000001", 1)], sample_values=["000001", "000042"],
            ),
        ],
    )  # fmt: skip
    visit = TableProfile(
        name="ovst",
        schema="hos",
        row_count=3,
        size_mb=None,
        rows_profiled=3,
        columns=[ColumnProfile("vn", "INT", 1, primary_key=True, null_count=0, zero_count=1)],
    )
    return DatabaseProfile(
        "hospital his", "mysql", "10.11", ProfileMode.DEEP, [patient, visit], masked=masked,
        started_at=datetime(2024, 3, 14, 1, 5, tzinfo=UTC),
    )  # fmt: skip


def test_the_csv_reads_back_as_the_profile_that_wrote_it(ctx: ServiceContext) -> None:
    written = _profile(masked=False)
    paths = write_report(written, out_dir=ctx.settings.reports_dir, ddl=None, log_lines=[])

    read = read_report_profile(ctx, paths.run_dir.name)

    assert (read.datasource, read.masked) == ("hospital his", False)
    assert [(t.schema, t.name, t.row_count, t.rows_profiled, t.sampled) for t in read.tables] == [
        ("hos", "patient", 120, 100, True),
        ("hos", "ovst", 3, 3, False),
    ]
    assert read.tables[0].size_mb == 0.25 and read.tables[1].size_mb is None
    hn, note = read.tables[0].columns  # in position order, as the table has them
    assert (hn.name, hn.data_type, hn.position, hn.nullable, hn.primary_key) == (
        "hn", "VARCHAR(9)", 1, False, True,
    )  # fmt: skip
    assert (hn.null_count, hn.distinct_count, hn.min_value, hn.max_value) == (
        0, 100, "000001", "000100",
    )  # fmt: skip
    assert hn.sample_values == ["000001", "000042"]
    assert hn.top_values == [ValueCount("000001", 1)]
    # The apostrophe the writer puts before a formula is not part of the value read back.
    assert note.top_values == [ValueCount(FORMULA, 60), ValueCount("ok, fine", 35)]
    assert note.sample_values == [FORMULA, "ok, fine"]
    assert (note.null_count, note.empty_count, note.avg_length, note.max_length) == (4, 1, 9.5, 11)
    assert read.tables[1].columns[0].zero_count == 1


def test_a_masked_run_reads_back_masked_with_each_columns_kind(ctx: ServiceContext) -> None:
    paths = write_report(
        _profile(masked=True), out_dir=ctx.settings.reports_dir, ddl=None, log_lines=[]
    )

    read = read_report_profile(ctx, paths.run_dir.name)

    hn = read.tables[0].columns[0]
    assert (hn.masked, hn.phi_kind) == (True, "hn")
    assert hn.sample_values == ["xxxx01", "xxxx42"]
    note = read.tables[0].columns[1]
    assert (note.masked, note.phi_kind) == (False, None)


def test_an_unknown_run_is_refused(ctx: ServiceContext) -> None:
    with pytest.raises(ReportRunNotFound):
        read_report_profile(ctx, "20240314_0105")
