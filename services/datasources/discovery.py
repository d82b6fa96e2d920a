"""Live schema discovery: schemas, tables, columns, indexes and foreign keys of a datasource."""

from __future__ import annotations

import uuid

from sqlalchemy import Connection, inspect
from sqlalchemy.engine.interfaces import (
    ReflectedColumn,
    ReflectedForeignKeyConstraint,
    ReflectedIndex,
)
from sqlalchemy.engine.reflection import ObjectKind, ObjectScope

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
        require_schema(connection, endpoint.schema)
        if not inspect(connection).has_table(table, schema=endpoint.schema):
            raise TableNotFound(table, endpoint.schema)
        (detail,) = _describe(connection, endpoint.dialect, [table], endpoint.schema)
    return detail


def describe_schema(
    ctx: ServiceContext, datasource: str | uuid.UUID, *, schema: str | None = None
) -> list[TableDetail]:
    """Every table of one schema described as `describe_table` does, by name, on one connection.

    Each kind of detail (columns, keys, indexes, foreign keys) is read for all tables at once
    where the engine can (PostgreSQL: one catalog query each), so a schema of a thousand tables
    costs a handful of queries there instead of thousands.

    Args:
        ctx: The service context.
        datasource: Name or id of the datasource.
        schema: The schema; the datasource's own (or the engine's default) when None.

    Raises:
        DatasourceNotFound, SchemaNotFound, ConnectionFailed.
    """
    endpoint = open_endpoint(ctx, datasource, schema)
    with endpoint.connect() as connection:
        require_schema(connection, endpoint.schema)
        names = sorted(inspect(connection).get_table_names(schema=endpoint.schema))
        return _describe(connection, endpoint.dialect, names, endpoint.schema)


def require_schema(connection: Connection, schema: str | None) -> None:
    """Raise `SchemaNotFound` unless `schema` (when given) exists on this connection."""
    # Engines disagree on a missing schema (MariaDB errors, PostgreSQL lists nothing): say so.
    if schema is not None and schema not in inspect(connection).get_schema_names():
        raise SchemaNotFound(schema)


def _describe(
    connection: Connection, dialect: Dialect, tables: list[str], schema: str | None
) -> list[TableDetail]:
    # One path for one table and for a whole schema, so both report a table the same way.
    if not tables:
        return []
    inspector = inspect(connection)
    # Any kind and scope: a view (or a temporary table) asked for by name is described too, as
    # the one-table readers did; the names given are the only filter, so no listing is run.
    wanted = {
        "schema": schema,
        "filter_names": tables,
        "kind": ObjectKind.ANY,
        "scope": ObjectScope.ANY,
    }
    columns = inspector.get_multi_columns(**wanted)
    primary_keys = inspector.get_multi_pk_constraint(**wanted)
    indexes = inspector.get_multi_indexes(**wanted)
    foreign_keys = inspector.get_multi_foreign_keys(**wanted)
    shown_schema = schema or dialect.current_schema(connection)
    details = []
    for table in tables:
        key = (schema, table)  # the multi-table readers key by the schema as it was asked for
        # A view has columns and nothing else: some engines then leave the other readers'
        # entries out altogether.
        primary_key = tuple(primary_keys.get(key, {}).get("constrained_columns") or ())
        details.append(
            TableDetail(
                name=table,
                schema=shown_schema,
                columns=tuple(_column(column, primary_key, connection) for column in columns[key]),
                primary_key=primary_key,
                indexes=tuple(_index(index) for index in indexes.get(key, ())),
                foreign_keys=tuple(_foreign_key(fk) for fk in foreign_keys.get(key, ())),
            )
        )
    return details


def _column(
    column: ReflectedColumn, primary_key: tuple[str, ...], connection: Connection
) -> ColumnInfo:
    default = column.get("default")
    return ColumnInfo(
        name=column["name"],
        type=_type_name(column["type"], connection),
        nullable=bool(column["nullable"]),
        default=None if default is None else str(default),
        primary_key=column["name"] in primary_key,
    )


def _index(index: ReflectedIndex) -> IndexInfo:
    return IndexInfo(
        name=index["name"],
        # An expression index has None for its computed parts: only named columns are listed.
        columns=tuple(name for name in index["column_names"] if name is not None),
        unique=bool(index["unique"]),
    )


def _foreign_key(fk: ReflectedForeignKeyConstraint) -> ForeignKeyInfo:
    return ForeignKeyInfo(
        name=fk.get("name"),
        columns=tuple(fk["constrained_columns"]),
        referred_table=fk["referred_table"],
        referred_columns=tuple(fk["referred_columns"]),
        referred_schema=fk.get("referred_schema"),
    )


def _type_name(column_type: object, connection: Connection) -> str:
    # Compile with the engine's own dialect, so a MariaDB column reads "VARCHAR(13)".
    try:
        return column_type.compile(dialect=connection.dialect)  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - exotic types (NullType, PostGIS…) keep their repr
        return str(column_type)
