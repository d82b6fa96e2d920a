"""A report run read back for a list of runs (datasource, tables, columns) and for showing its
page (masked or not, citizen IDs scrubbed)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from models.profile import ColumnProfile, DatabaseProfile, ProfileMode, TableProfile
from services.context import ServiceContext
from services.errors import ReportFileNotFound
from services.reports import (
    ReportOverview,
    get_report_run,
    report_overview,
    report_page,
    write_report,
)
from services.reports.html import MASKED_BADGE

CID = "1101700203450"  # passes the citizen-ID checksum


def _profile(*, masked: bool, note: str = "seen") -> DatabaseProfile:
    patient = TableProfile(
        name="patient",
        schema=None,
        size_mb=None,
        row_count=2,
        rows_profiled=2,
        columns=[
            ColumnProfile("hn", "TEXT", 1, primary_key=True, sample_values=["000001"]),
            ColumnProfile("note", "TEXT", 2, sample_values=[note]),
        ],
    )
    visit = TableProfile(
        name="ovst", schema=None, size_mb=None, row_count=1, rows_profiled=1,
        columns=[ColumnProfile("vn", "TEXT", 1)],
    )  # fmt: skip
    return DatabaseProfile(
        "hospital his", "sqlite", "3", ProfileMode.DEEP, [patient, visit], masked=masked,
        started_at=datetime(2024, 3, 14, 1, 5, tzinfo=UTC),
    )  # fmt: skip


def _write(ctx: ServiceContext, profile: DatabaseProfile) -> str:
    paths = write_report(profile, out_dir=ctx.settings.reports_dir, ddl=None, log_lines=[])
    return paths.run_dir.name


def test_the_overview_names_the_datasource_its_tables_and_counts_the_columns(
    ctx: ServiceContext,
) -> None:
    run_id = _write(ctx, _profile(masked=True))

    overview = report_overview(ctx, get_report_run(ctx, run_id))

    assert overview == ReportOverview("hospital his", ("patient", "ovst"), 3)


def test_a_run_folder_without_its_csv_has_an_empty_overview(ctx: ServiceContext) -> None:
    folder = ctx.settings.reports_dir / "20240314_0105"
    folder.mkdir(parents=True)
    (folder / "process.log").write_text("started\n", encoding="utf-8")

    overview = report_overview(ctx, get_report_run(ctx, folder.name))

    assert overview == ReportOverview("", (), 0)


def test_the_page_says_masked_only_for_a_masked_report(ctx: ServiceContext) -> None:
    masked = _write(ctx, _profile(masked=True))
    # A value that spells the badge out is escaped in the page: it cannot pass for it.
    unmasked = _write(ctx, _profile(masked=False, note=MASKED_BADGE))

    assert report_page(ctx, masked).masked is True
    assert report_page(ctx, unmasked).masked is False


def test_the_page_has_citizen_ids_scrubbed_even_when_the_report_is_not_masked(
    ctx: ServiceContext,
) -> None:
    run_id = _write(ctx, _profile(masked=False, note=f"cid {CID} on file"))
    on_disk = (ctx.settings.reports_dir / run_id / "data_profile" / "data_profile.html").read_text(
        encoding="utf-8"
    )
    assert CID in on_disk  # the file is as the user asked for it: not masked

    assert CID not in report_page(ctx, run_id).html


def test_a_run_without_a_page_says_so(ctx: ServiceContext) -> None:
    run_id = _write(ctx, _profile(masked=True))
    (ctx.settings.reports_dir / run_id / "data_profile" / "data_profile.html").unlink()

    with pytest.raises(ReportFileNotFound):
        report_page(ctx, run_id)
