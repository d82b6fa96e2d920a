"""Steps 2 and 3 of the Migration Engine: test both connections, review the config and the
run's options (batch size, test mode, error policy, what to do after an interrupted run)."""

from __future__ import annotations

import streamlit as st

from controllers.migration_controller import IF_INTERRUPTED, ConfigOverview, MigrationController
from utils.page_state import PageState
from views.shared.feedback import reported_errors

# Words for the choices the config model and JobOptions define (an unknown one shows as is).
_POLICY_WORDS = {
    "stop": "stop: roll the batch back and stop at the first bad row",
    "quarantine": "quarantine: set the bad row aside in the reject table and go on",
}
_INTERRUPTED_WORDS = {
    "refuse": "refuse to start, and say so",
    "resume": "continue it from its checkpoint",
    "restart": "forget it and start over",
}


def test_connections(
    controller: MigrationController, state: PageState, overview: ConfigOverview
) -> None:
    """Draw step 2: one button, then one line per datasource (version and time, or why not)."""
    st.subheader("2. Test the connections")
    st.caption(f"Source: {overview.source} · target: {overview.target}")
    st.button(
        "Test both connections",
        key=state.key("test_connections"),
        on_click=_on_test,
        args=(controller, state, overview),
    )
    for level, line in (state.get("connections") or {}).get(overview.name, ()):
        (st.success if level == "success" else st.error)(line)


def _on_test(controller: MigrationController, state: PageState, overview: ConfigOverview) -> None:
    lines: list[tuple[str, str]] = []
    for role, name in (("Source", overview.source), ("Target", overview.target)):

        def failed(line: str, role: str = role, name: str = name) -> None:
            lines.append(("error", f"{role} {name!r}: {line}"))

        with reported_errors(f"testing the {role.lower()} connection", report=failed):
            result = controller.test_datasource(name)
            lines.append(
                (
                    "success",
                    f"{role} {name!r}: connected to {result.server_version} "
                    f"({result.elapsed_ms:.0f} ms)",
                )
            )
    # Kept per config: the results stay beside the config they were taken for.
    state.set("connections", {**(state.get("connections") or {}), overview.name: tuple(lines)})


def review(controller: MigrationController, state: PageState, overview: ConfigOverview) -> None:
    """Draw step 3: what the config does, its JSON, and the run's options."""
    st.subheader("3. Review")
    st.markdown(
        f"Reads **{overview.reads}** from **{overview.source}** and writes **{overview.writes}** "
        f"in **{overview.target}** ({overview.load_mode})."
    )
    with st.expander(f"The config, version {overview.version} (JSON)"):
        st.code(overview.json, language="json")
    low, high = controller.batch_size_bounds()
    policies = controller.error_policies()
    left, right = st.columns(2)
    left.number_input(
        "Batch size (rows per transaction)",
        min_value=low,
        max_value=high,
        value=overview.batch_size,
        step=1,
        key=state.key("batch_size"),
    )
    right.selectbox(
        "A bad row",
        policies,
        index=policies.index(overview.error_policy) if overview.error_policy in policies else 0,
        format_func=lambda policy: _POLICY_WORDS.get(policy, policy),
        key=state.key("error_policy"),
    )
    test = st.toggle(
        "Test mode: load one batch inside a transaction that is rolled back, and show what "
        "would happen (nothing is kept)",
        key=state.key("test"),
    )
    if test:
        st.number_input(
            "Rows to try",
            min_value=1,
            value=None,
            step=1,
            placeholder="one batch",
            key=state.key("test_rows"),
        )
    st.checkbox(
        "Append again although the last run succeeded (its rows are loaded a second time)",
        key=state.key("again"),
    )
    st.selectbox(
        "If an earlier run of this config stopped part-way",
        IF_INTERRUPTED,
        format_func=lambda choice: _INTERRUPTED_WORDS.get(choice, choice),
        key=state.key("if_interrupted"),
    )
