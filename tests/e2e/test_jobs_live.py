"""Jobs end to end: a real uvicorn server, datasources on the real MariaDB and PostgreSQL, a
four-step pipeline run as a job through HTTP and watched on a real Socket.IO client; a server
killed mid-job and restarted; a job started by the CLI, run by a worker, watched from the API."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import URL

from config import Settings
from services.bootstrap import bootstrap
from services.context import ServiceContext
from services.demo import generate_mock_his
from tests.conftest import COMMAND
from tests.e2e.live_server import SECRET, ApiProcess, EventWatcher, api_process, server_env
from tests.integration.migration_fixtures import fetch

pytestmark = pytest.mark.e2e

JOBS = "/api/v1/jobs"
TABLES = {
    "patients": ("patient", ("hn", "pname", "fname", "lname", "birthday", "cid")),
    "visits": ("ovst", ("vn", "hn", "vstdate", "vsttime", "income")),
    "screening": ("opdscreen", ("vn", "hn", "bps", "temperature", "cc")),
    "diagnoses": ("ovstdiag", ("vn", "icd10", "diagtype")),
}


def store_of(server: ApiProcess) -> ServiceContext:
    """A service context on the server's own store (its data folder and secret)."""
    return bootstrap(Settings(data_dir=server.data_dir, secret_key=SECRET, _env_file=None))


def add_server_datasource(api: httpx.Client, name: str, url: URL, db_type: str) -> str:
    attributes = {"name": name, "db_type": db_type, "host": url.host, "port": url.port}
    attributes |= {"username": url.username, "database": url.database}
    response = api.post("/api/v1/datasources", json=document("datasources", **attributes))
    assert response.status_code == 201, response.text
    return response.json()["data"]["id"]


def comparable(rows: list[tuple]) -> list[tuple]:
    """Rows as both engines mean them: CHAR(n) padding (PostgreSQL shows it, MariaDB strips
    it) and PyMySQL's TIME-as-timedelta set aside."""

    def value(item: Any) -> Any:
        if isinstance(item, str):
            return item.rstrip()
        if isinstance(item, timedelta):
            return (datetime.min + item).time()
        return item

    return [tuple(value(item) for item in row) for row in rows]


def document(resource_type: str, **attributes: Any) -> dict[str, Any]:
    return {"data": {"type": resource_type, "attributes": attributes}}


