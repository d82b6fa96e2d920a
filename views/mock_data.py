"""The Mock Data Generator page: fill a datasource with mini_his, a table at a time, with a bar
per table while it writes, then the rows written.

Generating runs in the page's own run, below its button, so the bars can move as the tables
fill; once it is done the page is drawn again, and shows the datasource as it now is (its
mini_his tables listed, the replace confirmation needed again) with the outcome as a flash line.
"""

from __future__ import annotations

from dataclasses import asdict

import streamlit as st

from controllers.mock_data_controller import (
    DEFAULT_SEED,
    DEFAULT_VOLUME,
    VOLUMES,
    MockDataController,
    MockResult,
    MockTarget,
    MockVolume,
    demo_refusal,
)
from services.context import ServiceContext
from utils.page_state import PageState
from views.components.flash import show_flash
from views.components.progress import ProgressBars
from views.shared.feedback import reported_errors

PAGE = "mock"

_COUNT_COLUMNS = {"table": "Table", "rows": "Rows written"}


def show(ctx: ServiceContext) -> None:
    """Draw the page on the shared service context."""
    render(MockDataController(ctx))


def render(controller: MockDataController) -> None:
    """Draw the whole page."""
    state = PageState(PAGE)
    st.title("Mock Data Generator")
    st.caption(
        "Fill a datasource with mini_his: a HOSxP-style hospital database of 12 related tables, "
        "dirty the way legacy data is. The same seed writes the same rows."
    )
    show_flash(state)
    targets = _load_targets(controller)
    if targets is None:
        return
    if not targets:
        st.info("No datasource yet — add one in Settings.")
        return
    by_name = {target.name: target for target in targets}
    state.keep_choice("datasource", by_name)  # deleted elsewhere since the last run
    # Opens on the first datasource that may be filled: the demo's own are listed, refused.
    fillable = next((index for index, target in enumerate(targets) if not target.is_demo), 0)
    name = st.selectbox(
        "Datasource to fill",
        list(by_name),
        index=fillable,
        key=state.key("datasource"),
        on_change=state.forget,
        args=("confirm",),  # a confirmation given for one datasource is not one for another
    )
    if name is None:
        return
    patients = st.select_slider(
        "Patients",
        options=VOLUMES,
        value=DEFAULT_VOLUME,
        format_func=lambda count: f"{count:,}",
        key=state.key("patients"),
        help="How many patients mini_his creates; the other tables follow from them.",
    )
    seed = st.number_input(
        "Seed",
        min_value=0,
        value=DEFAULT_SEED,
        step=1,
        key=state.key("seed"),
        help="The same seed writes the same rows, byte for byte.",
    )
    volume = _load_volume(controller, int(patients), int(seed))
    if volume is None:
        return
    _describe_volume(volume)
    _generate_section(controller, state, by_name[name], volume)
    _last_result(state, name)


def _load_targets(controller: MockDataController) -> list[MockTarget] | None:
    with reported_errors("reading the list of datasources"):
        return controller.targets()
    return None


def _load_volume(controller: MockDataController, patients: int, seed: int) -> MockVolume | None:
    with reported_errors("working out the rows to write"):
        return controller.volume(patients, seed)
    return None


def _describe_volume(volume: MockVolume) -> None:
    visits = volume.rows_of("ovst")
    st.caption(
        f"Writes {volume.total:,} rows in {len(volume.tables)} tables: "
        f"{volume.patients:,} patients, {visits:,} visits "
        f"({visits / volume.patients:.0f} per patient) and what follows from them."
    )


# --- generating -----------------------------------------------------------------------------


def _generate_section(
    controller: MockDataController, state: PageState, target: MockTarget, volume: MockVolume
) -> None:
    if target.is_demo:
        st.warning(demo_refusal(target.name))
        st.button("Generate", key=state.key("generate"), type="primary", disabled=True)
        return
    existing = _load_existing(controller, target.name)
    if existing is None:
        return  # unreachable: the line saying why is shown, and nothing could be written
    confirmed = True
    if existing:
        st.warning(
            f"{target.name} already has {len(existing)} mini_his tables: {', '.join(existing)}. "
            "Generating drops them and writes them anew."
        )
        confirmed = st.checkbox("Yes, drop and replace these tables", key=state.key("confirm"))
    if st.button("Generate", key=state.key("generate"), type="primary", disabled=not confirmed):
        _generate(controller, state, target.name, volume, replace=bool(existing))


def _load_existing(controller: MockDataController, name: str) -> list[str] | None:
    with reported_errors("looking for existing mini_his tables"):
        return controller.existing_tables(name)
    return None


def _generate(
    controller: MockDataController,
    state: PageState,
    name: str,
    volume: MockVolume,
    *,
    replace: bool,
) -> None:
    bars = ProgressBars(unit="rows")
    with reported_errors("generating the mock data"):
        result = controller.generate(
            name, patients=volume.patients, seed=volume.seed, replace=replace, progress=bars
        )
        state.set("result", result)
        state.forget("confirm")  # the next generation over these tables asks again
        state.flash(
            "success",
            f"Mock HIS written to {name!r}: {result.written.total:,} rows in "
            f"{len(result.written.tables)} tables (seed {volume.seed}).",
        )
        # Drawn again from the top, so the page shows the datasource as it now is.
        st.rerun()


def _last_result(state: PageState, name: str) -> None:
    result: MockResult | None = state.get("result")
    if result is None or result.datasource != name:
        return
    st.subheader("Rows written")
    st.dataframe(
        [asdict(count) for count in result.written.tables],
        hide_index=True,
        column_config=_COUNT_COLUMNS,
        key=state.key("written"),
    )
