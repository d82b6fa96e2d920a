"""Every dashboard page in headless Chromium on the showcase installation, served by
`his-analyzer run`: each draws its title and real data, with no error line and no exception.

`make screenshots` runs this module with HIS_SCREENSHOTS_DIR set: each page's PNG goes there
(docs/screenshots/, which the README shows); otherwise they go to the test's temporary folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.e2e.browser import Dashboard, choose, chromium, dashboard, open_page, page_errors
from tests.e2e.live_server import SECRET
from tests.e2e.showcase import HOSPITAL, PIPELINE, prepare_showcase
from views.pages import DEFAULT_PAGE, PAGES

pytestmark = pytest.mark.e2e

# What each page must show on the showcase (text outside tables: those are drawn on a canvas),
# after the choices a visitor makes first.
EXPECTED_TEXT = {
    "settings": "Edit demo source",
    "reports": f"{HOSPITAL} · 12 tables",
    "er-diagram": "ovst",
    "mapper": "AI Auto-Map",
    "migrate": f"Source: {HOSPITAL}",
    "pipelines": f"Delete {PIPELINE}",
    "runs": "This run rejected no row.",
    "mock-data": f"{HOSPITAL} already has 12 mini_his tables",
}
FIRST_CHOICES = {
    "er-diagram": [("er_datasource", HOSPITAL), ("er_table", "ovst")],
}


SCREENSHOTS = os.environ.get("HIS_SCREENSHOTS_DIR")


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    workdir = tmp_path_factory.mktemp("showcase")
    if SCREENSHOTS:
        # The pages show the SQLite files' paths: the pictures show a short, neutral one.
        workdir = Path(tempfile.gettempdir()) / "his-analyzer-showcase"
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir()
    prepare_showcase(workdir / "data", SECRET)
    with dashboard(workdir) as started:
        yield started


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def test_every_page_is_listed_with_an_expectation() -> None:
    assert set(EXPECTED_TEXT) == {page.url_path for page in PAGES}


@pytest.mark.parametrize("url_path", [page.url_path for page in PAGES])
def test_every_page_draws_its_data_without_an_error(
    servers: Dashboard, browser: Browser, url_path: str, tmp_path: Path
) -> None:
    # The default page is served at the root: its own address would say "Page not found".
    address = "" if url_path == DEFAULT_PAGE else url_path
    page = open_page(browser, servers, address, height=1800)
    try:
        for key, option in FIRST_CHOICES.get(url_path, []):
            choose(page, key, option)
        title = next(spec.title for spec in PAGES if spec.url_path == url_path)
        main = page.locator('[data-testid="stMain"]')
        assert main.get_by_role("heading", name=title).count() >= 1, main.inner_text()
        assert EXPECTED_TEXT[url_path] in main.inner_text()
        assert page_errors(page) == []
        assert page.get_by_text("Page not found").count() == 0
        folder = Path(SCREENSHOTS or tmp_path)
        folder.mkdir(parents=True, exist_ok=True)
        shot = folder / f"{url_path}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000  # a drawn page, not a blank one
    finally:
        page.context.close()
