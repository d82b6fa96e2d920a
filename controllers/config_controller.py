"""Page logic of the Settings page's Saved configs and History tabs: rows, exports, history.

Errors are the services' `HisError` subclasses and propagate unchanged; the view shows them.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from controllers.config_diff import VersionDiff, readable_diff
from services import datasources, mapping
from services.context import ServiceContext
from services.mapping import ConfigRecord

ExportFormat = Literal["json", "ts"]

_EXPORT_MIME = {"json": "application/json", "ts": "application/typescript"}


@dataclass(frozen=True, slots=True)
class ConfigRow:
    """One saved config in the list: where it reads, where it writes, when it last changed."""

    name: str
    version: int
    source: str
    target: str
    changed: str
    status: str  # "live" or "deleted"


@dataclass(frozen=True, slots=True)
class ExportFile:
    """A config exported for download."""

    file_name: str
    mime: str
    content: str


@dataclass(frozen=True, slots=True)
class VersionRow:
    """One saved version of a config."""

    version: int
    saved: str
    summary: str


class ConfigController:
    """Everything the Saved configs and History tabs do, as calls on the service context."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def rows(self, *, include_deleted: bool = False) -> list[ConfigRow]:
        """Every saved config by name, at its latest version; deleted ones on request."""
        names = self._datasource_names()
        return [
            _row(record, names)
            for record in mapping.list_configs(self.ctx, include_deleted=include_deleted)
        ]

    def delete(self, name: str) -> None:
        """Delete a config; its history is kept and `restore` brings it back.

        Raises:
            ConfigNotFound: no such config, or it is already deleted.
        """
        mapping.delete_config(self.ctx, name)

    def restore(self, name: str) -> int:
        """Bring a deleted config back; the number of the version it is saved as.

        Raises:
            ConfigNotFound: no history under that name; Conflict: it is not deleted.
        """
        return mapping.restore_config(self.ctx, name).version

    def export(self, name: str, format: ExportFormat) -> ExportFile:
        """The config's latest version as JSON (re-importable) or a TypeScript module.

        Raises:
            ConfigNotFound: no such config, or it was deleted.
        """
        content = mapping.export_config(self.ctx, name, format=format)
        return ExportFile(f"{_file_stem(name)}.{format}", _EXPORT_MIME[format], content)

    def versions(self, name: str) -> list[VersionRow]:
        """Every saved version of a config, oldest first (kept after it is deleted).

        Raises:
            ConfigNotFound: no history under that name.
        """
        return [
            VersionRow(saved.version, _when(saved.created_at), saved.change_summary or "")
            for saved in mapping.list_versions(self.ctx, name)
        ]

    def compare(self, name: str, old_version: int, new_version: int) -> VersionDiff:
        """What changed from one saved version to another (either may be the older).

        Raises:
            ConfigNotFound: no such config or version.
        """
        diff = mapping.compare_config_versions(self.ctx, name, old_version, new_version)
        return readable_diff(diff, self._datasource_names())

    def rollback(self, name: str, version: int) -> int:
        """Save version `version` again as the newest; the number of the version saved.

        Raises:
            ConfigNotFound: no such config or version, or it is deleted.
            Conflict: the latest version already equals it. InvalidConfig: it no longer
                validates (a plugin or datasource has gone since).
        """
        return mapping.rollback_config(self.ctx, name, version).version

    def _datasource_names(self) -> dict[uuid.UUID, str]:
        return {found.id: found.name for found in datasources.list_datasources(self.ctx)}


def _row(record: ConfigRecord, datasource_names: dict[uuid.UUID, str]) -> ConfigRow:
    deleted = record.deleted_at is not None
    return ConfigRow(
        name=record.name,
        version=record.version,
        source=_end(
            record.source_datasource_id, record.source_table or "(query)", datasource_names
        ),
        target=_end(record.target_datasource_id, record.target_table or "", datasource_names),
        changed=_when(record.deleted_at if record.deleted_at is not None else record.updated_at),
        status="deleted" if deleted else "live",
    )


def _end(
    datasource_id: uuid.UUID | None, table: str, datasource_names: dict[uuid.UUID, str]
) -> str:
    # "his.ovst": the datasource and the table; a config without a datasource names its table.
    if datasource_id is None:
        return table
    return f"{datasource_names.get(datasource_id, '(datasource removed)')}.{table}"


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _file_stem(name: str) -> str:
    # Config names may hold spaces and slashes; a download's file name should not.
    return re.sub(r"[^\w.-]+", "_", name).strip("._") or "config"
