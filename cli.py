"""`his-analyzer` command line: parses arguments, calls services, prints results.

Each command group lives in its own module under cli_commands/; this file assembles them.
"""

from __future__ import annotations

import logging
import sys

import typer

from cli_commands.analysis import profile
from cli_commands.common import err
from cli_commands.configs import config_app
from cli_commands.datasource import datasource_app
from cli_commands.info import api_key, info
from cli_commands.jobs import job_app, worker
from cli_commands.mapping import map_app
from cli_commands.migrate import migrate
from cli_commands.mock import mock_app
from cli_commands.pipeline import pipeline_app
from cli_commands.plugins import list_transformers, list_validators
from cli_commands.rejects import rejects_app
from cli_commands.reports import report_app
from cli_commands.runs import runs
from cli_commands.schema import schema_app
from cli_commands.servers import demo_app, run_servers
from cli_commands.terminal import keep_native_output_off_the_terminal
from config import get_settings
from services.errors import HisError

app = typer.Typer(
    help="Profile hospital (HIS) databases and migrate them.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(datasource_app, name="datasource")
app.add_typer(schema_app, name="schema")
app.command("profile")(profile)
app.add_typer(report_app, name="report")
app.add_typer(mock_app, name="mock")
app.add_typer(config_app, name="config")
app.add_typer(map_app, name="map")
app.add_typer(pipeline_app, name="pipeline")
app.command("migrate")(migrate)
app.add_typer(job_app, name="job")
app.command("worker")(worker)
app.command("runs")(runs)
app.add_typer(rejects_app, name="rejects")
app.command("transformers")(list_transformers)
app.command("validators")(list_validators)
app.add_typer(demo_app, name="demo")
app.command("run")(run_servers)
app.command("info")(info)
app.command("api-key")(api_key)

log = logging.getLogger("his_analyzer.cli")


def main() -> None:
    """Entry point: one clear line and a non-zero exit for every error, tracebacks to the log."""
    keep_native_output_off_the_terminal()
    try:
        app()  # standalone: Typer itself reports usage errors and Ctrl-C, and exits
    except HisError as error:
        err.print(f"error: {error.message}")
        sys.exit(1)
    except Exception:
        log.exception("unexpected failure")
        err.print(
            f"error: unexpected failure; the details are in {get_settings().log_file}",
        )
        sys.exit(2)


if __name__ == "__main__":
    main()
