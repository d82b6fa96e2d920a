"""The Mock Data Generator page through AppTest: mini_his written into real MariaDB databases,
the rows shown against COUNT(*) asked of MariaDB; confirmation, the demo guard, a bad login."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL
from streamlit.testing.v1 import AppTest

from controllers.mock_data_controller import MockDataController
from mini_his.schema import TABLE_NAMES
from services.context import ServiceContext
from services.datasources import get_datasource
from services.demo import DEMO_SOURCE, DEMO_TARGET, generate_mock_his
from services.errors import InvalidInput
from tests.e2e.dashboard import open_page
from tests.factories import register_server

pytestmark = pytest.mark.e2e

HOSPITAL = "hospital mariadb"


def _row_counts(url: URL) -> dict[str, int]:
    """COUNT(*) of every mini_his table, asked of MariaDB directly."""
    engine = create_engine(url)
    with engine.connect() as connection:
        counts = {
            table: connection.execute(text(f"SELECT COUNT(*) FROM `{table}`")).scalar_one()
            for table in TABLE_NAMES
        }
    engine.dispose()
    return counts


def _shown_counts(at: AppTest) -> dict[str, int]:
    frame = at.dataframe[-1].value
    return dict(zip(frame["table"], (int(rows) for rows in frame["rows"]), strict=True))


def _open_on(datasource: str | None, *, patients: int, seed: int) -> AppTest:
    at = open_page("mock-data")
    if datasource is not None:
        at.selectbox(key="mock_datasource").select(datasource)
    at.select_slider(key="mock_patients").set_value(patients)
    at.number_input(key="mock_seed").set_value(seed)
    at.run()
    assert not at.exception, [exception.value for exception in at.exception]
    return at


@pytest.mark.mysql
def test_generating_shows_the_rows_mariadb_then_holds(
    installation: ServiceContext, mysql_database: URL
) -> None:
    register_server(installation, HOSPITAL, mysql_database)
    at = _open_on(None, patients=20, seed=7)
    # It opens on the first datasource it may fill, past the demo's two.
    assert at.selectbox(key="mock_datasource").value == HOSPITAL
    assert not at.warning  # an empty database: nothing to replace, no confirmation asked
    planned = next(caption.value for caption in at.caption if caption.value.startswith("Writes "))

    at.button(key="mock_generate").click().run()

    assert not at.exception and not at.error
    counts = _row_counts(mysql_database)
    assert counts["patient"] == 20
    assert _shown_counts(at) == counts
    total = sum(counts.values())
    assert planned.startswith(f"Writes {total:,} rows in {len(TABLE_NAMES)} tables: 20 patients")
    assert [success.value for success in at.success] == [
        f"Mock HIS written to {HOSPITAL!r}: {total:,} rows in {len(TABLE_NAMES)} tables (seed 7)."
    ]
    # The page drawn after the click shows the database as it now is: all tables to replace.
    (warning,) = at.warning
    assert warning.value.startswith(f"{HOSPITAL} already has {len(TABLE_NAMES)} mini_his tables")
    assert at.button(key="mock_generate").disabled


@pytest.mark.mysql
def test_replacing_existing_tables_needs_the_confirmation_first(
    installation: ServiceContext, mysql_database: URL
) -> None:
    register_server(installation, HOSPITAL, mysql_database)
    generate_mock_his(installation, datasource=HOSPITAL, patients=30, seed=1)
    at = _open_on(HOSPITAL, patients=20, seed=3)

    (warning,) = at.warning
    assert all(table in warning.value for table in TABLE_NAMES)
    assert at.button(key="mock_generate").disabled
    at.checkbox(key="mock_confirm").check().run()
    assert not at.button(key="mock_generate").disabled

    at.button(key="mock_generate").click().run()

    assert not at.exception and not at.error
    counts = _row_counts(mysql_database)
    assert counts["patient"] == 20  # the 30 patients of before are gone
    assert _shown_counts(at) == counts
    # Asked again for the next replacement.
    assert at.checkbox(key="mock_confirm").value is False
    assert at.button(key="mock_generate").disabled


@pytest.mark.mysql
def test_a_wrong_password_shows_one_line_and_writes_nothing(
    installation: ServiceContext, mysql_database: URL
) -> None:
    wrong = "not-the-password-42"
    register_server(installation, "wrong password", mysql_database, password=wrong)

    at = _open_on("wrong password", patients=20, seed=7)

    (error,) = at.error
    assert "\n" not in error.value.strip()
    assert "wrong user name or password" in error.value
    assert wrong not in error.value
    assert not at.button  # nothing can be written there, so nothing offers to
    assert not at.success and not at.dataframe


def test_the_demo_databases_are_never_written_to(installation: ServiceContext) -> None:
    at = _open_on(DEMO_SOURCE, patients=20, seed=7)

    (warning,) = at.warning
    assert warning.value.startswith(f"{DEMO_SOURCE!r} is a built-in demo database")
    assert at.button(key="mock_generate").disabled
    # A click that reaches the controller anyway (a stale page) is refused there as well.
    for demo in (DEMO_SOURCE, DEMO_TARGET):
        with pytest.raises(InvalidInput, match="built-in demo database"):
            MockDataController(installation).generate(demo, patients=20, seed=7, replace=True)
    demo_file = get_datasource(installation, DEMO_SOURCE).database
    with sqlite3.connect(Path(demo_file)) as connection:
        assert connection.execute("SELECT COUNT(*) FROM ovst").fetchone() == (5,)


def _progress_script() -> None:
    # Runs as an app script inside AppTest: the bars widget fed the events a generation sends.
    from models.progress import ProgressEvent, ProgressKind
    from views.components.progress import ProgressBars

    bars = ProgressBars(unit="rows")
    for event in (
        ProgressEvent(ProgressKind.ADVANCED, "patient", 0, 20),
        ProgressEvent(ProgressKind.ADVANCED, "patient", 20, 20),
        ProgressEvent(ProgressKind.ADVANCED, "ovst", 40, 100),
        ProgressEvent(ProgressKind.ADVANCED, "ipt", 0, 0),
    ):
        bars(event)


def test_progress_bars_show_one_bar_per_table_where_it_stands() -> None:
    at = AppTest.from_function(_progress_script).run()

    assert not at.exception
    bars = [(bar.proto.value, bar.proto.text) for bar in at.get("progress")]
    assert bars == [
        (100, "patient: 20 of 20 rows"),
        (40, "ovst: 40 of 100 rows"),
        (100, "ipt: 0 rows"),
    ]
