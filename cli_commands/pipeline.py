"""`his-analyzer pipeline …`: mapping configs run as a graph of steps, in dependency order."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from cli_commands.common import add_plain_row, err, out, print_nothing_in_store, service_context
from cli_commands.progress import StepBars
from models.migration_config import ErrorPolicy
from models.migration_run import MigrationOptions
from models.pipeline import PipelineRun
from services import pipelines
from services.errors import InvalidInput
from services.pipelines import PipelineView, StepSpec

pipeline_app = typer.Typer(
    help="Pipelines: mapping configs run as steps, each once the steps it depends on succeeded.",
    no_args_is_help=True,
)

PipelineName = Annotated[str, typer.Argument(help="Pipeline name (or id).")]


# --- defining pipelines -----------------------------------------------------------------------


_CREATE_HELP = (
    "Create a pipeline from a JSON file (--file), from --step/--after options, or both.\n\n"
    "Example: pipeline create nightly --step patients=patient_to_person "
    "--step visits=ovst_to_visit --after visits:patients\n\n"
    "Per-step settings (error_policy, batch_size) go in the file. Everything is checked "
    "(configs exist, dependencies name steps, no cycle) before anything is saved."
)


@pipeline_app.command("create", help=_CREATE_HELP)
def pipeline_create(
    name: Annotated[
        str | None, typer.Argument(help='Pipeline name (default: the file\'s "name").')
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", "-f", help="The steps as JSON (format in the README)."),
    ] = None,
    step: Annotated[
        list[str] | None,
        typer.Option("--step", help="A step as STEP=CONFIG (a config name or id); repeatable."),
    ] = None,
    after: Annotated[
        list[str] | None,
        typer.Option(
            "--after",
            help="STEP:DEPENDENCY — STEP starts only after DEPENDENCY succeeded; repeatable, "
            "several at once as STEP:DEP1,DEP2.",
        ),
    ] = None,
    description: Annotated[str | None, typer.Option(help="What the pipeline is for.")] = None,
) -> None:
    """Create a pipeline from a file and/or --step/--after options (help text: _CREATE_HELP)."""
    steps: list[StepSpec] = []
    if file is not None:
        definition = pipelines.pipeline_from_file(file)
        if name is not None and definition.name is not None and definition.name != name:
            raise InvalidInput(
                f"{file.name} names pipeline {definition.name!r} but the command says {name!r}; "
                "drop one of them.",
                field="name",
            )
        name = name or definition.name
        description = description or definition.description
        steps.extend(definition.steps)
    steps.extend(_parse_step(text) for text in step or [])
    if name is None:
        raise InvalidInput('Give the pipeline a name (argument, or "name" in the file).')
    if not steps:
        raise InvalidInput("No steps: give --file or at least one --step STEP=CONFIG.")
    by_name = {spec.name: spec for spec in steps}
    for text in after or []:
        target, dependencies = _parse_after(text)
        if target not in by_name:
            raise InvalidInput(
                f"--after {text!r}: {target!r} is not a step (steps: {', '.join(by_name)}).",
                field="after",
            )
        by_name[target].depends_on.extend(dependencies)
    view = pipelines.create_pipeline(service_context(), name, steps, description=description)
    levels = len(view.levels)
    out.print(
        f"Pipeline {name!r} created: {len(view.nodes)} steps in {levels} "
        f"level{'s' if levels != 1 else ''}.",
    )


@pipeline_app.command("list")
def pipeline_list() -> None:
    """List the pipelines with their number of steps and their last run."""
    ctx = service_context()
    views = pipelines.list_pipelines(ctx)
    if not views:
        print_nothing_in_store(ctx, "pipelines")
        return
    last_runs: dict[Any, PipelineRun] = {}
    for run in pipelines.list_pipeline_runs(ctx):  # newest first: keep the first seen
        last_runs.setdefault(run.pipeline_id, run)
    table = Table("name", "steps", "levels", "last run", "description", "updated (UTC)")
    for view in views:
        last = last_runs.get(view.pipeline.id)
        add_plain_row(
            table, view.pipeline.name, str(len(view.nodes)), str(len(view.levels)),
            f"{last.status} {_when(last.started_at)}" if last else "never",
            view.pipeline.description or "", _when(view.pipeline.updated_at),
        )  # fmt: skip
    out.print(table)


@pipeline_app.command("show")
def pipeline_show(name: PipelineName) -> None:
    """Show a pipeline: its steps, what each waits for, the levels, and its last runs."""
    ctx = service_context()
    view = pipelines.get_pipeline(ctx, name)
    out.print(_steps_table(view))
    out.print("Levels (a level's steps may run at the same time):")
    for number, level in enumerate(view.levels, start=1):
        out.print(f"  {number}. {', '.join(node.name for node in level)}")
    runs = pipelines.list_pipeline_runs(ctx, view.pipeline.id)[:5]
    if runs:
        out.print(_runs_table(runs, title="last runs"))
    else:
        out.print("Never run.")


@pipeline_app.command("runs")
def pipeline_runs(
    name: PipelineName,
    limit: Annotated[int, typer.Option(help="How many runs to show, newest first.", min=1)] = 20,
) -> None:
    """List a pipeline's runs (kept after the pipeline is deleted)."""
    runs = pipelines.list_pipeline_runs(service_context(), name)[:limit]
    out.print(_runs_table(runs, title=name))


