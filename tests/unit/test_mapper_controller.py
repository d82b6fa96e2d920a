"""The Schema Mapper's pure page logic: the editor's draft and the plugins' parameter forms."""

from __future__ import annotations

from dataclasses import replace

import pytest

from controllers.mapper_draft import (
    ColumnMapping,
    PluginUse,
    SourceRef,
    SuggestedRow,
    config_mappings,
    draft_from_config,
    fit_to_target,
    key_columns,
    new_draft,
    with_plugin_names,
    with_row,
    with_suggestions,
)
from controllers.mapper_plugins import (
    NOT_GIVEN,
    ParamField,
    param_field,
    stored_value,
    transformer_forms,
    validator_forms,
    with_param,
)
from services.errors import InvalidInput

SOURCE = SourceRef("live", "his", "patient")


def test_a_new_draft_has_one_unmapped_row_per_column_and_refuses_to_save_them() -> None:
    draft = new_draft(SOURCE, ["hn", "fname", "cid"])
    assert [row.source for row in draft.rows] == ["hn", "fname", "cid"]
    with pytest.raises(InvalidInput, match=r"for: hn, fname, cid\.$"):
        config_mappings(draft)


def test_rows_become_mappings_in_source_order_ignored_ones_without_a_target() -> None:
    draft = new_draft(SOURCE, ["hn", "fname", "cid"])
    draft = with_row(draft, "hn", target="hn")
    draft = with_plugin_names(draft, "hn", "transformers", ["HN_PAD"])
    draft = with_row(draft, "fname", target="first_name", ignore=True)
    draft = with_row(draft, "cid", target="citizen_id")
    draft = with_plugin_names(draft, "cid", "validators", ["cid_checksum"])
    assert config_mappings(draft) == [
        {"source": "hn", "target": "hn", "transformers": [{"name": "HN_PAD"}]},
        {"source": "fname", "ignore": True},
        {"source": "cid", "target": "citizen_id", "validators": [{"name": "cid_checksum"}]},
    ]


def test_choosing_plugins_again_keeps_the_parameters_of_those_kept() -> None:
    draft = new_draft(SOURCE, ["hn"])
    draft = with_row(draft, "hn", transformers=(PluginUse("HN_PAD", {"width": 8}),))
    draft = with_plugin_names(draft, "hn", "transformers", ["TRIM", "HN_PAD"])
    assert draft.row("hn").transformers == (PluginUse("TRIM"), PluginUse("HN_PAD", {"width": 8}))


def test_a_parameter_still_being_typed_blocks_the_save_and_is_named() -> None:
    use = PluginUse("VALUE_MAP", unparsed={"mapping": '{"1": '})
    draft = with_row(new_draft(SOURCE, ["sex"]), "sex", target="sex", transformers=(use,))
    with pytest.raises(InvalidInput, match=r"not valid JSON: sex: VALUE_MAP mapping\.$"):
        config_mappings(draft)


def test_suggestions_fill_their_rows_and_a_column_without_a_counterpart_is_ignored() -> None:
    draft = with_row(new_draft(SOURCE, ["hn", "addrpart", "note"]), "note", target="remark")
    suggested = [
        SuggestedRow("hn", "hn", 0.98, ("dictionary",), transformers=(PluginUse("TRIM"),)),
        SuggestedRow("addrpart", None, 0.9, ("no counterpart",)),
    ]
    rows = with_suggestions(draft, suggested).rows
    assert (rows[0].target, rows[0].ignore, rows[0].transformers) == (
        "hn",
        False,
        (PluginUse("TRIM"),),
    )
    assert rows[0].suggested is not None and rows[0].suggested.confidence == 0.98
    assert (rows[1].target, rows[1].ignore) == (None, True)
    assert rows[2] == ColumnMapping("note", target="remark")  # no suggestion: left alone


def test_fitting_to_a_target_clears_what_it_lacks_and_a_new_table_takes_source_names() -> None:
    draft = with_row(new_draft(SOURCE, ["hn", "fname"]), "hn", target="hn_old")
    fitted, cleared = fit_to_target(draft, ["hn", "first_name"])
    assert cleared == ["hn"] and fitted.row("hn").target is None
    created, cleared = fit_to_target(draft, None)
    assert cleared == [] and [row.target for row in created.rows] == ["hn_old", "fname"]


