"""The Bash analyzer's report folder finished by `his-analyzer report finish`, and the analyzer
itself on mini_his in MariaDB and PostgreSQL against the Python profiler's CSV."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from mini_his.gen_mini_his import engine_for_url, generate
from models.profile import ColumnProfile, DatabaseProfile, ProfileMode, TableProfile, ValueCount
from services import datasources as ds
from services.context import ServiceContext
from services.errors import InvalidInput
from services.profiling import analyze_datasource, load_sampling_settings
from services.reports import csv_text, finish_report
from tests.servers import create_database, drop_database, unique_name
from utils.thai_cid import cid_check_digit

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "analysis_report" / "unified_db_analyzer.sh"
CID = "110170012345" + str(cid_check_digit("110170012345"))
#: The cells both writers must agree on exactly (datasource differs: a name vs the database's).
COUNTS = ("table_rows", "rows_profiled", "null_count", "empty_count", "zero_count",
          "distinct_count", "valid_pct", "null_pct", "empty_pct", "zero_pct")  # fmt: skip


def _bash_folder(tmp_path: Path) -> Path:
    """A report folder as the Bash analyzer leaves it for the bridge: an unmasked CSV."""
    patient = TableProfile(
        name="patient", schema="hos", row_count=4, size_mb=0.02, rows_profiled=4,
        columns=[
            ColumnProfile(
                "cid", "VARCHAR(13)", 1, nullable=False, primary_key=True, null_count=0,
                empty_count=0, distinct_count=4, min_value=CID, max_value=CID,
                top_values=[ValueCount(CID, 1)], sample_values=[CID],
            ),
            ColumnProfile(
                "note", "TEXT", 2, null_count=1, empty_count=1, distinct_count=2,
                top_values=[ValueCount(f"ID {CID}\nsee card", 2), ValueCount("ok", 1)],
                sample_values=[f"ID {CID}\nsee card", "ok"], avg_length=9.5, max_length=22,
            ),
        ],
    )  # fmt: skip
    profile = DatabaseProfile("hos", "mysql", "10.11", ProfileMode.DEEP, [patient])
    folder = tmp_path / ".unified_db_analyzer.tmp"
    (folder / "data_profile").mkdir(parents=True)
    (folder / "data_profile" / "data_profile.csv").write_bytes(
        csv_text(profile).encode("utf-8-sig")
    )
    (folder / "process.log").write_text("12:00:00 INFO table patient profiled (0.10 s)\n")
    return folder


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_finish_masks_the_csv_and_writes_the_projects_html(tmp_path: Path) -> None:
    folder = _bash_folder(tmp_path)

    paths = finish_report(folder, engine="mysql", server_version="10.11")

    assert paths.csv.read_bytes().startswith(b"\xef\xbb\xbf")
    cid, note = _rows(paths.csv)
    masked_cid = f"1-1017-xxxxx-xx-{CID[-1]}"
    assert (cid["masked"], cid["phi_kind"], cid["min_value"]) == ("true", "cid", masked_cid)
    assert cid["top_5_values"] == f"{masked_cid} (1)"
    # A citizen ID inside free text (even one whose top value spans lines) is masked too.
    assert CID not in note["top_5_values"] and "xxxxx" in note["top_5_values"]
    assert note["top_5_values"].endswith("ok (1)")
    assert (cid["quality_score"], note["quality_score"]) == ("100.0", "50.0")
    html = paths.html.read_text(encoding="utf-8")
    assert CID not in html and "table patient profiled" in html
    assert (folder / "process.log").read_text().startswith("12:00:00 INFO")


def test_finish_without_masking_keeps_the_values(tmp_path: Path) -> None:
    folder = _bash_folder(tmp_path)

    paths = finish_report(folder, mask=False)

    cid, _ = _rows(paths.csv)
    assert (cid["masked"], cid["min_value"]) == ("false", CID)
    assert "NOT masked" in paths.html.read_text(encoding="utf-8")


def test_finish_refuses_a_folder_without_a_profile(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="not a report folder"):
        finish_report(tmp_path)


def test_the_cli_finishes_a_folder_and_refuses_another_in_one_line(tmp_path: Path) -> None:
    folder = _bash_folder(tmp_path)
    cli = [sys.executable, "-m", "cli"]

    done = subprocess.run(
        [*cli, "report", "finish", str(folder), "--started-at", "2024-03-14T09:05:00+07:00"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    refused = subprocess.run(
        [*cli, "report", "finish", str(tmp_path / "nothing")],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert (folder / "data_profile" / "data_profile.html").is_file()
    assert refused.returncode == 1
    assert refused.stderr.strip().count("\n") == 0 and "not a report folder" in refused.stderr


# --- the analyzer itself against the Python profiler ------------------------------------------

CLIENTS = {"mysql": ("mysql", "mysqldump"), "postgresql": ("psql", "pg_dump")}


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("mysql", marks=pytest.mark.mysql),
        pytest.param("postgresql", marks=pytest.mark.postgres),
    ],
)
def his_url(request: pytest.FixtureRequest) -> Iterator[URL]:
    """mini_his in a database of its own on the real server (dropped afterwards)."""
    missing = [tool for tool in ("jq", *CLIENTS[request.param]) if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"the analyzer needs {', '.join(missing)} on PATH")
    server = request.getfixturevalue("mysql_server" if request.param == "mysql" else "pg_server")
    name = unique_name()
    url = create_database(server, name)
    engine = engine_for_url(url)
    generate(engine, patients=300, seed=11)
    engine.dispose()
    yield url
    drop_database(server, name)


def _config(tmp_path: Path, url: URL) -> Path:
    engine = "mysql" if url.get_backend_name() == "mysql" else "postgresql"
    config = json.loads((ROOT / "analysis_report" / "config.json").read_text(encoding="utf-8"))
    config["database"] = {
        "type": engine, "host": url.host, "port": str(url.port or ""), "name": url.database,
        "user": url.username or "", "password": url.password or "", "schema": "", "tables": [],
    }  # fmt: skip
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def _python_rows(ctx: ServiceContext, url: URL, tmp_path: Path, config: Path) -> list[dict]:
    ds.create_datasource(
        ctx, name="his", db_type="mysql" if url.get_backend_name() == "mysql" else "postgresql",
        host=url.host, port=url.port, database=url.database, username=url.username,
    )  # fmt: skip
    result = analyze_datasource(
        ctx, "his", out_dir=tmp_path / "python", sampling=load_sampling_settings(config)
    )
    return _rows(result.paths.csv)


def _run_script(config: Path, out: Path, *, bridge: bool) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if not bridge:
        env["HIS_ANALYZER_CLI"] = "none"
    return subprocess.run(
        ["bash", str(SCRIPT), "--config", str(config), "--out", str(out)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip


def _by_column(rows: list[dict]) -> dict[tuple[str, str], dict]:
    return {(row["table"], row["column"]): row for row in rows}


def test_the_analyzer_writes_the_python_profilers_csv(
    ctx: ServiceContext, his_url: URL, tmp_path: Path
) -> None:
    config = _config(tmp_path, his_url)
    expected = _by_column(_python_rows(ctx, his_url, tmp_path, config))

    run = _run_script(config, tmp_path / "bash", bridge=True)

    assert run.returncode == 0, run.stderr
    (folder,) = (tmp_path / "bash").iterdir()
    assert sorted(p.name for p in folder.iterdir()) == ["data_profile", "ddl_schema", "process.log"]
    actual = _by_column(_rows(folder / "data_profile" / "data_profile.csv"))
    assert actual.keys() == expected.keys()
    header = list(next(iter(expected.values())))
    assert list(next(iter(actual.values()))) == header
    for key, row in expected.items():
        assert {f: actual[key][f] for f in header if f != "datasource"} == {
            f: row[f] for f in header if f != "datasource"
        }, key
    assert "CREATE TABLE" in (folder / "ddl_schema" / "schema.sql").read_text(encoding="utf-8")
    log = (folder / "process.log").read_text(encoding="utf-8").splitlines()
    assert all(line.endswith(" s)") for line in log) and "table ovst profiled" in "\n".join(log)


def test_without_python_awk_masks_and_the_counts_still_agree(
    ctx: ServiceContext, his_url: URL, tmp_path: Path
) -> None:
    config = _config(tmp_path, his_url)
    expected = _by_column(_python_rows(ctx, his_url, tmp_path, config))

    run = _run_script(config, tmp_path / "bash", bridge=False)

    assert run.returncode == 0, run.stderr
    (folder,) = (tmp_path / "bash").iterdir()
    actual = _by_column(_rows(folder / "data_profile" / "data_profile.csv"))
    for key, row in expected.items():
        assert {f: actual[key][f] for f in COUNTS} == {f: row[f] for f in COUNTS}, key
    # On mini_his the awk masking finds the columns the Python masking finds, masked alike,
    # and every other cell (quality scores included) is the same.
    same = [f for f in next(iter(expected.values())) if f != "datasource"]
    for key, row in expected.items():
        assert {f: actual[key][f] for f in same} == {f: row[f] for f in same}, key
    assert {row["phi_kind"] for row in actual.values()} >= {"cid", "hn", "name", "phone"}
    html = (folder / "data_profile" / "data_profile.html").read_text(encoding="utf-8")
    assert "<table>" in html and "http" not in html.replace("http-equiv", "")
