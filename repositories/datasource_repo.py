"""Stored datasources."""

from __future__ import annotations

from models.datasource import Datasource
from repositories.base import NamedSqlRepository
from repositories.orm import DatasourceRow


class SqlDatasourceRepository(NamedSqlRepository[Datasource, DatasourceRow]):
    """Datasources in the metadata store, ordered by name; found by name or id."""

    row_type = DatasourceRow
    model_type = Datasource
