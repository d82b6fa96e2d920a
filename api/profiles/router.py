"""HTTP routes of the profiles resource: the report folders of profile runs, read-only."""

from __future__ import annotations

from pathlib import PurePosixPath

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse

from api.base.collection import CollectionQueryDep, present_page
from api.base.dependencies import CtxDep
from api.base.documents import CollectionOut, DocumentOut, download_responses, error_responses
from api.base.resource import present
from api.profiles.schemas import ProfileOut
from services import reports

router = APIRouter(prefix="/profiles", tags=["profiles"])

_MEDIA_TYPES = {
    "text/html": "the report",
    "text/csv": "column statistics",
    "application/sql": "the DDL",
    "text/plain": "the run log",
    "application/octet-stream": "another file of the run",
}


@router.get("", responses=error_responses(400))
def list_profiles(
    ctx: CtxDep, query: CollectionQueryDep, request: Request
) -> CollectionOut[ProfileOut]:
    """The profile runs, newest first unless `sort` says otherwise; paged."""
    items = ((run.id, run) for run in reports.list_report_runs(ctx))
    # No default sort: the service's order is newest first, "_10" after "_9" included.
    return present_page(ProfileOut, items, query, request)


@router.get("/{run_id}", responses=error_responses(404))
def get_profile(run_id: str, ctx: CtxDep) -> DocumentOut[ProfileOut]:
    """One profile run and its files (name, kind, size)."""
    run = reports.get_report_run(ctx, run_id)
    return present(ProfileOut, run.id, run)


@router.get(
    "/{run_id}/files/{name:path}",
    response_class=Response,
    responses=download_responses("The file, as an attachment.", _MEDIA_TYPES, 404),
)
def download_profile_file(run_id: str, name: str, ctx: CtxDep) -> FileResponse:
    """Download one file of a run, by the name its listing gives; any other name is a 404."""
    file = reports.report_file(ctx, run_id, name)
    return FileResponse(
        file.path,
        media_type=file.media_type,
        filename=PurePosixPath(file.name).name,
        # A report holds patient data: never sniffed into something else, never cached.
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"},
    )
