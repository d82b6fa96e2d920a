"""/openapi.json documents every body: each route's success and its JSON:API errors."""

from __future__ import annotations

from typing import Any

import pytest

from api.base.documents import FILE_DOWNLOAD, MEDIA_TYPE
from api.main import create_app

ERROR_SCHEMA = "#/components/schemas/ErrorDocument"
# 204 No Content has no body to document.
BODILESS = {"204"}
# A file download (a profile report) is documented as bytes, one entry per media type.
FILE = {"type": "string", "format": "binary"}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    # No context needed: the schema is built from the routes, without running the lifespan.
    return create_app().openapi()


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
    ]


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def test_every_route_documents_a_success_body(spec: dict[str, Any]) -> None:
    undocumented = []
    for method, path, operation in operations(spec):
        successes = {code: r for code, r in operation["responses"].items() if code.startswith("2")}
        if not successes:
            undocumented.append(f"{method} {path}: no 2xx response")
        for code, response in successes.items():
            if code in BODILESS or response.get(FILE_DOWNLOAD):
                continue
            content = response.get("content", {})
            schemas = [resolve(spec, media["schema"]) for media in content.values()]
            if not schemas or not all(
                schema.get("properties") or schema == FILE for schema in schemas
            ):
                undocumented.append(f"{method} {path}: {code} has no body schema")

    assert undocumented == []
    assert len(operations(spec)) >= 10  # /health and the datasources routes, at least


def test_api_routes_answer_json_api_documents_and_error_documents(spec: dict[str, Any]) -> None:
    api_operations = [op for op in operations(spec) if op[1].startswith("/api/v1/")]
    problems = []
    for method, path, operation in api_operations:
        responses = operation["responses"]
        for code in ("401", "413", "422", "500"):
            if code not in responses:
                problems.append(f"{method} {path}: {code} not declared")
        for code, response in responses.items():
            if code in BODILESS or response.get(FILE_DOWNLOAD):
                continue
            content = response.get("content", {})
            if code[0] == "2" and content and all(m["schema"] == FILE for m in content.values()):
                continue  # a file, in its own media type
            if list(content) != [MEDIA_TYPE]:
                problems.append(f"{method} {path}: {code} is {list(content)}")
            elif code[0] in "45" and content[MEDIA_TYPE]["schema"] != {"$ref": ERROR_SCHEMA}:
                problems.append(f"{method} {path}: {code} is not the error document")

    assert api_operations
    assert problems == []
    # FastAPI's own 422 shape is never sent, so it must not be documented either.
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_error_document_and_request_type_are_spelled_out(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    error = resolve(spec, schemas["ErrorDocument"]["properties"]["errors"]["items"])
    create = spec["paths"]["/api/v1/datasources"]["post"]
    body = resolve(spec, create["requestBody"]["content"]["application/json"]["schema"])
    data = resolve(spec, body["properties"]["data"])

    assert set(error["required"]) == {"status", "code", "title", "detail"}
    assert "source" in error["properties"]
    assert data["properties"]["type"]["const"] == "datasources"
    assert resolve(spec, data["properties"]["attributes"])["title"] == "DatasourceCreate"
