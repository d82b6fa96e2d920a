"""Datasource use cases against the real MariaDB and PostgreSQL servers."""

from __future__ import annotations

import socket
import threading
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from services import datasources as ds
from services.context import ServiceContext
from services.errors import (
    AccessDenied,
    AuthenticationFailed,
    Conflict,
    DatasourceNotFound,
    HostUnreachable,
    InvalidInput,
    PluginNotFound,
    UnknownDatabase,
)
from tests.factories import register_server, server_version


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_mariadb_test_returns_the_server_version(ctx: ServiceContext, mysql_server: URL) -> None:
    register_server(ctx, "hosxp", mysql_server)
    result = ds.test_datasource(ctx, "hosxp")
    assert result.server_version == server_version(mysql_server)
    assert "MariaDB" in result.server_version
    assert result.elapsed_ms > 0


def test_postgresql_test_returns_the_server_version(ctx: ServiceContext, pg_server: URL) -> None:
    register_server(ctx, "newhis", pg_server)
    assert ds.test_datasource(ctx, "newhis").server_version == server_version(pg_server)


def test_password_is_never_stored_in_plain_text(ctx: ServiceContext, pg_server: URL) -> None:
    password = "S3cret-" + uuid.uuid4().hex
    created = register_server(ctx, "newhis", pg_server, password=password)
    with ctx.store_engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM datasources")).mappings().all()
    assert len(rows) == 1
    raw = " ".join(str(value) for value in rows[0].values())
    assert password not in raw
    assert rows[0]["password_encrypted"] == created.password_encrypted
    # …yet the encrypted one still opens the connection (trust auth accepts any password).
    assert ds.test_datasource(ctx, "newhis").server_version


def test_wrong_password_says_so_in_one_line(ctx: ServiceContext, mysql_server: URL) -> None:
    register_server(ctx, "hosxp", mysql_server, password="wrong-password-123")
    with pytest.raises(AuthenticationFailed) as caught:
        ds.test_datasource(ctx, "hosxp")
    message = caught.value.message
    assert "wrong user name or password" in message
    assert "\n" not in message
    assert "wrong-password-123" not in message


