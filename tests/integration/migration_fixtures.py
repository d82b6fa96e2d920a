"""Shared pieces of the migration tests: registering test databases, saving configs, reading
rows back independently of the code under test."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from models.datasource import Datasource
from services import datasources
from services import mapping as configs
from services.context import ServiceContext
from tests.factories import register_server


def register(ctx: ServiceContext, name: str, where: URL | Path) -> Datasource:
    """A datasource for a server database (URL) or an SQLite file (Path)."""
    if isinstance(where, Path):
        return datasources.create_datasource(ctx, name=name, db_type="sqlite", database=str(where))
    return register_server(ctx, name, where)


def save(
    ctx: ServiceContext,
    source: Datasource,
    target: Datasource,
    *,
    check_live: bool = True,
    **fields: Any,
) -> str:
    """Save a config from `fields` between two datasources; returns its name. `check_live`
    False saves it as `config save --offline` does (to test what the run itself checks)."""
    data = {
        "name": fields.pop("name", f"step_{uuid.uuid4().hex[:8]}"),
        "source_datasource_id": str(source.id),
        "target_datasource_id": str(target.id),
        **fields,
    }
    configs.save_config(ctx, data, check_live=check_live)
    return data["name"]


def url_of(where: URL | Path) -> URL | str:
    """Something `create_engine` takes."""
    return f"sqlite:///{where}" if isinstance(where, Path) else where


def fetch(where: URL | Path, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """Rows of `sql`, read with a plain SQLAlchemy engine (not the code under test)."""
    engine = create_engine(url_of(where))
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), params)]
    finally:
        engine.dispose()


def execute(where: URL | Path, *statements: str) -> None:
    """Run statements in one transaction."""
    engine = create_engine(url_of(where))
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


def mapping(*columns: str, **transforms: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mappings of same-named columns; `transforms[column]` lists that column's transformers."""
    return [
        {"source": column, "target": column, "transformers": list(transforms.get(column, ()))}
        for column in columns
    ]
