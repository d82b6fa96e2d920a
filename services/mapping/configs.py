"""Use cases for mapping configs: save (every save is a new version), read, diff, roll back."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from models.common import utc_now
from models.config_record import ConfigRecord, ConfigVersion
from models.migration_config import MigrationConfig, PluginRegistry
from protocols.repository import UnitOfWork
from services.context import ServiceContext
from services.errors import ConfigNotFound, Conflict, InvalidConfig, InvalidInput
from services.mapping.datasource_refs import resolve_datasource_names, with_datasource_names
from services.mapping.export import ConfigDiff, diff_snapshots, render_typescript
from services.mapping.knowledge import learn_from_config
from services.mapping.live_check import check_against_live_schemas
from utils.text import first_problem

log = logging.getLogger(__name__)

ExportFormat = Literal["json", "ts"]


def parse_config(
    data: Any, *, transformers: PluginRegistry, validators: PluginRegistry
) -> MigrationConfig:
    """Validate raw config data against the schema and the plugin registries.

    Raises:
        InvalidConfig: one line naming the first problem's field, with "(+N more)" if several.
    """
    context = {"transformers": transformers, "validators": validators}
    try:
        return MigrationConfig.model_validate(data, context=context)
    except ValidationError as error:
        where, problem = first_problem(error.errors(include_url=False))
        field = where or "config"
        raise InvalidConfig(f"Invalid config: {field}: {problem}", field=field) from None


def plugin_registries() -> tuple[PluginRegistry, PluginRegistry]:
    """The transformer and validator registries, with every built-in plugin registered."""
    # Imported on use: the plugin packages import their modules, which config reading never needs.
    from data_transformers.registry import transformers
    from validators.registry import validators

    return transformers, validators


def save_config(
    ctx: ServiceContext,
    config_data: dict[str, Any],
    *,
    summary: str | None = None,
    check_live: bool = True,
    new: bool = False,
) -> ConfigVersion:
    """Validate a config and store it as its next version (v1 when it is new).

    Datasources may be given by name (`source`, `target`) or id (`*_datasource_id`); they
    are stored as ids. With `check_live`, the config is checked against its datasources'
    live schemas first (`check_against_live_schemas`); with `new`, it must not exist yet.

    Raises:
        InvalidConfig: the config does not validate, or disagrees with a live schema (every
            problem on its own line); nothing is saved.
        LiveCheckUnavailable: a datasource could not be reached for the live check.
        Conflict: it is identical to the latest version, the config was deleted, or (`new`)
            a config has that name.
    """
    with ctx.uow() as uow:
        config = _parse(resolve_datasource_names(uow, config_data))
        require_datasources(uow, config)
    if new:
        with ctx.uow() as uow:
            if uow.configs.get_by_name(config.name, include_deleted=True) is not None:
                raise Conflict(f"Config {config.name!r} already exists; choose another name.")
    if check_live:
        check_against_live_schemas(ctx, config)
    with ctx.uow() as uow:
        record = uow.configs.get_by_name(config.name, include_deleted=True)
        if record is not None and record.deleted_at is not None:
            raise Conflict(
                f"Config {config.name!r} was deleted; restore it before saving a new version."
            )
        return _store(uow, config, record, summary=summary, allow_same=False)


def list_configs(ctx: ServiceContext, *, include_deleted: bool = False) -> list[ConfigRecord]:
    """Configs by name, each at its latest version; deleted ones only with `include_deleted`."""
    with ctx.uow() as uow:
        return uow.configs.list(include_deleted=include_deleted)


def get_config_record(ctx: ServiceContext, name: str) -> ConfigRecord:
    """The stored record of a live config: its latest content, version, id and dates.

    Raises:
        ConfigNotFound: no such config, or it was deleted.
    """
    with ctx.uow() as uow:
        return _live(uow, name)


def get_config_version(ctx: ServiceContext, name: str, version: int) -> ConfigVersion:
    """Saved version `version` of a config, with its summary and date (kept after deletion).

    Raises:
        ConfigNotFound: no such config or version.
    """
    with ctx.uow() as uow:
        return _version(uow, name, version)


def get_config(ctx: ServiceContext, name: str, *, version: int | None = None) -> dict[str, Any]:
    """The snapshot of a config: its latest version, or version `version`.

    A deleted config's history can still be read by version number.
    """
    with ctx.uow() as uow:
        if version is None:
            return in_field_order(_live(uow, name).content)
        return in_field_order(_version(uow, name, version).snapshot)


def list_versions(ctx: ServiceContext, name: str) -> list[ConfigVersion]:
    """Every saved version of a config, oldest first (kept after deletion)."""
    with ctx.uow() as uow:
        versions = uow.configs.list_versions(name)
    if not versions:
        raise ConfigNotFound(name)
    return versions


def compare_config_versions(ctx: ServiceContext, name: str, v1: int, v2: int) -> ConfigDiff:
    """What changed from version `v1` to version `v2`: fields and mappings (by target column)."""
    with ctx.uow() as uow:
        old, new = _version(uow, name, v1), _version(uow, name, v2)
    return diff_snapshots(name, v1, old.snapshot, v2, new.snapshot)


def rollback_config(ctx: ServiceContext, name: str, version: int) -> ConfigVersion:
    """Save version `version`'s snapshot as a new version; nothing is erased.

    Raises:
        ConfigNotFound: no such config, version, or the config is deleted.
        Conflict: the latest version is already identical to it.
        InvalidConfig: it no longer validates (a plugin or datasource has gone since).
    """
    with ctx.uow() as uow:
        _live(uow, name)
        snapshot = _version(uow, name, version).snapshot
    config = _parse(snapshot)
    with ctx.uow() as uow:
        record = _live(uow, name)
        return _store(uow, config, record, summary=f"rollback to v{version}", allow_same=False)


def delete_config(ctx: ServiceContext, name: str) -> None:
    """Hide a config from lists and pipelines; its history is kept and it can be restored."""
    with ctx.uow() as uow:
        record = _live(uow, name)
        record.deleted_at = utc_now()
        uow.configs.update(record)
        uow.commit()
    log.info("config %r deleted (history kept)", name)


def restore_config(ctx: ServiceContext, name: str) -> ConfigVersion:
    """Bring a deleted config back from its latest version, saved as a new version.

    Raises:
        ConfigNotFound: no history under that name.
        Conflict: the config is not deleted.
    """
    with ctx.uow() as uow:
        record = uow.configs.get_by_name(name, include_deleted=True)
        if record is not None and record.deleted_at is None:
            raise Conflict(f"Config {name!r} is not deleted; nothing to restore.")
        versions = uow.configs.list_versions(name)
    if not versions:
        raise ConfigNotFound(name)
    latest = versions[-1]
    config = _parse(latest.snapshot)
    with ctx.uow() as uow:
        record = uow.configs.get_by_name(name, include_deleted=True)
        summary = f"restored from v{latest.version}"
        return _store(uow, config, record, summary=summary, allow_same=True)


def export_config(
    ctx: ServiceContext, name: str, *, format: ExportFormat = "json", version: int | None = None
) -> str:
    """The config as JSON (what `import_config` reads) or as a typed TypeScript module."""
    if format not in ("json", "ts"):
        raise InvalidInput(f"Unknown export format {format!r}; use json or ts.", field="format")
    with ctx.uow() as uow:
        if version is None:
            record = _live(uow, name)
            snapshot, number = record.content, record.version
        else:
            snapshot, number = _version(uow, name, version).snapshot, version
    snapshot = in_field_order(snapshot)
    if format == "ts":
        return render_typescript(snapshot, version=number)
    # Names, not ids: the datasources of another installation have the names, not the ids.
    with ctx.uow() as uow:
        snapshot = with_datasource_names(uow, snapshot)
    return json.dumps(snapshot, indent=2, ensure_ascii=False) + "\n"


def import_config(
    ctx: ServiceContext,
    text: str,
    *,
    format: str = "json",
    summary: str | None = "imported",
    check_live: bool = True,
) -> ConfigVersion:
    """Validate and save a config given as JSON text (a new config or its next version);
    `check_live` as for `save_config`."""
    if format != "json":
        raise InvalidInput(f"Only JSON configs can be imported, not {format!r}.", field="format")
    return save_config(ctx, _json_data(text), summary=summary, check_live=check_live)


def check_config_text(ctx: ServiceContext, text: str) -> MigrationConfig:
    """The config in JSON text, validated as `import_config` validates it before saving
    (schema, plugins, its datasources by name or id), without saving it and without the
    live-schema check: what a person is shown before deciding to import a file.

    Raises:
        InvalidConfig: not JSON, or the config does not validate (one line).
    """
    data = _json_data(text)
    with ctx.uow() as uow:
        config = _parse(resolve_datasource_names(uow, data))
        require_datasources(uow, config)
    return config


def _json_data(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidConfig(
            f"Not valid JSON: line {error.lineno}, column {error.colno}: {error.msg}."
        ) from None


def in_field_order(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A stored snapshot with its keys in declaration order (PostgreSQL's JSONB sorts them)."""
    try:
        return MigrationConfig.model_validate(snapshot).snapshot()
    except ValidationError:
        return snapshot  # saved under an older schema: shown as stored rather than not at all


