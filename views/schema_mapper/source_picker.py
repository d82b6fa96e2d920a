"""The Schema Mapper's source: a report run's table, or a live datasource's table."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from controllers.mapper_controller import MapperController
from controllers.mapper_draft import SourceRef
from controllers.mapper_sources import SourceTable
from views.schema_mapper.state import LIVE, RUN, MapperState
from views.shared.feedback import reported_errors


def draw_source(controller: MapperController, state: MapperState) -> SourceTable | None:
    """The source picker; the source table chosen (read once, then kept), or None."""
    st.subheader("1. Source")
    mode = st.radio(
        "Read the source columns from",
        [LIVE, RUN],
        key=state.key("src_mode"),
        horizontal=True,
        help="Run ID: a report folder the profiler wrote (its data_profile.csv). "
        "Live datasource: the table's columns as the database has them now.",
    )
    ref = _run_ref(controller, state) if mode == RUN else _live_ref(controller, state)
    if ref is None:
        return None
    source = state.source
    if source is None or source.ref != ref:
        source = None
        with reported_errors("reading the source table"):
            source = controller.source(ref)
        state.remember_source(source)
    if source is None:
        return None
    if ref.mode == "run":
        if source.datasource is None:
            st.warning(
                "The datasource this run profiled is not registered here: the config can be "
                "saved, but its rows cannot be previewed until it is added in Settings."
            )
        else:
            st.caption(f"The config reads from datasource **{source.datasource}**.")
    elif not source.profile:
        st.button(
            "Profile the columns",
            key=state.key("profile"),
            on_click=_on_profile,
            args=(controller, state),
            help="A quick profile of the live table (a sample when it is large): nulls, "
            "distinct values, top values and samples, identifiers masked.",
        )
    return source


def _run_ref(controller: MapperController, state: MapperState) -> SourceRef | None:
    runs = controller.report_runs()
    if not runs:
        st.info(
            "No report run yet — profile a datasource on the Reports page "
            "(or with `his-analyzer profile`), or read a live datasource."
        )
        return None
    state.keep_choice("src_run", runs)
    run_id = st.selectbox("Report run", runs, key=state.key("src_run"))
    tables: list[str] | None = None
    with reported_errors("reading the report run"):
        tables = controller.report_tables(run_id)
    if tables is None:
        return None
    if not tables:
        st.info(f"Report run {run_id} profiled no table.")
        return None
    state.keep_choice("src_run_table", tables)
    table = st.selectbox("Table", tables, key=state.key("src_run_table"))
    return SourceRef("run", run_id, table)


def _live_ref(controller: MapperController, state: MapperState) -> SourceRef | None:
    names = controller.datasources()
    if not names:
        st.info("No datasource yet — add one in Settings.")
        return None
    state.keep_choice("src_ds", names)
    datasource = st.selectbox("Source datasource", names, key=state.key("src_ds"))
    tables: list[str] | None = None
    with reported_errors("reading the source datasource's tables"):
        tables = controller.tables(datasource)
    if tables is None:
        return None
    if not tables:
        st.info(f"{datasource} has no tables yet — choose another source datasource.")
        return None
    state.keep_choice("src_table", tables)
    table = st.selectbox("Source table", tables, key=state.key("src_table"))
    return SourceRef("live", datasource, table)


def _on_profile(controller: MapperController, state: MapperState) -> None:
    source = state.source
    if source is None:
        return
    with reported_errors("profiling the source table", report=state.flash_error):
        profile = controller.profile(source)
        state.remember_source(replace(source, profile=profile))
        state.flash("success", f"Profiled the {len(profile)} columns of {source.table}.")
