"""`his-analyzer report finish`: mask and render a report folder the Bash analyzer wrote."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from cli_commands.common import out
from models.profile import ProfileMode
from services.reports import finish_report

report_app = typer.Typer(help="Report folders: finish one the Bash analyzer wrote.")


@report_app.command("finish")
def finish(
    folder: Annotated[
        Path,
        typer.Argument(help="The report folder (holding data_profile/data_profile.csv)."),
    ],
    mask: Annotated[
        bool, typer.Option("--mask/--no-mask", help="Mask personal identifiers (default).")
    ] = True,
    basic: Annotated[
        bool, typer.Option("--basic/--deep", help="The mode the analyzer ran in.")
    ] = False,
    engine: Annotated[str, typer.Option(help="The engine profiled, for the header.")] = "",
    server_version: Annotated[str, typer.Option(help="The server's version string.")] = "",
    started_at: Annotated[
        str | None,
        typer.Option(help="When the run started (ISO 8601, e.g. 2024-03-14T09:05:00+07:00)."),
    ] = None,
) -> None:
    """Rewrite FOLDER's data_profile.csv and .html with the project's writer and masking."""
    try:
        started = datetime.fromisoformat(started_at) if started_at else None
    except ValueError:
        raise typer.BadParameter(f"{started_at!r} is no ISO 8601 time.") from None
    paths = finish_report(
        folder,
        mask=mask,
        mode=ProfileMode.BASIC if basic else ProfileMode.DEEP,
        engine=engine,
        server_version=server_version,
        started_at=started,
    )
    out.print(f"Report: {paths.html}")
    out.print(f"CSV:    {paths.csv}")
