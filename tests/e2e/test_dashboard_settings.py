"""The Settings page's Datasources tab through Streamlit's AppTest, on a real store, the
SQLite demo and the real MariaDB server: list, add, edit, test, browse and delete."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import URL

from services.context import ServiceContext
from services.datasources import create_datasource, get_datasource
from services.demo import DEMO_SOURCE, DEMO_TARGET
from services.errors import DatasourceNotFound
from services.pipelines import StepSpec, create_pipeline
from tests.e2e.dashboard import open_page
from tests.e2e.settings_page import (
    rerun,
    save_visits_config,
    shown_column,
    shown_table,
    texts,
)
from tests.factories import register_server, server_version

pytestmark = pytest.mark.e2e

MARIADB = "hospital mariadb"


def test_datasources_tab_lists_the_demo_and_a_mariadb_datasource(
    installation: ServiceContext, mysql_database: URL
) -> None:
    register_server(installation, MARIADB, mysql_database)
    at = open_page("settings")

    assert [tab.label for tab in at.tabs] == ["Datasources", "Saved configs", "History"]
    table = shown_table(at, "ds_table").set_index("name")
    assert list(table.index) == [DEMO_SOURCE, DEMO_TARGET, MARIADB]
    assert table.loc[MARIADB, "location"] == f"{mysql_database.host}:{mysql_database.port}"
    assert table.loc[MARIADB, "type"] == "mysql"
    assert table.loc[DEMO_SOURCE, "location"] == "local file"
    assert dict(table["password"]) == {
        DEMO_SOURCE: "no",
        DEMO_TARGET: "no",
        MARIADB: "yes" if mysql_database.password else "no",
    }
    assert "password_encrypted" not in table.columns


def test_add_form_creates_a_datasource_the_service_lists(installation: ServiceContext) -> None:
    at = open_page("settings")
    at.text_input(key="ds_add_name").input("ward pacs")
    at.selectbox(key="ds_add_type").select("postgresql")
    at.text_input(key="ds_add_host").input("pacs.hospital.local")
    at.number_input(key="ds_add_port").set_value(5433)
    at.text_input(key="ds_add_database").input("pacs")
    at.text_input(key="ds_add_user").input("reader")
    at.text_input(key="ds_add_password").input("s3cret pw")
    at.text_input(key="ds_add_schema").input("public")
    rerun(at.button(key="ds_add_submit").click())

    assert texts(at.success) == ["Datasource 'ward pacs' added."]
    created = get_datasource(installation, "ward pacs")
    assert (created.db_type, created.host, created.port, created.database) == (
        "postgresql",
        "pacs.hospital.local",
        5433,
        "pacs",
    )
    assert (created.username, created.schema) == ("reader", "public")
    assert installation.secrets.decrypt(created.password_encrypted or "") == "s3cret pw"
    assert "ward pacs" in shown_column(at, "ds_table", "name")
    # The form is emptied after success, and the new datasource is the one selected.
    assert at.text_input(key="ds_add_password").value == ""
    assert at.selectbox(key="ds_selected").value == "ward pacs"


def test_add_form_rejects_a_taken_name_and_keeps_the_input(installation: ServiceContext) -> None:
    at = open_page("settings")
    at.text_input(key="ds_add_name").input(DEMO_SOURCE)
    at.selectbox(key="ds_add_type").select("sqlite")
    at.text_input(key="ds_add_database").input("/tmp/other.sqlite")
    rerun(at.button(key="ds_add_submit").click())

    assert texts(at.error) == [f"A datasource named {DEMO_SOURCE!r} already exists."]
    assert at.text_input(key="ds_add_database").value == "/tmp/other.sqlite"
    assert shown_column(at, "ds_table", "name") == [DEMO_SOURCE, DEMO_TARGET]


def _add_pacs(ctx: ServiceContext, password: str = "old pw") -> None:
    create_datasource(
        ctx,
        name="ward pacs",
        db_type="postgresql",
        host="pacs-old.local",
        port=5432,
        database="pacs",
        username="reader",
        password=password,
    )


def _stored_password(ctx: ServiceContext, name: str) -> str | None:
    stored = get_datasource(ctx, name)
    return ctx.secrets.decrypt(stored.password_encrypted) if stored.password_encrypted else None


def test_edit_changes_host_port_and_password_and_a_blank_password_keeps_it(
    installation: ServiceContext,
) -> None:
    _add_pacs(installation)
    at = open_page("settings")
    rerun(at.selectbox(key="ds_selected").select("ward pacs"))
    # The form starts from the stored fields, the password left blank.
    assert at.text_input(key="ds_edit_host").value == "pacs-old.local"
    assert at.number_input(key="ds_edit_port").value == 5432
    assert at.text_input(key="ds_edit_password").value == ""

    at.text_input(key="ds_edit_host").input("pacs.hospital.local")
    at.number_input(key="ds_edit_port").set_value(5433)
    at.text_input(key="ds_edit_password").input(" new pw 2 ")
    rerun(at.button(key="ds_edit_submit").click())

    assert texts(at.success) == ["Datasource 'ward pacs' saved."]
    stored = get_datasource(installation, "ward pacs")
    assert (stored.host, stored.port, stored.database) == ("pacs.hospital.local", 5433, "pacs")
    assert _stored_password(installation, "ward pacs") == " new pw 2 "
    table = shown_table(at, "ds_table").set_index("name")
    assert table.loc["ward pacs", "location"] == "pacs.hospital.local:5433"
    assert at.text_input(key="ds_edit_password").value == ""

    at.text_input(key="ds_edit_user").input("auditor")
    rerun(at.button(key="ds_edit_submit").click())

    assert texts(at.success) == ["Datasource 'ward pacs' saved."]
    assert get_datasource(installation, "ward pacs").username == "auditor"
    assert _stored_password(installation, "ward pacs") == " new pw 2 "


def test_edit_removes_the_stored_password_only_when_no_new_one_is_typed(
    installation: ServiceContext,
) -> None:
    _add_pacs(installation)
    at = open_page("settings")
    rerun(at.selectbox(key="ds_selected").select("ward pacs"))
    at.text_input(key="ds_edit_password").input("typed pw")
    at.checkbox(key="ds_edit_remove_password").check()
    rerun(at.button(key="ds_edit_submit").click())

    assert texts(at.error) == ["Type a new password or remove the stored one, not both."]
    assert _stored_password(installation, "ward pacs") == "old pw"

    at.text_input(key="ds_edit_password").input("")
    rerun(at.button(key="ds_edit_submit").click())

    assert texts(at.success) == ["Datasource 'ward pacs' saved."]
    assert _stored_password(installation, "ward pacs") is None
    assert shown_table(at, "ds_table").set_index("name").loc["ward pacs", "password"] == "no"


def test_testing_mariadb_shows_the_real_server_version(
    installation: ServiceContext, mysql_database: URL
) -> None:
    register_server(installation, MARIADB, mysql_database)
    version = server_version(mysql_database)

    at = open_page("settings")
    rerun(at.selectbox(key="ds_selected").select(MARIADB))
    rerun(at.button(key="ds_test").click())

    assert not at.error
    [success] = texts(at.success)
    assert success.startswith(f"Connected to {MARIADB}: {version} (")
    assert success.endswith(" ms)")


def test_wrong_password_shows_one_line_error_without_the_password(
    installation: ServiceContext, mysql_database: URL
) -> None:
    wrong = "not-the-password-42"
    register_server(installation, "mariadb wrong pw", mysql_database, password=wrong)
    at = open_page("settings")
    rerun(at.selectbox(key="ds_selected").select("mariadb wrong pw"))
    rerun(at.button(key="ds_test").click())

    assert not at.success
    [message] = texts(at.error)
    assert "\n" not in message.strip()
    assert "wrong user name or password" in message
    assert wrong not in message


def test_table_browser_shows_the_ovst_columns(installation: ServiceContext) -> None:
    at = open_page("settings")
    rerun(at.selectbox(key="ds_selected").select(DEMO_SOURCE))
    rerun(at.toggle(key="ds_browse").set_value(True))
    assert at.selectbox(key="ds_table_name").options == ["doctor", "ovst", "patient"]
    rerun(at.selectbox(key="ds_table_name").select("ovst"))

    columns = shown_table(at, "ds_columns").set_index("column")
    assert list(columns.index) == ["vn", "hn", "vstdate", "vsttime", "doctor", "pttype"]
    assert columns.loc["vn", "primary_key"]
    assert not columns.loc["hn", "nullable"]
    assert columns.loc["vstdate", "type"] == "TEXT"
    assert "About 5 rows" in texts(at.caption)


def test_delete_needs_confirmation_then_removes_the_datasource(
    installation: ServiceContext,
) -> None:
    at = open_page("settings")
    rerun(at.selectbox(key="ds_selected").select(DEMO_TARGET))
    assert at.button(key="ds_delete").disabled
    rerun(at.checkbox(key="ds_delete_confirm").check())
    rerun(at.button(key="ds_delete").click())

    assert texts(at.success) == [f"Datasource {DEMO_TARGET!r} deleted."]
    with pytest.raises(DatasourceNotFound):
        get_datasource(installation, DEMO_TARGET)
    assert shown_column(at, "ds_table", "name") == [DEMO_SOURCE]
    assert at.checkbox(key="ds_delete_confirm").value is False


def test_delete_of_a_datasource_in_use_is_refused_until_delete_anyway_is_ticked(
    installation: ServiceContext,
) -> None:
    save_visits_config(installation, name="visits")
    create_pipeline(installation, "nightly", [StepSpec(name="visits", config="visits")])
    at = open_page("settings")
    rerun(at.selectbox(key="ds_selected").select(DEMO_TARGET))
    assert texts(at.warning) == [f"{DEMO_TARGET} is used by config visits and pipeline nightly."]

    rerun(at.checkbox(key="ds_delete_confirm").check())
    assert at.button(key="ds_delete").disabled
    assert get_datasource(installation, DEMO_TARGET).name == DEMO_TARGET

    rerun(at.checkbox(key="ds_delete_force").check())
    rerun(at.button(key="ds_delete").click())

    assert texts(at.success) == [f"Datasource {DEMO_TARGET!r} deleted."]
    with pytest.raises(DatasourceNotFound):
        get_datasource(installation, DEMO_TARGET)
    assert shown_column(at, "ds_table", "name") == [DEMO_SOURCE]
