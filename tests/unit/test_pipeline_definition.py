"""Pipeline files and step settings: parsed when right, one clear line naming the field when not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.migration_config import ErrorPolicy
from models.migration_run import MigrationOptions
from services.errors import InvalidInput
from services.pipelines.definition import (
    StepSpec,
    check_settings,
    pipeline_from_file,
    pipeline_from_text,
    step_options,
)

NIGHTLY = {
    "name": "nightly",
    "description": "HOSxP to the new HIS",
    "steps": [
        {"name": "patients", "config": "patient_to_person"},
        {
            "name": "visits",
            "config": "ovst_to_visit",
            "depends_on": ["patients"],
            "error_policy": "quarantine",
            "batch_size": 10000,
        },
        {"name": "diagnoses", "config": "ovstdiag_to_diagnosis", "depends_on": "visits"},
    ],
}


def test_a_pipeline_file_is_read_with_its_steps_and_settings(tmp_path: Path) -> None:
    path = tmp_path / "nightly.json"
    path.write_text(json.dumps(NIGHTLY), encoding="utf-8")
    name, steps, description = pipeline_from_file(path)
    assert (name, description) == ("nightly", "HOSxP to the new HIS")
    assert steps == [
        StepSpec("patients", "patient_to_person", [], {}),
        StepSpec(
            "visits",
            "ovst_to_visit",
            ["patients"],
            {"error_policy": "quarantine", "batch_size": 10000},
        ),
        StepSpec("diagnoses", "ovstdiag_to_diagnosis", ["visits"], {}),
    ]


def test_name_and_description_are_optional() -> None:
    parsed = pipeline_from_text('{"steps": [{"name": "a", "config": "c"}]}')
    assert parsed.name is None and parsed.description is None
    assert parsed.steps == [StepSpec("a", "c")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"steps": [', "nightly.json: not valid JSON: line 1, column 12: Expecting value."),
        ("[1, 2]", 'nightly.json: file: must be a JSON object like {"name": …, "steps": […]}.'),
        ('{"name": "n"}', "nightly.json: steps: must be a non-empty list of steps."),
        ('{"steps": []}', "nightly.json: steps: must be a non-empty list of steps."),
        (
            '{"steps": ["a"]}',
            'nightly.json: steps[0]: must be an object like {"name": …, "config": …}.',
        ),
        ('{"steps": [{"name": "a"}]}', "nightly.json: steps[0].config: is required (text)."),
        (
            '{"steps": [{"name": "a", "config": "c"}, {"name": "", "config": "c"}]}',
            "nightly.json: steps[1].name: is required (text).",
        ),
        (
            '{"steps": [{"name": "a", "config": "c", "depends_on": [1]}]}',
            "nightly.json: steps[0].depends_on: must be a list of step names.",
        ),
        (
            '{"steps": [{"name": "a", "config": "c", "dependson": ["b"]}]}',
            "nightly.json: steps[0]: unknown field 'dependson' (did you mean 'depends_on'?).",
        ),
        (
            '{"title": "x", "steps": [{"name": "a", "config": "c"}]}',
            "nightly.json: file: unknown field 'title' (known: name, description, steps).",
        ),
        (
            '{"name": 5, "steps": [{"name": "a", "config": "c"}]}',
            "nightly.json: name: must be text.",
        ),
    ],
)
def test_a_malformed_file_is_refused_in_one_line(text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        pipeline_from_text(text, source="nightly.json")
    assert raised.value.message == message
    assert "\n" not in raised.value.message


def test_an_unreadable_file_says_why(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=r"Cannot read .*missing\.json: No such file"):
        pipeline_from_file(tmp_path / "missing.json")


def test_settings_are_checked_and_kept_in_stored_form() -> None:
    assert check_settings("visits", {"error_policy": "quarantine", "batch_size": 500}) == {
        "error_policy": "quarantine",
        "batch_size": 500,
    }
    assert check_settings("visits", {"error_policy": None}) == {}


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"batchsize": 5},
            "Step 'visits': unknown setting 'batchsize' (known: batch_size, error_policy). "
            "Did you mean 'batch_size'?",
        ),
        (
            {"error_policy": "ignore"},
            "Step 'visits': error_policy must be stop or quarantine, not 'ignore'.",
        ),
        ({"batch_size": 0}, "Step 'visits': batch_size must be between 1 and 1,000,000, not 0."),
        ({"batch_size": "100"}, "Step 'visits': batch_size must be a whole number, not '100'."),
        ({"batch_size": True}, "Step 'visits': batch_size must be a whole number, not True."),
    ],
)
def test_bad_settings_are_refused(settings: dict, message: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        check_settings("visits", settings)
    assert raised.value.message == message


def test_step_settings_override_the_run_options() -> None:
    run = MigrationOptions(resume=True, batch_size=1000, error_policy=ErrorPolicy.STOP)
    own = step_options(run, {"error_policy": "quarantine", "batch_size": 10})
    assert own == MigrationOptions(resume=True, batch_size=10, error_policy=ErrorPolicy.QUARANTINE)
    assert step_options(run, {}) == run
