"""Export a datasource's table structure as DDL in the datasource's own SQL dialect."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, MetaData, Table, inspect
from sqlalchemy.dialects.postgresql import ENUM, CreateEnumType
from sqlalchemy.schema import (
    AddConstraint,
    CreateIndex,
    CreateTable,
    ExecutableDDLElement,
    Index,
    sort_tables_and_constraints,
)

from services.context import ServiceContext
from services.datasources import open_endpoint, require_schema
from services.errors import TableNotFound

# A PostgreSQL column default that draws from a sequence the DDL must create first.
_LAYOUT_TAB = re.compile(r"^\t", re.MULTILINE)
_NEXTVAL = re.compile(r"nextval\('((?:[^']|'')+)'(?:::regclass)?\)")


def export_ddl(
    ctx: ServiceContext,
    datasource: str | uuid.UUID,
    tables: Sequence[str] | None = None,
    schema: str | None = None,
) -> str:
    """CREATE statements for the tables of one schema, ready to run on an empty database.

    Order: schema (PostgreSQL, non-default only), types and sequences the tables use, then
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
        own_schema = _reflection_schema(connection, schema, dialect.current_schema(connection))
        names = _table_names(connection, own_schema, tables)
        metadata = MetaData()
        metadata.reflect(bind=connection, schema=own_schema, only=names, views=False)
        chosen = [metadata.tables[_key(name, own_schema)] for name in names]
        statements = _statements(connection, chosen, own_schema)
        version = dialect.server_version(connection)
    header = [
        f"-- DDL of datasource {_one_line(endpoint.name)}, schema "
        f"{_one_line(schema or '(default)')}: {len(chosen)} tables.",
        f"-- Server: {dialect.display_name}, {_one_line(version)}.",
        "-- Tables are in dependency order (parents first), each followed by its indexes.",
        "-- Views, triggers and routines are not included.",
    ]
    return "\n".join(header) + "\n\n" + "".join(f"{statement};\n\n" for statement in statements)


def _reflection_schema(
    connection: Connection, schema: str | None, current: str | None
) -> str | None:
    # MySQL's "schema" is the database itself: qualifying names with it would make the DDL
    # create its tables back in the source database when run elsewhere. The connection's own
    # schema is left out for the same reason; only another PostgreSQL schema stays qualified.
    if connection.dialect.name == "mysql" or schema == current:
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


def _statements(connection: Connection, tables: list[Table], schema: str | None) -> list[str]:
    dialect = connection.dialect
    compiled: list[str] = []
    if schema is not None and dialect.name == "postgresql":
        compiled.append(f"CREATE SCHEMA IF NOT EXISTS {dialect.identifier_preparer.quote(schema)}")
    compiled += [_compile(statement, connection) for statement in _enum_types(tables)]
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
            if not _created_by_foreign_key(index, table, dialect.name)
        ]
    compiled += [f"CREATE SEQUENCE IF NOT EXISTS {name}" for name in _sequences(creates)]
    compiled += creates
    compiled += [_compile(statement, connection) for statement in deferred]
    return compiled


def _compile(statement: ExecutableDDLElement, connection: Connection) -> str:
    # SQLAlchemy indents with tabs and leaves a space before each line break: tidy only those
    # two, never anything inside a quoted default or comment, so the file diffs cleanly.
    compiled = str(statement.compile(dialect=connection.dialect)).strip()
    return _LAYOUT_TAB.sub("    ", compiled.replace(", \n", ",\n"))


def _enum_types(tables: Iterable[Table]) -> list[ExecutableDDLElement]:
    # A PostgreSQL column of an ENUM type needs CREATE TYPE before the table.
    seen: dict[tuple[str | None, str], ENUM] = {}
    for table in tables:
        for column in table.columns:
            kind = column.type
            if isinstance(kind, ENUM) and kind.name:
                seen.setdefault((kind.schema, kind.name), kind)
    return [CreateEnumType(kind) for kind in seen.values()]


def _sequences(creates: Iterable[str]) -> list[str]:
    # SERIAL columns compile to SERIAL; any other nextval() default names a sequence that
    # must exist before the table does.
    found = (match[1].replace("''", "'") for text in creates for match in _NEXTVAL.finditer(text))
    return list(dict.fromkeys(found))


def _created_by_foreign_key(index: Index, table: Table, dialect_name: str) -> bool:
    # MySQL creates an index named after a foreign key for it; creating it again would fail
    # with "duplicate key name". Any other index on those columns is kept: MySQL then drops
    # its own implicit one, so the copy ends up with exactly the source's indexes.
    if dialect_name != "mysql":
        return False
    columns = [column.name for column in index.columns]
    return any(
        fk.name == index.name and [element.parent.name for element in fk.elements] == columns
        for fk in table.foreign_key_constraints
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())
