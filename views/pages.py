"""The dashboard's pages, in sidebar order and by section: app.py routes what this list names.

Each page module exposes `show(ctx)`, which builds its controller and draws the page. Adding a
page is one module and one line here. A page's module is imported when the page is drawn, so a
visit costs only the page it opens.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

import streamlit as st

from views.shared.feedback import reported_errors
from views.shared.service_context import service_context


@dataclass(frozen=True, slots=True)
class PageSpec:
    """One page: where it sits in the sidebar, its address, and what draws it."""

    section: str
    title: str
    icon: str
    url_path: str
    module: str  # the view module whose `show(ctx)` draws it


PAGES: tuple[PageSpec, ...] = (
    PageSpec("Set up", "Settings", ":material/settings:", "settings", "views.settings"),
    PageSpec("Analyse", "Reports", ":material/folder_open:", "reports", "views.reports"),
    PageSpec("Analyse", "ER Diagram", ":material/hub:", "er-diagram", "views.er_diagram"),
    PageSpec("Map", "Schema Mapper", ":material/account_tree:", "mapper", "views.schema_mapper"),
    PageSpec(
        "Migrate", "Migration Engine", ":material/rocket_launch:", "migrate", "views.migration"
    ),
    PageSpec("Migrate", "Pipelines", ":material/schema:", "pipelines", "views.pipelines"),
    PageSpec("Migrate", "Runs and rejects", ":material/history:", "runs", "views.runs"),
    PageSpec("Set up", "Mock Data Generator", ":material/science:", "mock-data", "views.mock_data"),
)

#: The page a new visitor lands on.
DEFAULT_PAGE = "settings"


def page_named(url_path: str) -> PageSpec:
    """The page served at `url_path` (KeyError for an unknown one)."""
    for page in PAGES:
        if page.url_path == url_path:
            return page
    raise KeyError(url_path)


def render(page: PageSpec) -> None:
    """Draw `page` on the shared context; nothing it lets through reaches the user as a trace."""
    # Last line of defence: whatever a page lets through is logged, never shown as a traceback.
    with reported_errors(f"showing the {page.title} page"):
        import_module(page.module).show(service_context())


def navigation() -> dict[str, list[st.Page]]:
    """Every page as Streamlit's navigation takes them: by section, in sidebar order."""
    sections: dict[str, list[st.Page]] = {}
    for page in PAGES:
        sections.setdefault(page.section, []).append(_streamlit_page(page))
    return sections


def switch_to(url_path: str) -> None:
    """Open another page (after a callback set what it should show; see views/shared/handoff)."""
    st.switch_page(_streamlit_page(page_named(url_path)))


def _streamlit_page(page: PageSpec) -> st.Page:
    def draw() -> None:
        render(page)

    # Streamlit tells pages apart by url_path; a distinct function name keeps its logs readable.
    draw.__name__ = f"page_{page.url_path.replace('-', '_')}"
    return st.Page(
        draw,
        title=page.title,
        icon=page.icon,
        url_path=page.url_path,
        default=page.url_path == DEFAULT_PAGE,
    )
