"""The FastAPI application: lifespan, error handlers, /health, /api/v1 and offline docs.

Run it with `uvicorn api.main:app`; tests build their own with `create_app(ctx)`. The
server hosts a job runner (unless HIS_API_RUNS_JOBS=false) and Socket.IO at /ws.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.base.dependencies import CtxDep, key_is_accepted, load_api_keys
from api.base.documents import JsonApiResponse
from api.base.exceptions import install_exception_handlers
from api.body_limit import BodyLimitMiddleware
from api.docs import install_docs
from api.routes import api_router
from api.socket_manager import MOUNT_PATH, JobEventRelay
from config import Settings, get_settings
from services.api_keys import ApiKeys
from services.bootstrap import bootstrap, configure_logging
from services.context import ServiceContext
from services.jobs import JobRunner

log = logging.getLogger(__name__)

API_VERSION = version("his-analyzer")


def create_app(ctx: ServiceContext | None = None) -> FastAPI:
    """Build the application.

    Args:
        ctx: the services' context to use. When None, the lifespan bootstraps one from the
            environment at startup and closes it at shutdown; a context passed in stays the
            caller's to close.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = app.state.ctx is None
        if owned:
            configure_logging()
            app.state.ctx = bootstrap()
        ctx: ServiceContext = app.state.ctx
        _announce(load_api_keys(app, ctx.settings))
        await relay.start()
        if ctx.settings.api_runs_jobs:
            app.state.runner = JobRunner(ctx).start()
            app.state.runner.add_listener(relay.poke)
        try:
            yield
        finally:
            if app.state.runner is not None:
                # Running jobs stop after their batch in hand and become interrupted.
                await asyncio.to_thread(app.state.runner.close)
                app.state.runner = None
            await relay.stop()
            if owned:
                app.state.ctx.close()
                app.state.ctx = None

    app = FastAPI(
        title="HIS Analyzer API",
        version=API_VERSION,
        lifespan=lifespan,
        default_response_class=JsonApiResponse,
        # FastAPI's own pages load Swagger UI and ReDoc from a CDN; install_docs serves them.
        docs_url=None,
        redoc_url=None,
    )
    app.state.ctx = ctx
    app.state.api_keys = None  # read at startup (load_api_keys)
    app.state.runner = None
    settings = ctx.settings if ctx is not None else get_settings()
    relay = JobEventRelay(
        lambda: app.state.ctx,
        accepts=lambda key: key_is_accepted(app, app.state.ctx, key),
        cors_origins=settings.cors_origins or [],
    )
    app.state.relay = relay
    _install_middleware(app, settings)
    install_exception_handlers(app)
    app.add_api_route("/health", health, methods=["GET"], response_class=JSONResponse)
    app.include_router(api_router)
    install_docs(app)
    app.mount(MOUNT_PATH, relay.asgi_app())
    return app


def _install_middleware(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    # Added last, so it wraps the body limit too: a browser can read the 413 it answers.
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
            expose_headers=["Location", "Content-Disposition"],
        )


def _announce(keys: ApiKeys) -> None:
    # The key itself goes to the terminal once, when it is created, and never to a log: a
    # log file is read by more people, and for longer, than the terminal of a first start.
    if keys.file is None:
        return
    if keys.created:
        print(f"Generated the API key (kept in {keys.file}): {keys.keys[0]}", flush=True)
        log.warning("HIS_API_KEYS is unset: generated an API key, kept in %s", keys.file)
    else:
        log.info("HIS_API_KEYS is unset: API requests need the key kept in %s", keys.file)


class HealthOut(BaseModel):
    """What /health answers (plain JSON, not a JSON:API document: probes read it)."""

    status: str = Field(examples=["ok"])
    store: str = Field(description="The metadata store's engine.", examples=["sqlite"])
    version: str = Field(description="The running his-analyzer version.")


def health(ctx: CtxDep) -> HealthOut:
    """Liveness: which metadata store backs this process and which version runs (no auth)."""
    return HealthOut(
        status="ok", store=ctx.store_engine.url.get_backend_name(), version=API_VERSION
    )


app = create_app()
