"""The report's Column Detail tab: one sortable, filterable row per column with its charts."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from models.profile import DatabaseProfile
from services.reports.charts import COMPOSITION_PARTS, composition_bar, top_values_chart
from services.reports.rows import ColumnRow, column_rows, sampled_label, table_label

# The main row's columns in order: (heading, css class, sortable, cell). Headings and cells
# live in one list so they cannot drift apart; the filter selects find theirs by heading.
_COLUMNS: tuple[tuple[str, str, bool, Callable[[ColumnRow], str]], ...] = (
    ("", "", False, lambda row: "<td></td>"),  # report.js puts the ▸ toggle here
    ("Table", "", True, lambda row: _text(table_label(row.table))),
    ("#", "num", True, lambda row: _number(row.cells["position"])),
    ("Column", "", True, lambda row: _name(row)),
    ("Type", "", True, lambda row: _type(row)),
    ("Identifier", "", True, lambda row: _identifier(row)),
    ("Quality", "num", True, lambda row: quality_cell(row.score)),
    ("Composition", "", False, lambda row: f"<td>{composition_bar(row.composition)}</td>"),
    ("Valid %", "num", True, lambda row: _number(row.cells["valid_pct"])),
    ("Null %", "num", True, lambda row: _number(row.cells["null_pct"])),
    ("Empty %", "num", True, lambda row: _number(row.cells["empty_pct"])),
    ("Zero %", "num", True, lambda row: _number(row.cells["zero_pct"])),
    ("Distinct", "num", True, lambda row: _number(row.cells["distinct_count"], grouped=True)),
    ("Min", "", True, lambda row: _value(row.column.min_value)),
    ("Max", "", True, lambda row: _value(row.column.max_value)),
    ("Avg len", "num", True, lambda row: _number(row.cells["avg_length"])),
    ("Max len", "num", True, lambda row: _number(row.cells["max_length"], grouped=True)),
    ("Nullable", "", True, lambda row: _text("yes" if row.column.nullable else "no")),
)
_HEADINGS = [title for title, *_ in _COLUMNS]
_EMPTY = '<span class="empty">(empty string)</span>'
_NONE = '<span class="empty">none</span>'
TABLE_COLUMN = _HEADINGS.index("Table")
TYPE_COLUMN = _HEADINGS.index("Type")


def columns_tab(profile: DatabaseProfile) -> str:
    """The Column Detail tab: toolbar (search, table and type filters) and the column table."""
    rows = list(column_rows(profile))
    tables = sorted({table_label(row.table) for row in rows})
    types = sorted({base_type(row.column.data_type) for row in rows})
    toolbar = (
        '<div class="toolbar">'
        '<input type="search" data-search-for="column-table" '
        'placeholder="Search columns, values…" aria-label="Search columns">'
        f"{_select('Table', tables, TABLE_COLUMN, goto=True)}"
        f"{_select('Type', types, TYPE_COLUMN)}"
        '<span class="count" data-count-for="column-table" data-noun="columns"></span></div>'
    )
    legend = "".join(f'<span><i class="c-{name}"></i>{name}</span>' for name in COMPOSITION_PARTS)
    head = "".join(
        f'<th class="{css}"><button type="button" class="sort">{escape(title)}</button></th>'
        if sortable
        else f'<th class="{css}">{escape(title)}</th>'
        for title, css, sortable, _ in _COLUMNS
    )
    body = "".join(_row(row) for row in rows)
    return (
        '<h2>Column detail</h2><div class="legend">Composition of each column\'s rows: '
        f"{legend}<span>· click ▸ for the top-5 values and samples</span></div>"
        f'<div class="panel">{toolbar}<div class="scroll">'
        '<table class="data" id="column-table" data-page-size="100">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
        f"{pager('column-table')}</div>"
    )


def pager(table_id: str) -> str:
    """Previous/next buttons for a paged table (report.js shows them when there are pages)."""
    return (
        f'<div class="pager" data-pager-for="{table_id}" hidden>'
        '<button type="button" data-step="-1">‹ Previous</button><span class="range"></span>'
        '<button type="button" data-step="1">Next ›</button></div>'
    )


def base_type(data_type: str) -> str:
    """`VARCHAR(100)` → `VARCHAR`: the type without its length, for the type filter."""
    return data_type.split("(", 1)[0].strip().upper() or "?"


def _select(label: str, options: list[str], column: int, *, goto: bool = False) -> str:
    choices = "".join(
        f'<option value="{escape(value)}">{escape(value)}</option>' for value in options
    )
    target = " data-goto-target" if goto else ""
    return (
        f'<select data-filter-for="column-table" data-column="{column}"{target} '
        f'aria-label="Filter by {label.lower()}"><option value="">All {label.lower()}s</option>'
        f"{choices}</select>"
    )


def _row(row: ColumnRow) -> str:
    main = "".join(cell(row) for *_, cell in _COLUMNS)
    key = f"{table_label(row.table)}.{row.column.name}"  # lets a test or a link find the row
    return (
        f'<tr class="row" data-key="{escape(key)}">{main}</tr>'
        # A <template> is parsed but neither laid out nor part of the page's text until
        # report.js clones it on opening: thousands of details cost almost nothing.
        f'<tr class="detail" hidden><td colspan="{len(_COLUMNS)}">'
        f"<template>{_detail(row)}</template></td></tr>"
    )


def _name(row: ColumnRow) -> str:
    key = ' <span class="tag pk" title="primary key">PK</span>' if row.column.primary_key else ""
    return f"<td><strong>{escape(row.column.name)}</strong>{key}</td>"


def _type(row: ColumnRow) -> str:
    data_type = row.column.data_type
    return f'<td data-filter="{escape(base_type(data_type))}">{escape(data_type)}</td>'


def _identifier(row: ColumnRow) -> str:
    if not row.column.masked:
        return "<td></td>"
    return f'<td><span class="tag phi">{escape(row.column.phi_kind or "masked")}</span></td>'


def _detail(row: ColumnRow) -> str:
    table, column, cells = row.table, row.column, row.cells
    samples = "".join(
        f'<span class="chip">{escape(value) if value else _EMPTY}</span>'
        for value in column.sample_values
    )
    # Table-wide figures (rows, size) are on the Overview tab, not repeated per column.
    facts = [
        ("Rows profiled", _grouped(cells["rows_profiled"])),
        ("Sampled", sampled_label(table)),
        ("Nulls", _grouped(cells["null_count"]) or "—"),
        ("Empty strings", _grouped(cells["empty_count"]) or "—"),
        ("Zeros", _grouped(cells["zero_count"]) or "—"),
        ("Distinct values", _grouped(cells["distinct_count"]) or "—"),
        ("Masked", f"yes ({column.phi_kind})" if column.masked else "no"),
    ]
    if column.zero_dates is not None:  # only engines that hold zero dates count them
        facts.insert(5, ("Zero dates", _grouped(cells["zero_dates"])))
    facts_html = "".join(
        f"<dt>{escape(name)}</dt><dd>{escape(value)}</dd>" for name, value in facts
    )
    return (
        '<div class="detail-grid">'
        f"<div><h4>Top 5 values</h4>{top_values_chart(column.top_values[:5], table.rows_profiled)}"
        "</div>"
        f'<div><h4>Sample values</h4><div class="chips">{samples or _NONE}</div></div>'
        f'<div><h4>Counts</h4><dl class="facts">{facts_html}</dl></div></div>'
    )


def quality_cell(score: float | None) -> str:
    """A table cell with the score as a coloured pill (green ≥ 95, amber ≥ 80, red below)."""
    if score is None:
        return "<td></td>"
    grade = "q-good" if score >= 95 else "q-fair" if score >= 80 else "q-poor"
    return f'<td class="num" data-sort="{score}"><span class="pill {grade}">{score:.1f}</span></td>'


def _text(value: str) -> str:
    return f"<td>{escape(value)}</td>"


def _value(value: str | None) -> str:
    if value is None:
        return "<td></td>"
    if value == "":
        return f'<td class="value" data-sort="">{_EMPTY}</td>'
    # Only a value long enough to be cut off by the cell needs its tooltip.
    title = f' title="{escape(value)}"' if len(value) > 20 else ""
    return f'<td class="value"{title}>{escape(value)}</td>'


def _number(cell: str, *, grouped: bool = False) -> str:
    shown = _grouped(cell) if grouped else cell
    # report.js sorts by data-sort when present, else by the text: only grouped numbers
    # ("24,990") need the raw figure spelled out.
    raw = f' data-sort="{escape(cell)}"' if shown != cell else ""
    return f'<td class="num"{raw}>{escape(shown)}</td>'


def _grouped(cell: str) -> str:
    # Thousands separators for reading; the raw number stays in data-sort for sorting.
    return f"{int(cell):,}" if cell.lstrip("-").isdigit() else cell
