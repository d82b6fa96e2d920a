"""A report of the Bash analyzer, written into the installation's reports folder, read by the
Schema Mapper's Run ID mode like one of the Python profiler's."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from mini_his.gen_mini_his import generate
from services.context import ServiceContext
from tests.e2e.dashboard import open_page

pytestmark = pytest.mark.e2e

ANALYZER = Path(__file__).resolve().parents[2] / "analysis_report" / "unified_db_analyzer.sh"


def test_the_mapper_reads_a_bash_analyzer_report_and_shows_it_masked(
    installation: ServiceContext, mysql_database: URL, tmp_path: Path
) -> None:
    engine = create_engine(mysql_database)
    generate(engine, patients=20)
    with engine.connect() as connection:
        columns = list(
            connection.scalars(
                text(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = "
                    ":db AND table_name = 'patient' ORDER BY ordinal_position"
                ),
                {"db": mysql_database.database},
            )
        )
        cids = [cid for cid in connection.scalars(text("SELECT cid FROM patient")) if cid]
    engine.dispose()
    sampling = json.loads((ANALYZER.parent / "config.json").read_text())["sampling"]
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps(
            {
                "database": {
                    "type": "mysql",
                    "host": mysql_database.host,
                    "port": str(mysql_database.port),
                    "name": mysql_database.database,
                    "user": mysql_database.username,
                    "password": mysql_database.password or "",
                    "schema": "",
                    "tables": ["patient", "ovst"],
                },
                "sampling": sampling,
            }
        )
    )
    reports = installation.settings.reports_dir
    done = subprocess.run(
        [str(ANALYZER), "--config", str(config), "--out", str(reports)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    (run_folder,) = [folder for folder in reports.iterdir() if not folder.name.startswith(".")]

    at = open_page("mapper")
    at.radio(key="mapper_src_mode").set_value("Run ID").run()
    assert at.selectbox(key="mapper_src_run").value == run_folder.name
    assert sorted(at.selectbox(key="mapper_src_run_table").options) == ["ovst", "patient"]
    at.selectbox(key="mapper_src_run_table").select("patient").run()

    assert not at.exception
    assert not [error.value for error in at.error]
    profile = at.dataframe[0].value.set_index("column")
    assert list(profile.index) == columns
    assert profile.loc["cid", "identifier"] == "cid"
    shown = profile.to_string()
    assert cids and not [cid for cid in cids if cid.strip() and cid.strip() in shown]
