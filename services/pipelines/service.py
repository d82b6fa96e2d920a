"""Use cases for pipelines: define a DAG of migration steps, inspect it, run it, read its runs."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from operator import attrgetter

from sqlalchemy.exc import IntegrityError

from models.config_record import ConfigRecord
from models.migration_run import MigrationOptions
from models.pipeline import Pipeline, PipelineEdge, PipelineNode, PipelineRun
from protocols.progress import ProgressSink, StopCheck, ignore_progress, never_stop
from protocols.repository import UnitOfWork
from services import mapping
from services.context import ServiceContext
from services.errors import ConfigNotFound, Conflict, InvalidInput, NotFound
from services.pipelines import dag
from services.pipelines.definition import (
    StepSpec,
    check_name,
    check_settings,
)
from services.pipelines.runner import StepRunner, execute
from utils.ids import get_by_id

log = logging.getLogger(__name__)


@dataclass(slots=True)
class PipelineView:
    """A pipeline with its steps (sorted by name) and dependencies, and each step's config."""

    pipeline: Pipeline
    nodes: list[PipelineNode]
    edges: list[PipelineEdge]
    config_names: dict[str, str] = field(default_factory=dict)  # step name → config name
    configs: dict[str, ConfigRecord] = field(default_factory=dict)  # step name → its config

    @property
    def dependencies(self) -> dict[str, list[str]]:
        """Each step's name → the names of the steps it waits for."""
        return dag.dependencies(self.nodes, self.edges)

    @property
    def levels(self) -> list[list[PipelineNode]]:
        """The steps grouped by level; a level's steps may run at the same time."""
        return dag.execution_levels(self.nodes, self.edges)


def create_pipeline(
    ctx: ServiceContext, name: str, steps: list[StepSpec], *, description: str | None = None
) -> PipelineView:
    """Check a pipeline completely, then store it with its steps and dependencies.

    Nothing is saved unless every check passes.

    Raises:
        InvalidInput: a missing or duplicate step name, an unknown dependency or setting, a
            setting out of range, or a cycle ("Pipeline 'nightly' has a cycle: a → b → a.").
        ConfigNotFound: a step's config (by name or id) does not exist or was deleted.
        Conflict: a pipeline of that name exists.
    """
    name = check_name(name, "pipeline")
    parents, settings = _check_steps(name, steps)
    with ctx.uow() as uow:
        if uow.pipelines.get_by_name(name) is not None:
            raise Conflict(f"A pipeline called {name!r} already exists.")
        configs = {step.name.strip(): _find_config(uow, step) for step in steps}
        pipeline = Pipeline(name=name, description=description)
        nodes: dict[str, PipelineNode] = {}
        # A grid position (level, rank in level) so a drawing of the graph starts out tidy.
        for column, level in enumerate(dag.levels(parents)):
            for row, step_name in enumerate(level):
                nodes[step_name] = PipelineNode(
                    pipeline_id=pipeline.id,
                    name=step_name,
                    config_id=configs[step_name].id,
                    settings=settings[step_name],
                    position_x=float(column),
                    position_y=float(row),
                )
        edges = [
            PipelineEdge(pipeline.id, nodes[parent].id, nodes[child].id)
            for child, own_parents in parents.items()
            for parent in own_parents
        ]
        try:
            uow.pipelines.add(pipeline)
            for node in nodes.values():
                uow.pipelines.add_node(node)
            for edge in edges:
                uow.pipelines.add_edge(edge)
            uow.commit()
        except IntegrityError:
            # Two creations of one name at the same moment: the second loses, and says so.
            raise Conflict(
                f"A pipeline called {name!r} was just created by someone else."
            ) from None
    log.info("pipeline %r created with %d steps", name, len(nodes))
    config_names = {step: config.name for step, config in configs.items()}
    return PipelineView(
        pipeline, sorted(nodes.values(), key=attrgetter("name")), edges, config_names, configs
    )


def get_pipeline(ctx: ServiceContext, name_or_id: str | uuid.UUID) -> PipelineView:
    """A pipeline by name or id, with its steps, dependencies and config names.

    Raises:
        NotFound: no pipeline has that name or id.
    """
    with ctx.uow() as uow:
        return _view(uow, _find_pipeline(uow, name_or_id))


def list_pipelines(ctx: ServiceContext) -> list[PipelineView]:
    """Every pipeline, by name, with its steps and dependencies."""
    with ctx.uow() as uow:
        return [_view(uow, pipeline) for pipeline in uow.pipelines.list()]


