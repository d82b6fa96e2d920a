"""`his-analyzer` command line: parses arguments, calls services, prints results."""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from config import get_settings
from models.profile import ProfileMode
from models.progress import ProgressEvent, ProgressKind
from services import config_service, datasource_service, discovery_service
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
config_app = typer.Typer(help="Versioned mapping configs.", no_args_is_help=True)
app.add_typer(datasource_app, name="datasource")
app.add_typer(schema_app, name="schema")
app.add_typer(demo_app, name="demo")
app.add_typer(mock_app, name="mock")
app.add_typer(config_app, name="config")

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


# --- mapping configs --------------------------------------------------------------------------

ConfigName = Annotated[str, typer.Argument(help="Config name.")]


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise InvalidInput(f"Cannot read {path}: {reason}.", field="file") from None


@config_app.command("save")
def config_save(
    file: Annotated[Path, typer.Argument(help="A config as JSON (see `config export`).")],
    summary: Annotated[str | None, typer.Option(help="What changed, for the history.")] = None,
) -> None:
    """Validate a config file and save it as the config's next version."""
    saved = config_service.import_config(_ctx(), _read_text(file), summary=summary)
    out.print(f"Config {saved.config_name!r} saved as v{saved.version}.", markup=False)


@config_app.command("import")
def config_import(
    file: Annotated[Path, typer.Argument(help="A config exported as JSON.")],
) -> None:
    """Import a config exported as JSON (a new config, or the next version of one)."""
    saved = config_service.import_config(_ctx(), _read_text(file))
    out.print(f"Config {saved.config_name!r} imported as v{saved.version}.", markup=False)


@config_app.command("list")
def config_list() -> None:
    """List the configs (deleted ones are hidden)."""
    table = Table("name", "version", "source", "target", "load", "mappings", "updated (UTC)")
    for record in config_service.list_configs(_ctx()):
        content = record.content
        source = record.source_table or "(query)"
        table.add_row(
            record.name, f"v{record.version}", source, record.target_table or "",
            content.get("load_mode", ""), str(len(content.get("mappings", []))),
            record.updated_at.strftime("%Y-%m-%d %H:%M"),
        )  # fmt: skip
    out.print(table)


@config_app.command("show")
def config_show(
    name: ConfigName,
    version: Annotated[int | None, typer.Option(help="A saved version (default: latest).")] = None,
) -> None:
    """Show a config: its settings and its mappings."""
    snapshot = config_service.get_config(_ctx(), name, version=version)
    settings = Table("field", "value", show_header=False, title=f"{name} ({_which(version)})")
    for field, value in snapshot.items():
        if field == "key_columns":
            settings.add_row(field, ", ".join(value))
        elif field != "mappings":
            settings.add_row(field, _cell(value))
    out.print(settings)
    mappings = Table("#", "source", "target", "transformers", "validators", "default")
    for index, item in enumerate(snapshot.get("mappings", [])):
        target = "(ignored)" if item.get("ignore") else item.get("target") or ""
        mappings.add_row(
            str(index), item.get("source") or "", target,
            _calls(item.get("transformers", [])), _calls(item.get("validators", [])),
            _cell(item.get("default")),
        )  # fmt: skip
    out.print(mappings)


@config_app.command("history")
def config_history(name: ConfigName) -> None:
    """List every saved version of a config (kept after it is deleted)."""
    table = Table("version", "saved (UTC)", "summary", title=name)
    for saved in config_service.list_versions(_ctx(), name):
        saved_at = saved.created_at.strftime("%Y-%m-%d %H:%M:%S")
        table.add_row(f"v{saved.version}", saved_at, saved.change_summary or "")
    out.print(table)


