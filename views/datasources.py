"""The Datasources page: the list, the add form, and test / browse / delete for one datasource.

Actions that change the store run in widget callbacks, i.e. before the page is drawn, so the
table below always shows the store as it is after the click; their outcome is a flash message.
"""

from __future__ import annotations

from dataclasses import asdict

import streamlit as st

from controllers.datasource_controller import (
    ColumnRow,
    DatasourceController,
    DatasourceForm,
    DatasourceRow,
    TableRow,
)
from utils.page_state import PageState
from views.shared.feedback import reported_errors

PAGE = "ds"

# Text fields of the add form and the value they return to after a successful add.
_FORM_TEXT_FIELDS = ("name", "host", "database", "user", "password", "schema")

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
    """Draw the whole page."""
    state = PageState(PAGE)
    st.title("Datasources")
    st.caption("Databases HIS Analyzer reads from and writes to. Passwords are stored encrypted.")
    _show_flash(state)
    rows = _load_rows(controller)
    if rows is None:
        return
    if rows:
        st.dataframe(
            [asdict(row) for row in rows],
            hide_index=True,
            column_config=_DATASOURCE_COLUMNS,
            key=state.key("table"),
        )
    else:
        st.info("No datasources yet. Add one below.")
    _add_form(controller, state, expanded=not rows)
    if rows:
        _datasource_panel(controller, state, [row.name for row in rows])


def _show_flash(state: PageState) -> None:
    flash = state.pop_flash()
    if flash is not None:
        {"success": st.success, "error": st.error, "info": st.info}[flash.level](flash.message)


def _load_rows(controller: DatasourceController) -> list[DatasourceRow] | None:
    with reported_errors("reading the list of datasources"):
        return controller.rows()
    return None


# --- adding ---------------------------------------------------------------------------------


def _add_form(controller: DatasourceController, state: PageState, *, expanded: bool) -> None:
    with st.expander("Add datasource", expanded=expanded), st.form(state.key("add_form")):
        st.text_input("Name", key=state.key("add_name"))
        st.selectbox(
            "Type",
            controller.db_types(),
            format_func=controller.db_type_label,
            key=state.key("add_type"),
        )
        host_column, port_column = st.columns([3, 1])
        host_column.text_input("Host", key=state.key("add_host"), help="Leave empty for SQLite.")
        port_column.number_input(
            "Port",
            min_value=1,
            max_value=65535,
            value=None,
            step=1,
            key=state.key("add_port"),
            help="Empty: the engine's usual port.",
        )
        st.text_input("Database (file path for SQLite)", key=state.key("add_database"))
        user_column, password_column = st.columns(2)
        user_column.text_input("User", key=state.key("add_user"))
        password_column.text_input("Password", type="password", key=state.key("add_password"))
        st.text_input("Schema (optional)", key=state.key("add_schema"))
        st.form_submit_button(
            "Add datasource",
            key=state.key("add_submit"),
            type="primary",
            on_click=_on_add,
            args=(controller, state),
        )


def _on_add(controller: DatasourceController, state: PageState) -> None:
    form = DatasourceForm(
        name=state.get("add_name") or "",
        db_type=state.get("add_type") or "",
        database=state.get("add_database") or "",
        host=state.get("add_host") or "",
        port=state.get("add_port"),
        username=state.get("add_user") or "",
        password=state.get("add_password") or "",
        schema=state.get("add_schema") or "",
    )
    # On failure the form keeps what was typed, so nothing has to be entered twice.
    with reported_errors("adding the datasource", report=lambda line: state.flash("error", line)):
        created = controller.add(form)
        for field in _FORM_TEXT_FIELDS:
            state.set(f"add_{field}", "")
        state.set("add_port", None)
        state.set("selected", created.name)
        _forget_selection_widgets(state)
        state.flash("success", f"Datasource {created.name!r} added.")


# --- one datasource: test, browse, delete ---------------------------------------------------


def _datasource_panel(controller: DatasourceController, state: PageState, names: list[str]) -> None:
    st.subheader("Selected datasource")
    # Deleted elsewhere (CLI, API) since the last run: start again from the first one.
    if state.get("selected") not in names:
        state.forget("selected")
    name = st.selectbox(
        "Datasource",
        names,
        key=state.key("selected"),
        on_change=_forget_selection_widgets,
        args=(state,),
    )
    if name is None:
        return
    _test_connection(controller, state, name)
    _table_browser(controller, state, name)
    _delete(controller, state, name)


def _forget_selection_widgets(state: PageState) -> None:
    # A confirmation or a table chosen for one datasource must not carry over to another.
    state.forget("delete_confirm")
    state.forget("table_name")


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
    if state.get("table_name") not in by_name:
        state.forget("table_name")
    table = st.selectbox("Table", list(by_name), key=state.key("table_name"))
    if table is None:
        return
    estimate = by_name[table].row_estimate
    st.caption(f"About {estimate:,} rows" if estimate is not None else "Row count unknown")
    columns = _load_columns(controller, name, table)
    if columns is not None:
        st.dataframe(
            [asdict(column) for column in columns],
            hide_index=True,
            column_config=_COLUMN_COLUMNS,
            key=state.key("columns"),
        )


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


def _delete(controller: DatasourceController, state: PageState, name: str) -> None:
    confirmed = st.checkbox(
        f"Yes, delete {name} (its stored password is deleted too)",
        key=state.key("delete_confirm"),
    )
    st.button(
        "Delete",
        key=state.key("delete"),
        disabled=not confirmed,
        on_click=_on_delete,
        args=(controller, state, name),
    )


def _on_delete(controller: DatasourceController, state: PageState, name: str) -> None:
    if not state.get("delete_confirm"):
        return  # the button is disabled then; this guards against a stale click
    with reported_errors("deleting the datasource", report=lambda line: state.flash("error", line)):
        controller.delete(name)
        state.forget("selected")
        state.forget("browse")
        _forget_selection_widgets(state)
        state.flash("success", f"Datasource {name!r} deleted.")