def delete_pipeline(ctx: ServiceContext, name_or_id: str | uuid.UUID) -> None:
    """Delete a pipeline with its steps; its runs are kept (with its name) as the audit trail.

    Raises:
        NotFound: no pipeline has that name or id.
    """
    with ctx.uow() as uow:
        pipeline = _find_pipeline(uow, name_or_id)
        uow.pipelines.delete(pipeline.id)
        uow.commit()
    log.info("pipeline %r deleted (runs kept)", pipeline.name)


def list_pipeline_runs(
    ctx: ServiceContext, name_or_id: str | uuid.UUID | None = None
) -> list[PipelineRun]:
    """Pipeline runs, newest first; only one pipeline's when `name_or_id` is given.

    The runs of a deleted pipeline are still found by its name.

    Raises:
        NotFound: no pipeline, and no run, has that name or id.
    """
    with ctx.uow() as uow:
        if name_or_id is None:
            return [run for run in uow.pipeline_runs.list() if _is_pipeline_run(run)]
        pipeline = uow.pipelines.get_by_name_or_id(name_or_id)
        if pipeline is not None:
            return uow.pipeline_runs.list(pipeline_id=pipeline.id)
        runs = [
            run
            for run in uow.pipeline_runs.list()
            if run.pipeline_name == str(name_or_id) and _is_pipeline_run(run)
        ]
    if not runs:
        raise NotFound(f"No pipeline called {str(name_or_id)!r}.")
    return runs


def get_pipeline_run(ctx: ServiceContext, run_id: str | uuid.UUID) -> PipelineRun:
    """One pipeline run by id.

    Raises:
        NotFound: no run has that id.
    """
    with ctx.uow() as uow:
        run = get_by_id(uow.pipeline_runs.get, run_id)
    if run is None:
        raise NotFound(f"No pipeline run {str(run_id)!r}.")
    return run


def run_pipeline(
    ctx: ServiceContext,
    name_or_id: str | uuid.UUID,
    *,
    options: MigrationOptions = MigrationOptions(),  # noqa: B008 - frozen, so safe to share
    max_workers: int = 2,
    progress: ProgressSink = ignore_progress,
    run_step: StepRunner | None = None,
    stop: StopCheck = never_stop,
    run_id: uuid.UUID | None = None,
) -> PipelineRun:
    """Run every step of a pipeline, each as soon as all the steps it depends on have succeeded.

    With `options.resume`, the steps that succeeded in the pipeline's latest run are kept (not
    run again: an append step would load its rows twice) and the others run with `resume`, so
    a step that was interrupted continues from its checkpoint.

    Up to `max_workers` steps run at the same time. A step's own settings (error_policy,
    batch_size) override `options` for that step. When a step fails, every step that depends
    on it, directly or not, is skipped ("dependency b failed"); independent steps go on.

    A run record (RUNNING) is stored before the first step starts and committed again as each
    step starts and finishes, so a crash leaves what happened. Its `summary` is
    {"kind": "pipeline", "steps": {name: {status, rows_read, rows_loaded, rows_rejected,
    seconds, rows_per_second, error, started_at, finished_at, reconciliation, depends_on,
    config_id, settings}}, "order": [names in start order]}, plus "resumed_run" and per kept
    step "kept_from_run" when resuming. A step's status is waiting (for its dependencies),
    pending (queued for a worker), running, succeeded, failed or skipped. The run's status is
    SUCCEEDED only when every step succeeded. If the calling thread is interrupted (Ctrl-C),
    queued steps are cancelled, running ones are waited for, the run is stored as CANCELLED
    and the interruption is raised again.

    Progress: STARTED(subject=pipeline name, total=steps), then each step's own events with
    `subject` set to the step name (ending in one FINISHED or FAILED per step; a skipped step
    gets FAILED with message "skipped: …"), ADVANCED(subject=pipeline name, done=settled steps)
    after each, and FINISHED or FAILED(message=the run's error) for the pipeline. Step events
    come from worker threads, so `progress` must be thread-safe (and quick).

    With `stop` (asked before each step starts and between batches): once it says True, no
    further step starts, a running step stops after its batch in hand (status cancelled, its
    checkpoint kept), what had not started is skipped, and the run is CANCELLED; a resume
    (`options.resume`) keeps the succeeded steps and continues the rest.

    Args:
        run_id: The id to give the run record (a job decides it before the run starts, so it
            can mark the record if its process dies); a fresh one when None.
        run_step: Runs one step; default `services.migration.run_migration`, called as
            run_step(ctx, config_id, options=…, progress=…, record=False, stop=…).

    Returns:
        The finished run record (status SUCCEEDED or FAILED); a failed step does not raise.

    Raises:
        NotFound: no such pipeline.
        InvalidInput: `max_workers` < 1, or the stored graph has a cycle.
    """
    if max_workers < 1:
        raise InvalidInput(f"Workers must be at least 1, not {max_workers}.", field="max_workers")
    if run_step is None:
        # Imported on use: defining and reading pipelines never needs the migration machinery.
        from services.migration import run_migration

        run_step = run_migration
    view = get_pipeline(ctx, name_or_id)
    parents = view.dependencies
    cycle = dag.find_cycle(parents)
    if cycle is not None:
        raise _cycle_error(view.pipeline.name, cycle)
    earlier = None
    if options.resume:
        with ctx.uow() as uow:
            runs = uow.pipeline_runs.list(pipeline_id=view.pipeline.id)
        earlier = runs[0] if runs else None
    return execute(
        ctx,
        view.pipeline,
        view.nodes,
        parents,
        options=options,
        max_workers=max_workers,
        progress=progress,
        run_step=run_step,
        earlier=earlier,
        stop=stop,
        run_id=run_id,
    )


