"""`his-analyzer schema …`: the live schema of a datasource."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from cli_commands.common import out, service_context
from services import datasources

schema_app = typer.Typer(help="Discover the live schema of a datasource.", no_args_is_help=True)

# --- schema -----------------------------------------------------------------------------------

SchemaOption = Annotated[
    str | None, typer.Option(help="Schema (default: the datasource's, public or dbo).")
]


@schema_app.command("schemas")
def schema_schemas(datasource: Annotated[str, typer.Argument(help="Datasource name.")]) -> None:
    """List the user schemas of a datasource."""
    for name in datasources.list_schemas(service_context(), datasource):
        out.print(name)


@schema_app.command("tables")
def schema_tables(
    datasource: Annotated[str, typer.Argument(help="Datasource name.")],
    schema: SchemaOption = None,
) -> None:
    """List tables with their estimated row counts."""
    tables = datasources.list_tables(service_context(), datasource, schema=schema)
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
    detail = datasources.describe_table(service_context(), datasource, table_name, schema=schema)
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
