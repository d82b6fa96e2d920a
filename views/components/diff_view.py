"""What changed between two versions of a config: settings, and mappings added, removed and
changed, each a table of old → new values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import streamlit as st

from controllers.config_diff import VersionDiff
from views.components.table import keyed_table

_SETTING_COLUMNS = {"setting": "Setting", "old": "Old", "new": "New"}
_MAPPING_COLUMNS = {
    "target": "Target column",
    "source": "Source",
    "transformers": "Transformers",
    "validators": "Validators",
    "default": "Default",
}
_CHANGE_COLUMNS = {"mapping": "Mapping (target)", "field": "Field", "old": "Old", "new": "New"}


def diff_view(diff: VersionDiff, *, key: str) -> None:
    """Draw `diff`; its tables' keys are `<key>_settings`, `_added`, `_removed`, `_changed`.

    A section with nothing in it is one caption line, so what did not change is said too.
    """
    st.markdown(f"**{diff.name}: v{diff.old_version} → v{diff.new_version}**")
    if diff.is_empty:
        st.info(f"v{diff.old_version} and v{diff.new_version} hold the same config.")
        return
    _section("Settings changed", "orange", diff.settings, _SETTING_COLUMNS, f"{key}_settings")
    _section("Mappings added", "green", diff.added, _MAPPING_COLUMNS, f"{key}_added")
    _section("Mappings removed", "red", diff.removed, _MAPPING_COLUMNS, f"{key}_removed")
    _section("Mappings changed", "orange", diff.changed, _CHANGE_COLUMNS, f"{key}_changed")


def _section(
    title: str, colour: str, rows: Sequence[Any], labels: Mapping[str, str], key: str
) -> None:
    if not rows:
        st.caption(f"{title}: none")
        return
    st.markdown(f":{colour}[**{title}**] ({len(rows)})")
    keyed_table(rows, labels=labels, key=key)
