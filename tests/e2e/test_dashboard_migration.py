"""The Migration Engine page through Streamlit's AppTest: a real store, the demo SQLite
datasources, MariaDB and PostgreSQL, and a real job runner doing the work the page queues."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import URL
from streamlit.testing.v1 import AppTest

from services.context import ServiceContext
from services.demo import DEMO_SOURCE, DEMO_TARGET, generate_mock_his
from services.jobs import JobRunner
from services.mapping import list_configs, save_config
from tests.e2e.dashboard import open_page, rerun_until
from tests.e2e.downloads import keep_served_files
from tests.e2e.migration_pages import (
    PATIENT_COLUMNS,
    failing_checks,
    patient_config,
    progress_text,
    source_rows,
    table_with,
    target_rows,
    texts,
)
from tests.factories import register_server
from tests.integration.migration_fixtures import fetch
from views.components.job_progress import JOB_PARAM
from views.shared.handoff import MIGRATION_CONFIG

pytestmark = pytest.mark.e2e

#: mini_his visits moved in batches of 10: a run of a few seconds, long enough to cancel.
VISITS = 3_000
PATIENTS_SQL = f"SELECT {', '.join(PATIENT_COLUMNS)} FROM patient"


def run_and_wait(at: AppTest, status: str = "Completed") -> AppTest:
    """Click the run button, then rerun as a watching browser does until the job ends so."""
    at.button(key="mig_execute").click().run()
    assert JOB_PARAM in at.query_params, texts(at.error)
    return rerun_until(at, lambda at: progress_text(at).startswith(status))


def reloaded(job_id: str) -> AppTest:
    """A new browser session opened on the page's address naming the job (a reload)."""

    def page() -> None:
        from views.pages import page_named, render

        render(page_named("migrate"))

    at = AppTest.from_function(page, default_timeout=60)
    at.query_params[JOB_PARAM] = job_id
    at.run()
    assert not at.exception, [exception.value for exception in at.exception]
    return at


def reconciled_lines(at: AppTest, source: int, loaded: int, rejected: int = 0) -> list[str]:
    start = (
        f"Reconciliation: the target matches the source (source rows {source:,} · loaded "
        f"{loaded:,} · rejected {rejected:,} · column checksums "
    )
    return [line for line in texts(at.success) if line.startswith(start)]


