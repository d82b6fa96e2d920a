"""Use cases for datasources: create, list, get, update, delete, test."""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

from dialects.base import Dialect
from dialects.registry import dialects, get_dialect
from models.common import utc_now
from models.datasource import ConnectionSpec, Datasource
from protocols.repository import UnitOfWork
from services.context import ServiceContext
from services.datasources.usage import Usage, find_usage
from services.errors import Conflict, DatasourceNotFound, InvalidInput, PluginNotFound
from services.secret_box import SecretBox
from utils.registry import UnknownPluginError

log = logging.getLogger(__name__)

#: Sentinel for `update_datasource(password=KEEP)`: leave the stored password as it is.
KEEP: Any = object()


@dataclass(frozen=True)
class ConnectionTestResult:
    """A successful connection test."""

    server_version: str
    elapsed_ms: float


def create_datasource(
    ctx: ServiceContext,
    *,
    name: str,
    db_type: str,
    database: str,
    host: str | None = None,
    port: int | None = None,
    username: str | None = None,
    password: str | None = None,
    schema: str | None = None,
    options: dict[str, Any] | None = None,
) -> Datasource:
    """Register a datasource; its password is stored encrypted.

    Raises:
        InvalidInput: a field is missing or out of range.
        PluginNotFound: `db_type` is not a known database type.
        Conflict: the name is already taken.
    """
    datasource = Datasource(
        name=name,
        db_type=db_type,
        database=database,
        host=host,
        port=port,
        username=username,
        password_encrypted=ctx.secrets.encrypt(password) if password else None,
        schema=schema,
        options=dict(options or {}),
    )
    _normalise_and_validate(datasource)
    with ctx.uow() as uow:
        if uow.datasources.get_by_name(datasource.name) is not None:
            raise Conflict(f"A datasource named {datasource.name!r} already exists.")
        uow.datasources.add(datasource)
        uow.commit()
    log.info("datasource %r (%s) created", datasource.name, datasource.db_type)
    return datasource


def list_datasources(ctx: ServiceContext) -> list[Datasource]:
    """Every datasource, by name."""
    with ctx.uow() as uow:
        return uow.datasources.list()


def get_datasource(ctx: ServiceContext, key: str | uuid.UUID) -> Datasource:
    """The datasource with this name or id; `DatasourceNotFound` otherwise."""
    with ctx.uow() as uow:
        return _find(uow, key)


def update_datasource(
    ctx: ServiceContext, key: str | uuid.UUID, *, password: Any = KEEP, **changes: Any
) -> Datasource:
    """Change fields of a datasource. `password=None` removes it; leave it out to keep it.

    Raises:
        DatasourceNotFound, InvalidInput, PluginNotFound, Conflict: as for create.
    """
    allowed = {"name", "db_type", "database", "host", "port", "username", "schema", "options"}
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput(f"Unknown datasource field(s): {', '.join(sorted(unknown))}.")
    with ctx.uow() as uow:
        datasource = _find(uow, key)
        old_spec = connection_spec(datasource, secrets=None)
        for field, value in changes.items():
            setattr(datasource, field, value)
        if password is not KEEP:
            datasource.password_encrypted = ctx.secrets.encrypt(password) if password else None
        _normalise_and_validate(datasource)
        clash = uow.datasources.get_by_name(datasource.name)
        if clash is not None and clash.id != datasource.id:
            raise Conflict(f"A datasource named {datasource.name!r} already exists.")
        datasource.updated_at = utc_now()
        uow.datasources.update(datasource)
        uow.commit()
    ctx.connections.close_connection(old_spec)
    log.info(
        "datasource %r updated (%s)", datasource.name, ", ".join(sorted(changes)) or "password"
    )
    return datasource


def datasource_usage(ctx: ServiceContext, key: str | uuid.UUID) -> Usage:
    """The live configs that use the datasource, and the pipelines that run one of them."""
    with ctx.uow() as uow:
        return find_usage(uow, _find(uow, key).id)


def delete_datasource(ctx: ServiceContext, key: str | uuid.UUID, *, force: bool = False) -> None:
    """Remove a datasource and close its pooled connections.

    Configs keep the datasource's id in their JSON; forced, their link to it is cleared.

    Raises:
        DatasourceNotFound: no datasource has that name or id.
        Conflict: configs or pipelines use it and `force` is not set (the message names them).
    """
    with ctx.uow() as uow:
        datasource = _find(uow, key)
        usage = find_usage(uow, datasource.id)
        if usage and not force:
            raise usage.refusal(datasource.name)
        uow.datasources.delete(datasource.id)
        uow.commit()
    ctx.connections.close_connection(connection_spec(datasource, secrets=None))
    if usage:
        log.warning("datasource %r deleted though used by %s", datasource.name, usage.describe())
    else:
        log.info("datasource %r deleted", datasource.name)


