"""Progress events that long-running services emit (profiling, generating, migrating)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ProgressKind(StrEnum):
    """What happened."""

    STARTED = "started"  # a unit of work (a table, a step) began
    ADVANCED = "advanced"  # part of it is done (a batch, a pass)
    FINISHED = "finished"  # it completed
    FAILED = "failed"  # it failed; `message` says why in one line


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    """One step forward: `done` of `total` units of `subject` (a table name, a step name)."""

    kind: ProgressKind
    subject: str
    done: int = 0
    total: int = 0
    message: str | None = None
