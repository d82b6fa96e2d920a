"""DatasourceController on a real (SQLite) metadata store and the SQLite demo datasources."""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import pytest

from controllers.datasource_controller import DatasourceController, DatasourceForm
from services.context import ServiceContext
from services.datasources import get_datasource, list_datasources
from services.demo import DEMO_SOURCE, DEMO_TARGET, ensure_demo
from services.errors import (
    Conflict,
    DatasourceNotFound,
    HisError,
    InvalidInput,
    PluginNotFound,
    TableNotFound,
    UnknownDatabase,
)
from services.mapping import save_config
from services.pipelines import StepSpec, create_pipeline


@pytest.fixture
def controller(ctx: ServiceContext) -> DatasourceController:
    """A controller on an isolated store that holds the two demo datasources."""
    ensure_demo(ctx)
    return DatasourceController(ctx)


_SERVER_FORM = DatasourceForm(
    name="hosxp main",
    db_type="mysql",
    database="hos",
    host="db01.hospital.local",
    port=3307,
    username="analyst",
    password="pw-secret-123",
)


def _server_form(**changes: Any) -> DatasourceForm:
    return replace(_SERVER_FORM, **changes)


def test_rows_never_contain_the_password_or_its_ciphertext(
    controller: DatasourceController, ctx: ServiceContext
) -> None:
    controller.add(_server_form())
    ciphertext = get_datasource(ctx, "hosxp main").password_encrypted
    assert ciphertext

    rows = controller.rows()

    for row in rows:
        shown = " ".join(str(value) for value in asdict(row).values()) + repr(row)
        assert "pw-secret-123" not in shown
        assert ciphertext not in shown
    assert {row.name: row.password for row in rows} == {
        DEMO_SOURCE: "no",
        DEMO_TARGET: "no",
        "hosxp main": "yes",
    }


def test_rows_show_where_each_datasource_lives(controller: DatasourceController) -> None:
    controller.add(_server_form())
    controller.add(_server_form(name="no port", port=None, password=""))

    rows = {row.name: row for row in controller.rows()}

    assert rows["hosxp main"].location == "db01.hospital.local:3307"
    assert (rows["hosxp main"].type, rows["hosxp main"].user) == ("mysql", "analyst")
    assert rows["no port"].location == "db01.hospital.local"
    assert rows[DEMO_SOURCE].location == "local file"
    assert rows[DEMO_SOURCE].database.endswith("demo_source.sqlite")
    assert controller.names() == [DEMO_SOURCE, DEMO_TARGET, "hosxp main", "no port"]


def test_add_turns_form_values_into_a_stored_datasource(
    controller: DatasourceController, ctx: ServiceContext
) -> None:
    # number_input can hand back a float; blank optional fields mean "not given".
    created = controller.add(_server_form(port=3306.0, username="  ", password="", schema=" "))

    stored = get_datasource(ctx, created.id)
    assert stored.port == 3306
    assert isinstance(stored.port, int)
    assert (stored.username, stored.schema, stored.has_password) == (None, None, False)


def test_add_keeps_the_password_verbatim_and_encrypted(
    controller: DatasourceController, ctx: ServiceContext
) -> None:
    controller.add(_server_form(password=" spaced pw "))

    stored = get_datasource(ctx, "hosxp main")
    assert stored.password_encrypted != " spaced pw "
    assert ctx.secrets.decrypt(stored.password_encrypted or "") == " spaced pw "


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"name": DEMO_SOURCE}, Conflict),
        ({"name": "  "}, InvalidInput),
        ({"port": 70000}, InvalidInput),
        ({"host": ""}, InvalidInput),
        ({"db_type": "mysqll"}, PluginNotFound),
    ],
)
def test_add_lets_the_service_error_through_and_stores_nothing(
    controller: DatasourceController,
    ctx: ServiceContext,
    changes: dict[str, Any],
    error: type[HisError],
) -> None:
    with pytest.raises(error) as raised:
        controller.add(_server_form(**changes))

    assert "\n" not in raised.value.message
    assert [datasource.name for datasource in list_datasources(ctx)] == [DEMO_SOURCE, DEMO_TARGET]


def test_delete_removes_the_datasource(
    controller: DatasourceController, ctx: ServiceContext
) -> None:
    controller.delete(DEMO_TARGET)

    assert controller.names() == [DEMO_SOURCE]
    with pytest.raises(DatasourceNotFound):
        get_datasource(ctx, DEMO_TARGET)


def test_delete_of_an_unknown_datasource_raises_not_found(
    controller: DatasourceController,
) -> None:
    with pytest.raises(DatasourceNotFound):
        controller.delete("nothing here")


def test_test_reports_the_sqlite_version(controller: DatasourceController) -> None:
    result = controller.test(DEMO_SOURCE)

    assert result.server_version == sqlite3.sqlite_version
    assert result.elapsed_ms >= 0


