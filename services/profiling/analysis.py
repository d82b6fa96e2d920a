"""The analysis use case: profile a datasource and write its report run folder."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from models.profile import DatabaseProfile, ProfileMode
from models.profile_settings import SamplingSettings
from models.progress import ProgressEvent, ProgressKind
from protocols.progress import ProgressSink, ignore_progress
from services.context import ServiceContext
from services.errors import InvalidConfig
from services.privacy import mask_profile
from services.profiling.ddl import export_ddl
from services.profiling.profiler import SamplePlan, profile_datasource
from services.reports import ReportPaths, write_report
from utils.text import first_problem

log = logging.getLogger(__name__)


@dataclass
class RunLog:
    """Lines for the report's process.log, also sent to the application log.

    Only table names, counts, timings and one-line reasons go here: never a value.
    """

    lines: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    def write(self, message: str) -> None:
        """Record one line, stamped with the seconds since the run began."""
        self.lines.append(f"[{time.perf_counter() - self.started:8.2f}s] {message}")
        log.info(message)


@dataclass(frozen=True)
class AnalysisResult:
    """What an analysis run produced."""

    profile: DatabaseProfile
    paths: ReportPaths


def analyze_datasource(
    ctx: ServiceContext,
    datasource: str | uuid.UUID,
    *,
    out_dir: Path,
    tables: Sequence[str] | None = None,
    schema: str | None = None,
    mode: ProfileMode = ProfileMode.DEEP,
    mask: bool = True,
    sampling: SamplingSettings | None = None,
    sample: SamplePlan | None = None,
    progress: ProgressSink = ignore_progress,
) -> AnalysisResult:
    """Profile a datasource, export its DDL and write `out_dir/YYYYMMDD_HHMM/`.

    Personal identifiers (citizen IDs, names, HN, phones, addresses) in sample and top values
    are masked unless `mask=False`.

    Raises:
        DatasourceNotFound, ConnectionFailed, SchemaNotFound, TableNotFound: before any work.
    """
    run_log = RunLog()
    run_log.write(f"analysis of datasource {datasource} started ({mode.value} mode)")

    def relay(event: ProgressEvent) -> None:
        if event.kind is ProgressKind.FINISHED:
            run_log.write(f"table {event.subject} profiled ({event.done}/{event.total})")
        elif event.kind is ProgressKind.FAILED:
            run_log.write(f"table {event.subject} FAILED: {event.message}")
        progress(event)

    profile = profile_datasource(
        ctx, datasource, tables=tables, schema=schema, mode=mode, sampling=sampling,
        sample=sample, progress=relay,
    )  # fmt: skip
    for table in profile.tables:
        if table.error is None:
            kind = f"sample of {table.sample_percent}%" if table.sampled else "all rows"
            run_log.write(
                f"{table.name}: {table.row_count:,} rows, {table.rows_profiled:,} profiled "
                f"({kind}), {table.column_count} columns, {table.elapsed_seconds:.2f}s"
            )
    if mask:
        profile = mask_profile(profile)
        masked = sum(column.masked for table in profile.tables for column in table.columns)
        run_log.write(f"identifier masking on: {masked} columns masked")
    else:
        run_log.write("identifier masking OFF: sample values are shown as stored")
    ddl = export_ddl(ctx, datasource, tables=[t.name for t in profile.tables], schema=schema)
    run_log.write(f"DDL exported for {len(profile.tables)} tables")
    run_log.write("analysis finished")
    paths = write_report(profile, out_dir=out_dir, ddl=ddl, log_lines=run_log.lines)
    return AnalysisResult(profile, paths)


def load_sampling_settings(path: Path) -> SamplingSettings:
    """The `sampling` block of an analyzer config.json (the Bash analyzer reads the same file).

    Raises:
        InvalidConfig: the file is missing, is not JSON, or its sampling block is malformed.
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidConfig(f"Config file {str(path)!r} does not exist.") from None
    except json.JSONDecodeError as error:
        raise InvalidConfig(
            f"Config file {str(path)!r} is not valid JSON (line {error.lineno}: {error.msg})."
        ) from None
    try:
        return SamplingSettings.model_validate(document.get("sampling") or {})
    except ValidationError as error:
        where, problem = first_problem(error.errors(), count_more=False)
        raise InvalidConfig(
            f"Config file {str(path)!r}: sampling.{where}: {problem}.", field=where
        ) from None
