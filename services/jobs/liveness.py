"""Who owns a running job, and whether that owner is still there."""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta
from pathlib import Path


def new_owner_id() -> str:
    """This runner's name in the store: host, process and a token ("ward-pc:4242:1a2b3c")."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def owner_is_gone(
    owner: str | None, heartbeat_at: datetime | None, now: datetime, stale_after: float
) -> bool:
    """True when the runner that owns a job has stopped: its process on this host is gone,
    or (any host) it has not heartbeaten for `stale_after` seconds."""
    if owner is None or heartbeat_at is None:
        return True
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host == socket.gethostname() and pid_text.isdigit() and not _process_alive(int(pid_text)):
        return True
    return now - heartbeat_at > timedelta(seconds=stale_after)


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    # A killed process nobody has reaped yet is a zombie: it runs nothing any more.
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True
