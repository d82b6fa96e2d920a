"""The Migration Engine page, top to bottom: the four steps, then the job being followed.

Actions run in widget callbacks (before the page is drawn) and end in a flash line; the job
itself runs in a runner, and the page reads it back from the store.
"""

from __future__ import annotations

import streamlit as st

from controllers.migration_controller import MigrationController
from views.components.flash import show_flash
from views.migration.choose import choose_config
from views.migration.execute import execute, followed_job
from views.migration.review import review, test_connections
from views.migration.state import page_state


def render(controller: MigrationController) -> None:
    """Draw the whole page."""
    state = page_state()
    st.title("Migration Engine")
    st.caption(
        "Move one mapping config's rows from its source to its target, exactly once, and "
        "check the target against the source."
    )
    show_flash(state)
    overview = choose_config(controller, state)
    if overview is not None:
        test_connections(controller, state, overview)
        review(controller, state, overview)
    st.subheader("4. Execute")
    if overview is not None:
        execute(controller, state, overview)
    followed_job(controller, state)
