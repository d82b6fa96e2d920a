"""`his-analyzer rejects list|show|export CONFIG`: the rows a step kept out of its target."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cli_commands.common import add_plain_row, out, service_context

rejects_app = typer.Typer(
    help="The rows a step kept out of its target (the reject table in the target database).",
    no_args_is_help=True,
)

ConfigName = Annotated[str, typer.Argument(help="The mapping config (name or id).")]
RunId = Annotated[
    str | None,
    typer.Option(
        "--run",
        help="The rejects one run filed (closed ones too); default: the outstanding rejects, "
        "those of the latest run no replay has loaded yet and those replays filed again.",
    ),
]


@rejects_app.command("list")
def rejects_list(config: ConfigName, run: RunId = None) -> None:
    """Count the rejects by column, stage and reason."""
    from services.migration import list_rejects

    summary = list_rejects(service_context(), config, run_id=run)
    which = f"run {run}" if run else "outstanding"
    out.print(
        f"{summary.step!r}: {summary.rejects:,} {which} rejects of {summary.rows:,} source rows"
        + (f", filed by run {', '.join(summary.runs)}" if summary.runs else "")
        + "."
    )
    if summary.unreferenced:
        out.print(
            f"{summary.unreferenced:,} of them were filed by an older version: no batch or row "
            "number, the key possibly masked; a replay leaves them alone."
        )
    if not summary.groups:
        return
    table = Table("column", "stage", "reason", "rejects")
    for group in summary.groups:
        add_plain_row(table, group.column or "", group.stage, group.reason, f"{group.rejects:,}")
    out.print(table)


@rejects_app.command("show")
def rejects_show(
    config: ConfigName,
    run: RunId = None,
    limit: Annotated[int, typer.Option(help="Show at most this many.", min=1)] = 100,
) -> None:
    """Show the rejects, each with the reference to find it by (batch, row, reject id).

    A source key that is an identifier (HN, citizen ID…) is shown masked: use the reference,
    or `export`, which writes the keys in clear to a file.
    """
    from services.migration import show_rejects

    rejects = show_rejects(service_context(), config, run_id=run, limit=limit + 1)
    if not rejects:
        out.print("No rejects.")
    # One line each, never wrapped: a reference is copied from it, and grep finds it.
    for reject in rejects[:limit]:
        value = "" if reject.value is None else f" = {reject.value}"
        status = f" [{reject.resolution}]" if reject.resolution else ""
        out.print(
            f"{reject.reference}, source key {reject.masked_key or '(none)'}: "
            f"{reject.column or 'the row'}{value} ({reject.stage}): {reject.reason}{status}"
        )
    if len(rejects) > limit:
        out.print(f"More than {limit:,}: raise --limit, or export them to a file.")


@rejects_app.command("export")
def rejects_export(
    config: ConfigName,
    to: Annotated[Path, typer.Option("--out", help="The CSV file to write.")],
    run: RunId = None,
) -> None:
    """Write the rejects to a CSV file WITH THE SOURCE KEYS IN CLEAR, to find the rows again.

    The keys are the hospital's own data (the reject table in the target keeps them so);
    they go only to the file you name. Values stay masked where they are identifiers.
    """
    from services.migration import export_rejects

    written = export_rejects(service_context(), config, path=to, run_id=run)
    out.print(f"{written:,} rejects written to {to} (source keys in clear).")
