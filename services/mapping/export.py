"""Comparing two config snapshots, and rendering one as a typed TypeScript module."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from models.migration_config import MappingItem, MigrationConfig


@dataclass(frozen=True)
class FieldChange:
    """One field whose value differs between two versions."""

    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class MappingChange:
    """A mapping present in both versions (same key) with some fields changed."""

    key: str
    changes: list[FieldChange]


@dataclass(frozen=True)
class ConfigDiff:
    """What changed from `old_version` to `new_version` of config `name`.

    Mappings are matched by their target column (an ignored mapping without a target by its
    source, as "(ignored) <source>"); moving a mapping up or down is not a change.
    """

    name: str
    old_version: int
    new_version: int
    fields: list[FieldChange] = field(default_factory=list)
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    modified: list[MappingChange] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        """True when the two versions are the same config."""
        return not (self.fields or self.added or self.removed or self.modified)


def mapping_key(item: dict[str, Any]) -> str:
    """The key a mapping is matched by across versions: its target column."""
    return item.get("target") or f"(ignored) {item.get('source')}"


def diff_snapshots(
    name: str, v1: int, old: dict[str, Any], v2: int, new: dict[str, Any]
) -> ConfigDiff:
    """Compare two snapshots field by field, and their mappings by target column."""
    fields = [
        FieldChange(key, old.get(key), new.get(key))
        for key in _ordered_keys(old, new, MigrationConfig)
        if key != "mappings" and old.get(key) != new.get(key)
    ]
    old_items = {mapping_key(item): item for item in old.get("mappings", [])}
    new_items = {mapping_key(item): item for item in new.get("mappings", [])}
    added = [item for key, item in new_items.items() if key not in old_items]
    removed = [item for key, item in old_items.items() if key not in new_items]
    modified = []
    for key, item in new_items.items():
        before = old_items.get(key)
        if before is None or before == item:
            continue
        changes = [
            FieldChange(name_, before.get(name_), item.get(name_))
            for name_ in _ordered_keys(before, item, MappingItem)
            if before.get(name_) != item.get(name_)
        ]
        modified.append(MappingChange(key, changes))
    return ConfigDiff(name, v1, v2, fields, added, removed, modified)


def _ordered_keys(old: dict[str, Any], new: dict[str, Any], model: type[BaseModel]) -> list[str]:
    # Declaration order, not the snapshot's: PostgreSQL's JSONB does not keep key order.
    return list(dict.fromkeys([*model.model_fields, *old, *new]))


# Readonly arrays, so a module's `{ ... } as const` literal is assignable to the interface.
TYPESCRIPT_TYPES = """\
export type LoadMode = "append" | "truncate" | "upsert";
export type ErrorPolicy = "stop" | "quarantine";

export type ParamValue =
  | string
  | number
  | boolean
  | null
  | readonly ParamValue[]
  | { readonly [key: string]: ParamValue };

export interface PluginCall {
  readonly name: string;
  readonly params: { readonly [key: string]: ParamValue };
}

export interface MappingItem {
  /** A source column or an SQL expression; null for a constant (see `default`). */
  readonly source: string | null;
  /** The target column; null only when `ignore` is true. */
  readonly target: string | null;
  readonly transformers: readonly PluginCall[];
  readonly validators: readonly PluginCall[];
  readonly ignore: boolean;
  readonly default: string | number | boolean | null;
}

export interface MigrationConfig {
  readonly name: string;
  readonly source_datasource_id: string | null;
  readonly source_table: string | null;
  readonly generate_sql: string | null;
  readonly target_datasource_id: string | null;
  readonly target_table: string;
  readonly load_mode: LoadMode;
  /** Target columns that identify a row; required for "upsert". */
  readonly key_columns: readonly string[];
  readonly batch_size: number;
  /** Source columns that order the rows and mark how far a run got; default the primary key. */
  readonly source_key: readonly string[];
  readonly error_policy: ErrorPolicy;
  /** Create the target table from the source columns when it does not exist. */
  readonly create_target_table: boolean;
  readonly mappings: readonly MappingItem[];
}
"""


def render_typescript(snapshot: dict[str, Any], *, version: int) -> str:
    """A `.ts` module: the config's types and `export const <name>Config: MigrationConfig`."""
    name = str(snapshot.get("name", ""))
    # JSON is a valid TypeScript expression; json.dumps escapes anything a comment could break on.
    literal = json.dumps(snapshot, indent=2, ensure_ascii=False)
    return (
        f"// Mapping config {json.dumps(name, ensure_ascii=False)} v{version}, "
        "exported by HIS Analyzer.\n"
        "// Generated: change the config and export again rather than editing this file.\n\n"
        f"{TYPESCRIPT_TYPES}\n"
        f"export const {typescript_identifier(name)}: MigrationConfig = {literal} as const;\n"
    )


def typescript_identifier(name: str) -> str:
    """'opd_visits v2' -> 'opdVisitsV2Config': camelCase of the name's ASCII words + 'Config'."""
    words = [word for word in re.split(r"[^A-Za-z0-9]+", name) if word]
    if not words:
        return "mappingConfig"
    head, *rest = words
    head = head.lower() if head.isupper() else head[0].lower() + head[1:]
    camel = head + "".join(word[0].upper() + word[1:] for word in rest)
    # An identifier cannot start with a digit.
    return f"config{camel[0].upper()}{camel[1:]}Config" if camel[0].isdigit() else f"{camel}Config"