def test_password_with_special_characters_logs_in(ctx: ServiceContext, mysql_server: URL) -> None:
    user = f"his_{uuid.uuid4().hex[:8]}"
    password = "p@ss:w/rd%?#&=ไทย"
    admin = create_engine(mysql_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE USER '{user}'@'%' IDENTIFIED BY :pw"), {"pw": password})
    try:
        register_server(ctx, "no-rights", mysql_server, username=user, password=password)
        with pytest.raises(AccessDenied, match="may not use database"):
            ds.test_datasource(ctx, "no-rights")
        with admin.connect() as connection:
            connection.execute(text(f"GRANT SELECT ON `{mysql_server.database}`.* TO '{user}'@'%'"))
        register_server(ctx, "special", mysql_server, username=user, password=password)
        assert ds.test_datasource(ctx, "special").server_version == server_version(mysql_server)
        ds.update_datasource(ctx, "special", password="not-it")
        with pytest.raises(AuthenticationFailed):
            ds.test_datasource(ctx, "special")
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP USER '{user}'@'%'"))
        admin.dispose()


@pytest.mark.parametrize("server", ["mysql_server", "pg_server"])
def test_closed_port_is_reported_as_unreachable(
    ctx: ServiceContext, server: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue(server)
    port = closed_port()
    register_server(ctx, "down", url, port=port)
    with pytest.raises(HostUnreachable) as caught:
        ds.test_datasource(ctx, "down")
    assert f"127.0.0.1:{port}" in caught.value.message


@pytest.mark.parametrize("server", ["mysql_server", "pg_server"])
def test_unknown_database_is_named(
    ctx: ServiceContext, server: str, request: pytest.FixtureRequest
) -> None:
    register_server(ctx, "typo", request.getfixturevalue(server), database="hosxp_typo")
    with pytest.raises(UnknownDatabase, match="has no database 'hosxp_typo'"):
        ds.test_datasource(ctx, "typo")


def test_missing_sqlite_file_is_not_created(ctx: ServiceContext, tmp_path) -> None:
    path = tmp_path / "missing.sqlite"
    ds.create_datasource(ctx, name="local", db_type="sqlite", database=str(path))
    with pytest.raises(UnknownDatabase, match="does not exist"):
        ds.test_datasource(ctx, "local")
    assert not path.exists()


def test_names_are_unique(ctx: ServiceContext, pg_server: URL) -> None:
    register_server(ctx, "newhis", pg_server)
    with pytest.raises(Conflict, match="already exists"):
        register_server(ctx, "newhis", pg_server)
    other = register_server(ctx, "other", pg_server)
    with pytest.raises(Conflict):
        ds.update_datasource(ctx, other.id, name="newhis")


@pytest.mark.parametrize(
    ("fields", "error", "field"),
    [
        ({"db_type": "postgres"}, PluginNotFound, "db_type"),
        ({"host": None}, InvalidInput, "host"),
        ({"database": " "}, InvalidInput, "database"),
        ({"port": 70000}, InvalidInput, "port"),
        ({"name": ""}, InvalidInput, "name"),
    ],
)
def test_invalid_fields_name_the_culprit(
    ctx: ServiceContext, fields: dict, error: type, field: str
) -> None:
    base = {"name": "x", "db_type": "postgresql", "host": "db", "database": "his"}
    with pytest.raises(error) as caught:
        ds.create_datasource(ctx, **{**base, **fields})
    assert caught.value.field == field
    assert ds.list_datasources(ctx) == []


def test_get_by_name_or_id_and_delete(ctx: ServiceContext, pg_server: URL) -> None:
    created = register_server(ctx, "newhis", pg_server)
    assert ds.get_datasource(ctx, str(created.id)).name == "newhis"
    assert ds.get_datasource(ctx, created.id).name == "newhis"
    ds.delete_datasource(ctx, "newhis")
    with pytest.raises(DatasourceNotFound, match="newhis"):
        ds.get_datasource(ctx, "newhis")


def test_update_keeps_the_password_unless_given(ctx: ServiceContext, pg_server: URL) -> None:
    created = register_server(ctx, "newhis", pg_server, password="first")
    updated = ds.update_datasource(ctx, "newhis", host="localhost")
    assert updated.password_encrypted == created.password_encrypted
    assert ctx.secrets.decrypt(updated.password_encrypted) == "first"
    assert ds.update_datasource(ctx, "newhis", password=None).password_encrypted is None


def test_one_engine_is_shared_across_threads(ctx: ServiceContext, mysql_server: URL) -> None:
    register_server(ctx, "hosxp", mysql_server)
    versions: list[str] = []

    def probe() -> None:
        versions.append(ds.test_datasource(ctx, "hosxp").server_version)

    threads = [threading.Thread(target=probe) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert versions == [server_version(mysql_server)] * 8
    key = ("mysql", mysql_server.host, mysql_server.port, mysql_server.database, "root")
    assert ctx.connections.pooled_keys() == [key]
    spec = ds.connection_spec(ds.get_datasource(ctx, "hosxp"), ctx.secrets)
    assert ctx.connections.engine_for(spec) is ctx.connections.engine_for(spec)


def test_connection_killed_by_the_server_is_replaced(
    ctx: ServiceContext, mysql_server: URL
) -> None:
    register_server(ctx, "hosxp", mysql_server)
    spec = ds.connection_spec(ds.get_datasource(ctx, "hosxp"), ctx.secrets)
    with ctx.connections.connect(spec) as connection:
        pooled_id = connection.execute(text("SELECT CONNECTION_ID()")).scalar_one()
    admin = create_engine(mysql_server)
    with admin.connect() as connection:
        connection.execute(text(f"KILL {int(pooled_id)}"))
    admin.dispose()
    # The pool's pre-ping notices the dead connection and opens a new one.
    with ctx.connections.connect(spec) as connection:
        assert connection.execute(text("SELECT CONNECTION_ID()")).scalar_one() != pooled_id


def test_close_all_connections_empties_the_pool(
    ctx: ServiceContext, mysql_server: URL, pg_server: URL
) -> None:
    register_server(ctx, "hosxp", mysql_server)
    register_server(ctx, "newhis", pg_server)
    ds.test_datasource(ctx, "hosxp")
    ds.test_datasource(ctx, "newhis")
    assert len(ctx.connections.pooled_keys()) == 2
    ds.delete_datasource(ctx, "hosxp")
    assert len(ctx.connections.pooled_keys()) == 1
    ctx.connections.close_all_connections()
    assert ctx.connections.pooled_keys() == []


def test_after_a_key_change_the_password_can_be_replaced_and_deleted(
    ctx: ServiceContext, pg_server: URL
) -> None:
    from dataclasses import replace

    from services.secret_box import SecretBox

    register_server(ctx, "newhis", pg_server, password="old")
    rekeyed = replace(ctx, secrets=SecretBox.from_passphrase("a different key"))
    updated = ds.update_datasource(rekeyed, "newhis", password="new")
    assert rekeyed.secrets.decrypt(updated.password_encrypted) == "new"
    ds.delete_datasource(rekeyed, "newhis")
    assert ds.list_datasources(rekeyed) == []


def test_text_fields_are_trimmed_on_create_and_update(ctx: ServiceContext, pg_server: URL) -> None:
    created = register_server(ctx, "  newhis ", pg_server, username=" postgres ", schema=" public ")
    assert (created.name, created.username, created.schema) == ("newhis", "postgres", "public")
    updated = ds.update_datasource(ctx, "newhis", host=" localhost ", schema="  ")
    assert (updated.host, updated.schema) == ("localhost", None)


def test_options_set_to_none_are_stored_as_empty(ctx: ServiceContext, pg_server: URL) -> None:
    register_server(ctx, "newhis", pg_server, options={"sslmode": "disable"})
    assert ds.update_datasource(ctx, "newhis", options=None).options == {}
    assert ds.test_datasource(ctx, "newhis").server_version == server_version(pg_server)
