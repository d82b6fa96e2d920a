"""What each kind of job runs: a pipeline, one config's migration, a datasource's profile.

A kind registers itself with `job_kind`; the queue and the runner know no kind by name. The
services each kind calls are imported on use: listing or queueing jobs loads no engine.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from models.job import Job, JobKind
from models.migration_run import MigrationResult
from models.pipeline import PipelineRun
from models.profile import ProfileMode
from models.status import RunStatus
from protocols.progress import ProgressSink, StopCheck
from services.context import ServiceContext
from services.errors import ConfigNotFound, InvalidInput, MigrationFailed
from services.jobs.options import JobOptions
from utils.ids import as_uuid


@dataclass(frozen=True, slots=True)
class JobCall:
    """What the runner hands a kind: where progress goes and when to stop."""

    progress: ProgressSink
    stop: StopCheck


@dataclass(slots=True)
class JobOutcome:
    """How a job's work ended (a cancel raises RunCancelled instead)."""

    status: RunStatus
    summary: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    run_id: uuid.UUID | None = None  # its run record in the run history, when it made one


@dataclass(frozen=True, slots=True)
class KindSpec:
    """One kind of job: how a submission names its target, and how it runs."""

    kind: JobKind
    target_param: str  # "pipeline_id", "config_id", "datasource_id"
    resolve: Callable[[ServiceContext, str], tuple[uuid.UUID, str]]  # key → (id, name)
    run: Callable[[ServiceContext, Job, JobOptions, JobCall], JobOutcome]
    #: Events whose subject is this name are the job's own (a pipeline's), not a step's.
    own_subject: bool = False


_KINDS: dict[JobKind, KindSpec] = {}


def job_kind(spec: KindSpec) -> KindSpec:
    """Register a kind of job (once per kind)."""
    if spec.kind in _KINDS:
        raise ValueError(f"job kind {spec.kind} is registered twice")
    _KINDS[spec.kind] = spec
    return spec


def kind_spec(kind: JobKind | str) -> KindSpec:
    """The registered kind, or InvalidInput naming the kinds there are."""
    try:
        return _KINDS[JobKind(kind)]
    except (ValueError, KeyError):
        known = ", ".join(sorted(k.value for k in _KINDS))
        raise InvalidInput(
            f"Unknown kind of job {kind!r} (kinds: {known}).", field="kind"
        ) from None


# --- pipelines ----------------------------------------------------------------------------------


def _resolve_pipeline(ctx: ServiceContext, key: str) -> tuple[uuid.UUID, str]:
    from services.pipelines import get_pipeline

    pipeline = get_pipeline(ctx, key).pipeline
    return pipeline.id, pipeline.name


def _run_pipeline(ctx: ServiceContext, job: Job, options: JobOptions, call: JobCall) -> JobOutcome:
    from services.pipelines import run_pipeline

    run = run_pipeline(
        ctx,
        job.params["pipeline_id"],
        options=options.migration(),
        max_workers=options.max_workers,
        progress=call.progress,
        stop=call.stop,
        run_id=as_uuid(job.params.get("run_id")),
    )
    return JobOutcome(run.status, pipeline_summary(run), run.error, run.id)


def pipeline_summary(run: PipelineRun) -> dict[str, Any]:
    """What a pipeline job reports at its end: per step, counts and the reconciliation's word."""
    steps = {
        name: {
            "status": step.status,
            "rows_read": step.rows_read,
            "rows_loaded": step.rows_loaded,
            "rows_rejected": step.rows_rejected,
            "seconds": step.seconds,
            "rows_per_second": step.rows_per_second,
            "reconciled": _reconciled(step.reconciliation),
            **({"error": step.error} if step.error else {}),
        }
        for name, step in run.steps().items()
    }
    totals = {
        key: sum(step[key] for step in steps.values())
        for key in ("rows_read", "rows_loaded", "rows_rejected")
    }
    return {"pipeline_run_id": str(run.id), "steps": steps, **totals}


