"""Pipelines on each metadata store (SQLite, then PostgreSQL): define, check, run, record."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest

from models.migration_config import ErrorPolicy
from models.migration_run import MigrationOptions, MigrationResult, Reconciliation
from models.progress import ProgressEvent, ProgressKind
from models.status import RunStatus
from protocols.progress import ProgressSink, StopCheck, never_stop
from services import mapping
from services.context import ServiceContext
from services.errors import ConfigNotFound, Conflict, InvalidInput, NotFound, WriteFailed
from services.pipelines import (
    StepSpec,
    create_pipeline,
    delete_pipeline,
    get_pipeline,
    get_pipeline_run,
    list_pipeline_runs,
    list_pipelines,
    run_pipeline,
)

DIAMOND = [
    StepSpec("a", "cfg_a"),
    StepSpec("b", "cfg_b", ["a"], {"error_policy": "quarantine", "batch_size": 250}),
    StepSpec("c", "cfg_c", ["a"]),
    StepSpec("d", "cfg_d", ["b", "c"]),
]


def save_configs(ctx: ServiceContext, *names: str) -> dict[str, str]:
    """Saves a small valid config per name; returns config id → config name."""
    ids = {}
    for name in names:
        saved = mapping.save_config(
            ctx,
            {
                "name": name,
                "source_table": f"src_{name}",
                "target_table": f"dst_{name}",
                "mappings": [{"source": "id", "target": "id"}],
            },
        )
        ids[str(saved.config_id)] = name
    return ids


@pytest.fixture
def configs(store_ctx: ServiceContext) -> dict[str, str]:
    return save_configs(store_ctx, "cfg_a", "cfg_b", "cfg_c", "cfg_d", "cfg_e")


@dataclass
class Call:
    step: str
    options: MigrationOptions
    started: float
    finished: float = 0.0
    seen_in_store: dict[str, Any] = field(default_factory=dict)


class FakeSteps:
    """A step runner that "migrates" 100 rows per step, remembering when each step ran.

    Its hooks run inside the step (on the worker thread) to make steps wait for each other.
    """

    def __init__(self, config_names: dict[str, str]) -> None:
        self.config_names = config_names
        self.calls: dict[str, Call] = {}
        self.lock = threading.Lock()
        self.hooks: dict[str, Any] = {}
        self.failures: dict[str, Exception] = {}

    def __call__(
        self,
        ctx: ServiceContext,
        config: str,
        *,
        options: MigrationOptions,
        progress: ProgressSink,
        record: bool,
        stop: StopCheck = never_stop,
    ) -> MigrationResult:
        assert record is False
        step = self.config_names[config].removeprefix("cfg_")
        call = Call(step, options, time.monotonic())
        with self.lock:
            self.calls[step] = call
        # The executor names its events after the config; the pipeline renames them.
        progress(ProgressEvent(ProgressKind.STARTED, f"cfg_{step}", total=100))
        if step in self.hooks:
            self.hooks[step](ctx, call)
        progress(ProgressEvent(ProgressKind.ADVANCED, f"cfg_{step}", done=100, total=100))
        call.finished = time.monotonic()
        if step in self.failures:
            raise self.failures[step]
        progress(ProgressEvent(ProgressKind.FINISHED, f"cfg_{step}", done=100, total=100))
        reconciliation = Reconciliation(rows_read=100, rows_loaded=98, rows_rejected=2)
        return MigrationResult(
            step=f"cfg_{step}",
            status=RunStatus.SUCCEEDED,
            rows_read=100,
            rows_loaded=98,
            rows_rejected=2,
            batches=1,
            seconds=0.5,
            reconciliation=reconciliation,
        )


# --- defining pipelines -----------------------------------------------------------------------


def test_create_get_list_delete(store_ctx: ServiceContext, configs: dict[str, str]) -> None:
    created = create_pipeline(store_ctx, "nightly", DIAMOND, description="HOSxP → new HIS")
    view = get_pipeline(store_ctx, "nightly")
    assert view.pipeline == created.pipeline
    assert get_pipeline(store_ctx, str(created.pipeline.id)).pipeline == created.pipeline
    assert [node.name for node in view.nodes] == ["a", "b", "c", "d"]
    assert view.dependencies == {"a": [], "b": ["a"], "c": ["a"], "d": ["b", "c"]}
    assert [[node.name for node in level] for level in view.levels] == [["a"], ["b", "c"], ["d"]]
    assert view.config_names == {"a": "cfg_a", "b": "cfg_b", "c": "cfg_c", "d": "cfg_d"}
    by_name = {node.name: node for node in view.nodes}
    assert by_name["b"].settings == {"error_policy": "quarantine", "batch_size": 250}
    assert configs[str(by_name["d"].config_id)] == "cfg_d"

    # A config can be named by id too.
    cfg_e_id = next(key for key, name in configs.items() if name == "cfg_e")
    create_pipeline(store_ctx, "single", [StepSpec("only", cfg_e_id)])
    assert [v.pipeline.name for v in list_pipelines(store_ctx)] == ["nightly", "single"]

    delete_pipeline(store_ctx, "nightly")
    assert [v.pipeline.name for v in list_pipelines(store_ctx)] == ["single"]
    with pytest.raises(NotFound, match="No pipeline called 'nightly'."):
        get_pipeline(store_ctx, "nightly")


def test_a_taken_name_is_a_conflict(store_ctx: ServiceContext, configs: dict[str, str]) -> None:
    create_pipeline(store_ctx, "nightly", DIAMOND)
    with pytest.raises(Conflict, match="A pipeline called 'nightly' already exists."):
        create_pipeline(store_ctx, "nightly", [StepSpec("x", "cfg_a")])
    assert [node.name for node in get_pipeline(store_ctx, "nightly").nodes] == ["a", "b", "c", "d"]


@pytest.mark.parametrize(
    ("steps", "error", "message"),
    [
        (
            [StepSpec("a", "cfg_a"), StepSpec("b", "no_such_config", ["a"])],
            ConfigNotFound,
            "Step 'b': no mapping config called 'no_such_config'.",
        ),
        (
            [StepSpec("a", "cfg_a"), StepSpec("b", "cfg_b", ["z"])],
            InvalidInput,
            "Step 'b' depends on 'z', which is not a step of pipeline 'nightly' (steps: a, b).",
        ),
        (
            [StepSpec("a", "cfg_a"), StepSpec("a", "cfg_b")],
            InvalidInput,
            "Pipeline 'nightly' has two steps called 'a'.",
        ),
        (
            [
                StepSpec("patients", "cfg_a"),
                StepSpec("visits", "cfg_b", ["patients", "diagnoses"]),
                StepSpec("diagnoses", "cfg_c", ["visits"]),
            ],
            InvalidInput,
            "Pipeline 'nightly' has a cycle: diagnoses → visits → diagnoses.",
        ),
        (
            [StepSpec("a", "cfg_a", ["a"])],
            InvalidInput,
            "Pipeline 'nightly' has a cycle: a → a.",
        ),
        (
            [StepSpec("a", "cfg_a", [], {"error_policy": "skip"})],
            InvalidInput,
            "Step 'a': error_policy must be stop or quarantine, not 'skip'.",
        ),
        ([], InvalidInput, "Pipeline 'nightly' has no steps."),
    ],
    ids=[
        "unknown-config",
        "unknown-dependency",
        "duplicate-step",
        "cycle",
        "self-loop",
        "bad-setting",
        "no-steps",
    ],  # fmt: skip
)
def test_bad_pipelines_are_refused_and_nothing_is_saved(
    store_ctx: ServiceContext,
    configs: dict[str, str],
    steps: list[StepSpec],
    error: type[Exception],
    message: str,
) -> None:
    with pytest.raises(error) as raised:
        create_pipeline(store_ctx, "nightly", steps)
    assert raised.value.message == message  # type: ignore[attr-defined]
    assert list_pipelines(store_ctx) == []
    with store_ctx.uow() as uow:
        assert uow.pipelines.list() == []


def test_a_deleted_config_cannot_be_used(
    store_ctx: ServiceContext, configs: dict[str, str]
) -> None:
    mapping.delete_config(store_ctx, "cfg_a")
    with pytest.raises(ConfigNotFound, match="Step 'a': mapping config 'cfg_a' was deleted."):
        create_pipeline(store_ctx, "nightly", [StepSpec("a", "cfg_a")])


# --- running them -----------------------------------------------------------------------------


def test_diamond_runs_each_step_once_its_dependencies_succeeded(
    store_ctx: ServiceContext, configs: dict[str, str]
) -> None:
    create_pipeline(store_ctx, "nightly", DIAMOND)
    steps = FakeSteps(configs)
    # b and c each wait for the other: both must be running at once, or the barrier breaks.
    barrier = threading.Barrier(2, timeout=10)
    steps.hooks["b"] = steps.hooks["c"] = lambda ctx, call: barrier.wait()

    def look_at_the_store(ctx: ServiceContext, call: Call) -> None:
        call.seen_in_store = list_pipeline_runs(ctx, "nightly")[0].summary

    steps.hooks["d"] = look_at_the_store
    events: list[ProgressEvent] = []
    run = run_pipeline(
        store_ctx,
        "nightly",
        options=MigrationOptions(batch_size=1000),
        max_workers=2,
        progress=events.append,  # list.append is atomic: safe from worker threads
        run_step=steps,
    )

    assert run.status == RunStatus.SUCCEEDED and run.error is None
    calls = steps.calls
    assert calls["d"].started >= max(calls["b"].finished, calls["c"].finished)
    assert calls["b"].started >= calls["a"].finished and calls["c"].started >= calls["a"].finished
    assert run.summary["order"][0] == "a" and run.summary["order"][-1] == "d"
    assert sorted(run.summary["order"][1:3]) == ["b", "c"]

    # Step settings override the run's options; the others keep them.
    assert calls["b"].options == MigrationOptions(
        batch_size=250, error_policy=ErrorPolicy.QUARANTINE
    )
    assert calls["c"].options == MigrationOptions(batch_size=1000)

    # The record was committed as steps finished: d saw a, b and c done in the store.
    seen = calls["d"].seen_in_store["steps"]
    assert [seen[name]["status"] for name in "abc"] == ["succeeded"] * 3
    assert seen["d"]["status"] in ("pending", "running")  # queued, or its start is recorded

    stored = get_pipeline_run(store_ctx, run.id)
    assert stored.status == RunStatus.SUCCEEDED
    assert stored.started_at is not None and stored.finished_at is not None
    assert stored.summary == run.summary
    for name in "abcd":
        step = stored.summary["steps"][name]
        assert step["status"] == "succeeded" and step["error"] is None
        assert (step["rows_read"], step["rows_loaded"], step["rows_rejected"]) == (100, 98, 2)
        assert (step["seconds"], step["rows_per_second"]) == (0.5, 200.0)
        assert step["reconciliation"]["ok"] is True
        started = datetime.fromisoformat(step["started_at"])
        assert stored.started_at <= started <= datetime.fromisoformat(step["finished_at"])
    assert stored.summary["steps"]["d"]["depends_on"] == ["b", "c"]

    pipeline_events = [(e.kind, e.done, e.total) for e in events if e.subject == "nightly"]
    assert pipeline_events == [
        (ProgressKind.STARTED, 0, 4),
        (ProgressKind.ADVANCED, 1, 4),
        (ProgressKind.ADVANCED, 2, 4),
        (ProgressKind.ADVANCED, 3, 4),
        (ProgressKind.ADVANCED, 4, 4),
        (ProgressKind.FINISHED, 4, 4),
    ]
    step_events = [(e.subject, e.kind) for e in events if e.subject == "d"]
    assert step_events == [
        ("d", ProgressKind.STARTED),
        ("d", ProgressKind.ADVANCED),
        ("d", ProgressKind.FINISHED),
    ]
    assert not [e for e in events if e.subject.startswith("cfg_")]


def test_a_failed_step_skips_its_dependants_and_the_rest_goes_on(
    store_ctx: ServiceContext, configs: dict[str, str]
) -> None:
    steps_with_e = [*DIAMOND, StepSpec("e", "cfg_e", ["d"])]
    create_pipeline(store_ctx, "nightly", steps_with_e)
    steps = FakeSteps(configs)
    failure = WriteFailed("The target refused rows 201-300 of dst_cfg_b: duplicate key (hn).")
    failure.result = MigrationResult(  # type: ignore[attr-defined]
        step="cfg_b", status=RunStatus.FAILED, rows_read=300, rows_loaded=200, seconds=1.5
    )
    steps.failures["b"] = failure
    events: list[ProgressEvent] = []

    run = run_pipeline(store_ctx, "nightly", progress=events.append, run_step=steps)

    assert run.status == RunStatus.FAILED
    assert run.error == (
        "1 of 5 steps failed: b (The target refused rows 201-300 of dst_cfg_b: duplicate key "
        "(hn).); skipped: d, e"
    )
    stored = get_pipeline_run(store_ctx, run.id).summary["steps"]
    assert {name: stored[name]["status"] for name in "abcde"} == {
        "a": "succeeded",
        "b": "failed",
        "c": "succeeded",
        "d": "skipped",
        "e": "skipped",
    }
    assert (stored["b"]["rows_read"], stored["b"]["rows_loaded"], stored["b"]["seconds"]) == (
        300,
        200,
        1.5,
    )
    assert stored["d"]["error"] == stored["e"]["error"] == "dependency b failed"
    assert stored["d"]["started_at"] is None
    assert set(steps.calls) == {"a", "b", "c"}  # d and e never started
    assert get_pipeline_run(store_ctx, run.id).summary["order"][-1] in ("b", "c")

    ends = {e.subject: (e.kind, e.message) for e in events if e.kind == ProgressKind.FAILED}
    assert ends["b"] == (ProgressKind.FAILED, failure.message)
    assert ends["d"] == (ProgressKind.FAILED, "skipped: dependency b failed")
    assert ends["nightly"] == (ProgressKind.FAILED, run.error)
    assert [e.done for e in events if e.subject == "nightly"][-2:] == [5, 5]


def test_a_step_starts_as_soon_as_its_own_dependencies_are_done(
    store_ctx: ServiceContext, configs: dict[str, str]
) -> None:
    # a → c, and b alone. Level by level, c would wait for b; it must not.
    create_pipeline(
        store_ctx,
        "eager",
        [StepSpec("a", "cfg_a"), StepSpec("b", "cfg_b"), StepSpec("c", "cfg_c", ["a"])],
    )
    steps = FakeSteps(configs)
    c_started = threading.Event()
    steps.hooks["c"] = lambda ctx, call: c_started.set()

    def wait_for_c(ctx: ServiceContext, call: Call) -> None:
        if not c_started.wait(timeout=10):
            raise WriteFailed("c did not start while b was running")

    steps.hooks["b"] = wait_for_c
    run = run_pipeline(store_ctx, "eager", max_workers=2, run_step=steps)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert steps.calls["c"].started < steps.calls["b"].finished


def test_one_worker_runs_the_steps_one_at_a_time(
    store_ctx: ServiceContext, configs: dict[str, str]
) -> None:
    create_pipeline(store_ctx, "nightly", DIAMOND)
    steps = FakeSteps(configs)
    run = run_pipeline(store_ctx, "nightly", max_workers=1, run_step=steps)
    assert run.status == RunStatus.SUCCEEDED
    spans = sorted((call.started, call.finished) for call in steps.calls.values())
    assert all(later[0] >= earlier[1] for earlier, later in zip(spans, spans[1:], strict=False))
    assert run.summary["order"] == ["a", "b", "c", "d"]  # ready steps start in name order


def test_an_unexpected_error_is_stored_as_one_line_without_a_traceback(
    store_ctx: ServiceContext, configs: dict[str, str]
) -> None:
    create_pipeline(store_ctx, "nightly", DIAMOND)
    steps = FakeSteps(configs)
    steps.failures["c"] = RuntimeError("driver exploded\n  File 'x.py', line 3\n    boom()")
    run = run_pipeline(store_ctx, "nightly", run_step=steps)
    step = get_pipeline_run(store_ctx, run.id).summary["steps"]["c"]
    assert step["error"] == "unexpected failure (RuntimeError); the details are in the log"
    assert "\n" not in (run.error or "") and "boom" not in (run.error or "")


def test_runs_are_listed_per_pipeline_and_kept_after_it_is_deleted(
    store_ctx: ServiceContext, configs: dict[str, str]
) -> None:
    create_pipeline(store_ctx, "nightly", DIAMOND)
    create_pipeline(store_ctx, "other", [StepSpec("x", "cfg_e")])
    first = run_pipeline(store_ctx, "nightly", run_step=FakeSteps(configs))
    second = run_pipeline(store_ctx, "nightly", run_step=FakeSteps(configs))
    run_pipeline(store_ctx, "other", run_step=FakeSteps(configs))
    assert [run.id for run in list_pipeline_runs(store_ctx, "nightly")] == [second.id, first.id]
    assert len(list_pipeline_runs(store_ctx)) == 3

    delete_pipeline(store_ctx, "nightly")
    kept = list_pipeline_runs(store_ctx, "nightly")
    assert [run.id for run in kept] == [second.id, first.id]
    assert all(run.pipeline_id is None for run in kept)
    with pytest.raises(NotFound, match="No pipeline called 'never'."):
        list_pipeline_runs(store_ctx, "never")
    with pytest.raises(NotFound):
        get_pipeline_run(store_ctx, uuid.uuid4())


def test_bad_run_arguments_are_refused(store_ctx: ServiceContext, configs: dict[str, str]) -> None:
    create_pipeline(store_ctx, "nightly", DIAMOND)
    with pytest.raises(InvalidInput, match="Workers must be at least 1, not 0."):
        run_pipeline(store_ctx, "nightly", max_workers=0, run_step=FakeSteps(configs))
    with pytest.raises(NotFound, match="No pipeline called 'nope'."):
        run_pipeline(store_ctx, "nope", run_step=FakeSteps(configs))
    assert list_pipeline_runs(store_ctx) == []


def test_resume_runs_only_what_the_last_run_did_not_finish(
    store_ctx: ServiceContext, configs: dict[str, str]
) -> None:
    create_pipeline(store_ctx, "nightly", DIAMOND)
    failing = FakeSteps(configs)
    failing.failures["b"] = WriteFailed("The target refused rows 1-100.")
    first = run_pipeline(store_ctx, "nightly", run_step=failing)
    assert first.status == RunStatus.FAILED

    steps = FakeSteps(configs)
    events: list[ProgressEvent] = []
    again = run_pipeline(
        store_ctx,
        "nightly",
        options=MigrationOptions(resume=True),
        progress=events.append,
        run_step=steps,
    )

    assert again.status == RunStatus.SUCCEEDED, again.error
    assert sorted(steps.calls) == ["b", "d"]  # a and c succeeded before: not loaded twice
    assert all(call.options.resume for call in steps.calls.values())
    summary = get_pipeline_run(store_ctx, again.id).summary
    assert summary["resumed_run"] == str(first.id)
    assert summary["order"] == ["b", "d"]
    assert {name: summary["steps"][name].get("kept_from_run") for name in "abcd"} == {
        "a": str(first.id),
        "b": None,
        "c": str(first.id),
        "d": None,
    }
    assert all(summary["steps"][name]["status"] == "succeeded" for name in "abcd")
    assert summary["steps"]["a"]["rows_loaded"] == 98
    kept = [
        e.subject for e in events if e.kind == ProgressKind.FINISHED and e.subject in ("a", "c")
    ]
    assert kept == ["a", "c"]

    # A run that succeeded completely leaves nothing to resume.
    third = run_pipeline(
        store_ctx, "nightly", options=MigrationOptions(resume=True), run_step=FakeSteps(configs)
    )
    assert third.status == RunStatus.SUCCEEDED and third.summary["order"] == []
    assert third.summary["steps"]["b"]["kept_from_run"] == str(again.id)
    assert third.summary["steps"]["a"]["kept_from_run"] == str(first.id)


class Interrupt(Exception):
    """Stands for Ctrl-C reaching the thread that runs the pipeline."""


def test_an_interrupted_run_records_what_really_happened(
    store_ctx: ServiceContext, configs: dict[str, str]
) -> None:
    create_pipeline(store_ctx, "nightly", DIAMOND)
    steps = FakeSteps(configs)

    def interrupt_after_the_first_step(event: ProgressEvent) -> None:
        if event.subject == "nightly" and event.kind == ProgressKind.ADVANCED:
            raise Interrupt

    with pytest.raises(Interrupt):
        run_pipeline(store_ctx, "nightly", progress=interrupt_after_the_first_step, run_step=steps)

    (run,) = list_pipeline_runs(store_ctx, "nightly")
    assert run.status == RunStatus.CANCELLED and run.finished_at is not None
    assert run.error == "The pipeline run was interrupted."
    summary = run.summary["steps"]
    assert summary["a"]["status"] == "succeeded"
    assert summary["d"] == {**summary["d"], "status": "skipped", "started_at": None}
    # b and c were queued when the interruption came: each either ran to its end (and says
    # so) or was cancelled before it started.
    for name in "bc":
        ran = name in steps.calls
        assert summary[name]["status"] == ("succeeded" if ran else "skipped"), name
        assert (summary[name]["started_at"] is not None) == ran
    assert "d" not in steps.calls
