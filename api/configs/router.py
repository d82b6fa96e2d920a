"""HTTP routes of the configs resource; each parses, calls one service, presents.

A config is named in the URL by its name or its id: the `ConfigNameDep` dependency turns
either into the name the services take (deleted configs included, so they can be restored).
Routes are plain `def`: the services block on databases, so FastAPI runs them in its threadpool.
Each route's return annotation is its response model, so /openapi.json documents every body.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from api.base.collection import CollectionQueryDep, present_page
from api.base.dependencies import CtxDep
from api.base.documents import (
    CollectionOut,
    DocumentIn,
    DocumentOut,
    download_responses,
    error_responses,
)
from api.base.resource import present
from api.configs.schemas import (
    ConfigCreate,
    ConfigDiffOut,
    ConfigDraftCreate,
    ConfigDraftOut,
    ConfigOut,
    ConfigUpdate,
    ConfigVersionOut,
)
from services import mapping
from services.context import ServiceContext
from services.errors import InvalidConfig

router = APIRouter(prefix="/configs", tags=["configs"])

_LOCATION = {"Location": {"description": "URL of the new config.", "schema": {"type": "string"}}}
_MEDIA_TYPES = {"json": "application/json", "ts": "application/typescript"}
# A live check reaches the datasources' servers: they may be down (502).
_SAVE_ERRORS = error_responses(404, 409, 502)


CheckLive = Annotated[
    bool,
    Query(description="Check the config against its datasources' live schemas before saving."),
]
Summary = Annotated[str | None, Query(max_length=500, description="What changed, for history.")]
VersionNumber = Annotated[int, Path(ge=1, description="A saved version's number.")]


def config_name(
    key: Annotated[str, Path(description="The config's name or id.")], ctx: CtxDep
) -> str:
    """The name of the config the URL names by name or id (a 404 when there is none)."""
    return mapping.config_name(ctx, key)


ConfigNameDep = Annotated[str, Depends(config_name)]


@router.get("", responses=error_responses(400))
def list_configs(
    ctx: CtxDep, query: CollectionQueryDep, request: Request
) -> CollectionOut[ConfigOut]:
    """The configs at their latest version, by name; deleted ones with `filter[deleted]=true`."""
    include_deleted = "true" in query.filters.get("deleted", ())
    records = mapping.list_configs(ctx, include_deleted=include_deleted)
    items = ((record.id, _attributes(record)) for record in records)
    return present_page(ConfigOut, items, query, request, default_sort=("name",))


@router.post("", status_code=201, responses={201: {"headers": _LOCATION}} | _SAVE_ERRORS)
def create_config(
    body: DocumentIn[ConfigCreate],
    ctx: CtxDep,
    request: Request,
    response: Response,
    check_live: CheckLive = True,
    summary: Summary = None,
) -> DocumentOut[ConfigOut]:
    """Validate a new config and save it as v1; 409 when a config has that name."""
    content = body.data.attributes.content()
    saved = _checked(
        lambda: mapping.save_config(ctx, content, summary=summary, check_live=check_live, new=True)
    )
    document = _present_latest(ctx, saved.config_name)
    response.headers["Location"] = str(request.url_for("get_config", key=document.data.id))
    return document


@router.post("/new", responses=error_responses(404, 502))
def draft_config(body: DocumentIn[ConfigDraftCreate], ctx: CtxDep) -> DocumentOut[ConfigDraftOut]:
    """Draft a config from the live schemas (every source column mapped by name); not saved."""
    attributes = body.data.attributes
    draft = mapping.draft_config(
        ctx, attributes.name, source=attributes.source, target=attributes.target
    )
    return present(ConfigDraftOut, draft["name"], draft)


@router.get("/{key}", responses=error_responses(404))
def get_config(name: ConfigNameDep, ctx: CtxDep) -> DocumentOut[ConfigOut]:
    """One config at its latest version, by name or id; a deleted one is a 404."""
    return _present_latest(ctx, name)


@router.patch("/{key}", responses=_SAVE_ERRORS)
def update_config(
    name: ConfigNameDep,
    body: DocumentIn[ConfigUpdate],
    ctx: CtxDep,
    check_live: CheckLive = True,
    summary: Summary = None,
) -> DocumentOut[ConfigOut]:
    """Save the next version: the attributes sent replace the latest version's, whole."""
    changes = body.data.attributes.content()
    saved = _checked(
        lambda: mapping.update_config(ctx, name, changes, summary=summary, check_live=check_live)
    )
    return _present_latest(ctx, saved.config_name)


@router.delete("/{key}", status_code=204, responses=error_responses(404))
def delete_config(name: ConfigNameDep, ctx: CtxDep) -> Response:
    """Hide a config from lists and pipelines; its history is kept and `restore` undoes it."""
    mapping.delete_config(ctx, name)
    return Response(status_code=204)