def _parse(data: Any) -> MigrationConfig:
    transformers, validators = plugin_registries()
    return parse_config(data, transformers=transformers, validators=validators)


def _store(
    uow: UnitOfWork,
    config: MigrationConfig,
    record: ConfigRecord | None,
    *,
    summary: str | None,
    allow_same: bool,
) -> ConfigVersion:
    """Append `config` as the next version and make it the current one, teaching the
    suggester its column pairs (`learn_from_config`); commits."""
    require_datasources(uow, config)
    snapshot = config.snapshot()
    history = uow.configs.list_versions(config.name)
    # Numbers continue across a purge and re-creation: history is keyed by name.
    latest = history[-1] if history else None
    if latest is not None and latest.snapshot == snapshot and not allow_same:
        raise Conflict(f"Config {config.name!r}: nothing changed since v{latest.version}.")
    number = latest.version + 1 if latest else 1
    columns = {
        "content": snapshot,
        "source_datasource_id": config.source_datasource_id,
        "target_datasource_id": config.target_datasource_id,
        "source_table": config.source_table,
        "target_table": config.target_table,
        "version": number,
    }
    try:
        if record is None:
            record = ConfigRecord(name=config.name, **columns)
            uow.configs.add(record)
        else:
            for field, value in columns.items():
                setattr(record, field, value)
            record.deleted_at = None
            record.updated_at = utc_now()
            uow.configs.update(record)
        saved = ConfigVersion(
            config_name=config.name,
            version=number,
            snapshot=snapshot,
            config_id=record.id,
            change_summary=summary,
        )
        uow.configs.add_version(saved)
        # In the version's transaction: what the suggester learns is stored with it or not at all.
        learn_from_config(uow, config, number)
        uow.commit()
    except IntegrityError:
        # Two saves of one config at the same moment: the second loses, and says so.
        raise Conflict(
            f"Config {config.name!r} was saved by someone else just now; reload and try again."
        ) from None
    log.info("config %r saved as v%d", config.name, number)
    return saved


