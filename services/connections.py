"""Pooled connections to datasources: one engine per (type, host, port, database, user)."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator

from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from dialects.base import Dialect
from dialects.registry import get_dialect
from models.connection_error import ConnectionErrorKind
from models.datasource import ConnectionSpec
from services.errors import (
    AccessDenied,
    AuthenticationFailed,
    ConnectionFailed,
    DriverMissing,
    HostUnreachable,
    UnknownDatabase,
)
from utils.text import first_line

log = logging.getLogger(__name__)

PoolKey = tuple[str, str | None, int | None, str, str | None]


class ConnectionManager:
    """Hands out connections from engines shared by every thread and request of the process.

    Engines ping connections before use (pool_pre_ping); an engine whose server went away is
    disposed and built again on the next attempt.
    """

    def __init__(self) -> None:
        self._engines: dict[PoolKey, tuple[Engine, str | None]] = {}
        self._lock = threading.Lock()

    def engine_for(self, spec: ConnectionSpec) -> Engine:
        """The shared engine for `spec`, built on first use (or when the password changed)."""
        with self._lock:
            cached = self._engines.get(spec.pool_key)
            if cached is not None and cached[1] == spec.password:
                return cached[0]
            if cached is not None:
                cached[0].dispose()
            engine = self._build_engine(spec)
            self._engines[spec.pool_key] = (engine, spec.password)
            return engine

    @contextlib.contextmanager
    def connect(self, spec: ConnectionSpec) -> Iterator[Connection]:
        """A pooled connection; connection failures become one-line `ConnectionFailed` errors."""
        dialect = get_dialect(spec.db_type)
        try:
            connection = self.engine_for(spec).connect()
        except DBAPIError as error:
            if error.connection_invalidated:
                self.close_connection(spec)
            raise describe_connection_error(dialect, spec, error) from error
        except SQLAlchemyError as error:
            raise describe_connection_error(dialect, spec, error) from error
        with connection:
            yield connection

    def close_connection(self, spec: ConnectionSpec) -> None:
        """Dispose of the engine (and its pool) that serves `spec`, if any."""
        with self._lock:
            cached = self._engines.pop(spec.pool_key, None)
        if cached is not None:
            cached[0].dispose()

    def close_all_connections(self) -> None:
        """Dispose of every engine; called when the process shuts down."""
        with self._lock:
            engines = [engine for engine, _ in self._engines.values()]
            self._engines.clear()
        for engine in engines:
            engine.dispose()

    def pooled_keys(self) -> list[PoolKey]:
        """The keys engines are currently kept for (never a password)."""
        with self._lock:
            return list(self._engines)

    @staticmethod
    def _build_engine(spec: ConnectionSpec) -> Engine:
        dialect = get_dialect(spec.db_type)
        try:
            engine = create_engine(dialect.build_url(spec), **dialect.engine_options(spec))
        except ImportError as error:
            raise driver_missing(dialect) from error
        dialect.prepare_engine(engine)
        return engine


def driver_missing(dialect: Dialect) -> DriverMissing:
    """The error for an engine whose Python or ODBC driver is not installed."""
    extra = f" ({dialect.driver_install_hint})" if dialect.driver_install_hint else ""
    return DriverMissing(
        f"The {dialect.display_name} driver {dialect.driver_module!r} is not installed{extra}."
    )


def describe_connection_error(
    dialect: Dialect, spec: ConnectionSpec, error: BaseException
) -> ConnectionFailed:
    """A one-line, password-free explanation of why connecting failed."""
    where = (
        spec.database
        if not dialect.needs_server
        else (f"{spec.host}:{spec.port or dialect.default_port}")
    )
    kind = dialect.classify_error(error)
    if kind is ConnectionErrorKind.AUTHENTICATION:
        return AuthenticationFailed(
            f"{dialect.display_name} at {where} refused the login of user {spec.username!r}: "
            "wrong user name or password."
        )
    if kind is ConnectionErrorKind.UNREACHABLE:
        return HostUnreachable(
            f"Cannot reach {dialect.display_name} at {where}: the server is down, the host or "
            "port is wrong, or a firewall blocks it."
        )
    if kind is ConnectionErrorKind.UNKNOWN_DATABASE:
        if not dialect.needs_server:
            return UnknownDatabase(f"The SQLite file {spec.database!r} does not exist.")
        return UnknownDatabase(
            f"{dialect.display_name} at {where} has no database {spec.database!r}."
        )
    if kind is ConnectionErrorKind.PERMISSION:
        return AccessDenied(
            f"User {spec.username!r} may not use database {spec.database!r} on "
            f"{dialect.display_name} at {where}: ask its administrator for read access."
        )
    if kind is ConnectionErrorKind.DRIVER_MISSING:
        return driver_missing(dialect)
    log.warning("unclassified connection error for %s at %s", dialect.name, where, exc_info=error)
    return ConnectionFailed(
        f"Could not connect to {dialect.display_name} at {where}: {first_line(error)}"
    )
