"""`his-analyzer transformers` and `validators`: the registered plugins."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from cli_commands.common import out


def list_validators() -> None:
    """List the validators a mapping can attach to a column, with their parameters."""
    from utils.plugin_docs import format_params
    from validators.registry import validators

    table = _plugin_table("description", "parameters")
    for plugin in validators:
        table.add_row(*map(Text, (plugin.name, plugin.description, format_params(plugin.Params))))
    out.print(table)


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
