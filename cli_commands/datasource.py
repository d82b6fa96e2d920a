"""`his-analyzer datasource …`: register, inspect and test datasources."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from cli_commands.common import out, print_nothing_in_store, service_context
from services import datasources
from services.errors import InvalidInput

datasource_app = typer.Typer(help="Register, inspect and test datasources.", no_args_is_help=True)


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
    datasource = datasources.create_datasource(
        service_context(),
        name=name,
        db_type=db_type,
        database=database,
        host=host,
        port=port,
        username=user,
        password=password,
        schema=schema,
        options=parse_options(option or []),
    )
    out.print(f"Datasource {datasource.name!r} added ({datasource.db_type}).")


@datasource_app.command("list")
def datasource_list() -> None:
    """List the registered datasources."""
    ctx = service_context()
    found = datasources.list_datasources(ctx)
    if not found:
        print_nothing_in_store(ctx, "datasources")
        return
    table = Table("name", "type", "where", "database", "user", "password")
    for ds in found:
        where = f"{ds.host}:{ds.port or ''}".rstrip(":") if ds.host else "(file)"
        table.add_row(
            ds.name, ds.db_type, where, ds.database, ds.username or "", _password_state(ds)
        )
    out.print(table)


@datasource_app.command("show")
def datasource_show(name: Annotated[str, typer.Argument(help="Datasource name or id.")]) -> None:
    """Show one datasource (never its password)."""
    ds = datasources.get_datasource(service_context(), name)
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
    result = datasources.test_datasource(service_context(), name)
    out.print(f"OK: {result.server_version} ({result.elapsed_ms:.0f} ms)")


@datasource_app.command("update")
def datasource_update(
    key: Annotated[str, typer.Argument(metavar="NAME", help="Datasource name or id.")],
    name: Annotated[
        str | None, typer.Option("--name", help="A new name (the id stays the same).")
    ] = None,
    db_type: Annotated[
        str | None, typer.Option("--type", help="mysql, postgresql, mssql or sqlite.")
    ] = None,
    database: Annotated[
        str | None, typer.Option(help="Database name, or the file path for sqlite.")
    ] = None,
    host: Annotated[str | None, typer.Option(help="Server host name or address.")] = None,
    port: Annotated[int | None, typer.Option(help="Server port.")] = None,
    user: Annotated[str | None, typer.Option(help="User name to log in with.")] = None,
    password_prompt: Annotated[
        bool,
        typer.Option(
            "--password-prompt", "--ask-password", help="Prompt for a new password without echo."
        ),
    ] = False,
    no_password: Annotated[
        bool, typer.Option("--no-password", help="Remove the stored password.")
    ] = False,
    schema: Annotated[str | None, typer.Option(help="Default schema (e.g. public, dbo).")] = None,
    option: Annotated[
        list[str] | None,
        typer.Option(help="Driver option KEY=VALUE to set, or KEY= to drop (repeatable)."),
    ] = None,
) -> None:
    """Change a datasource's connection; fields not given stay as they are."""
    if password_prompt and no_password:
        raise InvalidInput("Give --password-prompt or --no-password, not both.")
    given = {
        "name": name,
        "db_type": db_type,
        "database": database,
        "host": host,
        "port": port,
        "username": user,
        "schema": schema,
    }
    changes: dict[str, Any] = {field: value for field, value in given.items() if value is not None}
    ctx = service_context()
    if option:
        changes["options"] = merged_options(datasources.get_datasource(ctx, key).options, option)
    password: Any = datasources.KEEP
    if password_prompt:
        password = typer.prompt("Password", hide_input=True)
    elif no_password:
        password = None
    if not changes and password is datasources.KEEP:
        raise InvalidInput("Nothing to change: give at least one option (see --help).")
    updated = datasources.update_datasource(ctx, key, password=password, **changes)
    changed = sorted(changes) + ([] if password is datasources.KEEP else ["password"])
    out.print(f"Datasource {updated.name!r} updated: {', '.join(changed)}.")


@datasource_app.command("remove")
def datasource_remove(
    name: Annotated[str, typer.Argument(help="Datasource name or id.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Remove it even if configs or pipelines use it.")
    ] = False,
) -> None:
    """Remove a datasource (the database itself is not touched)."""
    ctx = service_context()
    ds = datasources.get_datasource(ctx, name)
    usage = datasources.datasource_usage(ctx, ds.id)
    if usage and not force:
        raise usage.refusal(ds.name)  # before asking: a yes would be refused anyway
    if not yes:
        question = f"Remove datasource {ds.name!r}"
        question += f", used by {usage.describe()}?" if usage else "?"
        typer.confirm(question, abort=True)
    datasources.delete_datasource(ctx, ds.id, force=force)
    out.print(f"Datasource {ds.name!r} removed.")


def _password_state(ds: object) -> str:
    return "stored (encrypted)" if getattr(ds, "has_password", False) else "none"


def parse_options(pairs: list[str]) -> dict[str, str]:
    """`--option KEY=VALUE` pairs as a dict."""
    options = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InvalidInput(f"--option takes KEY=VALUE, got {pair!r}.", field="option")
        options[key.strip()] = value
    return options


def merged_options(stored: dict[str, Any], pairs: list[str]) -> dict[str, Any]:
    """The stored driver options with `--option` pairs applied; `KEY=` drops KEY."""
    merged = dict(stored)
    for key, value in parse_options(pairs).items():
        if value:
            merged[key] = value
        else:
            merged.pop(key, None)
    return merged
