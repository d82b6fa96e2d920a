"""/docs and /redoc in headless Chromium with no network beyond the API server itself."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.test_api_server import ApiServer, running_api_server
from tests.servers import services_required

pytestmark = pytest.mark.e2e

# A hospital reaches the API under its server's name, not localhost, and Swagger UI treats the
# two differently (it skips its online validator for localhost only): the docs are read under
# both. Chromium resolves this name to the loopback address itself; no DNS is asked.
SERVER_NAME = "his-api.hospital.test"
HOSTS = ("127.0.0.1", SERVER_NAME)
RENDER_TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """The real app under uvicorn, on a free loopback port."""
    with running_api_server(tmp_path_factory.mktemp("api_docs")) as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium (Debian's), with the server name mapped to the loopback address."""
    if not CHROMIUM.exists():
        message = f"Chromium is not installed at {CHROMIUM}."
        if services_required():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    args = [*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {SERVER_NAME} 127.0.0.1"]
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=args)
        yield launched
        launched.close()


class OfflineDocsPage:
    """A page that may only reach the API server's origin; it records what else it tried."""

    def __init__(self, browser: Browser, origin: str) -> None:
        self.origin = origin
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(viewport={"width": 1400, "height": 900})
        self.context.route("**/*", self._route)
        self.page: Page = self.context.new_page()
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def open(self, path: str) -> Page:
        """Load `path` of the API server and wait until the network is quiet."""
        self.page.goto(self.origin + path, wait_until="networkidle")
        return self.page

    def _route(self, route: Route) -> None:
        url = urlsplit(route.request.url)
        if f"{url.scheme}://{url.netloc}" == self.origin or url.scheme in ("data", "blob"):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()


@pytest.fixture(params=HOSTS)
def docs(
    request: pytest.FixtureRequest, browser: Browser, api_server: ApiServer
) -> Iterator[OfflineDocsPage]:
    """An offline page on the API server, reached as 127.0.0.1 and under the server's name."""
    port = urlsplit(api_server.base_url).port
    page = OfflineDocsPage(browser, f"http://{request.param}:{port}")
    yield page
    page.context.close()


@pytest.fixture(scope="module")
def operation_count(api_server: ApiServer) -> int:
    """How many operations /openapi.json documents."""
    paths = httpx.get(api_server.base_url + "/openapi.json").json()["paths"]
    return sum(len(item) for item in paths.values())


def test_swagger_ui_renders_every_operation_from_local_assets(
    docs: OfflineDocsPage, operation_count: int
) -> None:
    page = docs.open("/docs")
    datasource = page.locator(".opblock-summary-path[data-path='/api/v1/datasources/{key}']")
    datasource.first.wait_for(timeout=RENDER_TIMEOUT_MS)
    page.wait_for_load_state("networkidle")

    assert page.locator(".opblock").count() == operation_count
    assert datasource.count() == 3  # get, patch, delete
    assert page.locator(".opblock-get .opblock-summary-path[data-path='/health']").count() == 1
    assert docs.blocked == []
    assert docs.errors == []


def test_redoc_renders_the_operations_from_local_assets(
    docs: OfflineDocsPage, operation_count: int
) -> None:
    page = docs.open("/redoc")
    content = page.locator(".api-content")
    content.wait_for(timeout=RENDER_TIMEOUT_MS)
    title = content.locator("h2", has_text=re.compile(r"^\s*List Datasources\s*$"))
    title.wait_for(timeout=RENDER_TIMEOUT_MS)
    page.wait_for_load_state("networkidle")

    assert title.is_visible()
    # One operation title per operation: ReDoc rendered the whole schema, not an error.
    assert content.locator("h2 > a[href*='operation/']").count() == operation_count
    assert docs.blocked == []
    assert docs.errors == []


def test_docs_pages_load_their_assets_from_the_server_itself(api_server: ApiServer) -> None:
    # Also runs where Chromium is missing: the pages' own HTML names no other host.
    for path in ("/docs", "/redoc"):
        html = httpx.get(api_server.base_url + path).text
        sources = re.findall(r'(?:src|href)="([^"]*)"', html)

        assert len(sources) >= 2, (path, html)  # the script and the favicon, at least
        assert all(source.startswith("/") for source in sources), (path, sources)
