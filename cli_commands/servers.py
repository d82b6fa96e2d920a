"""`his-analyzer demo init`, `demo clean` and `run`: the demo and the two servers."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from cli_commands.common import PROJECT_ROOT, out, service_context
from config import Settings, get_settings
from services.api_keys import ensure_api_keys
from services.demo import ensure_demo, remove_demo_data
from utils.process_group import run_together

demo_app = typer.Typer(help="The embedded demo (SQLite datasources).", no_args_is_help=True)


# --- demo and servers -------------------------------------------------------------------------


@demo_app.command("init")
def demo_init() -> None:
    """Create the demo datasources ("demo source", "demo target") if they are missing."""
    created = ensure_demo(service_context(), force=True)
    out.print(f"Demo ready ({'created ' + ', '.join(created) if created else 'already there'}).")


@demo_app.command("clean")
def demo_clean() -> None:
    """Delete the data directory's store, key, demo, logs and reports, if the store holds
    nothing but the demo (what `make clean` runs); otherwise say what it holds and keep it."""
    settings = get_settings()
    # No service context: it would open a log file in the folder about to be removed.
    cleanup = remove_demo_data(settings)
    if cleanup.left_alone:
        out.print(f"Left {settings.data_dir} alone: {cleanup.left_alone}.")
    elif settings.data_dir in cleanup.removed:
        out.print(f"Removed {settings.data_dir}: it held only the demo.")
    elif cleanup.removed:
        out.print(f"Removed the demo's files from {settings.data_dir}; the others stay.")
    else:
        out.print(f"Nothing to remove in {settings.data_dir}.")


def run_servers(
    api_port: Annotated[int | None, typer.Option(help="API port (default 8000).")] = None,
    ui_port: Annotated[int | None, typer.Option(help="Dashboard port (default 8501).")] = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
) -> None:
    """Prepare the demo, then serve the API and the dashboard until Ctrl-C."""
    settings = get_settings()
    ctx = service_context()
    ensure_demo(ctx)
    ctx.close()
    host = host or settings.api_host
    api_port = api_port or settings.api_port
    ui_port = ui_port or settings.ui_port
    python = sys.executable
    commands = {
        "api": [python, "-m", "uvicorn", "api.main:app", "--host", host, "--port", str(api_port)],
        "dashboard": [
            python, "-m", "streamlit", "run", str(PROJECT_ROOT / "app.py"),
            "--server.address", host, "--server.port", str(ui_port),
            "--server.headless", "true", "--browser.gatherUsageStats", "false",
            "--client.toolbarMode", "viewer", "--client.showErrorDetails", "none",
        ],
    }  # fmt: skip
    out.print(f"API:       http://{host}:{api_port}  (docs at /docs)")
    out.print(f"API key:   {_key_hint(settings)}")
    out.print(f"Dashboard: http://{host}:{ui_port}")
    out.print("Press Ctrl-C to stop both.")
    raise typer.Exit(run_together(commands, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}))


def _key_hint(settings: Settings) -> str:
    # Generated here rather than by the API process, so this terminal shows where it is before
    # the servers' output scrolls it away; the key itself is shown once, on creation.
    keys = ensure_api_keys(settings)
    if keys.file is None:
        return "one of HIS_API_KEYS, sent as 'Authorization: Bearer <key>'"
    hint = f"in {keys.file} (send 'Authorization: Bearer <key>')"
    return f"{keys.keys[0]}  (new; kept {hint})" if keys.created else hint
