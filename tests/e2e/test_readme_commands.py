"""README's quick start and usage, run as printed.

Every `his-analyzer` command in the shell blocks of "Quick start" and "Usage" runs, in README
order, in one fresh installation: on the demo datasources, and on mini_his in the MariaDB
database `hosxp_demo` moved into the PostgreSQL database `newhis_demo` (the names the README
uses; both are made afresh here). A JSON block preceded by `<!-- file: NAME -->` is the file
NAME that the commands after it read (written again where README shows it again). `curl`
commands run against the API, started for them on the port the README shows. `make` and
`source` lines have tests of their own (test_run_command, test_make_clean): the commands here
are the venv's, as after `source .venv/bin/activate`.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from tests.e2e.test_run_command import port_is_closed, wait_for
from tests.servers import create_database, drop_database

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
SECTIONS = ("Quick start", "Usage")
SOURCE_DATABASE, TARGET_DATABASE = "hosxp_demo", "newhis_demo"
SKIPPED = {"make", "source"}  # tested on their own; see the module's docstring
API_PORT = 8000


@dataclass(frozen=True)
class Step:
    """One thing README asks the reader to do: run a command, or save a file."""

    line: int
    command: list[str] | None = None
    file: str | None = None
    content: str = ""
    shell_line: str = ""  # the command as printed, for what only a shell expands ($(…))


def readme_steps(text: str) -> list[Step]:
    """The commands and files of README's quick start and usage sections, in order."""
    steps: list[Step] = []
    in_section = False
    file_name: str | None = None
    block: list[str] | None = None
    language, start = "", 0
    for number, line in enumerate(text.splitlines(), start=1):
        if block is None and line.startswith("## "):
            in_section = line[3:].strip() in SECTIONS
        if not in_section:
            continue
        if block is None:
            if match := re.fullmatch(r"<!-- file: (\S+) -->", line.strip()):
                file_name = match.group(1)
            elif line.startswith("```"):
                block, language, start = [], line[3:].strip(), number
            continue
        if not line.startswith("```"):
            block.append(line)
            continue
        if language == "bash":
            steps += _commands(block, start)
        elif file_name:
            steps.append(Step(start, file=file_name, content="\n".join(block) + "\n"))
        block, file_name = None, None
    return steps


def _commands(lines: list[str], start: int) -> list[Step]:
    commands: list[Step] = []
    joined, first = "", 0
    for offset, line in enumerate(lines, start=1):
        if not joined:
            first = start + offset
        if line.rstrip().endswith("\\"):
            joined += line.rstrip()[:-1] + " "
            continue
        printed = joined + line
        words = shlex.split(printed, comments=True)
        joined = ""
        if words and words[0] not in SKIPPED:
            commands.append(Step(first, command=words, shell_line=printed))
    return commands


def count(url: URL, sql: str) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        value = int(connection.execute(text(sql)).scalar_one())
    engine.dispose()
    return value


def test_readme_holds_commands_of_every_kind_the_test_runs() -> None:
    steps = readme_steps(README.read_text(encoding="utf-8"))
    programs = {step.command[0] for step in steps if step.command}
    assert programs == {"his-analyzer", "curl"}, programs
    assert any(step.file for step in steps)
    assert sum(1 for step in steps if step.command) > 30


def test_every_readme_command_runs_as_printed(
    tmp_path: Path, mysql_server: URL, pg_server: URL
) -> None:
    steps = readme_steps(README.read_text(encoding="utf-8"))
    for server, name in ((mysql_server, SOURCE_DATABASE), (pg_server, TARGET_DATABASE)):
        drop_database(server, name)
        create_database(server, name)
    bin_dir = Path(sys.executable).parent
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "HIS_DATA_DIR": str(tmp_path / "data"),
        "HIS_SECRET_KEY": "readme-test",
    }
    for name in ("HIS_DATABASE_URL", "HIS_API_KEYS"):
        env.pop(name, None)
    # The commands run from a copy of the clone's files they read (README runs them in the clone).
    shutil.copytree(ROOT / "analysis_report", tmp_path / "analysis_report")
    api: subprocess.Popen[str] | None = None
    # What `make run` does first (the quick start runs it): the demo datasources.
    demo = subprocess.run(
        ["his-analyzer", "demo", "init"], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert demo.returncode == 0, demo.stderr
    try:
        for step in steps:
            if step.file:
                (tmp_path / step.file).write_text(step.content, encoding="utf-8")
                continue
            assert step.command
            if step.command[0] == "curl" and api is None:
                assert port_is_closed(API_PORT), f"port {API_PORT} is taken: README's curl needs it"
                api = subprocess.Popen(
                    [str(bin_dir / "uvicorn"), "api.main:app", "--port", str(API_PORT)],
                    env=env,
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    text=True,
                )
                wait_for(f"http://127.0.0.1:{API_PORT}/health")
            # An empty line answers a password prompt: the local servers take root / trust. curl
            # lines read the key with $(his-analyzer api-key): a shell runs them, as a reader's.
            shell = step.command[0] == "curl"
            done = subprocess.run(
                ["bash", "-c", step.shell_line] if shell else step.command,
                env=env,
                cwd=tmp_path,
                input="\n",
                capture_output=True,
                text=True,
                timeout=300,
            )
            shown = shlex.join(step.command)
            assert done.returncode == 0, f"README line {step.line}: {shown}\n{done.stderr[-2000:]}"
            if step.command[0] == "curl":
                assert done.stdout.strip().startswith('{"data"'), (
                    f"README line {step.line}: {shown}"
                )
        # What the story says it did, read from the servers themselves.
        source, target = (
            mysql_server.set(database=SOURCE_DATABASE),
            pg_server.set(database=TARGET_DATABASE),
        )
        assert (
            count(target, "SELECT COUNT(*) FROM patient")
            == count(source, "SELECT COUNT(*) FROM patient")
            == 500
        )
        visits = count(source, "SELECT COUNT(*) FROM ovst")
        assert count(target, "SELECT COUNT(*) FROM visit WHERE scheme IS NOT NULL") == visits
        others = count(
            source, "SELECT COUNT(*) FROM ovst WHERE pttype NOT IN ('10','20','30','40')"
        )
        assert count(target, "SELECT COUNT(*) FROM visit WHERE scheme = 'OTHER'") == others > 0
    finally:
        if api is not None:
            api.terminate()
            api.wait(timeout=30)
        for server, name in ((mysql_server, SOURCE_DATABASE), (pg_server, TARGET_DATABASE)):
            drop_database(server, name)
