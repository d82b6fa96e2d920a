"""The Schema Mapper page, top to bottom: open a config, source, target, the mapping editor,
a column's details, save, and the preview.

Actions run in widget callbacks (before the page is drawn) and end in a flash line, so the
page drawn after a click shows the store and the draft as they are after it.
"""

from __future__ import annotations

import streamlit as st

from controllers.mapper_controller import MapperController
from controllers.mapper_draft import Family, fit_to_target, new_draft
from controllers.mapper_plugins import PluginForm
from controllers.mapper_sources import SourceTable
from services.context import ServiceContext
from views.components.flash import show_flash
from views.schema_mapper.column_panel import draw_column_panel
from views.schema_mapper.editor import draw_editor
from views.schema_mapper.preview import draw_preview
from views.schema_mapper.profile_text import draw_source_profile
from views.schema_mapper.save_panel import draw_save_panel
from views.schema_mapper.saved_configs import draw_export, draw_open, open_config
from views.schema_mapper.source_picker import draw_source
from views.schema_mapper.state import MapperState, mapper_state
from views.schema_mapper.target_picker import draw_target
from views.shared.handoff import MAPPER_CONFIG, take


def show(ctx: ServiceContext) -> None:
    """Build the page's controller and draw the page."""
    render(MapperController(ctx))


def render(controller: MapperController) -> None:
    """Draw the whole page."""
    state = mapper_state()
    handed = take(MAPPER_CONFIG)
    if handed:
        open_config(controller, state, str(handed), report=state.flash_error)
    st.title("Schema Mapper")
    st.caption(
        "Map a source table's columns onto a target table, with transformers and validators; "
        "preview the result, then save it as the config's next version."
    )
    show_flash(state)
    draw_open(controller, state)
    st.button(
        "Reload schemas",
        key=state.key("reload"),
        on_click=state.forget_schemas,
        help="Read both tables' columns again (after a change in the database).",
    )
    source = draw_source(controller, state)
    if source is None:
        return
    _keep_draft_on(state, source)
    draw_source_profile(source, state)
    target = draw_target(controller, state, source)
    if target is None:
        return
    choice, columns = target
    _fit_draft(state, columns)
    forms: dict[Family, dict[str, PluginForm]] = {
        "transformers": controller.transformer_forms(),
        "validators": controller.validator_forms(),
    }
    names: dict[Family, list[str]] = {family: sorted(forms[family]) for family in forms}
    draw_editor(controller, state, source, choice, columns, names)
    draw_column_panel(state, source, forms)
    draw_save_panel(controller, state, source)
    draw_export(controller, state)
    draw_preview(controller, state)


def _keep_draft_on(state: MapperState, source: SourceTable) -> None:
    """A fresh editor when the source changed (the config's name is kept)."""
    draft = state.draft
    if draft is not None and draft.source == source.ref:
        return
    name = draft.name if draft is not None else ""
    state.set_draft(new_draft(source.ref, source.column_names, name=name))
    state.set_preview(None)
    state.set_offer_dictionary(False)


def _fit_draft(state: MapperState, columns: tuple[str, ...] | None) -> None:
    """Targets the target table lacks are cleared, and the page says which."""
    draft = state.draft
    if draft is None:
        return
    fitted, cleared = fit_to_target(draft, columns)
    if fitted != draft:
        state.set_draft(fitted)
        state.set_preview(None)
    if cleared:
        st.warning(
            "Not columns of the target table, so cleared: "
            + ", ".join(f"{row} → {draft.row(row).target}" for row in cleared)
        )
