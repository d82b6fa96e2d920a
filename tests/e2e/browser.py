"""Headless Chromium (Debian's, through Playwright) and the real dashboard (`his-analyzer run`,
what `make run` starts) for the browser tests and `make screenshots`."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.e2e.live_server import free_port, server_env
from tests.servers import services_required

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling out of a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_TIMEOUT_S = 60
#: How long the page must stay idle (no script run in flight) to count as drawn.
SETTLE_S = 0.6


@contextmanager
def chromium() -> Iterator[Browser]:
    """Headless Chromium; fails (under HIS_REQUIRE_SERVICES=1) or skips when it is missing."""
    if not CHROMIUM.exists():
        message = f"Chromium is not installed at {CHROMIUM}."
        if services_required():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Dashboard:
    """`his-analyzer run` on free ports and its own data folder: the API (whose runner runs the
    dashboard's jobs) and the dashboard, stopped with Ctrl-C as a user stops them."""

    def __init__(self, workdir: Path, **settings: str) -> None:
        self.workdir = workdir
        self.data_dir = workdir / "data"
        self.api_port, self.ui_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.ui_port}"
        self.log_path = workdir / "servers.log"
        self.settings = settings
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Dashboard:
        """Start both servers and wait until each answers its health check."""
        command = [str(Path(sys.executable).parent / "his-analyzer"), "run"]
        command += ["--api-port", str(self.api_port), "--ui-port", str(self.ui_port)]
        with self.log_path.open("ab") as log_file:
            self.process = subprocess.Popen(
                command,
                cwd=self.workdir,
                env=server_env(self.data_dir, **self.settings),
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        self._wait(f"http://127.0.0.1:{self.api_port}/health")
        self._wait(f"{self.url}/_stcore/health")
        return self

    def stop(self) -> None:
        """Ctrl-C, as in a terminal; SIGKILL if they do not stop in time."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log(self) -> str:
        """What both servers printed so far."""
        return self.log_path.read_text(errors="replace")

    def _wait(self, url: str) -> None:
        assert self.process is not None
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(
                    f"`his-analyzer run` exited with {self.process.returncode}:\n{self.log()}"
                )
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass  # not listening yet
            time.sleep(0.2)
        pytest.fail(f"{url} did not answer in {STARTUP_TIMEOUT_S} s:\n{self.log()}")


@contextmanager
def dashboard(workdir: Path, **settings: str) -> Iterator[Dashboard]:
    """Started servers, stopped at the end."""
    servers = Dashboard(workdir, **settings).start()
    try:
        yield servers
    finally:
        servers.stop()


# --- driving a Streamlit page ---------------------------------------------------------------


def open_page(
    browser: Browser, servers: Dashboard, url_path: str = "", *, height: int = 1000
) -> Page:
    """A new tab on the dashboard's page at `url_path`, drawn and idle. (Streamlit scrolls
    inside the page, so a screenshot shows what the window's `height` holds.)"""
    context = browser.new_context(viewport={"width": 1440, "height": height})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{servers.url}/{url_path}")
    # Every page starts with its title: until it is there the script has not drawn the page.
    page.locator('[data-testid="stMain"] h1').first.wait_for()
    wait_idle(page)
    return page


def wait_idle(page: Page, *, timeout: float = 60) -> None:
    """Wait until the app has drawn and nothing is in flight for SETTLE_S in a row: no script
    run (Streamlit's own state on the app's root; its status widget) and no element still a
    skeleton (a fragment's or a lazily loaded widget's)."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout * 1000)
    deadline = time.monotonic() + timeout
    idle_since: float | None = None
    while time.monotonic() < deadline:
        if busy(page):
            idle_since = None
        elif idle_since is None:
            idle_since = time.monotonic()
        elif time.monotonic() - idle_since >= SETTLE_S:
            return
        time.sleep(0.1)
    raise AssertionError("the dashboard page did not settle in time")


def busy(page: Page) -> bool:
    """Whether a script run is requested or running, or an element is still a skeleton."""
    state = page.locator('[data-testid="stApp"]').first.get_attribute("data-test-script-state")
    if state in ("running", "rerunRequested"):
        return True
    return page.locator(_BUSY).count() > 0


_BUSY = '[data-testid="stStatusWidget"], [data-testid="stSkeleton"]'


def settle_after_action(page: Page, *, start_within: float = 1.5) -> None:
    """After a click or an input: give the run it asks for time to start (the browser sends it
    after a short delay), then wait until the page is idle again."""
    deadline = time.monotonic() + start_within
    while time.monotonic() < deadline and not busy(page):
        time.sleep(0.05)
    wait_idle(page)


def widget(page: Page, key: str) -> Locator:
    """The element container of the widget with this key (Streamlit classes it `st-key-<key>`)."""
    return page.locator(f".st-key-{key}")


def fill(page: Page, key: str, text: str) -> None:
    """Type into a text or number input and commit it (Enter), as a person does."""
    field = widget(page, key).locator("input, textarea").first
    field.fill(text)
    if field.evaluate("element => element.tagName") == "INPUT":
        field.press("Enter")
    else:
        field.blur()
    settle_after_action(page)


def click(page: Page, key: str) -> None:
    """Click the button with this key and wait for the run it starts."""
    widget(page, key).locator("button").first.click()
    settle_after_action(page)


def choose(page: Page, key: str, option: str) -> None:
    """Pick `option` in the selectbox with this key."""
    box = widget(page, key).get_by_role("combobox")
    wanted = page.get_by_role("option", name=option, exact=True)
    # The list closes when the page scrolls, and scrolling a box below the fold into view
    # can end just after the click that opened it: then the box is clicked again.
    box.scroll_into_view_if_needed()
    for _ in range(3):
        if box.get_attribute("aria-expanded") != "true":
            box.click()
        try:
            wanted.wait_for(timeout=3_000)
            break
        except PlaywrightTimeoutError:
            continue
    wanted.click()
    settle_after_action(page)


def tick(page: Page, key: str) -> None:
    """Tick the checkbox (or toggle) with this key."""
    widget(page, key).locator("label").first.click()
    settle_after_action(page)


def page_errors(page: Page) -> list[str]:
    """Texts of every error line and exception box on the page."""
    boxes = page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]')
    return [boxes.nth(index).inner_text() for index in range(boxes.count())]


def type_in(page: Page, key: str, text: str) -> None:
    """Type into a text or number input without committing it, as a person who clicks on
    next: the value is sent when the field loses focus to that click. In an `st.form` this
    is the way to fill a field (Enter would submit the whole form)."""
    widget(page, key).locator("input, textarea").first.fill(text)


def expand(page: Page, label: str) -> None:
    """Open the expander whose header reads `label` (a no-op when it is open already)."""
    header = page.locator('[data-testid="stExpander"] summary', has_text=label).first
    if header.locator("xpath=..").get_attribute("open") is None:
        header.click()
    wait_idle(page)  # opening an expander runs no script: nothing to wait for but drawing


def go_to(page: Page, title: str) -> None:
    """Open another page through the sidebar, in the same browser session."""
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title).click()
    main = page.locator('[data-testid="stMain"]')
    main.locator("h1", has_text=title).first.wait_for()
    settle_after_action(page)


def main_text(page: Page) -> str:
    """Everything the page's main area shows as text (tables are a canvas: not in it)."""
    return page.locator('[data-testid="stMain"]').inner_text()


def alert_texts(page: Page, level: str) -> list[str]:
    """Texts of the page's alert lines of `level`: "Success", "Info", "Warning" or "Error"."""
    boxes = page.locator(f'[data-testid="stAlertContent{level}"]')
    return [boxes.nth(index).inner_text() for index in range(boxes.count())]


def progress_text(page: Page) -> str:
    """The followed job's progress line ("Completed · 4 of 4 rows"), or "" without one."""
    bars = page.locator('[data-testid="stProgress"]')
    return bars.first.inner_text().strip() if bars.count() else ""


def wait_for_progress(page: Page, pattern: str, *, timeout: float = 60) -> str:
    """Wait until the followed job's progress line matches the regex `pattern`; returns it.
    (The job's part of the page redraws itself every second while the job runs.)"""
    deadline = time.monotonic() + timeout
    line = progress_text(page)
    while not re.search(pattern, line):
        if time.monotonic() > deadline:
            raise AssertionError(f"the progress line stayed {line!r}, not {pattern!r}")
        time.sleep(0.2)
        line = progress_text(page)
    return line


def selected(page: Page, key: str) -> str:
    """What the selectbox with this key shows as chosen ("" when nothing is)."""
    return widget(page, key).get_by_role("combobox").input_value()


def wait_for_text(page: Page, text: str, *, timeout: float = 60) -> None:
    """Wait until the page's main area shows `text`: what an action's run draws last can come
    after the page first looks idle (a slow query, a large table)."""
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text(text).first.wait_for(timeout=timeout * 1000)
