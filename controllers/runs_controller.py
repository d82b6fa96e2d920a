"""Page logic of Runs and rejects: every run record with its counts, timings and verdict; one
run's steps; its rejects grouped by column and reason with their failing values; the CSV of a
step's rejects; and a replay of them, queued as a job, once the config is fixed.

Errors are the services' `HisError` subclasses and propagate unchanged; the view shows them.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from controllers.job_controller import JobController
from models.test_run import SAMPLE_VALUES
from services import migration, pipelines
from services.context import ServiceContext
from services.pipelines import RunView

#: Rejects read to find each group's failing values; the table shows the first `SHOWN_REJECTS`.
SAMPLED_REJECTS = 1000
SHOWN_REJECTS = 100


@dataclass(frozen=True, slots=True)
class RunRow:
    """One run in the list: what ran, how it ended, its counts summed over its steps."""

    id: str
    started: str
    kind: str  # "migration" (one config) or "pipeline"
    name: str  # the config's or the pipeline's
    status: str
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    seconds: float | None  # None while it has not ended
    reconciled: str  # "yes", "no", or "" when no step got that far


@dataclass(frozen=True, slots=True)
class StepRow:
    """One step of a run (a single migration has one: its config)."""

    step: str
    config: str
    status: str
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    seconds: float
    reconciled: str
    error: str


@dataclass(frozen=True, slots=True)
class RunDetail:
    """One run's steps, and the error it ended with (None when it ended well)."""

    steps: tuple[StepRow, ...]
    error: str | None


@dataclass(frozen=True, slots=True)
class RejectGroupRow:
    """The rejects of one step, column, stage and reason, with some failing values."""

    step: str
    column: str
    stage: str
    reason: str
    rejects: int
    values: str  # distinct failing values as the reject table keeps them (masked identifiers)


@dataclass(frozen=True, slots=True)
class RejectLine:
    """One reject: its reference, the source key as a person may see it (masked when it is an
    identifier), the failing column and value, and whether a replay has closed it."""

    step: str
    reference: str
    source_key: str
    column: str
    value: str
    stage: str
    reason: str
    resolution: str


@dataclass(frozen=True, slots=True)
class RejectedStep:
    """A step of the run that rejected rows: its config, and the run that filed them."""

    step: str
    config: str  # the config's name or id
    filed_by: str  # the migration run id in the reject table


@dataclass(frozen=True, slots=True)
class RunRejectsView:
    """A run's rejects as the page shows them."""

    rejects: int
    rows: int
    groups: tuple[RejectGroupRow, ...]
    lines: tuple[RejectLine, ...]  # the first SHOWN_REJECTS
    steps: tuple[RejectedStep, ...]  # those whose rejects can be downloaded and replayed


