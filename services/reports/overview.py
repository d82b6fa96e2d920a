"""What a report run holds, for a list of runs and a page that shows one: its datasource and
tables, and its self-contained HTML page with whether it is masked.

A run folder is written once (each file renamed into place when complete) and never changed,
so a run's overview is kept, keyed by its CSV's path, size and modification time: a list of
runs drawn again reads no file twice.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from services.context import ServiceContext
from services.errors import ReportFileNotFound
from services.privacy import scrub_cids
from services.reports.html import says_masked
from services.reports.profile_csv import PROFILE_CSV, read_report_profile
from services.reports.runs import ReportRun, get_report_run

#: Where `write_report` puts the report page inside a run folder.
PROFILE_HTML = "data_profile/data_profile.html"
#: Overviews kept at most (one per run; the oldest are forgotten first).
_KEPT = 512


@dataclass(frozen=True, slots=True)
class ReportOverview:
    """What a run profiled: `datasource` is "" when its CSV is missing or lists no column."""

    datasource: str
    tables: tuple[str, ...]  # in the order the CSV lists them
    columns: int  # rows of the CSV: one per profiled column


@dataclass(frozen=True, slots=True)
class ReportPage:
    """A run's self-contained HTML page and whether its identifiers are masked.

    `html` has every valid citizen ID scrubbed, a safety net on top of the report's own
    masking; an unmasked report still shows names, phones and addresses as stored.
    """

    html: str
    masked: bool


_overviews: dict[tuple[Path, int, int], ReportOverview] = {}
_overviews_lock = threading.Lock()  # the dashboard draws pages on several threads


def report_overview(ctx: ServiceContext, run: ReportRun) -> ReportOverview:
    """The datasource, tables and number of columns `run` profiled, from its CSV."""
    csv_file = next((file for file in run.files if file.name == PROFILE_CSV), None)
    if csv_file is None:
        return ReportOverview(datasource="", tables=(), columns=0)
    stat = csv_file.path.stat()
    key = (csv_file.path, stat.st_size, stat.st_mtime_ns)
    with _overviews_lock:
        known = _overviews.get(key)
    if known is not None:
        return known
    profile = read_report_profile(ctx, run.id)
    overview = ReportOverview(
        datasource=profile.datasource,
        tables=tuple(table.name for table in profile.tables),
        columns=sum(table.column_count for table in profile.tables),
    )
    with _overviews_lock:
        while len(_overviews) >= _KEPT:
            del _overviews[next(iter(_overviews))]  # dicts keep insertion order: the oldest
        _overviews[key] = overview
    return overview


def report_page(ctx: ServiceContext, run_id: str) -> ReportPage:
    """The report page of run `run_id`, ready to be shown.

    Raises:
        ReportRunNotFound: no such run.
        ReportFileNotFound: the run has no report page.
    """
    run = get_report_run(ctx, run_id)
    for file in run.files:
        if file.name == PROFILE_HTML:
            html = file.path.read_text(encoding="utf-8")
            return ReportPage(html=scrub_cids(html), masked=says_masked(html))
    raise ReportFileNotFound(run_id, PROFILE_HTML)
