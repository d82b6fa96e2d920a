"""`his-analyzer profile`: profile a datasource into a report run folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cli_commands.common import err, out, service_context
from cli_commands.schema import SchemaOption
from models.profile import ProfileMode
from models.progress import ProgressEvent, ProgressKind
from services.profiling import SamplePlan


def profile(
    datasource: Annotated[str, typer.Argument(help="Datasource name.")],
    tables: Annotated[
        str | None, typer.Option(help="Comma-separated tables (default: all of the schema).")
    ] = None,
    schema: SchemaOption = None,
    basic: Annotated[
        bool, typer.Option("--basic/--deep", help="Counts only, or every metric (default).")
    ] = False,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Where report run folders go (default: reports in the data folder)."
        ),
    ] = None,
    mask: Annotated[
        bool, typer.Option("--mask/--no-mask", help="Mask personal identifiers in samples.")
    ] = True,
    sample_percent: Annotated[
        float | None, typer.Option(help="Profile every table on a sample of this % of rows.")
    ] = None,
    sample_above_rows: Annotated[
        int | None, typer.Option(help="Sample only tables larger than this, down to about it.")
    ] = None,
    config: Annotated[
        Path | None, typer.Option(help="An analyzer config.json whose sampling block to use.")
    ] = None,
) -> None:
    """Profile a datasource into a report folder: DDL, CSV, HTML and the process log."""
    # Imported here: the report stack is only needed by this command.
    from services.profiling import analyze_datasource, load_sampling_settings

    chosen = [name.strip() for name in tables.split(",") if name.strip()] if tables else None
    sampling = load_sampling_settings(config) if config else None
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err,
    ) as bar:  # fmt: skip
        task = bar.add_task("Profiling", total=None)

        def show(event: ProgressEvent) -> None:
            if event.kind is ProgressKind.STARTED:
                bar.update(task, total=event.total, description=f"Profiling {event.subject}")
            else:
                bar.update(task, completed=event.done)

        ctx = service_context()
        result = analyze_datasource(
            ctx, datasource, out_dir=out_dir or ctx.settings.reports_dir, tables=chosen,
            schema=schema,
            mode=ProfileMode.BASIC if basic else ProfileMode.DEEP, mask=mask, sampling=sampling,
            sample=SamplePlan(percent=sample_percent, above_rows=sample_above_rows),
            progress=show,
        )  # fmt: skip
    failed = [table for table in result.profile.tables if table.error]
    for table in failed:
        err.print(f"warning: {table.name} was not profiled: {table.error}")
    out.print(f"Report: {result.paths.html}")
    out.print(f"CSV:    {result.paths.csv}")
    out.print(f"DDL:    {result.paths.schema_sql}")
    if failed:
        raise typer.Exit(1)