class RunsController:
    """Everything the Runs and rejects page does, as calls on the shared service context."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.jobs = JobController(ctx)

    def runs(self) -> list[RunRow]:
        """Every run, pipeline runs and single migrations alike, newest first."""
        return [_row(view) for view in pipelines.list_all_runs(self.ctx)]

    def run(self, run_id: str) -> RunDetail:
        """One run's steps and the error it ended with.

        Raises:
            NotFound: no run has that id.
        """
        view = pipelines.get_run(self.ctx, run_id)
        steps = tuple(
            StepRow(
                step=name,
                config=view.config_names.get(name, step.config_id or ""),
                status=str(step.status),
                rows_read=step.rows_read,
                rows_loaded=step.rows_loaded,
                rows_rejected=step.rows_rejected,
                seconds=step.seconds,
                reconciled=_verdict([step.reconciliation]),
                error=step.error or "",
            )
            for name, step in view.steps.items()
        )
        return RunDetail(steps, view.run.error)

    def rejects(self, run_id: str) -> RunRejectsView:
        """The run's rejects: counted by step, column, stage and reason, each group with up
        to SAMPLE_VALUES distinct failing values, and the first SHOWN_REJECTS of them.

        Raises:
            NotFound; ConfigNotFound: a step's config was deleted; ConnectionFailed: a
            step's target cannot be reached.
        """
        found = migration.run_rejects(self.ctx, run_id, limit=SAMPLED_REJECTS)
        values: dict[tuple[str, str | None, str, str], list[str]] = {}
        for item in found.page:
            reject = item.reject
            seen = values.setdefault((item.step, reject.column, reject.stage, reject.reason), [])
            shown = "NULL" if reject.value is None else repr(reject.value)
            if shown not in seen and len(seen) <= SAMPLE_VALUES:
                seen.append(shown)
        groups = tuple(
            RejectGroupRow(
                step=group.step,
                column=group.column or "(the row)",
                stage=group.stage,
                reason=group.reason,
                rejects=group.rejects,
                values=_values(values.get((group.step, group.column, group.stage, group.reason))),
            )
            for group in found.groups
        )
        lines = tuple(
            RejectLine(
                step=item.step,
                reference=item.reject.reference,
                source_key=item.reject.masked_key or "(none)",
                column=item.reject.column or "(the row)",
                value="NULL" if item.reject.value is None else item.reject.value,
                stage=item.reject.stage,
                reason=item.reject.reason,
                resolution=item.reject.resolution or "outstanding",
            )
            for item in found.page[:SHOWN_REJECTS]
        )
        rejected = {group.step for group in found.groups}
        filers = self._filers(run_id)
        steps = tuple(RejectedStep(step, *filers[step]) for step in filers if step in rejected)
        return RunRejectsView(found.rejects, found.rows, groups, lines, steps)

    def rejects_csv(self, step: RejectedStep) -> bytes:
        """The step's rejects from its run as CSV, source keys IN CLEAR (to find the rows in
        the source again); values stay masked as the reject table keeps them.

        Raises:
            ConfigNotFound, ConnectionFailed: as `export_rejects`.
        """
        # The file exists only while it is read back: the keys leave only in the download.
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "rejects.csv"
            migration.export_rejects(self.ctx, step.config, path=path, run_id=step.filed_by)
            return path.read_bytes()

    def csv_name(self, step: RejectedStep) -> str:
        """The download's file name: the step and the run that filed the rejects."""
        plain = re.sub(r"[^\w.-]+", "_", step.step)  # no path, no quote in a file name
        return f"rejects_{plain}_{step.filed_by[:8]}.csv"

    def replay(self, step: RejectedStep) -> str:
        """Queue a replay of the step's config's outstanding rejects (with its current, fixed
        version); returns the job's id.

        Raises:
            ConfigNotFound: the config was deleted; InvalidInput: as `submit_job`.
        """
        return self.jobs.start("migration", step.config, {"replay_rejects": True})

    def _filers(self, run_id: str) -> dict[str, tuple[str, str]]:
        # Step → (its config, the migration run that filed its rejects), where both are known.
        view = pipelines.get_run(self.ctx, run_id)
        if view.config_name is not None:  # a single migration: the record is its run
            return {name: (view.config_name, str(view.run.id)) for name in view.steps}
        return {
            name: (step.config_id, step.run_id)
            for name, step in view.steps.items()
            if step.config_id and step.run_id
        }


def _row(view: RunView) -> RunRow:
    record = view.run
    steps = list(view.steps.values())
    seconds = None
    if record.started_at is not None and record.finished_at is not None:
        seconds = round((record.finished_at - record.started_at).total_seconds(), 1)
    return RunRow(
        id=str(record.id),
        started=_moment(record.started_at or record.created_at),
        kind=view.kind,
        name=record.pipeline_name,
        status=str(record.status),
        rows_read=sum(step.rows_read for step in steps),
        rows_loaded=sum(step.rows_loaded for step in steps),
        rows_rejected=sum(step.rows_rejected for step in steps),
        seconds=seconds,
        reconciled=_verdict([step.reconciliation for step in steps]),
    )


def _verdict(checks: list[dict[str, Any] | None]) -> str:
    done = [check for check in checks if check]
    if not done:
        return ""
    return "yes" if all(check.get("ok") for check in done) else "no"


def _values(values: list[str] | None) -> str:
    if not values:
        return ""
    shown = ", ".join(values[:SAMPLE_VALUES])
    return f"{shown}, …" if len(values) > SAMPLE_VALUES else shown


def _moment(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S") if moment else ""
