"""The Settings page's Saved configs and History tabs through Streamlit's AppTest, on a real
store with configs saved through the service: list, open, export, delete / restore, diff and
rollback."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from services import mapping
from services.context import ServiceContext
from services.datasources import get_datasource
from services.demo import DEMO_SOURCE, DEMO_TARGET
from services.errors import ConfigNotFound
from tests.e2e.dashboard import open_page
from tests.e2e.downloads import DownloadReader
from tests.e2e.downloads import served_files as served_files_fixture
from tests.e2e.settings_page import (
    CONFIG,
    rerun,
    save_three_versions,
    save_visits_config,
    shown_column,
    shown_table,
    texts,
)
from views.shared.handoff import MAPPER_CONFIG

pytestmark = pytest.mark.e2e

#: The shared fixture that reads what a download button serves (tests/e2e/downloads.py).
served_files = served_files_fixture


def test_configs_tab_lists_a_saved_config_with_its_version(installation: ServiceContext) -> None:
    save_visits_config(installation)
    mapping.update_config(installation, CONFIG, {"batch_size": 200}, check_live=False)
    at = open_page("settings")

    table = shown_table(at, "cfg_table").set_index("name")
    assert list(table.index) == [CONFIG]
    assert table.loc[CONFIG, "version"] == 2
    assert table.loc[CONFIG, "source"] == f"{DEMO_SOURCE}.ovst"
    assert table.loc[CONFIG, "target"] == f"{DEMO_TARGET}.visits"
    assert table.loc[CONFIG, "status"] == "live"
    assert table.loc[CONFIG, "changed"].endswith(" UTC")


def test_exports_download_the_config_as_json_and_typescript(
    installation: ServiceContext, served_files: DownloadReader
) -> None:
    save_visits_config(installation)
    stored = mapping.get_config(installation, CONFIG)
    at = open_page("settings")

    exported = json.loads(served_files(at, "cfg_export_json").decode("utf-8"))
    # The JSON names the datasources (it moves between installations), the store has ids.
    assert (exported.pop("source"), exported.pop("target")) == (DEMO_SOURCE, DEMO_TARGET)
    by_id = {
        "source_datasource_id": str(get_datasource(installation, DEMO_SOURCE).id),
        "target_datasource_id": str(get_datasource(installation, DEMO_TARGET).id),
    }
    assert {**exported, **by_id} == stored

    typescript = served_files(at, "cfg_export_ts").decode("utf-8")
    head, literal = typescript.split("export const opdVisitsConfig: MigrationConfig = ")
    assert "export interface MigrationConfig" in head
    assert json.loads(literal.removesuffix(" as const;\n")) == stored


def test_open_in_schema_mapper_hands_the_config_over(installation: ServiceContext) -> None:
    save_visits_config(installation)
    at = open_page("settings")
    at.button(key="cfg_open").click().run()

    assert not at.exception
    assert not at.error
    assert at.session_state[MAPPER_CONFIG] == CONFIG


def test_delete_then_restore_a_config(installation: ServiceContext) -> None:
    save_visits_config(installation)
    at = open_page("settings")
    assert at.button(key="cfg_delete").disabled
    rerun(at.checkbox(key="cfg_delete_confirm").check())
    rerun(at.button(key="cfg_delete").click())

    assert texts(at.success) == [
        f"Config {CONFIG!r} deleted (history kept; tick 'Show deleted configs' to restore it)."
    ]
    assert mapping.list_configs(installation) == []
    with pytest.raises(ConfigNotFound):
        mapping.get_config(installation, CONFIG)
    assert "No saved config yet — draft one in the Schema Mapper and save it." in texts(at.info)

    rerun(at.toggle(key="cfg_show_deleted").set_value(True))
    assert shown_table(at, "cfg_table").set_index("name").loc[CONFIG, "status"] == "deleted"
    rerun(at.button(key="cfg_restore").click())

    assert f"Config {CONFIG!r} restored as v2." in texts(at.success)
    record = mapping.get_config_record(installation, CONFIG)
    assert (record.version, record.deleted_at) == (2, None)
    assert (
        mapping.get_config(installation, CONFIG, version=2)["mappings"]
        == (mapping.get_config(installation, CONFIG, version=1)["mappings"])
    )
    assert shown_table(at, "cfg_table").set_index("name").loc[CONFIG, "status"] == "live"


def _open_history() -> AppTest:
    """The page, with the History tab showing the config's versions."""
    at = open_page("settings")
    return rerun(at.selectbox(key="hist_config").select(CONFIG))


def test_history_diff_between_v1_and_v3_shows_the_mapping_changes(
    installation: ServiceContext,
) -> None:
    save_three_versions(installation)
    at = _open_history()
    assert shown_column(at, "hist_versions", "version") == ["v1", "v2", "v3"]
    at.selectbox(key="hist_from").select(1)
    rerun(at.selectbox(key="hist_to").select(3))

    assert shown_table(at, "hist_diff_added").to_dict("records") == [
        {
            "target": "doctor_code",
            "source": "doctor",
            "transformers": "(none)",
            "validators": "(none)",
            "default": "(none)",
        }
    ]
    assert shown_table(at, "hist_diff_removed").to_dict("records") == [
        {
            "target": "hn",
            "source": "hn",
            "transformers": "HN_PAD(width=9)",
            "validators": "(none)",
            "default": "(none)",
        }
    ]
    assert shown_table(at, "hist_diff_changed").to_dict("records") == [
        {"mapping": "vstdate", "field": "transformers", "old": "(none)", "new": "BUDDHIST_TO_ISO"}
    ]
    assert shown_table(at, "hist_diff_settings").to_dict("records") == [
        {"setting": "batch_size", "old": "5000", "new": "1000"}
    ]


def test_rollback_saves_the_chosen_version_as_the_next_one(
    installation: ServiceContext,
) -> None:
    save_three_versions(installation)
    at = _open_history()
    rerun(at.selectbox(key="hist_rollback_version").select(1))
    rerun(at.button(key="hist_rollback").click())

    assert texts(at.success) == [f"Config {CONFIG!r} rolled back to v1, saved as v4."]
    assert [saved.version for saved in mapping.list_versions(installation, CONFIG)] == [1, 2, 3, 4]
    assert mapping.get_config(installation, CONFIG, version=4) == (
        mapping.get_config(installation, CONFIG, version=1)
    )
    assert shown_column(at, "hist_versions", "version") == ["v1", "v2", "v3", "v4"]
    # The page now shows what the rollback changed: v3 → v4 puts hn back.
    assert (at.selectbox(key="hist_from").value, at.selectbox(key="hist_to").value) == (3, 4)
    assert shown_column(at, "hist_diff_added", "target") == ["hn"]


def test_rollback_of_a_config_deleted_meanwhile_is_one_error_line(
    installation: ServiceContext,
) -> None:
    save_three_versions(installation)
    at = _open_history()
    mapping.delete_config(installation, CONFIG)  # elsewhere (CLI, API) after the page was drawn
    rerun(at.button(key="hist_rollback").click())

    assert texts(at.error) == [
        f"Mapping config {CONFIG!r} was deleted; restore it to use it again."
    ]
    assert [saved.version for saved in mapping.list_versions(installation, CONFIG)] == [1, 2, 3]
