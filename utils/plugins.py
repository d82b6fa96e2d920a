"""Imports every module of a plugin package so that its plugins register themselves."""

from __future__ import annotations

import importlib
import pkgutil


def import_submodules(package_name: str, *, skip: frozenset[str] = frozenset()) -> list[str]:
    """Import each module of `package_name` (not in `skip`); returns the names imported.

    Adding a plugin is adding one file: nothing keeps a list of them by hand.
    """
    package = importlib.import_module(package_name)
    imported = []
    for module in pkgutil.iter_modules(package.__path__):
        if module.name in skip or module.name.startswith("_"):
            continue
        importlib.import_module(f"{package_name}.{module.name}")
        imported.append(module.name)
    return imported
