"""The analysis use case end to end: profile → mask → DDL → report run folder."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from models.profile import ProfileMode
from services.context import ServiceContext
from services.demo import DEMO_SOURCE, ensure_demo
from services.errors import InvalidConfig
from services.profiling import analyze_datasource, load_sampling_settings

DEMO_CIDS = {"1101700203450", "3100600123450"}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_run_folder_holds_ddl_csv_html_and_log(ctx: ServiceContext, tmp_path: Path) -> None:
    ensure_demo(ctx)
    result = analyze_datasource(ctx, DEMO_SOURCE, out_dir=tmp_path / "reports")
    run_dir = result.paths.run_dir
    assert run_dir.parent == tmp_path / "reports"
    assert re.fullmatch(r"\d{8}_\d{4}(_\d+)?", run_dir.name)
    ddl = (run_dir / "ddl_schema" / "schema.sql").read_text(encoding="utf-8")
    assert ddl.count("CREATE TABLE") == 3 and "REFERENCES" in ddl
    rows = read_csv(run_dir / "data_profile" / "data_profile.csv")
    assert {(r["table"], r["column"]) for r in rows} == {
        (t.name, c.name) for t in result.profile.tables for c in t.columns
    }
    assert len(rows) == 3 + 6 + 7  # doctor, ovst, patient columns
    ovst_hn = next(r for r in rows if r["table"] == "ovst" and r["column"] == "hn")
    assert (ovst_hn["table_rows"], ovst_hn["null_count"], ovst_hn["distinct_count"]) == (
        "5",
        "0",
        "4",
    )
    html = (run_dir / "data_profile" / "data_profile.html").read_text(encoding="utf-8")
    log = (run_dir / "process.log").read_text(encoding="utf-8")
    assert "patient: 4 rows" in log and "analysis finished" in log
    for text in (html, log, (run_dir / "data_profile" / "data_profile.csv").read_text("utf-8-sig")):
        assert not DEMO_CIDS & set(re.findall(r"\d{13}", text))
    cid = next(r for r in rows if r["table"] == "patient" and r["column"] == "cid")
    assert cid["masked"].lower() in {"true", "yes", "1"}


def test_no_mask_shows_identifiers(ctx: ServiceContext, tmp_path: Path) -> None:
    ensure_demo(ctx)
    result = analyze_datasource(
        ctx, DEMO_SOURCE, out_dir=tmp_path, tables=["patient"], mask=False, mode=ProfileMode.DEEP
    )
    assert set(re.findall(r"\d{13}", result.paths.csv.read_text("utf-8-sig"))) >= DEMO_CIDS


def test_sampling_settings_come_from_config_json(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(
        '{"sampling": {"default_limit": 4, "max_text_length": 50,'
        ' "exceptions": [{"table": "ovst", "column": "cc", "limit": 1}]}}'
    )
    settings = load_sampling_settings(config)
    assert (settings.limit_for("ovst", "CC"), settings.limit_for("ovst", "hn")) == (1, 4)
    config.write_text('{"sampling": {"default_limit": -1}}')
    with pytest.raises(InvalidConfig, match="sampling.default_limit"):
        load_sampling_settings(config)
    config.write_text("{not json")
    with pytest.raises(InvalidConfig, match="not valid JSON"):
        load_sampling_settings(config)


def test_cli_profile_writes_the_report(cli, tmp_path: Path) -> None:
    assert cli("demo", "init").returncode == 0
    result = cli("profile", "demo source", "--tables", "patient,ovst", "--out", str(tmp_path / "r"))
    assert result.returncode == 0, result.stderr
    html = Path(next(line for line in result.stdout.splitlines() if line.startswith("Report:"))
                .split(":", 1)[1].strip())  # fmt: skip
    assert html.exists() and html.name == "data_profile.html"
    rows = read_csv(html.with_suffix(".csv"))
    assert {r["table"] for r in rows} == {"patient", "ovst"}
    missing = cli("profile", "demo source", "--tables", "nope")
    assert (missing.returncode, missing.stderr.strip().splitlines()[-1]) == (
        1, "error: No table 'nope'.",
    )  # fmt: skip
