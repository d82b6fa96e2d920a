"""What one page hands to another it opens: keys in session state, read once by the receiver."""

from __future__ import annotations

from typing import Any

import streamlit as st

#: The saved config the Schema Mapper opens on its next run (a config name).
MAPPER_CONFIG = "handoff_mapper_config"
#: The saved config the Migration Engine preselects on its next run (a config name).
MIGRATION_CONFIG = "handoff_migration_config"
#: The run the Runs and rejects page opens on its next run (a run id).
RUNS_RUN = "handoff_runs_run"


def hand_over(key: str, value: Any) -> None:
    """Leave `value` for the page that reads `key`."""
    st.session_state[key] = value


def take(key: str) -> Any:
    """The value left under `key` (None when nothing is), removed so it is used once."""
    return st.session_state.pop(key, None)