@router.get("/{key}/histories", responses=error_responses(400, 404))
def list_versions(
    name: ConfigNameDep, ctx: CtxDep, query: CollectionQueryDep, request: Request
) -> CollectionOut[ConfigVersionOut]:
    """Every saved version of a config, newest first (kept after it is deleted); paged."""
    versions = mapping.list_versions(ctx, name)
    items = ((saved.id, saved) for saved in versions)
    return present_page(ConfigVersionOut, items, query, request, default_sort=("-version",))


@router.get("/{key}/versions/{version}", responses=error_responses(404))
def get_version(
    name: ConfigNameDep, version: VersionNumber, ctx: CtxDep
) -> DocumentOut[ConfigVersionOut]:
    """One saved version of a config, with its content as that version saved it."""
    saved = mapping.get_config_version(ctx, name, version)
    return present(ConfigVersionOut, saved.id, saved)


@router.get("/{key}/diff", responses=error_responses(404))
def compare_versions(
    name: ConfigNameDep,
    ctx: CtxDep,
    from_: Annotated[int, Query(alias="from", ge=1, description="The older version.")],
    to: Annotated[int, Query(ge=1, description="The newer version.")],
) -> DocumentOut[ConfigDiffOut]:
    """What changed between two versions: settings, and mappings matched by target column."""
    diff = mapping.compare_config_versions(ctx, name, from_, to)
    return present(ConfigDiffOut, f"{diff.name}:{from_}..{to}", diff)


@router.post("/{key}/rollback", responses=error_responses(404, 409))
def rollback_config(
    name: ConfigNameDep,
    ctx: CtxDep,
    version: Annotated[int, Query(ge=1, description="The version to go back to.")],
) -> DocumentOut[ConfigOut]:
    """Save an older version's content as the next version; nothing is erased."""
    saved = mapping.rollback_config(ctx, name, version)
    return _present_latest(ctx, saved.config_name)


@router.post("/{key}/restore", responses=error_responses(404, 409))
def restore_config(name: ConfigNameDep, ctx: CtxDep) -> DocumentOut[ConfigOut]:
    """Bring back a deleted config from its latest version (saved as the next one)."""
    saved = mapping.restore_config(ctx, name)
    return _present_latest(ctx, saved.config_name)


@router.get(
    "/{key}/export",
    response_class=Response,
    responses=download_responses(
        "The config as a file to download (not a JSON:API document).",
        {_MEDIA_TYPES["json"]: "the config, re-importable", _MEDIA_TYPES["ts"]: "a module"},
        404,
    ),
)
def export_config(
    name: ConfigNameDep,
    ctx: CtxDep,
    format: Annotated[
        Literal["json", "ts"], Query(description="json (re-importable) or ts (TypeScript).")
    ] = "json",
    version: Annotated[int | None, Query(ge=1, description="Default: the latest.")] = None,
) -> Response:
    """The config as a file: JSON naming its datasources, or a typed TypeScript module."""
    text = mapping.export_config(ctx, name, format=format, version=version)
    return Response(
        content=text,
        media_type=_MEDIA_TYPES[format],
        headers={"Content-Disposition": _attachment(name, format)},
    )


def _attributes(record: mapping.ConfigRecord) -> dict[str, Any]:
    """A config record as `ConfigOut` reads it: its content, beside its version and dates."""
    return {
        **record.content,
        "version": record.version,
        "deleted": record.deleted_at is not None,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


def _present_latest(ctx: ServiceContext, name: str) -> DocumentOut[ConfigOut]:
    # A save returns the version it wrote; the document shows the config it now belongs to.
    record = mapping.get_config_record(ctx, name)
    return present(ConfigOut, record.id, _attributes(record))


def _checked(save: Callable[[], mapping.ConfigVersion]) -> mapping.ConfigVersion:
    """`save()`, its errors worded for the API: the live check's problems on the one line an
    error detail keeps, and how to save anyway when a datasource cannot be reached."""
    try:
        return save()
    except mapping.LiveCheckUnavailable as error:
        error.message = f"{error.message.rstrip('.')}; send check_live=false to skip the check."
        raise
    except InvalidConfig as error:
        # The service lists one problem a line (the CLI prints them); a detail has one line.
        head, *problems = (line.strip() for line in error.message.splitlines())
        if problems:
            error.message = f"{head} {'; '.join(problems)}"
        raise


def _attachment(name: str, extension: str) -> str:
    """A Content-Disposition naming the file: ASCII for every client, UTF-8 for those that can."""
    # Headers are Latin-1: a Thai name travels percent-encoded, beside an ASCII stand-in.
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "config"
    utf8 = quote(f"{name}.{extension}", safe="")
    return f"attachment; filename=\"{stem}.{extension}\"; filename*=UTF-8''{utf8}"
