"""Opening one dashboard page in Streamlit's AppTest, routed exactly as app.py routes it."""

from __future__ import annotations

import time
from collections.abc import Callable

from streamlit.testing.v1 import AppTest


def _page_script(url_path: str) -> None:
    # Runs as the app's script inside AppTest: the same `render` app.py's navigation calls.
    from views.pages import page_named, render

    render(page_named(url_path))


def open_page(url_path: str, *, timeout: float = 60) -> AppTest:
    """The page at `url_path`, run once; fails on any exception the page let through."""
    at = AppTest.from_function(_page_script, args=(url_path,), default_timeout=timeout)
    at.run()
    assert not at.exception, [exception.value for exception in at.exception]
    return at


def rerun_until(at: AppTest, done: Callable[[AppTest], bool], *, timeout: float = 60) -> AppTest:
    """Rerun the page (as a watching browser does) until `done(at)`; fails after `timeout` s."""
    deadline = time.monotonic() + timeout
    while not done(at):
        assert time.monotonic() < deadline, "the page did not reach the expected state in time"
        time.sleep(0.3)
        at.run()
        assert not at.exception, [exception.value for exception in at.exception]
    return at
