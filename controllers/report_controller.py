"""Page logic of the Reports page (the file explorer of profile runs): the runs, one run's
files and report page, and profiling a datasource as a job.

Errors are the services' `HisError` subclasses and propagate unchanged; the view shows them.
"""

from __future__ import annotations

from dataclasses import dataclass

from controllers.job_controller import JobController, JobView
from models.profile import ProfileMode
from services import datasources, jobs, reports
from services.context import ServiceContext
from services.errors import JobNotFound
from services.reports import ReportOverview, ReportPage

#: The files of a run offered for download, by kind, in the order they are offered.
DOWNLOADED_KINDS = ("csv", "ddl", "log", "html")
_KIND_LABELS = {
    "csv": "Column statistics (CSV)",
    "ddl": "Schema DDL (SQL)",
    "log": "Process log",
    "html": "Report page (HTML)",
}


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One line of the runs table."""

    run: str
    when: str
    datasource: str
    tables: int
    columns: int
    size_kb: float


@dataclass(frozen=True, slots=True)
class FileRow:
    """One file of a run folder."""

    name: str  # its path inside the run folder
    kind: str  # html, csv, ddl, log or other
    size_kb: float


@dataclass(frozen=True, slots=True)
class ReportDownload:
    """One file of a run the page offers for download."""

    name: str  # its path inside the run folder, as the run lists it
    label: str
    file_name: str
    mime: str


@dataclass(frozen=True, slots=True)
class ProfileRequest:
    """The profile form's values as the widgets return them (blank means "not given")."""

    datasource: str
    mode: str = ProfileMode.DEEP.value
    schema: str = ""
    tables: tuple[str, ...] = ()


class ReportController:
    """Everything the Reports page does, as calls on the shared service context."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.jobs = JobController(ctx)

    def rows(self) -> list[ReportRow]:
        """Every run folder, newest first, with what it profiled."""
        rows = []
        for run in reports.list_report_runs(self.ctx):
            overview = reports.report_overview(self.ctx, run)
            rows.append(
                ReportRow(
                    run=run.id,
                    when=run.started_at.strftime("%Y-%m-%d %H:%M"),
                    datasource=overview.datasource,
                    tables=len(overview.tables),
                    columns=overview.columns,
                    size_kb=round(run.total_size / 1024, 1),
                )
            )
        return rows

    def overview(self, run_id: str) -> ReportOverview:
        """The datasource, tables and column count of one run.

        Raises:
            ReportRunNotFound: no such run.
        """
        return reports.report_overview(self.ctx, reports.get_report_run(self.ctx, run_id))

    def files(self, run_id: str) -> list[FileRow]:
        """Every file of the run folder, by path.

        Raises:
            ReportRunNotFound: no such run.
        """
        return [
            FileRow(file.name, file.kind, round(file.size / 1024, 1))
            for file in reports.get_report_run(self.ctx, run_id).files
        ]

    def downloads(self, run_id: str) -> list[ReportDownload]:
        """The run's CSV, DDL, log and HTML, those it has, in that order.

        Raises:
            ReportRunNotFound: no such run.
        """
        files = reports.get_report_run(self.ctx, run_id).files
        offered = [file for file in files if file.kind in DOWNLOADED_KINDS]
        offered.sort(key=lambda file: DOWNLOADED_KINDS.index(file.kind))
        return [
            ReportDownload(
                name=file.name,
                label=_KIND_LABELS[file.kind],
                # The run's id in the name: two runs' files never overwrite each other.
                file_name=f"{run_id}_{file.path.name}",
                mime=file.media_type,
            )
            for file in offered
        ]

    def file_bytes(self, run_id: str, name: str) -> bytes:
        """The content of one of the run's files, as written (the CSV keeps its BOM).

        Raises:
            ReportRunNotFound, ReportFileNotFound: the run, or that file of it, is gone.
        """
        return reports.report_file(self.ctx, run_id, name).path.read_bytes()

    def page(self, run_id: str) -> ReportPage:
        """The run's self-contained report page, and whether it is masked.

        Raises:
            ReportRunNotFound, ReportFileNotFound: the run, or its page, is gone.
        """
        return reports.report_page(self.ctx, run_id)

    def datasource_names(self) -> list[str]:
        """Datasources that can be profiled, by name."""
        return [datasource.name for datasource in datasources.list_datasources(self.ctx)]

    def table_names(self, datasource: str, schema: str = "") -> list[str]:
        """Tables of the datasource's schema (its default when blank), by name.

        Raises:
            DatasourceNotFound, ConnectionFailed, SchemaNotFound.
        """
        found = datasources.list_tables(self.ctx, datasource, schema=schema.strip() or None)
        return [table.name for table in found]

    def modes(self) -> list[str]:
        """The profile modes, deepest first (the default)."""
        return [ProfileMode.DEEP.value, ProfileMode.BASIC.value]

    def start_profile(self, request: ProfileRequest) -> str:
        """Queue a profile of the datasource (a runner runs it); the job's id.

        Raises:
            DatasourceNotFound; InvalidInput: a bad mode or table list.
        """
        options: dict[str, object] = {"mode": request.mode, "tables": list(request.tables)}
        if request.schema.strip():
            options["schema"] = request.schema.strip()
        return self.jobs.start("profile", request.datasource, options)

    def job_to_follow(self, job_id: str | None) -> str | None:
        """The profile job the page follows: `job_id` (from the page's address) when it is a
        profile job, else the newest profile job still active."""
        if job_id:
            try:
                job = jobs.get_job(self.ctx, job_id)
            except JobNotFound:
                job = None  # an address kept from a store that no longer has it
            if job is not None and str(job.kind) == "profile":
                return str(job.id)
        active = self.jobs.active("profile")
        return active[0].id if active else None

    def job(self, job_id: str) -> JobView:
        """The profile job as the page draws it.

        Raises:
            JobNotFound: no job has that id.
        """
        return self.jobs.view(job_id)


def new_report(job: JobView) -> str | None:
    """The run folder a profile job wrote, once it has succeeded."""
    if job.status != "succeeded":
        return None
    report = job.summary.get("report")
    return str(report) if report else None
