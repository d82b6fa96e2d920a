"""Write a profiling run's report folder: DDL, CSV, self-contained HTML and the process log."""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from models.profile import DatabaseProfile
from services.privacy import mask_profile, scrub_cids
from services.reports.html import render_html
from services.reports.rows import column_rows, csv_header

# Excel runs a cell that starts with one of these as a formula ("CSV injection"); values are
# untrusted, so such a cell is written with a leading apostrophe, which Excel hides.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


@dataclass(frozen=True)
class ReportPaths:
    """Where a run's report files were written."""

    run_dir: Path
    schema_sql: Path | None  # None when no DDL was given
    csv: Path
    html: Path
    log: Path


def write_report(
    profile: DatabaseProfile, *, out_dir: Path, ddl: str | None, log_lines: list[str]
) -> ReportPaths:
    """Write the run folder `out_dir/YYYYMMDD_HHMM/` (`_2`, `_3`… if it exists) and return its
    files: ddl_schema/schema.sql, data_profile/data_profile.csv and .html, process.log.

    The folder is named after `profile.started_at` in the machine's local time (what the
    person running it reads on the clock). Each file is written to a temporary file and then
    renamed, so a crash never leaves half a report. A profile marked `masked` is masked again
    here (masking twice changes nothing), so a report that says "masked" always is.

    Args:
        profile: The profiling result.
        out_dir: Folder that holds one sub-folder per run; created if missing.
        ddl: The schema's DDL (from `services.profiling.export_ddl`), or None to leave it out.
        log_lines: The run's log, one line each.
    """
    if profile.masked:
        profile = mask_profile(profile)
        log_lines = [scrub_cids(line) for line in log_lines]
    run_dir = _claim_run_dir(Path(out_dir), profile.started_at)
    paths = ReportPaths(
        run_dir=run_dir,
        schema_sql=None if ddl is None else run_dir / "ddl_schema" / "schema.sql",
        csv=run_dir / "data_profile" / "data_profile.csv",
        html=run_dir / "data_profile" / "data_profile.html",
        log=run_dir / "process.log",
    )
    if paths.schema_sql is not None and ddl is not None:
        write_atomic(paths.schema_sql, ddl.encode("utf-8"))
    # utf-8-sig: the byte-order mark makes Excel on a Thai Windows read the file as UTF-8.
    write_atomic(paths.csv, csv_text(profile).encode("utf-8-sig"))
    write_atomic(paths.html, render_html(profile, log_lines=log_lines).encode("utf-8"))
    write_atomic(paths.log, "".join(f"{line}\n" for line in log_lines).encode("utf-8"))
    return paths


def csv_text(profile: DatabaseProfile) -> str:
    """data_profile.csv's content (without the byte-order mark): a header, one row per column."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    header = csv_header(profile)
    writer.writerow(header)
    for row in column_rows(profile):
        writer.writerow(_defuse(row.cells[name]) for name in header)
    return buffer.getvalue()


def _defuse(cell: str) -> str:
    if cell.startswith(_FORMULA_START) and not _NUMBER.match(cell):
        return "'" + cell
    return cell


def _claim_run_dir(out_dir: Path, started_at: datetime) -> Path:
    local = started_at.astimezone() if started_at.tzinfo else started_at
    base = local.strftime("%Y%m%d_%H%M")
    out_dir.mkdir(parents=True, exist_ok=True)
    suffix = 1
    while True:
        candidate = out_dir / (base if suffix == 1 else f"{base}_{suffix}")
        try:
            # mkdir without exist_ok claims the name atomically: two runs started in the
            # same minute never share a folder.
            candidate.mkdir()
            return candidate
        except FileExistsError:
            suffix += 1


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file renamed over it: never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
