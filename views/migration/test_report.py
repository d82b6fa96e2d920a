"""A test run's report on the Migration Engine: counts, would-be rejects by column and reason
with some of their (masked) values, and the first transformed rows (identifiers masked)."""

from __future__ import annotations

import streamlit as st

from models.test_run import SampledRejectGroup, TestRunReport


def show_test_report(report: TestRunReport, *, key: str) -> None:
    """Draw the report; `key` prefixes its tables' keys."""
    st.info(
        f"Test of {report.step!r}, rolled back — nothing was kept: {report.rows_read:,} rows "
        f"read, {report.would_load:,} would load, {report.would_reject:,} would be rejected."
    )
    if report.groups:
        st.markdown("**Would be rejected, by column and reason**")
        st.dataframe(
            [
                {
                    "column": group.column or "(the row)",
                    "stage": group.stage,
                    "reason": group.reason,
                    "rows": group.rejects,
                    "failing values": _values(group),
                    "first": group.first,
                }
                for group in report.groups
            ],
            hide_index=True,
            key=f"{key}_groups",
        )
    if report.preview:
        st.markdown(f"**The first {len(report.preview):,} transformed rows** (identifiers masked)")
        st.dataframe(list(report.preview), hide_index=True, key=f"{key}_preview")


def _values(group: SampledRejectGroup) -> str:
    shown = ", ".join("NULL" if value is None else repr(value) for value in group.values)
    return f"{shown}, …" if group.more_values else shown
