"""Dependencies every route shares: the service context and bearer-key authentication."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.context import ServiceContext

# auto_error=False: a missing header must give our JSON:API 401, not FastAPI's own error.
_bearer = HTTPBearer(
    auto_error=False, description="One of the keys in HIS_API_KEYS, sent as a bearer token."
)


async def get_ctx(request: Request) -> ServiceContext:
    """The service context the application's lifespan (or `create_app(ctx)`) stored."""
    ctx: ServiceContext | None = getattr(request.app.state, "ctx", None)
    if ctx is None:
        raise RuntimeError("The API has no service context: was the lifespan run?")
    return ctx


CtxDep = Annotated[ServiceContext, Depends(get_ctx)]


async def require_api_key(
    ctx: CtxDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Let the request through only with `Authorization: Bearer <one of HIS_API_KEYS>`.

    With no keys configured the API is open (a warning is logged at startup).

    Raises:
        HTTPException: 401, when keys are configured and none of them was presented.
    """
    presented = credentials.credentials if credentials is not None else None
    if not key_is_accepted(ctx, presented):
        raise HTTPException(
            status_code=401,
            detail="A valid API key is required: send 'Authorization: Bearer <key>'.",
            headers={"WWW-Authenticate": "Bearer"},
        )


def key_is_accepted(ctx: ServiceContext, presented: str | None) -> bool:
    """True when `presented` is one of the API keys (or no keys are configured)."""
    keys = ctx.settings.api_keys
    if not keys:
        return True
    return presented is not None and _matches_any(presented, keys)


def _matches_any(presented: str, keys: list[str]) -> bool:
    # Constant-time comparisons, and every key compared, so timing reveals nothing about keys.
    # Bytes, because compare_digest refuses non-ASCII str.
    given = presented.encode()
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(given, key.encode())
    return matched
