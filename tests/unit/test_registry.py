"""The generic plugin registry."""

from __future__ import annotations

import pytest

from utils.registry import DuplicatePluginError, Registry, UnknownPluginError


def test_registered_plugin_is_found_case_insensitively() -> None:
    registry: Registry[str] = Registry("widget")
    registry.add("Trim", "trim-plugin")
    assert registry.get("TRIM") == "trim-plugin"
    assert "trim" in registry
    assert registry.names() == ["trim"]


def test_decorator_registers_and_returns_the_object() -> None:
    registry: Registry[type] = Registry("widget")

    @registry.register("thing")
    class Thing:
        pass

    assert registry.get("thing") is Thing


def test_duplicate_name_is_refused() -> None:
    registry: Registry[int] = Registry("widget")
    registry.add("a", 1)
    with pytest.raises(DuplicatePluginError, match="already registered"):
        registry.add("A", 2)
    assert registry.get("a") == 1


def test_unknown_name_suggests_the_closest() -> None:
    registry: Registry[int] = Registry("database type")
    registry.add("postgresql", 1)
    registry.add("mysql", 2)
    with pytest.raises(UnknownPluginError) as caught:
        registry.get("postgres")
    assert str(caught.value) == "Unknown database type 'postgres'. Did you mean 'postgresql'?"
    assert caught.value.suggestion == "postgresql"


def test_unknown_name_without_anything_close_has_no_suggestion() -> None:
    registry: Registry[int] = Registry("widget")
    registry.add("mysql", 2)
    with pytest.raises(UnknownPluginError) as caught:
        registry.get("oracle")
    assert caught.value.suggestion is None
    assert "Did you mean" not in str(caught.value)
