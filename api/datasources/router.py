"""HTTP routes of the datasources resource; each parses, calls one service, presents.

Routes are plain `def`: the services block on databases, so FastAPI runs them in its threadpool.
Each route's return annotation is its response model, so /openapi.json documents every body.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.base.collection import CollectionQueryDep, present_page
from api.base.dependencies import CtxDep
from api.base.documents import CollectionOut, DocumentIn, DocumentOut, error_responses
from api.base.resource import present, present_many
from api.datasources.schemas import (
    ConnectionTestOut,
    DatasourceCreate,
    DatasourceOut,
    DatasourceUpdate,
    SchemaOut,
    TableDetailOut,
    TableOut,
)
from services import datasources

router = APIRouter(prefix="/datasources", tags=["datasources"])

_LOCATION = {
    "Location": {"description": "URL of the new datasource.", "schema": {"type": "string"}}
}
# What reaching the datasource's own server can add: it is not there, or it refused us.
_DISCOVERY_ERRORS = error_responses(404, 502)


@router.get("", responses=error_responses(400))
def list_datasources(
    ctx: CtxDep, query: CollectionQueryDep, request: Request
) -> CollectionOut[DatasourceOut]:
    """The datasources, by name unless `sort` says otherwise; paged, filterable."""
    items = ((ds.id, ds) for ds in datasources.list_datasources(ctx))
    return present_page(DatasourceOut, items, query, request, default_sort=("name",))


@router.post("", status_code=201, responses={201: {"headers": _LOCATION}} | error_responses(409))
def create_datasource(
    body: DocumentIn[DatasourceCreate], ctx: CtxDep, request: Request, response: Response
) -> DocumentOut[DatasourceOut]:
    """Register a datasource; its password is stored encrypted and never shown again."""
    attributes = body.data.attributes.model_dump(by_alias=True)  # `schema`, as the service names it
    datasource = datasources.create_datasource(ctx, **attributes)
    response.headers["Location"] = str(request.url_for("get_datasource", key=str(datasource.id)))
    return present(DatasourceOut, datasource.id, datasource)


@router.get("/{key}", responses=error_responses(404))
def get_datasource(key: str, ctx: CtxDep) -> DocumentOut[DatasourceOut]:
    """One datasource, by name or id."""
    datasource = datasources.get_datasource(ctx, key)
    return present(DatasourceOut, datasource.id, datasource)


@router.patch("/{key}", responses=error_responses(404, 409))
def update_datasource(
    key: str, body: DocumentIn[DatasourceUpdate], ctx: CtxDep
) -> DocumentOut[DatasourceOut]:
    """Change the attributes sent; `password` absent keeps it, `null` removes it."""
    attributes = body.data.attributes
    password = (
        attributes.password if "password" in attributes.model_fields_set else datasources.KEEP
    )
    datasource = datasources.update_datasource(ctx, key, password=password, **attributes.changes())
    return present(DatasourceOut, datasource.id, datasource)


@router.delete("/{key}", status_code=204, responses=error_responses(404, 409))
def delete_datasource(key: str, ctx: CtxDep, force: bool = False) -> Response:
    """Remove a datasource; refused (409) while configs or pipelines use it, unless `force`."""
    datasources.delete_datasource(ctx, key, force=force)
    return Response(status_code=204)


@router.post("/{key}/test", responses=_DISCOVERY_ERRORS)
def run_connection_test(key: str, ctx: CtxDep) -> DocumentOut[ConnectionTestOut]:
    """Connect to the datasource; a failure answers 502 with the reason's own code."""
    # The result carries no id: the lookup gives the document its id (and a 404 before dialing).
    datasource = datasources.get_datasource(ctx, key)
    result = datasources.test_datasource(ctx, datasource.id)
    attributes = ConnectionTestOut(
        server_version=result.server_version, elapsed_ms=round(result.elapsed_ms, 1)
    )
    return present(ConnectionTestOut, datasource.id, attributes)


@router.get("/{key}/schemas", responses=_DISCOVERY_ERRORS)
def list_schemas(key: str, ctx: CtxDep) -> CollectionOut[SchemaOut]:
    """The user schemas of the datasource's database."""
    names = datasources.list_schemas(ctx, key)
    return present_many(SchemaOut, ((name, {"name": name}) for name in names))


@router.get("/{key}/tables", responses=_DISCOVERY_ERRORS)
def list_tables(key: str, ctx: CtxDep, schema: str | None = None) -> CollectionOut[TableOut]:
    """Tables of one schema (the datasource's default when not given), with row estimates."""
    tables = datasources.list_tables(ctx, key, schema=schema)
    return present_many(TableOut, ((_table_id(t.schema, t.name), t) for t in tables))


@router.get("/{key}/tables/{table}", responses=_DISCOVERY_ERRORS)
def describe_table(
    key: str, table: str, ctx: CtxDep, schema: str | None = None
) -> DocumentOut[TableDetailOut]:
    """Columns, primary key, indexes and foreign keys of one table."""
    detail = datasources.describe_table(ctx, key, table, schema=schema)
    return present(TableDetailOut, _table_id(detail.schema, detail.name), detail)


def _table_id(schema: str | None, name: str) -> str:
    return f"{schema}.{name}" if schema else name
