"""The HTML report in headless Chromium, offline: tables, sorting, search, filters, tabs, and no
value ever runs as code or shows a full citizen ID."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Page, Route

from models.profile import ColumnProfile, DatabaseProfile, ProfileMode, TableProfile
from services.privacy import mask_profile
from services.reports import write_report
from tests.e2e.browser import chromium
from tests.unit.test_report_writer import CID_1, CID_2, CID_3, SCRIPT_VALUE, build_profile
from utils.thai_cid import cid_checksum_ok

pytestmark = pytest.mark.e2e

ROW = "#column-table tr.row[data-key='{}']"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium (Debian's), shared by the module's tests."""
    with chromium() as launched:
        yield launched


class OfflinePage:
    """A page that may only load file: URLs; it records what else it tried and any dialog."""

    def __init__(self, browser: Browser, report: Path) -> None:
        self.blocked: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(viewport={"width": 1400, "height": 900})
        self.context.route("**/*", self._route)
        self.page: Page = self.context.new_page()
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto(report.as_uri())

    def _route(self, route: Route) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


@pytest.fixture
def report(browser: Browser, tmp_path: Path) -> Iterator[OfflinePage]:
    """The masked report of the hand-built profile, open in an offline page."""
    paths = write_report(
        mask_profile(build_profile()),
        out_dir=tmp_path,
        ddl=None,
        log_lines=["08:05:30 INFO profiling hos.patient", "08:06:45 INFO done: 2 tables"],
    )
    opened = OfflinePage(browser, paths.html)
    yield opened
    opened.context.close()
    assert opened.blocked == []  # the page never tried to reach the network
    assert opened.errors == []


def visible_cells(page: Page, table_id: str, heading: str) -> list[str]:
    """The cells under `heading` of the table's visible main rows, top to bottom."""
    return page.evaluate(
        """([tableId, heading]) => {
            const table = document.getElementById(tableId);
            const index = [...table.tHead.rows[0].cells].findIndex(
                (th) => th.textContent.trim() === heading);
            return [...table.tBodies[0].rows]
                .filter((row) => row.classList.contains("row") && !row.hidden)
                .map((row) => row.cells[index].textContent.trim());
        }""",
        [table_id, heading],
    )


def click_heading(page: Page, table_id: str, heading: str) -> None:
    """Click the sort button of one column heading."""
    page.locator(f"#{table_id} thead th button.sort", has_text=re.compile(f"^{heading}$")).click()


def number(cell: str) -> float:
    """A displayed number ("24,990") as Python reads it."""
    return float(cell.replace(",", ""))


def test_tables_render_with_one_row_per_table_and_column(report: OfflinePage) -> None:
    page = report.page

    assert visible_cells(page, "overview-table", "Table") == ["patient", "ovst"]
    columns = visible_cells(page, "column-table", "Column")
    assert [name.removesuffix(" PK") for name in columns] == [
        "hn", "fname", "cid", "note", "vn", "income", "doctor",
    ]  # fmt: skip
    assert page.locator("#column-table tr.detail").count() == 7
    assert page.locator("[data-count-for=column-table]").text_content() == "7 of 7 columns"


def test_clicking_a_heading_sorts_numbers_as_numbers(report: OfflinePage) -> None:
    page = report.page
    page.click("#tab-columns-button")
    before = visible_cells(page, "column-table", "Distinct")

    click_heading(page, "column-table", "Distinct")
    ascending = visible_cells(page, "column-table", "Distinct")
    click_heading(page, "column-table", "Distinct")
    descending = visible_cells(page, "column-table", "Distinct")

    known = [cell for cell in before if cell]
    assert ascending == sorted(known, key=number) + [""] * (len(before) - len(known))
    assert descending == sorted(known, key=number, reverse=True) + [""] * (len(before) - len(known))
    assert ascending != before  # the order really changed (24,990 sorts after 1,200)


def test_clicking_a_heading_sorts_text_and_keeps_details_attached(report: OfflinePage) -> None:
    page = report.page
    page.click("#tab-columns-button")

    click_heading(page, "column-table", "Column")

    names = [name.removesuffix(" PK") for name in visible_cells(page, "column-table", "Column")]
    assert names == sorted(names)
    # Each detail row still follows its own column.
    page.locator(ROW.format("hos.ovst.income")).locator("button.toggle").click()
    detail = page.locator(ROW.format("hos.ovst.income") + " + tr.detail")
    assert detail.is_visible()
    assert "120.00" in detail.inner_text()


def test_overview_sorts_by_rows(report: OfflinePage) -> None:
    page = report.page

    click_heading(page, "overview-table", "Rows")
    ascending = visible_cells(page, "overview-table", "Rows")
    click_heading(page, "overview-table", "Rows")
    descending = visible_cells(page, "overview-table", "Rows")

    assert ascending == sorted(ascending, key=number) == ["1,200", "250,000"]
    assert descending == ["250,000", "1,200"]
    assert visible_cells(page, "overview-table", "Table") == ["ovst", "patient"]


