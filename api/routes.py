"""The /api/v1 tree: every resource router, mounted once behind the API-key check."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from api.base.dependencies import require_api_key
from api.base.documents import API_ERRORS, error_responses
from api.configs.router import router as configs_router
from api.datasources.router import router as datasources_router
from api.jobs.router import router as jobs_router
from api.mapping.router import router as mapping_router
from api.pipeline_runs.router import router as pipeline_runs_router
from api.pipelines.router import router as pipelines_router
from api.plugins.router import router as plugins_router
from api.profiles.router import router as profiles_router

api_router = APIRouter(
    prefix="/api/v1",
    dependencies=[Depends(require_api_key)],
    responses=error_responses(*API_ERRORS),
)
for resource_router in (
    datasources_router,
    configs_router,
    mapping_router,
    pipelines_router,
    pipeline_runs_router,
    jobs_router,
    profiles_router,
    plugins_router,
):
    api_router.include_router(resource_router)
