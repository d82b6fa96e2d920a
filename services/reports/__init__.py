"""Reports: a profile written as CSV and as one self-contained HTML file."""

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
    "ReportPaths",
    "ReportRun",
    "csv_text",
    "get_report_run",
    "list_report_runs",
    "parse_top_values",
    "report_file",
    "write_report",
]
