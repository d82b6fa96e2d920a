"""Runs a pipeline's steps on a bounded thread pool, each as soon as its dependencies succeeded."""

from __future__ import annotations

import dataclasses
import logging
import queue
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from models.common import utc_now
from models.migration_run import MigrationOptions, MigrationResult
from models.pipeline import SKIPPED, WAITING, Pipeline, PipelineNode, PipelineRun, StepSummary
from models.progress import ProgressEvent, ProgressKind
from models.status import RunStatus
from protocols.progress import ProgressSink, StopCheck, never_stop
from services.context import ServiceContext
from services.errors import HisError, RunCancelled
from services.pipelines import dag
from services.pipelines.definition import step_options
from utils.text import one_line

log = logging.getLogger(__name__)

_MAX_ERROR_LENGTH = 500


class StepRunner(Protocol):
    """Runs one mapping config; raises a `HisError` (maybe with `.result`) when it fails."""

    def __call__(
        self,
        ctx: ServiceContext,
        config: str,
        *,
        options: MigrationOptions,
        progress: ProgressSink,
        record: bool,
        stop: StopCheck,
    ) -> MigrationResult: ...


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What a worker reports when its step is over."""

    result: MigrationResult | None
    error: str | None
    seconds: float
    finished_at: datetime
    cancelled: bool = False  # stopped between two batches as asked; its checkpoint stays


class _StepSink:
    """Passes a step's events on under the step's name; remembers whether it reported an end."""

    def __init__(self, step: str, sink: ProgressSink) -> None:
        self.step = step
        self.sink = sink
        self.ended = False

    def __call__(self, event: ProgressEvent) -> None:
        if event.kind in (ProgressKind.FINISHED, ProgressKind.FAILED):
            self.ended = True
        # The executor names a step after its config; the pipeline's step name is what users see.
        self.sink(dataclasses.replace(event, subject=self.step))


def execute(
    ctx: ServiceContext,
    pipeline: Pipeline,
    nodes: list[PipelineNode],
    parents: dict[str, list[str]],
    *,
    options: MigrationOptions,
    max_workers: int,
    progress: ProgressSink,
    run_step: StepRunner,
    earlier: PipelineRun | None = None,
    stop: StopCheck = never_stop,
    run_id: uuid.UUID | None = None,
) -> PipelineRun:
    """Run an acyclic pipeline and return its finished run record (see `run_pipeline`).

    Steps that succeeded in `earlier` (a run of the same pipeline being resumed) are not run
    again: their outcome is copied, marked with "kept_from_run".
    """
    execution = _Execution(ctx, pipeline, nodes, parents, options, progress, run_step, stop)
    if run_id is not None:
        execution.record.id = run_id
    if earlier is not None:
        execution.keep_succeeded_steps_of(earlier)
    return execution.run(max_workers)


class _Execution:
    """One run. Only the calling thread touches the summary and the store: workers post
    ("started" | "finished", step, payload) messages to a queue, so no lock is needed."""

    def __init__(
        self,
        ctx: ServiceContext,
        pipeline: Pipeline,
        nodes: list[PipelineNode],
        parents: dict[str, list[str]],
        options: MigrationOptions,
        progress: ProgressSink,
        run_step: StepRunner,
        stop: StopCheck = never_stop,
    ) -> None:
        self.ctx = ctx
        self.stop = stop
        self.nodes = {node.name: node for node in nodes}
        self.children = dag.dependants(parents)
        self.waiting = {name: set(own) for name, own in parents.items()}
        self.options = options
        self.progress = progress
        self.run_step = run_step
        self.messages: queue.Queue[tuple[str, str, Any]] = queue.Queue()
        self.in_flight = 0
        self.steps: dict[str, StepSummary] = {
            node.name: StepSummary(
                config_id=str(node.config_id) if node.config_id else None,
                depends_on=list(parents[node.name]),
                settings=dict(node.settings),
            )
            for node in nodes
        }
        self.record = PipelineRun(
            pipeline_id=pipeline.id,
            pipeline_name=pipeline.name,
            status=RunStatus.RUNNING,
            started_at=utc_now(),
            summary={"kind": "pipeline", "steps": {}, "order": []},
        )
        self.kept: list[str] = []

    def keep_succeeded_steps_of(self, earlier: PipelineRun) -> None:
        """Count the steps that succeeded in `earlier` as done, so only the rest run again."""
        for name, step in earlier.steps().items():
            mine = self.steps.get(name)
            # Only the very same step: same config, and it really finished.
            if mine is None or mine.config_id != step.config_id:
                continue
            if step.status != RunStatus.SUCCEEDED:
                continue
            # Where the step really ran: a run resumed twice still names the first one.
            ran_in = step.kept_from_run or str(earlier.id)
            self.steps[name] = dataclasses.replace(
                step, depends_on=mine.depends_on, kept_from_run=ran_in
            )
            self.kept.append(name)
            for child in self.children.get(name, ()):
                self.waiting[child].discard(name)
        self.record.summary["resumed_run"] = str(earlier.id)

    def run(self, max_workers: int) -> PipelineRun:
        ready = [name for name, own in self.waiting.items() if not own and name not in self.kept]
        for name in ready:
            self.steps[name].status = str(RunStatus.PENDING)
        self._sync_summary()
        with self.ctx.uow() as uow:
            uow.pipeline_runs.add(self.record)
            uow.commit()
        log.info("pipeline %r: run %s started", self.record.pipeline_name, self.record.id)
        self._emit(ProgressKind.STARTED, total=len(self.steps))
        for name in sorted(self.kept):
            done = int(self.steps[name].rows_read or 0)
            message = f"succeeded in run {self.steps[name].kept_from_run}"
            self.progress(ProgressEvent(ProgressKind.FINISHED, name, done, done, message))
        if self.kept:
            self._emit(ProgressKind.ADVANCED, done=self._settled(), total=len(self.steps))
        pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="pipeline-step")
        try:
            self._submit(pool, ready)
            while self.in_flight:
                kind, step, payload = self.messages.get()
                if kind == "started":
                    self._started(step, payload)
                else:
                    self.in_flight -= 1
                    self._finished(pool, step, payload)
        except BaseException:
            # Ctrl-C or a store failure. Queued steps are cancelled; running ones cannot be
            # stopped from outside, so wait for them and record how they ended, then re-raise.
            pool.shutdown(wait=True, cancel_futures=True)
            self._abandon()
            raise
        pool.shutdown(wait=True)
        return self._finish()

    # --- the calling thread -------------------------------------------------------------------

    def _submit(self, pool: ThreadPoolExecutor, names: list[str]) -> None:
        # Steps start in name order when more are ready than there are workers.
        for name in sorted(names):
            self.in_flight += 1
            pool.submit(self._work, self.nodes[name])

    def _started(self, step: str, at: datetime) -> None:
        self._record_start(step, at)
        self._store()

    def _record_start(self, step: str, at: datetime) -> None:
        self.steps[step].status = str(RunStatus.RUNNING)
        self.steps[step].started_at = at.isoformat()
        self.record.summary["order"].append(step)

    def _finished(self, pool: ThreadPoolExecutor, step: str, outcome: _Outcome) -> None:
        self._record_outcome(step, outcome)
        released = []
        if outcome.cancelled or self.stop():
            # Asked to stop: what waits does not start; a resume runs it.
            self._skip_dependants_of(step, reason="the pipeline run was cancelled")
        elif outcome.error:
            log.warning("pipeline %r: step %r failed: %s", self._name, step, outcome.error)
            self._skip_dependants_of(step)
        else:
            for child in self.children.get(step, ()):
                self.waiting[child].discard(step)
                if not self.waiting[child] and self.steps[child].status == WAITING:
                    self.steps[child].status = str(RunStatus.PENDING)  # queued for a worker
                    released.append(child)
        # Stored before the dependants start: they may read what their dependencies did.
        self._store()
        self._submit(pool, released)
        self._emit(ProgressKind.ADVANCED, done=self._settled(), total=len(self.steps))

    def _record_outcome(self, step: str, outcome: _Outcome) -> None:
        summary = self.steps[step]
        result = outcome.result
        if result is not None:
            summary.rows_read = result.rows_read
            summary.rows_loaded = result.rows_loaded
            summary.rows_rejected = result.rows_rejected
            summary.rows_per_second = round(result.rows_per_second, 1)
            summary.reconciliation = (
                result.reconciliation.to_dict() if result.reconciliation else None
            )
            if result.run_id is not None and not result.test:
                summary.run_id = str(result.run_id)
        seconds = result.seconds if result is not None and result.seconds > 0 else outcome.seconds
        if outcome.cancelled:
            summary.status = str(RunStatus.CANCELLED)
        else:
            summary.status = str(RunStatus.FAILED if outcome.error else RunStatus.SUCCEEDED)
        summary.error = outcome.error
        summary.seconds = round(seconds, 3)
        summary.finished_at = outcome.finished_at.isoformat()

    def _skip_dependants_of(self, failed: str, reason: str | None = None) -> None:
        reason = reason or f"dependency {failed} failed"
        for name in dag.transitive_dependants(failed, self.children):
            # Another failed dependency may have skipped it already: its first reason stands.
            if self.steps[name].status == WAITING:
                self.steps[name].status, self.steps[name].error = SKIPPED, reason
                self.progress(
                    ProgressEvent(ProgressKind.FAILED, name, message=f"skipped: {reason}")
                )

    def _finish(self) -> PipelineRun:
        failed = [name for name, step in self.steps.items() if step.status == RunStatus.FAILED]
        skipped = [name for name, step in self.steps.items() if step.status == SKIPPED]
        cancelled = [n for n, step in self.steps.items() if step.status == RunStatus.CANCELLED]
        succeeded = not failed and not skipped and not cancelled
        self.record.status = RunStatus.SUCCEEDED if succeeded else RunStatus.FAILED
        self.record.error = None if succeeded else self._failure_line(failed, skipped)
        if not succeeded and not failed and (cancelled or self.stop()):
            self.record.status = RunStatus.CANCELLED
            done = sum(step.status == RunStatus.SUCCEEDED for step in self.steps.values())
            self.record.error = (
                f"Cancelled after {done} of {len(self.steps)} steps; a resume runs the rest."
            )
        self.record.finished_at = utc_now()
        self._store()
        log.info("pipeline %r: run %s %s", self._name, self.record.id, self.record.status)
        if succeeded:
            self._emit(ProgressKind.FINISHED, done=len(self.steps), total=len(self.steps))
        else:
            self._emit(ProgressKind.FAILED, done=self._settled(), message=self.record.error)
        return self.record

    def _failure_line(self, failed: list[str], skipped: list[str]) -> str:
        reasons = "; ".join(f"{name} ({self.steps[name].error})" for name in failed)
        line = f"{len(failed)} of {len(self.steps)} steps failed: {reasons}"
        if skipped:
            line += f"; skipped: {', '.join(skipped)}"
        return one_line(line, limit=2 * _MAX_ERROR_LENGTH)

    def _abandon(self) -> None:
        # The workers are done: what they reported after the interruption is still queued.
        while not self.messages.empty():
            kind, name, payload = self.messages.get_nowait()
            if kind == "started":
                self._record_start(name, payload)
            else:
                self._record_outcome(name, payload)
        for step in self.steps.values():
            if step.status == RunStatus.RUNNING:
                step.status, step.error = str(RunStatus.FAILED), "interrupted while running"
            elif step.status in (WAITING, RunStatus.PENDING):
                step.status, step.error = SKIPPED, "the pipeline run was interrupted"
        self.record.status = RunStatus.CANCELLED
        self.record.error = "The pipeline run was interrupted."
        self.record.finished_at = utc_now()
        try:
            self._store()
        except Exception:  # the original interruption matters more than this one
            log.exception("pipeline %r: could not record the interrupted run", self._name)

    def _sync_summary(self) -> None:
        self.record.summary["steps"] = {name: step.to_json() for name, step in self.steps.items()}

    def _store(self) -> None:
        self._sync_summary()
        with self.ctx.uow() as uow:
            uow.pipeline_runs.update(self.record)
            uow.commit()

    def _emit(self, kind: ProgressKind, **fields: Any) -> None:
        self.progress(ProgressEvent(kind, self._name, **fields))

    def _settled(self) -> int:
        final = (RunStatus.SUCCEEDED, RunStatus.FAILED, SKIPPED)
        return sum(step.status in final for step in self.steps.values())

    @property
    def _name(self) -> str:
        return self.record.pipeline_name

    # --- worker threads -----------------------------------------------------------------------

    def _work(self, node: PipelineNode) -> None:
        self.messages.put(("started", node.name, utc_now()))
        clock = time.monotonic()
        sink = _StepSink(node.name, self.progress)
        result: MigrationResult | None = None
        error: str | None = "the step stopped unexpectedly"
        cancelled = False
        try:
            result, error, cancelled = self._call(node, sink)
            if not sink.ended:  # every step's events end in FINISHED or FAILED
                kind = ProgressKind.FAILED if error else ProgressKind.FINISHED
                sink(ProgressEvent(kind, node.name, message=error))
        finally:
            # Always posted, or the calling thread would wait for this step forever.
            seconds = time.monotonic() - clock
            outcome = _Outcome(result, error, seconds, utc_now(), cancelled=cancelled)
            self.messages.put(("finished", node.name, outcome))

    def _call(
        self, node: PipelineNode, sink: ProgressSink
    ) -> tuple[MigrationResult | None, str | None, bool]:
        """What the step returned, its error line, and whether it stopped as asked."""
        if node.config_id is None:
            return None, "the step has no mapping config", False
        if self.stop():
            return None, "the pipeline run was cancelled before the step started", True
        try:
            result = self.run_step(
                self.ctx,
                str(node.config_id),
                options=step_options(self.options, node.settings),
                progress=sink,
                record=False,
                stop=self.stop,
            )
        except RunCancelled as error:
            return None, one_line(error.message, limit=_MAX_ERROR_LENGTH), True
        except HisError as error:
            # MigrationFailed carries how far the step got; a step runner may attach it to
            # any HisError it raises.
            partial = getattr(error, "result", None)
            partial = partial if isinstance(partial, MigrationResult) else None
            return partial, one_line(error.message, limit=_MAX_ERROR_LENGTH), False
        except Exception as error:
            log.exception("pipeline %r: step %r failed unexpectedly", self._name, node.name)
            failure = f"unexpected failure ({type(error).__name__}); the details are in the log"
            return None, failure, False
        if result.status != RunStatus.SUCCEEDED:
            line = one_line(
                result.error or f"the step ended {result.status}", limit=_MAX_ERROR_LENGTH
            )
            return result, line, False
        return result, None, False
