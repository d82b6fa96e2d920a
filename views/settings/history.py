"""The History tab: a config's saved versions, what changed between any two of them, and a
one-click rollback to an older one (saved as a new version; nothing is erased)."""

from __future__ import annotations

from dataclasses import asdict

import streamlit as st

from controllers.config_controller import ConfigController, ConfigRow, VersionRow
from utils.page_state import PageState
from views.components.diff_view import diff_view
from views.components.flash import show_flash
from views.components.table import keyed_table
from views.shared.feedback import reported_errors

PAGE = "hist"

_VERSION_COLUMNS = {"version": "Version", "saved": "Saved", "summary": "Summary"}
# Widgets that belong to one config's versions and must not carry over to another config.
_VERSION_KEYS = ("from", "to", "rollback_version")


def render(controller: ConfigController) -> None:
    """Draw the tab."""
    state = PageState(PAGE)
    show_flash(state)
    configs = _load_configs(controller)
    if configs is None:
        return
    if not configs:
        st.info("No saved config yet — its versions appear here once one is saved.")
        return
    by_name = {row.name: row for row in configs}
    state.keep_choice("config", by_name)
    name = st.selectbox(
        "Config",
        list(by_name),
        key=state.key("config"),
        on_change=_forget_versions,
        args=(state,),
    )
    if name is None:
        return
    versions = _load_versions(controller, name)
    if versions is None:
        return
    shown = [{**asdict(row), "version": _label(row.version)} for row in versions]
    keyed_table(shown, labels=_VERSION_COLUMNS, key=state.key("versions"))
    numbers = [row.version for row in versions]
    _compare(controller, state, name, numbers)
    if by_name[name].status == "deleted":
        st.caption(f"{name} is deleted: restore it in Saved configs to roll it back.")
    else:
        _rollback(controller, state, name, numbers)


def _load_configs(controller: ConfigController) -> list[ConfigRow] | None:
    with reported_errors("reading the list of configs"):
        # Deleted configs too: their history is kept and can be read.
        return controller.rows(include_deleted=True)
    return None


def _load_versions(controller: ConfigController, name: str) -> list[VersionRow] | None:
    with reported_errors("reading the config's versions"):
        return controller.versions(name)
    return None


def _compare(controller: ConfigController, state: PageState, name: str, numbers: list[int]) -> None:
    st.subheader("Compare two versions")
    # Unless chosen: what the latest save changed.
    _choose_default(state, "from", numbers, numbers[-2] if len(numbers) > 1 else numbers[0])
    _choose_default(state, "to", numbers, numbers[-1])
    from_column, to_column = st.columns(2)
    old = from_column.selectbox("From", numbers, format_func=_label, key=state.key("from"))
    new = to_column.selectbox("To", numbers, format_func=_label, key=state.key("to"))
    with reported_errors("comparing the versions"):
        diff_view(controller.compare(name, old, new), key=state.key("diff"))


def _rollback(
    controller: ConfigController, state: PageState, name: str, numbers: list[int]
) -> None:
    st.subheader("Roll back")
    older = numbers[:-1]
    if not older:
        st.caption("Only one version is saved: there is nothing to roll back to.")
        return
    _choose_default(state, "rollback_version", older, older[-1])
    version_column, button_column = st.columns([3, 1], vertical_alignment="bottom")
    version_column.selectbox(
        "Version to go back to", older, format_func=_label, key=state.key("rollback_version")
    )
    button_column.button(
        "Roll back",
        key=state.key("rollback"),
        on_click=_on_rollback,
        args=(controller, state, name, numbers[-1]),
    )
    st.caption("A rollback saves that version again as the newest one; nothing is erased.")


def _on_rollback(controller: ConfigController, state: PageState, name: str, latest: int) -> None:
    version = state.get("rollback_version")
    with reported_errors("rolling back", report=lambda line: state.flash("error", line)):
        saved = controller.rollback(name, version)
        # Show what the rollback changed: the version it replaced against the one it saved.
        state.set("from", latest)
        state.set("to", saved)
        state.forget("rollback_version")
        state.flash("success", f"Config {name!r} rolled back to v{version}, saved as v{saved}.")


def _choose_default(state: PageState, name: str, options: list[int], default: int) -> None:
    # Set before the widget is drawn; a choice another config's versions left is replaced.
    if state.get(name) not in options:
        state.set(name, default)


def _forget_versions(state: PageState) -> None:
    for name in _VERSION_KEYS:
        state.forget(name)


def _label(version: int) -> str:
    return f"v{version}"
