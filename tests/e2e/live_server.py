"""A real API server process for end-to-end tests: start it, kill it (SIGKILL), start it again
on the same data folder; and a Socket.IO client that collects a job's events."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import socketio

PROJECT_ROOT = Path(__file__).resolve().parents[2]
API_KEY = "e2e-key-9f3a"
SECRET = "e2e-secret"
STARTUP_TIMEOUT_S = 30
JOB_EVENTS = (
    "job:queued", "job:started", "job:step", "job:batch", "job:error", "job:completed",
    "job:cancelled", "job:interrupted",
)  # fmt: skip


def server_env(data_dir: Path, **settings: str) -> dict[str, str]:
    """The environment of a server or CLI on `data_dir`: only our HIS_ settings."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("HIS_")}
    return env | {"HIS_DATA_DIR": str(data_dir), "HIS_SECRET_KEY": SECRET} | settings


class ApiProcess:
    """`uvicorn api.main:app` on a free port, its data in `workdir/data`, its log in a file."""

    def __init__(self, workdir: Path, **settings: str) -> None:
        self.workdir = workdir
        self.data_dir = workdir / "data"
        self.settings = {"HIS_API_KEYS": API_KEY, **settings}
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "server.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ApiProcess:
        """Start it and wait until /health answers."""
        with self.log_path.open("ab") as log_file:
            # cwd outside the project, so a developer's .env is not read; --app-dir finds it.
            self.process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "api.main:app", "--port", str(self.port)]
                + ["--app-dir", str(PROJECT_ROOT)],
                cwd=self.workdir,
                env=server_env(self.data_dir, **self.settings),
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        self._wait_until_healthy()
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, as when a machine loses power."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it does not exit in time."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()

    def log(self) -> str:
        """Everything the server wrote so far."""
        return self.log_path.read_text(errors="replace")

    def client(self) -> httpx.Client:
        """An HTTP client that sends the API key."""
        headers = {"Authorization": f"Bearer {API_KEY}"}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=30)

    def _wait_until_healthy(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the API server exited with {self.process.returncode}:\n{self.log()}")
            try:
                if httpx.get(self.base_url + "/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass  # not listening yet
            time.sleep(0.1)
        pytest.fail(
            f"the API server did not answer /health in {STARTUP_TIMEOUT_S} s:\n{self.log()}"
        )


@contextmanager
def api_process(workdir: Path, **settings: str) -> Iterator[ApiProcess]:
    """A started server, stopped at the end."""
    server = ApiProcess(workdir, **settings).start()
    try:
        yield server
    finally:
        server.stop()


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class EventWatcher:
    """A python-socketio client connected to the server's /ws: it keeps every job event."""

    def __init__(self, base_url: str, *, key: str = API_KEY) -> None:
        self.events: list[dict[str, Any]] = []
        self._changed = threading.Condition()
        self.sio = socketio.Client(reconnection=False)
        for name in JOB_EVENTS:
            self.sio.on(name, self._keeper(name))
        self.sio.connect(
            base_url, socketio_path="/ws/socket.io", auth={"token": key},
            transports=["websocket"], wait_timeout=10,
        )  # fmt: skip

    def _keeper(self, name: str) -> Any:
        def keep(payload: dict[str, Any]) -> None:
            assert payload["type"] == name
            with self._changed:
                self.events.append(payload)
                self._changed.notify_all()

        return keep

    def subscribe(self, **request: Any) -> dict[str, Any]:
        """Ask for a job's events (`job_id`, `after`) or every job's (`all=True`)."""
        return self.sio.call("subscribe", request, timeout=30)

    def wait_for(self, event_type: str, timeout: float = 120) -> dict[str, Any]:
        """The first event of `event_type` (waiting for it)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [event for event in self.events if event["type"] == event_type]
                if found:
                    return found[0]
                left = deadline - time.monotonic()
                if left <= 0:
                    kinds = [event["type"] for event in self.events]
                    raise AssertionError(f"no {event_type} in {timeout} s; got {kinds}")
                self._changed.wait(left)

    def close(self) -> None:
        """Disconnect."""
        self.sio.disconnect()
