"""Validation of mapping configs: each message names the field at fault."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict

from models.migration_config import LoadMode
from services.errors import InvalidConfig
from services.mapping import parse_config
from services.mapping.export import typescript_identifier
from utils.registry import Registry
from utils.text import location


class _Trim:
    name = "TRIM"

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")


class _HnPad:
    name = "HN_PAD"

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        width: int
        fill: str = "0"


class _Regex:
    name = "regex"

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        pattern: str


def registries() -> dict[str, Registry[Any]]:
    """Registries of their own: the unit tests need neither plugin package."""
    transformers: Registry[Any] = Registry("transformer")
    validators: Registry[Any] = Registry("validator")
    for plugin in (_Trim, _HnPad):
        transformers.add(plugin.name, plugin)
    validators.add(_Regex.name, _Regex)
    return {"transformers": transformers, "validators": validators}


def config(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "patients",
        "source_table": "patient",
        "target_table": "person",
        "mappings": [
            {"source": "hn", "target": "hn"},
            {"source": "pname", "target": "prefix"},
            {"source": "fname", "target": "first_name"},
        ],
    }
    data.update(overrides)
    return data


def error_of(data: dict[str, Any]) -> InvalidConfig:
    with pytest.raises(InvalidConfig) as caught:
        parse_config(data, **registries())
    return caught.value


def test_a_valid_config_gets_its_defaults() -> None:
    parsed = parse_config(config(), **registries())
    assert parsed.load_mode is LoadMode.APPEND
    assert parsed.batch_size == 5000
    assert parsed.mappings[0].transformers == []
    assert parsed.snapshot()["mappings"][2] == {
        "source": "fname",
        "target": "first_name",
        "transformers": [],
        "validators": [],
        "ignore": False,
        "default": None,
    }


def test_duplicate_target_names_both_mappings() -> None:
    mappings = config()["mappings"] + [
        {"source": "x", "target": "x"},
        {"source": "hn2", "target": "hn"},
    ]
    error = error_of(config(mappings=mappings))
    assert error.field == "mappings[4].target"
    assert str(error) == (
        "Invalid config: mappings[4].target: 'hn' is already the target of mappings[0]"
    )


def test_an_ignored_mapping_needs_no_target_and_does_not_clash() -> None:
    mappings = config()["mappings"] + [{"source": "hn", "ignore": True}] * 2
    assert len(parse_config(config(mappings=mappings), **registries()).mappings) == 5
    error = error_of(config(mappings=[{"source": "hn"}]))
    assert str(error) == "Invalid config: mappings[0].target: a target column is required"


def test_unknown_plugin_suggests_the_closest_name_in_its_own_spelling() -> None:
    mappings = [
        {"source": "hn", "target": "hn", "transformers": [{"name": "TRIM"}, {"name": "HN_PAF"}]}
    ]
    error = error_of(config(mappings=mappings))
    assert error.field == "mappings[0].transformers[1].name"
    assert str(error) == (
        "Invalid config: mappings[0].transformers[1].name: "
        "unknown transformer 'HN_PAF'; did you mean 'HN_PAD'?"
    )
    mappings[0]["transformers"] = [{"name": "hn_pad", "params": {"width": 8}}]
    mappings[0]["validators"] = [{"name": "oracle"}]
    error = error_of(config(mappings=mappings))
    assert (
        str(error) == "Invalid config: mappings[0].validators[0].name: unknown validator 'oracle'"
    )


def test_missing_and_unknown_params_name_the_parameter() -> None:
    mappings = config()["mappings"]
    mappings[2]["transformers"] = [{"name": "HN_PAD", "params": {"fill": "0"}}]
    error = error_of(config(mappings=mappings))
    assert error.field == "mappings[2].transformers[0].params.width"
    assert str(error) == "Invalid config: mappings[2].transformers[0].params.width: Field required"

    mappings[2]["transformers"] = [{"name": "HN_PAD", "params": {"width": 8, "widht": 9}}]
    mappings[1]["validators"] = [{"name": "regex"}]
    error = error_of(config(mappings=mappings))
    assert str(error) == (
        "Invalid config: mappings[1].validators[0].params.pattern: Field required (+1 more)"
    )


def test_params_are_coerced_and_stored_with_the_plugins_name() -> None:
    mappings = [{"source": "hn", "target": "hn", "transformers": [{"name": "hn_pad"}]}]
    mappings[0]["transformers"][0]["params"] = {"width": "8"}
    parsed = parse_config(config(mappings=mappings), **registries())
    assert parsed.snapshot()["mappings"][0]["transformers"] == [
        {"name": "HN_PAD", "params": {"width": 8}}
    ]


def test_upsert_needs_key_columns_that_are_mapped_targets() -> None:
    error = error_of(config(load_mode="upsert"))
    assert str(error) == (
        "Invalid config: key_columns: load_mode 'upsert' needs at least one key column"
    )
    error = error_of(config(load_mode="upsert", key_columns=["hn", "pname"]))
    assert error.field == "key_columns[1]"
    assert "'pname' is not the target of any mapping" in str(error)
    parsed = parse_config(config(load_mode="upsert", key_columns=["hn"]), **registries())
    assert parsed.key_columns == ["hn"]


def test_a_source_table_or_a_query_is_required_but_not_both() -> None:
    error = error_of(config(source_table=None))
    assert str(error) == (
        "Invalid config: source_table: a source_table or a generate_sql query is required"
    )
    error = error_of(config(generate_sql="SELECT 1"))
    assert error.field == "generate_sql"
    parsed = parse_config(
        config(source_table=None, generate_sql="SELECT hn FROM patient"), **registries()
    )
    assert parsed.source_table is None


@pytest.mark.parametrize(
    ("overrides", "field", "text"),
    [
        ({"batch_size": 0}, "batch_size", "greater than or equal to 1"),
        ({"batch_size": 1_000_001}, "batch_size", "less than or equal to 1000000"),
        ({"load_mode": "merge"}, "load_mode", "'append', 'truncate' or 'upsert'"),
        ({"target_tabel": "x"}, "target_tabel", "Extra inputs are not permitted"),
        ({"source_datasource_id": "abc"}, "source_datasource_id", "valid UUID"),
        ({"name": " "}, "name", "at least 1 character"),
        ({"target_table": ""}, "target_table", "at least 1 character"),
        ({"mappings": [{"target": "x", "default": [1]}]}, "mappings[0].default", "must be text"),
    ],
)
def test_field_errors_name_the_field(overrides: dict[str, Any], field: str, text: str) -> None:
    error = error_of(config(**overrides))
    assert error.field == field
    assert text in str(error)
    assert "\n" not in str(error)


def test_not_a_mapping_at_all() -> None:
    error = error_of(["not", "a", "dict"])  # type: ignore[arg-type]
    assert error.field == "config"


def test_format_location_and_typescript_identifiers() -> None:
    assert location(("mappings", 4, "target")) == "mappings[4].target"
    assert location(("key_columns", 0)) == "key_columns[0]"
    assert typescript_identifier("opd_visits") == "opdVisitsConfig"
    assert typescript_identifier("OPD visits v2") == "opdVisitsV2Config"
    assert typescript_identifier("2024-import") == "config2024ImportConfig"
    assert typescript_identifier("ผู้ป่วย") == "mappingConfig"