def test_a_handed_over_config_is_tested_run_reconciled_and_found_again_after_a_reload(
    installation: ServiceContext, job_runner: JobRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    served_files = keep_served_files(monkeypatch)
    save_config(installation, patient_config("patients"))
    at = open_page("migrate")
    at.session_state[MIGRATION_CONFIG] = "patients"  # as the Schema Mapper leaves it
    at.run()
    assert at.selectbox(key="mig_config").value == "patients"
    assert '"source_table": "patient"' in at.code[0].value

    at.button(key="mig_test_connections").click().run()
    version = sqlite3.connect(":memory:").execute("SELECT sqlite_version()").fetchone()[0]
    assert [re.sub(r"\(\d+ ms\)", "(N ms)", line) for line in texts(at.success)] == [
        f"Source {DEMO_SOURCE!r}: connected to {version} (N ms)",
        f"Target {DEMO_TARGET!r}: connected to {version} (N ms)",
    ]

    run_and_wait(at)
    source = source_rows(installation, PATIENTS_SQL)
    expected = [(*row[:2], row[2].strip(), row[3].strip(), *row[4:]) for row in source]
    assert sorted(target_rows(installation, PATIENTS_SQL)) == sorted(expected)
    (count,) = target_rows(installation, "SELECT COUNT(*) FROM patient")[0]
    assert len(reconciled_lines(at, len(source), count)) == 1
    assert f"Job completed: {len(source)} rows read, {count} loaded, 0 rejected." in texts(
        at.success
    )
    assert not at.error
    log_lines = served_files(at, "mig_run_log").decode("utf-8").splitlines()
    assert log_lines and all(re.match(r"\d{4}-\d\d-\d\dT", line) for line in log_lines)
    assert not any(row[6] and row[6] in "\n".join(log_lines) for row in source)  # CIDs masked

    job_id = at.query_params[JOB_PARAM]
    again = reloaded(job_id)
    assert progress_text(again).startswith("Completed")
    assert len(reconciled_lines(again, len(source), count)) == 1
    assert any(job_id in markdown.value for markdown in again.markdown)


def test_test_mode_shows_masked_preview_and_rejects_by_column_and_keeps_nothing(
    installation: ServiceContext, job_runner: JobRunner
) -> None:
    save_config(installation, patient_config("checked", validated=True))
    at = open_page("migrate")
    at.toggle(key="mig_test").set_value(True).run()
    assert at.button(key="mig_execute").label == "Run the test"
    run_and_wait(at)

    rows = source_rows(installation, "SELECT hn, pname, cid FROM patient")
    failing = {row: failing_checks(*row) for row in rows}
    clean = [row for row, columns in failing.items() if not columns]
    assert (
        f"Test of 'checked', rolled back — nothing was kept: {len(rows)} rows read, "
        f"{len(clean)} would load, {len(rows) - len(clean)} would be rejected."
    ) in texts(at.info)
    groups = table_with(at, "failing values").set_index("column")
    for column in ("pname", "cid"):
        bad = [row for row, columns in failing.items() if column in columns]
        assert (groups.loc[column, "stage"], groups.loc[column, "rows"]) == ("validate", len(bad))
    titles = [row[1] for row, columns in failing.items() if "pname" in columns]
    assert groups.loc["pname", "failing values"] == ", ".join(repr(title) for title in titles)
    assert not any(row[2] and row[2] in groups.loc["cid", "failing values"] for row in rows)
    preview = table_with(at, "fname")
    assert sorted(preview["pname"]) == sorted(row[1] for row in clean)
    assert not set(preview["cid"]) & {row[2] for row in clean}  # citizen IDs masked
    assert not set(preview["hn"]) & {row[0] for row in clean}  # so are HNs
    assert not target_rows(installation, "SELECT name FROM sqlite_master WHERE name = 'patient'")


def test_a_malformed_upload_is_one_line_and_a_valid_one_is_imported_and_selected(
    installation: ServiceContext,
) -> None:
    at = open_page("migrate")
    assert texts(at.info) == [
        "No saved config yet — make one in Schema Mapper, or upload a config JSON file."
    ]
    assert texts(at.caption)[-1] == "No migration job is running or waiting now."
    at.radio(key="mig_source").set_value("upload").run()
    malformed = ("bad.json", b'{"name": "x",', "application/json")
    at.file_uploader(key="mig_upload").set_value(malformed).run()
    assert not at.exception
    (error,) = texts(at.error)
    assert error.startswith("Not valid JSON: line 1") and "\n" not in error

    upload = json.dumps(patient_config("uploaded patients"), ensure_ascii=False).encode()
    at.file_uploader(key="mig_upload").set_value(("patients.json", upload, "application/json"))
    at.run()
    assert not at.error
    assert at.button(key="mig_import").label == (
        "Import it as a new saved config 'uploaded patients'"
    )
    at.button(key="mig_import").click().run()

    assert texts(at.success)[0] == (
        "Imported 'uploaded patients' as version 1; it is selected below."
    )
    assert [record.name for record in list_configs(installation)] == ["uploaded patients"]
    assert at.radio(key="mig_source").value == "saved"
    assert at.selectbox(key="mig_config").value == "uploaded patients"


def test_an_address_naming_no_job_is_one_line(installation: ServiceContext) -> None:
    unknown = "00000000-0000-4000-8000-000000000000"
    at = reloaded(unknown)
    (error,) = texts(at.error)
    assert unknown in error and "\n" not in error
    at.button(key="mig_close").click().run()
    assert JOB_PARAM not in at.query_params and not at.error


def test_a_wrong_target_password_is_one_line_in_the_test_and_in_the_failed_run(
    installation: ServiceContext, job_runner: JobRunner, mysql_database: URL
) -> None:
    password = "wrong-password-7"
    register_server(installation, "ward mariadb", mysql_database, password=password)
    config = patient_config("to mariadb", target="ward mariadb")
    save_config(installation, config, check_live=False)  # the target refuses the live check
    at = open_page("migrate")

    at.button(key="mig_test_connections").click().run()
    assert len(at.success) == 1 and texts(at.success)[0].startswith(f"Source {DEMO_SOURCE!r}")
    (refused,) = texts(at.error)
    assert refused.startswith("Target 'ward mariadb': ") and "\n" not in refused

    run_and_wait(at, status="Failed")
    failed = [line for line in texts(at.error) if line.startswith("Job failed: ")]
    assert len(failed) == 1 and "\n" not in failed[0]
    assert len(at.error) == 2  # the connection test's line, and the run's
    assert password not in " ".join(texts(at.error))


@pytest.fixture
def attentive_runner(installation: ServiceContext) -> Iterator[JobRunner]:
    """A runner that reads cancel requests every 0.1 s (the default is every 2 s), so a short
    run is stopped part-way rather than finishing first."""
    runner = JobRunner(installation, workers=1, poll_seconds=0.1, heartbeat_seconds=0.1).start()
    yield runner
    runner.close()


def test_cancel_then_resume_a_mini_his_run_from_mariadb_to_postgresql_loads_every_row_once(
    installation: ServiceContext,
    attentive_runner: JobRunner,
    mysql_database: URL,
    pg_database: URL,
) -> None:
    register_server(installation, "hosxp", mysql_database)
    register_server(installation, "new his", pg_database)
    generate_mock_his(installation, datasource="hosxp", patients=20, visits=VISITS, seed=3)
    columns = ("vn", "hn", "vstdate", "doctor", "pttype", "income")
    save_config(
        installation,
        {
            "name": "visits",
            "source": "hosxp",
            "target": "new his",
            "source_table": "ovst",
            "target_table": "visits",
            "create_target_table": True,
            "mappings": [{"source": column, "target": column} for column in columns],
        },
    )
    at = open_page("migrate")
    at.number_input(key="mig_batch_size").set_value(10).run()
    at.button(key="mig_execute").click().run()
    rerun_until(at, lambda at: re.search(r"Running · [1-9][\d,]* of", progress_text(at)))
    at.button(key="mig_job_cancel").click().run()
    rerun_until(at, lambda at: progress_text(at).startswith("Cancelled"))
    (stopped,) = fetch(pg_database, "SELECT COUNT(*) FROM visits")[0]
    assert 0 < stopped < VISITS and stopped % 10 == 0  # whole batches only

    at.button(key="mig_job_resume").click().run()
    rerun_until(at, lambda at: progress_text(at).startswith("Completed"))
    select = f"SELECT {', '.join(columns)} FROM {{}} ORDER BY vn"
    assert fetch(pg_database, select.format("visits")) == fetch(
        mysql_database, select.format("ovst")
    )
    (count,) = fetch(mysql_database, "SELECT COUNT(*) FROM ovst")[0]
    assert len(reconciled_lines(at, count, count)) == 1
