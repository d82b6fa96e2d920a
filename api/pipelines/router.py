"""HTTP routes of the pipelines resource; each parses, calls one service, presents.

A pipeline's steps (nodes), dependencies (edges) and configs are its relationships, and
`?include=nodes,edges,configs` brings them in the same document.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from api.base.collection import CollectionQueryDep, present_page
from api.base.dependencies import CtxDep
from api.base.documents import (
    CollectionOut,
    DocumentIn,
    DocumentOut,
    IncludedResource,
    Relationship,
    error_responses,
    parse_include,
)
from api.base.resource import included_resource, present, to_many
from api.pipelines.schemas import (
    CONFIG_TYPE,
    EDGE_TYPE,
    NODE_TYPE,
    PipelineConfigOut,
    PipelineCreate,
    PipelineEdgeOut,
    PipelineNodeOut,
    PipelineOut,
    StepIn,
)
from services import pipelines
from services.errors import InvalidInput
from services.pipelines import PipelineView, StepSpec

router = APIRouter(prefix="/pipelines", tags=["pipelines"])

INCLUDABLE = ("nodes", "edges", "configs")
_LOCATION = {"Location": {"description": "URL of the new pipeline.", "schema": {"type": "string"}}}

IncludeQuery = Annotated[
    str | None,
    Query(
        max_length=200,
        description="Related resources to put in `included`: nodes, edges, configs.",
        examples=["nodes,edges,configs"],
    ),
]


@router.get("", responses=error_responses(400))
def list_pipelines(
    ctx: CtxDep, query: CollectionQueryDep, request: Request
) -> CollectionOut[PipelineOut]:
    """The pipelines, by name unless `sort` says otherwise; paged, filterable."""
    items = ((view.pipeline.id, _attributes(view)) for view in pipelines.list_pipelines(ctx))
    return present_page(PipelineOut, items, query, request, default_sort=("name",))


@router.post(
    "", status_code=201, responses={201: {"headers": _LOCATION}} | error_responses(404, 409)
)
def create_pipeline(
    body: DocumentIn[PipelineCreate], ctx: CtxDep, request: Request, response: Response
) -> DocumentOut[PipelineOut]:
    """Define a pipeline; it is refused whole (422) for a cycle, an unknown dependency or
    setting, 404 for a config that does not exist, 409 for a name already taken."""
    attributes = body.data.attributes
    steps = [
        StepSpec(step.name, step.config, list(step.depends_on), dict(step.settings))
        for step in attributes.steps
    ]
    try:
        view = pipelines.create_pipeline(
            ctx, attributes.name, steps, description=attributes.description
        )
    except InvalidInput as error:
        error.field = _body_field(error.field, attributes.steps)
        raise
    key = str(view.pipeline.id)
    response.headers["Location"] = str(request.url_for("get_pipeline", key=key))
    return present(PipelineOut, key, _attributes(view), relationships=_relationships(view))


@router.get("/{key}", responses=error_responses(400, 404))
def get_pipeline(key: str, ctx: CtxDep, include: IncludeQuery = None) -> DocumentOut[PipelineOut]:
    """One pipeline, by name or id, with its steps, dependencies and configs as relationships;
    `include` puts those resources in `included`."""
    wanted = parse_include(include, INCLUDABLE)  # before the lookup: a bad query is a 400
    view = pipelines.get_pipeline(ctx, key)
    return present(
        PipelineOut,
        view.pipeline.id,
        _attributes(view),
        relationships=_relationships(view),
        included=_included(view, wanted) if wanted else None,
    )


@router.delete("/{key}", status_code=204, responses=error_responses(404))
def delete_pipeline(key: str, ctx: CtxDep) -> Response:
    """Remove a pipeline and its steps; its runs stay, as the audit trail."""
    pipelines.delete_pipeline(ctx, key)
    return Response(status_code=204)


def _attributes(view: PipelineView) -> dict[str, Any]:
    pipeline = view.pipeline
    return {
        "name": pipeline.name,
        "description": pipeline.description,
        "step_count": len(view.nodes),
        "created_at": pipeline.created_at,
        "updated_at": pipeline.updated_at,
    }


def _relationships(view: PipelineView) -> dict[str, Relationship]:
    config_ids = dict.fromkeys(str(record.id) for record in _configs(view).values())
    return {
        "nodes": to_many(NODE_TYPE, (node.id for node in view.nodes)),
        "edges": to_many(EDGE_TYPE, (edge.id for edge in view.edges)),
        "configs": to_many(CONFIG_TYPE, config_ids),
    }


def _included(view: PipelineView, wanted: tuple[str, ...]) -> list[IncludedResource]:
    included: list[IncludedResource] = []
    names = {node.id: node.name for node in view.nodes}
    if "nodes" in wanted:
        dependencies = view.dependencies
        level_of = {node.name: n for n, level in enumerate(view.levels) for node in level}
        for node in view.nodes:
            attributes = {
                "name": node.name,
                "config_id": str(node.config_id) if node.config_id else None,
                "config_name": view.config_names.get(node.name),
                "depends_on": dependencies.get(node.name, []),
                "level": level_of[node.name],
                "settings": node.settings,
                "position_x": node.position_x,
                "position_y": node.position_y,
            }
            included.append(included_resource(PipelineNodeOut, node.id, attributes))
    if "edges" in wanted:
        for edge in view.edges:
            attributes = {
                "source": names[edge.source_node_id],
                "target": names[edge.target_node_id],
                "source_node_id": str(edge.source_node_id),
                "target_node_id": str(edge.target_node_id),
            }
            included.append(included_resource(PipelineEdgeOut, edge.id, attributes))
    if "configs" in wanted:
        for record in _configs(view).values():
            included.append(included_resource(PipelineConfigOut, record.id, record))
    return included


def _configs(view: PipelineView) -> dict[str, Any]:
    # Two steps may run one config: it is one related resource, listed once, by step order.
    by_id = {}
    for node in view.nodes:
        record = view.configs.get(node.name)
        if record is not None:
            by_id.setdefault(str(record.id), record)
    return by_id


def _body_field(field: str | None, steps: list[StepIn]) -> str | None:
    """A service's field, naming a step by its place in the request body instead.

    The service names a step by its name ("steps.visits.depends_on"); the error's JSON
    pointer must name it by its index ("/data/attributes/steps/1/depends_on").
    """
    if field is None or not field.startswith("steps."):
        return field
    index = {step.name.strip(): n for n, step in enumerate(steps)}
    if field == "steps.depends_on":  # a cycle: point at the first step on it
        parents = {step.name.strip(): [d.strip() for d in step.depends_on] for step in steps}
        cycle = pipelines.find_cycle(parents)
        if cycle and cycle[0] in index:
            return f"steps.{index[cycle[0]]}.depends_on"
    rest = field.removeprefix("steps.")
    # Step names may hold dots: the longest name that starts the rest is the step.
    for name in sorted(index, key=len, reverse=True):
        if rest == name or rest.startswith(name + "."):
            member = rest[len(name) + 1 :]
            if member and member != "depends_on":
                member = f"settings.{member}"  # a setting: the body nests them
            return ".".join(part for part in ("steps", str(index[name]), member) if part)
    return "steps"
