"""Small factories for test data."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from models.datasource import Datasource
from services import datasources
from services.context import ServiceContext


def make_datasource(**overrides: Any) -> Datasource:
    """A valid MariaDB datasource model; override any field."""
    fields: dict[str, Any] = {
        "name": "hosxp",
        "db_type": "mysql",
        "host": "127.0.0.1",
        "port": 3306,
        "database": "hos",
        "username": "his",
    }
    fields.update(overrides)
    return Datasource(**fields)


def register_server(ctx: ServiceContext, name: str, url: URL, **overrides: Any) -> Datasource:
    """Register the database at `url` (a test server) as datasource `name` through the service."""
    fields: dict[str, Any] = {
        "db_type": "mysql" if url.get_backend_name() == "mysql" else "postgresql",
        "host": url.host,
        "port": url.port,
        "database": url.database,
        "username": url.username,
        "password": url.password,
    }
    fields.update(overrides)
    return datasources.create_datasource(ctx, name=name, **fields)


def server_version(url: URL) -> str:
    """The server's version string, asked independently of the code under test."""
    engine = create_engine(url)
    with engine.connect() as connection:
        version = connection.execute(text("SELECT version()")).scalar_one()
    engine.dispose()
    return version


#: The bearer key of in-process API tests.
API_KEY = "test-api-key-3c9e"
AUTHORIZATION = {"Authorization": f"Bearer {API_KEY}"}


def keyed_ctx(ctx: ServiceContext, **settings: Any) -> ServiceContext:
    """`ctx` whose API accepts `API_KEY` (settings overridden, so a developer's HIS_API_KEYS
    cannot leak into a test); other settings can be overridden too."""
    changed = ctx.settings.model_copy(update={"api_keys": [API_KEY], **settings})
    return dataclasses.replace(ctx, settings=changed)
