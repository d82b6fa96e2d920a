"""A pipeline as the user writes it: steps, their settings, and the JSON file format (no store)."""

from __future__ import annotations

import dataclasses
import difflib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from models.migration_config import ErrorPolicy
from models.migration_run import MigrationOptions
from services.errors import InvalidInput

#: Settings a step may carry; each overrides the run's option of the same name for that step.
STEP_SETTINGS = ("batch_size", "error_policy")
MAX_BATCH_SIZE = 1_000_000  # the same ceiling a mapping config accepts
MAX_NAME_LENGTH = 200  # the store's column width for pipeline and step names

_FILE_KEYS = ("name", "description", "steps")
_STEP_KEYS = ("name", "config", "depends_on", *STEP_SETTINGS)

# Builds the one-line error for a field of a pipeline file: fail(where, problem).
_Fail = Callable[[str, str], InvalidInput]


@dataclass(slots=True)
class StepSpec:
    """One step as asked for: a name, the mapping config it runs, what it waits for, settings.

    Attributes:
        name: Unique inside the pipeline.
        config: A saved mapping config's name or id.
        depends_on: Names of steps that must succeed before this one starts.
        settings: Per-step overrides, e.g. {"error_policy": "quarantine", "batch_size": 10000}.
    """

    name: str
    config: str
    depends_on: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)


class PipelineDefinition(NamedTuple):
    """What a pipeline file holds; `name` and `description` are None when it leaves them out."""

    name: str | None
    steps: list[StepSpec]
    description: str | None = None


def check_name(name: Any, what: str) -> str:
    """`name` stripped, or `InvalidInput` when it is not text of 1 to 200 characters."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput(f"A {what} needs a name.", field="name")
    name = name.strip()
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(
            f"{what.capitalize()} name {name[:40]!r}… is longer than {MAX_NAME_LENGTH} characters.",
            field="name",
        )
    return name


def check_settings(step: str, settings: dict[str, Any]) -> dict[str, Any]:
    """A step's settings, validated and in their stored form (None values dropped).

    Raises:
        InvalidInput: an unknown setting (with a suggestion) or a value out of range.
    """
    checked: dict[str, Any] = {}
    for key, value in settings.items():
        if key not in STEP_SETTINGS:
            close = difflib.get_close_matches(str(key), STEP_SETTINGS, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            known = ", ".join(STEP_SETTINGS)
            raise InvalidInput(
                f"Step {step!r}: unknown setting {key!r} (known: {known}).{hint}",
                field=f"steps.{step}.{key}",
            )
        if value is None:
            continue  # "not set": the run's option applies
        if key == "error_policy":
            policies = [policy.value for policy in ErrorPolicy]
            if value not in policies:
                raise InvalidInput(
                    f"Step {step!r}: error_policy must be {' or '.join(policies)}, not {value!r}.",
                    field=f"steps.{step}.error_policy",
                )
            checked[key] = str(value)
        elif key == "batch_size":
            # bool is an int in Python; `true` as a batch size is a mistake, not 1.
            if not isinstance(value, int) or isinstance(value, bool):
                raise InvalidInput(
                    f"Step {step!r}: batch_size must be a whole number, not {value!r}.",
                    field=f"steps.{step}.batch_size",
                )
            if not 1 <= value <= MAX_BATCH_SIZE:
                raise InvalidInput(
                    f"Step {step!r}: batch_size must be between 1 and {MAX_BATCH_SIZE:,}, "
                    f"not {value}.",
                    field=f"steps.{step}.batch_size",
                )
            checked[key] = value
    return checked


def step_options(options: MigrationOptions, settings: dict[str, Any]) -> MigrationOptions:
    """The run's options with a step's own settings laid over them."""
    overrides: dict[str, Any] = {}
    if settings.get("error_policy") is not None:
        overrides["error_policy"] = ErrorPolicy(settings["error_policy"])
    if settings.get("batch_size") is not None:
        overrides["batch_size"] = int(settings["batch_size"])
    return dataclasses.replace(options, **overrides)


def pipeline_from_file(path: str | Path) -> PipelineDefinition:
    """Read a pipeline file (JSON; format in `pipeline_from_text`).

    Raises:
        InvalidInput: the file cannot be read, is not JSON, or a field is wrong (one line).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise InvalidInput(f"Cannot read {path}: {reason}.", field="file") from None
    return pipeline_from_text(text, source=path.name)


def pipeline_from_text(text: str, *, source: str = "pipeline file") -> PipelineDefinition:
    """Parse a pipeline given as JSON text.

    The format: {"name": "nightly", "description": "…", "steps": [{"name": "visits",
    "config": "ovst_to_visit", "depends_on": ["patients"], "error_policy": "quarantine",
    "batch_size": 10000}, …]}. Only "steps", and in each step "name" and "config", are required.

    Raises:
        InvalidInput: not JSON, or a field is missing or of the wrong type; the message names
            `source` and the field, e.g. "nightly.json: steps[1].depends_on: must be a list…".
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInput(
            f"{source}: not valid JSON: line {error.lineno}, column {error.colno}: {error.msg}.",
            field="file",
        ) from None

    def fail(where: str, problem: str) -> InvalidInput:
        return InvalidInput(f"{source}: {where}: {problem}.", field=where)

    if not isinstance(data, dict):
        raise fail("file", 'must be a JSON object like {"name": …, "steps": […]}')
    _refuse_unknown_keys(data, _FILE_KEYS, "file", fail)
    name = _optional_text(data, "name", "name", fail)
    description = _optional_text(data, "description", "description", fail)
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise fail("steps", "must be a non-empty list of steps")
    steps = []
    for index, raw in enumerate(raw_steps):
        where = f"steps[{index}]"
        if not isinstance(raw, dict):
            raise fail(where, 'must be an object like {"name": …, "config": …}')
        _refuse_unknown_keys(raw, _STEP_KEYS, where, fail)
        step_name = _required_text(raw, "name", where, fail)
        config = _required_text(raw, "config", where, fail)
        depends_on = raw.get("depends_on", [])
        if isinstance(depends_on, str):
            depends_on = [depends_on]  # a single dependency written without brackets
        if not isinstance(depends_on, list) or not all(isinstance(d, str) for d in depends_on):
            raise fail(f"{where}.depends_on", "must be a list of step names")
        settings = {key: raw[key] for key in STEP_SETTINGS if key in raw}
        steps.append(StepSpec(step_name, config, list(depends_on), settings))
    return PipelineDefinition(name=name, steps=steps, description=description)


def _refuse_unknown_keys(
    data: dict[str, Any], known: tuple[str, ...], where: str, fail: _Fail
) -> None:
    for key in data:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(known)})"
            raise fail(where, f"unknown field {key!r}{hint}")


def _optional_text(data: dict[str, Any], key: str, where: str, fail: _Fail) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise fail(where, "must be text")
    return value


def _required_text(data: dict[str, Any], key: str, where: str, fail: _Fail) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise fail(f"{where}.{key}", "is required (text)")
    return value
