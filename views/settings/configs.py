"""The Saved configs tab: every mapping config; open one in the Schema Mapper, export it as
JSON or TypeScript, delete it (its history is kept) or restore a deleted one."""

from __future__ import annotations

import streamlit as st

from controllers.config_controller import ConfigController, ConfigRow, ExportFormat
from utils.page_state import PageState
from views.components.resource_list import confirm_delete, forget_row_widgets, resource_list
from views.pages import switch_to
from views.shared.feedback import reported_errors
from views.shared.handoff import MAPPER_CONFIG, hand_over

PAGE = "cfg"

_CONFIG_COLUMNS = {
    "name": "Name",
    "version": "Version",
    "source": "Source",
    "target": "Target",
    "changed": "Last change",
    "status": "Status",
}
_EXPORT_LABELS: dict[ExportFormat, str] = {"json": "Export JSON", "ts": "Export TypeScript"}


def render(controller: ConfigController) -> None:
    """Draw the tab."""
    state = PageState(PAGE)
    include_deleted = st.toggle("Show deleted configs", key=state.key("show_deleted"))
    rows = _load_rows(controller, include_deleted=include_deleted)
    if rows is None:
        return
    name = resource_list(
        state,
        rows,
        key_column="name",
        labels=_CONFIG_COLUMNS,
        select_label="Config",
        empty_text="No saved config yet — draft one in the Schema Mapper and save it.",
    )
    if name is None:
        return
    row = next(row for row in rows if row.name == name)
    if row.status == "deleted":
        _restore(controller, state, row)
        return
    _open_and_export(controller, state, name)
    confirm_delete(
        state,
        name,
        confirm_text=f"Yes, delete config {name} (its history is kept; it can be restored)",
        on_delete=lambda key, _force: _delete(controller, key),
    )


def _load_rows(controller: ConfigController, *, include_deleted: bool) -> list[ConfigRow] | None:
    with reported_errors("reading the list of configs"):
        return controller.rows(include_deleted=include_deleted)
    return None


def _open_and_export(controller: ConfigController, state: PageState, name: str) -> None:
    open_column, *export_columns = st.columns(3)
    # Navigation, not a change to the store: handled in the run the click starts.
    if open_column.button("Open in Schema Mapper", key=state.key("open"), type="primary"):
        hand_over(MAPPER_CONFIG, name)
        switch_to("mapper")
    for column, (kind, label) in zip(export_columns, _EXPORT_LABELS.items(), strict=True):
        with column, reported_errors(f"exporting the config as {kind}"):
            exported = controller.export(name, kind)
            st.download_button(
                label,
                data=exported.content,
                file_name=exported.file_name,
                mime=exported.mime,
                key=state.key(f"export_{kind}"),
                on_click="ignore",  # a download changes nothing on the page
            )


def _restore(controller: ConfigController, state: PageState, row: ConfigRow) -> None:
    st.caption(f"{row.name} is deleted; its history is kept (see the History tab).")
    st.button(
        "Restore",
        key=state.key("restore"),
        type="primary",
        on_click=_on_restore,
        args=(controller, state, row.name),
    )


def _on_restore(controller: ConfigController, state: PageState, name: str) -> None:
    with reported_errors("restoring the config", report=lambda line: state.flash("error", line)):
        version = controller.restore(name)
        forget_row_widgets(state)
        state.flash("success", f"Config {name!r} restored as v{version}.")


def _delete(controller: ConfigController, name: str) -> str:
    # Runs in the Delete button's callback (see resource_list.confirm_delete).
    controller.delete(name)
    return f"Config {name!r} deleted (history kept; tick 'Show deleted configs' to restore it)."