def wait_for_status(api: httpx.Client, job_id: str, *statuses: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = api.get(f"{JOBS}/{job_id}").json()["data"]["attributes"]
        if job["status"] in statuses:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still {job['status']}")


@pytest.fixture
def hospital(
    tmp_path: Path, mysql_database: URL, pg_database: URL
) -> Iterator[tuple[ApiProcess, httpx.Client, ServiceContext]]:
    """A running server with the MariaDB source (mini_his) and the PostgreSQL target."""
    with api_process(tmp_path) as server, server.client() as api:
        add_server_datasource(api, "hosxp", mysql_database, "mysql")
        add_server_datasource(api, "newhis", pg_database, "postgresql")
        ctx = store_of(server)
        generate_mock_his(ctx, datasource="hosxp", patients=120, visits=500, seed=11)
        try:
            yield server, api, ctx
        finally:
            ctx.close()


def save_step_configs(api: httpx.Client, batch_size: int = 100) -> dict[str, str]:
    """One config per step, saved through POST /api/v1/configs; step → config name."""
    names = {}
    for step, (table, columns) in TABLES.items():
        attributes = {
            "name": f"cfg_{step}", "source": "hosxp", "source_table": table, "target": "newhis",
            "target_table": f"new_{table}", "create_target_table": True,
            "batch_size": batch_size,
            "mappings": [{"source": column, "target": column} for column in columns],
        }  # fmt: skip
        response = api.post("/api/v1/configs", json=document("configs", **attributes))
        assert response.status_code == 201, response.text
        names[step] = response.json()["data"]["attributes"]["name"]
    return names


def test_a_pipeline_job_is_watched_live_and_its_history_replayed_to_a_late_subscriber(
    hospital: tuple[ApiProcess, httpx.Client, ServiceContext],
    mysql_database: URL,
    pg_database: URL,
) -> None:
    server, api, _ = hospital
    configs = save_step_configs(api)
    steps = [
        {"name": "patients", "config": configs["patients"]},
        {"name": "visits", "config": configs["visits"], "depends_on": ["patients"]},
        {"name": "screening", "config": configs["screening"], "depends_on": ["patients"]},
        {
            "name": "diagnoses",
            "config": configs["diagnoses"],
            "depends_on": ["visits", "screening"],
        },
    ]
    created = api.post("/api/v1/pipelines", json=document("pipelines", name="nightly", steps=steps))
    assert created.status_code == 201, created.text
    watcher = EventWatcher(server.base_url)
    try:
        assert watcher.subscribe(all=True) == {"ok": True, "all": True}
        response = api.post(JOBS, json=document("jobs", pipeline_id="nightly"))
        assert response.status_code == 202, response.text
        job_id = response.json()["data"]["id"]
        assert response.headers["location"].endswith(f"{JOBS}/{job_id}")
        completed = watcher.wait_for("job:completed")
    finally:
        watcher.close()

    assert completed["data"]["status"] == "succeeded", completed
    mine = [event for event in watcher.events if event["job_id"] == job_id]
    types = [event["type"] for event in mine]
    assert types[:2] == ["job:queued", "job:started"] and types[-1] == "job:completed"
    assert "job:batch" in types and "job:error" not in types
    assert [event["seq"] for event in mine] == sorted({event["seq"] for event in mine})
    steps = completed["data"]["summary"]["steps"]
    assert set(steps) == set(TABLES)
    for step, (table, columns) in TABLES.items():
        listed = ", ".join(columns)
        source = fetch(mysql_database, f"SELECT {listed} FROM {table} ORDER BY {columns[0]}, 2, 3")
        target = fetch(pg_database, f"SELECT {listed} FROM new_{table} ORDER BY {columns[0]}, 2, 3")
        assert comparable(target) == comparable(source), step
        assert steps[step]["rows_loaded"] == len(source)
        assert steps[step]["reconciled"]["ok"] is True

    # Late: the whole history, in order, and nothing else.
    history = api.get(f"{JOBS}/{job_id}/events").json()["data"]
    late = EventWatcher(server.base_url)
    try:
        answer = late.subscribe(job_id=job_id, after=0)
        assert answer == {"ok": True, "job_id": job_id, "last_seq": len(history)}
    finally:
        late.close()
    assert [event["seq"] for event in late.events] == list(range(1, len(history) + 1))
    assert [event["type"] for event in late.events] == [e["attributes"]["type"] for e in history]
    job = api.get(f"{JOBS}/{job_id}").json()["data"]["attributes"]
    assert job["status"] == "succeeded" and job["pipeline_run_id"] is not None
    assert job["target_id"] == created.json()["data"]["id"]
    # No patient's citizen ID in any event.
    cids = {row[0] for row in fetch(mysql_database, "SELECT cid FROM patient")}
    text = repr(watcher.events)
    assert not any(cid and cid in text for cid in cids)


def test_a_server_killed_mid_job_finds_it_interrupted_and_the_resume_loads_every_row_once(
    hospital: tuple[ApiProcess, httpx.Client, ServiceContext],
    mysql_database: URL,
    pg_database: URL,
) -> None:
    server, api, _ = hospital
    configs = save_step_configs(api, batch_size=10)
    watcher = EventWatcher(server.base_url)
    try:
        watcher.subscribe(all=True)
        response = api.post(JOBS, json=document("jobs", config_id=configs["visits"]))
        job_id = response.json()["data"]["id"]
        watcher.wait_for("job:batch")
    finally:
        watcher.close()
    server.kill()
    loaded = fetch(pg_database, "SELECT count(*) FROM new_ovst")[0][0]
    source = fetch(mysql_database, "SELECT vn, hn, vstdate, vsttime, income FROM ovst ORDER BY vn")
    assert 0 < loaded < len(source)

    server.start()  # the same data folder: the job's runner is gone
    with server.client() as again:
        job = again.get(f"{JOBS}/{job_id}").json()["data"]["attributes"]
        assert job["status"] == "interrupted", job
        resumed = again.post(f"{JOBS}/{job_id}/resume")
        assert resumed.status_code == 202, resumed.text
        assert again.post(f"{JOBS}/{job_id}/resume").status_code == 409  # once
        done = wait_for_status(again, job_id, "succeeded", "failed")
    assert done["status"] == "succeeded", done
    assert done["attempts"] == 2 and done["result"]["reconciled"]["ok"] is True
    target = fetch(pg_database, "SELECT vn, hn, vstdate, vsttime, income FROM new_ovst ORDER BY vn")
    assert comparable(target) == comparable(source)  # every row, none twice


def test_a_job_started_from_the_cli_and_run_by_a_worker_is_watched_from_the_api(
    tmp_path: Path, mysql_database: URL, pg_database: URL
) -> None:
    # This server runs no jobs: a worker process does, and the server only relays.
    with api_process(tmp_path, HIS_API_RUNS_JOBS="false") as server, server.client() as api:
        add_server_datasource(api, "hosxp", mysql_database, "mysql")
        add_server_datasource(api, "newhis", pg_database, "postgresql")
        ctx = store_of(server)
        try:
            generate_mock_his(ctx, datasource="hosxp", patients=60, visits=200, seed=3)
        finally:
            ctx.close()
        configs = save_step_configs(api)
        env = server_env(server.data_dir)
        worker = subprocess.Popen(
            [COMMAND, "worker", "--workers", "1"], env=env, cwd=tmp_path,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        watcher = EventWatcher(server.base_url)
        try:
            watcher.subscribe(all=True)
            started = subprocess.run(
                [COMMAND, "job", "start", "migration", configs["patients"]],
                env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            assert started.returncode == 0, started.stdout + started.stderr
            completed = watcher.wait_for("job:completed")
        finally:
            watcher.close()
            worker.terminate()
            output, _ = worker.communicate(timeout=30)
    assert completed["data"]["status"] == "succeeded", (completed, output)
    assert completed["job_id"] in started.stdout
    source = fetch(mysql_database, "SELECT hn, cid FROM patient ORDER BY hn")
    moved = fetch(pg_database, "SELECT hn, cid FROM new_patient ORDER BY hn")
    assert comparable(moved) == comparable(source)
    assert "job:batch" in [event["type"] for event in watcher.events]
