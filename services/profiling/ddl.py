"""Export a datasource's table structure as DDL in the datasource's own SQL dialect."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence

from sqlalchemy import Connection, MetaData, Table, inspect
from sqlalchemy.schema import (
    AddConstraint,
    CreateIndex,
    CreateSchema,
    CreateTable,
    ExecutableDDLElement,
    Index,
    sort_tables_and_constraints,
)

from dialects.base import Dialect
from services.context import ServiceContext
from services.datasources import open_endpoint, require_schema
from services.errors import TableNotFound

_LAYOUT_TAB = re.compile(r"^\t", re.MULTILINE)


def export_ddl(
    ctx: ServiceContext,
    datasource: str | uuid.UUID,
    tables: Sequence[str] | None = None,
    schema: str | None = None,
) -> str:
    """CREATE statements for the tables of one schema, ready to run on an empty database.

    Order: schema (where the engine creates schemas, non-default only), what the dialect says
    must come first (PostgreSQL: the types and sequences the tables use), then
    CREATE TABLE (columns, types, NOT NULL, defaults, primary key, unique constraints and
    foreign keys) parents first, each followed by its CREATE INDEX statements, then the
    foreign keys that close a cycle (ALTER TABLE … ADD CONSTRAINT).
    Views, triggers and routines are not included.

    Args:
        ctx: The service context.
        datasource: Name or id of the datasource.
        tables: Names of the tables to export; all tables of the schema when None.
        schema: The schema; the datasource's own (or the engine's default) when None.

    Raises:
        DatasourceNotFound, SchemaNotFound, TableNotFound, ConnectionFailed.
    """
    endpoint = open_endpoint(ctx, datasource, schema)
    dialect, schema = endpoint.dialect, endpoint.schema
    with endpoint.connect() as connection:
        require_schema(connection, schema)
        own_schema = _reflection_schema(dialect, schema, dialect.current_schema(connection))
        names = _table_names(connection, own_schema, tables)
        metadata = MetaData()
        metadata.reflect(bind=connection, schema=own_schema, only=names, views=False)
        chosen = [metadata.tables[_key(name, own_schema)] for name in names]
        statements = _statements(connection, dialect, chosen, own_schema)
        version = dialect.server_version(connection)
    header = [
        f"-- DDL of datasource {_comment_text(endpoint.name)}, schema "
        f"{_comment_text(schema or '(default)')}: {len(chosen)} tables.",
        f"-- Server: {dialect.display_name}, {_comment_text(version)}.",
        "-- Tables are in dependency order (parents first), each followed by its indexes.",
        "-- Views, triggers and routines are not included.",
    ]
    return "\n".join(header) + "\n\n" + "".join(f"{statement};\n\n" for statement in statements)


def _reflection_schema(dialect: Dialect, schema: str | None, current: str | None) -> str | None:
    # Where a schema is the database itself (MySQL), qualifying names with it would make the
    # DDL create its tables back in the source database when run elsewhere. The connection's
    # own schema is left out for the same reason; only another schema stays qualified.
    if dialect.schema_is_database or schema == current:
        return None
    return schema


def _table_names(
    connection: Connection, schema: str | None, wanted: Sequence[str] | None
) -> list[str]:
    present = inspect(connection).get_table_names(schema=schema)
    if wanted is None:
        return sorted(present)
    missing = [name for name in wanted if name not in present]
    if missing:
        raise TableNotFound(missing[0], schema)
    return list(dict.fromkeys(wanted))


def _key(name: str, schema: str | None) -> str:
    return f"{schema}.{name}" if schema else name


def _statements(
    connection: Connection, dialect: Dialect, tables: list[Table], schema: str | None
) -> list[str]:
    compiled: list[str] = []
    if schema is not None and dialect.creates_schemas:
        compiled.append(_compile(CreateSchema(schema, if_not_exists=True), connection))
    creates: list[str] = []
    deferred: list[ExecutableDDLElement] = []
    # sort_tables_and_constraints puts parents first and hands back, as (None, fks), the
    # foreign keys of a cycle: those are added once every table exists.
    for table, foreign_keys in sort_tables_and_constraints(tables):
        if table is None:
            deferred += [AddConstraint(fk) for fk in foreign_keys]
            continue
        creates.append(
            _compile(CreateTable(table, include_foreign_key_constraints=foreign_keys), connection)
        )
        # A table's indexes follow it at once: a child's foreign key may reference columns
        # that only a (unique) index of the parent makes referable.
        creates += [
            _compile(CreateIndex(index), connection)
            for index in sorted(table.indexes, key=lambda index: index.name or "")
            if not (dialect.foreign_keys_create_indexes and _created_by_foreign_key(index, table))
        ]
    compiled += [
        item if isinstance(item, str) else _compile(item, connection)
        for item in dialect.export_prelude(tables, creates)
    ]
    compiled += creates
    compiled += [_compile(statement, connection) for statement in deferred]
    return compiled


def _compile(statement: ExecutableDDLElement, connection: Connection) -> str:
    # SQLAlchemy indents with tabs and leaves a space before each line break: tidy only those
    # two, never anything inside a quoted default or comment, so the file diffs cleanly.
    compiled = str(statement.compile(dialect=connection.dialect)).strip()
    return _LAYOUT_TAB.sub("    ", compiled.replace(", \n", ",\n"))


def _created_by_foreign_key(index: Index, table: Table) -> bool:
    # The index the engine made for a foreign key bears its name; creating it again would fail
    # with "duplicate key name". Any other index on those columns is kept: MySQL then drops
    # its own implicit one, so the copy ends up with exactly the source's indexes.
    columns = [column.name for column in index.columns]
    return any(
        fk.name == index.name and [element.parent.name for element in fk.elements] == columns
        for fk in table.foreign_key_constraints
    )


def _comment_text(text: str) -> str:
    # A name or version string may hold a line break; in a "--" comment it would end it.
    return " ".join(text.split())
