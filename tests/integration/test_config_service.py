"""Mapping configs with version history, on each metadata store (SQLite, then PostgreSQL)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field

from services import datasources
from services import mapping as configs
from services.context import ServiceContext
from services.errors import ConfigNotFound, Conflict, InvalidConfig
from services.mapping import FieldChange


class _Pad:
    """A test transformer with one required parameter."""

    name = "TEST_PAD"

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        width: int = Field(ge=1)


class _NotEmpty:
    """A test validator without parameters."""

    name = "test_not_empty"

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")


@pytest.fixture
def test_plugins() -> Iterator[None]:
    """Registers the test plugins in the real registries, and removes them afterwards."""
    transformers, validators = configs.plugin_registries()
    transformers.add(_Pad.name, _Pad)
    validators.add(_NotEmpty.name, _NotEmpty)
    yield
    transformers.remove(_Pad.name)
    validators.remove(_NotEmpty.name)


def mapping(source: str | None, target: str | None, **fields: Any) -> dict[str, Any]:
    """A mapping item with every field present, as a stored snapshot has it."""
    item = {
        "source": source,
        "target": target,
        "transformers": [],
        "validators": [],
        "ignore": False,
        "default": None,
    }
    item.update(fields)
    return item


V1: dict[str, Any] = {
    "name": "opd_visits",
    "source_datasource_id": None,
    "source_table": "ovst",
    "generate_sql": None,
    "target_datasource_id": None,
    "target_table": "visits",
    "load_mode": "append",
    "key_columns": [],
    "batch_size": 5000,
    "source_key": [],
    "error_policy": "stop",
    "create_target_table": False,
    "mappings": [
        mapping("hn", "hn", transformers=[{"name": "TEST_PAD", "params": {"width": 8}}]),
        mapping("vstdate", "vstdate"),
        mapping("cid", "cid", validators=[{"name": "test_not_empty", "params": {}}]),
        mapping("old_col", None, ignore=True),
    ],
}
V2 = {**copy.deepcopy(V1), "batch_size": 1000}
V3: dict[str, Any] = {
    **copy.deepcopy(V1),
    "load_mode": "upsert",
    "key_columns": ["vn"],
    "batch_size": 2000,
    "mappings": [
        mapping("vn", "vn"),
        mapping("hn", "hn", transformers=[{"name": "TEST_PAD", "params": {"width": 10}}]),
        mapping("cid", "cid", default=""),
        mapping("vstdate", "visit_date"),
        mapping("old_col", None, ignore=True),
    ],
}


@pytest.fixture
def three_versions(store_ctx: ServiceContext, test_plugins: None) -> ServiceContext:
    """`opd_visits` saved three times: V1, V2, V3."""
    for data, summary in ((V1, "first"), (V2, "smaller batches"), (V3, "upsert on vn")):
        configs.save_config(store_ctx, copy.deepcopy(data), summary=summary)
    return store_ctx


def test_every_save_is_a_new_version_with_its_full_snapshot(three_versions) -> None:
    ctx = three_versions
    versions = configs.list_versions(ctx, "opd_visits")
    assert [(v.version, v.change_summary) for v in versions] == [
        (1, "first"),
        (2, "smaller batches"),
        (3, "upsert on vn"),
    ]
    assert [v.snapshot for v in versions] == [V1, V2, V3]
    assert configs.get_config(ctx, "opd_visits") == V3
    assert configs.get_config(ctx, "opd_visits", version=2) == V2
    [record] = configs.list_configs(ctx)
    assert (record.name, record.version, record.source_table, record.target_table) == (
        "opd_visits",
        3,
        "ovst",
        "visits",
    )


def test_diff_lists_fields_and_mappings_added_removed_modified(three_versions) -> None:
    diff = configs.compare_config_versions(three_versions, "opd_visits", 1, 3)
    assert diff.fields == [
        FieldChange("load_mode", "append", "upsert"),
        FieldChange("key_columns", [], ["vn"]),
        FieldChange("batch_size", 5000, 2000),
    ]
    assert [item["target"] for item in diff.added] == ["vn", "visit_date"]
    assert [item["target"] for item in diff.removed] == ["vstdate"]
    assert [(m.key, m.changes) for m in diff.modified] == [
        (
            "hn",
            [
                FieldChange(
                    "transformers",
                    [{"name": "TEST_PAD", "params": {"width": 8}}],
                    [{"name": "TEST_PAD", "params": {"width": 10}}],
                )
            ],
        ),
        (
            "cid",
            [
                FieldChange("validators", [{"name": "test_not_empty", "params": {}}], []),
                FieldChange("default", None, ""),
            ],
        ),
    ]
    same = configs.compare_config_versions(three_versions, "opd_visits", 2, 2)
    assert same.is_empty


def test_rollback_delete_restore_keep_every_version(three_versions) -> None:
    ctx = three_versions
    rolled = configs.rollback_config(ctx, "opd_visits", 1)
    assert (rolled.version, rolled.change_summary) == (4, "rollback to v1")
    assert configs.get_config(ctx, "opd_visits") == V1
    assert configs.get_config(ctx, "opd_visits", version=2) == V2
    assert configs.get_config(ctx, "opd_visits", version=3) == V3

    configs.delete_config(ctx, "opd_visits")
    assert configs.list_configs(ctx) == []
    assert len(configs.list_versions(ctx, "opd_visits")) == 4
    with pytest.raises(ConfigNotFound, match="was deleted"):
        configs.get_config(ctx, "opd_visits")
    with pytest.raises(Conflict, match="restore"):
        configs.save_config(ctx, copy.deepcopy(V2))

    restored = configs.restore_config(ctx, "opd_visits")
    assert restored.version == 5
    assert [c.name for c in configs.list_configs(ctx)] == ["opd_visits"]
    assert configs.get_config(ctx, "opd_visits") == V1
    with pytest.raises(Conflict, match="not deleted"):
        configs.restore_config(ctx, "opd_visits")


def test_saving_the_same_config_again_is_refused(three_versions) -> None:
    with pytest.raises(Conflict, match="nothing changed since v3"):
        configs.save_config(three_versions, copy.deepcopy(V3))
    with pytest.raises(Conflict, match="nothing changed since v3"):
        configs.rollback_config(three_versions, "opd_visits", 3)
    assert len(configs.list_versions(three_versions, "opd_visits")) == 3


def test_unknown_names_and_versions_are_not_found(three_versions) -> None:
    ctx = three_versions
    for call in (
        lambda: configs.get_config(ctx, "nope"),
        lambda: configs.list_versions(ctx, "nope"),
        lambda: configs.delete_config(ctx, "nope"),
        lambda: configs.restore_config(ctx, "nope"),
        lambda: configs.rollback_config(ctx, "nope", 1),
    ):
        with pytest.raises(ConfigNotFound, match="No mapping config called 'nope'"):
            call()
    with pytest.raises(ConfigNotFound, match="has no version 9 .it has v1 to v3"):
        configs.get_config(ctx, "opd_visits", version=9)
    with pytest.raises(ConfigNotFound, match="has no version 0"):
        configs.compare_config_versions(ctx, "opd_visits", 0, 3)
    with pytest.raises(ConfigNotFound, match="has no version 4"):
        configs.rollback_config(ctx, "opd_visits", 4)


def test_invalid_config_names_the_field_and_saves_nothing(three_versions) -> None:
    ctx = three_versions
    broken = copy.deepcopy(V3)
    broken["mappings"][1]["transformers"][0]["params"] = {}
    with pytest.raises(InvalidConfig) as caught:
        configs.save_config(ctx, broken)
    assert caught.value.field == "mappings[1].transformers[0].params.width"
    assert str(caught.value) == (
        "Invalid config: mappings[1].transformers[0].params.width: Field required"
    )
    assert len(configs.list_versions(ctx, "opd_visits")) == 3
    assert configs.get_config(ctx, "opd_visits") == V3

    new_one = {**copy.deepcopy(V1), "name": "ipd", "batch_size": 0}
    with pytest.raises(InvalidConfig, match="batch_size"):
        configs.save_config(ctx, new_one)
    with pytest.raises(ConfigNotFound):
        configs.list_versions(ctx, "ipd")


def test_datasource_ids_must_exist(store_ctx: ServiceContext, test_plugins: None) -> None:
    source = datasources.create_datasource(
        store_ctx, name="legacy", db_type="sqlite", database="legacy.db"
    )
    data = {**copy.deepcopy(V1), "source_datasource_id": str(source.id)}
    # Offline: the file is never created; this is about the stored ids, not the live schema.
    saved = configs.save_config(store_ctx, data, check_live=False)
    assert saved.snapshot["source_datasource_id"] == str(source.id)
    [record] = configs.list_configs(store_ctx)
    assert record.source_datasource_id == source.id

    data["target_datasource_id"] = "00000000-0000-4000-8000-000000000000"
    with pytest.raises(InvalidConfig, match="target_datasource_id: no datasource has id"):
        configs.save_config(store_ctx, data, check_live=False)


def test_json_export_imports_back_as_a_new_version(three_versions) -> None:
    ctx = three_versions
    text = configs.export_config(ctx, "opd_visits", format="json", version=1)
    # Datasources are exported by name, in the place of their ids (none here).
    named = {{"source_datasource_id": "source", "target_datasource_id": "target"}.get(k, k): v
             for k, v in V1.items()}  # fmt: skip
    assert json.loads(text) == named
    imported = configs.import_config(ctx, text)
    assert (imported.version, imported.change_summary) == (4, "imported")
    assert configs.get_config(ctx, "opd_visits") == V1
    with pytest.raises(InvalidConfig, match="Not valid JSON: line 1"):
        configs.import_config(ctx, "{not json")


def test_real_plugins_validate_and_are_stored_by_their_own_name(store_ctx) -> None:
    data = copy.deepcopy(V1)
    data["mappings"] = [
        mapping(
            "hn",
            "hn",
            transformers=[{"name": "trim"}, {"name": "HN_PAD", "params": {"width": 9}}],
            validators=[{"name": "NOT_NULL"}, {"name": "regex", "params": {"pattern": "^[0-9]+$"}}],
        ),
        mapping("birthday", "birth_date", transformers=[{"name": "BUDDHIST_TO_ISO"}]),
    ]
    saved = configs.save_config(store_ctx, data)
    [hn, birth] = saved.snapshot["mappings"]
    assert [call["name"] for call in hn["transformers"]] == ["TRIM", "HN_PAD"]
    assert hn["transformers"][1]["params"] == {"width": 9}
    assert [call["name"] for call in hn["validators"]] == ["not_null", "regex"]
    assert birth["transformers"] == [{"name": "BUDDHIST_TO_ISO", "params": {}}]

    data["mappings"][0]["transformers"][1]["params"] = {"width": 0}
    with pytest.raises(
        InvalidConfig, match=r"transformers\[1\]\.params\.width: Input should be gr"
    ):
        configs.save_config(store_ctx, data)
    data["mappings"][0]["transformers"][1]["params"] = {"width": 9}
    data["mappings"][0]["validators"][1]["params"] = {}
    with pytest.raises(InvalidConfig, match=r"validators\[1\]\.params\.pattern: Field required"):
        configs.save_config(store_ctx, data)
    data["mappings"][0]["validators"][1]["params"] = {"pattern": "^[0-9]+$"}
    data["mappings"][1]["transformers"] = [{"name": "BUDHIST_TO_ISO"}]
    with pytest.raises(InvalidConfig, match="did you mean 'BUDDHIST_TO_ISO'"):
        configs.save_config(store_ctx, data)
    assert len(configs.list_versions(store_ctx, "opd_visits")) == 1
