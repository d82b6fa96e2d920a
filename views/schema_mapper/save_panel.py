"""The config-level choices (name, load mode, error policy, keys, custom SQL) and Save."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from controllers.mapper_controller import MapperController
from controllers.mapper_draft import ERROR_POLICIES, LOAD_MODES, key_columns
from controllers.mapper_sources import SourceTable
from views.components.flash import show_flash
from views.schema_mapper.state import MapperState
from views.shared.feedback import reported_errors


def draw_save_panel(controller: MapperController, state: MapperState, source: SourceTable) -> None:
    """The config's settings, its optional custom SQL, and the Save button."""
    draft = state.draft
    if draft is None:
        return
    st.subheader("5. Save")
    if draft.loaded:
        st.caption(
            f"Opened from saved config {draft.loaded!r}: saving under that name adds its next "
            "version; another name starts a new config."
        )
    name_side, mode_side, policy_side = st.columns([2, 1, 1])
    name_side.text_input(
        "Config name",
        key=state.mirror(state.editor_key("name"), draft.name),
        on_change=_on_setting,
        args=(state, "name"),
        help="Saving under an existing name adds its next version; a new name starts at v1.",
    )
    mode_side.selectbox(
        "Load mode",
        LOAD_MODES,
        key=state.mirror(state.editor_key("load_mode"), draft.load_mode),
        on_change=_on_setting,
        args=(state, "load_mode"),
    )
    policy_side.selectbox(
        "Bad rows",
        ERROR_POLICIES,
        key=state.mirror(state.editor_key("error_policy"), draft.error_policy),
        on_change=_on_setting,
        args=(state, "error_policy"),
        help="stop: roll the batch back and stop; quarantine: set the row aside and go on.",
    )
    targets = [row.target for row in draft.rows if row.target and not row.ignore]
    chosen = [column for column in key_columns(draft, source.primary_key) if column in targets]
    st.multiselect(
        "Key columns of the target",
        targets,
        key=state.mirror(state.editor_key("key_columns"), chosen),
        on_change=_on_setting,
        args=(state, "key_columns"),
        help="Upsert matches rows on them. Empty: the targets of the source's primary key.",
    )
    with st.expander("Custom source SQL (optional)", expanded=bool(draft.generate_sql)):
        st.caption(
            "One read-only SELECT run on the source datasource instead of the whole table; it "
            "must return the source columns mapped above. It is checked before anything is "
            "saved or run."
        )
        st.text_area(
            "generate_sql",
            key=state.mirror(state.editor_key("generate_sql"), draft.generate_sql),
            on_change=_on_setting,
            args=(state, "generate_sql"),
            placeholder=f"SELECT * FROM {source.table} WHERE …",
        )
    st.button(
        "Save as next version",
        key=state.key("save"),
        type="primary",
        on_click=_on_save,
        args=(controller, state),
    )
    show_flash(state.beside("save"))


def _on_setting(state: MapperState, field: str) -> None:
    draft = state.draft
    if draft is None:
        return
    value = state.state.get(state.editor_key(field))
    if field == "key_columns":
        value = tuple(value or ())
    state.set_draft(replace(draft, **{field: value if value is not None else ""}))
    state.set_preview(None)


def _on_save(controller: MapperController, state: MapperState) -> None:
    source, target, draft = state.source, state.target, state.draft
    if source is None or target is None or draft is None:
        return
    line = state.beside("save")
    with reported_errors("saving the config", report=lambda message: line.flash("error", message)):
        saved = controller.save(draft, source, target[0])
        state.set_draft(replace(draft, name=saved.name, loaded=saved.name))
        what = "created as v1" if saved.created else f"saved as v{saved.version}"
        line.flash("success", f"Config {saved.name!r} {what}.")
