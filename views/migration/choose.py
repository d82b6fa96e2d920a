"""Step 1 of the Migration Engine: a saved config, or an uploaded JSON file imported as one."""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from controllers.migration_controller import ConfigOverview, MigrationController
from utils.page_state import PageState
from views.migration.state import SAVED, UPLOAD, forget_choices, select_config
from views.shared.feedback import reported_errors
from views.shared.handoff import MIGRATION_CONFIG, take

_SOURCES = {SAVED: "A saved config", UPLOAD: "Upload a config JSON file"}


def choose_config(controller: MigrationController, state: PageState) -> ConfigOverview | None:
    """Draw step 1; the chosen saved config as reviewed, or None while there is none."""
    st.subheader("1. Choose a config")
    names = _config_names(controller)
    if names is None:
        return None
    handed = take(MIGRATION_CONFIG)  # another page (the Schema Mapper) opened this one on it
    if handed in names:
        select_config(state, handed)
    where = st.radio(
        "Where the config comes from",
        list(_SOURCES),
        format_func=_SOURCES.__getitem__,
        horizontal=True,
        key=state.key("source"),
    )
    if where == UPLOAD:
        _upload(controller, state)
        return None
    if not names:
        st.info("No saved config yet — make one in Schema Mapper, or upload a config JSON file.")
        return None
    if state.get("config") not in names:  # deleted elsewhere since: start from the first one
        state.forget("config")
    name = st.selectbox(
        "Saved config",
        names,
        key=state.key("config"),
        on_change=forget_choices,
        args=(state,),
    )
    if name is None:
        return None
    with reported_errors("reading the config"):
        return controller.overview(name)
    return None


def _config_names(controller: MigrationController) -> list[str] | None:
    with reported_errors("reading the saved configs"):
        return controller.config_names()
    return None


def _upload(controller: MigrationController, state: PageState) -> None:
    uploaded = st.file_uploader("Config JSON file", type=["json"], key=state.key("upload"))
    st.caption(
        "An uploaded config is saved first — as a new config, or as the next version of the "
        "config of its name — and the run uses the saved config."
    )
    if uploaded is None:
        return
    text = _text_of(uploaded)
    if text is None:
        return
    with reported_errors("reading the uploaded config"):
        check = controller.check_upload(text)
        st.success(
            f"{uploaded.name}: a valid config, {check.name!r}: {check.reads} of {check.source} "
            f"→ {check.writes} of {check.target}."
        )
        saved_as = (
            f"version {check.saved_version + 1} of the saved config {check.name!r}"
            if check.saved_version is not None
            else f"a new saved config {check.name!r}"
        )
        st.button(
            f"Import it as {saved_as}",
            key=state.key("import"),
            type="primary",
            on_click=_on_import,
            args=(controller, state, text),
        )


def _text_of(uploaded: UploadedFile) -> str | None:
    try:
        # utf-8-sig: a file saved by a Windows editor starts with a byte-order mark.
        return uploaded.getvalue().decode("utf-8-sig")
    except UnicodeDecodeError:
        st.error(f"{uploaded.name} is not UTF-8 text: save the config as UTF-8 JSON.")
        return None


def _on_import(controller: MigrationController, state: PageState, text: str) -> None:
    with reported_errors("importing the config", report=lambda line: state.flash("error", line)):
        name, version = controller.import_upload(text)
        select_config(state, name)
        state.flash("success", f"Imported {name!r} as version {version}; it is selected below.")
