"""JSON:API documents (https://jsonapi.org/format/) as generic pydantic models, once for all."""

from __future__ import annotations

import re
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any, ClassVar, Generic, TypeVar

from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, GetJsonSchemaHandler, field_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, to_json

from services.errors import InvalidQuery

MEDIA_TYPE = "application/vnd.api+json"


class JsonApiResponse(JSONResponse):
    """A JSON response labelled with the JSON:API media type."""

    media_type = MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        # pydantic's encoder (Rust) instead of json.dumps: the same JSON, several times faster
        # on a page of resources. UTF-8 as it is: Thai text is not escaped to \uXXXX.
        return to_json(content)


class Attributes(BaseModel):
    """Base of every attributes model: it names the resource type its documents carry.

    The type lives with the attributes so a request document is checked against it and a
    response document cannot pair one resource's attributes with another's type.
    """

    #: The JSON:API type, plural and dashed ("datasources", "connection-tests").
    resource_type: ClassVar[str]


AttributesT = TypeVar("AttributesT", bound=Attributes)


def _resource_type_of(model: type[BaseModel]) -> str | None:
    # A parametrised ResourceIn[X] / ResourceOut[X] knows X; the bare generic does not.
    attributes = model.model_fields["attributes"].annotation
    return getattr(attributes, "resource_type", None)


class _TypedResource(BaseModel):
    """The `type` member, checked against (and documented as) the attributes' resource type."""

    type: str

    @field_validator("type")
    @classmethod
    def _is_the_resource_type(cls, value: str) -> str:
        expected = _resource_type_of(cls)
        if expected is not None and value != expected:
            raise PydanticCustomError(
                "resource_type", "Input should be '{expected}'", {"expected": expected}
            )
        return value

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        # Without this, OpenAPI would say "any string" where only one value is accepted.
        json_schema = handler(core_schema)
        expected = _resource_type_of(cls)
        if expected is not None:
            handler.resolve_ref_schema(json_schema)["properties"]["type"]["const"] = expected
        return json_schema


class ResourceIn(_TypedResource, Generic[AttributesT]):
    """The resource object of a request: `{"type", "id"?, "attributes"}`."""

    id: str | None = Field(
        default=None, description="Optional and unused: the server assigns ids, the URL names them."
    )
    attributes: AttributesT


class DocumentIn(BaseModel, Generic[AttributesT]):
    """A request document: `{"data": {"type": ..., "attributes": {...}}}`."""

    data: ResourceIn[AttributesT]


class ResourceLinks(BaseModel):
    """Links of a resource object."""

    self: str = Field(description="Where this resource can be fetched.")


class ResourceIdentifier(BaseModel):
    """Names another resource: `{"type", "id"}`."""

    type: str
    id: str


class Relationship(BaseModel):
    """One relationship of a resource: `data` is a list (to-many), one identifier (to-one) or
    null (a to-one relationship that is empty); it is always present, null included."""

    data: list[ResourceIdentifier] | ResourceIdentifier | None


def _is_none(value: object) -> bool:
    return value is None


def _absent_when_none(description: str | None = None) -> Any:
    """A JSON:API member that is absent, not null, when it has no value (the attributes keep
    their nulls). Per field, not a model serializer: pydantic then serialises the documents
    in Rust, and a page of resources costs a fraction of what a Python hook per object did."""
    return Field(default=None, description=description, exclude_if=_is_none)


class IncludedResource(BaseModel):
    """A resource object of another type in a compound document's `included`.

    Its attributes are typed loosely on purpose: `included` mixes types, and each type's
    attributes model is documented by the route that serves it.
    """

    type: str
    id: str
    attributes: dict[str, Any]
    relationships: dict[str, Relationship] | None = _absent_when_none()
    links: ResourceLinks | None = _absent_when_none()


class ResourceOut(_TypedResource, Generic[AttributesT]):
    """The resource object of a response: `{"type", "id", "attributes", "relationships"?,
    "links"?}`."""

    id: str = Field(description="JSON:API ids are strings, UUIDs included.")
    attributes: AttributesT
    relationships: dict[str, Relationship] | None = _absent_when_none()
    links: ResourceLinks | None = _absent_when_none()


class DocumentOut(BaseModel, Generic[AttributesT]):
    """A response document holding one resource object, and the resources it asked to
    include (`?include=`), if any."""

    data: ResourceOut[AttributesT]
    included: list[IncludedResource] | None = _absent_when_none()


class CollectionMeta(BaseModel):
    """What a collection says about itself."""

    count: int = Field(description="How many resource objects `data` holds.")
    total: int | None = _absent_when_none("How many the whole collection holds, after filtering.")
    page: int | None = _absent_when_none("This page's number, from 1.")
    page_size: int | None = _absent_when_none("Items per page.")


class CollectionLinks(BaseModel):
    """Where the pages of a paged collection are (`prev`/`next` only where they exist)."""

    self: str
    first: str
    last: str
    prev: str | None = _absent_when_none()
    next: str | None = _absent_when_none()


