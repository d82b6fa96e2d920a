"""The Datasources tab's two forms: add a datasource, and edit the selected one.

Both submit in a callback; on failure the form keeps what was typed, so nothing has to be
entered twice, and the error is the tab's next flash line.
"""

from __future__ import annotations

import streamlit as st

from controllers.datasource_controller import DatasourceController, DatasourceForm
from utils.page_state import PageState
from views.components.resource_list import forget_row_widgets
from views.shared.feedback import reported_errors

# The fields both forms have, by widget-key suffix ("add_host", "edit_host").
_TEXT_FIELDS = ("name", "host", "database", "user", "password", "schema")
_EDIT_KEYS = (*_TEXT_FIELDS, "type", "port", "remove_password")


def add_form(controller: DatasourceController, state: PageState, *, expanded: bool) -> None:
    """The "Add datasource" expander; a datasource added becomes the selected one."""
    with st.expander("Add datasource", expanded=expanded), st.form(state.key("add_form")):
        _fields(controller, state, "add", password_label="Password")
        st.form_submit_button(
            "Add datasource",
            key=state.key("add_submit"),
            type="primary",
            on_click=_on_add,
            args=(controller, state),
        )


def edit_form(controller: DatasourceController, state: PageState, name: str) -> None:
    """The "Edit" expander of datasource `name`, filled with its stored values.

    The password field starts empty: left empty it keeps the stored password, a value typed
    replaces it, and "Remove the stored password" clears it.
    """
    # Filled from the store once per datasource; afterwards the fields keep what is typed.
    if state.get("edit_for") != name or state.get("edit_name") is None:
        _fill_edit_form(controller.form_of(name), state)
        state.set("edit_for", name)
    with st.expander(f"Edit {name}"), st.form(state.key("edit_form")):
        _fields(
            controller,
            state,
            "edit",
            password_label="New password",
            password_help="Leave empty to keep the stored password.",
        )
        st.checkbox("Remove the stored password", key=state.key("edit_remove_password"))
        st.form_submit_button(
            "Save changes",
            key=state.key("edit_submit"),
            type="primary",
            on_click=_on_edit,
            args=(controller, state, name),
        )


def forget_edit_form(state: PageState) -> None:
    """Forget the edit form's values, so it is filled from the store on the next run."""
    state.forget("edit_for")
    for field in _EDIT_KEYS:
        state.forget(f"edit_{field}")


def _fields(
    controller: DatasourceController,
    state: PageState,
    form: str,
    *,
    password_label: str,
    password_help: str | None = None,
) -> None:
    st.text_input("Name", key=state.key(f"{form}_name"))
    st.selectbox(
        "Type",
        controller.db_types(),
        format_func=controller.db_type_label,
        key=state.key(f"{form}_type"),
    )
    host_column, port_column = st.columns([3, 1])
    host_column.text_input("Host", key=state.key(f"{form}_host"), help="Leave empty for SQLite.")
    port_column.number_input(
        "Port",
        min_value=1,
        max_value=65535,
        value=None,
        step=1,
        key=state.key(f"{form}_port"),
        help="Empty: the engine's usual port.",
    )
    st.text_input("Database (file path for SQLite)", key=state.key(f"{form}_database"))
    user_column, password_column = st.columns(2)
    user_column.text_input("User", key=state.key(f"{form}_user"))
    password_column.text_input(
        password_label, type="password", key=state.key(f"{form}_password"), help=password_help
    )
    st.text_input("Schema (optional)", key=state.key(f"{form}_schema"))


def _submitted(state: PageState, form: str) -> DatasourceForm:
    return DatasourceForm(
        name=state.get(f"{form}_name") or "",
        db_type=state.get(f"{form}_type") or "",
        database=state.get(f"{form}_database") or "",
        host=state.get(f"{form}_host") or "",
        port=state.get(f"{form}_port"),
        username=state.get(f"{form}_user") or "",
        password=state.get(f"{form}_password") or "",
        schema=state.get(f"{form}_schema") or "",
        remove_password=bool(state.get(f"{form}_remove_password")),
    )


def _fill_edit_form(stored: DatasourceForm, state: PageState) -> None:
    state.set("edit_name", stored.name)
    state.set("edit_type", stored.db_type)
    state.set("edit_host", stored.host)
    state.set("edit_port", stored.port)
    state.set("edit_database", stored.database)
    state.set("edit_user", stored.username)
    state.set("edit_password", "")
    state.set("edit_schema", stored.schema)
    state.set("edit_remove_password", False)


def _on_add(controller: DatasourceController, state: PageState) -> None:
    with reported_errors("adding the datasource", report=lambda line: state.flash("error", line)):
        created = controller.add(_submitted(state, "add"))
        for field in _TEXT_FIELDS:
            state.set(f"add_{field}", "")
        state.set("add_port", None)
        _select(state, created.name)
        state.flash("success", f"Datasource {created.name!r} added.")


def _on_edit(controller: DatasourceController, state: PageState, name: str) -> None:
    with reported_errors("saving the datasource", report=lambda line: state.flash("error", line)):
        saved = controller.update(name, _submitted(state, "edit"))
        _select(state, saved.name)
        renamed = f" (was {name!r})" if saved.name != name else ""
        state.flash("success", f"Datasource {saved.name!r} saved{renamed}.")


def _select(state: PageState, name: str) -> None:
    # The datasource just added or saved is the one selected, its widgets starting afresh.
    state.set("selected", name)
    state.forget("table_name")
    forget_row_widgets(state)
    forget_edit_form(state)
