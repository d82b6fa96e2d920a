"""Turn domain errors (services.errors) and framework errors into JSON:API error responses."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.base.documents import (
    ErrorObject,
    JsonApiResponse,
    attribute_pointer,
    error_object,
    error_response,
    escape_pointer_token,
)
from services.errors import (
    Conflict,
    ConnectionFailed,
    HisError,
    InvalidInput,
    InvalidQuery,
    MigrationFailed,
    ModelUnavailable,
    NotFound,
    SecretKeyError,
    WriteFailed,
)
from services.privacy import safe_line

log = logging.getLogger(__name__)

# Subclasses inherit their base's status: a new ConnectionFailed kind is a 502 with no change here.
_STATUS_BY_ERROR: tuple[tuple[type[HisError], int], ...] = (
    (NotFound, 404),
    (Conflict, 409),
    (InvalidQuery, 400),  # JSON:API: an unsupported sort, filter or include is a 400
    (InvalidInput, 422),  # also InvalidConfig and PluginNotFound
    (ConnectionFailed, 502),  # the datasource's server, not ours, is at fault
    (WriteFailed, 502),  # so is a target database that refused what we wrote
    (SecretKeyError, 500),
    (ModelUnavailable, 503),  # this installation lacks the semantic model it is set to use
    # 409, not 422: the request was valid, but the data met a target it does not fit (a batch
    # rolled back, totals that do not reconcile). Like a conflict, the user resolves it (fix
    # the data or the mapping) and sends the same request again: the run resumes where it
    # stopped. Not 5xx either: nothing is wrong with this server or the databases' servers.
    (MigrationFailed, 409),
)

_UNEXPECTED_DETAIL = "An unexpected error occurred; the server log has the details."


def install_exception_handlers(app: FastAPI) -> None:
    """Register every handler of this module on `app`."""
    app.add_exception_handler(HisError, his_error_handler)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, validation_error_handler)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, http_error_handler)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, unexpected_error_handler)


def status_for(error: HisError) -> int:
    """The HTTP status a domain error maps to (500 for one no mapping covers)."""
    for error_type, status in _STATUS_BY_ERROR:
        if isinstance(error, error_type):
            return status
    return 500


def safe_detail(message: str) -> str:
    """`message` as it may leave the server: its first line, passwords and citizen IDs masked.

    Services already write one masked line; this is the edge's safety net, because a message
    that quotes a database error (a migration's, say) could carry a row's values.
    """
    return safe_line(message, limit=None)


async def his_error_handler(request: Request, error: HisError) -> JsonApiResponse:
    """A domain error: its status, its code and its one-line message.

    Only the message leaves: never an error's other attributes (a MigrationFailed's `result`
    holds source keys).
    """
    status = status_for(error)
    detail = safe_detail(error.message)
    field = getattr(error, "field", None)
    pointer = attribute_pointer(field) if field else None
    parameter = getattr(error, "parameter", None)
    if status == 502:
        log.warning("%s %s: %s", request.method, request.url.path, detail)
    elif status >= 500:
        log.error("%s %s: %s (%s)", request.method, request.url.path, detail, error.code)
    return error_response(
        status, [error_object(status, error.code, detail, pointer=pointer, parameter=parameter)]
    )


async def validation_error_handler(
    request: Request, error: RequestValidationError
) -> JsonApiResponse:
    """A request FastAPI could not parse: one error object per problem found.

    The offending input is never echoed back: it may be a password.
    """
    errors = [_validation_error_object(item) for item in error.errors()]
    return error_response(422, errors)


async def http_error_handler(request: Request, error: StarletteHTTPException) -> JsonApiResponse:
    """Errors raised by routing and security (404 for an unknown path, 401, 405…)."""
    code = HTTPStatus(error.status_code).phrase.lower().replace(" ", "_")
    detail = error.detail if isinstance(error.detail, str) else str(error.detail)
    return error_response(
        error.status_code,
        [error_object(error.status_code, code, detail)],
        headers=error.headers,
    )


async def unexpected_error_handler(request: Request, error: Exception) -> JsonApiResponse:
    """A bug: a generic one-line answer; the traceback goes to the log only."""
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    return error_response(500, [error_object(500, "internal_error", _UNEXPECTED_DETAIL)])


def _validation_error_object(item: dict[str, Any]) -> ErrorObject:
    location, *path = item.get("loc", ())
    if item.get("type") == "json_invalid":
        reason = item.get("ctx", {}).get("error", "")
        return error_object(422, "invalid_json", f"The request body is not valid JSON: {reason}.")
    dotted = ".".join(str(part) for part in path)
    detail = f"{dotted}: {item['msg']}" if dotted else item["msg"]
    if location == "body":
        pointer = "".join(f"/{escape_pointer_token(str(part))}" for part in path)
        return error_object(422, "invalid_input", detail, pointer=pointer)
    parameter = str(path[0]) if path else None
    return error_object(422, "invalid_input", detail, parameter=parameter)
