"""A datasource opened for use: its connection spec, dialect and schema, and `.connect()`."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection

from dialects.base import Dialect
from models.datasource import ConnectionSpec, Datasource
from services.connections import ConnectionManager
from services.context import ServiceContext
from services.datasources.service import connection_spec, dialect_of, get_datasource


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Everything a service needs to work on one datasource; `connect()` lends a connection.

    `schema` is the one asked for, else the datasource's own, else the engine's default
    (None: the connection's own schema).
    """

    datasource: Datasource
    spec: ConnectionSpec
    dialect: Dialect
    schema: str | None
    connections: ConnectionManager

    @property
    def name(self) -> str:
        """The datasource's name, as people know it."""
        return self.datasource.name

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A pooled connection; failures become one-line `ConnectionFailed` errors."""
        with self.connections.connect(self.spec) as connection:
            yield connection


def open_endpoint(
    ctx: ServiceContext, name_or_id: str | uuid.UUID, schema: str | None = None
) -> Endpoint:
    """The datasource called (or with the id) `name_or_id`, ready to connect to.

    Raises:
        DatasourceNotFound: no datasource has that name or id.
        PluginNotFound: its engine is not one HIS Analyzer knows.
        SecretKeyError: its password cannot be decrypted with the configured key.
    """
    datasource = get_datasource(ctx, name_or_id)
    dialect = dialect_of(datasource.db_type)
    return Endpoint(
        datasource=datasource,
        spec=connection_spec(datasource, ctx.secrets),
        dialect=dialect,
        schema=schema or datasource.schema or dialect.default_schema,
        connections=ctx.connections,
    )
