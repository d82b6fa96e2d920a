"""ConfigController on a real (SQLite) metadata store with the demo datasources."""

from __future__ import annotations

import json

import pytest

from controllers.config_controller import ConfigController
from services.context import ServiceContext
from services.demo import DEMO_SOURCE, DEMO_TARGET, ensure_demo
from services.errors import ConfigNotFound, Conflict
from services.mapping import delete_config, get_config, save_config, update_config

NAME = "opd visits/2567"


@pytest.fixture
def controller(ctx: ServiceContext) -> ConfigController:
    """A controller on an isolated store holding the demo and one config saved twice."""
    ensure_demo(ctx)
    config = {
        "name": NAME,
        "source": DEMO_SOURCE,
        "target": DEMO_TARGET,
        "source_table": "ovst",
        "target_table": "visits",
        "mappings": [{"source": "vn", "target": "vn"}],
    }
    save_config(ctx, config, check_live=False)
    update_config(ctx, NAME, {"batch_size": 100}, check_live=False)
    return ConfigController(ctx)


def test_rows_show_each_end_as_datasource_and_table(controller: ConfigController) -> None:
    [row] = controller.rows()

    assert (row.name, row.version, row.status) == (NAME, 2, "live")
    assert (row.source, row.target) == (f"{DEMO_SOURCE}.ovst", f"{DEMO_TARGET}.visits")


def test_deleted_configs_are_listed_only_on_request(
    controller: ConfigController, ctx: ServiceContext
) -> None:
    delete_config(ctx, NAME)

    assert controller.rows() == []
    assert [(row.name, row.status) for row in controller.rows(include_deleted=True)] == [
        (NAME, "deleted")
    ]


def test_export_names_the_file_safely_and_carries_the_config(
    controller: ConfigController, ctx: ServiceContext
) -> None:
    exported = controller.export(NAME, "json")

    assert (exported.file_name, exported.mime) == ("opd_visits_2567.json", "application/json")
    assert json.loads(exported.content)["batch_size"] == get_config(ctx, NAME)["batch_size"]
    assert controller.export(NAME, "ts").file_name == "opd_visits_2567.ts"


def test_rollback_returns_the_new_version_and_refuses_an_unchanged_one(
    controller: ConfigController,
) -> None:
    assert controller.rollback(NAME, 1) == 3
    assert [row.summary for row in controller.versions(NAME)][-1] == "rollback to v1"
    with pytest.raises(Conflict):
        controller.rollback(NAME, 1)


def test_versions_of_an_unknown_config_raise_not_found(controller: ConfigController) -> None:
    with pytest.raises(ConfigNotFound):
        controller.versions("no such config")
