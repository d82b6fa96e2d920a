"""A report run's data_profile.csv read back as a profile: its tables and their columns' figures.

The CSV is the one the Python profiler writes (`csv_text`) and the Bash analyzer writes in the
same shape; a column either leaves out is read as "not computed".
"""

from __future__ import annotations

import csv
from pathlib import Path

from models.profile import ColumnProfile, DatabaseProfile, ProfileMode, TableProfile, ValueCount
from services.context import ServiceContext
from services.reports.rows import parse_top_values
from services.reports.runs import report_file

PROFILE_CSV = "data_profile/data_profile.csv"
# The writer puts an apostrophe before a cell Excel would run as a formula ("CSV injection").
_DEFUSED = ("'=", "'+", "'-", "'@", "'\t", "'\r")


def read_report_profile(ctx: ServiceContext, run_id: str) -> DatabaseProfile:
    """The profile report run `run_id` wrote, read back from its data_profile.csv.

    See `read_profile_csv` for what is read and what is left empty. Values are returned as
    the CSV holds them: a run made with masking off holds identifiers in clear, so mask
    before showing (`services.privacy.mask_profile`).

    Raises:
        ReportRunNotFound, ReportFileNotFound: no such run, or it has no profile CSV.
    """
    return read_profile_csv(report_file(ctx, run_id, PROFILE_CSV).path)


def read_profile_csv(path: Path) -> DatabaseProfile:
    """A data_profile.csv file (the Python profiler's or the Bash analyzer's) as a profile.

    Tables and columns come in the CSV's order (columns by position). What the CSV does not
    hold — the engine and its version — is left empty, the mode is deep; `masked` is False
    (the columns keep their own `masked` flags).

    Raises:
        OSError: the file cannot be read.
    """
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    tables: dict[tuple[str, str], TableProfile] = {}
    for row in rows:
        key = (row.get("schema") or "", row.get("table") or "")
        table = tables.get(key)
        if table is None:
            table = tables[key] = _table(row)
        table.columns.append(_column(row))
    for table in tables.values():
        table.columns.sort(key=lambda column: column.position)
    datasource = rows[0].get("datasource") or "" if rows else ""
    return DatabaseProfile(datasource, "", "", ProfileMode.DEEP, list(tables.values()))


def _table(row: dict[str, str]) -> TableProfile:
    return TableProfile(
        name=row.get("table") or "",
        schema=row.get("schema") or None,
        row_count=_int(row.get("table_rows")) or 0,
        size_mb=_float(row.get("table_size_mb")),
        rows_profiled=_int(row.get("rows_profiled")) or 0,
        sampled=_flag(row.get("sampled")),
    )


def _column(row: dict[str, str]) -> ColumnProfile:
    samples = _cell(row.get("sample_values"))
    return ColumnProfile(
        name=row.get("column") or "",
        data_type=row.get("data_type") or "",
        position=_int(row.get("position")) or 0,
        nullable=_flag(row.get("nullable"), default=True),
        primary_key=_flag(row.get("primary_key")),
        null_count=_int(row.get("null_count")),
        empty_count=_int(row.get("empty_count")),
        zero_count=_int(row.get("zero_count")),
        zero_dates=_int(row.get("zero_dates")),
        distinct_count=_int(row.get("distinct_count")),
        min_value=_cell(row.get("min_value")) or None,
        max_value=_cell(row.get("max_value")) or None,
        avg_length=_float(row.get("avg_length")),
        max_length=_int(row.get("max_length")),
        top_values=[
            ValueCount(value, count)
            for value, count in parse_top_values(_cell(row.get("top_5_values")))
        ],
        sample_values=[value for value in samples.split(" | ") if value] if samples else [],
        phi_kind=row.get("phi_kind") or None,
        masked=_flag(row.get("masked")),
    )


def _cell(cell: str | None) -> str:
    text = cell or ""
    return text[1:] if text.startswith(_DEFUSED) else text


def _flag(cell: str | None, *, default: bool = False) -> bool:
    if not cell:
        return default
    return cell.strip().lower() == "true"


def _int(cell: str | None) -> int | None:
    try:
        return int(str(cell).replace(",", "")) if cell not in (None, "") else None
    except ValueError:
        return None


def _float(cell: str | None) -> float | None:
    try:
        return float(str(cell).replace(",", "")) if cell not in (None, "") else None
    except ValueError:
        return None
