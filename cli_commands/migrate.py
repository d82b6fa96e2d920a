"""`his-analyzer migrate CONFIG`: run one mapping config, with a progress bar."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from cli_commands.common import out, service_context
from cli_commands.progress import StepBars
from cli_commands.test_output import print_test_report
from models.migration_config import ErrorPolicy
from models.migration_run import MigrationOptions, MigrationResult
from models.test_run import PREVIEW_ROWS
from services.migration import summarize_test_run


def migrate(
    config: Annotated[str, typer.Argument(help="The mapping config to run (name or id).")],
    test: Annotated[
        bool,
        typer.Option(
            "--test", help="Load one batch inside a transaction that is rolled back; show it."
        ),
    ] = False,
    rows: Annotated[
        int | None, typer.Option(help="With --test: how many source rows to try.", min=1)
    ] = None,
    show: Annotated[
        int,
        typer.Option(help="With --test: how many transformed rows to show (0: none).", min=0),
    ] = PREVIEW_ROWS,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue an interrupted run from its checkpoint.")
    ] = False,
    restart: Annotated[
        bool, typer.Option("--restart", help="Forget an interrupted run and start over.")
    ] = False,
    again: Annotated[
        bool,
        typer.Option(
            "--again",
            help="Append although the last run succeeded: its rows are loaded a second time.",
        ),
    ] = False,
    batch_size: Annotated[
        int | None, typer.Option(help="Rows per batch (overrides the config).", min=1)
    ] = None,
    error_policy: Annotated[
        ErrorPolicy | None,
        typer.Option(help="stop: roll back and stop at a bad row; quarantine: set it aside."),
    ] = None,
    log_dir: Annotated[
        Path | None,
        typer.Option(help="Where the run log goes (default: logs in the data folder)."),
    ] = None,
    replay_rejects: Annotated[
        bool,
        typer.Option(
            "--replay-rejects",
            help="Read again only the rows of the outstanding rejects (after fixing the "
            "mapping or the target), load those that now pass, file the others again; "
            "with --resume, finish an interrupted replay.",
        ),
    ] = False,
) -> None:
    """Move a config's rows from its source to its target, exactly once, and reconcile."""
    from services.migration import run_migration  # pandas/pyarrow: load on use

    options = MigrationOptions(
        resume=resume,
        restart=restart,
        again=again,
        test=test,
        test_rows=rows,
        preview_rows=show,
        batch_size=batch_size,
        error_policy=error_policy,
        replay_rejects=replay_rejects,
    )
    with StepBars() as show:
        result = run_migration(
            service_context(), config, options=options, progress=show, log_dir=log_dir
        )
    print_result(result, replayed=replay_rejects)


def print_result(result: MigrationResult, *, replayed: bool = False) -> None:
    """The run's counts, its reconciliation, and (in test mode) the preview and rejects."""
    if result.test:
        print_test_report(summarize_test_run(result))
        _print_conversions(result)
        return
    if replayed:
        out.print(f"Replay of the rejects of {result.step!r}:")
    out.print(
        f"{result.step!r}: {result.rows_read:,} read, {result.rows_loaded:,} loaded, "
        f"{result.rows_rejected:,} rejected in {result.seconds:.1f} s "
        f"({result.rows_per_second:,.0f} rows/s)"
        + (f", resumed after {result.resumed_from:,} rows" if result.resumed_from else "")
        + ".",
    )
    check = result.reconciliation
    if check is not None:
        verdict = "reconciled" if check.ok else "DID NOT reconcile"
        out.print(
            f"{verdict}: {len(check.columns)} column checksums"
            + (
                f", source holds {check.source_rows:,} rows"
                if check.source_rows is not None
                else ""
            )
            + (f" ({check.skipped})" if check.skipped else ""),
        )
    _print_conversions(result)
    if result.log_path:
        out.print(f"log: {result.log_path}")


def _print_conversions(result: MigrationResult) -> None:
    # A value a transformer replaced as configured (a zero date made NULL) is reported.
    if result.conversions:
        out.print(Text(f"converted (values replaced as configured): {result.conversions_text}"))
