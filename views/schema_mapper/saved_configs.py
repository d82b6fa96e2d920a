"""Saved configs on the Schema Mapper: open one in the editor (also when another page hands
one over), and export the one being edited as JSON or TypeScript."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from controllers.mapper_controller import LoadedConfig, MapperController
from views.schema_mapper.state import EXISTING, LIVE, NEW, MapperState
from views.shared.feedback import reported_errors


def draw_open(controller: MapperController, state: MapperState) -> None:
    """Pick a saved config and open it in the editor."""
    names = controller.configs()
    with st.expander("Open a saved config", expanded=False):
        if not names:
            st.caption("No saved config yet — map a table below and save it.")
            return
        state.keep_choice("open_name", names)
        left, right = st.columns([3, 1])
        left.selectbox("Saved config", names, key=state.key("open_name"))
        right.button("Open", key=state.key("open"), on_click=_on_open, args=(controller, state))


def open_config(
    controller: MapperController, state: MapperState, name: str, report: Callable[[str], object]
) -> None:
    """Fill both pickers and the editor with saved config `name` (before they are drawn)."""
    with reported_errors("opening the config", report=report):
        loaded = controller.load(name)
        _apply(state, loaded)
        state.flash("success", f"Opened config {name!r} (v{loaded.version}).")


def draw_export(controller: MapperController, state: MapperState) -> None:
    """Download buttons for the saved config the editor came from (its latest version)."""
    draft = state.draft
    if draft is None or not draft.loaded:
        return
    name = draft.loaded
    exported: dict[str, str] = {}
    with reported_errors("exporting the config"):
        exported = {fmt: controller.export(name, fmt) for fmt in ("json", "ts")}
    if not exported:
        return
    st.caption(f"Export the saved config {name!r} (its latest version, not unsaved changes):")
    json_side, ts_side = st.columns(2)
    json_side.download_button(
        "Download JSON", exported["json"], file_name=f"{name}.json",
        mime="application/json", key=state.key("export_json"),
    )  # fmt: skip
    ts_side.download_button(
        "Download TypeScript", exported["ts"], file_name=f"{name}.ts",
        mime="text/typescript", key=state.key("export_ts"),
    )  # fmt: skip
    with st.expander("Show the JSON"):
        st.code(exported["json"], language="json")


def _on_open(controller: MapperController, state: MapperState) -> None:
    name = state.get("open_name")
    if name:
        open_config(controller, state, name, report=state.flash_error)


def _apply(state: MapperState, loaded: LoadedConfig) -> None:
    source, target = loaded.source, loaded.target
    state.set("src_mode", LIVE)
    state.set("src_ds", source.ref.origin)
    state.set("src_table", source.table)
    state.set("tgt_ds", target.datasource)
    state.set("tgt_kind", NEW if target.create else EXISTING)
    state.set("tgt_new_table" if target.create else "tgt_table", target.table)
    state.remember_source(source)
    state.set_draft(loaded.draft)
    state.set_preview(None)
    state.set_offer_dictionary(False)
