"""Runs several long-lived commands together and stops them all together."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from types import FrameType


def run_together(
    commands: Mapping[str, Sequence[str]], *, env: Mapping[str, str] | None = None
) -> int:
    """Start every command; when one exits, or on Ctrl-C / SIGTERM, stop the others.

    Returns:
        0 after Ctrl-C or SIGTERM, otherwise the exit code of the command that stopped first.
    """
    processes = {name: subprocess.Popen(list(argv), env=env) for name, argv in commands.items()}
    stopping = False

    def request_stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    exit_code = 0
    try:
        while not stopping:
            finished = {name: p.poll() for name, p in processes.items() if p.poll() is not None}
            if finished:
                name, exit_code = next(iter(finished.items()))
                print(f"{name} stopped (exit code {exit_code}); stopping the rest.", flush=True)
                break
            time.sleep(0.3)
    finally:
        _stop_all(processes.values())
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return exit_code or 0


def _stop_all(processes: object, grace_seconds: float = 10.0) -> None:
    alive = [p for p in processes if p.poll() is None]  # type: ignore[attr-defined]
    for process in alive:
        process.terminate()
    deadline = time.monotonic() + grace_seconds
    for process in alive:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
