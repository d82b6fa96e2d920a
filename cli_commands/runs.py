"""`his-analyzer runs [CONFIG]`: the run history of configs, alone or as pipeline steps."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from cli_commands.common import add_plain_row, out, print_nothing_in_store, service_context
from services.migration import list_runs


def runs(
    config: Annotated[
        str | None, typer.Argument(help="Only this config's runs (a name or id).")
    ] = None,
    limit: Annotated[int, typer.Option(help="How many runs to show, newest first.", min=1)] = 20,
) -> None:
    """Every run of every config (or of CONFIG), newest first: status, counts, time,
    reconciliation. A killed run shows as interrupted until a --resume completes it."""
    ctx = service_context()
    history = list_runs(ctx, config)
    if not history:
        print_nothing_in_store(ctx, f"runs of {config}" if config else "runs")
        return
    title = f"runs of {config}" if config else "runs"
    table = Table(
        "run", "config", "pipeline", "status", "started (UTC)", "read", "loaded", "rejected",
        "time", "reconciled", "error", title=Text(title),
    )  # fmt: skip
    for run in history[:limit]:
        reconciled = {True: "yes", False: "NO", None: ""}[run.reconciled]
        started = f"{run.started_at:%Y-%m-%d %H:%M}" if run.started_at else ""
        add_plain_row(
            table, str(run.run_id)[:8], run.config, run.pipeline or "", str(run.status),
            started, f"{run.rows_read:,}", f"{run.rows_loaded:,}", f"{run.rows_rejected:,}",
            f"{run.seconds:.1f} s", reconciled, run.error or "",
        )  # fmt: skip
    out.print(table)
    if len(history) > limit:
        out.print(f"({len(history) - limit} older runs not shown; --limit shows more)")
