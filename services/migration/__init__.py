"""The migration engine. Its faces: `run_migration`, and for a step's rejects `list_rejects`,
`show_rejects`, `export_rejects` and `replay_rejects`; everything else here is its own.

The faces are imported on first use, so that commands which never migrate (`--help`, listing
configs) do not load pandas and pyarrow.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from services.migration.executor import run_migration
    from services.migration.reject_service import (
        export_rejects,
        list_rejects,
        replay_rejects,
        show_rejects,
    )

__all__ = ["export_rejects", "list_rejects", "replay_rejects", "run_migration", "show_rejects"]

_HOMES = {
    "run_migration": "services.migration.executor",
    "list_rejects": "services.migration.reject_service",
    "show_rejects": "services.migration.reject_service",
    "export_rejects": "services.migration.reject_service",
    "replay_rejects": "services.migration.reject_service",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