def test_key_columns_default_to_the_targets_of_the_source_primary_key() -> None:
    draft = with_row(new_draft(SOURCE, ["hn", "vn"]), "hn", target="patient_hn")
    assert key_columns(draft, ["hn", "vn"]) == ["patient_hn"]  # vn is not mapped
    assert key_columns(replace(draft, key_columns=("visit",)), ["hn"]) == ["visit"]


def test_a_saved_config_opens_over_the_source_columns_and_keeps_what_no_row_shows() -> None:
    snapshot = {
        "load_mode": "upsert",
        "error_policy": "quarantine",
        "key_columns": ["hn"],
        "mappings": [
            {"source": "hn", "target": "hn",
             "transformers": [{"name": "HN_PAD", "params": {"width": 8}}],
             "validators": [], "ignore": False, "default": None},
            {"source": "hn", "target": "hn_copy", "transformers": [], "validators": [],
             "ignore": False, "default": None},
            {"source": None, "target": "source_system", "default": "HOSxP"},
        ],
    }  # fmt: skip
    draft = draft_from_config(snapshot, SOURCE, ["hn", "fname"], "patients")
    assert draft.row("hn").transformers == (PluginUse("HN_PAD", {"width": 8}),)
    assert draft.row("fname").ignore  # no mapping reads it
    assert [item["target"] for item in draft.kept] == ["hn_copy", "source_system"]
    assert (draft.load_mode, draft.error_policy, draft.key_columns) == (
        "upsert",
        "quarantine",
        ("hn",),
    )
    assert config_mappings(draft)[-2:] == [dict(item) for item in draft.kept]


@pytest.mark.parametrize(
    ("schema", "kind"),
    [
        ({"type": "boolean", "default": True}, "bool"),
        ({"type": "string", "enum": ["null", "keep"], "default": "null"}, "choice"),
        ({"type": "integer", "minimum": 1, "maximum": 30, "default": 9}, "int"),
        ({"anyOf": [{"type": "string"}, {"type": "null"}], "default": None}, "text"),
        # range_check's bound: a number or an ISO date, typed as text and read by the plugin.
        ({"anyOf": [{"type": "number"}, {"type": "string", "format": "date"}, {"type": "null"}]},
         "text"),
        ({"anyOf": [{"type": "object"}, {"type": "null"}], "default": None}, "json"),
        ({"anyOf": [{"$ref": "#/$defs/LookupTable"}, {"type": "null"}]}, "json"),
    ],
)  # fmt: skip
def test_each_parameter_schema_gets_its_kind_of_field(schema: dict, kind: str) -> None:
    assert param_field("p", schema, required=False).kind == kind


def test_every_registered_plugin_has_a_form_for_each_parameter() -> None:
    forms = transformer_forms()
    width = next(field for field in forms["HN_PAD"].fields if field.name == "width")
    assert (width.kind, width.default, width.minimum, width.maximum) == ("int", 9, 1, 30)
    pattern = next(field for field in validator_forms()["regex"].fields if field.name == "pattern")
    assert (pattern.kind, pattern.required) == ("text", True)


def test_only_parameters_that_differ_from_the_default_are_stored() -> None:
    width = ParamField("width", "int", default=9)
    assert with_param({}, width, 8) == {"width": 8}
    assert with_param({"width": 8}, width, 9) == {}
    text = ParamField("input_format", "text")
    assert with_param({"input_format": "%d"}, text, stored_value(text, "  ")) == {}
    required = ParamField("pattern", "text", required=True)
    assert with_param({}, required, "[12]") == {"pattern": "[12]"}


def test_a_json_parameter_is_parsed_and_a_broken_one_says_where() -> None:
    mapping = ParamField("mapping", "json")
    assert stored_value(mapping, '{"1": "M"}') == {"1": "M"}
    assert stored_value(mapping, "") is NOT_GIVEN
    with pytest.raises(InvalidInput, match=r"mapping: not valid JSON \(line 1, column 6\)"):
        stored_value(mapping, '{"1": ')
