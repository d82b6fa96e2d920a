"""A config's version diff made readable: every value as text a hospital IT person reads."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from services.mapping import ConfigDiff
from utils.ids import as_uuid

#: What a value that is not set reads as, in tables and diffs.
NOT_SET = "(none)"

# The config fields that hold a datasource id; shown by the datasource's name.
_DATASOURCE_FIELDS = ("source_datasource_id", "target_datasource_id")


@dataclass(frozen=True, slots=True)
class SettingChange:
    """A config setting (not a mapping) whose value differs, both values readable."""

    setting: str
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class MappingLine:
    """A mapping added or removed between two versions, as text."""

    target: str
    source: str
    transformers: str
    validators: str
    default: str


@dataclass(frozen=True, slots=True)
class MappingFieldChange:
    """One field of a mapping (matched by target column) that differs between two versions."""

    mapping: str
    field: str
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class VersionDiff:
    """What changed from `old_version` to `new_version` of a config, ready to read."""

    name: str
    old_version: int
    new_version: int
    settings: tuple[SettingChange, ...]
    added: tuple[MappingLine, ...]
    removed: tuple[MappingLine, ...]
    changed: tuple[MappingFieldChange, ...]

    @property
    def is_empty(self) -> bool:
        """True when the two versions hold the same config."""
        return not (self.settings or self.added or self.removed or self.changed)


def readable_diff(diff: ConfigDiff, datasource_names: dict[uuid.UUID, str]) -> VersionDiff:
    """A service diff with every value as text: datasources by name, plugin calls as
    `NAME(param=value)`, nothing set as "(none)"."""
    settings = tuple(
        SettingChange(
            change.field,
            _setting(change.field, change.old, datasource_names),
            _setting(change.field, change.new, datasource_names),
        )
        for change in diff.fields
    )
    changed = tuple(
        MappingFieldChange(item.key, change.field, readable(change.old), readable(change.new))
        for item in diff.modified
        for change in item.changes
    )
    return VersionDiff(
        name=diff.name,
        old_version=diff.old_version,
        new_version=diff.new_version,
        settings=settings,
        added=tuple(_mapping_line(item) for item in diff.added),
        removed=tuple(_mapping_line(item) for item in diff.removed),
        changed=changed,
    )


def readable(value: Any) -> str:
    """A config value as a person reads it: lists joined, plugin calls with their
    parameters, booleans as yes / no, nothing set (None, an empty list) as "(none)"."""
    if value is None or value == []:
        return NOT_SET
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_call(item) if _is_call(item) else readable(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _setting(field: str, value: Any, datasource_names: dict[uuid.UUID, str]) -> str:
    if field in _DATASOURCE_FIELDS and value is not None:
        # An id whose datasource has gone stays an id: the name it had is not known any more.
        datasource_id = as_uuid(str(value))
        if datasource_id is not None and datasource_id in datasource_names:
            return datasource_names[datasource_id]
        return str(value)
    return readable(value)


def _mapping_line(item: dict[str, Any]) -> MappingLine:
    return MappingLine(
        target="(ignored)" if item.get("ignore") else item.get("target") or NOT_SET,
        source=readable(item.get("source")),
        transformers=readable(item.get("transformers")),
        validators=readable(item.get("validators")),
        default=readable(item.get("default")),
    )


def _is_call(item: Any) -> bool:
    return isinstance(item, dict) and "name" in item


def _call(call: dict[str, Any]) -> str:
    params = call.get("params") or {}
    if not params:
        return str(call["name"])
    shown = ", ".join(
        f"{key}={json.dumps(value, ensure_ascii=False)}" for key, value in params.items()
    )
    return f"{call['name']}({shown})"
