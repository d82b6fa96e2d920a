"""The validator registry: `@register_validator("not_null")`, `run_validator("unique", values)`."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from utils.registry import Registry
from validators.base import CheckResult, Validator

validators: Registry[type[Validator]] = Registry("validator")


def register_validator(name: str) -> Callable[[type[Validator]], type[Validator]]:
    """Class decorator: name the validator and register it under `name`."""

    def decorator(cls: type[Validator]) -> type[Validator]:
        # Every plugin is listed by the CLI, the API and the dashboard from what it declares,
        # so a plugin without a description or examples is a bug caught at import.
        if not cls.description or not cls.examples:
            raise TypeError(f"Validator {name!r} must declare a description and examples.")
        cls.name = name
        validators.add(name, cls)
        return cls

    return decorator


def get_validator(name: str) -> type[Validator]:
    """The validator class called `name` (raises UnknownPluginError with a suggestion).

    Importing this module imports the `validators` package first, which registers the built-ins.
    """
    return validators.get(name)


def run_validator(name: str, values: pd.Series, params: dict | None = None) -> CheckResult:
    """Check `values` with the validator `name` and its `params` (as stored in a config).

    Raises:
        UnknownPluginError: No validator has that name.
        pydantic.ValidationError: `params` do not fit the validator; each error names its field.
    """
    validator = get_validator(name)
    checked = validator.Params.model_validate(params or {})
    return validator().check(values, checked)