def test_test_of_a_missing_file_raises_a_one_line_his_error(
    controller: DatasourceController, tmp_path: Path
) -> None:
    missing = tmp_path / "gone.sqlite"
    controller.add(DatasourceForm(name="gone", db_type="sqlite", database=str(missing)))

    with pytest.raises(UnknownDatabase) as raised:
        controller.test("gone")

    assert raised.value.message == f"The SQLite file {str(missing)!r} does not exist."
    assert not missing.exists()  # mode=rw: testing must not create an empty database


def test_tables_and_columns_of_the_demo_source(controller: DatasourceController) -> None:
    tables = {table.name: table.row_estimate for table in controller.tables(DEMO_SOURCE)}
    assert tables == {"doctor": 3, "ovst": 5, "patient": 4}

    columns = {column.column: column for column in controller.columns(DEMO_SOURCE, "ovst")}

    assert list(columns) == ["vn", "hn", "vstdate", "vsttime", "doctor", "pttype"]
    assert columns["vn"].primary_key
    assert not columns["hn"].primary_key
    assert not columns["vstdate"].nullable
    assert columns["vstdate"].type == "TEXT"
    assert columns["pttype"].default == ""


def test_columns_of_an_unknown_table_raise_table_not_found(
    controller: DatasourceController,
) -> None:
    with pytest.raises(TableNotFound):
        controller.columns(DEMO_SOURCE, "no_such_table")


def test_db_types_come_from_the_dialect_registry(controller: DatasourceController) -> None:
    assert {"mysql", "postgresql", "sqlite", "mssql"} <= set(controller.db_types())


def test_delete_of_a_datasource_a_config_uses_is_refused_unless_forced(
    controller: DatasourceController, ctx: ServiceContext
) -> None:
    target = get_datasource(ctx, DEMO_TARGET)
    save_config(
        ctx,
        {
            "name": "visits",
            "target_datasource_id": str(target.id),
            "source_table": "ovst",
            "target_table": "ovst",
            "mappings": [{"source": "vn", "target": "vn"}],
        },
        check_live=False,  # the demo source holds no ovst: only the datasource's use is tested
    )

    with pytest.raises(Conflict) as refused:
        controller.delete(DEMO_TARGET)
    assert refused.value.message == (
        f"Datasource {DEMO_TARGET!r} is used by config visits; remove them first or use --force."
    )
    assert controller.names() == [DEMO_SOURCE, DEMO_TARGET]
    controller.delete(DEMO_TARGET, force=True)
    assert controller.names() == [DEMO_SOURCE]


def test_form_of_starts_the_edit_form_from_the_stored_fields_without_the_password(
    controller: DatasourceController,
) -> None:
    controller.add(_server_form(schema="hos"))

    form = controller.form_of("hosxp main")

    assert form == _server_form(password="", schema="hos")
    assert "pw-secret-123" not in repr(form)


def test_update_replaces_the_fields_and_a_blank_password_keeps_the_stored_one(
    controller: DatasourceController, ctx: ServiceContext
) -> None:
    controller.add(_server_form())

    controller.update(
        "hosxp main", _server_form(name="hosxp replica", host="db02.hospital.local", password="")
    )

    stored = get_datasource(ctx, "hosxp replica")
    assert (stored.host, stored.port) == ("db02.hospital.local", 3307)
    assert ctx.secrets.decrypt(stored.password_encrypted or "") == "pw-secret-123"
    assert controller.names() == [DEMO_SOURCE, DEMO_TARGET, "hosxp replica"]


def test_update_replaces_or_removes_the_password_as_the_form_says(
    controller: DatasourceController, ctx: ServiceContext
) -> None:
    controller.add(_server_form())

    controller.update("hosxp main", _server_form(password=" new pw "))
    assert ctx.secrets.decrypt(get_datasource(ctx, "hosxp main").password_encrypted or "") == (
        " new pw "
    )

    controller.update("hosxp main", _server_form(password="", remove_password=True))
    assert not get_datasource(ctx, "hosxp main").has_password


def test_update_with_a_new_password_and_remove_ticked_changes_nothing(
    controller: DatasourceController, ctx: ServiceContext
) -> None:
    controller.add(_server_form())

    with pytest.raises(InvalidInput) as refused:
        controller.update(
            "hosxp main", _server_form(host="elsewhere", password="x", remove_password=True)
        )

    assert refused.value.message == "Type a new password or remove the stored one, not both."
    stored = get_datasource(ctx, "hosxp main")
    assert stored.host == "db01.hospital.local"
    assert ctx.secrets.decrypt(stored.password_encrypted or "") == "pw-secret-123"


def test_usage_names_the_configs_and_pipelines_that_use_a_datasource(
    controller: DatasourceController, ctx: ServiceContext
) -> None:
    save_config(
        ctx,
        {
            "name": "visits",
            "target": DEMO_TARGET,
            "source_table": "ovst",
            "target_table": "ovst",
            "mappings": [{"source": "vn", "target": "vn"}],
        },
        check_live=False,
    )
    create_pipeline(ctx, "nightly", [StepSpec(name="visits", config="visits")])

    assert controller.usage(DEMO_TARGET) == "config visits and pipeline nightly"
    assert controller.usage(DEMO_SOURCE) == ""
