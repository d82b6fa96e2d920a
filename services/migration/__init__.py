"""The migration engine. Its faces: `run_migration`; the run history (`list_runs`,
`last_run`); and for a step's rejects `list_rejects`, `show_rejects`, `export_rejects` and
`replay_rejects`, and a whole run's `run_rejects`; a test run's report, `summarize_test_run`.
Everything else here is its own.

The engine's faces are imported on first use, so that commands which never migrate (`--help`,
listing configs or runs) do not load pandas and pyarrow.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from services.migration.history import ConfigRun, last_run, list_runs

if TYPE_CHECKING:
    from services.migration.executor import run_migration
    from services.migration.reject_service import (
        export_rejects,
        list_rejects,
        replay_rejects,
        show_rejects,
    )
    from services.migration.run_reject_service import RunRejects, run_rejects
    from services.migration.test_report import summarize_test_run

__all__ = [
    "ConfigRun",
    "export_rejects",
    "last_run",
    "list_rejects",
    "list_runs",
    "replay_rejects",
    "RunRejects",
    "run_migration",
    "run_rejects",
    "show_rejects",
    "summarize_test_run",
]

_HOMES = {
    "run_migration": "services.migration.executor",
    "list_rejects": "services.migration.reject_service",
    "show_rejects": "services.migration.reject_service",
    "export_rejects": "services.migration.reject_service",
    "replay_rejects": "services.migration.reject_service",
    "summarize_test_run": "services.migration.test_report",
    "RunRejects": "services.migration.run_reject_service",
    "run_rejects": "services.migration.run_reject_service",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