def test_search_box_and_filters_narrow_the_rows(report: OfflinePage) -> None:
    page = report.page
    page.click("#tab-columns-button")
    search = page.locator("input[data-search-for=column-table]")

    search.fill("income")
    assert visible_cells(page, "column-table", "Column") == ["income"]
    search.fill("แพ้ยา")  # a Thai top value, found in the column's detail
    assert visible_cells(page, "column-table", "Column") == ["note"]
    search.fill("")
    page.select_option("select[data-filter-for=column-table][data-column='1']", "hos.ovst")
    assert visible_cells(page, "column-table", "Table") == ["hos.ovst"] * 3
    page.select_option("select[data-filter-for=column-table][data-column='4']", "VARCHAR")
    assert [name.removesuffix(" PK") for name in visible_cells(page, "column-table", "Column")] == [
        "vn", "doctor",
    ]  # fmt: skip
    assert page.locator("[data-count-for=column-table]").text_content() == "2 of 7 columns"


def test_tabs_switch_and_a_table_name_opens_its_columns(report: OfflinePage) -> None:
    page = report.page
    assert page.locator("#tab-overview").is_visible()

    page.click("#tab-log-button")
    assert page.locator("#tab-log").is_visible()
    assert not page.locator("#tab-overview").is_visible()
    assert "done: 2 tables" in page.locator("#tab-log pre").inner_text()
    page.click("#tab-docs-button")
    assert page.get_by_text("column score   = 100 × completeness", exact=False).is_visible()

    page.click("#tab-overview-button")
    page.click("#overview-table a[data-goto-table='hos.ovst']")
    assert page.locator("#tab-columns").is_visible()
    assert visible_cells(page, "column-table", "Table") == ["hos.ovst"] * 3


def test_a_script_value_is_text_and_never_runs(report: OfflinePage) -> None:
    page = report.page
    page.click("#tab-columns-button")

    note = page.locator(ROW.format("hos.patient.note"))
    assert SCRIPT_VALUE in note.inner_text()
    assert page.evaluate("document.querySelectorAll('script').length") == 1
    assert report.dialogs == []


def test_thai_text_is_shown_and_no_citizen_id_is(report: OfflinePage) -> None:
    page = report.page

    assert page.locator("h1").inner_text().startswith("โรงพยาบาลทดสอบ hosxp")
    assert page.locator("meta[charset]").get_attribute("charset") == "utf-8"
    page.click("#tab-columns-button")
    page.locator(ROW.format("hos.patient.cid")).locator("button.toggle").click()
    detail = page.locator(ROW.format("hos.patient.cid") + " + tr.detail").inner_text()
    assert f"1-1017-xxxxx-xx-{CID_1[-1]}" in detail
    text = page.evaluate("document.body.textContent") + page.content()
    runs = re.findall(r"(?<!\d)\d{13}(?!\d)", text)
    assert [run for run in runs if cid_checksum_ok(run)] == []
    assert not {CID_1, CID_2, CID_3} & set(runs)


def test_a_long_table_is_paged(browser: Browser, tmp_path: Path) -> None:
    columns = [
        ColumnProfile(f"col{number:03d}", "INTEGER", number, null_count=number, distinct_count=9)
        for number in range(1, 251)
    ]
    wide = TableProfile("wide", None, 1000, 1.0, columns=columns, rows_profiled=1000)
    profile = DatabaseProfile("wide", "postgresql", "16", ProfileMode.BASIC, tables=[wide])
    opened = OfflinePage(
        browser, write_report(profile, out_dir=tmp_path, ddl=None, log_lines=[]).html
    )
    page = opened.page
    page.click("#tab-columns-button")
    pager = page.locator("[data-pager-for=column-table]")

    first_page = visible_cells(page, "column-table", "Column")
    assert first_page == [f"col{number:03d}" for number in range(1, 101)]
    assert pager.locator(".range").inner_text() == "1–100 of 250"
    pager.get_by_text("Next").click()
    pager.get_by_text("Next").click()
    assert visible_cells(page, "column-table", "Column")[0] == "col201"
    assert pager.get_by_text("Next").is_disabled()
    # Sorting orders all 250 rows and goes back to the first page.
    click_heading(page, "column-table", "Null %")
    click_heading(page, "column-table", "Null %")
    assert visible_cells(page, "column-table", "Column")[:2] == ["col250", "col249"]
    page.locator("input[data-search-for=column-table]").fill("col24")
    assert len(visible_cells(page, "column-table", "Column")) == 10
    assert not pager.is_visible()
    opened.context.close()
    assert opened.blocked == [] and opened.errors == []
