"""Finish a report folder the Bash analyzer wrote: mask its CSV and render its HTML."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from models.common import utc_now
from models.profile import ProfileMode
from services.errors import InvalidInput
from services.privacy import mask_profile, scrub_cids
from services.reports.html import render_html
from services.reports.profile_csv import PROFILE_CSV, read_profile_csv
from services.reports.writer import ReportPaths, csv_text, write_atomic

PROFILE_HTML = "data_profile/data_profile.html"
PROCESS_LOG = "process.log"


def finish_report(
    folder: Path,
    *,
    mask: bool = True,
    mode: ProfileMode = ProfileMode.DEEP,
    engine: str = "",
    server_version: str = "",
    started_at: datetime | None = None,
) -> ReportPaths:
    """Rewrite `folder`'s data_profile.csv and data_profile.html with the project's writer.

    The CSV the Bash analyzer wrote is read back as a profile, masked as the Python profiler
    masks (`mask_profile`) unless `mask` is False, and written again: the same cells, the
    same masking, the quality scores computed here, and the project's HTML report beside it
    (its log tab from the folder's process.log, citizen IDs scrubbed when masked).
    process.log itself is left as it is.

    Args:
        folder: A report run folder holding data_profile/data_profile.csv.
        mask: Mask personal identifiers (the default); False writes them in clear.
        mode: The mode the analyzer ran in, shown in the report's header.
        engine: The engine's name ("mysql", "postgresql", "mssql"), for the header.
        server_version: The server's version string, for the header.
        started_at: When the run started (default: now), for the header and the duration.

    Raises:
        InvalidInput: the folder holds no data_profile.csv.
    """
    csv_path = folder / PROFILE_CSV
    if not csv_path.is_file():
        raise InvalidInput(f"{str(folder)!r} holds no {PROFILE_CSV}: not a report folder.")
    profile = read_profile_csv(csv_path)
    profile.mode, profile.db_type, profile.server_version = mode, engine, server_version
    if started_at is not None:
        profile.started_at = started_at
    profile.finished_at = utc_now()
    log_path = folder / PROCESS_LOG
    log_lines = log_path.read_text(encoding="utf-8").splitlines() if log_path.is_file() else []
    if mask:
        profile = mask_profile(profile)
        log_lines = [scrub_cids(line) for line in log_lines]
    html_path = folder / PROFILE_HTML
    # utf-8-sig: the byte-order mark makes Excel on a Thai Windows read the file as UTF-8.
    write_atomic(csv_path, csv_text(profile).encode("utf-8-sig"))
    write_atomic(html_path, render_html(profile, log_lines=log_lines).encode("utf-8"))
    schema_sql = folder / "ddl_schema" / "schema.sql"
    return ReportPaths(
        run_dir=folder,
        schema_sql=schema_sql if schema_sql.is_file() else None,
        csv=csv_path,
        html=html_path,
        log=log_path,
    )
