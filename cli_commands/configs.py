"""`his-analyzer config …`: versioned mapping configs."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cli_commands.common import err, out, print_nothing_in_store, service_context
from models.config_record import ConfigVersion
from services import mapping
from services.errors import InvalidInput

config_app = typer.Typer(help="Versioned mapping configs.", no_args_is_help=True)


# --- mapping configs --------------------------------------------------------------------------

ConfigName = Annotated[str, typer.Argument(help="Config name.")]


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise InvalidInput(f"Cannot read {path}: {reason}.", field="file") from None


Offline = Annotated[
    bool,
    typer.Option(
        "--offline", help="Do not check the config against the datasources' live schemas."
    ),
]


@config_app.command("new")
def config_new(
    name: ConfigName,
    source: Annotated[
        str, typer.Option(help="DATASOURCE.TABLE to read (the datasource's own schema).")
    ],
    target: Annotated[
        str, typer.Option(help="DATASOURCE or DATASOURCE.TABLE (default: the source's name).")
    ],
    save: Annotated[bool, typer.Option("--save", help="Save it as v1, do not print it.")] = False,
    suggest: Annotated[
        bool,
        typer.Option(
            "--suggest", help="Map by suggestions (dictionary, semantic model, sample values)."
        ),
    ] = False,
) -> None:
    """Draft a config from the live schemas: every source column mapped by name, or by the
    suggestions with --suggest (shown with confidence and reasons first)."""
    ctx = service_context()
    if suggest:
        from cli_commands.mapping import print_suggestions
        from services.mapping.suggest import suggest_config

        data, found = suggest_config(ctx, name, source=source, target=target)
        if found is not None:
            # On stderr when the config itself goes to stdout, so it can be piped to a file.
            print_suggestions(found, out if save else err)
    else:
        data = mapping.draft_config(ctx, name, source=source, target=target)
    if not save:
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return
    summary = "drafted from suggestions" if suggest else "drafted"
    saved = _checked(lambda: mapping.save_config(ctx, data, summary=summary, new=True))
    out.print(f"Config {saved.config_name!r} saved as v{saved.version}.")


@config_app.command("save")
def config_save(
    file: Annotated[Path, typer.Argument(help="A config as JSON (see `config export`).")],
    summary: Annotated[str | None, typer.Option(help="What changed, for the history.")] = None,
    offline: Offline = False,
) -> None:
    """Validate a config file, check it against the live schemas, save it as the next version."""
    text = _read_text(file)
    saved = _checked(
        lambda: mapping.import_config(
            service_context(), text, summary=summary, check_live=not offline
        )
    )
    out.print(f"Config {saved.config_name!r} saved as v{saved.version}.")


@config_app.command("import")
def config_import(
    file: Annotated[Path, typer.Argument(help="A config exported as JSON.")],
    offline: Offline = False,
) -> None:
    """Import a config exported as JSON (a new config, or the next version of one)."""
    text = _read_text(file)
    saved = _checked(lambda: mapping.import_config(service_context(), text, check_live=not offline))
    out.print(f"Config {saved.config_name!r} imported as v{saved.version}.")


def _checked(save: Callable[[], ConfigVersion]) -> ConfigVersion:
    """`save()`, telling how to save anyway when a datasource cannot be reached to check."""
    try:
        return save()
    except mapping.LiveCheckUnavailable as error:
        error.message = f"{error.message.rstrip('.')}; use --offline to save without the check."
        raise


@config_app.command("list")
def config_list() -> None:
    """List the configs (deleted ones are hidden)."""
    ctx = service_context()
    records = mapping.list_configs(ctx)
    if not records:
        print_nothing_in_store(ctx, "configs")
        return
    table = Table("name", "version", "source", "target", "load", "mappings", "updated (UTC)")
    for record in records:
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
    snapshot = mapping.get_config(service_context(), name, version=version)
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
    for saved in mapping.list_versions(service_context(), name):
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
    diff = mapping.compare_config_versions(service_context(), name, v1, v2)
    out.print(f"{name}: v{v1} → v{v2}")
    if diff.is_empty:
        out.print("No differences.")
    for change in diff.fields:
        out.print(f"  ~ {change.field}: {_cell(change.old)} → {_cell(change.new)}")
    for item in diff.added:
        out.print(f"  + mapping {item.get('target')} ← {item.get('source')}")
    for item in diff.removed:
        out.print(f"  - mapping {item.get('target')} ← {item.get('source')}")
    for changed in diff.modified:
        for change in changed.changes:
            out.print(
                f"  ~ mapping {changed.key}.{change.field}: "
                f"{_cell(change.old)} → {_cell(change.new)}",
            )


@config_app.command("rollback")
def config_rollback(
    name: ConfigName, version: Annotated[int, typer.Argument(help="The version to go back to.")]
) -> None:
    """Save an older version as the newest one (history is kept)."""
    saved = mapping.rollback_config(service_context(), name, version)
    out.print(f"Config {name!r} rolled back to v{version}, saved as v{saved.version}.")


@config_app.command("delete")
def config_delete(
    name: ConfigName,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a config (its history is kept; `config restore` brings it back)."""
    mapping.get_config(service_context(), name)  # a typo fails before the question is asked
    if not yes:
        typer.confirm(f"Delete config {name!r}?", abort=True)
    mapping.delete_config(service_context(), name)
    out.print(f"Config {name!r} deleted (history kept).")


@config_app.command("restore")
def config_restore(name: ConfigName) -> None:
    """Bring back a deleted config from its latest version."""
    saved = mapping.restore_config(service_context(), name)
    out.print(f"Config {name!r} restored as v{saved.version}.")


@config_app.command("export")
def config_export(
    name: ConfigName,
    format: Annotated[str, typer.Option("--format", help="json or ts (TypeScript).")] = "json",
    out_file: Annotated[Path | None, typer.Option("--out", help="Write here, not stdout.")] = None,
    version: Annotated[int | None, typer.Option(help="A saved version (default: latest).")] = None,
) -> None:
    """Export a config as JSON (re-importable) or as a typed TypeScript module."""
    text = mapping.export_config(service_context(), name, format=format, version=version)  # type: ignore[arg-type]
    if out_file is None:
        sys.stdout.write(text)
        return
    try:
        out_file.write_text(text, encoding="utf-8")
    except OSError as error:
        raise InvalidInput(f"Cannot write {out_file}: {error.strerror}.", field="out") from None
    out.print(f"Config {name!r} written to {out_file}.")


def _which(version: int | None) -> str:
    return "latest" if version is None else f"v{version}"


def _cell(value: object) -> str:
    return "" if value is None else value if isinstance(value, str) else json.dumps(value)


def _calls(calls: list[dict]) -> str:
    return ", ".join(
        call["name"] + (f"({json.dumps(call['params'])})" if call.get("params") else "")
        for call in calls
    )
