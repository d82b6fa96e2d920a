"""The parameter form of one column's transformers and validators, drawn from each plugin's
declared parameters; every field writes into the draft as it changes."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from controllers.mapper_draft import ColumnMapping, Family, PluginUse, with_plugin
from controllers.mapper_plugins import ParamField, PluginForm, form_value, stored_value, with_param
from services.errors import InvalidInput
from views.schema_mapper.state import MapperState


def draw_params(
    state: MapperState, row: ColumnMapping, forms: dict[Family, dict[str, PluginForm]]
) -> None:
    """One small form per transformer and validator of `row`, in the row's order."""
    uses = [(family, index, use) for family in ("transformers", "validators")
            for index, use in enumerate(row.plugins(family))]  # fmt: skip
    if not uses:
        st.caption("No transformer or validator on this column: pick them in its row above.")
        return
    for family, index, use in uses:
        form = forms[family].get(use.name)
        if form is None:
            st.error(f"{use.name} is not a registered {family[:-1]}.")
            continue
        st.markdown(f"**{use.name}** — {form.description}")
        if not form.fields:
            st.caption("No parameters.")
        for field in form.fields:
            _field(state, row.source, family, index, use, field)


def _field(
    state: MapperState, source: str, family: Family, index: int, use: PluginUse, field: ParamField
) -> None:
    key = state.editor_key("param", source, family, index, field.name)
    shown = use.unparsed.get(field.name, form_value(field, use.params))
    label = f"{field.name}{' (required)' if field.required else ''}"
    common = {
        "key": state.mirror(key, shown),
        "help": field.description or None,
        "on_change": _on_param,
        "args": (state, source, family, index, field, key),
    }
    if field.kind == "bool":
        st.checkbox(label, **common)
    elif field.kind == "choice":
        st.selectbox(label, field.choices, **common)
    elif field.kind == "int":
        st.number_input(
            label, min_value=field.minimum, max_value=field.maximum, step=1, value=None, **common
        )
    elif field.kind == "number":
        # One numeric type per widget: Streamlit refuses an int bound beside a float value.
        bounds = [None if b is None else float(b) for b in (field.minimum, field.maximum)]
        if shown is not None:
            common["key"] = state.mirror(key, float(shown))
        st.number_input(label, min_value=bounds[0], max_value=bounds[1], value=None, **common)
    elif field.kind == "json":
        st.text_area(label, height=80, placeholder='e.g. {"1": "M", "2": "F"}', **common)
    else:
        st.text_input(label, placeholder="empty: the plugin's default", **common)


def _on_param(
    state: MapperState, source: str, family: Family, index: int, field: ParamField, key: str
) -> None:
    draft = state.draft
    if draft is None:
        return
    use = draft.row(source).plugins(family)[index]
    raw = state.state.get(key)
    unparsed = {name: text for name, text in use.unparsed.items() if name != field.name}
    try:
        value = stored_value(field, raw)
    except InvalidInput as error:
        # Kept as typed, so nothing is lost; the save refuses it until it parses.
        state.flash("error", f"{use.name} {error.message}")
        changed = replace(use, unparsed={**unparsed, field.name: str(raw)})
    else:
        changed = replace(use, params=with_param(use.params, field, value), unparsed=unparsed)
    state.set_draft(with_plugin(draft, source, family, index, changed))
    state.set_preview(None)
