"""Stored datasources."""

from __future__ import annotations

from models.datasource import Datasource
from repositories.base import SqlRepository
from repositories.orm import DatasourceRow


class SqlDatasourceRepository(SqlRepository[Datasource, DatasourceRow]):
    """Datasources in the metadata store, ordered by name."""

    row_type = DatasourceRow
    model_type = Datasource

    def get_by_name(self, name: str) -> Datasource | None:
        """The datasource called `name`, or None."""
        return self._find_one(name=name)
