"""Read ahead of a slow consumer: the next items are fetched on a thread while one is used."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()


def prefetched(items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """Yield `items` in order while a thread fetches up to `depth` of them ahead.

    A migration reads the source (network, driver decoding) while the previous batch loads
    into the target: the two overlap instead of taking turns. An error raised while fetching
    is raised here, in order; leaving the loop early stops the thread.
    """
    ahead: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def fetch() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        ahead.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            ahead.put(_DONE)
        except BaseException as error:  # noqa: BLE001 - handed to the consumer, raised there
            ahead.put(error)

    worker = threading.Thread(target=fetch, name="prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item = ahead.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while worker.is_alive():  # unblock a put() waiting on a full queue
            with contextlib.suppress(queue.Empty):
                ahead.get_nowait()
            worker.join(timeout=0.05)
        close = getattr(items, "close", None)
        if close is not None:
            close()
