"""Resolves transformer parameters that point at data: a VALUE_MAP `lookup` table → `mapping`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from models.migration_config import MigrationConfig
from services.context import ServiceContext
from services.datasources import open_endpoint
from services.errors import InvalidConfig, NotFound
from utils.text import first_line

if TYPE_CHECKING:
    from data_transformers.lookup import LookupTable


def load_lookup(ctx: ServiceContext, lookup: LookupTable) -> dict[str, str]:
    """Read a lookup table into {key: value} (keys and values as text).

    Raises:
        DatasourceNotFound, ConnectionFailed: the datasource cannot be used.
        InvalidConfig: the table or a column is missing, or a key maps to two values.
    """
    source = open_endpoint(ctx, lookup.datasource, lookup.schema_name)
    dialect, schema = source.dialect, source.schema
    sql = (
        f"SELECT {dialect.as_text(dialect.quote(lookup.key_column))}, "
        f"{dialect.as_text(dialect.quote(lookup.value_column))} "
        f"FROM {dialect.qualified(lookup.table, schema)}"
    )
    where = f"lookup table {lookup.table!r} of {source.name!r}"
    try:
        with source.connect() as connection:
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
    # Imported on use: the transformers bring pandas, which listing configs never needs.
    from data_transformers.lookup import LookupTable

    lookup = LookupTable.model_validate(params["lookup"])
    resolved = {key: value for key, value in params.items() if key != "lookup"}
    resolved["mapping"] = load_lookup(ctx, lookup)
    return resolved


def resolve_config_lookups(ctx: ServiceContext, config: MigrationConfig) -> MigrationConfig:
    """`config` with every VALUE_MAP `lookup` table read into its `mapping`, once per run.

    The config itself is left as it is (a copy is returned when anything was resolved).

    Raises:
        InvalidConfig: a lookup table or one of its columns is missing, its datasource is
            unknown, or it maps a key to two values; the message names the column.
    """
    resolved = config.model_copy(deep=True)
    changed = False
    for item in resolved.mapped_items():
        for call in item.transformers:
            if call.name.upper() != "VALUE_MAP" or not call.params.get("lookup"):
                continue
            try:
                call.params = resolve_lookups(ctx, call.name, call.params)
            except (InvalidConfig, NotFound) as error:
                raise InvalidConfig(
                    f"Column {item.target!r}: {call.name}: {error.message}", field="mappings"
                ) from error
            changed = True
    return resolved if changed else config
