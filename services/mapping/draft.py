"""A first config drafted from the live schemas: every source column mapped, in source order,
to the same-named target column (or to a target table the run creates), keyed on the source's
primary key. It runs as drafted; transformers and validators are added to it later."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from models.migration_config import MigrationConfig
from models.schema import TableDetail
from services.context import ServiceContext
from services.datasources import describe_table, get_datasource, list_datasources, list_tables
from services.errors import DatasourceNotFound, InvalidInput, TableNotFound
from utils.text import did_you_mean


def split_table_reference(
    reference: str, datasources: Iterable[str], *, table_required: bool
) -> tuple[str, str | None]:
    """`DS.TABLE` as (datasource, table); `DS` alone as (datasource, None) when the table may
    be left out. A datasource whose name has a dot is recognised by its full name; the table
    is read from the datasource's own schema.

    Raises:
        InvalidInput: no table is given where one is needed.
    """
    reference = reference.strip()
    if not table_required and reference in set(datasources):
        return reference, None
    datasource, dot, table = reference.rpartition(".")
    if not dot or not datasource or not table:
        if table_required:
            raise InvalidInput(
                f"{reference!r}: give the source as DATASOURCE.TABLE, e.g. his.patient.",
                field="source",
            )
        return reference, None
    return datasource, table


def draft_config(ctx: ServiceContext, name: str, *, source: str, target: str) -> dict[str, Any]:
    """A complete config moving `source` (DS.TABLE) to `target` (DS or DS.TABLE), as JSON
    data naming its datasources (what `save_config` takes).

    Raises:
        DatasourceNotFound, InvalidInput: a datasource or the source table does not exist.
        ConnectionFailed: a datasource cannot be reached.
    """
    names = [datasource.name for datasource in list_datasources(ctx)]
    source_name, source_table = split_table_reference(source, names, table_required=True)
    target_name, target_table = split_table_reference(target, names, table_required=False)
    source_ds = datasource_named(ctx, source_name, names)
    target_ds = datasource_named(ctx, target_name, names)
    table = str(source_table)
    try:
        detail = describe_table(ctx, source_ds, table)
    except TableNotFound:
        tables = [info.name for info in list_tables(ctx, source_ds)]
        raise InvalidInput(
            f"Datasource {source_ds!r} has no table {table!r}{did_you_mean(table, tables)}",
            field="source",
        ) from None
    target_name_of_table = target_table or table
    try:
        existing: TableDetail | None = describe_table(ctx, target_ds, target_name_of_table)
    except TableNotFound:
        existing = None
    mappings = draft_mappings(
        [column.name for column in detail.columns],
        None if existing is None else [column.name for column in existing.columns],
    )
    targets = {item["source"]: item.get("target") for item in mappings}
    data: dict[str, Any] = {
        "name": name,
        "source": source_ds,
        "source_table": table,
        "target": target_ds,
        "target_table": target_name_of_table,
        "key_columns": [str(targets[c]) for c in detail.primary_key if targets.get(c)],
        "source_key": list(detail.primary_key),
        "create_target_table": existing is None,
        "mappings": mappings,
    }
    return in_config_order(data)


def draft_mappings(
    source_columns: Iterable[str], target_columns: Iterable[str] | None
) -> list[dict[str, Any]]:
    """One mapping per source column, in source order: to the target column of the same name
    (case ignored, spelled as the target has it), ignored when the target has none; to a
    column of its own name when there is no target table yet (`None`)."""
    if target_columns is None:
        return [{"source": column, "target": column} for column in source_columns]
    by_lower = {column.lower(): column for column in target_columns}
    return [
        {"source": column, "target": by_lower[column.lower()]}
        if column.lower() in by_lower
        else {"source": column, "ignore": True}
        for column in source_columns
    ]


def in_config_order(data: dict[str, Any]) -> dict[str, Any]:
    """`data` validated as a config and written out whole, every field present, in declaration
    order, with its datasources named (`source`, `target`) where the ids would be."""
    named = {key: data[key] for key in ("source", "target") if key in data}
    stored = {key: value for key, value in data.items() if key not in named}
    snapshot = MigrationConfig.model_validate(stored).snapshot()
    ordered: dict[str, Any] = {}
    for key, value in snapshot.items():
        role = key.removesuffix("_datasource_id")
        if role in named:
            ordered[role] = named[role]
        elif role == key:
            ordered[key] = value
    return ordered


def datasource_named(ctx: ServiceContext, reference: str, names: list[str]) -> str:
    """The name of the datasource called (or with the id) `reference`; `InvalidInput` with
    the nearest of `names` when there is none."""
    try:
        return get_datasource(ctx, reference).name
    except DatasourceNotFound:
        raise InvalidInput(
            f"No datasource called {reference!r}{did_you_mean(reference, names)}",
            field="datasource",
        ) from None
