"""Socket.IO at /ws: clients authenticate with an API key, subscribe to a job (or to all jobs)
and receive its events live, with every earlier event first when they subscribe late.

Events come from the metadata store, which every runner writes: the relay reads new ones
every `POLL_SECONDS` (at once when a runner of this process stores one), so jobs run by a
`his-analyzer worker` elsewhere are relayed like this server's own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import socketio

from models.job import JobEvent
from services import jobs
from services.context import ServiceContext
from services.errors import HisError
from services.privacy import safe_line

log = logging.getLogger(__name__)

#: Where the server answers; clients connect with `socketio_path="/ws/socket.io"` (the
#: JavaScript client: `io(url, {path: "/ws/socket.io"})`). Starlette hands a mounted app the
#: whole path, so Engine.IO is told the whole path too.
MOUNT_PATH = "/ws"
SOCKETIO_PATH = f"{MOUNT_PATH}/socket.io"
POLL_SECONDS = 0.5
# PostgreSQL hands out event ids before commit: a lower id may become visible after a higher
# one. Each poll looks this far back; what was delivered already is recognised by its seq.
_LOOKBACK_IDS = 200
_RECENT_PER_JOB = 2000
_HISTORY_LIMIT = 100_000


@dataclass
class _Subscriber:
    """One connection: the jobs it follows, the last seq it got of each, the ones it is
    catching up on (the relay leaves those to the catch-up)."""

    all_jobs: bool = False
    cursors: dict[uuid.UUID, int] = field(default_factory=dict)
    replaying: set[uuid.UUID] = field(default_factory=set)

    def follows(self, job_id: uuid.UUID) -> bool:
        return self.all_jobs or job_id in self.cursors


class JobEventRelay:
    """The Socket.IO server of the API and the loop that feeds it from the store."""

    def __init__(
        self,
        ctx_of: Callable[[], ServiceContext | None],
        *,
        accepts: Callable[[str | None], bool],
        cors_origins: list[str],
    ) -> None:
        self.sio = socketio.AsyncServer(
            async_mode="asgi", cors_allowed_origins=cors_origins, logger=False
        )
        self._ctx_of = ctx_of
        self._accepts = accepts
        self._subscribers: dict[str, _Subscriber] = {}
        self._latest: dict[uuid.UUID, int] = {}
        self._recent: dict[uuid.UUID, deque[JobEvent]] = defaultdict(
            lambda: deque(maxlen=_RECENT_PER_JOB)
        )
        self._last_id = 0
        self._poked: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self.sio.on("connect", self._connect)
        self.sio.on("disconnect", self._disconnect)
        self.sio.on("subscribe", self._subscribe)
        self.sio.on("unsubscribe", self._unsubscribe)

    def asgi_app(self) -> socketio.ASGIApp:
        """The ASGI app to mount at MOUNT_PATH."""
        return socketio.ASGIApp(self.sio, socketio_path=SOCKETIO_PATH)

    # --- the relay loop -----------------------------------------------------------------------

    async def start(self) -> None:
        """Relay from now on (earlier events reach a client when it subscribes)."""
        self._loop = asyncio.get_running_loop()
        self._poked = asyncio.Event()
        self._last_id = await asyncio.to_thread(self._store_call, jobs.latest_event_id)
        self._task = asyncio.create_task(self._relay_forever(), name="job-event-relay")

    async def stop(self) -> None:
        """Stop relaying."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    def poke(self, _event: object = None) -> None:
        """Read the store now; callable from any thread (a runner's event listener)."""
        loop, poked = self._loop, self._poked
        if loop is not None and poked is not None and not loop.is_closed():
            loop.call_soon_threadsafe(poked.set)

    async def _relay_forever(self) -> None:
        assert self._poked is not None
        while True:
            try:
                await self.relay_new_events()
            except Exception:  # noqa: BLE001 - a store hiccup: the next poll tries again
                log.exception("job event relay: reading the store failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._poked.wait(), timeout=POLL_SECONDS)
            self._poked.clear()

    async def relay_new_events(self) -> int:
        """Deliver what the store holds that was not delivered yet; returns how many."""
        after = max(0, self._last_id - _LOOKBACK_IDS)
        events = await asyncio.to_thread(self._store_call, jobs.events_since, after)
        delivered = 0
        for event in sorted(events, key=lambda e: (e.job_id.int, e.seq)):
            assert event.id is not None
            self._last_id = max(self._last_id, event.id)
            if event.seq <= self._latest.get(event.job_id, 0):
                continue
            self._latest[event.job_id] = event.seq
            self._recent[event.job_id].append(event)
            delivered += 1
            for sid, subscriber in list(self._subscribers.items()):
                if subscriber.follows(event.job_id) and event.job_id not in subscriber.replaying:
                    await self._send(sid, subscriber, event)
        return delivered

    async def _send(self, sid: str, subscriber: _Subscriber, event: JobEvent) -> None:
        if event.seq <= subscriber.cursors.get(event.job_id, 0):
            return
        subscriber.cursors[event.job_id] = event.seq
        await self.sio.emit(str(event.type), event.to_json(), to=sid)

    def _store_call(self, function: Callable[..., Any], *args: Any) -> Any:
        ctx = self._ctx_of()
        if ctx is None:
            raise RuntimeError("the API has no service context")
        return function(ctx, *args)

    # --- what clients ask -----------------------------------------------------------------

    async def _connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        presented = _presented_key(environ, auth)
        if self._ctx_of() is None or not self._accepts(presented):
            raise socketio.exceptions.ConnectionRefusedError(
                "A valid API key is required: connect with auth={'token': '<key>'}."
            )
        self._subscribers[sid] = _Subscriber()

    async def _disconnect(self, sid: str, *_reason: Any) -> None:
        self._subscribers.pop(sid, None)

    async def _subscribe(self, sid: str, data: Any = None) -> dict[str, Any]:
        """`{"job_id": id, "after": seq}` (events after `seq` first) or `{"all": true}` (every
        job's events from now on). Answers `{"ok": true, ...}` or `{"ok": false, "error"}`."""
        subscriber = self._subscribers.get(sid)
        if subscriber is None:
            return {"ok": False, "error": "Not connected."}
        data = data if isinstance(data, dict) else {}
        if data.get("all") is True:
            subscriber.all_jobs = True
            return {"ok": True, "all": True}
        after = data.get("after", 0)
        if not isinstance(after, int) or isinstance(after, bool) or after < 0:
            return {"ok": False, "error": "'after' must be a sequence number (0 or more)."}
        try:
            job = await asyncio.to_thread(self._store_call, jobs.get_job, str(data.get("job_id")))
        except HisError as error:
            return {"ok": False, "error": safe_line(error.message)}
        subscriber.cursors[job.id] = max(after, subscriber.cursors.get(job.id, 0))
        subscriber.replaying.add(job.id)
        try:
            await self._catch_up(sid, subscriber, job.id)
        finally:
            subscriber.replaying.discard(job.id)
        return {"ok": True, "job_id": str(job.id), "last_seq": subscriber.cursors[job.id]}

    async def _catch_up(self, sid: str, subscriber: _Subscriber, job_id: uuid.UUID) -> None:
        # The store first (what happened before), then what the relay saw meanwhile; nothing
        # is awaited between the last look at `_recent` and the end of the catch-up.
        after = subscriber.cursors[job_id]
        history = await asyncio.to_thread(self._store_call, _events_of, job_id, after)
        for event in history:
            await self._send(sid, subscriber, event)
        while True:
            cursor = subscriber.cursors[job_id]
            pending = [event for event in self._recent.get(job_id, ()) if event.seq > cursor]
            if not pending:
                return
            for event in pending:
                await self._send(sid, subscriber, event)

    async def _unsubscribe(self, sid: str, data: Any = None) -> dict[str, Any]:
        subscriber = self._subscribers.get(sid)
        if subscriber is None:
            return {"ok": False, "error": "Not connected."}
        data = data if isinstance(data, dict) else {}
        if data.get("all") is True:
            subscriber.all_jobs = False
        else:
            try:
                subscriber.cursors.pop(uuid.UUID(str(data.get("job_id"))), None)
            except ValueError:
                return {"ok": False, "error": "'job_id' must be a job's id."}
        return {"ok": True}


def _presented_key(environ: dict[str, Any], auth: Any) -> str | None:
    # socket.io-client sends `auth: {token}`; other clients may send a bearer header.
    if isinstance(auth, dict) and isinstance(auth.get("token"), str):
        return auth["token"]
    header = environ.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _events_of(ctx: ServiceContext, job_id: uuid.UUID, after: int) -> list[JobEvent]:
    return jobs.list_job_events(ctx, job_id, after=after, limit=_HISTORY_LIMIT)
