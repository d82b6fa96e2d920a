"""The Schema Mapper's plugin forms: each transformer's and validator's parameters as fields.

A plugin declares its parameters as a JSON schema (`services.plugins`); each property becomes a
`ParamField` the page draws as one widget. What a widget returns becomes a stored parameter
only when it differs from the plugin's default, so a saved config holds what the user chose
and nothing the plugin would do anyway.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from services import plugins
from services.errors import InvalidInput

ParamKind = Literal["bool", "choice", "int", "number", "text", "json"]
#: What a parameter left empty in a form is: not given (the plugin's default applies).
NOT_GIVEN = None


@dataclass(frozen=True, slots=True)
class ParamField:
    """One parameter as a form field.

    Attributes:
        kind: bool (checkbox), choice (one of `choices`), int / number (a number field),
            text (one line; empty means not given) or json (a JSON value, e.g. a code map).
        default: The plugin's default (None when it has none or it is required).
    """

    name: str
    kind: ParamKind
    description: str = ""
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True, slots=True)
class PluginForm:
    """A transformer or validator with the fields of its parameters, in declaration order."""

    name: str
    description: str
    fields: tuple[ParamField, ...]


def transformer_forms() -> dict[str, PluginForm]:
    """Every registered transformer's form, by name."""
    return {info.name: _form(info) for info in plugins.list_transformers()}


def validator_forms() -> dict[str, PluginForm]:
    """Every registered validator's form, by name."""
    return {info.name: _form(info) for info in plugins.list_validators()}


def param_field(name: str, schema: Mapping[str, Any], *, required: bool) -> ParamField:
    """The form field of one JSON-schema property of a plugin's parameters."""
    description = str(schema.get("description") or "")
    default = None if required else schema.get("default")
    simple = _simple_type(schema)
    common = {"description": description, "required": required, "default": default}
    if "enum" in schema:
        return ParamField(name, "choice", choices=tuple(map(str, schema["enum"])), **common)
    if simple == "boolean":
        return ParamField(name, "bool", **common)
    if simple in ("integer", "number"):
        kind: ParamKind = "int" if simple == "integer" else "number"
        bounds = {"minimum": schema.get("minimum"), "maximum": schema.get("maximum")}
        return ParamField(name, kind, **bounds, **common)
    if simple in ("string", "scalar"):
        return ParamField(name, "text", **common)
    return ParamField(name, "json", **common)


def form_value(field: ParamField, params: Mapping[str, Any]) -> Any:
    """What the field's widget starts with for stored `params` (JSON fields as text)."""
    value = params.get(field.name, field.default)
    if field.kind == "json":
        return "" if value is None else json.dumps(value, ensure_ascii=False)
    if field.kind == "text":
        return "" if value is None else str(value)
    return value


def stored_value(field: ParamField, widget_value: Any) -> Any:
    """The parameter a widget's value stands for: NOT_GIVEN for an empty field.

    Raises:
        InvalidInput: a JSON field that does not parse (the message says where).
    """
    if field.kind in ("text", "json"):
        text = str(widget_value or "").strip()
        if not text:
            return NOT_GIVEN
        if field.kind == "text":
            return text
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise InvalidInput(
                f"{field.name}: not valid JSON (line {error.lineno}, column {error.colno}).",
                field=field.name,
            ) from None
    if field.kind == "int" and widget_value is not None:
        return int(widget_value)
    return widget_value


def with_param(params: Mapping[str, Any], field: ParamField, value: Any) -> dict[str, Any]:
    """`params` with `field` set to `value` (a `stored_value`): left out when it is not given
    or is the plugin's default, so the config stores only what differs."""
    changed = {key: item for key, item in params.items() if key != field.name}
    if value is NOT_GIVEN or (not field.required and value == field.default):
        return changed
    changed[field.name] = value
    return {f: changed[f] for f in [*params, field.name] if f in changed}


def _form(info: plugins.PluginInfo) -> PluginForm:
    schema = info.parameters
    required = set(schema.get("required") or ())
    fields = tuple(
        param_field(name, prop, required=name in required)
        for name, prop in (schema.get("properties") or {}).items()
    )
    return PluginForm(info.name, info.description, fields)


def _simple_type(schema: Mapping[str, Any]) -> str | None:
    """'boolean', 'integer', 'number', 'string'; 'scalar' for a union of plain values (a
    number or a date, typed as text and read by the plugin); None for anything structured."""
    if "type" in schema:
        kind = schema["type"]
        return kind if kind in ("boolean", "integer", "number", "string") else None
    options = [option for option in schema.get("anyOf", ()) if option.get("type") != "null"]
    kinds = {option.get("type") for option in options}
    if len(options) == 1:
        return _simple_type(options[0])
    if options and kinds <= {"string", "number", "integer"}:
        return "scalar"
    return None
