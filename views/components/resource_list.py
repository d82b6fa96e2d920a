"""A list of stored things (datasources, configs, …): a table, one selected, delete behind a
confirmation, and the flash line that tells what the last action did.

A tab draws it in two calls, with its own actions for the selected row in between::

    state = PageState("ds")
    name = resource_list(state, rows, key_column="name", labels=LABELS,
                         select_label="Datasource", empty_text="No datasource yet — add one.")
    if name is not None:
        ...  # the tab's own actions for `name`
        confirm_delete(state, name, confirm_text=f"Yes, delete {name}",
                       on_delete=delete_datasource, in_use=controller.usage(name))

Deleting runs in the button's callback, before the page is drawn again, so the table drawn
after the click shows the store as it is; its outcome is the list's next flash line.
Widget keys (under the state's prefix): `table`, `selected`, `delete_confirm`,
`delete_force`, `delete`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import streamlit as st

from utils.page_state import PageState
from views.components.flash import show_flash
from views.components.table import keyed_table
from views.shared.feedback import reported_errors

#: Deletes the selected row (its key, and whether the user said "delete anyway") and returns
#: the success line to flash; raises the service's HisError when it cannot.
DeleteCallback = Callable[[str, bool], str]

# Keys that belong to one selected row and must not carry over to another.
_ROW_KEYS = ("delete_confirm", "delete_force")


def resource_list(
    state: PageState,
    rows: Sequence[Any],
    *,
    key_column: str,
    labels: Mapping[str, str],
    select_label: str,
    empty_text: str,
    on_select: Callable[[], None] | None = None,
) -> str | None:
    """Show the pending flash line, `rows` as a table and a select box of their keys.

    Args:
        state: the tab's page state; its prefix namespaces every widget key.
        rows: dataclass instances, one per table row, in the order shown.
        key_column: the field that names a row (what is selected and deleted).
        labels: column headers by field; fields left out keep their own name.
        select_label: the select box's label ("Datasource").
        empty_text: shown instead of the table when there are no rows: say what to do next.
        on_select: also run when the selection changes (forget the previous row's widgets).

    Returns:
        The selected row's key, or None when there are no rows.
    """
    show_flash(state)
    if not rows:
        st.info(empty_text)
        return None
    keyed_table(rows, labels=labels, key=state.key("table"))
    keys = [str(getattr(row, key_column)) for row in rows]
    # Deleted elsewhere (CLI, API, another tab) since the last run: start from the first row.
    state.keep_choice("selected", keys)
    return st.selectbox(
        select_label,
        keys,
        key=state.key("selected"),
        on_change=_selection_changed,
        args=(state, on_select),
    )


def confirm_delete(
    state: PageState,
    key: str,
    *,
    confirm_text: str,
    on_delete: DeleteCallback,
    in_use: str = "",
) -> None:
    """A "Delete <key>" expander: a confirmation box and the Delete button for row `key`.

    When `in_use` names what still uses it ("config visits and pipeline nightly"), a warning
    says so and a second box, "delete anyway", must be ticked too; `on_delete` then gets
    `True` as its second argument (the service's `force`).
    """
    with st.expander(f"Delete {key}"):
        if in_use:
            st.warning(f"{key} is used by {in_use}.")
        confirmed = st.checkbox(confirm_text, key=state.key("delete_confirm"))
        forced = False
        if in_use:
            forced = st.checkbox(
                "Delete anyway: they lose their link to it", key=state.key("delete_force")
            )
        st.button(
            "Delete",
            key=state.key("delete"),
            disabled=not confirmed or (bool(in_use) and not forced),
            on_click=_on_delete,
            args=(state, key, on_delete),
        )


def forget_row_widgets(state: PageState) -> None:
    """Forget the delete confirmation of the selected row (after an action replaced it)."""
    for name in _ROW_KEYS:
        state.forget(name)


def _selection_changed(state: PageState, on_select: Callable[[], None] | None) -> None:
    forget_row_widgets(state)
    if on_select is not None:
        on_select()


def _on_delete(state: PageState, key: str, on_delete: DeleteCallback) -> None:
    if not state.get("delete_confirm"):
        return  # the button is disabled then; this guards against a stale click
    forced = bool(state.get("delete_force"))
    with reported_errors("deleting", report=lambda line: state.flash("error", line)):
        message = on_delete(key, forced)
        state.forget("selected")
        forget_row_widgets(state)
        state.flash("success", message)
