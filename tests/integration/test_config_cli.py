"""`his-analyzer config …`, run as a user would run it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

V1: dict[str, Any] = {
    "name": "patients",
    "source_table": "patient",
    "target_table": "person",
    "mappings": [
        {
            "source": "hn",
            "target": "hn",
            "transformers": [{"name": "HN_PAD", "params": {"width": 9}}],
        },
        {"source": "fname", "target": "first_name", "transformers": [{"name": "TRIM"}]},
        {"source": "birthday", "target": "birth_date"},
    ],
}


def write(folder: Path, name: str, data: dict[str, Any]) -> Path:
    path = folder / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def version_2(data: dict[str, Any]) -> dict[str, Any]:
    """V1 with one mapping changed, one removed, one added and a new batch size."""
    changed = json.loads(json.dumps(data))
    changed["batch_size"] = 1000
    changed["mappings"][0]["transformers"][0]["params"]["width"] = 10
    changed["mappings"][2] = {
        "source": "cid",
        "target": "cid",
        "validators": [{"name": "not_null"}],
    }
    return changed


def test_save_list_history_diff_show(cli, tmp_path: Path) -> None:
    saved = cli("config", "save", str(write(tmp_path, "v1.json", V1)), "--summary", "first cut")
    assert saved.returncode == 0, saved.stderr
    assert saved.stdout.strip() == "Config 'patients' saved as v1."
    saved = cli("config", "save", str(write(tmp_path, "v2.json", version_2(V1))))
    assert saved.stdout.strip() == "Config 'patients' saved as v2.", saved.stderr

    listed = cli("config", "list")
    assert listed.returncode == 0, listed.stderr
    row = next(line for line in listed.stdout.splitlines() if "patients" in line)
    assert "v2" in row and "patient" in row and "person" in row and "append" in row

    history = cli("config", "history", "patients")
    assert "v1" in history.stdout and "first cut" in history.stdout and "v2" in history.stdout

    diff = cli("config", "diff", "patients", "1", "2")
    assert diff.returncode == 0, diff.stderr
    assert diff.stdout.splitlines() == [
        "patients: v1 → v2",
        "  ~ batch_size: 5000 → 1000",
        "  + mapping cid ← cid",
        "  - mapping birth_date ← birthday",
        '  ~ mapping hn.transformers: [{"name": "HN_PAD", "params": {"width": 9}}] → '
        '[{"name": "HN_PAD", "params": {"width": 10}}]',
    ]

    shown = cli("config", "show", "patients", "--version", "1")
    assert shown.returncode == 0, shown.stderr
    assert "birth_date" in shown.stdout and "cid" not in shown.stdout
    # Table cells wrap on a narrow terminal, so look for the parts.
    assert "HN_PAD" in shown.stdout and "9})" in shown.stdout and "10})" not in shown.stdout


def test_rollback_delete_restore(cli, tmp_path: Path) -> None:
    cli("config", "save", str(write(tmp_path, "v1.json", V1)))
    cli("config", "save", str(write(tmp_path, "v2.json", version_2(V1))))
    rolled = cli("config", "rollback", "patients", "1")
    assert rolled.stdout.strip() == "Config 'patients' rolled back to v1, saved as v3.", (
        rolled.stderr
    )

    deleted = cli("config", "delete", "patients", "--yes")
    assert deleted.returncode == 0, deleted.stderr
    assert "patients" not in cli("config", "list").stdout
    assert "v3" in cli("config", "history", "patients").stdout

    restored = cli("config", "restore", "patients")
    assert restored.stdout.strip() == "Config 'patients' restored as v4.", restored.stderr
    assert "patients" in cli("config", "list").stdout


def test_export_ts_and_json_then_import(cli, tmp_path: Path) -> None:
    cli("config", "save", str(write(tmp_path, "v1.json", V1)))
    cli("config", "save", str(write(tmp_path, "v2.json", version_2(V1))))

    ts_file = tmp_path / "patients.ts"
    exported = cli("config", "export", "patients", "--format", "ts", "--out", str(ts_file))
    assert exported.returncode == 0, exported.stderr
    module = ts_file.read_text(encoding="utf-8")
    assert "export const patientsConfig: MigrationConfig = {" in module
    assert '"batch_size": 1000' in module

    as_json = cli("config", "export", "patients", "--format", "json", "--version", "1")
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout)["mappings"][2]["target"] == "birth_date"
    imported = cli("config", "import", str(write(tmp_path, "old.json", json.loads(as_json.stdout))))
    assert imported.stdout.strip() == "Config 'patients' imported as v3.", imported.stderr
    assert "birth_date" in cli("config", "show", "patients").stdout


def test_errors_are_one_line_and_fail(cli, tmp_path: Path) -> None:
    cli("config", "save", str(write(tmp_path, "v1.json", V1)))
    broken = json.loads(json.dumps(V1))
    broken["mappings"].append({"source": "hn2", "target": "hn"})
    broken["mappings"][1]["transformers"] = [{"name": "TRIMM"}]
    cases = {
        ("config", "show", "nobody"): "error: No mapping config called 'nobody'.",
        ("config", "show", "patients", "--version", "7"): (
            "error: Mapping config 'patients' has no version 7 (it has v1 to v1)."
        ),
        ("config", "save", str(write(tmp_path, "broken.json", broken))): (
            "error: Invalid config: mappings[1].transformers[0].name: "
            "unknown transformer 'TRIMM'; did you mean 'TRIM'?"
        ),
        ("config", "save", str(tmp_path / "v1.json")): (
            "error: Config 'patients': nothing changed since v1."
        ),
        ("config", "save", str(tmp_path / "missing.json")): (
            f"error: Cannot read {tmp_path / 'missing.json'}: No such file or directory."
        ),
        ("config", "export", "patients", "--format", "yaml"): (
            "error: Unknown export format 'yaml'; use json or ts."
        ),
        ("config", "diff", "patients", "1", "2"): (
            "error: Mapping config 'patients' has no version 2 (it has v1 to v1)."
        ),
    }
    for args, expected in cases.items():
        result = cli(*args)
        assert result.returncode == 1, (args, result.stdout, result.stderr)
        assert result.stderr.splitlines() == [expected], args
    duplicate = json.loads(json.dumps(broken))
    duplicate["mappings"][1]["transformers"] = []
    result = cli("config", "save", str(write(tmp_path, "dup.json", duplicate)))
    assert result.stderr == (
        "error: Invalid config: mappings[3].target: 'hn' is already the target of mappings[0]\n"
    )
