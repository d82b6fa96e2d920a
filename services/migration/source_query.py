"""The SELECT a migration step reads its source with: the config's own SQL (checked by
`check_read_only_select` before any connection is opened), or one built from the mapped
columns; then wrapped to read after a key in key order (keyset pagination), or to count up
to a key."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import literal
from sqlalchemy.engine import Dialect as SQLDialect

from dialects.base import Dialect
from models.migration_config import MigrationConfig
from services.errors import InvalidConfig
from services.read_only_sql import check_read_only_select


def build_select(
    config: MigrationConfig,
    dialect: Dialect,
    *,
    schema: str | None = None,
    include: Sequence[str] = (),
) -> str:
    """SELECT of the mapped source columns (each once, in mapping order) of the source table.

    A source that is not a plain column name is an SQL expression: it is checked like
    generate_sql and aliased as its target column. `include` adds columns the mapping does not
    select (the key that orders the rows and marks a checkpoint).
    """
    if not config.source_table:
        raise InvalidConfig("The config has neither a source table nor generate_sql.")
    items: list[str] = []
    for item in config.mappings:
        if item.ignore or not item.source:
            continue
        if item.reads_column():
            column = dialect.quote(item.source)
        else:
            check_read_only_select(f"SELECT {item.source}", dialect)
            column = f"{item.source} AS {dialect.quote(item.target or item.source)}"
        if column not in items:
            items.append(column)
    if not items:
        raise InvalidConfig("The config maps no source column.", field="mappings")
    for name in include:
        column = dialect.quote(name)
        if column not in items:
            items.append(column)
    return f"SELECT {', '.join(items)} FROM {dialect.qualified(config.source_table, schema)}"


#: Alias of the source query when it is wrapped for keyset pagination.
SOURCE_ALIAS = "his_src"


@dataclass(frozen=True, slots=True)
class SourceQuery:
    """The step's SELECT, the output columns that order it (its key), and where to resume."""

    sql: str
    key: tuple[str, ...] = ()


def keyset_sql(
    query: SourceQuery, dialect: Dialect, compiler: SQLDialect, after: Sequence[Any] | None
) -> str:
    """`query` wrapped so it returns only rows after key `after`, ordered by the key.

    The key values are rendered as literals by the source engine's own SQLAlchemy dialect
    (`compiler`: connectorx takes no bound parameters); the expanded OR form is used because
    MSSQL has no row-value comparison and MariaDB plans it as a range scan on the key's index.
    """
    if not query.key:
        return query.sql
    sql = f"SELECT * FROM ({query.sql}) {SOURCE_ALIAS}"
    if after:
        sql += f" WHERE {_after_predicate(query.key, after, dialect, compiler)}"
    return sql + " ORDER BY " + ", ".join(dialect.quote(column) for column in query.key)


def describe_sql(query: SourceQuery) -> str:
    """`query` returning no row: what the driver needs to describe its columns, at no cost."""
    return f"SELECT * FROM ({query.sql}) {SOURCE_ALIAS} WHERE 1 = 0"


def count_sql(
    query: SourceQuery, dialect: Dialect, compiler: SQLDialect, through: Sequence[Any] | None
) -> str:
    """COUNT(*) of the source rows up to and including key `through` (all rows when None):
    what a run that read up to `through` should have read, counted independently."""
    sql = f"SELECT COUNT(*) FROM ({query.sql}) {SOURCE_ALIAS}"
    if query.key and through:
        sql += f" WHERE NOT ({_after_predicate(query.key, through, dialect, compiler)})"
    return sql


def with_keys(
    query: SourceQuery, dialect: Dialect, compiler: SQLDialect, keys: Sequence[Sequence[Any]]
) -> SourceQuery:
    """`query` narrowed to the rows whose key is one of `keys` (a replay of rejects).

    `key IN (…)` for a one-column key; for a composite key an OR of ANDs, which every engine
    takes (MSSQL has no row-value IN). The values are literals rendered by the source engine's
    own SQLAlchemy dialect, typed as given (an int stays a number, a date a date literal).
    """
    if not query.key or not keys:
        raise ValueError("with_keys needs a keyed query and at least one key.")
    columns = [dialect.quote(column) for column in query.key]
    if len(columns) == 1:
        values = [key[0] for key in keys]
        present = [_literal(value, compiler) for value in values if value is not None]
        alternatives = [f"{columns[0]} IN ({', '.join(present)})"] if present else []
        if any(value is None for value in values):
            alternatives.append(f"{columns[0]} IS NULL")
    else:
        alternatives = [
            "("
            + " AND ".join(
                f"{column} IS NULL" if value is None else f"{column} = {_literal(value, compiler)}"
                for column, value in zip(columns, key, strict=True)
            )
            + ")"
            for key in keys
        ]
    where = " OR ".join(alternatives)
    return SourceQuery(f"SELECT * FROM ({query.sql}) {SOURCE_ALIAS} WHERE {where}", query.key)


def _literal(value: Any, compiler: SQLDialect) -> str:
    return str(literal(value).compile(dialect=compiler, compile_kwargs={"literal_binds": True}))


def _after_predicate(
    key: Sequence[str], after: Sequence[Any], dialect: Dialect, compiler: SQLDialect
) -> str:
    def value(item: Any) -> str:
        return _literal(item, compiler)

    alternatives = []
    for depth, column in enumerate(key):
        equal = [f"{dialect.quote(key[i])} = {value(after[i])}" for i in range(depth)]
        alternatives.append(
            " AND ".join([*equal, f"{dialect.quote(column)} > {value(after[depth])}"])
        )
    return " OR ".join(f"({alternative})" for alternative in alternatives)
