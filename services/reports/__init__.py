"""Reports: a profile written as CSV and as one self-contained HTML file."""

from services.reports.writer import ReportPaths, csv_text, write_report

__all__ = ["ReportPaths", "csv_text", "write_report"]
