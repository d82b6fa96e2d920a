"""`make clean` removes the data directory only when its store holds nothing but the demo."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from config import Settings
from services.bootstrap import bootstrap
from services.datasources import create_datasource
from services.mapping import save_config
from tests.conftest import COMMAND

ROOT = Path(__file__).resolve().parents[2]
MAKE = shutil.which("make")
SECRET = "make-clean"
#: A config on the demo: the user's work, which make clean must not throw away.
DEMO_CONFIG = {
    "name": "demo patients",
    "source_table": "patient",
    "target_table": "patient",
    "mappings": [{"source": "hn", "target": "hn"}],
}


def make_clean(data_dir: Path, workdir: Path) -> subprocess.CompletedProcess[str]:
    # Run in a scratch folder so `rm -rf .venv node_modules` there is all it removes; BIN
    # names the real venv whose his-analyzer checks the store.
    assert MAKE, "make is not installed"
    env = {**os.environ, "HIS_DATA_DIR": str(data_dir), "HIS_SECRET_KEY": SECRET}
    command = [MAKE, "-f", str(ROOT / "Makefile"), "clean", f"BIN={Path(sys.executable).parent}"]
    return subprocess.run(
        command, env=env, cwd=workdir, capture_output=True, text=True, timeout=120,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip


@pytest.fixture
def installation(tmp_path: Path) -> tuple[Path, Path]:
    """A data directory holding the demo, and a work folder with a venv to clean."""
    data_dir, workdir = tmp_path / "data", tmp_path / "work"
    (workdir / ".venv").mkdir(parents=True)
    env = {**os.environ, "HIS_DATA_DIR": str(data_dir), "HIS_SECRET_KEY": SECRET}
    assert COMMAND
    demo = subprocess.run([COMMAND, "demo", "init"], env=env, capture_output=True, text=True)
    assert demo.returncode == 0, demo.stderr
    return data_dir, workdir


def names_in_store(data_dir: Path) -> list[str]:
    ctx = bootstrap(Settings(data_dir=data_dir, secret_key=SECRET, _env_file=None))
    try:
        with ctx.uow() as uow:
            return sorted(datasource.name for datasource in uow.datasources.list())
    finally:
        ctx.close()


def test_a_store_holding_only_the_demo_is_removed(installation: tuple[Path, Path]) -> None:
    data_dir, workdir = installation
    assert (data_dir / "his_analyzer.sqlite").is_file()
    result = make_clean(data_dir, workdir)
    assert result.returncode == 0, result.stderr
    assert not data_dir.exists()
    assert not (workdir / ".venv").exists()


def test_files_that_are_not_his_analyzers_stay(installation: tuple[Path, Path]) -> None:
    data_dir, workdir = installation
    (data_dir / "notes.txt").write_text("mine")
    assert make_clean(data_dir, workdir).returncode == 0
    assert sorted(path.name for path in data_dir.iterdir()) == ["notes.txt"]


def test_a_store_holding_a_users_datasource_is_kept(
    installation: tuple[Path, Path], tmp_path: Path
) -> None:
    data_dir, workdir = installation
    ctx = bootstrap(Settings(data_dir=data_dir, secret_key=SECRET, _env_file=None))
    create_datasource(ctx, name="clinic", db_type="sqlite", database=str(tmp_path / "c.sqlite"))
    ctx.close()
    before = sorted(path.name for path in data_dir.iterdir())
    result = make_clean(data_dir, workdir)
    assert result.returncode != 0
    refusal = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert refusal == [
        f"error: The store at sqlite:///{data_dir}/his_analyzer.sqlite holds more than the demo "
        f"(datasource 'clinic'): {data_dir} is left as it is."
    ]
    assert sorted(path.name for path in data_dir.iterdir()) == before
    assert names_in_store(data_dir) == ["clinic", "demo source", "demo target"]
    assert not (workdir / ".venv").exists()  # the rest of the cleaning still happens


def test_a_store_holding_a_config_is_kept(installation: tuple[Path, Path]) -> None:
    data_dir, workdir = installation
    ctx = bootstrap(Settings(data_dir=data_dir, secret_key=SECRET, _env_file=None))
    save_config(ctx, DEMO_CONFIG)
    ctx.close()
    result = make_clean(data_dir, workdir)
    assert result.returncode != 0
    assert "(1 config)" in result.stderr
    assert (data_dir / "his_analyzer.sqlite").is_file()
    assert names_in_store(data_dir) == ["demo source", "demo target"]
