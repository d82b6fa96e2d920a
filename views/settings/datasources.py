"""The Datasources tab: the list, the add form, and test / edit / browse / delete of one.

Actions that change the store run in widget callbacks, i.e. before the tab is drawn, so the
table always shows the store as it is after the click; their outcome is a flash line.
"""

from __future__ import annotations

import streamlit as st

from controllers.datasource_controller import (
    ColumnRow,
    DatasourceController,
    DatasourceRow,
    TableRow,
)
from utils.page_state import PageState
from views.components.resource_list import confirm_delete, resource_list
from views.components.table import keyed_table
from views.settings.datasource_forms import add_form, edit_form, forget_edit_form
from views.shared.feedback import reported_errors

PAGE = "ds"

_DATASOURCE_COLUMNS = {
    "name": "Name",
    "type": "Type",
    "location": "Host:port",
    "database": "Database / file",
    "user": "User",
    "password": "Password stored",
}
_COLUMN_COLUMNS = {
    "column": "Column",
    "type": "Type",
    "nullable": "Nullable",
    "default": "Default",
    "primary_key": "PK",
}


def render(controller: DatasourceController) -> None:
    """Draw the tab."""
    state = PageState(PAGE)
    rows = _load_rows(controller)
    if rows is None:
        return
    add_form(controller, state, expanded=not rows)
    name = resource_list(
        state,
        rows,
        key_column="name",
        labels=_DATASOURCE_COLUMNS,
        select_label="Datasource",
        empty_text='No datasource yet — add one with "Add datasource" above.',
        on_select=lambda: forget_selection_widgets(state),
    )
    if name is not None:
        _datasource_panel(controller, state, name)


def forget_selection_widgets(state: PageState) -> None:
    """Forget what was chosen or typed for the selected datasource, so another starts afresh."""
    state.forget("table_name")
    forget_edit_form(state)


def _datasource_panel(controller: DatasourceController, state: PageState, name: str) -> None:
    _test_connection(controller, state, name)
    edit_form(controller, state, name)
    _table_browser(controller, state, name)
    confirm_delete(
        state,
        name,
        confirm_text=f"Yes, delete {name} (its stored password is deleted too)",
        on_delete=lambda key, force: _delete(controller, state, key, force=force),
        in_use=controller.usage(name),
    )


def _load_rows(controller: DatasourceController) -> list[DatasourceRow] | None:
    with reported_errors("reading the list of datasources"):
        return controller.rows()
    return None


def _test_connection(controller: DatasourceController, state: PageState, name: str) -> None:
    if not st.button("Test connection", key=state.key("test")):
        return
    with reported_errors("testing the connection"):
        with st.spinner(f"Connecting to {name}…"):
            result = controller.test(name)
        st.success(f"Connected to {name}: {result.server_version} ({result.elapsed_ms:.0f} ms)")


def _table_browser(controller: DatasourceController, state: PageState, name: str) -> None:
    # Opt-in: listing tables opens a connection, and an unreachable server would otherwise
    # hold up every rerun of the page for its connect timeout.
    if not st.toggle("Browse tables", key=state.key("browse")):
        return
    tables = _load_tables(controller, name)
    if tables is None:
        return
    if not tables:
        st.info(f"{name} has no tables in its default schema.")
        return
    by_name = {table.name: table for table in tables}
    state.keep_choice("table_name", by_name)
    table = st.selectbox("Table", list(by_name), key=state.key("table_name"))
    if table is None:
        return
    estimate = by_name[table].row_estimate
    st.caption(f"About {estimate:,} rows" if estimate is not None else "Row count unknown")
    columns = _load_columns(controller, name, table)
    if columns is not None:
        keyed_table(columns, labels=_COLUMN_COLUMNS, key=state.key("columns"))


def _load_tables(controller: DatasourceController, name: str) -> list[TableRow] | None:
    with reported_errors("reading the list of tables"):
        return controller.tables(name)
    return None


def _load_columns(
    controller: DatasourceController, name: str, table: str
) -> list[ColumnRow] | None:
    with reported_errors("reading the table's columns"):
        return controller.columns(name, table)
    return None


def _delete(controller: DatasourceController, state: PageState, name: str, *, force: bool) -> str:
    # Runs in the Delete button's callback (see resource_list.confirm_delete).
    controller.delete(name, force=force)
    state.forget("browse")
    forget_selection_widgets(state)
    return f"Datasource {name!r} deleted."
