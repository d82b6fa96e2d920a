"""The migration engine. Its face is `run_migration` and the run history (`list_runs`,
`last_run`); everything else here is its own.

`run_migration` is imported on first use, so that commands which never migrate (`--help`,
listing configs) do not load pandas and pyarrow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from services.migration.history import ConfigRun, last_run, list_runs

if TYPE_CHECKING:
    from services.migration.executor import run_migration

__all__ = ["ConfigRun", "last_run", "list_runs", "run_migration"]


def __getattr__(name: str) -> Any:
    if name == "run_migration":
        from services.migration.executor import run_migration

        return run_migration
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
