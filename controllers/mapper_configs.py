"""The Schema Mapper's configs: the editor written as a config, and a saved config opened in
the editor. Errors are the services' `HisError`s, raised unchanged."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from controllers import mapper_sources
from controllers.mapper_draft import MappingDraft, config_mappings, draft_from_config, key_columns
from controllers.mapper_sources import SourceTable, TargetChoice
from models.migration_config import MigrationConfig
from services import datasources, mapping
from services.context import ServiceContext
from services.errors import InvalidInput
from services.read_only_sql import check_read_only_select, tables_read


@dataclass(frozen=True, slots=True)
class LoadedConfig:
    """A saved config as the page opens it: both sides and the editor's draft."""

    source: SourceTable
    target: TargetChoice
    draft: MappingDraft
    version: int


def config_data(
    ctx: ServiceContext, draft: MappingDraft, source: SourceTable, target: TargetChoice
) -> dict[str, Any]:
    """The config the editor describes, as JSON data naming its datasources (what
    `save_config` and `update_config` take).

    Raises:
        InvalidInput: no name, a column with neither target nor Ignore, a parameter that is
            not valid JSON, or custom SQL without a source datasource to check it on.
        InvalidConfig: the custom SQL is not one read-only SELECT.
    """
    name = draft.name.strip()
    if not name:
        raise InvalidInput("Give the config a name first.", field="name")
    sql = draft.generate_sql.strip()
    if sql:
        _check_sql(ctx, sql, source)
    data: dict[str, Any] = {
        "name": name,
        "source_table": None if sql else source.table,
        "generate_sql": sql or None,
        "target": target.datasource,
        "target_table": target.table,
        "create_target_table": target.create,
        "load_mode": draft.load_mode,
        "error_policy": draft.error_policy,
        "key_columns": key_columns(draft, source.primary_key),
        "source_key": list(source.primary_key),
        "mappings": config_mappings(draft),
    }
    if source.datasource is not None:
        data["source"] = source.datasource
    return data


def migration_config(ctx: ServiceContext, data: dict[str, Any]) -> MigrationConfig:
    """`config_data`'s data as a validated config object, to run without saving it.

    Raises:
        DatasourceNotFound: a datasource named has gone.
        InvalidConfig: it does not validate (a plugin's parameters, a duplicate target…).
    """
    resolved = dict(data)
    for role, field in (("source", "source_datasource_id"), ("target", "target_datasource_id")):
        reference = resolved.pop(role, None)
        if reference is not None:
            resolved[field] = str(datasources.get_datasource(ctx, reference).id)
    transformers, validators = mapping.plugin_registries()
    return mapping.parse_config(resolved, transformers=transformers, validators=validators)


def load_for_editing(ctx: ServiceContext, name: str) -> LoadedConfig:
    """Saved config `name` opened in the editor, on its live source table and its target.

    A config reading a custom query opens on the first table the query reads; a table it was
    to create that an earlier run has made is opened as the existing table it now is.

    Raises:
        ConfigNotFound: no such config, or it was deleted.
        InvalidInput: it names no source or target datasource, or no source table.
        DatasourceNotFound, ConnectionFailed, TableNotFound.
    """
    record = mapping.get_config_record(ctx, name)
    snapshot = mapping.get_config(ctx, name)
    source_id = snapshot.get("source_datasource_id")
    target_id = snapshot.get("target_datasource_id")
    if source_id is None or target_id is None:
        raise InvalidInput(
            f"Config {name!r} names no source or target datasource; add them with "
            "`his-analyzer config` before editing it here.",
            field="source",
        )
    source_ds = datasources.get_datasource(ctx, source_id)
    target_ds = datasources.get_datasource(ctx, target_id)
    table = snapshot.get("source_table") or _query_table(
        str(snapshot.get("generate_sql") or ""), source_ds.db_type, name
    )
    source = mapper_sources.live_source(ctx, source_ds.name, table)
    draft = draft_from_config(snapshot, source.ref, source.column_names, name)
    target = TargetChoice(
        target_ds.name,
        str(snapshot.get("target_table")),
        create=bool(snapshot.get("create_target_table")),
    )
    if target.create and (
        mapper_sources.target_columns(ctx, target.datasource, target.table) is not None
    ):
        target = replace(target, create=False)
    return LoadedConfig(source, target, draft, record.version)


def _check_sql(ctx: ServiceContext, sql: str, source: SourceTable) -> None:
    if source.datasource is None:
        raise InvalidInput(
            "Custom SQL runs on the source datasource, and the report's datasource is not "
            "registered here.",
            field="generate_sql",
        )
    db_type = datasources.get_datasource(ctx, source.datasource).db_type
    # Checked before anything else happens: a query that writes never reaches the HIS.
    check_read_only_select(sql, datasources.dialect_of(db_type))


def _query_table(sql: str, db_type: str, name: str) -> str:
    tables = tables_read(sql, datasources.dialect_of(db_type)) if sql else []
    if not tables:
        raise InvalidInput(f"Config {name!r} names no source table.", field="source_table")
    return tables[0]