@pipeline_app.command("delete")
def pipeline_delete(
    name: PipelineName,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a pipeline (its configs stay, and so do its runs)."""
    view = pipelines.get_pipeline(service_context(), name)  # a typo fails before asking
    if not yes:
        typer.confirm(f"Delete pipeline {view.pipeline.name!r}?", abort=True)
    pipelines.delete_pipeline(service_context(), view.pipeline.id)
    out.print(f"Pipeline {view.pipeline.name!r} deleted (its runs are kept).")


# --- running them -----------------------------------------------------------------------------


_RUN_HELP = (
    "Run a pipeline: each step starts as soon as the steps it depends on succeeded.\n\n"
    "A failed step skips the steps that depend on it; the others go on. Exit code 1 when any "
    "step failed or was skipped."
)


@pipeline_app.command("run", help=_RUN_HELP)
def pipeline_run(
    name: PipelineName,
    batch_size: Annotated[
        int | None,
        typer.Option(help="Rows per batch, for steps that do not set their own.", min=1),
    ] = None,
    error_policy: Annotated[
        ErrorPolicy | None,
        typer.Option(help="stop or quarantine, for steps that do not set their own."),
    ] = None,
    workers: Annotated[int, typer.Option(help="Steps run at the same time, at most.", min=1)] = 2,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="Keep the steps the last run finished; run the others, continuing "
            "interrupted ones from their checkpoint.",
        ),
    ] = False,
    again: Annotated[
        bool,
        typer.Option(
            "--again",
            help="Append steps whose last run succeeded once more (their rows load twice).",
        ),
    ] = False,
) -> None:
    """Run a pipeline, one progress bar per step, then a table of what every step did."""
    ctx = service_context()
    view = pipelines.get_pipeline(ctx, name)
    options = MigrationOptions(
        resume=resume, again=again, batch_size=batch_size, error_policy=error_policy
    )
    with StepBars([node.name for level in view.levels for node in level]) as show:
        run = pipelines.run_pipeline(
            ctx, view.pipeline.id, options=options, max_workers=workers, progress=show
        )
    out.print(_result_table(run, view))
    if run.error:
        err.print(f"error: {run.error}")
        raise typer.Exit(1)
    out.print(
        f"Pipeline {view.pipeline.name!r} succeeded ({_duration(run)}); run {run.id}.",
    )


# --- presenting -------------------------------------------------------------------------------


def _parse_step(text: str) -> StepSpec:
    name, sep, config = text.partition("=")
    if not sep or not name.strip() or not config.strip():
        raise InvalidInput(f"--step {text!r}: write it as STEP=CONFIG.", field="step")
    return StepSpec(name.strip(), config.strip())


def _parse_after(text: str) -> tuple[str, list[str]]:
    target, sep, dependencies = text.partition(":")
    names = [name.strip() for name in dependencies.split(",") if name.strip()]
    if not sep or not target.strip() or not names:
        raise InvalidInput(f"--after {text!r}: write it as STEP:DEPENDENCY.", field="after")
    return target.strip(), names


def _steps_table(view: PipelineView) -> Table:
    title = view.pipeline.name + (
        f" — {view.pipeline.description}" if view.pipeline.description else ""
    )
    table = Table("level", "step", "config", "depends on", "settings", title=Text(title))
    parents = view.dependencies
    for number, level in enumerate(view.levels, start=1):
        for node in level:
            settings = ", ".join(f"{key}={value}" for key, value in sorted(node.settings.items()))
            add_plain_row(
                table, str(number), node.name, view.config_names.get(node.name, "(missing)"),
                ", ".join(parents[node.name]), settings,
            )  # fmt: skip
    return table


def _runs_table(runs: list[PipelineRun], *, title: str) -> Table:
    table = Table("run", "status", "started (UTC)", "time", "steps", "error", title=Text(title))
    for run in runs:
        counts: dict[str, int] = {}
        for step in run.steps().values():
            counts[step.status] = counts.get(step.status, 0) + 1
        add_plain_row(
            table, str(run.id)[:8], str(run.status), _when(run.started_at), _duration(run),
            ", ".join(f"{count} {status}" for status, count in sorted(counts.items())),
            run.error or "",
        )  # fmt: skip
    return table


def _result_table(run: PipelineRun, view: PipelineView) -> Table:
    table = Table(
        "step", "status", "read", "loaded", "rejected", "rows/s", "time", "error",
        title=Text(f"{run.pipeline_name}: {run.status}"),
    )  # fmt: skip
    steps = run.steps()
    started = run.summary.get("order", [])
    # Steps in the order they started, then those that did not start, in level order.
    rest = [node.name for level in view.levels for node in level if node.name not in started]
    for name in [*started, *rest]:
        step = steps[name]
        status = step.status + (" (earlier run)" if step.kept_from_run else "")
        ran = step.ran
        add_plain_row(
            table, name, status,
            f"{step.rows_read:,}" if ran else "", f"{step.rows_loaded:,}" if ran else "",
            f"{step.rows_rejected:,}" if ran else "",
            f"{step.rows_per_second:,.0f}" if ran else "",
            f"{step.seconds:.1f} s" if ran else "", step.error or "",
        )  # fmt: skip
    return table


def _when(moment: Any) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment is not None else ""


def _duration(run: PipelineRun) -> str:
    if run.started_at is None or run.finished_at is None:
        return "running" if run.started_at is not None else ""
    return f"{(run.finished_at - run.started_at).total_seconds():.1f} s"
