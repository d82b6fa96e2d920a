"""How `migrate --test` prints its report: the counts, one entry per column and reason of the
would-be rejects (never one line per rejected row), then the first transformed rows."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from cli_commands.common import add_plain_row, out
from models.test_run import SampledRejectGroup, TestRunReport


def print_test_report(report: TestRunReport) -> None:
    """The report of a test run, as written (data is never read as markup)."""
    out.print(
        f"TEST of {report.step!r} (rolled back): {report.rows_read:,} rows read, "
        f"{report.would_load:,} would load, {report.would_reject:,} would be rejected.",
    )
    if report.groups:
        out.print("would be rejected, by column and reason:")
        for group in report.groups:
            _print_group(group)
    if report.preview:
        table = Table(
            title=f"the first {len(report.preview):,} transformed rows (identifiers masked)"
        )
        for column in report.preview[0]:
            table.add_column(Text(column))  # a column name is not rich markup either
        for row in report.preview:
            add_plain_row(table, *(_shown(value) for value in row.values()))
        out.print(table)


def _print_group(group: SampledRejectGroup) -> None:
    # The first reject's reference finds one such row; `rejects show` lists them all after a run.
    rows = f"{group.rejects:,} row" + ("" if group.rejects == 1 else "s")
    out.print(
        f"  {rows}  {group.column or 'the row'} ({group.stage}) {group.reason}; "
        f"first: {group.first}"
    )
    if group.values:
        values = ", ".join("NULL" if value is None else f"'{value}'" for value in group.values)
        more = f" and more (the first {len(group.values)} distinct)" if group.more_values else ""
        out.print(f"      values: {values}{more}")


def _shown(value: object) -> str:
    return "NULL" if value is None else str(value)
