"""Commands start without the heavy libraries: the engine's (pandas, pyarrow) and the
semantic model's (torch, sentence-transformers, scipy) load only when used."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The CLI with every command group, and every service face a command imports at start.
PROBE = """
import sys
import cli
from services import datasources, demo, mapping, migration, pipelines, privacy, profiling
from services.mapping import suggest
heavy = ("pandas", "pyarrow", "torch", "sentence_transformers", "transformers", "scipy")
print(sorted(name for name in heavy if name in sys.modules))
print(callable(migration.run_migration), "pandas" in sys.modules)
"""


def test_the_cli_and_the_service_faces_load_no_pandas_or_model_until_needed() -> None:
    probe = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True
    )
    before, after = probe.stdout.splitlines()
    assert before == "[]"  # `his-analyzer --help`, `config list`… stay quick to start
    assert after == "True True"  # asking for run_migration loads the engine, pandas with it
