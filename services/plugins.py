"""The registered plugins as the faces list them: transformers, validators and dialects.

Everything comes from the registries, so a plugin added as one file shows up here too.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from data_transformers.registry import transformers
from dialects.base import Dialect
from dialects.registry import dialects
from services.errors import PluginNotRegistered
from utils.registry import Registry, UnknownPluginError
from validators.registry import validators


@dataclass(frozen=True)
class PluginInfo:
    """A transformer or validator: what it does, the parameters it takes, worked examples."""

    name: str
    description: str
    #: The JSON schema of the plugin's parameters, as a mapping config stores them.
    parameters: dict[str, Any]
    #: Worked examples as JSON values (dates as ISO text, NULL as None).
    examples: list[dict[str, Any]]
    #: The transformer's family ("text", "dates"...); None for validators.
    family: str | None = None


@dataclass(frozen=True)
class DialectInfo:
    """A database engine HIS Analyzer can read and write."""

    name: str
    display_name: str
    default_port: int | None
    #: Every boolean capability flag the dialect declares (`needs_server`...), by name.
    capabilities: dict[str, bool]


def list_transformers() -> list[PluginInfo]:
    """Every registered transformer, by name."""
    return [_plugin_info(plugin) for plugin in transformers]


def get_transformer_info(name: str) -> PluginInfo:
    """The transformer called `name` (case-insensitive).

    Raises:
        PluginNotRegistered: no transformer has that name; the message suggests a close one.
    """
    return _plugin_info(_lookup(transformers, name))


def list_validators() -> list[PluginInfo]:
    """Every registered validator, by name."""
    return [_plugin_info(plugin) for plugin in validators]


def get_validator_info(name: str) -> PluginInfo:
    """The validator called `name` (case-insensitive).

    Raises:
        PluginNotRegistered: no validator has that name; the message suggests a close one.
    """
    return _plugin_info(_lookup(validators, name))


def list_dialects() -> list[DialectInfo]:
    """Every registered database engine, by name."""
    return [_dialect_info(dialect) for dialect in dialects]


def get_dialect_info(name: str) -> DialectInfo:
    """The database engine called `name` (case-insensitive).

    Raises:
        PluginNotRegistered: no dialect has that name; the message suggests a close one.
    """
    return _dialect_info(_lookup(dialects, name))


def _lookup(registry: Registry[Any], name: str) -> Any:
    try:
        return registry.get(name)
    except UnknownPluginError as error:
        # The registry keys names in lower case; the suggestion is spelt as registered (TRIM).
        hint = ""
        if error.suggestion is not None:
            hint = f" Did you mean {registry.get(error.suggestion).name!r}?"
        raise PluginNotRegistered(f"Unknown {error.kind} {name!r}.{hint}") from None


def _plugin_info(plugin: Any) -> PluginInfo:
    # Transformers belong to a family; validators have none.
    return PluginInfo(
        name=plugin.name,
        description=plugin.description,
        parameters=_parameter_schema(plugin.Params),
        examples=_examples(plugin.examples),
        family=getattr(plugin, "family", None),
    )


def _parameter_schema(params: type[BaseModel]) -> dict[str, Any]:
    return params.model_json_schema()


def _examples(examples: tuple[Any, ...]) -> list[dict[str, Any]]:
    # Examples hold dates and decimals; JSON values are what every face can show.
    return [to_jsonable_python(dataclasses.asdict(example)) for example in examples]


def _dialect_info(dialect: Dialect) -> DialectInfo:
    return DialectInfo(
        name=dialect.name,
        display_name=dialect.display_name,
        default_port=dialect.default_port,
        capabilities={flag: getattr(dialect, flag) for flag in _capability_flags()},
    )


def _capability_flags() -> list[str]:
    # The base class declares every flag once, as a lower-case boolean class variable; reading
    # its annotations keeps this list from drifting when a flag is added.
    return [
        name
        for name, annotation in Dialect.__annotations__.items()
        if name.islower() and str(annotation) == "ClassVar[bool]"
    ]