def _check_steps(
    pipeline: str, steps: list[StepSpec]
) -> tuple[dict[str, list[str]], dict[str, dict]]:
    """Every check that needs no store: names, dependencies, settings, cycles."""
    if not steps:
        raise InvalidInput(f"Pipeline {pipeline!r} has no steps.", field="steps")
    parents: dict[str, list[str]] = {}
    settings: dict[str, dict] = {}
    for step in steps:
        name = check_name(step.name, "step")
        if name in parents:
            raise InvalidInput(
                f"Pipeline {pipeline!r} has two steps called {name!r}.", field="steps"
            )
        if name == pipeline:
            # Progress events name the pipeline or a step: the two must not be confused.
            raise InvalidInput(
                f"Step {name!r} cannot have the pipeline's own name; call it something else.",
                field="steps",
            )
        if not isinstance(step.config, str | uuid.UUID) or not str(step.config).strip():
            raise InvalidInput(f"Step {name!r} needs a mapping config.", field=f"steps.{name}")
        depends_on = [str(dependency).strip() for dependency in step.depends_on]
        for dependency in depends_on:
            if depends_on.count(dependency) > 1:
                raise InvalidInput(
                    f"Step {name!r} lists {dependency!r} twice in depends_on.",
                    field=f"steps.{name}.depends_on",
                )
        parents[name] = depends_on
        settings[name] = check_settings(name, dict(step.settings))
    for name, depends_on in parents.items():
        for dependency in depends_on:
            if dependency not in parents:
                raise InvalidInput(
                    f"Step {name!r} depends on {dependency!r}, which is not a step of "
                    f"pipeline {pipeline!r} (steps: {', '.join(sorted(parents))}).",
                    field=f"steps.{name}.depends_on",
                )
    cycle = dag.find_cycle(parents)
    if cycle is not None:
        raise _cycle_error(pipeline, cycle)
    return parents, settings


def _cycle_error(pipeline: str, cycle: list[str]) -> InvalidInput:
    return InvalidInput(
        f"Pipeline {pipeline!r} has a cycle: {' → '.join(cycle)}.", field="steps.depends_on"
    )


def _find_config(uow: UnitOfWork, step: StepSpec) -> ConfigRecord:
    key = str(step.config).strip()
    record = mapping.find_config(uow, key)
    if record is None:
        raise ConfigNotFound(key, f"Step {step.name.strip()!r}: no mapping config called {key!r}.")
    if record.deleted_at is not None:
        raise ConfigNotFound(
            key, f"Step {step.name.strip()!r}: mapping config {record.name!r} was deleted."
        )
    return record


def _find_pipeline(uow: UnitOfWork, key: str | uuid.UUID) -> Pipeline:
    pipeline = uow.pipelines.get_by_name_or_id(key)
    if pipeline is None:
        raise NotFound(f"No pipeline called {str(key)!r}.")
    return pipeline


def _view(uow: UnitOfWork, pipeline: Pipeline) -> PipelineView:
    nodes = uow.pipelines.list_nodes(pipeline.id)
    configs: dict[str, ConfigRecord] = {}
    for node in nodes:
        record = uow.configs.get(node.config_id) if node.config_id is not None else None
        if record is not None:
            configs[node.name] = record
    config_names = {step: record.name for step, record in configs.items()}
    edges = uow.pipelines.list_edges(pipeline.id)
    return PipelineView(pipeline, nodes, edges, config_names, configs)


def _is_pipeline_run(run: PipelineRun) -> bool:
    # The store holds single-config migrations too: one-step runs without a pipeline.
    return run.summary.get("kind") != "migration"
