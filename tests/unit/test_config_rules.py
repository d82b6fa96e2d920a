"""The mapping-config service's rules (versions, diff, rollback, restore) on the in-memory store."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any

import pytest

from services import datasources
from services import mapping as configs
from services.context import ServiceContext
from services.errors import ConfigNotFound, Conflict, InvalidConfig
from services.mapping import FieldChange
from tests.fakes import FakeStore, RivalFirstUnitOfWork, fake_context


@pytest.fixture
def ctx(tmp_path: Path) -> ServiceContext:
    """A service context on an empty in-memory store (not the SQLite one of conftest)."""
    return fake_context(tmp_path)


def mapping(source: str | None, target: str | None, **fields: Any) -> dict[str, Any]:
    """A mapping item with every field present, as a stored snapshot has it."""
    return {
        "source": source,
        "target": target,
        "transformers": [],
        "validators": [],
        "ignore": False,
        "default": None,
        **fields,
    }


# Real built-in plugins, each under its own spelling, as a saved snapshot stores them.
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
        mapping("hn", "hn", transformers=[{"name": "HN_PAD", "params": {"width": 8}}]),
        mapping("vstdate", "vstdate", transformers=[{"name": "BUDDHIST_TO_ISO", "params": {}}]),
        mapping("cid", "cid", validators=[{"name": "not_null", "params": {}}]),
    ],
}
V2 = {**copy.deepcopy(V1), "batch_size": 1000}
V3: dict[str, Any] = {
    **copy.deepcopy(V1),
    "load_mode": "upsert",
    "key_columns": ["vn"],
    "mappings": [
        mapping("vn", "vn"),
        mapping("hn", "hn", transformers=[{"name": "HN_PAD", "params": {"width": 10}}]),
        mapping("cid", "cid", default=""),
    ],
}


@pytest.fixture
def saved(ctx: ServiceContext) -> ServiceContext:
    """`opd_visits` saved three times: V1, V2, V3."""
    for data, summary in ((V1, "first"), (V2, "smaller batches"), (V3, "upsert on vn")):
        configs.save_config(ctx, copy.deepcopy(data), summary=summary)
    return ctx


def test_every_save_is_a_new_version_with_its_full_snapshot(saved: ServiceContext) -> None:
    versions = configs.list_versions(saved, "opd_visits")
    assert [(v.version, v.change_summary) for v in versions] == [
        (1, "first"),
        (2, "smaller batches"),
        (3, "upsert on vn"),
    ]
    assert [v.snapshot for v in versions] == [V1, V2, V3]
    assert len({v.config_id for v in versions}) == 1
    assert configs.get_config(saved, "opd_visits") == V3
    [record] = configs.list_configs(saved)
    assert (record.name, record.version, record.content, record.source_table) == (
        "opd_visits",
        3,
        V3,
        "ovst",
    )


def test_a_lowercase_plugin_name_is_stored_as_the_plugin_spells_it(ctx: ServiceContext) -> None:
    data = copy.deepcopy(V1)
    data["mappings"][0]["transformers"] = [{"name": "hn_pad", "params": {"width": "8"}}]
    data["mappings"][2]["validators"] = [{"name": "NOT_NULL"}]
    assert configs.save_config(ctx, data).snapshot == V1


def test_saving_identical_content_is_refused_and_adds_no_version(saved: ServiceContext) -> None:
    with pytest.raises(Conflict) as caught:
        configs.save_config(saved, copy.deepcopy(V3), summary="again")
    assert caught.value.message == "Config 'opd_visits': nothing changed since v3."
    assert len(configs.list_versions(saved, "opd_visits")) == 3


def test_any_version_can_be_read_back(saved: ServiceContext) -> None:
    assert configs.get_config(saved, "opd_visits", version=1) == V1
    assert configs.get_config(saved, "opd_visits", version=2) == V2
    with pytest.raises(ConfigNotFound) as caught:
        configs.get_config(saved, "opd_visits", version=9)
    assert caught.value.message == "Mapping config 'opd_visits' has no version 9 (it has v1 to v3)."


def test_comparing_versions_lists_fields_and_mappings_that_changed(saved: ServiceContext) -> None:
    diff = configs.compare_config_versions(saved, "opd_visits", 1, 3)
    assert diff.fields == [
        FieldChange("load_mode", "append", "upsert"),
        FieldChange("key_columns", [], ["vn"]),
    ]
    assert [item["target"] for item in diff.added] == ["vn"]
    assert [item["target"] for item in diff.removed] == ["vstdate"]
    assert [(m.key, m.changes) for m in diff.modified] == [
        (
            "hn",
            [
                FieldChange(
                    "transformers",
                    [{"name": "HN_PAD", "params": {"width": 8}}],
                    [{"name": "HN_PAD", "params": {"width": 10}}],
                )
            ],
        ),
        (
            "cid",
            [
                FieldChange("validators", [{"name": "not_null", "params": {}}], []),
                FieldChange("default", None, ""),
            ],
        ),
    ]
    assert configs.compare_config_versions(saved, "opd_visits", 1, 2).fields == [
        FieldChange("batch_size", 5000, 1000)
    ]
    assert configs.compare_config_versions(saved, "opd_visits", 2, 2).is_empty


def test_rollback_saves_the_old_snapshot_as_a_new_version(saved: ServiceContext) -> None:
    rolled = configs.rollback_config(saved, "opd_visits", 1)
    assert (rolled.version, rolled.change_summary, rolled.snapshot) == (4, "rollback to v1", V1)
    assert configs.get_config(saved, "opd_visits") == V1
    assert [v.snapshot for v in configs.list_versions(saved, "opd_visits")] == [V1, V2, V3, V1]
    with pytest.raises(Conflict, match="nothing changed since v4"):
        configs.rollback_config(saved, "opd_visits", 1)
    with pytest.raises(ConfigNotFound, match=r"has no version 5 \(it has v1 to v4\)"):
        configs.rollback_config(saved, "opd_visits", 5)


def test_delete_hides_the_config_and_restore_brings_it_back(saved: ServiceContext) -> None:
    configs.delete_config(saved, "opd_visits")
    assert configs.list_configs(saved) == []
    assert len(configs.list_versions(saved, "opd_visits")) == 3
    assert configs.get_config(saved, "opd_visits", version=2) == V2  # history stays readable
    deleted = "Mapping config 'opd_visits' was deleted; restore it to use it again."
    for call in (
        lambda: configs.get_config(saved, "opd_visits"),
        lambda: configs.load_config(saved, "opd_visits"),
        lambda: configs.delete_config(saved, "opd_visits"),
        lambda: configs.rollback_config(saved, "opd_visits", 1),
    ):
        with pytest.raises(ConfigNotFound) as caught:
            call()
        assert caught.value.message == deleted
    with pytest.raises(Conflict) as refused:
        configs.save_config(saved, copy.deepcopy(V2))
    assert refused.value.message == (
        "Config 'opd_visits' was deleted; restore it before saving a new version."
    )

    restored = configs.restore_config(saved, "opd_visits")
    assert (restored.version, restored.change_summary, restored.snapshot) == (
        4,
        "restored from v3",
        V3,
    )
    assert [(c.name, c.version, c.deleted_at) for c in configs.list_configs(saved)] == [
        ("opd_visits", 4, None)
    ]
    with pytest.raises(Conflict, match="Config 'opd_visits' is not deleted; nothing to restore."):
        configs.restore_config(saved, "opd_visits")


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            lambda d: d["mappings"][1]["transformers"].__setitem__(0, {"name": "BUDHIST_TO_ISO"}),
            "mappings[1].transformers[0].name",
            "Invalid config: mappings[1].transformers[0].name: unknown transformer "
            "'BUDHIST_TO_ISO'; did you mean 'BUDDHIST_TO_ISO'?",
        ),
        (
            lambda d: d["mappings"][2]["validators"].__setitem__(0, {"name": "not_nul"}),
            "mappings[2].validators[0].name",
            "Invalid config: mappings[2].validators[0].name: unknown validator 'not_nul'; "
            "did you mean 'not_null'?",
        ),
        (
            lambda d: d["mappings"][0]["transformers"][0]["params"].update(width=0),
            "mappings[0].transformers[0].params.width",
            "Invalid config: mappings[0].transformers[0].params.width: "
            "Input should be greater than or equal to 1",
        ),
        (
            lambda d: d.update(batch_size="lots"),
            "batch_size",
            "Invalid config: batch_size: Input should be a valid integer, unable to parse "
            "string as an integer",
        ),
        (
            lambda d: d.update(load_mode="upsert"),
            "key_columns",
            "Invalid config: key_columns: load_mode 'upsert' needs at least one key column",
        ),
        (
            lambda d: d.update(target_table=" ", batch_size=0),
            "target_table",
            "Invalid config: target_table: String should have at least 1 character (+1 more)",
        ),
        (
            lambda d: d.update(name=" "),
            "name",
            "Invalid config: name: String should have at least 1 character",
        ),
        (
            lambda d: d.pop("name"),
            "name",
            "Invalid config: name: Field required",
        ),
        (
            lambda d: d.update(colour="red"),
            "colour",
            "Invalid config: colour: Extra inputs are not permitted",
        ),
    ],
    ids=[
        "unknown-transformer",
        "unknown-validator",
        "bad-param",
        "bad-type",
        "upsert-no-key",
        "two-problems",
        "blank-name",
        "no-name",
        "unknown-field",
    ],
)
def test_an_invalid_config_names_the_field_and_nothing_is_saved(
    saved: ServiceContext, change: Any, field: str, message: str
) -> None:
    broken = copy.deepcopy(V1)
    change(broken)
    with pytest.raises(InvalidConfig) as caught:
        configs.save_config(saved, broken)
    assert (caught.value.field, caught.value.message) == (field, message)
    assert len(configs.list_versions(saved, "opd_visits")) == 3
    assert configs.get_config(saved, "opd_visits") == V3


def test_a_new_name_starts_at_v1_and_unknown_names_are_not_found(saved: ServiceContext) -> None:
    assert configs.save_config(saved, {**copy.deepcopy(V1), "name": " ipd "}).version == 1
    assert [c.name for c in configs.list_configs(saved)] == ["ipd", "opd_visits"]
    for call in (
        lambda: configs.get_config(saved, "nope"),
        lambda: configs.list_versions(saved, "nope"),
        lambda: configs.delete_config(saved, "nope"),
        lambda: configs.restore_config(saved, "nope"),
        lambda: configs.rollback_config(saved, "nope", 1),
        lambda: configs.load_config(saved, "nope"),
    ):
        with pytest.raises(ConfigNotFound) as caught:
            call()
        assert caught.value.message == "No mapping config called 'nope'."


def test_a_config_is_loaded_by_name_or_id(saved: ServiceContext) -> None:
    [record] = configs.list_configs(saved)
    for key in ("opd_visits", " opd_visits ", record.id, f" {record.id} "):
        loaded = configs.load_config(saved, key)
        assert (loaded.name, loaded.load_mode, loaded.key_columns) == (
            "opd_visits",
            "upsert",
            ["vn"],
        )


def test_datasource_ids_must_exist_and_a_deleted_one_is_let_go(ctx: ServiceContext) -> None:
    legacy = datasources.create_datasource(ctx, name="legacy", db_type="sqlite", database="a.db")
    data = {**copy.deepcopy(V1), "source_datasource_id": str(legacy.id)}
    # Offline: a.db is never created; this is about the stored ids, not the live schema.
    configs.save_config(ctx, copy.deepcopy(data), check_live=False)
    missing = "00000000-0000-4000-8000-000000000000"
    with pytest.raises(InvalidConfig) as caught:
        configs.save_config(ctx, {**data, "target_datasource_id": missing}, check_live=False)
    assert caught.value.message == (
        f"Invalid config: target_datasource_id: no datasource has id {missing}."
    )
    assert caught.value.field == "target_datasource_id"

    datasources.delete_datasource(ctx, "legacy", force=True)
    [record] = configs.list_configs(ctx)
    assert record.source_datasource_id is None  # ON DELETE SET NULL
    assert record.content["source_datasource_id"] == str(legacy.id)  # the JSON is kept


def test_two_saves_at_once_the_second_is_told_to_reload(tmp_path: Path) -> None:
    store = FakeStore()
    plain = fake_context(tmp_path, store=store)
    configs.save_config(plain, copy.deepcopy(V1))
    rival = lambda: configs.save_config(plain, copy.deepcopy(V2), summary="rival")  # noqa: E731
    racing = dataclasses.replace(plain, uow_factory=lambda: RivalFirstUnitOfWork(store, rival))
    with pytest.raises(Conflict) as caught:
        configs.save_config(racing, copy.deepcopy(V3), summary="loser")
    assert caught.value.message == (
        "Config 'opd_visits' was saved by someone else just now; reload and try again."
    )
    versions = configs.list_versions(plain, "opd_visits")
    assert [(v.version, v.change_summary) for v in versions] == [(1, None), (2, "rival")]
    assert configs.get_config(plain, "opd_visits") == V2
