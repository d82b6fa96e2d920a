"""Reports: a profile written as CSV and as one self-contained HTML file."""

from services.reports.finish import finish_report
from services.reports.overview import (
    ReportOverview,
    ReportPage,
    report_overview,
    report_page,
)
from services.reports.profile_csv import read_profile_csv, read_report_profile
from services.reports.rows import parse_top_values
from services.reports.runs import (
    ReportFile,
    ReportRun,
    get_report_run,
    list_report_runs,
    report_file,
)
from services.reports.writer import ReportPaths, csv_text, write_report

__all__ = [
    "ReportFile",
    "ReportOverview",
    "ReportPage",
    "ReportPaths",
    "ReportRun",
    "csv_text",
    "finish_report",
    "get_report_run",
    "list_report_runs",
    "parse_top_values",
    "read_profile_csv",
    "read_report_profile",
    "report_file",
    "report_overview",
    "report_page",
    "write_report",
]
