"""`his-analyzer mock generate`: fill a datasource with the mini_his mock HIS."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cli_commands.common import err, out, service_context
from models.progress import ProgressEvent

mock_app = typer.Typer(help="Fill a datasource with a mock HIS database.", no_args_is_help=True)


# --- mock data --------------------------------------------------------------------------------


@mock_app.command("generate")
def mock_generate(
    datasource: Annotated[str, typer.Option(help="Datasource to fill (name or id).")],
    patients: Annotated[int, typer.Option(help="Patients to create.")],
    visits: Annotated[
        int | None, typer.Option(help="Outpatient visits (ovst rows); default 5 per patient.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed, the same rows.")] = 42,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Replace existing mini_his tables without asking.")
    ] = False,
) -> None:
    """Create the mini_his tables (HOSxP-style, deliberately dirty) and fill them."""
    # Imported here: numpy and the generator are only needed by this command.
    from services.demo import existing_mock_tables, generate_mock_his

    ctx = service_context()
    existing = existing_mock_tables(ctx, datasource=datasource)
    if existing and not yes:
        typer.confirm(
            f"Datasource {datasource!r} already has {', '.join(existing)}. Drop and replace them?",
            abort=True,
        )
    with Progress(
        TextColumn("{task.description:<12}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=err,
    ) as bar:  # fmt: skip
        tasks: dict[str, int] = {}

        def show(event: ProgressEvent) -> None:
            if event.subject not in tasks:
                tasks[event.subject] = bar.add_task(event.subject, total=event.total)
            bar.update(tasks[event.subject], completed=event.done)

        counts = generate_mock_his(
            ctx, datasource=datasource, patients=patients, visits=visits, seed=seed, progress=show
        )
    table = Table("table", "rows")
    for name, rows in counts.items():
        table.add_row(name, f"{rows:,}")
    out.print(table)
    out.print(f"Mock HIS written to {datasource!r}: {sum(counts.values()):,} rows (seed {seed}).")
