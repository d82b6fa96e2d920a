"""`his-analyzer map …`: mapping suggestions and the coverage of value maps."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from cli_commands.common import add_plain_row, out, service_context

if TYPE_CHECKING:  # the suggester loads numpy: only on use
    from services.mapping.suggest import MappingSuggestions

map_app = typer.Typer(help="Mapping suggestions and value-map coverage.", no_args_is_help=True)

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@map_app.command("suggest")
def map_suggest(
    source: Annotated[str, typer.Option(help="DATASOURCE.TABLE to map from (or TABLE of --run).")],
    target: Annotated[str, typer.Option(help="DATASOURCE.TABLE to map onto.")],
    run: Annotated[
        str | None, typer.Option(help="Read the source from this report run (its Run ID).")
    ] = None,
    semantic: Annotated[
        bool, typer.Option("--semantic/--no-semantic", help="Use the semantic model.")
    ] = True,
    as_json: AsJson = False,
) -> None:
    """Suggest which source column goes to which target column, with confidence and why."""
    from services.mapping.suggest import suggest_mapping

    found = suggest_mapping(
        service_context(), source=source, target=target, run_id=run, semantic=semantic
    )
    if as_json:
        out.print(json.dumps(found.to_json(), indent=2, ensure_ascii=False))
        return
    print_suggestions(found, out)


def print_suggestions(found: MappingSuggestions, console: Console) -> None:
    """The suggestions as a table: source, target, confidence, transformers, reasons."""
    table = Table(title=f"{found.source} → {found.target}", show_lines=True)
    for column in ("source", "target", "confidence", "transformers", "why"):
        table.add_column(column, no_wrap=column in ("source", "target"))
    for s in found.suggestions:
        steps = ", ".join([t.name for t in s.transformers] + [v.name for v in s.validators])
        why = "; ".join([*s.reasons, *(t.reason for t in s.transformers)])
        add_plain_row(
            table,
            s.source_column,
            s.target_column or "— (unmapped)",
            f"{s.confidence:.0%}",
            steps,
            why,
        )
    console.print(table)
    mapped = sum(s.target_column is not None for s in found.suggestions)
    semantic = "with" if found.semantic else "without"
    console.print(
        f"{mapped} of {len(found.suggestions)} columns mapped "
        f"({semantic} the semantic model, {found.elapsed_seconds:.1f} s)."
    )


@map_app.command("coverage")
def map_coverage(
    config: Annotated[str, typer.Argument(help="Config name or id.")],
    column: Annotated[str, typer.Argument(help="The target (or source) column with a VALUE_MAP.")],
    run: Annotated[
        str | None, typer.Option(help="Count from this report run's top values instead.")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """How many source rows a VALUE_MAP covers, and its unmapped values by frequency."""
    from services.mapping import value_map_coverage

    coverage = value_map_coverage(service_context(), config, column, run_id=run)
    if as_json:
        out.print(json.dumps(coverage.to_json(), indent=2, ensure_ascii=False))
        return
    basis = "every row (GROUP BY)" if coverage.basis == "group_by" else "the profile's top values"
    out.print(
        f"{coverage.source} → {coverage.target}: {coverage.covered_rows:,} of {coverage.rows:,} "
        f"rows covered ({coverage.share:.1%}), {coverage.mapped_values} of "
        f"{coverage.distinct_values} values mapped; {coverage.null_rows:,} NULL rows; "
        f"counted from {basis}."
    )
    if coverage.unmapped:
        table = Table(title="Unmapped values, most frequent first")
        table.add_column("value")
        table.add_column("rows", justify="right")
        for value, count in coverage.unmapped:
            add_plain_row(table, value, f"{count:,}")
        out.print(table)
        if coverage.default is not None:
            out.print(f"They become {coverage.default!r} (the map's default).")
