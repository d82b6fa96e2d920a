"""One source column in detail: its masked profile, and the parameters of its plugins."""

from __future__ import annotations

import streamlit as st

from controllers.mapper_draft import Family
from controllers.mapper_plugins import PluginForm
from controllers.mapper_sources import SourceTable
from views.schema_mapper.params_form import draw_params
from views.schema_mapper.profile_text import glance_line
from views.schema_mapper.state import MapperState


def draw_column_panel(
    state: MapperState, source: SourceTable, forms: dict[Family, dict[str, PluginForm]]
) -> None:
    """Pick a source column; see its profile and set its transformers' and validators'
    parameters."""
    draft = state.draft
    if draft is None or not draft.rows:
        return
    st.subheader("4. Column details and parameters")
    names = [row.source for row in draft.rows]
    state.keep_choice("detail_column", names)
    name = st.selectbox("Column", names, key=state.key("detail_column"))
    if name is None:
        return
    profile_side, params_side = st.columns([2, 3])
    with profile_side:
        glance = source.profile.get(name)
        if glance is None:
            st.caption(
                "No profile yet — profile the live table above, or read the source from a "
                "report run."
            )
        else:
            st.caption(glance_line(glance))
            if glance.top:
                st.dataframe(
                    [{"value": value, "rows": count} for value, count in glance.top],
                    hide_index=True,
                    key=state.key("detail_top"),
                )
            if glance.samples:
                st.caption("Samples: " + " | ".join(glance.samples))
    with params_side:
        draw_params(state, draft.row(name), forms)
