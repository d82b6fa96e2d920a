"""Dependencies every route shares: the service context and bearer-key authentication."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from config import Settings
from services.api_keys import ApiKeys, ensure_api_keys
from services.context import ServiceContext

# auto_error=False: a missing header must give our JSON:API 401, not FastAPI's own error.
_bearer = HTTPBearer(
    auto_error=False,
    description="One of the keys in HIS_API_KEYS (or the generated one in the data directory's "
    "api.key), sent as a bearer token.",
)


async def get_ctx(request: Request) -> ServiceContext:
    """The service context the application's lifespan (or `create_app(ctx)`) stored."""
    ctx: ServiceContext | None = getattr(request.app.state, "ctx", None)
    if ctx is None:
        raise RuntimeError("The API has no service context: was the lifespan run?")
    return ctx


CtxDep = Annotated[ServiceContext, Depends(get_ctx)]


def load_api_keys(app: FastAPI, settings: Settings) -> ApiKeys:
    """Read (or, on the first start, generate) the accepted keys and keep them on `app.state`."""
    keys = ensure_api_keys(settings)
    app.state.api_keys = keys
    return keys


async def require_api_key(
    request: Request,
    ctx: CtxDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Let the request through only with `Authorization: Bearer <key>`: one of HIS_API_KEYS,
    or the generated key when that is unset. The API is never open.

    Raises:
        HTTPException: 401, when none of the keys was presented.
    """
    presented = credentials.credentials if credentials is not None else None
    if not key_is_accepted(request.app, ctx, presented):
        raise HTTPException(
            status_code=401,
            detail="A valid API key is required: send 'Authorization: Bearer <key>'.",
            headers={"WWW-Authenticate": "Bearer"},
        )


def key_is_accepted(app: FastAPI, ctx: ServiceContext, presented: str | None) -> bool:
    """True when `presented` is one of the keys the application accepts (REST and Socket.IO)."""
    loaded: ApiKeys | None = getattr(app.state, "api_keys", None)
    # The lifespan loads the keys; an application used without it loads them here, once.
    keys = (loaded or load_api_keys(app, ctx.settings)).keys
    return presented is not None and _matches_any(presented, keys)


def _matches_any(presented: str, keys: list[str]) -> bool:
    # Constant-time comparisons, and every key compared, so timing reveals nothing about keys.
    # Bytes, because compare_digest refuses non-ASCII str.
    given = presented.encode()
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(given, key.encode())
    return matched
