"""Mapping configs and their version history."""

from __future__ import annotations

from sqlalchemy import select

from models.config_record import ConfigRecord, ConfigVersion
from repositories.base import NamedSqlRepository, row_to_model
from repositories.orm import ConfigHistoryRow, ConfigRow


class SqlConfigRepository(NamedSqlRepository[ConfigRecord, ConfigRow]):
    """Configs (soft-deleted ones hidden unless asked for) and their saved versions.

    `get` and `get_by_name_or_id` find deleted configs too: whoever asked by id or by what a
    person typed must be able to say "it was deleted" rather than "there is no such config".
    """

    row_type = ConfigRow
    model_type = ConfigRecord

    def get_by_name(self, name: str, *, include_deleted: bool = False) -> ConfigRecord | None:
        """The config called `name`; a deleted one only with `include_deleted`."""
        config = self._find_one(name=name)
        if config is not None and config.deleted_at is not None and not include_deleted:
            return None
        return config

    def list(self, *, include_deleted: bool = False) -> list[ConfigRecord]:
        """Configs by name; deleted ones only with `include_deleted`."""
        query = select(ConfigRow).order_by(ConfigRow.name)
        if not include_deleted:
            query = query.where(ConfigRow.deleted_at.is_(None))
        return [row_to_model(row, ConfigRecord) for row in self.session.scalars(query)]

    def add_version(self, version: ConfigVersion) -> None:
        """Append one snapshot to a config's history."""
        self._insert(ConfigHistoryRow, version)

    def list_versions(self, config_name: str) -> list[ConfigVersion]:
        """Every saved snapshot of `config_name`, oldest first."""
        query = (
            select(ConfigHistoryRow)
            .where(ConfigHistoryRow.config_name == config_name)
            .order_by(ConfigHistoryRow.version)
        )
        return [row_to_model(row, ConfigVersion) for row in self.session.scalars(query)]

    def get_version(self, config_name: str, version: int) -> ConfigVersion | None:
        """Snapshot number `version` of `config_name`, or None."""
        query = select(ConfigHistoryRow).filter_by(config_name=config_name, version=version)
        row = self.session.scalars(query).first()
        return row_to_model(row, ConfigVersion) if row is not None else None
