"""The Schema Mapper's preview: the editor's config tried in test mode, nothing saved."""

from __future__ import annotations

import streamlit as st

from controllers.mapper_controller import MapperController
from models.test_run import TestRunReport
from views.components.flash import show_flash
from views.schema_mapper.state import MapperState
from views.shared.feedback import reported_errors


def draw_preview(controller: MapperController, state: MapperState) -> None:
    """The preview button and the last preview's rows and grouped rejects."""
    st.subheader("6. Preview")
    st.button(
        "Preview (test run, nothing saved)",
        key=state.key("preview_run"),
        on_click=_on_preview,
        args=(controller, state),
        help="Loads one batch into the target inside a transaction that is rolled back: the "
        "transformed rows and the rows that would be rejected. Identifiers are masked.",
    )
    show_flash(state.beside("preview"))
    report = state.preview
    if report is not None:
        _report(state, report)


def _on_preview(controller: MapperController, state: MapperState) -> None:
    source, target, draft = state.source, state.target, state.draft
    if source is None or target is None or draft is None:
        return
    state.set_preview(None)
    line = state.beside("preview")
    with reported_errors(
        "previewing the mapping", report=lambda message: line.flash("error", message)
    ):
        state.set_preview(controller.preview(draft, source, target[0]))


def _report(state: MapperState, report: TestRunReport) -> None:
    st.markdown(
        f"**{report.rows_read:,}** rows read, **{report.would_load:,}** would load, "
        f"**{report.would_reject:,}** would be rejected — rolled back, nothing was written."
    )
    if report.preview:
        st.caption("The first transformed rows, as the target would get them:")
        st.dataframe(list(report.preview), hide_index=True, key=state.key("preview_rows"))
    if not report.groups:
        st.success("No row would be rejected.")
        return
    st.caption("Would-be rejects by column and reason (values masked):")
    st.dataframe(
        [
            {
                "column": group.column or "",
                "stage": group.stage,
                "reason": group.reason,
                "rejects": group.rejects,
                "values": ", ".join("NULL" if v is None else repr(v) for v in group.values)
                + (" …" if group.more_values else ""),
                "first": group.first,
            }
            for group in report.groups
        ],
        hide_index=True,
        key=state.key("preview_rejects"),
    )