def test_datasource(ctx: ServiceContext, key: str | uuid.UUID) -> ConnectionTestResult:
    """Connect to a stored datasource and return the server's version.

    Raises:
        AuthenticationFailed, HostUnreachable, UnknownDatabase, DriverMissing, ConnectionFailed:
            each with a one-line message that names the cause.
    """
    return test_connection(ctx, connection_spec(get_datasource(ctx, key), ctx.secrets))


def test_connection(ctx: ServiceContext, spec: ConnectionSpec) -> ConnectionTestResult:
    """Connect with `spec` (stored or not yet saved) and return the server's version."""
    started = time.perf_counter()
    dialect = dialect_of(spec.db_type)
    with ctx.connections.connect(spec) as connection:
        version = dialect.server_version(connection)
    return ConnectionTestResult(version, (time.perf_counter() - started) * 1000)


# Service functions named like tests: keep pytest from collecting them where they are imported.
test_datasource.__test__ = False  # type: ignore[attr-defined]
test_connection.__test__ = False  # type: ignore[attr-defined]


def connection_spec(datasource: Datasource, secrets: SecretBox | None) -> ConnectionSpec:
    """What a dialect needs to connect, with the password decrypted in memory only.

    With `secrets=None` the password is left out: enough to find the datasource's pool.
    """
    password = None
    if secrets is not None and datasource.password_encrypted:
        password = secrets.decrypt(datasource.password_encrypted)
    return ConnectionSpec(
        db_type=datasource.db_type,
        database=datasource.database,
        host=datasource.host,
        port=datasource.port,
        username=datasource.username,
        password=password,
        options=tuple(sorted((str(k), str(v)) for k, v in datasource.options.items())),
    )


def _find(uow: UnitOfWork, key: str | uuid.UUID) -> Datasource:
    datasource = uow.datasources.get_by_name_or_id(key)
    if datasource is None:
        raise DatasourceNotFound(str(key))
    return datasource


def dialect_of(db_type: str) -> Dialect:
    """The dialect of a database type; `PluginNotFound` (with a suggestion) if unknown."""
    try:
        return get_dialect(db_type)
    except UnknownPluginError as error:
        raise PluginNotFound(str(error), field="db_type") from None


def _normalise_and_validate(datasource: Datasource) -> None:
    # Form fields arrive with stray spaces; names and hosts never mean them. Passwords may.
    for field in ("name", "database", "host", "username", "schema"):
        value = getattr(datasource, field)
        setattr(datasource, field, value.strip() or None if isinstance(value, str) else value)
    datasource.name = datasource.name or ""
    datasource.database = datasource.database or ""
    datasource.db_type = dialect_of(datasource.db_type or "").name
    datasource.options = dict(datasource.options or {})
    if not datasource.name:
        raise InvalidInput("A datasource needs a name.", field="name")
    if len(datasource.name) > 200:
        raise InvalidInput("A datasource name is at most 200 characters.", field="name")
    if not datasource.database:
        raise InvalidInput(
            "A datasource needs a database name (or a file path for SQLite).", field="database"
        )
    dialect = dialect_of(datasource.db_type)
    if dialect.needs_server and not datasource.host:
        raise InvalidInput(f"A {dialect.display_name} datasource needs a host.", field="host")
    if datasource.port is not None and not 1 <= datasource.port <= 65535:
        raise InvalidInput(f"Port {datasource.port} is not between 1 and 65535.", field="port")


@dataclass(frozen=True)
class DatabaseType:
    """What a form needs to know about one database engine."""

    name: str
    display_name: str
    default_port: int | None
    needs_server: bool
    default_schema: str | None


def database_types() -> list[DatabaseType]:
    """Every registered engine, servers first, each by its display name."""
    found = [
        DatabaseType(
            name=dialect.name,
            display_name=dialect.display_name,
            default_port=dialect.default_port,
            needs_server=dialect.needs_server,
            default_schema=dialect.default_schema,
        )
        for dialect in dialects
    ]
    return sorted(found, key=lambda kind: (not kind.needs_server, kind.display_name))
