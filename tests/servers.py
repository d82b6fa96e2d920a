"""Reaching the real PostgreSQL and MariaDB servers, and making throw-away databases on them."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

PG_URL = os.environ.get("HIS_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
MYSQL_URL = os.environ.get("HIS_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test")


def services_required() -> bool:
    """CI sets HIS_REQUIRE_SERVICES=1: then an unreachable server fails the run."""
    return os.environ.get("HIS_REQUIRE_SERVICES", "") not in ("", "0", "false")


def require_server(url: str, label: str) -> URL:
    """The server's URL if it answers; otherwise fail (CI) or skip (a laptop without it)."""
    parsed = make_url(url)
    engine = create_engine(parsed, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure means "not reachable"
        message = f"{label} at {parsed.host}:{parsed.port} is not reachable: {error}"
        if services_required():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    finally:
        engine.dispose()
    return parsed


def unique_name(prefix: str = "his_test") -> str:
    """A database name no other test run uses."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def create_database(server: URL, name: str) -> URL:
    """CREATE DATABASE `name` on `server`; returns the URL of the new database."""
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if server.get_backend_name() == "mysql":
            connection.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
        else:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return server.set(database=name)


def drop_database(server: URL, name: str) -> None:
    """DROP DATABASE `name`, closing other sessions on it first (PostgreSQL)."""
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if server.get_backend_name() == "mysql":
            connection.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        else:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()
