"""What a person is told about a step's rejects: counts by column and reason (pure data)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class RejectGroup:
    """The rejects of one column, stage and reason."""

    column: str | None  # None: the check or the engine named no column
    stage: str  # "transform", "validate" or "load"
    reason: str
    rejects: int


@dataclass(slots=True)
class RejectSummary:
    """A step's rejects counted by column and reason.

    Attributes:
        step: The step (config) they belong to.
        run_id: The run asked for; None for the outstanding rejects — those of the step's
            latest run that no replay has loaded yet, and those replays filed again.
        rejects: Rejects counted (a row failing two checks counts twice).
        rows: Distinct source rows among them.
        groups: By column, stage and reason, most rejects first.
        runs: The runs that filed them, oldest first.
        unreferenced: Rejects filed by an older version: no batch or row number, their key
            possibly masked; a replay leaves them alone.
    """

    step: str
    run_id: str | None
    rejects: int = 0
    rows: int = 0
    groups: list[RejectGroup] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)
    unreferenced: int = 0