job_kind(KindSpec(JobKind.PIPELINE, "pipeline_id", _resolve_pipeline, _run_pipeline, True))


# --- one config's migration ---------------------------------------------------------------------


def _resolve_config(ctx: ServiceContext, key: str) -> tuple[uuid.UUID, str]:
    from services.mapping import find_config

    with ctx.uow() as uow:
        record = find_config(uow, key)
    if record is None or record.deleted_at is not None:
        raise ConfigNotFound(key)
    return record.id, record.name


def _run_migration(ctx: ServiceContext, job: Job, options: JobOptions, call: JobCall) -> JobOutcome:
    from services.migration import run_migration

    try:
        result = run_migration(
            ctx, job.params["config_id"], options=options.migration(), progress=call.progress,
            stop=call.stop,
        )  # fmt: skip
    except MigrationFailed as error:
        if error.result is None:
            raise
        summary = migration_summary(error.result)
        return JobOutcome(RunStatus.FAILED, summary, error.message, _recorded(error.result))
    return JobOutcome(result.status, migration_summary(result), result.error, _recorded(result))


def migration_summary(result: MigrationResult) -> dict[str, Any]:
    """What a migration job reports at its end: counts, timing, the reconciliation's verdict;
    a test run's also its report (the masked preview rows, the would-be rejects grouped),
    since a test leaves nothing else behind to show."""
    summary = {
        "rows_read": result.rows_read,
        "rows_loaded": result.rows_loaded,
        "rows_rejected": result.rows_rejected,
        "batches": result.batches,
        "seconds": round(result.seconds, 3),
        "rows_per_second": round(result.rows_per_second, 1),
        "resumed_from": result.resumed_from,
        "test": result.test,
        "reconciled": _reconciled(
            result.reconciliation.to_dict() if result.reconciliation else None
        ),
    }
    if result.test:
        from services.migration import summarize_test_run

        summary["test_report"] = summarize_test_run(result).to_json()
    return summary


def _recorded(result: MigrationResult) -> uuid.UUID | None:
    # A test run leaves no entry in the run history.
    return None if result.test else result.run_id


def _reconciled(reconciliation: dict[str, Any] | None) -> dict[str, Any] | None:
    # The verdict and the counts; never the per-column sums (a one-row sum is the value).
    if not reconciliation:
        return None
    columns = reconciliation.get("columns", [])
    return {
        "ok": reconciliation.get("ok"),
        "source_rows": reconciliation.get("source_rows"),
        "rows_loaded": reconciliation.get("rows_loaded"),
        "rows_rejected": reconciliation.get("rows_rejected"),
        "columns_checked": len(columns),
        "columns_mismatched": sorted({c["column"] for c in columns if not c.get("matches")}),
    }


job_kind(KindSpec(JobKind.MIGRATION, "config_id", _resolve_config, _run_migration))


# --- a datasource's profile ---------------------------------------------------------------------


def _resolve_datasource(ctx: ServiceContext, key: str) -> tuple[uuid.UUID, str]:
    from services.datasources import get_datasource

    datasource = get_datasource(ctx, key)
    return datasource.id, datasource.name


def _run_profile(ctx: ServiceContext, job: Job, options: JobOptions, call: JobCall) -> JobOutcome:
    from services.profiling import analyze_datasource

    result = analyze_datasource(
        ctx,
        job.params["datasource_id"],
        out_dir=ctx.settings.reports_dir,
        tables=list(options.tables) or None,
        schema=options.schema,
        mode=ProfileMode(options.mode),
        progress=call.progress,
    )
    failed = [table.name for table in result.profile.tables if table.error is not None]
    summary = {
        "report": result.paths.run_dir.name,
        "tables": len(result.profile.tables),
        "tables_failed": failed,
    }
    error = f"{len(failed)} tables could not be profiled: {', '.join(failed)}" if failed else None
    return JobOutcome(RunStatus.SUCCEEDED, summary, error)


job_kind(KindSpec(JobKind.PROFILE, "datasource_id", _resolve_datasource, _run_profile))
