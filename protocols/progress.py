"""How progress leaves a service: the CLI, the dashboard and the API each plug in a sink."""

from __future__ import annotations

from typing import Protocol

from models.progress import ProgressEvent


class ProgressSink(Protocol):
    """Receives progress events; must be quick (it runs on the worker's thread)."""

    def __call__(self, event: ProgressEvent) -> None: ...


def ignore_progress(event: ProgressEvent) -> None:
    """A sink that drops every event, for callers that do not show progress."""


class StopCheck(Protocol):
    """Asked between two batches (and before a pipeline step starts): True means stop there,
    keeping every committed batch and its checkpoint, so a resume continues."""

    def __call__(self) -> bool: ...


def never_stop() -> bool:
    """A stop check for callers that never cancel."""
    return False
