"""The transformer registry: `run_transformer("TRIM", series)`, `@register_transformer("TRIM")`."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from data_transformers.base import Transformer, TransformOutcome
from utils.registry import Registry

transformers: Registry[type[Transformer]] = Registry("transformer")


def register_transformer(name: str) -> Callable[[type[Transformer]], type[Transformer]]:
    """Class decorator: name the transformer class and register it under `name`."""

    def decorator(cls: type[Transformer]) -> type[Transformer]:
        # Every plugin is listed by the CLI, the API and the dashboard from what it declares,
        # so a plugin without a description or examples is a bug caught at import.
        if not getattr(cls, "description", "") or not cls.examples:
            raise TypeError(f"Transformer {name!r} must declare a description and examples.")
        cls.name = name
        transformers.add(name, cls)
        return cls

    return decorator


def get_transformer(name: str) -> type[Transformer]:
    """The transformer class called `name` (raises UnknownPluginError with a suggestion).

    Importing this module imports the `data_transformers` package first, which registers the
    built-ins.
    """
    return transformers.get(name)


def run_transformer(name: str, values: pd.Series, params: dict | None = None) -> TransformOutcome:
    """Run the transformer `name` on `values`.

    Args:
        name: A registered transformer name (case-insensitive).
        values: The column to transform.
        params: Parameters as stored in a mapping config; validated by the plugin's Params
            model (raises pydantic.ValidationError on an unknown or ill-typed parameter).

    Returns:
        The transformed values with the failed mask and a reason per failed value.
    """
    plugin = get_transformer(name)
    return plugin().apply(values, plugin.Params.model_validate(params or {}))
