"""One report run: what it profiled, its files to download, and its report page in the page.

The report page is the run's own self-contained HTML (its script and style are pinned by its
Content-Security-Policy), shown in a frame only when it says its identifiers are masked.
"""

from __future__ import annotations

import streamlit as st

from controllers.report_controller import ReportController, ReportDownload
from utils.page_state import PageState
from views.shared.feedback import reported_errors

#: Height of the frame the report page is shown in, in pixels (it scrolls inside).
REPORT_HEIGHT = 900
#: Table names listed in the run's caption before "and N more".
SHOWN_TABLES = 12


def run_panel(controller: ReportController, state: PageState, run_id: str) -> None:
    """The selected run `run_id`: caption, downloads, and the report page on request."""
    overview = controller.overview(run_id)
    tables = list(overview.tables[:SHOWN_TABLES])
    if len(overview.tables) > SHOWN_TABLES:
        tables.append(f"and {len(overview.tables) - SHOWN_TABLES} more")
    st.caption(
        f"{overview.datasource or 'Unknown datasource'} · {len(overview.tables)} tables, "
        f"{overview.columns} columns" + (f": {', '.join(tables)}" if tables else "")
    )
    # A static table: a run holds a handful of files, and their paths stay selectable text.
    st.table(
        [
            {"File": file.name, "Kind": file.kind, "Size (KB)": f"{file.size_kb:,.1f}"}
            for file in controller.files(run_id)
        ],
        hide_index=True,
        width="content",
        alt=f"Files of report run {run_id}",
    )
    _downloads(controller, state, run_id, controller.downloads(run_id))
    if st.toggle("Open the report here", key=state.key("open_report")):
        _report_page(controller, run_id)


def _downloads(
    controller: ReportController, state: PageState, run_id: str, files: list[ReportDownload]
) -> None:
    if not files:
        st.info("This run folder holds no report file.")
        return
    for column, file in zip(st.columns(len(files)), files, strict=True):
        column.download_button(
            file.label,
            # Read when clicked, not on every draw: a big schema's files run to megabytes.
            data=lambda name=file.name: controller.file_bytes(run_id, name),
            file_name=file.file_name,
            mime=file.mime,
            key=state.key(f"download_{file.name}"),
            on_click="ignore",
        )


def _report_page(controller: ReportController, run_id: str) -> None:
    with reported_errors("opening the report page"):
        page = controller.page(run_id)
        if not page.masked:
            st.warning(
                "This report was made with masking off: it shows citizen IDs, names and "
                "addresses as stored, so it is not shown here. Handle its files as patient data."
            )
            return
        st.iframe(page.html, height=REPORT_HEIGHT)
