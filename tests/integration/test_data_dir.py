"""One store wherever a command starts: the user's data folder, `info`, empty listings."""

from __future__ import annotations

import os
import platform
import subprocess
from collections.abc import Callable
from pathlib import Path

import connectorx
import pandas
import pyarrow
import pytest
import sqlalchemy
from sqlalchemy.engine import URL

from tests.conftest import COMMAND

Cli = Callable[..., subprocess.CompletedProcess[str]]


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    assert COMMAND, "his-analyzer is not installed in this venv"
    return subprocess.run(
        [COMMAND, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip


def env_without_his(**extra: str) -> dict[str, str]:
    """The environment with no HIS_ setting but those given: the defaults are under test."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("HIS_")}
    return env | extra


def info_fields(stdout: str) -> dict[str, str]:
    label_values = (line.split(":", 1) for line in stdout.splitlines() if ":" in line)
    return {label.strip(): value.strip() for label, value in label_values}


def test_the_default_store_is_the_users_data_folder_from_any_working_directory(
    tmp_path: Path,
) -> None:
    home, xdg = tmp_path / "home", tmp_path / "xdg"
    first, second = tmp_path / "here", tmp_path / "elsewhere"
    for folder in (home, first, second):
        folder.mkdir()
    env = env_without_his(HOME=str(home), XDG_DATA_HOME=str(xdg))
    clinic = tmp_path / "clinic.sqlite"
    added = run(
        ["datasource", "add", "--name", "clinic", "--type", "sqlite", "--database", str(clinic)],
        env, first,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    listed = run(["datasource", "list"], env, second)
    assert listed.returncode == 0, listed.stderr
    assert "clinic" in listed.stdout
    data_dir = xdg / "his-analyzer"  # the XDG base directory specification's place
    assert (data_dir / "his_analyzer.sqlite").is_file()
    assert (data_dir / "secret.key").is_file()  # no HIS_SECRET_KEY: the key file beside it
    assert list(first.iterdir()) == [] and list(second.iterdir()) == []  # no ./data anywhere
    shown = info_fields(run(["info"], env, second).stdout)
    assert shown["Data directory"] == str(data_dir)
    assert shown["Store"] == f"sqlite:///{data_dir}/his_analyzer.sqlite"
    assert shown["Key file"] == str(data_dir / "secret.key")


def test_info_shows_where_everything_is_and_what_runs_it(tmp_path: Path) -> None:
    data_dir = tmp_path / "his data"
    result = run(["info"], env_without_his(HIS_DATA_DIR=str(data_dir)), tmp_path)
    assert result.returncode == 0, result.stderr
    assert info_fields(result.stdout) == {
        "Store": f"sqlite:///{data_dir}/his_analyzer.sqlite",
        "Data directory": str(data_dir),
        "Key file": str(data_dir / "secret.key"),
        "API key file": str(data_dir / "api.key"),
        "Logs": str(data_dir / "logs"),
        "Reports": str(data_dir / "reports"),
        "Python": platform.python_version(),
        "his-analyzer": "0.1.0",
        "sqlalchemy": sqlalchemy.__version__,
        "pandas": pandas.__version__,
        "pyarrow": pyarrow.__version__,
        "connectorx": connectorx.__version__,
        "Fast reader": "yes (connectorx)",
    }
    assert not data_dir.exists()  # asking where things are creates nothing


def test_info_and_an_empty_listing_never_show_the_store_password(
    tmp_path: Path, pg_database: URL
) -> None:
    # The server trusts local connections, so any password gets in: the one to hide is ours.
    store = pg_database.set(password="s3cret").render_as_string(hide_password=False)
    env = env_without_his(
        HIS_DATA_DIR=str(tmp_path / "data"), HIS_DATABASE_URL=store,
        HIS_SECRET_KEY="key", HIS_FAST_READER="false",
    )  # fmt: skip
    shown = (
        f"{pg_database.drivername}://{pg_database.username}:***@{pg_database.host}:"
        f"{pg_database.port}/{pg_database.database}"
    )
    info = run(["info"], env, tmp_path)
    listing = run(["datasource", "list"], env, tmp_path)
    assert (info.returncode, listing.returncode) == (0, 0), info.stderr + listing.stderr
    fields = info_fields(info.stdout)
    assert fields["Store"] == f"{shown}  (HIS_DATABASE_URL)"
    assert fields["Key file"] == "none: HIS_SECRET_KEY is set"
    assert fields["Fast reader"] == "no: HIS_FAST_READER is off"
    assert listing.stdout.strip() == (
        f"No datasources in the store at {shown} (HIS_DATABASE_URL to use another)."
    )
    for output in (info.stdout, info.stderr, listing.stdout, listing.stderr):
        assert "s3cret" not in output


@pytest.mark.parametrize(
    ("command", "what"),
    [
        (["datasource", "list"], "datasources"),
        (["config", "list"], "configs"),
        (["pipeline", "list"], "pipelines"),
        (["runs"], "runs"),
    ],
)
def test_an_empty_listing_says_where_it_looked(
    cli: Cli, tmp_path: Path, command: list[str], what: str
) -> None:
    result = cli(*command)
    assert result.returncode == 0, result.stderr
    store = tmp_path / "data" / "his_analyzer.sqlite"
    assert result.stdout.strip() == (
        f"No {what} in the store at sqlite:///{store} (HIS_DATA_DIR to use another)."
    )


def test_profile_reports_and_logs_go_to_the_data_folder(cli: Cli, tmp_path: Path) -> None:
    assert cli("demo", "init").returncode == 0
    result = cli("profile", "demo source", "--tables", "patient")
    assert result.returncode == 0, result.stderr
    report = Path(result.stdout.splitlines()[0].removeprefix("Report:").strip())
    assert report.is_file() and report.is_relative_to(tmp_path / "data" / "reports")
    assert (tmp_path / "data" / "logs" / "his-analyzer.log").is_file()
    assert not (tmp_path / "migration_report").exists()
