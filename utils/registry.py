"""A generic plugin registry: register by decorator, look up by name with a "did you mean"."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class RegistryError(LookupError):
    """Base class for registry problems; carries a one-line message for the user."""


class DuplicatePluginError(RegistryError):
    """A second plugin tried to take a name that is already registered."""


class UnknownPluginError(RegistryError):
    """A name was looked up that no plugin registered."""

    def __init__(self, kind: str, name: str, suggestion: str | None) -> None:
        self.kind = kind
        self.name = name
        self.suggestion = suggestion
        hint = f" Did you mean {suggestion!r}?" if suggestion else ""
        super().__init__(f"Unknown {kind} {name!r}.{hint}")


class Registry(Generic[T]):
    """Holds the plugins of one kind (dialects, transformers, validators) by name.

    Names are case-insensitive: `registry.get("PostgreSQL")` finds "postgresql".
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator that registers the decorated object under `name`."""

        def decorator(item: T) -> T:
            self.add(name, item)
            return item

        return decorator

    def add(self, name: str, item: T) -> None:
        """Register `item` under `name`; a name can be taken only once."""
        key = name.lower()
        if key in self._items:
            raise DuplicatePluginError(f"A {self.kind} named {name!r} is already registered.")
        self._items[key] = item

    def remove(self, name: str) -> None:
        """Forget a plugin (used by tests that register plugins of their own)."""
        self._items.pop(name.lower(), None)

    def get(self, name: str) -> T:
        """The plugin called `name`, or `UnknownPluginError` with the closest known name."""
        key = (name or "").lower()
        try:
            return self._items[key]
        except KeyError:
            close = difflib.get_close_matches(key, self._items, n=1, cutoff=0.6)
            raise UnknownPluginError(self.kind, name, close[0] if close else None) from None

    def names(self) -> list[str]:
        """Registered names in alphabetical order."""
        return sorted(self._items)

    def items(self) -> list[tuple[str, T]]:
        """(name, plugin) pairs in alphabetical order of name."""
        return sorted(self._items.items())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def __iter__(self) -> Iterator[T]:
        return iter(item for _, item in self.items())

    def __len__(self) -> int:
        return len(self._items)
