"""The Schema Mapper's editor: Auto-Map, then one row per source column — target, transformers,
validators, ignore — with the column's profile and what Auto-Map said about it."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from controllers.mapper_controller import MapperController, TargetChoice
from controllers.mapper_draft import (
    ColumnMapping,
    Family,
    MappingDraft,
    with_plugin_names,
    with_row,
    with_suggestions,
)
from controllers.mapper_sources import SourceTable
from services.errors import ModelUnavailable
from views.schema_mapper.profile_text import glance_line
from views.schema_mapper.state import MapperState
from views.shared.feedback import reported_errors

_WIDTHS = (2.4, 2.2, 2.4, 1.8, 0.8)


def draw_editor(
    controller: MapperController,
    state: MapperState,
    source: SourceTable,
    target: TargetChoice,
    target_columns: Sequence[str] | None,
    plugin_names: dict[Family, list[str]],
) -> None:
    """Auto-Map and the mapping rows of the current draft."""
    draft = state.draft
    assert draft is not None  # the page makes one for the source before drawing the editor
    st.subheader("3. Mapping")
    _auto_map(controller, state, target)
    heads = st.columns(_WIDTHS)
    for column, title in zip(
        heads, ("Source column", "Target", "Transformers", "Validators", "Ignore"), strict=True
    ):
        column.markdown(f"**{title}**")
    for row in draft.rows:
        _row(state, source, row, target_columns, plugin_names)
    if draft.kept:
        st.caption(
            f"{len(draft.kept)} more mapping(s) of the saved config (SQL expressions, constants "
            "or a column's second target) are kept as saved: "
            + ", ".join(str(item.get("target") or item.get("source")) for item in draft.kept)
        )


def _auto_map(controller: MapperController, state: MapperState, target: TargetChoice) -> None:
    if target.create:
        st.caption("Auto-Map needs an existing target table: a new one takes the source's names.")
        return
    left, right = st.columns([1, 3])
    left.button(
        "AI Auto-Map",
        key=state.key("automap"),
        type="primary",
        on_click=_on_auto_map,
        args=(controller, state, True),
        help="Suggest each column's target with the dictionary, the semantic model and the "
        "values; you accept or change every suggestion before saving.",
    )
    if state.offer_dictionary:
        right.button(
            "Auto-Map with the dictionary only",
            key=state.key("automap_dictionary"),
            on_click=_on_auto_map,
            args=(controller, state, False),
        )


def _on_auto_map(controller: MapperController, state: MapperState, semantic: bool) -> None:
    source, target, draft = state.source, state.target, state.draft
    if source is None or target is None or draft is None:
        return
    with reported_errors("running Auto-Map", report=state.flash_error):
        try:
            suggested = controller.auto_map(source, target[0], semantic=semantic)
        except ModelUnavailable as error:
            state.set_offer_dictionary(True)
            state.flash("error", f"{error.message} Auto-Map can use the dictionary alone.")
            return
        state.set_draft(with_suggestions(draft, suggested))
        state.set_offer_dictionary(False)
        state.set_preview(None)
        mapped = sum(1 for row in suggested if row.target)
        how = "dictionary, spelling and values" if not semantic else "semantic model too"
        state.flash(
            "success",
            f"Auto-Map suggested a target for {mapped} of {len(suggested)} columns ({how}). "
            "Review each row before saving.",
        )


def _row(
    state: MapperState,
    source: SourceTable,
    row: ColumnMapping,
    target_columns: Sequence[str] | None,
    plugin_names: dict[Family, list[str]],
) -> None:
    name = row.source
    described, target_cell, transformers_cell, validators_cell, ignore_cell = st.columns(_WIDTHS)
    column_type = next((c.type for c in source.columns if c.name == name), "")
    key_mark = " · primary key" if name in source.primary_key else ""
    described.markdown(f"**{name}**  \n`{column_type}`{key_mark}")
    glance = source.profile.get(name)
    if glance is not None:
        described.caption(glance_line(glance))
    with target_cell:
        _target(state, row, target_columns)
        if row.suggested is not None:
            suggested = row.suggested
            what = suggested.target or "nothing fits"
            st.caption(
                f"Suggested: {what} · {suggested.confidence:.0%} — " + "; ".join(suggested.reasons)
            )
    for cell, family in ((transformers_cell, "transformers"), (validators_cell, "validators")):
        key = state.mirror(
            state.editor_key(family, name), [use.name for use in row.plugins(family)]
        )
        cell.multiselect(
            f"{family.capitalize()} of {name}",
            plugin_names[family],
            key=key,
            label_visibility="collapsed",
            disabled=row.ignore,
            on_change=_on_plugins,
            args=(state, name, family, key),
        )
    ignore_key = state.mirror(state.editor_key("ignore", name), row.ignore)
    ignore_cell.checkbox(
        f"Ignore {name}",
        key=ignore_key,
        label_visibility="collapsed",
        on_change=_on_change,
        args=(state, name, "ignore", ignore_key),
    )


def _target(state: MapperState, row: ColumnMapping, target_columns: Sequence[str] | None) -> None:
    key = state.editor_key("target", row.source)
    label = f"Target of {row.source}"
    if target_columns is None:  # a new table: its columns are named here
        st.text_input(
            label,
            key=state.mirror(key, row.target or ""),
            label_visibility="collapsed",
            disabled=row.ignore,
            on_change=_on_change,
            args=(state, row.source, "target", key),
        )
        return
    suggested = row.suggested.target if row.suggested else None
    # The suggestion first, then the target's columns in table order.
    options = [c for c in target_columns if c == suggested] + [
        c for c in target_columns if c != suggested
    ]
    st.selectbox(
        label,
        options,
        index=None,
        key=state.mirror(key, row.target if row.target in options else None),
        placeholder="choose a target column",
        label_visibility="collapsed",
        disabled=row.ignore,
        on_change=_on_change,
        args=(state, row.source, "target", key),
    )


def _on_change(state: MapperState, source: str, field: str, key: str) -> None:
    draft: MappingDraft | None = state.draft
    if draft is None:
        return
    value = state.state.get(key)
    if field == "target":
        value = (value or "").strip() or None
    state.set_draft(with_row(draft, source, **{field: value}))
    state.set_preview(None)


def _on_plugins(state: MapperState, source: str, family: Family, key: str) -> None:
    draft = state.draft
    if draft is None:
        return
    state.set_draft(with_plugin_names(draft, source, family, list(state.state.get(key) or [])))
    state.set_preview(None)
