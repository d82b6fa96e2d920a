"""The Runs and rejects page through Streamlit's AppTest: runs made on the demo SQLite
datasources, their rejects grouped and downloaded, and a replay the job runner completes."""

from __future__ import annotations

import csv
import io
import json

import pytest

from services.context import ServiceContext
from services.demo.service import demo_files
from services.jobs import JobRunner
from services.mapping import save_config
from services.migration import run_migration
from tests.e2e.dashboard import open_page, rerun_until
from tests.e2e.downloads import keep_served_files
from tests.e2e.migration_pages import (
    failing_checks,
    patient_config,
    progress_text,
    source_rows,
    table_with,
    target_rows,
    texts,
)
from views.shared.handoff import RUNS_RUN

pytestmark = pytest.mark.e2e

PATIENTS_SQL = "SELECT hn, pname, cid FROM patient"


def test_the_page_says_what_to_do_without_runs_then_lists_each_run_with_its_counts(
    installation: ServiceContext,
) -> None:
    at = open_page("runs")
    assert texts(at.info) == ["No runs yet — start one in Migration Engine."]

    save_config(installation, patient_config("patients"))
    save_config(installation, patient_config("checked", validated=True, target_table="checked"))
    run_migration(installation, "patients")
    run_migration(installation, "checked")
    at.run()

    rows = source_rows(installation, PATIENTS_SQL)
    rejected = sum(1 for row in rows if failing_checks(*row))
    listed = table_with(at, "kind").set_index("name")
    assert list(listed.index) == ["checked", "patients"]  # newest first
    counts = ["kind", "status", "rows_read", "rows_loaded", "rows_rejected", "reconciled"]
    assert listed.loc["patients", counts].tolist() == [
        "migration", "succeeded", len(rows), len(rows), 0, "yes",
    ]  # fmt: skip
    assert listed.loc["checked", counts].tolist() == [
        "migration", "succeeded", len(rows), len(rows) - rejected, rejected, "yes",
    ]  # fmt: skip
    assert (listed["seconds"] >= 0).all()


def test_a_runs_rejects_are_grouped_downloaded_and_replayed_after_the_config_is_fixed(
    installation: ServiceContext, job_runner: JobRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    served_files = keep_served_files(monkeypatch)
    save_config(installation, patient_config("checked", validated=True))
    run = run_migration(installation, "checked")
    rows = source_rows(installation, PATIENTS_SQL)
    failing = {row: failing_checks(*row) for row in rows}
    rejects = [(row, column) for row, columns in failing.items() for column in columns]
    at = open_page("runs")
    at.session_state[RUNS_RUN] = str(run.run_id)  # as the Migration Engine leaves it
    at.run()
    assert at.selectbox(key="runs_run").value == str(run.run_id)

    groups = table_with(at, "values").set_index("column")
    for column in ("pname", "cid"):
        expected = [row for row, bad in rejects if bad == column]
        assert (groups.loc[column, "stage"], groups.loc[column, "rejects"]) == (
            "validate",
            len(expected),
        )
    titles = [row[1] for row, column in rejects if column == "pname"]
    assert groups.loc["pname", "values"] == ", ".join(repr(title) for title in titles)
    assert not any(row[2] and row[2] in groups.loc["cid", "values"] for row in rows)  # masked
    lines = table_with(at, "reference")
    assert len(lines) == len(rejects)
    assert not set(lines["source_key"]) & {row[0] for row in rows}  # HNs masked on the page

    exported = list(csv.DictReader(io.StringIO(served_files(at, "runs_csv_0").decode("utf-8-sig"))))
    assert sorted((json.loads(line["source_key"])[0], line["column"]) for line in exported) == (
        sorted((row[0], column) for row, column in rejects)
    )
    assert {line["run_id"] for line in exported} == {str(run.run_id)}

    save_config(installation, patient_config("checked"))  # the fix: the checks were too strict
    (before,) = target_rows(installation, "SELECT COUNT(*) FROM patient")[0]
    at.button(key="runs_replay_0").click().run()
    assert texts(at.success)[0].startswith("The replay of the rejects of 'checked' is queued")
    rerun_until(at, lambda at: progress_text(at).startswith("Completed"))
    (after,) = target_rows(installation, "SELECT COUNT(*) FROM patient")[0]
    replayed = len({row for row, _ in rejects})
    assert after - before == replayed
    assert f"Job completed: {replayed} rows read, {replayed} loaded, 0 rejected." in texts(
        at.success
    )
    assert sorted(row[0] for row in target_rows(installation, PATIENTS_SQL)) == sorted(
        row[0] for row in rows
    )


def test_the_rejects_of_a_run_whose_target_is_gone_are_one_line_not_a_traceback(
    installation: ServiceContext,
) -> None:
    save_config(installation, patient_config("checked", validated=True))
    run = run_migration(installation, "checked")
    _, target_file = demo_files(installation.settings)
    target_file.unlink()  # the rejects are kept in the target: it cannot be read now
    at = open_page("runs")
    at.session_state[RUNS_RUN] = str(run.run_id)
    at.run()

    assert not at.exception
    (line,) = texts(at.error)
    assert line == f"The SQLite file '{target_file}' does not exist."
    assert "checked" in table_with(at, "kind")["name"].tolist()  # the list itself still shows
