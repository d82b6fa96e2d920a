"""The Schema Mapper's target: an existing table's live columns, or a new table to create."""

from __future__ import annotations

import streamlit as st

from controllers.mapper_controller import MapperController, TargetChoice
from controllers.mapper_sources import SourceTable
from views.schema_mapper.state import EXISTING, NEW, MapperState
from views.shared.feedback import reported_errors

Target = tuple[TargetChoice, tuple[str, ...] | None]


def draw_target(
    controller: MapperController, state: MapperState, source: SourceTable
) -> Target | None:
    """The target picker; the choice and its columns (None: a table the run creates)."""
    st.subheader("2. Target")
    names = controller.datasources()
    if not names:
        st.info("No datasource yet — add the target database in Settings.")
        return None
    if state.get("tgt_ds") not in names:
        # Data moves from one database to another: the first other datasource is the guess.
        others = [name for name in names if name != source.datasource]
        state.set("tgt_ds", (others or names)[0])
    datasource = st.selectbox("Target datasource", names, key=state.key("tgt_ds"))
    kind = st.radio("Target table", [EXISTING, NEW], key=state.key("tgt_kind"), horizontal=True)
    choice = (
        _existing(controller, state, datasource)
        if kind == EXISTING
        else _new(state, datasource, source)
    )
    if choice is None:
        return None
    known = state.target
    if known is not None and known[0] == choice:
        columns = known[1]
    else:
        read = False
        with reported_errors("reading the target table"):
            columns = controller.target_columns(choice)
            read = True
        if not read:
            return None
        state.remember_target(choice, columns)
    if columns is None:
        st.caption(
            f"The run creates **{choice.table}** in {choice.datasource}, one column per "
            "mapped target, typed from the source."
        )
    else:
        st.caption(f"{len(columns)} columns: " + ", ".join(columns))
    return choice, columns


def _existing(
    controller: MapperController, state: MapperState, datasource: str
) -> TargetChoice | None:
    tables: list[str] | None = None
    with reported_errors("reading the target datasource's tables"):
        tables = controller.tables(datasource)
    if tables is None:
        return None
    if not tables:
        st.info(f"{datasource} has no tables yet — choose “{NEW}” to create one from the source.")
        return None
    state.keep_choice("tgt_table", tables)
    table = st.selectbox("Target table", tables, key=state.key("tgt_table"))
    return TargetChoice(datasource, table)


def _new(state: MapperState, datasource: str, source: SourceTable) -> TargetChoice | None:
    if not state.get("tgt_new_table"):
        state.set("tgt_new_table", source.table)  # the source's name until one is typed
    table = st.text_input("New table's name", key=state.key("tgt_new_table")).strip()
    if not table:
        st.info("Name the table the run creates.")
        return None
    return TargetChoice(datasource, table, create=True)
