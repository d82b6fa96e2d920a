"""The plan of a target table: its columns, primary key and indexes, derived from the source
table and the mapping (types translated to the target engine; a transformer's output type wins).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, inspect
from sqlalchemy.engine import Inspector
from sqlalchemy.types import TypeEngine

from data_transformers.base import Transformer, TransformerParams
from data_transformers.registry import get_transformer
from dialects.base import Dialect
from dialects.column_types import PortableType, logical_name
from models.migration_config import LoadMode, MappingItem, MigrationConfig, PluginCall
from services.errors import InvalidConfig
from utils.registry import UnknownPluginError
from utils.text import first_problem

#: Longest identifier PostgreSQL keeps, in bytes (a Thai character takes three).
MAX_NAME_BYTES = 63


@dataclass(frozen=True, slots=True)
class TargetColumn:
    """One column of the target table, its type already in the target engine's terms."""

    name: str
    type: TypeEngine
    nullable: bool = True


@dataclass(frozen=True, slots=True)
class TargetIndex:
    """An index built after the load; its name is derived from the target table."""

    name: str
    columns: tuple[str, ...]
    unique: bool = False


@dataclass(frozen=True, slots=True)
class TargetTablePlan:
    """Everything needed to create the target table and, later, its keys."""

    table: str
    schema: str | None
    columns: tuple[TargetColumn, ...]
    primary_key: tuple[str, ...] = ()
    indexes: tuple[TargetIndex, ...] = ()


@dataclass(frozen=True, slots=True)
class _SourceTable:
    columns: dict[str, dict[str, Any]]
    primary_key: tuple[str, ...]
    indexes: tuple[tuple[tuple[str, ...], bool], ...]  # (columns, unique)
    json_columns: frozenset[str]


def plan_target_table(
    source: Connection,
    source_dialect: Dialect,
    config: MigrationConfig,
    target_dialect: Dialect,
    *,
    source_schema: str | None = None,
    target_schema: str | None = None,
) -> TargetTablePlan:
    """The target table for `config`: one column per mapped target, in mapping order.

    A mapping from a plain source column takes that column's type (translated faithfully for
    the target engine, see dialects.column_types) and its nullability. When its transformers
    change the type, the last one that declares an output type decides, and the column may be
    NULL when a transformer turns what it cannot convert into NULL. A mapping from an SQL
    expression, a constant `default`, or a `generate_sql` query is typed by its transformers,
    else by its default value (int → integer, float → numeric, bool → boolean, str → text),
    else text; it may be NULL.

    The primary key is the source's when every column of it is mapped; indexes are the
    source's indexes whose columns are all mapped (renamed to their targets, named after the
    target table). An upsert gets a unique index on its key columns when no key covers them.

    Raises:
        InvalidConfig: the source table does not exist, the config maps no column, or a
            transformer is unknown or has bad parameters.
    """
    mapped = config.mapped_items()
    if not mapped:
        raise InvalidConfig(
            f"Config {config.name!r} maps no column, so there is no target table to create.",
            field="mappings",
        )
    found = (
        _reflect(source, source_dialect, config.source_table, source_schema)
        if config.source_table
        else None
    )
    source_of = {
        item.target: name
        for item in mapped
        if item.target and (name := _source_column(item.source, found)) is not None
    }
    renamed: dict[str, str] = {}  # source column -> the first target taking it
    for target_name, source_name in source_of.items():
        renamed.setdefault(source_name, target_name)
    table = config.target_table
    primary_key: tuple[str, ...] = ()
    indexes: list[TargetIndex] = []
    if found is not None:
        if found.primary_key and all(name in renamed for name in found.primary_key):
            primary_key = tuple(renamed[name] for name in found.primary_key)
        for columns, unique in found.indexes:
            if all(name in renamed for name in columns):
                _add_index(indexes, table, tuple(renamed[name] for name in columns), unique)
    if config.load_mode is LoadMode.UPSERT and config.key_columns:
        # The upsert's conflict target must be a key of the table, or the engine refuses it.
        _add_index(indexes, table, tuple(config.key_columns), True)
    indexes = [
        index for index in indexes if not (index.unique and set(index.columns) == set(primary_key))
    ]
    keyed = set(primary_key).union(*(index.columns for index in indexes))
    columns = tuple(
        _plan_column(
            item,
            source_of.get(item.target or ""),
            found,
            source_dialect,
            target_dialect,
            keyed=item.target in keyed,
        )
        for item in mapped
    )
    return TargetTablePlan(table, target_schema, columns, primary_key, tuple(indexes))


def object_name(prefix: str, table: str, columns: Sequence[str] = ()) -> str:
    """`prefix_table_col1_col2`, cut to 63 bytes with a hash of the whole when longer.

    PostgreSQL index names share one namespace per schema: deriving them from the target table
    keeps two tables' indexes apart even when the source reused one name on many tables.
    """
    name = "_".join((prefix, table, *columns))
    encoded = name.encode()
    if len(encoded) <= MAX_NAME_BYTES:
        return name
    digest = hashlib.sha1(encoded).hexdigest()[:8]
    head = encoded[: MAX_NAME_BYTES - len(digest) - 1].decode("utf-8", errors="ignore")
    return f"{head}_{digest}"


# --- planning -------------------------------------------------------------------------------


