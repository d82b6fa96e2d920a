"""Build JSON:API documents (https://jsonapi.org/format/) from what services return."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel

MEDIA_TYPE = "application/vnd.api+json"


class JsonApiResponse(JSONResponse):
    """A JSON response labelled with the JSON:API media type."""

    media_type = MEDIA_TYPE


def resource(type_: str, id_: str | uuid.UUID, attributes: Mapping[str, Any]) -> dict[str, Any]:
    """One resource object: `{"type", "id", "attributes"}` (JSON:API ids are strings).

    Args:
        type_: the resource type, plural and dashed ("datasources", "connection-tests").
        id_: its identifier.
        attributes: everything else; must not contain "id" or "type" (JSON:API forbids it).
    """
    return {"type": type_, "id": str(id_), "attributes": dict(attributes)}


def model_resource(type_: str, model: BaseModel) -> dict[str, Any]:
    """A resource object from a schema that has an `id` field; the id leaves the attributes."""
    attributes = model.model_dump(mode="json", by_alias=True, exclude={"id"})
    return resource(type_, model.id, attributes)  # type: ignore[attr-defined]


def document(data: dict[str, Any]) -> dict[str, Any]:
    """A top-level document holding one resource object."""
    return {"data": data}


def collection(data: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """A top-level document holding a list of resource objects."""
    return {"data": list(data)}


def error_object(
    status: int,
    code: str,
    detail: str,
    *,
    pointer: str | None = None,
    parameter: str | None = None,
) -> dict[str, Any]:
    """One JSON:API error object.

    Args:
        status: the HTTP status; written as a string, as JSON:API asks.
        code: a stable machine-readable code ("datasource_not_found").
        detail: the one-line message for a person.
        pointer: JSON pointer to the request-body member at fault ("/data/attributes/port").
        parameter: name of the query or path parameter at fault.
    """
    error: dict[str, Any] = {
        "status": str(status),
        "code": code,
        "title": HTTPStatus(status).phrase,
        "detail": detail,
    }
    if pointer is not None:
        error["source"] = {"pointer": pointer}
    elif parameter is not None:
        error["source"] = {"parameter": parameter}
    return error


def error_response(
    status: int, errors: list[dict[str, Any]], headers: Mapping[str, str] | None = None
) -> JsonApiResponse:
    """A response carrying `{"errors": [...]}` with the given status."""
    return JsonApiResponse({"errors": errors}, status_code=status, headers=headers)


def attribute_pointer(field: str) -> str:
    """The JSON pointer of a resource attribute in a request document."""
    return f"/data/attributes/{escape_pointer_token(field)}"


def escape_pointer_token(token: str) -> str:
    """Escape one JSON pointer reference token (RFC 6901: "~" then "/")."""
    return token.replace("~", "~0").replace("/", "~1")
