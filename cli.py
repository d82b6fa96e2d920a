"""`his-analyzer` command line: parses arguments, calls services, prints results."""

from __future__ import annotations

import functools
import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from config import get_settings
from models.profile import ProfileMode
from models.progress import ProgressEvent, ProgressKind
from services import datasource_service, discovery_service
from services.bootstrap import bootstrap
from services.context import ServiceContext
from services.demo_service import ensure_demo
from services.errors import HisError, InvalidInput
from services.log_format import RedactingFormatter
from services.profiler import SamplePlan
from utils.process_group import run_together

app = typer.Typer(
    help="Profile hospital (HIS) databases and migrate them.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
datasource_app = typer.Typer(help="Register, inspect and test datasources.", no_args_is_help=True)
schema_app = typer.Typer(help="Discover the live schema of a datasource.", no_args_is_help=True)
demo_app = typer.Typer(help="The embedded demo (SQLite datasources).", no_args_is_help=True)
mock_app = typer.Typer(help="Fill a datasource with a mock HIS database.", no_args_is_help=True)
app.add_typer(datasource_app, name="datasource")
app.add_typer(schema_app, name="schema")
app.add_typer(demo_app, name="demo")
app.add_typer(mock_app, name="mock")

# soft_wrap: an error is one line, even on an 80-column terminal.
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
log = logging.getLogger("his_analyzer.cli")
PROJECT_ROOT = Path(__file__).resolve().parent


@functools.cache
def _ctx() -> ServiceContext:
    settings = get_settings()
    _log_to_file(settings.data_dir / "logs" / "his-analyzer.log", settings.log_level)
    return bootstrap(settings)


def _log_to_file(path: Path, level: str) -> None:
    # Tracebacks belong in the log, never on the user's terminal.
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(RedactingFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level.upper())


def _parse_options(pairs: list[str]) -> dict[str, str]:
    options = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InvalidInput(f"--option takes KEY=VALUE, got {pair!r}.", field="option")
        options[key.strip()] = value
    return options


# --- datasource -------------------------------------------------------------------------------


@datasource_app.command("add")
def datasource_add(
    name: Annotated[str, typer.Option(help="A unique name, e.g. 'hosxp-prod'.")],
    db_type: Annotated[str, typer.Option("--type", help="mysql, postgresql, mssql or sqlite.")],
    database: Annotated[str, typer.Option(help="Database name, or the file path for sqlite.")],
    host: Annotated[str | None, typer.Option(help="Server host name or address.")] = None,
    port: Annotated[int | None, typer.Option(help="Server port (default: the engine's).")] = None,
    user: Annotated[str | None, typer.Option(help="User name to log in with.")] = None,
    password: Annotated[
        str | None,
        typer.Option(
            envvar="HIS_DATASOURCE_PASSWORD",
            help="Password (prefer --ask-password or the env var: shells keep history).",
        ),
    ] = None,
    ask_password: Annotated[
        bool, typer.Option("--ask-password", help="Prompt for the password without echo.")
    ] = False,
    schema: Annotated[str | None, typer.Option(help="Default schema (e.g. public, dbo).")] = None,
    option: Annotated[
        list[str] | None, typer.Option(help="Extra driver option KEY=VALUE (repeatable).")
    ] = None,
) -> None:
    """Register a datasource; its password is stored encrypted."""
    if ask_password:
        password = typer.prompt("Password", hide_input=True)
    datasource = datasource_service.create_datasource(
        _ctx(),
        name=name,
        db_type=db_type,
        database=database,
        host=host,
        port=port,
        username=user,
        password=password,
        schema=schema,
        options=_parse_options(option or []),
    )
    out.print(f"Datasource {datasource.name!r} added ({datasource.db_type}).")


@datasource_app.command("list")
def datasource_list() -> None:
    """List the registered datasources."""
    table = Table("name", "type", "where", "database", "user", "password")
    for ds in datasource_service.list_datasources(_ctx()):
        where = f"{ds.host}:{ds.port or ''}".rstrip(":") if ds.host else "(file)"
        table.add_row(
            ds.name, ds.db_type, where, ds.database, ds.username or "", _password_state(ds)
        )
    out.print(table)


@datasource_app.command("show")
def datasource_show(name: Annotated[str, typer.Argument(help="Datasource name or id.")]) -> None:
    """Show one datasource (never its password)."""
    ds = datasource_service.get_datasource(_ctx(), name)
    table = Table("field", "value", show_header=False)
    for field, value in (
        ("id", str(ds.id)),
        ("name", ds.name),
        ("type", ds.db_type),
        ("host", ds.host or ""),
        ("port", str(ds.port or "")),
        ("database", ds.database),
        ("user", ds.username or ""),
        ("password", _password_state(ds)),
        ("schema", ds.schema or ""),
        ("options", ", ".join(f"{k}={v}" for k, v in ds.options.items())),
        ("created", ds.created_at.isoformat(timespec="seconds")),
        ("updated", ds.updated_at.isoformat(timespec="seconds")),
    ):
        table.add_row(field, value)
    out.print(table)


@datasource_app.command("test")
def datasource_test(name: Annotated[str, typer.Argument(help="Datasource name or id.")]) -> None:
    """Connect and print the server's version, or why the connection failed."""
    result = datasource_service.test_datasource(_ctx(), name)
    out.print(f"OK: {result.server_version} ({result.elapsed_ms:.0f} ms)")


@datasource_app.command("remove")
def datasource_remove(
    name: Annotated[str, typer.Argument(help="Datasource name or id.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Remove a datasource (the database itself is not touched)."""
    ds = datasource_service.get_datasource(_ctx(), name)
    if not yes:
        typer.confirm(f"Remove datasource {ds.name!r}?", abort=True)
    datasource_service.delete_datasource(_ctx(), ds.id)
    out.print(f"Datasource {ds.name!r} removed.")


def _password_state(ds: object) -> str:
    return "stored (encrypted)" if getattr(ds, "has_password", False) else "none"


# --- schema -----------------------------------------------------------------------------------

SchemaOption = Annotated[
    str | None, typer.Option(help="Schema (default: the datasource's, public or dbo).")
]


@schema_app.command("schemas")
def schema_schemas(datasource: Annotated[str, typer.Argument(help="Datasource name.")]) -> None:
    """List the user schemas of a datasource."""
    for name in discovery_service.list_schemas(_ctx(), datasource):
        out.print(name)


@schema_app.command("tables")
def schema_tables(
    datasource: Annotated[str, typer.Argument(help="Datasource name.")],
    schema: SchemaOption = None,
) -> None:
    """List tables with their estimated row counts."""
    tables = discovery_service.list_tables(_ctx(), datasource, schema=schema)
    table = Table("schema", "table", "rows (estimate)")
    for info in tables:
        estimate = "?" if info.row_estimate is None else f"{info.row_estimate:,}"
        table.add_row(info.schema or "", info.name, estimate)
    out.print(table)


@schema_app.command("columns")
def schema_columns(
    datasource: Annotated[str, typer.Argument(help="Datasource name.")],
    table_name: Annotated[str, typer.Argument(metavar="TABLE", help="Table name.")],
    schema: SchemaOption = None,
) -> None:
    """Show a table's columns, primary key, indexes and foreign keys."""
    detail = discovery_service.describe_table(_ctx(), datasource, table_name, schema=schema)
    table = Table("column", "type", "null", "default", "pk", title=f"{detail.schema}.{detail.name}")
    for column in detail.columns:
        table.add_row(
            column.name,
            column.type,
            "yes" if column.nullable else "no",
            column.default or "",
            "PK" if column.primary_key else "",
        )
    out.print(table)
    for index in detail.indexes:
        kind = "unique index" if index.unique else "index"
        out.print(f"{kind} {index.name}: ({', '.join(index.columns)})")
    for fk in detail.foreign_keys:
        target = (
            f"{fk.referred_schema}.{fk.referred_table}" if fk.referred_schema else fk.referred_table
        )
        out.print(
            f"foreign key {fk.name}: ({', '.join(fk.columns)}) → "
            f"{target}({', '.join(fk.referred_columns)})"
        )


# --- analysis ---------------------------------------------------------------------------------


@app.command("profile")
def profile(
    datasource: Annotated[str, typer.Argument(help="Datasource name.")],
    tables: Annotated[
        str | None, typer.Option(help="Comma-separated tables (default: all of the schema).")
    ] = None,
    schema: SchemaOption = None,
    basic: Annotated[
        bool, typer.Option("--basic/--deep", help="Counts only, or every metric (default).")
    ] = False,
    out_dir: Annotated[Path, typer.Option("--out", help="Where report run folders go.")] = Path(
        "migration_report"
    ),
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
    from services.analysis_service import analyze_datasource, load_sampling_settings

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

        result = analyze_datasource(
            _ctx(), datasource, out_dir=out_dir, tables=chosen, schema=schema,
            mode=ProfileMode.BASIC if basic else ProfileMode.DEEP, mask=mask, sampling=sampling,
            sample=SamplePlan(percent=sample_percent, above_rows=sample_above_rows),
            progress=show,
        )  # fmt: skip
    failed = [table for table in result.profile.tables if table.error]
    for table in failed:
        err.print(f"warning: {table.name} was not profiled: {table.error}", markup=False)
    out.print(f"Report: {result.paths.html}")
    out.print(f"CSV:    {result.paths.csv}")
    out.print(f"DDL:    {result.paths.schema_sql}")
    if failed:
        raise typer.Exit(1)


# --- demo and servers -------------------------------------------------------------------------


@demo_app.command("init")
def demo_init() -> None:
    """Create the demo datasources ("demo source", "demo target") if they are missing."""
    created = ensure_demo(_ctx(), force=True)
    out.print(f"Demo ready ({'created ' + ', '.join(created) if created else 'already there'}).")


@app.command("run")
def run_servers(
    api_port: Annotated[int | None, typer.Option(help="API port (default 8000).")] = None,
    ui_port: Annotated[int | None, typer.Option(help="Dashboard port (default 8501).")] = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
) -> None:
    """Prepare the demo, then serve the API and the dashboard until Ctrl-C."""
    settings = get_settings()
    ctx = _ctx()
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
    out.print(f"Dashboard: http://{host}:{ui_port}")
    out.print("Press Ctrl-C to stop both.")
    raise typer.Exit(run_together(commands, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}))


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
    from services.mock_data_service import existing_mock_tables, generate_mock_his

    ctx = _ctx()
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


def main() -> None:
    """Entry point: one clear line and a non-zero exit for every error, tracebacks to the log."""
    try:
        app()  # standalone: Typer itself reports usage errors and Ctrl-C, and exits
    except HisError as error:
        err.print(f"error: {error.message}", markup=False, highlight=False)
        sys.exit(1)
    except Exception:
        log.exception("unexpected failure")
        err.print(
            "error: unexpected failure; the details are in "
            f"{get_settings().data_dir / 'logs' / 'his-analyzer.log'}",
            markup=False,
            highlight=False,
        )
        sys.exit(2)


if __name__ == "__main__":
    main()
