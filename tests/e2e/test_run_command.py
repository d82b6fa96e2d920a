"""`his-analyzer run` (behind `make run`): demo, API and dashboard together, stopped by Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float = 60.0) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def port_is_closed(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def test_run_serves_api_and_dashboard_on_the_demo_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    api_port, ui_port = free_port(), free_port()
    env = {**os.environ, "HIS_DATA_DIR": str(tmp_path / "data"), "HIS_SECRET_KEY": "run-test"}
    for name in ("HIS_DATABASE_URL", "HIS_API_KEYS"):
        env.pop(name, None)
    command = [
        str(Path(sys.executable).parent / "his-analyzer"),
        "run",
        "--api-port",
        str(api_port),
        "--ui-port",
        str(ui_port),
    ]
    process = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, text=True)
    try:
        health = wait_for(f"http://127.0.0.1:{api_port}/health")
        assert health.status_code == 200
        assert health.json()["status"] == "ok"
        datasources = f"http://127.0.0.1:{api_port}/api/v1/datasources"
        # HIS_API_KEYS is unset: the API is not open, and the key is in the data folder.
        refused = httpx.get(datasources, timeout=10)
        assert refused.status_code == 401
        key = (tmp_path / "data" / "api.key").read_text().strip()
        listed = httpx.get(datasources, headers={"Authorization": f"Bearer {key}"}, timeout=10)
        names = sorted(item["attributes"]["name"] for item in listed.json()["data"])
        assert names == ["demo source", "demo target"]
        dashboard = wait_for(f"http://127.0.0.1:{ui_port}/_stcore/health")
        assert (dashboard.status_code, dashboard.text) == (200, "ok")
        assert "<title>Streamlit</title>" in httpx.get(f"http://127.0.0.1:{ui_port}/").text
        assert (tmp_path / "data" / "his_analyzer.sqlite").exists()
    finally:
        process.send_signal(signal.SIGINT)
        printed, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert str(tmp_path / "data" / "api.key") in printed  # where the key is kept
    assert printed.count(key) == 1  # the key itself, once: it was created by this first run
    assert port_is_closed(api_port) and port_is_closed(ui_port)
