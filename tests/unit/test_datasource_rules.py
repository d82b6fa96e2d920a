"""The datasource service's rules, on the in-memory store (connecting stays in integration)."""

from __future__ import annotations

import dataclasses
import uuid
from pathlib import Path
from typing import Any

import pytest

from services import datasources as ds
from services.context import ServiceContext
from services.errors import Conflict, DatasourceNotFound, InvalidInput, PluginNotFound
from tests.fakes import FakeStore, fake_context

PG = {"db_type": "postgresql", "host": "10.0.0.7", "port": 5432, "database": "newhis"}


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def ctx(tmp_path: Path, store: FakeStore) -> ServiceContext:
    """A service context on an empty in-memory store (not the SQLite one of conftest)."""
    return fake_context(tmp_path, store=store)


def test_create_normalises_the_fields_and_lists_by_name(ctx: ServiceContext) -> None:
    created = ds.create_datasource(
        ctx, name="  newhis ", db_type="PostgreSQL", host=" db ", database="his", schema=" "
    )
    ds.create_datasource(ctx, name="hosxp", db_type="mysql", host="10.0.0.5", database="hos")
    assert (created.name, created.db_type, created.host, created.schema) == (
        "newhis",
        "postgresql",
        "db",
        None,
    )
    assert [(d.name, d.db_type) for d in ds.list_datasources(ctx)] == [
        ("hosxp", "mysql"),
        ("newhis", "postgresql"),
    ]
    assert ds.get_datasource(ctx, "newhis") == created


def test_a_taken_name_is_a_conflict_on_create_and_on_rename(ctx: ServiceContext) -> None:
    ds.create_datasource(ctx, name="newhis", **PG)
    with pytest.raises(Conflict) as caught:
        ds.create_datasource(ctx, name="newhis", **{**PG, "host": "elsewhere"})
    assert caught.value.message == "A datasource named 'newhis' already exists."
    other = ds.create_datasource(ctx, name="other", **PG)
    with pytest.raises(Conflict, match="A datasource named 'newhis' already exists."):
        ds.update_datasource(ctx, other.id, name="newhis")
    assert [(d.name, d.host) for d in ds.list_datasources(ctx)] == [
        ("newhis", "10.0.0.7"),
        ("other", "10.0.0.7"),
    ]


def test_an_unknown_database_type_suggests_the_right_one(ctx: ServiceContext) -> None:
    with pytest.raises(PluginNotFound) as caught:
        ds.create_datasource(ctx, name="newhis", **{**PG, "db_type": "postgres"})
    assert caught.value.message == "Unknown database type 'postgres'. Did you mean 'postgresql'?"
    assert caught.value.field == "db_type"
    assert ds.list_datasources(ctx) == []


@pytest.mark.parametrize(
    ("fields", "error", "field", "message"),
    [
        ({"host": None}, InvalidInput, "host", "A PostgreSQL datasource needs a host."),
        (
            {"database": " "},
            InvalidInput,
            "database",
            "A datasource needs a database name (or a file path for SQLite).",
        ),
        ({"port": 70000}, InvalidInput, "port", "Port 70000 is not between 1 and 65535."),
        ({"name": ""}, InvalidInput, "name", "A datasource needs a name."),
        ({"name": "x" * 201}, InvalidInput, "name", "A datasource name is at most 200 characters."),
    ],
    ids=["no-host", "no-database", "port", "no-name", "long-name"],
)
def test_invalid_fields_name_the_culprit_and_store_nothing(
    ctx: ServiceContext, fields: dict[str, Any], error: type[InvalidInput], field: str, message: str
) -> None:
    with pytest.raises(error) as caught:
        ds.create_datasource(ctx, **{"name": "x", **PG, **fields})
    assert (caught.value.field, caught.value.message) == (field, message)
    assert ds.list_datasources(ctx) == []


def test_the_password_is_stored_encrypted_and_never_returned(
    ctx: ServiceContext, store: FakeStore
) -> None:
    password = "S3cret-" + uuid.uuid4().hex
    created = ds.create_datasource(ctx, name="newhis", username="his", password=password, **PG)
    [stored] = store.rows["datasources"].values()
    assert password not in " ".join(str(value) for value in dataclasses.astuple(stored))
    assert stored.password_encrypted == created.password_encrypted
    assert ctx.secrets.decrypt(stored.password_encrypted) == password
    for returned in (created, ds.get_datasource(ctx, "newhis"), *ds.list_datasources(ctx)):
        assert password not in repr(returned)
        assert password not in " ".join(str(value) for value in dataclasses.astuple(returned))
        assert "password_encrypted" not in repr(returned)  # not even the token is shown
        assert returned.has_password


def test_update_keeps_the_password_unless_one_is_given(ctx: ServiceContext) -> None:
    created = ds.create_datasource(ctx, name="newhis", password="first", **PG)
    kept = ds.update_datasource(ctx, "newhis", host="localhost")
    assert (kept.host, kept.password_encrypted) == ("localhost", created.password_encrypted)
    assert ds.get_datasource(ctx, "newhis").password_encrypted == created.password_encrypted

    replaced = ds.update_datasource(ctx, "newhis", password="second")
    assert ctx.secrets.decrypt(ds.get_datasource(ctx, "newhis").password_encrypted) == "second"
    assert replaced.password_encrypted != created.password_encrypted

    removed = ds.update_datasource(ctx, "newhis", password=None)
    assert removed.password_encrypted is None
    assert ds.get_datasource(ctx, "newhis").has_password is False


def test_update_refuses_unknown_fields_and_keeps_the_row(ctx: ServiceContext) -> None:
    ds.create_datasource(ctx, name="newhis", **PG)
    with pytest.raises(InvalidInput, match=r"Unknown datasource field\(s\): colour, size."):
        ds.update_datasource(ctx, "newhis", size=3, colour="red")
    with pytest.raises(InvalidInput, match="Port 0 is not between 1 and 65535."):
        ds.update_datasource(ctx, "newhis", port=0)
    assert ds.get_datasource(ctx, "newhis").port == 5432


def test_get_by_name_or_by_id(ctx: ServiceContext) -> None:
    created = ds.create_datasource(ctx, name="newhis", **PG)
    assert ds.get_datasource(ctx, "newhis") == created
    assert ds.get_datasource(ctx, str(created.id)) == created
    assert ds.get_datasource(ctx, created.id) == created
    for key in ("nope", str(uuid.uuid4()), uuid.uuid4()):
        with pytest.raises(DatasourceNotFound) as caught:
            ds.get_datasource(ctx, key)
        assert caught.value.message == f"No datasource called {str(key)!r}."


def test_delete_by_name_or_id(ctx: ServiceContext) -> None:
    first = ds.create_datasource(ctx, name="newhis", **PG)
    ds.create_datasource(ctx, name="hosxp", **PG)
    ds.delete_datasource(ctx, "newhis")
    with pytest.raises(DatasourceNotFound, match="No datasource called 'newhis'."):
        ds.get_datasource(ctx, "newhis")
    with pytest.raises(DatasourceNotFound, match=f"No datasource called '{first.id}'."):
        ds.get_datasource(ctx, first.id)
    ds.delete_datasource(ctx, ds.get_datasource(ctx, "hosxp").id)
    assert ds.list_datasources(ctx) == []
    with pytest.raises(DatasourceNotFound, match="No datasource called 'hosxp'."):
        ds.delete_datasource(ctx, "hosxp")
