"""A config's version diff made readable (controllers/config_diff.py): pure, no store."""

from __future__ import annotations

import uuid

import pytest

from controllers.config_diff import (
    MappingFieldChange,
    MappingLine,
    SettingChange,
    readable,
    readable_diff,
)
from services.mapping import ConfigDiff, FieldChange, MappingChange


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "(none)"),
        ([], "(none)"),
        (True, "yes"),
        (False, "no"),
        (5000, "5000"),
        ("vstdate", "vstdate"),
        (["hn", "vn"], "hn, vn"),
        ([{"name": "TRIM", "params": {}}], "TRIM"),
        (
            [
                {"name": "HN_PAD", "params": {"width": 9}},
                {"name": "VALUE_MAP", "params": {"m": "ก"}},
            ],
            'HN_PAD(width=9), VALUE_MAP(m="ก")',
        ),
    ],
)
def test_readable_shows_a_config_value_as_text(value: object, shown: str) -> None:
    assert readable(value) == shown


def test_readable_diff_names_datasources_and_flattens_mapping_changes() -> None:
    old_target, new_target, gone = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    diff = ConfigDiff(
        name="opd",
        old_version=1,
        new_version=3,
        fields=[
            FieldChange("target_datasource_id", str(old_target), str(new_target)),
            FieldChange("source_datasource_id", str(gone), None),
        ],
        added=[{"source": None, "target": "hcode", "default": "10669"}],
        removed=[{"source": "pname", "target": None, "ignore": True}],
        modified=[
            MappingChange(
                "hn",
                [
                    FieldChange("source", "hn", "TRIM(hn)"),
                    FieldChange("validators", [], [{"name": "not_null", "params": {}}]),
                ],
            )
        ],
    )

    readable_version = readable_diff(diff, {old_target: "his", new_target: "warehouse"})

    assert (readable_version.old_version, readable_version.new_version) == (1, 3)
    assert readable_version.settings == (
        SettingChange("target_datasource_id", "his", "warehouse"),
        # A datasource deleted since keeps its id: its name is not known any more.
        SettingChange("source_datasource_id", str(gone), "(none)"),
    )
    assert readable_version.added == (MappingLine("hcode", "(none)", "(none)", "(none)", "10669"),)
    assert readable_version.removed == (
        MappingLine("(ignored)", "pname", "(none)", "(none)", "(none)"),
    )
    assert readable_version.changed == (
        MappingFieldChange("hn", "source", "hn", "TRIM(hn)"),
        MappingFieldChange("hn", "validators", "(none)", "not_null"),
    )
    assert not readable_version.is_empty


def test_an_empty_service_diff_reads_as_empty() -> None:
    assert readable_diff(ConfigDiff("opd", 2, 2), {}).is_empty
