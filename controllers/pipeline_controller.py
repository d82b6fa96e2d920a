"""Page logic of the Pipelines page: define a pipeline from saved configs, run it as a job,
colour its steps by status, read its past runs, delete it.

Errors are the services' `HisError` subclasses and propagate unchanged; the view shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from controllers.job_controller import JobController, JobView
from models.pipeline import PipelineRun, StepSummary
from services import jobs, mapping, pipelines
from services.context import ServiceContext
from services.errors import JobNotFound
from services.pipelines import PipelineView, StepSpec

#: How a step is shown before anything is known of it (a draft, a pipeline never run).
PENDING = "pending"


@dataclass(frozen=True, slots=True)
class PipelineRow:
    """One line of the pipelines table."""

    name: str
    steps: int
    levels: int
    last_run: str
    description: str


@dataclass(frozen=True, slots=True)
class DraftStep:
    """One step of the create form: a saved config, and the steps it waits for."""

    name: str
    config: str
    depends_on: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PipelineDraft:
    """The create form's values as the widgets return them."""

    name: str
    steps: tuple[DraftStep, ...]
    description: str = ""


@dataclass(frozen=True, slots=True)
class StepNode:
    """A step as the graph draws it: its config, what it waits for, where it stands."""

    name: str
    config: str
    depends_on: tuple[str, ...]
    status: str = PENDING


@dataclass(frozen=True, slots=True)
class RunRow:
    """One past run of a pipeline, with its steps' totals."""

    run: str
    status: str
    started: str
    seconds: float | None
    steps: str  # "2 succeeded, 1 skipped"
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    error: str


@dataclass(frozen=True, slots=True)
class RunStepRow:
    """What one step did in one run."""

    step: str
    status: str
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    seconds: float
    error: str


