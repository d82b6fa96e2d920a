"""Attributes of the configs resource, of its saved versions, drafts and diffs.

The request models check the shape of a config (so a wrong type points at its member); what
a config means (plugins, keys, datasources, live schemas) is checked by the service, once.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.base.documents import Attributes

RESOURCE_TYPE = "configs"

LoadMode = Literal["append", "truncate", "upsert"]
ErrorPolicy = Literal["stop", "quarantine"]
DefaultValue = str | int | float | bool | None

_FORBID = ConfigDict(extra="forbid")


class PluginCallIn(BaseModel):
    """A transformer or validator applied to a column, with its parameters."""

    model_config = _FORBID

    name: str = Field(examples=["BUDDHIST_TO_ISO"])
    params: dict[str, Any] = Field(default_factory=dict)


class MappingIn(BaseModel):
    """One target column: where its value comes from and what happens to it on the way."""

    model_config = _FORBID

    source: str | None = Field(default=None, description="A source column or an SQL expression.")
    target: str | None = Field(default=None, description="Required unless `ignore`.")
    transformers: list[PluginCallIn] = Field(default_factory=list)
    validators: list[PluginCallIn] = Field(default_factory=list)
    ignore: bool = False
    default: DefaultValue = Field(default=None, description="The value when the source is null.")


class _ConfigFieldsIn(BaseModel):
    """The fields a config may be given with; datasources by name (`source`) or id."""

    model_config = _FORBID

    source: str | None = Field(default=None, description="The source datasource's name or id.")
    source_datasource_id: uuid.UUID | None = None
    source_table: str | None = None
    generate_sql: str | None = Field(default=None, description="A SELECT read instead.")
    target: str | None = Field(default=None, description="The target datasource's name or id.")
    target_datasource_id: uuid.UUID | None = None
    load_mode: LoadMode | None = None
    key_columns: list[str] | None = Field(default=None, description="Required for upsert.")
    batch_size: int | None = Field(default=None, ge=1, le=1_000_000)
    source_key: list[str] | None = Field(default=None, description="Default: the primary key.")
    error_policy: ErrorPolicy | None = None
    create_target_table: bool | None = None
    mappings: list[MappingIn] | None = None

    def content(self) -> dict[str, Any]:
        """The fields sent, as the config JSON the service reads (absent ones left out)."""
        return self.model_dump(mode="json", exclude_unset=True)


class ConfigCreate(_ConfigFieldsIn, Attributes):
    """A new config (saved as v1): the config JSON, as `config export --format json` writes it."""

    resource_type: ClassVar[str] = RESOURCE_TYPE

    name: str = Field(min_length=1, max_length=200)
    target_table: str = Field(min_length=1)


class ConfigUpdate(_ConfigFieldsIn, Attributes):
    """Fields to change, saved as the next version; an absent field keeps its value."""

    resource_type: ClassVar[str] = RESOURCE_TYPE

    name: str | None = Field(default=None, description="Must be the config's own: no renames.")
    target_table: str | None = Field(default=None, min_length=1)


class PluginCallOut(BaseModel):
    """A transformer or validator call as stored."""

    name: str
    params: dict[str, Any] = Field(default_factory=dict)


class MappingOut(BaseModel):
    """One mapping as stored, every field present."""

    # Defaults: a snapshot saved under an older schema may lack a field.
    source: str | None = None
    target: str | None = None
    transformers: list[PluginCallOut] = Field(default_factory=list)
    validators: list[PluginCallOut] = Field(default_factory=list)
    ignore: bool = False
    default: DefaultValue = None


class ConfigContentOut(BaseModel):
    """A config's content as stored: datasources by id, every field present."""

    name: str
    source_datasource_id: uuid.UUID | None = None
    source_table: str | None = None
    generate_sql: str | None = None
    target_datasource_id: uuid.UUID | None = None
    target_table: str
    load_mode: LoadMode = "append"
    key_columns: list[str] = Field(default_factory=list)
    batch_size: int = 5000
    source_key: list[str] = Field(default_factory=list)
    error_policy: ErrorPolicy = "stop"
    create_target_table: bool = False
    mappings: list[MappingOut] = Field(default_factory=list)


class ConfigOut(ConfigContentOut, Attributes):
    """A config at its latest version; its id is the config's, stable across versions."""

    resource_type: ClassVar[str] = RESOURCE_TYPE

    version: int = Field(description="The latest version's number, from 1.")
    deleted: bool = Field(description="Deleted configs are listed with filter[deleted]=true.")
    created_at: datetime
    updated_at: datetime


class ConfigVersionOut(Attributes):
    """One saved version of a config, kept after the config is deleted."""

    resource_type: ClassVar[str] = "config-versions"

    config_name: str
    version: int
    change_summary: str | None
    created_at: datetime
    # Read from the stored version's `snapshot`; written as `content`, as the config's own.
    content: ConfigContentOut = Field(
        validation_alias="snapshot", description="The config as this version saved it."
    )


class ConfigDraftCreate(Attributes):
    """What to draft a config from: a live source table and a target datasource (or table)."""

    resource_type: ClassVar[str] = "config-drafts"
    model_config = _FORBID

    name: str = Field(min_length=1, max_length=200)
    source: str = Field(description="DATASOURCE.TABLE to read.", examples=["his.ovst"])
    target: str = Field(
        description="DATASOURCE, or DATASOURCE.TABLE (default: the source table's name).",
        examples=["warehouse.visits"],
    )


class ConfigDraftOut(Attributes):
    """A drafted config, not saved: POST its attributes to /configs (as they are or edited)."""

    resource_type: ClassVar[str] = "config-drafts"

    name: str
    source: str | None = Field(description="The source datasource's name.")
    source_table: str | None
    generate_sql: str | None
    target: str | None = Field(description="The target datasource's name.")
    target_table: str
    load_mode: LoadMode
    key_columns: list[str]
    batch_size: int
    source_key: list[str]
    error_policy: ErrorPolicy
    create_target_table: bool
    mappings: list[MappingOut]


class FieldChangeOut(BaseModel):
    """A setting (or a mapping's field) whose value differs between the two versions."""

    field: str
    old: Any
    new: Any


class MappingChangeOut(BaseModel):
    """A mapping in both versions (matched by its target column) with fields changed."""

    key: str = Field(description="The target column, or '(ignored) <source>'.")
    changes: list[FieldChangeOut]


class ConfigDiffOut(Attributes):
    """What changed from `old_version` to `new_version`; its id is `<name>:<old>..<new>`."""

    resource_type: ClassVar[str] = "config-diffs"

    name: str
    old_version: int
    new_version: int
    is_empty: bool = Field(description="True when the two versions are the same config.")
    fields: list[FieldChangeOut] = Field(description="Settings changed (not the mappings).")
    added: list[MappingOut]
    removed: list[MappingOut]
    modified: list[MappingChangeOut]
