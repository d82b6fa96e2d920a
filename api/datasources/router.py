"""HTTP routes of the datasources resource; each parses, calls one service, presents.

Routes are plain `def`: the services block on databases, so FastAPI runs them in its threadpool.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request, Response

from api.base.dependencies import CtxDep
from api.base.json_api import collection, document, model_resource, resource
from api.datasources.schemas import (
    RESOURCE_TYPE,
    DatasourceCreateDocument,
    DatasourceOut,
    DatasourceUpdateDocument,
)
from models.datasource import Datasource
from services import datasources

router = APIRouter(prefix="/api/v1/datasources", tags=["datasources"])


@router.get("")
def list_datasources(ctx: CtxDep) -> dict[str, Any]:
    """Every datasource, by name."""
    return collection(_present(item) for item in datasources.list_datasources(ctx))


@router.post("", status_code=201)
def create_datasource(
    body: DatasourceCreateDocument, ctx: CtxDep, request: Request, response: Response
) -> dict[str, Any]:
    """Register a datasource; its password is stored encrypted and never shown again."""
    attributes = body.data.attributes.model_dump(by_alias=True)
    datasource = datasources.create_datasource(ctx, **attributes)
    response.headers["Location"] = str(request.url_for("get_datasource", key=str(datasource.id)))
    return document(_present(datasource))


@router.get("/{key}")
def get_datasource(key: str, ctx: CtxDep) -> dict[str, Any]:
    """One datasource, by name or id."""
    return document(_present(datasources.get_datasource(ctx, key)))


@router.patch("/{key}")
def update_datasource(key: str, body: DatasourceUpdateDocument, ctx: CtxDep) -> dict[str, Any]:
    """Change the attributes sent; `password` absent keeps it, `null` removes it."""
    attributes = body.data.attributes
    password = (
        attributes.password if "password" in attributes.model_fields_set else datasources.KEEP
    )
    datasource = datasources.update_datasource(ctx, key, password=password, **attributes.changes())
    return document(_present(datasource))


@router.delete("/{key}", status_code=204)
def delete_datasource(key: str, ctx: CtxDep) -> Response:
    """Remove a datasource."""
    datasources.delete_datasource(ctx, key)
    return Response(status_code=204)


@router.post("/{key}/test")
def run_connection_test(key: str, ctx: CtxDep) -> dict[str, Any]:
    """Connect to the datasource; a failure answers 502 with the reason's own code."""
    datasource = datasources.get_datasource(ctx, key)
    result = datasources.test_datasource(ctx, datasource.id)
    attributes = {
        "ok": True,
        "server_version": result.server_version,
        "elapsed_ms": round(result.elapsed_ms, 1),
    }
    return document(resource("connection-tests", datasource.id, attributes))


@router.get("/{key}/schemas")
def list_schemas(key: str, ctx: CtxDep) -> dict[str, Any]:
    """The user schemas of the datasource's database."""
    names = datasources.list_schemas(ctx, key)
    return collection(resource("schemas", name, {"name": name}) for name in names)


@router.get("/{key}/tables")
def list_tables(key: str, ctx: CtxDep, schema: str | None = None) -> dict[str, Any]:
    """Tables of one schema (the datasource's default when not given), with row estimates."""
    tables = datasources.list_tables(ctx, key, schema=schema)
    return collection(
        resource("tables", _table_id(table.schema, table.name), asdict(table)) for table in tables
    )


@router.get("/{key}/tables/{table}")
def describe_table(key: str, table: str, ctx: CtxDep, schema: str | None = None) -> dict[str, Any]:
    """Columns, primary key, indexes and foreign keys of one table."""
    detail = datasources.describe_table(ctx, key, table, schema=schema)
    return document(resource("tables", _table_id(detail.schema, detail.name), asdict(detail)))


def _present(datasource: Datasource) -> dict[str, Any]:
    return model_resource(RESOURCE_TYPE, DatasourceOut.model_validate(datasource))


def _table_id(schema: str | None, name: str) -> str:
    return f"{schema}.{name}" if schema else name
