"""The target table a migration step creates: planned from the source (services/target_plan.py),
created bare, and given its keys after the load.

The table is created bare and filled first; its primary key and indexes come after the bulk
load (`build_keys`), which is much faster than maintaining them row by row. An upsert needs
its key before the first row, so `create_target_table(with_keys=True)`.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Column, Connection, Index, MetaData, PrimaryKeyConstraint, Table, inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import AddConstraint, CreateIndex, CreateSchema, ExecutableDDLElement

from dialects.base import Dialect
from services.errors import WriteFailed
from services.migration.target_plan import TargetIndex, TargetTablePlan, inspecting, object_name


def target_table_exists(target: Connection, table: str, schema: str | None) -> bool:
    """Whether `table` exists on the target (in `schema`, or the connection's default)."""
    with inspecting(target) as inspector:
        return inspector.has_table(table, schema=schema)


def create_target_table(
    target: Connection, target_dialect: Dialect, plan: TargetTablePlan, *, with_keys: bool = False
) -> None:
    """CREATE TABLE for `plan` inside the caller's transaction.

    Without keys and indexes by default: the bulk load runs faster on a bare table and
    `build_keys` adds them afterwards. `with_keys=True` creates them at once (an upsert needs
    its key before the first row). The table gets the dialect's `table_options` (InnoDB,
    utf8mb4 on MySQL/MariaDB); a missing schema is created where the dialect `creates_schemas`.
    """
    if plan.schema and target_dialect.creates_schemas:
        target.execute(CreateSchema(plan.schema, if_not_exists=True))
    _table(plan, target_dialect, with_keys=with_keys).create(target)


def build_keys(target: Connection, target_dialect: Dialect, plan: TargetTablePlan) -> list[str]:
    """Add the primary key and create the indexes of `plan`, after the load.

    Idempotent: a primary key the table already has and an index whose name exists are left
    alone, so a resumed run may call it again. Where the engine cannot add a primary key to a
    filled table (`supports_adding_primary_key` is off: SQLite), a unique index on the same
    columns stands in: the same lookups, the same duplicate check, the same conflict target.

    Returns:
        The names of the keys and indexes built by this call.

    Raises:
        WriteFailed: the loaded rows break a primary key or unique index (duplicates, NULLs).
    """
    inspector = inspect(target)
    has_key = bool(
        inspector.get_pk_constraint(plan.table, schema=plan.schema).get("constrained_columns")
    )
    existing = {index["name"] for index in inspector.get_indexes(plan.table, schema=plan.schema)}
    table = _table(plan, target_dialect, with_keys=False)
    built: list[str] = []
    if plan.primary_key and not has_key:
        name = object_name("pk", plan.table)
        statement: ExecutableDDLElement | None = None
        if target_dialect.supports_adding_primary_key:
            constraint = PrimaryKeyConstraint(*plan.primary_key, name=name)
            table.append_constraint(constraint)
            statement = AddConstraint(constraint)
        elif name not in existing:
            columns = [table.c[column] for column in plan.primary_key]
            statement = CreateIndex(Index(name, *columns, unique=True))
        if statement is not None:
            _run(target, statement, plan.table, "primary key", plan.primary_key)
            built.append(name)
    for index in plan.indexes:
        if index.name not in existing:
            what = "unique index" if index.unique else "index"
            statement = CreateIndex(_index(table, index, target_dialect))
            _run(target, statement, plan.table, what, index.columns)
            built.append(index.name)
    return built


def _table(plan: TargetTablePlan, dialect: Dialect, *, with_keys: bool) -> Table:
    key = set(plan.primary_key) if with_keys else set()
    columns = [
        # autoincrement=False: an integer key must not turn into SERIAL or AUTO_INCREMENT.
        Column(
            column.name,
            column.type,
            nullable=column.nullable and column.name not in key,
            autoincrement=False,
        )
        for column in plan.columns
    ]
    constraints = (
        [PrimaryKeyConstraint(*plan.primary_key, name=object_name("pk", plan.table))] if key else []
    )
    table = Table(
        plan.table, MetaData(), *columns, *constraints, schema=plan.schema, **dialect.table_options
    )
    if with_keys:
        for index in plan.indexes:
            _index(table, index, dialect)  # an Index on a table's columns joins the table
    return table


def _index(table: Table, index: TargetIndex, dialect: Dialect) -> Index:
    columns = [table.c[name] for name in index.columns]
    options = dialect.index_options(columns, unique=index.unique)
    return Index(index.name, *columns, unique=index.unique, **options)


def _run(
    target: Connection,
    statement: ExecutableDDLElement,
    table: str,
    what: str,
    columns: Sequence[str],
) -> None:
    try:
        target.execute(statement)
    except IntegrityError:
        # The driver's message quotes the offending value (a patient identifier, maybe).
        raise WriteFailed(
            f"Cannot build the {what} of table {table!r}: the loaded rows hold duplicate or "
            f"empty values in {', '.join(columns)}."
        ) from None
