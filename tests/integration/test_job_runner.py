"""The job runner on each metadata store (SQLite, PostgreSQL): real migrations between SQLite
databases, claimed from the store, watched through their stored events, cancelled, resumed."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from models.common import utc_now
from models.job import Job, JobEventType, JobKind
from models.status import RunStatus
from services import jobs
from services.context import ServiceContext
from services.errors import ConfigNotFound, Conflict, InvalidInput
from tests.integration.migration_fixtures import execute, fetch, mapping, register, save

ROWS = 3_000
FINAL = {RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED, RunStatus.INTERRUPTED}


@pytest.fixture
def visits_config(store_ctx: ServiceContext, tmp_path: Path) -> tuple[str, Path]:
    """A config moving ROWS visits from one SQLite file into a new table of another."""
    source, target = tmp_path / "hosxp.db", tmp_path / "newhis.db"
    execute(
        source,
        "CREATE TABLE ovst (vn INTEGER PRIMARY KEY, hn TEXT NOT NULL, income REAL)",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) "
        "INSERT INTO ovst SELECT i, printf('%09d', i % 700), i * 1.25 FROM n",
    )
    execute(target, "CREATE TABLE keep (x INTEGER)")
    name = save(
        store_ctx,
        register(store_ctx, "hosxp", source),
        register(store_ctx, "newhis", target),
        name="visits",
        source_table="ovst",
        target_table="new_ovst",
        create_target_table=True,
        batch_size=100,
        mappings=mapping("vn", "hn", "income"),
    )
    return name, target


def wait_until(job_id: object, ctx: ServiceContext, statuses: set[RunStatus]) -> Job:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        job = jobs.get_job(ctx, job_id)
        if job.status in statuses:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} is still {jobs.get_job(ctx, job_id).status}")


def target_rows(target: Path) -> list[tuple]:
    return fetch(target, "SELECT vn, hn, income FROM new_ovst ORDER BY vn")


def source_rows() -> list[tuple]:
    return [(i, f"{i % 700:09d}", i * 1.25) for i in range(1, ROWS + 1)]


def test_a_queued_migration_runs_and_tells_every_step_in_numbered_events(
    store_ctx: ServiceContext, visits_config: tuple[str, Path]
) -> None:
    config, target = visits_config
    runner = jobs.JobRunner(store_ctx, workers=1, poll_seconds=0.05).start()
    try:
        job = jobs.submit_job(store_ctx, "migration", config)
        done = wait_until(job.id, store_ctx, FINAL)
    finally:
        runner.close()

    assert done.status is RunStatus.SUCCEEDED, done.error
    assert target_rows(target) == source_rows()
    assert done.attempts == 1 and done.owner == runner.owner and done.progress == 1.0
    assert done.result["rows_loaded"] == ROWS and done.result["reconciled"]["ok"] is True
    events = jobs.list_job_events(store_ctx, job.id)
    assert [event.seq for event in events] == list(range(1, len(events) + 1))
    types = [event.type for event in events]
    assert types[:3] == [JobEventType.QUEUED, JobEventType.STARTED, JobEventType.STEP]
    assert types[-2:] == [JobEventType.STEP, JobEventType.COMPLETED]
    batches = [event.data for event in events if event.type is JobEventType.BATCH]
    assert [batch["rows_done"] for batch in batches] == list(range(100, ROWS + 1, 100))
    assert all(batch["step"] == "visits" and batch["rows_per_second"] > 0 for batch in batches)
    assert events[-1].data["status"] == "succeeded"
    assert events[-1].data["summary"]["rows_loaded"] == ROWS
    assert done.pipeline_run_id is not None  # its entry in the run history
    later = jobs.list_job_events(store_ctx, job.id, after=len(events) - 2)
    assert [event.seq for event in later] == [len(events) - 1, len(events)]


def test_cancel_stops_between_batches_and_resume_completes_every_row_once(
    store_ctx: ServiceContext, visits_config: tuple[str, Path]
) -> None:
    config, target = visits_config
    runner = jobs.JobRunner(store_ctx, workers=1, poll_seconds=0.05, heartbeat_seconds=0.1)
    first_batch = threading.Event()
    runner.add_listener(lambda event: event.type is JobEventType.BATCH and first_batch.set())
    runner.start()
    try:
        job = jobs.submit_job(store_ctx, "migration", config, options={"batch_size": 10})
        assert first_batch.wait(60)
        jobs.cancel_job(store_ctx, job.id)
        cancelled = wait_until(job.id, store_ctx, FINAL)
        loaded_before = len(target_rows(target))

        assert cancelled.status is RunStatus.CANCELLED
        assert 0 < loaded_before < ROWS and loaded_before % 10 == 0  # whole batches only
        with pytest.raises(Conflict):
            jobs.cancel_job(store_ctx, job.id)  # it has ended

        jobs.resume_job(store_ctx, job.id)
        with pytest.raises(Conflict):
            jobs.resume_job(store_ctx, job.id)  # one resume wins: it is queued already
        resumed = wait_until(job.id, store_ctx, {RunStatus.SUCCEEDED, RunStatus.FAILED})
    finally:
        runner.close()

    assert resumed.status is RunStatus.SUCCEEDED, resumed.error
    assert target_rows(target) == source_rows()  # every row, none twice
    assert resumed.attempts == 2
    assert resumed.result["resumed_from"] == loaded_before
    types = [event.type for event in jobs.list_job_events(store_ctx, job.id)]
    assert types.count(JobEventType.CANCELLED) == 1 and types.count(JobEventType.STARTED) == 2
    assert JobEventType.ERROR not in types  # a cancel is no failure


def test_a_job_whose_runner_died_is_marked_interrupted_then_resumes(
    store_ctx: ServiceContext, visits_config: tuple[str, Path]
) -> None:
    config, target = visits_config
    job = jobs.submit_job(store_ctx, "migration", config)
    with store_ctx.uow() as uow:  # claimed by a runner on another host that went silent
        claimed = uow.jobs.claim_next("far-away-host:1:dead00", utc_now() - timedelta(minutes=5))
        uow.commit()
    assert claimed is not None and claimed.id == job.id

    runner = jobs.JobRunner(store_ctx, workers=1, poll_seconds=0.05, stale_seconds=60).start()
    try:
        interrupted = jobs.get_job(store_ctx, job.id)
        assert interrupted.status is RunStatus.INTERRUPTED
        assert jobs.list_job_events(store_ctx, job.id)[-1].type is JobEventType.INTERRUPTED
        jobs.resume_job(store_ctx, job.id)
        done = wait_until(job.id, store_ctx, {RunStatus.SUCCEEDED, RunStatus.FAILED})
    finally:
        runner.close()
    assert done.status is RunStatus.SUCCEEDED, done.error
    assert target_rows(target) == source_rows()


def test_a_live_runner_on_another_host_keeps_its_job(
    store_ctx: ServiceContext, visits_config
) -> None:
    config, _ = visits_config
    job = jobs.submit_job(store_ctx, "migration", config)
    with store_ctx.uow() as uow:
        uow.jobs.claim_next("far-away-host:1:alive0", utc_now())
        uow.commit()
    runner = jobs.JobRunner(store_ctx, workers=1, stale_seconds=60)
    assert runner.sweep_stale() == []
    assert jobs.get_job(store_ctx, job.id).status is RunStatus.RUNNING


def test_two_runners_never_take_the_same_job(store_ctx: ServiceContext, tmp_path: Path) -> None:
    source = tmp_path / "one.db"
    execute(source, "CREATE TABLE t (id INTEGER PRIMARY KEY)", "INSERT INTO t VALUES (1), (2)")
    read_from = register(store_ctx, "one", source)
    targets = [tmp_path / f"copy{i}.db" for i in range(6)]
    names = []
    for i, target in enumerate(targets):
        # A file each: SQLite takes one writer at a time, and this test is about the claims.
        execute(target, "CREATE TABLE keep (x INTEGER)")
        names.append(
            save(store_ctx, read_from, register(store_ctx, f"copy{i}", target), name=f"copy{i}",
                 source_table="t", target_table="t", create_target_table=True,
                 mappings=mapping("id"))
        )  # fmt: skip
    submitted = [jobs.submit_job(store_ctx, "migration", name) for name in names]
    runners = [jobs.JobRunner(store_ctx, workers=2, poll_seconds=0.01).start() for _ in range(2)]
    try:
        finished = [wait_until(job.id, store_ctx, FINAL) for job in submitted]
    finally:
        for runner in runners:
            runner.close()
    assert [job.status for job in finished] == [RunStatus.SUCCEEDED] * 6, [
        job.error for job in finished
    ]
    assert [job.attempts for job in finished] == [1] * 6
    assert {job.owner for job in finished} <= {runner.owner for runner in runners}
    for target in targets:
        assert fetch(target, "SELECT id FROM t ORDER BY id") == [(1,), (2,)]


def test_submissions_are_checked_before_anything_is_queued(
    store_ctx: ServiceContext, visits_config: tuple[str, Path]
) -> None:
    config, _ = visits_config
    with pytest.raises(InvalidInput) as unknown_option:
        jobs.submit_job(store_ctx, "migration", config, options={"batchsize": 10})
    assert unknown_option.value.field == "options.batchsize"
    with pytest.raises(InvalidInput) as bad_value:
        jobs.submit_job(store_ctx, "migration", config, options={"batch_size": 0})
    assert bad_value.value.field == "options.batch_size"
    with pytest.raises(InvalidInput) as bad_kind:
        jobs.submit_job(store_ctx, "backup", config)
    assert (
        bad_kind.value.message
        == "Unknown kind of job 'backup' (kinds: migration, pipeline, profile)."
    )
    with pytest.raises(ConfigNotFound):
        jobs.submit_job(store_ctx, JobKind.MIGRATION, "no-such-config")
    assert jobs.list_jobs(store_ctx) == []
