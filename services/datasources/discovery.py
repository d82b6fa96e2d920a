"""Live schema discovery: schemas, tables, columns, indexes and foreign keys of a datasource."""

from __future__ import annotations

import uuid

from sqlalchemy import Connection, inspect

from dialects.base import Dialect
from models.schema import ColumnInfo, ForeignKeyInfo, IndexInfo, TableDetail, TableInfo
from services.context import ServiceContext
from services.datasources.endpoint import open_endpoint
from services.errors import SchemaNotFound, TableNotFound


def list_schemas(ctx: ServiceContext, datasource: str | uuid.UUID) -> list[str]:
    """The user schemas of a datasource (engine-internal schemas left out)."""
    endpoint = open_endpoint(ctx, datasource)
    with endpoint.connect() as connection:
        names = inspect(connection).get_schema_names()
    return sorted(name for name in names if name not in endpoint.dialect.system_schemas)


def list_tables(
    ctx: ServiceContext, datasource: str | uuid.UUID, *, schema: str | None = None
) -> list[TableInfo]:
    """Tables of one schema (the datasource's default when not given), with row estimates."""
    endpoint = open_endpoint(ctx, datasource, schema)
    dialect, schema = endpoint.dialect, endpoint.schema
    with endpoint.connect() as connection:
        require_schema(connection, schema)
        names = inspect(connection).get_table_names(schema=schema)
        estimates = dialect.row_estimates(connection, schema)
        shown_schema = schema or dialect.current_schema(connection)
    return [TableInfo(name, shown_schema, estimates.get(name)) for name in sorted(names)]


def describe_table(
    ctx: ServiceContext, datasource: str | uuid.UUID, table: str, *, schema: str | None = None
) -> TableDetail:
    """Columns (type, nullable, default, primary key), indexes and foreign keys of one table.

    Raises:
        TableNotFound: the schema has no such table.
    """
    endpoint = open_endpoint(ctx, datasource, schema)
    with endpoint.connect() as connection:
        return _describe(connection, endpoint.dialect, table, endpoint.schema)


def require_schema(connection: Connection, schema: str | None) -> None:
    """Raise `SchemaNotFound` unless `schema` (when given) exists on this connection."""
    # Engines disagree on a missing schema (MariaDB errors, PostgreSQL lists nothing): say so.
    if schema is not None and schema not in inspect(connection).get_schema_names():
        raise SchemaNotFound(schema)


def _describe(
    connection: Connection, dialect: Dialect, table: str, schema: str | None
) -> TableDetail:
    require_schema(connection, schema)
    inspector = inspect(connection)
    if not inspector.has_table(table, schema=schema):
        raise TableNotFound(table, schema)
    primary_key = tuple(
        inspector.get_pk_constraint(table, schema=schema).get("constrained_columns") or ()
    )
    columns = tuple(
        ColumnInfo(
            name=column["name"],
            type=_type_name(column["type"], connection),
            nullable=bool(column["nullable"]),
            default=None if column.get("default") is None else str(column["default"]),
            primary_key=column["name"] in primary_key,
        )
        for column in inspector.get_columns(table, schema=schema)
    )
    indexes = tuple(
        IndexInfo(
            name=index["name"],
            columns=tuple(name for name in index["column_names"] if name is not None),
            unique=bool(index["unique"]),
        )
        for index in inspector.get_indexes(table, schema=schema)
    )
    foreign_keys = tuple(
        ForeignKeyInfo(
            name=fk.get("name"),
            columns=tuple(fk["constrained_columns"]),
            referred_table=fk["referred_table"],
            referred_columns=tuple(fk["referred_columns"]),
            referred_schema=fk.get("referred_schema"),
        )
        for fk in inspector.get_foreign_keys(table, schema=schema)
    )
    shown_schema = schema or dialect.current_schema(connection)
    return TableDetail(table, shown_schema, columns, primary_key, indexes, foreign_keys)


def _type_name(column_type: object, connection: Connection) -> str:
    # Compile with the engine's own dialect, so a MariaDB column reads "VARCHAR(13)".
    try:
        return column_type.compile(dialect=connection.dialect)  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - exotic types (NullType, PostGIS…) keep their repr
        return str(column_type)