def _reflect(source: Connection, dialect: Dialect, table: str, schema: str | None) -> _SourceTable:
    with inspecting(source) as inspector:
        if not inspector.has_table(table, schema=schema):
            where = f" in schema {schema!r}" if schema else ""
            raise InvalidConfig(f"The source has no table {table!r}{where}.", field="source_table")
        columns = {column["name"]: column for column in inspector.get_columns(table, schema=schema)}
        primary_key = inspector.get_pk_constraint(table, schema=schema).get("constrained_columns")
        indexes = [
            (tuple(index["column_names"]), bool(index["unique"]))
            for index in inspector.get_indexes(table, schema=schema)
            if None not in index["column_names"]  # an expression index cannot be renamed
        ]
        indexes += [
            (tuple(constraint["column_names"]), True)
            for constraint in inspector.get_unique_constraints(table, schema=schema)
        ]
        json_columns = dialect.json_columns(source, table, schema)
    return _SourceTable(columns, tuple(primary_key or ()), tuple(indexes), json_columns)


@contextlib.contextmanager
def inspecting(connection: Connection) -> Iterator[Inspector]:
    """An inspector that leaves no transaction behind: reflection begins one implicitly, and
    the caller's next `connection.begin()` would then refuse to start."""
    ours = not connection.in_transaction()
    try:
        yield inspect(connection)
    finally:
        if ours and connection.in_transaction():
            connection.rollback()


def _source_column(source: str | None, found: _SourceTable | None) -> str | None:
    """The reflected column a mapping reads as is; None for an expression or a constant."""
    if found is None or not source or not source.isidentifier():
        return None
    if source in found.columns:
        return source
    # MySQL and SQL Server match column names regardless of case.
    same = [name for name in found.columns if name.casefold() == source.casefold()]
    return same[0] if len(same) == 1 else None


def _add_index(
    indexes: list[TargetIndex], table: str, columns: tuple[str, ...], unique: bool
) -> None:
    if any(index.columns == columns and index.unique == unique for index in indexes):
        return
    if unique and any(index.unique and set(index.columns) == set(columns) for index in indexes):
        return
    name = object_name("ux" if unique else "ix", table, columns)
    if any(index.name == name for index in indexes):  # ('a_b',) and ('a', 'b')
        name = object_name(name, str(len(indexes)))
    indexes.append(TargetIndex(name, columns, unique))


def _plan_column(
    item: MappingItem,
    source_name: str | None,
    found: _SourceTable | None,
    source_dialect: Dialect,
    target_dialect: Dialect,
    *,
    keyed: bool,
) -> TargetColumn:
    portable: PortableType | None = None
    nullable = True
    if source_name is not None and found is not None:
        column = found.columns[source_name]
        portable = source_dialect.portable_type(column["type"])
        if source_name in found.json_columns:
            portable = PortableType("json")
        nullable = bool(column["nullable"])
    calls = [_plugin(call) for call in item.transformers]
    declared = _declared_output(calls, portable)
    if any(_may_yield_null(params) for _, params in calls):
        nullable = True
    if declared is not None:
        kind, length = declared
        column_type = target_dialect.logical_column_type(kind, length=length, keyed=keyed)
    elif portable is not None:
        column_type = target_dialect.column_type(portable, keyed=keyed)
    else:
        column_type = target_dialect.logical_column_type(_default_kind(item.default), keyed=keyed)
    return TargetColumn(item.target or "", column_type, nullable)


def _declared_output(
    calls: Iterable[tuple[Transformer, TransformerParams]], portable: PortableType | None
) -> tuple[str, int | None] | None:
    """(logical type, text length) the last transformer declaring one gives; None if none."""
    kind = logical_name(portable) if portable is not None else None
    length = portable.size if portable is not None and portable.kind == "string" else None
    declared: tuple[str, int | None] | None = None
    if portable is not None and portable.kind == "binary" and calls:
        # Transformers read bytes as text (UTF-8, else TIS-620) and hand text on: a BLOB or
        # VARBINARY column they repair becomes a text column, not bytes again.
        declared = ("text", None)
    for plugin, params in calls:
        output = plugin.output_type_for(params, kind, length)
        if output is None:
            continue  # same type as its input
        kind, length = output, plugin.output_length_for(params) if output == "text" else None
        declared = (kind, length)
    return declared


def _plugin(call: PluginCall) -> tuple[Transformer, TransformerParams]:
    try:
        plugin = get_transformer(call.name)
    except UnknownPluginError as error:
        raise InvalidConfig(str(error), field="mappings") from None
    try:
        params = plugin.Params.model_validate(call.params)
    except ValidationError as error:
        where, problem = first_problem(error.errors(), count_more=False)
        raise InvalidConfig(
            f"Transformer {plugin.name}: {where or 'params'}: {problem}.", field="mappings"
        ) from None
    return plugin(), params


def _may_yield_null(params: TransformerParams) -> bool:
    # A value a transformer cannot convert becomes NULL (on_error="null"), and a converter
    # reads blank text as NULL: a NOT NULL column would refuse what the config asked for.
    return params.on_error == "null" or bool(getattr(params, "blank_as_null", False))


def _default_kind(default: object) -> str:
    # By exact type: True is an int too.
    return {bool: "boolean", int: "integer", float: "numeric"}.get(type(default), "text")
