"""A source column's profile in words and as table rows (values arrive already masked)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from controllers.mapper_sources import ColumnGlance, SourceTable
from views.schema_mapper.state import MapperState

_PROFILE_COLUMNS = {
    "column": "Column",
    "type": "Type",
    "key": "PK",
    "nulls": "Nulls",
    "empties": "Empty",
    "distinct": "Distinct",
    "top": "Top values",
    "samples": "Samples",
    "identifier": "Identifier (masked)",
}


def glance_line(glance: ColumnGlance) -> str:
    """'nulls 1 · empty 0 · distinct 3 · top: 1 (2), 2 (2)' — the editor row's profile."""
    parts = [
        f"{label} {count:,}"
        for label, count in (
            ("nulls", glance.nulls),
            ("empty", glance.empties),
            ("distinct", glance.distinct),
        )
        if count is not None
    ]
    if glance.top:
        parts.append("top: " + ", ".join(f"{value} ({count:,})" for value, count in glance.top[:3]))
    if glance.identifier:
        parts.append(f"{glance.identifier} masked")
    return " · ".join(parts)


def draw_source_profile(source: SourceTable, state: MapperState) -> None:
    """The source's columns with their profile, one table row each."""
    rows = [_profile_row(source, column.name, column.type) for column in source.columns]
    if not source.profile:
        for row in rows:
            for name in ("nulls", "empties", "distinct", "top", "samples", "identifier"):
                row.pop(name)
    st.dataframe(
        rows,
        hide_index=True,
        column_config=_PROFILE_COLUMNS,
        key=state.key("source_columns"),
    )


def _profile_row(source: SourceTable, name: str, column_type: str) -> dict[str, Any]:
    glance = source.profile.get(name)
    row: dict[str, Any] = {
        "column": name,
        "type": column_type,
        "key": name in source.primary_key,
    }
    row["nulls"] = glance.nulls if glance else None
    row["empties"] = glance.empties if glance else None
    row["distinct"] = glance.distinct if glance else None
    row["top"] = ", ".join(f"{v} ({c:,})" for v, c in glance.top) if glance else ""
    row["samples"] = " | ".join(glance.samples) if glance else ""
    row["identifier"] = (glance.identifier or "") if glance else ""
    return row
