"""The official JavaScript Socket.IO v4 client (socket.io-client, run by Node) watches a job on
a real server the same way the Python client does: key at connect, history, live events."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.e2e.live_server import PROJECT_ROOT, api_process

pytestmark = pytest.mark.e2e

SCRIPT = Path(__file__).with_name("js") / "watch_job.mjs"
NODE = shutil.which("node")


def watch(base_url: str, key: str, job_id: str, after: int = 0) -> subprocess.CompletedProcess:
    assert NODE, "Node.js is needed for the JavaScript client"
    return subprocess.run(
        [NODE, str(SCRIPT), base_url, key, job_id, str(after)],
        cwd=PROJECT_ROOT,  # node_modules/socket.io-client, pinned in package-lock.json
        capture_output=True,
        text=True,
        timeout=150,
    )


def test_the_javascript_client_receives_a_jobs_whole_history_and_is_refused_a_wrong_key(
    tmp_path: Path,
) -> None:
    source, target = tmp_path / "source.db", tmp_path / "target.db"
    with sqlite3.connect(source) as connection:
        connection.execute("CREATE TABLE ovst (vn INTEGER PRIMARY KEY, hn TEXT)")
        connection.executemany(
            "INSERT INTO ovst VALUES (?, ?)", ((i, f"{i:09d}") for i in range(1, 501))
        )
    connection.close()
    sqlite3.connect(target).close()
    with api_process(tmp_path) as server, server.client() as api:
        for name, path in (("src", source), ("dst", target)):
            document = {"name": name, "db_type": "sqlite", "database": str(path)}
            made = api.post(
                "/api/v1/datasources",
                json={"data": {"type": "datasources", "attributes": document}},
            )
            assert made.status_code == 201, made.text
        config = {
            "name": "visits", "source": "src", "source_table": "ovst", "target": "dst",
            "target_table": "new_ovst", "create_target_table": True, "batch_size": 100,
            "mappings": [{"source": "vn", "target": "vn"}, {"source": "hn", "target": "hn"}],
        }  # fmt: skip
        saved = api.post(
            "/api/v1/configs", json={"data": {"type": "configs", "attributes": config}}
        )
        assert saved.status_code == 201, saved.text
        job = api.post(
            "/api/v1/jobs", json={"data": {"type": "jobs", "attributes": {"config_id": "visits"}}}
        )
        assert job.status_code == 202, job.text
        job_id = job.json()["data"]["id"]

        watched = watch(server.base_url, server.settings["HIS_API_KEYS"], job_id)
        refused = watch(server.base_url, "not-the-key", job_id)
        history = api.get(f"/api/v1/jobs/{job_id}/events").json()["data"]

    assert watched.returncode == 0, watched.stderr
    events = [json.loads(line) for line in watched.stdout.splitlines()]
    assert [event["seq"] for event in events] == list(range(1, len(history) + 1))
    assert [event["type"] for event in events] == [e["attributes"]["type"] for e in history]
    assert events[-1]["type"] == "job:completed"
    assert events[-1]["data"]["summary"]["rows_loaded"] == 500
    assert [e["data"]["rows_done"] for e in events if e["type"] == "job:batch"] == list(
        range(100, 501, 100)
    )
    assert refused.returncode == 2
    assert "valid API key" in refused.stderr
