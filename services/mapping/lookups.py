"""Resolves transformer parameters that point at data: a VALUE_MAP `lookup` table → `mapping`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from data_transformers.lookup import LookupTable
from services.connections import first_line
from services.context import ServiceContext
from services.datasources import connection_spec, dialect_of, get_datasource
from services.errors import InvalidConfig


def load_lookup(ctx: ServiceContext, lookup: LookupTable) -> dict[str, str]:
    """Read a lookup table into {key: value} (keys and values as text).

    Raises:
        DatasourceNotFound, ConnectionFailed: the datasource cannot be used.
        InvalidConfig: the table or a column is missing, or a key maps to two values.
    """
    source = get_datasource(ctx, lookup.datasource)
    dialect = dialect_of(source.db_type)
    schema = lookup.schema_name or source.schema or dialect.default_schema
    sql = (
        f"SELECT {dialect.as_text(dialect.quote(lookup.key_column))}, "
        f"{dialect.as_text(dialect.quote(lookup.value_column))} "
        f"FROM {dialect.qualified(lookup.table, schema)}"
    )
    where = f"lookup table {lookup.table!r} of {source.name!r}"
    try:
        with ctx.connections.connect(connection_spec(source, ctx.secrets)) as connection:
            rows = connection.execute(text(sql)).all()
    except SQLAlchemyError as error:
        raise InvalidConfig(f"Cannot read the {where}: {first_line(error)}") from error
    mapping: dict[str, str] = {}
    clashes = 0
    for key, value in rows:
        if key is None:
            continue
        if key in mapping and mapping[key] != value:
            clashes += 1
        mapping[key] = value
    if clashes:
        raise InvalidConfig(f"The {where} maps {clashes} keys to more than one value.")
    return mapping


def resolve_lookups(ctx: ServiceContext, name: str, params: dict[str, Any]) -> dict[str, Any]:
    """`params` of transformer `name` with any `lookup` table replaced by its `mapping`."""
    if name.upper() != "VALUE_MAP" or not params.get("lookup"):
        return params
    lookup = LookupTable.model_validate(params["lookup"])
    resolved = {key: value for key, value in params.items() if key != "lookup"}
    resolved["mapping"] = load_lookup(ctx, lookup)
    return resolved
