"""HTTP routes of the pipeline-runs resource: every run record, pipelines' and single
migrations' alike, and the rejects a run filed; each parses, calls one service, presents."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request

from api.base.collection import CollectionQueryDep, page_of, present_page
from api.base.dependencies import CtxDep
from api.base.documents import CollectionMeta, CollectionOut, DocumentOut, error_responses
from api.base.resource import present, resource
from api.pipeline_runs.schemas import (
    PipelineRunOut,
    RejectGroupOut,
    RejectOut,
    RunRejectsMeta,
    RunRejectsOut,
)
from models.migration_run import RejectedRow
from services import migration, pipelines
from services.errors import InvalidQuery
from services.pipelines import RunView

if TYPE_CHECKING:
    from services.migration import RunRejects

router = APIRouter(prefix="/pipeline-runs", tags=["pipeline-runs"])


@router.get("", responses=error_responses(400))
def list_runs(
    ctx: CtxDep, query: CollectionQueryDep, request: Request
) -> CollectionOut[PipelineRunOut]:
    """Every run, newest first unless `sort` says otherwise; `filter[kind]=migration` keeps
    the single-config migrations, `filter[status]`, `filter[pipeline_name]` and the others
    filter on those attributes."""
    items = ((view.run.id, _attributes(view)) for view in pipelines.list_all_runs(ctx))
    return present_page(PipelineRunOut, items, query, request, default_sort=("-created_at",))


@router.get("/{run_id}", responses=error_responses(404))
def get_run(run_id: str, ctx: CtxDep) -> DocumentOut[PipelineRunOut]:
    """One run by id: its status, each step's outcome, counts, timings and reconciliation."""
    view = pipelines.get_run(ctx, run_id)
    return present(PipelineRunOut, view.run.id, _attributes(view))


@router.get("/{run_id}/rejects", responses=error_responses(400, 404, 502))
def list_run_rejects(
    run_id: str, ctx: CtxDep, query: CollectionQueryDep, request: Request
) -> RunRejectsOut:
    """The rejects the run filed, oldest first, a page at a time (`page[number]`,
    `page[size]`); `meta` counts all of them by step, column, stage and reason.

    Source keys and values that are identifiers come masked, as the CLI shows them.
    """
    if query.sort or query.filters:
        # They are read from each step's target a page at a time, in the order they were filed.
        parameter = "sort" if query.sort else f"filter[{next(iter(query.filters))}]"
        raise InvalidQuery(
            f"{parameter}: a run's rejects are paged only, oldest first.", parameter=parameter
        )
    found = migration.run_rejects(ctx, run_id, offset=query.offset, limit=query.size)
    rows = [
        resource(RejectOut, f"{item.step}:{item.reject.reject_id}", _reject(item.step, item.reject))
        for item in found.page
    ]
    page = page_of(RejectOut, rows, found.rejects, query, request)
    return RunRejectsOut(data=page.data, links=page.links, meta=_summary(page.meta, found))


def _attributes(view: RunView) -> dict[str, Any]:
    run = view.run
    steps = [
        {
            **{name: getattr(step, name) for name in _STEP_FIELDS},
            "name": name,
            "config_name": view.config_names.get(name),
            "reconciled": None if not step.reconciliation else bool(step.reconciliation.get("ok")),
        }
        for name, step in view.steps.items()
    ]
    checks = [step["reconciled"] for step in steps if step["reconciled"] is not None]
    seconds = None
    if run.started_at is not None and run.finished_at is not None:
        seconds = round((run.finished_at - run.started_at).total_seconds(), 3)
    return {
        "kind": view.kind,
        "status": str(run.status),
        "pipeline_name": view.pipeline_name,
        "pipeline_id": str(run.pipeline_id) if run.pipeline_id else None,
        "config_name": view.config_name,
        "created_at": run.created_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "seconds": seconds,
        "rows_read": sum(step["rows_read"] for step in steps),
        "rows_loaded": sum(step["rows_loaded"] for step in steps),
        "rows_rejected": sum(step["rows_rejected"] for step in steps),
        "reconciled": all(checks) if checks else None,
        "error": run.error,
        "resumed_run": run.summary.get("resumed_run"),
        "steps": steps,
    }


_STEP_FIELDS = (
    "config_id", "status", "depends_on", "rows_read", "rows_loaded", "rows_rejected", "seconds",
    "rows_per_second", "started_at", "finished_at", "error", "reconciliation", "kept_from_run",
)  # fmt: skip


def _reject(step: str, reject: RejectedRow) -> dict[str, Any]:
    # Read field by field: the clear source key (`key`) is never among them.
    return {
        "step": step,
        "reject_id": reject.reject_id,
        "reference": reject.reference,
        "batch": reject.batch,
        "row": reject.row,
        "key_columns": list(reject.key_columns),
        "source_key": reject.masked_key or None,
        "column": reject.column,
        "value": reject.value,
        "stage": reject.stage,
        "reason": reject.reason,
        "run_id": reject.run_id,
        "rejected_at": reject.rejected_at,
        "resolution": reject.resolution,
        "resolved_by": reject.resolved_by,
    }


def _summary(meta: CollectionMeta, found: RunRejects) -> RunRejectsMeta:
    groups = [RejectGroupOut.model_validate(group, from_attributes=True) for group in found.groups]
    return RunRejectsMeta(**meta.model_dump(), rows=found.rows, groups=groups)