class CollectionOut(BaseModel, Generic[AttributesT]):
    """A response document holding a list of resource objects: `{"data": [...], "meta"}`;
    paged collections add `links` to their pages."""

    data: list[ResourceOut[AttributesT]]
    meta: CollectionMeta
    links: CollectionLinks | None = _absent_when_none()
    included: list[IncludedResource] | None = _absent_when_none()


class ErrorSource(BaseModel):
    """What in the request is at fault: a body member (JSON pointer) or a parameter."""

    pointer: str | None = Field(default=None, examples=["/data/attributes/port"])
    parameter: str | None = Field(default=None, examples=["schema"])


class ErrorObject(BaseModel):
    """One JSON:API error object."""

    status: str = Field(description="The HTTP status, as a string (JSON:API asks so).")
    code: str = Field(description="Stable and machine-readable.", examples=["datasource_not_found"])
    title: str = Field(description="The status's phrase.", examples=["Not Found"])
    detail: str = Field(description="One line for a person; never a password or patient id.")
    source: ErrorSource | None = None


class ErrorDocument(BaseModel):
    """Every error response of the API: `{"errors": [...]}`."""

    errors: list[ErrorObject]


def error_object(
    status: int,
    code: str,
    detail: str,
    *,
    pointer: str | None = None,
    parameter: str | None = None,
) -> ErrorObject:
    """One error object; `pointer` wins over `parameter` when both are given.

    Args:
        status: the HTTP status.
        code: a stable machine-readable code ("datasource_not_found").
        detail: the one-line message for a person.
        pointer: JSON pointer to the request-body member at fault ("/data/attributes/port").
        parameter: name of the query or path parameter at fault.
    """
    source = None
    if pointer is not None:
        source = ErrorSource(pointer=pointer)
    elif parameter is not None:
        source = ErrorSource(parameter=parameter)
    return ErrorObject(
        status=str(status),
        code=code,
        title=HTTPStatus(status).phrase,
        detail=detail,
        source=source,
    )


def error_response(
    status: int, errors: list[ErrorObject], headers: dict[str, str] | None = None
) -> JsonApiResponse:
    """A response carrying the error document with the given status."""
    # exclude_none: an absent `source` (or half of it) is left out, as JSON:API wants.
    body = ErrorDocument(errors=errors).model_dump(mode="json", exclude_none=True)
    return JsonApiResponse(body, status_code=status, headers=headers)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries: each status answers with the error document."""
    return {
        status: {"model": ErrorDocument, "description": HTTPStatus(status).phrase}
        for status in statuses
    }


#: Marks a response that is a file to download, not a JSON:API document (for the spec's tests).
FILE_DOWNLOAD = "x-file-download"
#: What any /api/v1 route can answer: no valid key, a body over the cap, a request that does
#: not parse (FastAPI's own 422 schema is replaced by ours), a bug.
API_ERRORS = (401, 413, 422, 500)


def download_responses(
    description: str, media_types: dict[str, str], *errors: int
) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` of a route answering a file (declare it `response_class=Response`).

    Args:
        description: what the file is.
        media_types: each media type it may have → what the file then holds.
        errors: the route's own error statuses; with API_ERRORS, they stay JSON:API error
            documents (OpenAPI would otherwise list them under the file's media type).
    """
    content = {
        media: {"schema": {"type": "string", "format": "binary", "description": what}}
        for media, what in media_types.items()
    }
    disposition = {"description": "attachment, with the file's name.", "schema": {"type": "string"}}
    document = {"schema": {"$ref": f"#/components/schemas/{ErrorDocument.__name__}"}}
    failures = {
        status: {"description": entry["description"], "content": {MEDIA_TYPE: document}}
        for status, entry in error_responses(*API_ERRORS, *errors).items()
    }
    success = {
        "description": description,
        "content": content,
        "headers": {"Content-Disposition": disposition},
        FILE_DOWNLOAD: True,
    }
    return {200: success} | failures


def attribute_pointer(field: str) -> str:
    """The JSON pointer of a resource attribute in a request document; a dotted field names a
    nested member, an index in brackets an item ("steps.2.depends_on", "mappings[0].target"
    → "/data/attributes/mappings/0/target")."""
    # Splitting on dots is safe: JSON:API member names cannot contain one.
    tokens = re.sub(r"\[(\d+)\]", r".\1", field).split(".")
    return "/data/attributes/" + "/".join(escape_pointer_token(token) for token in tokens)


def parse_include(value: str | None, allowed: Sequence[str]) -> tuple[str, ...]:
    """The relationship paths of `?include=a,b`, each once, in the order asked.

    Args:
        value: the `include` query parameter as sent (None or empty: include nothing).
        allowed: the paths the route can include.

    Raises:
        InvalidQuery: a path the route cannot include (JSON:API: answered with 400).
    """
    asked = [part.strip() for part in (value or "").split(",") if part.strip()]
    for path in asked:
        if path not in allowed:
            raise InvalidQuery(
                f"include: cannot include {path!r} (use one of: {', '.join(allowed)}).",
                parameter="include",
            )
    return tuple(dict.fromkeys(asked))


def escape_pointer_token(token: str) -> str:
    """Escape one JSON pointer reference token (RFC 6901: "~" then "/")."""
    return token.replace("~", "~0").replace("/", "~1")
