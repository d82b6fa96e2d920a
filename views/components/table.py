"""A read-only table the page (and its tests, and the browser) can find by key."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, is_dataclass
from typing import Any

import streamlit as st


def keyed_table(rows: Sequence[Any], *, labels: Mapping[str, str], key: str) -> None:
    """Show `rows` (dataclass instances or dicts) as a table without an index.

    `labels` are the column headers by field; `key` names the keyed container it sits in:
    a display-only dataframe keeps no key of its own, a container does (and gets the CSS
    class `st-key-<key>`).
    """
    records = [asdict(row) if is_dataclass(row) else dict(row) for row in rows]
    with st.container(key=key):
        st.dataframe(records, hide_index=True, column_config=dict(labels))
