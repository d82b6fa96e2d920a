"""The profile runs kept on disk: one report folder per run under the reports directory.

`write_report` names each folder after the run's start, `YYYYMMDD_HHMM` (`_2`, `_3`… for more
runs in the same minute), and fills it with the DDL, the CSV and HTML profile and the log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from services.context import ServiceContext
from services.errors import ReportFileNotFound, ReportRunNotFound

_RUN_NAME = re.compile(r"^(?P<stamp>\d{8}_\d{4})(?:_(?P<sequence>[1-9]\d{0,5}))?$")
# By extension: what a file holds and the media type it is served with.
_KINDS: dict[str, tuple[str, str]] = {
    ".html": ("html", "text/html; charset=utf-8"),
    ".csv": ("csv", "text/csv; charset=utf-8"),
    ".sql": ("ddl", "application/sql; charset=utf-8"),
    ".log": ("log", "text/plain; charset=utf-8"),
}
_OTHER = ("other", "application/octet-stream")


@dataclass(frozen=True)
class ReportFile:
    """One file of a run: `name` is its path inside the run folder, with '/' separators."""

    name: str
    kind: str  # html, csv, ddl, log or other
    size: int  # bytes
    media_type: str
    path: Path


@dataclass(frozen=True)
class ReportRun:
    """A profile run's report folder."""

    id: str  # the folder's name
    started_at: datetime  # from the folder's name: the machine's local time, to the minute
    files: list[ReportFile]

    @property
    def file_count(self) -> int:
        """How many files it holds."""
        return len(self.files)

    @property
    def total_size(self) -> int:
        """Bytes of all its files."""
        return sum(file.size for file in self.files)


def list_report_runs(ctx: ServiceContext) -> list[ReportRun]:
    """The run folders under the reports directory, newest first (none when it is missing).

    Folders whose names are not a run's (a user's own) are left out.
    """
    root = ctx.settings.reports_dir
    if not root.is_dir():
        return []
    runs = [_run(folder) for folder in root.iterdir() if _is_run_folder(folder)]
    return sorted(runs, key=_newest_first)


def get_report_run(ctx: ServiceContext, run_id: str) -> ReportRun:
    """The run folder called `run_id`, with its files.

    Raises:
        ReportRunNotFound: no run folder has that name (a path or any other name is no run's).
    """
    # Only a run's own name is looked up: "../x" or "a/b" can never match, so no path
    # outside the reports directory is ever opened.
    if not _RUN_NAME.match(run_id):
        raise ReportRunNotFound(run_id)
    folder = ctx.settings.reports_dir / run_id
    if not _is_run_folder(folder):
        raise ReportRunNotFound(run_id)
    return _run(folder)


def report_file(ctx: ServiceContext, run_id: str, name: str) -> ReportFile:
    """The file `name` (as the run lists it, "data_profile/data_profile.html") of a run.

    Raises:
        ReportRunNotFound: no such run.
        ReportFileNotFound: the run lists no such file; names are matched against the
            listing, so a path leaving the run folder is never opened.
    """
    run = get_report_run(ctx, run_id)
    for file in run.files:
        if file.name == name:
            return file
    raise ReportFileNotFound(run_id, name)


def _is_run_folder(folder: Path) -> bool:
    # A symbolic link could point anywhere: only real folders are runs.
    return bool(_RUN_NAME.match(folder.name)) and folder.is_dir() and not folder.is_symlink()


def _run(folder: Path) -> ReportRun:
    stamp = _RUN_NAME.match(folder.name)
    assert stamp is not None  # _is_run_folder checked it
    started_at = datetime.strptime(stamp["stamp"], "%Y%m%d_%H%M").astimezone()
    return ReportRun(id=folder.name, started_at=started_at, files=_files(folder))


def _files(folder: Path) -> list[ReportFile]:
    files = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        # Hidden names are the writer's temporary files (renamed when complete); a link could
        # lead out of the folder (rglob does not descend into linked folders).
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.is_symlink() or not path.is_file():
            continue
        kind, media_type = _KINDS.get(path.suffix.lower(), _OTHER)
        files.append(ReportFile(relative.as_posix(), kind, path.stat().st_size, media_type, path))
    return files


def _newest_first(run: ReportRun) -> tuple[float, int]:
    match = _RUN_NAME.match(run.id)
    sequence = int(match["sequence"] or 1) if match else 1
    return (-run.started_at.timestamp(), -sequence)
