"""A config exported as TypeScript type-checks with the pinned `tsc`, which also catches misuse."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from services import mapping
from services.context import ServiceContext
from tests.servers import services_required

TSC = Path(__file__).resolve().parents[2] / "node_modules" / ".bin" / "tsc"

CONFIG = {
    "name": "opd visits",
    "generate_sql": "SELECT hn, vstdate\nFROM ovst WHERE note LIKE '%\\\\%'",
    "target_table": "visits",
    "load_mode": "upsert",
    "key_columns": ["hn"],
    "mappings": [
        {
            "source": "hn",
            "target": "hn",
            "transformers": [{"name": "TRIM"}, {"name": "HN_PAD", "params": {"width": 9}}],
            "validators": [
                {"name": "not_null"},
                {"name": "regex", "params": {"pattern": r"^\d+$"}},
            ],
        },
        {
            "source": "vstdate",
            "target": "visit_date",
            "transformers": [{"name": "BUDDHIST_TO_ISO"}],
        },
        # Thai text, quotes and a comment terminator must survive as one string literal.
        {"source": None, "target": "note", "default": 'ผู้ป่วยนอก "OPD" */ //'},
        {"source": "old_code", "ignore": True},
    ],
}

USES_IT = """\
import { opdVisitsConfig, type LoadMode, type MigrationConfig } from "./opd_visits.config";
const mode: LoadMode = opdVisitsConfig.load_mode;
const smaller: MigrationConfig = { ...opdVisitsConfig, batch_size: 100 };
export const line: string = `${smaller.name} ${mode} ${opdVisitsConfig.mappings.length}`;
"""

MISUSES_IT = """\
import { opdVisitsConfig, type MigrationConfig } from "./opd_visits.config";
export const wrong: MigrationConfig = { ...opdVisitsConfig, load_mode: "merge" };
"""


@pytest.fixture(scope="module")
def tsc() -> Path:
    """The TypeScript compiler installed by `npm ci` (make setup)."""
    if not TSC.exists():
        message = "node_modules/.bin/tsc is missing: run `make setup` (or `npm ci`) first"
        if services_required():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return TSC


def type_check(tsc: Path, folder: Path, *files: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(tsc), "--noEmit", "--strict", "--pretty", "false", *files],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_exported_module_type_checks_and_rejects_a_wrong_load_mode(
    ctx: ServiceContext, tsc: Path, tmp_path: Path
) -> None:
    mapping.save_config(ctx, CONFIG)
    module = mapping.export_config(ctx, "opd visits", format="ts")
    assert "export interface MigrationConfig {" in module
    assert "export const opdVisitsConfig: MigrationConfig = {" in module
    (tmp_path / "opd_visits.config.ts").write_text(module, encoding="utf-8")
    (tmp_path / "uses_it.ts").write_text(USES_IT, encoding="utf-8")
    (tmp_path / "misuses_it.ts").write_text(MISUSES_IT, encoding="utf-8")

    checked = type_check(tsc, tmp_path, "opd_visits.config.ts", "uses_it.ts")
    assert checked.returncode == 0, checked.stdout + checked.stderr

    refused = type_check(tsc, tmp_path, "opd_visits.config.ts", "misuses_it.ts")
    assert refused.returncode != 0
    assert "misuses_it.ts(2," in refused.stdout
    assert "Type '\"merge\"' is not assignable to type 'LoadMode'" in refused.stdout


def test_an_older_version_exports_with_its_own_values(
    ctx: ServiceContext, tsc: Path, tmp_path: Path
) -> None:
    mapping.save_config(ctx, CONFIG)
    mapping.save_config(ctx, {**CONFIG, "batch_size": 250})
    module = mapping.export_config(ctx, "opd visits", format="ts", version=1)
    assert "v1, exported by HIS Analyzer" in module
    assert '"batch_size": 5000' in module
    (tmp_path / "opd_visits.config.ts").write_text(module, encoding="utf-8")
    checked = type_check(tsc, tmp_path, "opd_visits.config.ts")
    assert checked.returncode == 0, checked.stdout + checked.stderr
