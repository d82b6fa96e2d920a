"""Fixtures shared by every test: settings, the service context, real server databases."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy.engine import URL

from config import Settings, get_settings
from services.bootstrap import bootstrap
from services.context import ServiceContext
from tests.servers import (
    MYSQL_URL,
    PG_URL,
    create_database,
    drop_database,
    require_server,
    unique_name,
)

TEST_SECRET = "test-secret-key-not-for-production"

# Property tests run pandas and regexes per example: on a loaded CI machine one example can take
# longer than hypothesis's 200 ms deadline without anything being wrong. CI also runs the same
# examples every time, so a red run can be replayed.
hypothesis_settings.register_profile(
    "his", deadline=None, derandomize=os.environ.get("CI", "").lower() == "true"
)
hypothesis_settings.load_profile("his")


@pytest.fixture(scope="session", autouse=True)
def _data_dir_of_the_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Safety net: a test that forgets its own data folder (or a command it starts) writes to
    a temporary one, never to the user's store in their data directory."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HIS_DATA_DIR", str(tmp_path_factory.mktemp("his-data")))
        patch.delenv("HIS_DATABASE_URL", raising=False)
        get_settings.cache_clear()
        yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def pg_server() -> URL:
    """The real PostgreSQL server (fails under HIS_REQUIRE_SERVICES=1 when it is down)."""
    return require_server(PG_URL, "PostgreSQL")


@pytest.fixture(scope="session")
def mysql_server() -> URL:
    """The real MariaDB/MySQL server (fails under HIS_REQUIRE_SERVICES=1 when it is down)."""
    return require_server(MYSQL_URL, "MariaDB")


@pytest.fixture
def pg_database(pg_server: URL) -> Iterator[URL]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    name = unique_name()
    url = create_database(pg_server, name)
    yield url
    drop_database(pg_server, name)


@pytest.fixture
def mysql_database(mysql_server: URL) -> Iterator[URL]:
    """A fresh MariaDB database for one test, dropped afterwards."""
    name = unique_name()
    url = create_database(mysql_server, name)
    yield url
    drop_database(mysql_server, name)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings of an isolated installation: its own data folder and SQLite store."""
    return Settings(data_dir=tmp_path / "data", secret_key=TEST_SECRET, _env_file=None)


@pytest.fixture
def ctx(settings: Settings) -> Iterator[ServiceContext]:
    """The service context of an isolated installation (SQLite metadata store)."""
    context = bootstrap(settings)
    yield context
    context.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings whose metadata store is SQLite, then (second run) a real PostgreSQL database."""
    if request.param == "sqlite":
        yield Settings(data_dir=tmp_path / "data", secret_key=TEST_SECRET, _env_file=None)
        return
    server = request.getfixturevalue("pg_server")
    name = unique_name("his_store")
    url = create_database(server, name)
    yield Settings(
        data_dir=tmp_path / "data",
        secret_key=TEST_SECRET,
        database_url=url.render_as_string(hide_password=False),
        _env_file=None,
    )
    drop_database(server, name)


@pytest.fixture
def store_ctx(store_settings: Settings) -> Iterator[ServiceContext]:
    """A service context on each metadata store in turn (SQLite, PostgreSQL)."""
    context = bootstrap(store_settings)
    yield context
    context.close()


COMMAND = shutil.which("his-analyzer", path=str(Path(sys.executable).parent))


@pytest.fixture
def cli(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Runs the command in an isolated installation; returns the finished process."""
    env = {**os.environ, "HIS_DATA_DIR": str(tmp_path / "data"), "HIS_SECRET_KEY": "cli-test"}
    env.pop("HIS_DATABASE_URL", None)

    def run(*args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        """`input` is typed at the command's prompts; without it stdin is closed (no prompt
        can wait for an answer)."""
        assert COMMAND, "his-analyzer is not installed in this venv"
        return subprocess.run(
            [COMMAND, *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            input=input,
            stdin=subprocess.DEVNULL if input is None else None,
        )

    return run