def require_datasources(uow: UnitOfWork, config: MigrationConfig) -> None:
    """Raise `InvalidConfig` unless each datasource id of `config` is a datasource's."""
    for field in ("source_datasource_id", "target_datasource_id"):
        datasource_id = getattr(config, field)
        if datasource_id is not None and uow.datasources.get(datasource_id) is None:
            raise InvalidConfig(
                f"Invalid config: {field}: no datasource has id {datasource_id}.", field=field
            )


def find_config(uow: UnitOfWork, key: str | uuid.UUID) -> ConfigRecord | None:
    """The config named `key`, else the one whose id it is; deleted ones included."""
    # Keys come from files and forms: stray spaces around a name or id never mean anything.
    return uow.configs.get_by_name_or_id(str(key).strip())


def config_name(ctx: ServiceContext, key: str | uuid.UUID) -> str:
    """The name of the config called `key`, else of the one whose id it is (deleted included).

    A name whose config record has gone but whose history is kept is still a name.

    Raises:
        ConfigNotFound: neither a config nor a history has that name or id.
    """
    with ctx.uow() as uow:
        record = find_config(uow, key)
        if record is not None:
            return record.name
        name = str(key).strip()
        if uow.configs.list_versions(name):
            return name
    raise ConfigNotFound(name)


def load_config(ctx: ServiceContext, key: str | uuid.UUID) -> MigrationConfig:
    """A live config by name or id, validated against the plugin registries (to run it).

    Raises:
        ConfigNotFound: no such config, or it was deleted.
    """
    with ctx.uow() as uow:
        record = find_config(uow, key)
    if record is None:
        raise ConfigNotFound(str(key))
    if record.deleted_at is not None:
        raise ConfigNotFound(
            record.name, f"Mapping config {record.name!r} was deleted; restore it to use it again."
        )
    return _parse(record.content)


def _live(uow: UnitOfWork, name: str) -> ConfigRecord:
    record = uow.configs.get_by_name(name, include_deleted=True)
    if record is None:
        raise ConfigNotFound(name)
    if record.deleted_at is not None:
        raise ConfigNotFound(
            name, f"Mapping config {name!r} was deleted; restore it to use it again."
        )
    return record


def _version(uow: UnitOfWork, name: str, version: int) -> ConfigVersion:
    found = uow.configs.get_version(name, version)
    if found is not None:
        return found
    versions = uow.configs.list_versions(name)
    if not versions:
        raise ConfigNotFound(name)
    raise ConfigNotFound(
        name,
        f"Mapping config {name!r} has no version {version} (it has v1 to v{versions[-1].version}).",
    )