class PipelineController:
    """Everything the Pipelines page does, as calls on the shared service context."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.jobs = JobController(ctx)

    def config_names(self) -> list[str]:
        """Saved mapping configs a step may run, by name."""
        return [record.name for record in mapping.list_configs(self.ctx)]

    def rows(self) -> list[PipelineRow]:
        """Every pipeline as a table row, by name, with its newest run's status."""
        newest: dict[object, PipelineRun] = {}
        for run in pipelines.list_pipeline_runs(self.ctx):  # newest first: keep the first seen
            newest.setdefault(run.pipeline_id, run)
        rows = []
        for view in pipelines.list_pipelines(self.ctx):
            last = newest.get(view.pipeline.id)
            rows.append(
                PipelineRow(
                    name=view.pipeline.name,
                    steps=len(view.nodes),
                    levels=len(view.levels),
                    last_run=f"{last.status} {_when(last.started_at)}".strip() if last else "never",
                    description=view.pipeline.description or "",
                )
            )
        return rows

    def create(self, draft: PipelineDraft) -> PipelineView:
        """Store the pipeline the form describes; nothing is stored unless every check passes.

        Raises:
            InvalidInput: no name, no step, an unknown dependency or a cycle ("… has a cycle:
                a → b → a."); ConfigNotFound; Conflict: the name is taken.
        """
        steps = [StepSpec(step.name, step.config, list(step.depends_on)) for step in draft.steps]
        return pipelines.create_pipeline(
            self.ctx, draft.name, steps, description=draft.description.strip() or None
        )

    def delete(self, name: str) -> str:
        """Delete the pipeline (its configs and past runs stay); the line to tell the user.

        Raises:
            NotFound: no such pipeline.
        """
        pipelines.delete_pipeline(self.ctx, name)
        return f"Pipeline {name!r} deleted (its configs and past runs are kept)."

    def nodes(self, name: str, statuses: dict[str, str] | None = None) -> list[StepNode]:
        """The pipeline's steps in level order, each with its status from `statuses`.

        Raises:
            NotFound: no such pipeline.
        """
        view = pipelines.get_pipeline(self.ctx, name)
        parents = view.dependencies
        known = statuses or {}
        return [
            StepNode(
                name=node.name,
                config=view.config_names.get(node.name, "(config deleted)"),
                depends_on=tuple(parents[node.name]),
                status=known.get(node.name, PENDING),
            )
            for level in view.levels
            for node in level
        ]

    def latest_statuses(self, name: str) -> dict[str, str]:
        """Each step's status in the pipeline's newest run (empty when it never ran)."""
        runs = pipelines.list_pipeline_runs(self.ctx, name)
        return _statuses(runs[0]) if runs else {}

    def job_statuses(self, job: JobView) -> dict[str, str]:
        """Each step's status in a pipeline job: from its events while it runs, from the run
        record it made once it has ended (a step that has not spoken yet is pending)."""
        if not job.active:
            run_id = jobs.get_job(self.ctx, job.id).pipeline_run_id
            if run_id is not None:
                return _statuses(pipelines.get_pipeline_run(self.ctx, run_id))
        return {step.name: step.status for step in job.steps}

    def start(self, name: str, *, workers: int, resume: bool = False, again: bool = False) -> str:
        """Queue a run of the pipeline (a runner runs it); the job's id.

        Args:
            workers: how many independent steps may run at the same time.
            resume: keep the steps the last run finished and continue the others.
            again: let a step whose last run succeeded append its rows once more.

        Raises:
            NotFound: no such pipeline; InvalidInput: workers out of range.
        """
        options = {"max_workers": workers, "resume": resume, "again": again}
        return self.jobs.start("pipeline", name, options)

    def job_to_follow(self, name: str, job_id: str | None) -> str | None:
        """The job the page follows for pipeline `name`: `job_id` (from the page's address)
        when it is one of this pipeline's jobs, else the newest of its jobs still active."""
        pipeline_id = str(pipelines.get_pipeline(self.ctx, name).pipeline.id)
        if job_id:
            try:
                job = jobs.get_job(self.ctx, job_id)
            except JobNotFound:
                job = None  # an address kept from a store that no longer has it
            if (
                job is not None
                and str(job.kind) == "pipeline"
                and jobs.job_target(job) == pipeline_id
            ):
                return str(job.id)
        active = self.jobs.active("pipeline", pipeline_id)
        return active[0].id if active else None

    def runs(self, name: str) -> list[RunRow]:
        """The pipeline's past runs, newest first (kept after the pipeline is deleted)."""
        return [_run_row(run) for run in pipelines.list_pipeline_runs(self.ctx, name)]

    def run_steps(self, run_id: str) -> list[RunStepRow]:
        """What each step did in one run, in the order the steps started, then the rest.

        Raises:
            NotFound: no run has that id.
        """
        run = pipelines.get_pipeline_run(self.ctx, run_id)
        steps = run.steps()
        started = [name for name in run.summary.get("order", []) if name in steps]
        order = [*started, *(name for name in steps if name not in started)]
        return [_step_row(name, steps[name]) for name in order]


def draft_nodes(draft: PipelineDraft) -> list[StepNode]:
    """The draft's steps as the graph draws them before the pipeline exists (all pending)."""
    return [StepNode(step.name, step.config, step.depends_on) for step in draft.steps]


def _statuses(run: PipelineRun) -> dict[str, str]:
    return {name: step.status for name, step in run.steps().items()}


def _run_row(run: PipelineRun) -> RunRow:
    steps = run.steps().values()
    counts: dict[str, int] = {}
    for step in steps:
        counts[step.status] = counts.get(step.status, 0) + 1
    seconds = (
        round((run.finished_at - run.started_at).total_seconds(), 1)
        if run.started_at and run.finished_at
        else None
    )
    return RunRow(
        run=str(run.id),
        status=str(run.status),
        started=_when(run.started_at),
        seconds=seconds,
        steps=", ".join(f"{count} {status}" for status, count in sorted(counts.items())),
        rows_read=sum(step.rows_read for step in steps),
        rows_loaded=sum(step.rows_loaded for step in steps),
        rows_rejected=sum(step.rows_rejected for step in steps),
        error=run.error or "",
    )


def _step_row(name: str, step: StepSummary) -> RunStepRow:
    return RunStepRow(
        step=name,
        status=step.status + (" (earlier run)" if step.kept_from_run else ""),
        rows_read=step.rows_read,
        rows_loaded=step.rows_loaded,
        rows_rejected=step.rows_rejected,
        seconds=round(step.seconds, 2),
        error=step.error or "",
    )


def _when(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S") if moment else ""
