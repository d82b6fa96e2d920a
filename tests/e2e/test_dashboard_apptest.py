"""The Datasources page through Streamlit's AppTest, on a real store, SQLite demo and MariaDB."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL
from streamlit.testing.v1 import AppTest

from config import get_settings
from services.bootstrap import bootstrap
from services.context import ServiceContext
from services.datasources import create_datasource, get_datasource
from services.demo import DEMO_SOURCE, DEMO_TARGET, ensure_demo
from services.errors import DatasourceNotFound
from tests.conftest import TEST_SECRET

pytestmark = pytest.mark.e2e

APP = Path(__file__).resolve().parents[2] / "app.py"
MARIADB = "hospital mariadb"


@pytest.fixture
def installation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ServiceContext]:
    """An isolated installation the app finds through its environment, with the demo in it."""
    monkeypatch.setenv("HIS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HIS_SECRET_KEY", TEST_SECRET)
    # The app caches both per process; a previous test's installation must not leak in.
    get_settings.cache_clear()
    st.cache_resource.clear()
    context = bootstrap(get_settings())
    ensure_demo(context)
    yield context
    st.cache_resource.clear()  # releases (closes) the app's own context
    context.close()
    get_settings.cache_clear()


def _add_mariadb(ctx: ServiceContext, url: URL, *, name: str = MARIADB, password: str = "") -> None:
    create_datasource(
        ctx,
        name=name,
        db_type="mysql",
        host=url.host,
        port=url.port,
        database=url.database or "",
        username=url.username,
        password=password or url.password,
    )


def _app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, [exception.value for exception in at.exception]
    return at


def _listed_names(at: AppTest) -> list[str]:
    return list(at.dataframe[0].value["name"])


def test_page_lists_demo_and_mariadb_datasources(
    installation: ServiceContext, mysql_database: URL
) -> None:
    _add_mariadb(installation, mysql_database)
    at = _app()
    assert _listed_names(at) == [DEMO_SOURCE, DEMO_TARGET, MARIADB]
    table = at.dataframe[0].value.set_index("name")
    assert table.loc[MARIADB, "location"] == f"{mysql_database.host}:{mysql_database.port}"
    assert table.loc[DEMO_SOURCE, "location"] == "local file"
    assert set(table["password"]) <= {"yes", "no"}
    assert "password_encrypted" not in table.columns


def test_add_form_creates_a_datasource_the_service_lists(installation: ServiceContext) -> None:
    at = _app()
    at.text_input(key="ds_add_name").input("ward pacs")
    at.selectbox(key="ds_add_type").select("postgresql")
    at.text_input(key="ds_add_host").input("pacs.hospital.local")
    at.number_input(key="ds_add_port").set_value(5433)
    at.text_input(key="ds_add_database").input("pacs")
    at.text_input(key="ds_add_user").input("reader")
    at.text_input(key="ds_add_password").input("s3cret pw")
    at.text_input(key="ds_add_schema").input("public")
    at.button(key="ds_add_submit").click().run()

    assert not at.exception
    assert [success.value for success in at.success] == ["Datasource 'ward pacs' added."]
    created = get_datasource(installation, "ward pacs")
    assert (created.db_type, created.host, created.port, created.database) == (
        "postgresql",
        "pacs.hospital.local",
        5433,
        "pacs",
    )
    assert (created.username, created.schema) == ("reader", "public")
    assert installation.secrets.decrypt(created.password_encrypted or "") == "s3cret pw"
    assert "ward pacs" in _listed_names(at)
    # The form is emptied after success, and the new datasource is the one selected.
    assert at.text_input(key="ds_add_password").value == ""
    assert at.selectbox(key="ds_selected").value == "ward pacs"


def test_add_form_rejects_a_taken_name_and_keeps_the_input(installation: ServiceContext) -> None:
    at = _app()
    at.text_input(key="ds_add_name").input(DEMO_SOURCE)
    at.selectbox(key="ds_add_type").select("sqlite")
    at.text_input(key="ds_add_database").input("/tmp/other.sqlite")
    at.button(key="ds_add_submit").click().run()

    assert not at.exception
    assert [error.value for error in at.error] == [
        f"A datasource named {DEMO_SOURCE!r} already exists."
    ]
    assert at.text_input(key="ds_add_database").value == "/tmp/other.sqlite"
    assert _listed_names(at) == [DEMO_SOURCE, DEMO_TARGET]


def test_testing_mariadb_shows_the_real_server_version(
    installation: ServiceContext, mysql_database: URL
) -> None:
    _add_mariadb(installation, mysql_database)
    engine = create_engine(mysql_database)
    with engine.connect() as connection:
        version = connection.execute(text("SELECT VERSION()")).scalar_one()
    engine.dispose()

    at = _app()
    at.selectbox(key="ds_selected").select(MARIADB).run()
    at.button(key="ds_test").click().run()

    assert not at.exception
    assert not at.error
    assert len(at.success) == 1
    assert version in at.success[0].value


def test_wrong_password_shows_one_line_error_and_no_traceback(
    installation: ServiceContext, mysql_database: URL
) -> None:
    wrong = "not-the-password-42"
    _add_mariadb(installation, mysql_database, name="mariadb wrong pw", password=wrong)
    at = _app()
    at.selectbox(key="ds_selected").select("mariadb wrong pw").run()
    at.button(key="ds_test").click().run()

    assert not at.exception
    assert not at.success
    assert len(at.error) == 1
    message = at.error[0].value
    assert "\n" not in message.strip()
    assert "wrong user name or password" in message
    assert wrong not in message


def test_table_browser_shows_the_ovst_columns(installation: ServiceContext) -> None:
    at = _app()
    at.selectbox(key="ds_selected").select(DEMO_SOURCE).run()
    at.toggle(key="ds_browse").set_value(True).run()
    assert at.selectbox(key="ds_table_name").options == ["doctor", "ovst", "patient"]
    at.selectbox(key="ds_table_name").select("ovst").run()

    assert not at.exception
    columns = at.dataframe[-1].value.set_index("column")
    assert list(columns.index) == ["vn", "hn", "vstdate", "vsttime", "doctor", "pttype"]
    assert columns.loc["vn", "primary_key"]
    assert not columns.loc["hn", "nullable"]
    assert columns.loc["vstdate", "type"] == "TEXT"
    assert "About 5 rows" in [caption.value for caption in at.caption]


def test_delete_needs_confirmation_then_removes_the_datasource(
    installation: ServiceContext,
) -> None:
    at = _app()
    at.selectbox(key="ds_selected").select(DEMO_TARGET).run()
    assert at.button(key="ds_delete").disabled
    at.checkbox(key="ds_delete_confirm").check().run()
    at.button(key="ds_delete").click().run()

    assert not at.exception
    assert [success.value for success in at.success] == [f"Datasource {DEMO_TARGET!r} deleted."]
    with pytest.raises(DatasourceNotFound):
        get_datasource(installation, DEMO_TARGET)
    assert _listed_names(at) == [DEMO_SOURCE]
    assert at.checkbox(key="ds_delete_confirm").value is False
