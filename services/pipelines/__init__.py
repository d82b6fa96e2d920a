"""Pipelines: a DAG of migration steps, defined, inspected, run, and its runs read back (with
the single-config migrations: `list_all_runs`, `get_run`)."""

from services.pipelines.dag import CycleError, execution_levels, find_cycle
from services.pipelines.definition import (
    PipelineDefinition,
    StepSpec,
    pipeline_from_file,
    pipeline_from_text,
)
from services.pipelines.history import RunView, get_run, list_all_runs
from services.pipelines.service import (
    PipelineView,
    create_pipeline,
    delete_pipeline,
    get_pipeline,
    get_pipeline_run,
    list_pipeline_runs,
    list_pipelines,
    run_pipeline,
)

__all__ = [
    "CycleError",
    "PipelineDefinition",
    "PipelineView",
    "RunView",
    "StepSpec",
    "create_pipeline",
    "delete_pipeline",
    "execution_levels",
    "find_cycle",
    "get_pipeline",
    "get_pipeline_run",
    "get_run",
    "list_all_runs",
    "list_pipeline_runs",
    "list_pipelines",
    "pipeline_from_file",
    "pipeline_from_text",
    "run_pipeline",
]
