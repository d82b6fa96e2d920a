"""The Reports page through Streamlit's AppTest: the demo profiled through the page's own job,
its new run listed with its CSV and masked report page, an unreachable datasource's job
failing in one line, and a report made with masking off kept out of the page."""

from __future__ import annotations

import csv
import io
import re
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import PurePosixPath

import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest, app_test

from services.context import ServiceContext
from services.datasources import create_datasource
from services.demo import DEMO_SOURCE
from services.demo.service import demo_files
from services.jobs import JobRunner
from services.profiling import analyze_datasource
from services.reports import list_report_runs
from tests.e2e.dashboard import open_page, rerun_until

pytestmark = pytest.mark.e2e

EMPTY = "No reports yet — profile a datasource below."
CSV_DOWNLOAD = "rp_download_data_profile/data_profile.csv"
THIRTEEN_DIGITS = re.compile(r"(?<!\d)\d{13}(?!\d)")


class Downloads:
    """What the page's download buttons hand out, kept across AppTest's runs.

    AppTest gives every run a fresh in-memory media store and drops it afterwards; this keeps
    one real store for the whole test, so a button's file can be fetched as a browser would.
    """

    def __init__(self) -> None:
        self.storage = MemoryMediaFileStorage("/mock/media")
        self.manager = MediaFileManager(self.storage)

    def content(self, at: AppTest, key: str) -> bytes:
        """The bytes a click on the download button `key` delivers."""
        button = at.download_button(key=key).proto
        url = self.manager.execute_deferred(button.deferred_file_id)
        return self.storage.get_file(PurePosixPath(url).name).content


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> Iterator[Downloads]:
    """The download store AppTest's runs use for this test."""
    kept = Downloads()
    monkeypatch.setattr(app_test, "MediaFileManager", lambda storage: kept.manager)
    yield kept


def _demo_columns(installation: ServiceContext) -> set[tuple[str, str]]:
    # Read with plain SQLite, not through the profiler.
    source = demo_files(installation.settings)[0]
    connection = sqlite3.connect(source)
    try:
        tables = [
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        return {
            (table, row[1])
            for table in tables
            for row in connection.execute(f'PRAGMA table_info("{table}")')
        }
    finally:
        connection.close()


def _demo_cids(installation: ServiceContext) -> list[str]:
    connection = sqlite3.connect(demo_files(installation.settings)[0])
    try:
        return [row[0] for row in connection.execute("SELECT cid FROM patient") if row[0]]
    finally:
        connection.close()


def _runs_table(at: AppTest) -> pd.DataFrame | None:
    tables = [frame.value for frame in at.dataframe if "datasource" in frame.value.columns]
    return tables[0] if tables else None


def _closed_port() -> int:
    # A port nothing listens on: bound for a moment, then released.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_profiling_the_demo_lists_its_new_run_with_the_csv_and_the_masked_report(
    installation: ServiceContext, job_runner: JobRunner, downloads: Downloads
) -> None:
    at = open_page("reports")
    assert [info.value for info in at.info] == [EMPTY]
    at.selectbox(key="rp_datasource").select(DEMO_SOURCE)
    at.toggle(key="rp_pick_tables").set_value(True).run()
    assert at.multiselect(key="rp_tables").options == ["doctor", "ovst", "patient"]
    at.multiselect(key="rp_tables").select("doctor").select("patient")
    at.button(key="rp_start").click().run()
    assert at.success[0].value.startswith(f"Profile of {DEMO_SOURCE!r} queued as job ")

    rerun_until(at, lambda page: _runs_table(page) is not None)

    assert not at.error
    columns = {(t, c) for t, c in _demo_columns(installation) if t in ("doctor", "patient")}
    runs = list_report_runs(installation)
    assert len(runs) == 1
    tables = len({table for table, _ in columns})
    assert f"Job completed: {tables} tables profiled into report {runs[0].id}." in [
        success.value for success in at.success
    ]
    listed = _runs_table(at)
    assert listed is not None
    assert listed.to_dict("records") == [
        {
            "run": runs[0].id,
            "when": runs[0].started_at.strftime("%Y-%m-%d %H:%M"),
            "datasource": DEMO_SOURCE,
            "tables": tables,
            "columns": len(columns),
            "size_kb": round(runs[0].total_size / 1024, 1),
        }
    ]
    assert at.selectbox(key="rp_selected").value == runs[0].id  # the new run is opened
    folder = installation.settings.reports_dir / runs[0].id
    on_disk = {path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()}
    assert set(at.table[0].value["File"]) == on_disk

    rows = list(
        csv.DictReader(io.StringIO(downloads.content(at, CSV_DOWNLOAD).decode("utf-8-sig")))
    )
    assert len(rows) == len(columns)
    assert {(row["table"], row["column"]) for row in rows} == columns
    assert {row["datasource"] for row in rows} == {DEMO_SOURCE}

    at.toggle(key="rp_open_report").set_value(True).run()
    frames = at.get("iframe")
    assert len(frames) == 1
    page = frames[0].proto.srcdoc
    assert "Identifiers masked" in page
    assert DEMO_SOURCE in page
    for cid in _demo_cids(installation):
        assert cid not in page
    assert not THIRTEEN_DIGITS.findall(page)


def test_an_unreachable_datasource_s_profile_job_fails_in_one_line(
    installation: ServiceContext, job_runner: JobRunner
) -> None:
    create_datasource(
        installation, name="gone", db_type="mysql", host="127.0.0.1", port=_closed_port(),
        database="hosxp", username="reader",
    )  # fmt: skip
    at = open_page("reports")
    at.selectbox(key="rp_datasource").select("gone")
    at.button(key="rp_start").click().run()

    rerun_until(at, lambda page: bool(page.error), timeout=30)

    assert not at.exception
    errors = [error.value for error in at.error]
    assert len(errors) == 1
    assert errors[0].startswith("Job failed: ")
    assert "\n" not in errors[0].strip()
    assert "Traceback" not in errors[0]
    assert [info.value for info in at.info] == [EMPTY]
    assert list_report_runs(installation) == []


def test_a_report_made_with_masking_off_is_not_shown_in_the_page(
    installation: ServiceContext,
) -> None:
    analyze_datasource(
        installation, DEMO_SOURCE, out_dir=installation.settings.reports_dir, mask=False
    )
    at = open_page("reports")
    at.toggle(key="rp_open_report").set_value(True).run()

    assert not at.exception
    assert not at.get("iframe")
    assert len(at.warning) == 1
    assert "masking off" in at.warning[0].value
    for cid in _demo_cids(installation):
        assert all(cid not in element.value for element in [*at.caption, *at.markdown])