@config_app.command("diff")
def config_diff(
    name: ConfigName,
    v1: Annotated[int, typer.Argument(help="The older version.")],
    v2: Annotated[int, typer.Argument(help="The newer version.")],
) -> None:
    """Show what changed between two versions: settings, and mappings by target column."""
    diff = config_service.compare_config_versions(_ctx(), name, v1, v2)
    out.print(f"{name}: v{v1} → v{v2}", markup=False)
    if diff.is_empty:
        out.print("No differences.")
    for change in diff.fields:
        out.print(f"  ~ {change.field}: {_cell(change.old)} → {_cell(change.new)}", markup=False)
    for item in diff.added:
        out.print(f"  + mapping {item.get('target')} ← {item.get('source')}", markup=False)
    for item in diff.removed:
        out.print(f"  - mapping {item.get('target')} ← {item.get('source')}", markup=False)
    for mapping in diff.modified:
        for change in mapping.changes:
            out.print(
                f"  ~ mapping {mapping.key}.{change.field}: "
                f"{_cell(change.old)} → {_cell(change.new)}",
                markup=False,
            )


@config_app.command("rollback")
def config_rollback(
    name: ConfigName, version: Annotated[int, typer.Argument(help="The version to go back to.")]
) -> None:
    """Save an older version as the newest one (history is kept)."""
    saved = config_service.rollback_config(_ctx(), name, version)
    out.print(
        f"Config {name!r} rolled back to v{version}, saved as v{saved.version}.", markup=False
    )


@config_app.command("delete")
def config_delete(
    name: ConfigName,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a config (its history is kept; `config restore` brings it back)."""
    config_service.get_config(_ctx(), name)  # a typo fails before the question is asked
    if not yes:
        typer.confirm(f"Delete config {name!r}?", abort=True)
    config_service.delete_config(_ctx(), name)
    out.print(f"Config {name!r} deleted (history kept).", markup=False)


@config_app.command("restore")
def config_restore(name: ConfigName) -> None:
    """Bring back a deleted config from its latest version."""
    saved = config_service.restore_config(_ctx(), name)
    out.print(f"Config {name!r} restored as v{saved.version}.", markup=False)


@config_app.command("export")
def config_export(
    name: ConfigName,
    format: Annotated[str, typer.Option("--format", help="json or ts (TypeScript).")] = "json",
    out_file: Annotated[Path | None, typer.Option("--out", help="Write here, not stdout.")] = None,
    version: Annotated[int | None, typer.Option(help="A saved version (default: latest).")] = None,
) -> None:
    """Export a config as JSON (re-importable) or as a typed TypeScript module."""
    text = config_service.export_config(_ctx(), name, format=format, version=version)  # type: ignore[arg-type]
    if out_file is None:
        sys.stdout.write(text)
        return
    try:
        out_file.write_text(text, encoding="utf-8")
    except OSError as error:
        raise InvalidInput(f"Cannot write {out_file}: {error.strerror}.", field="out") from None
    out.print(f"Config {name!r} written to {out_file}.", markup=False)


def _which(version: int | None) -> str:
    return "latest" if version is None else f"v{version}"


def _cell(value: object) -> str:
    return "" if value is None else value if isinstance(value, str) else json.dumps(value)


def _calls(calls: list[dict]) -> str:
    return ", ".join(
        call["name"] + (f"({json.dumps(call['params'])})" if call.get("params") else "")
        for call in calls
    )


# --- plugin listings --------------------------------------------------------------------------


@app.command("validators")
def list_validators() -> None:
    """List the validators a mapping can attach to a column, with their parameters."""
    from utils.plugin_docs import format_params
    from validators.registry import validators

    table = _plugin_table("description", "parameters")
    for plugin in validators:
        table.add_row(*map(Text, (plugin.name, plugin.description, format_params(plugin.Params))))
    out.print(table)


@app.command("transformers")
def list_transformers() -> None:
    """List the transformers a mapping can apply to a column, with their parameters."""
    from data_transformers.registry import transformers
    from utils.plugin_docs import format_params

    table = _plugin_table("family", "description", "parameters")
    for plugin in transformers:
        cells = (plugin.name, plugin.family, plugin.description, format_params(plugin.Params))
        table.add_row(*map(Text, cells))
    out.print(table)


def _plugin_table(*columns: str) -> Table:
    # Names never wrap: they are what a user copies into a config. Cells are Text, not markup,
    # because regular expressions and defaults contain square brackets.
    table = Table(show_lines=True)
    table.add_column("name", no_wrap=True)
    for column in columns:
        table.add_column(column)
    return table


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
