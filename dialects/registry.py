"""The dialect registry: `dialects.get("postgresql")`, `@register_dialect("mysql")`."""

from __future__ import annotations

from collections.abc import Callable

from dialects.base import Dialect
from utils.registry import Registry

dialects: Registry[Dialect] = Registry("database type")


def register_dialect(name: str) -> Callable[[type[Dialect]], type[Dialect]]:
    """Class decorator: instantiate the dialect and register it under `name`."""

    def decorator(cls: type[Dialect]) -> type[Dialect]:
        cls.name = name
        dialects.add(name, cls())
        return cls

    return decorator


def get_dialect(name: str) -> Dialect:
    """The dialect called `name` (raises UnknownPluginError with a suggestion).

    Importing this module imports the `dialects` package first, which registers the built-ins.
    """
    return dialects.get(name)
