"""The profile as one self-contained HTML file: inline CSS and JS, no external URL at all."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from functools import cache
from html import escape
from importlib.resources import files
from string import Template

from dialects.registry import get_dialect
from models.profile import DatabaseProfile, TableProfile
from services.privacy import MASKING_RULES
from services.reports.charts import COMPOSITION_PARTS
from services.reports.columns import columns_tab, pager, quality_cell
from services.reports.quality import QUALITY_FORMULA, QUALITY_NOTES, mean_score, table_score
from services.reports.rows import csv_columns, fmt, sampled_label, table_label
from utils.registry import UnknownPluginError

#: The header's badge of a masked report (`says_masked` looks for it).
MASKED_BADGE = '<span class="badge masked">Identifiers masked</span>'


def render_html(profile: DatabaseProfile, *, log_lines: list[str]) -> str:
    """The whole report as one HTML page (UTF-8), safe to open offline.

    Every value from the database is escaped, and the page's Content-Security-Policy only
    lets its own script and style run and forbids every network request, so neither a
    hostile value nor a stray link can reach anything.
    """
    style, script = _asset("report.css"), _asset("report.js")
    return Template(_asset("report.html")).substitute(
        csp=_csp(style, script),
        title=escape(f"Data profile · {profile.datasource}"),
        style=style,
        script=script,
        header=_header(profile),
        overview=_overview(profile),
        columns=columns_tab(profile),
        docs=_docs(profile),
        log=_log(log_lines),
        footer=escape(
            f"HIS Analyzer data profile of {profile.datasource}. This file works offline and "
            "loads nothing from the network."
        ),
    )


@cache
def _asset(name: str) -> str:
    return (files("services.reports") / "assets" / name).read_text(encoding="utf-8")


def _csp(style: str, script: str) -> str:
    # Hashes, not 'unsafe-inline': a <script> smuggled in through a value would not run even
    # if escaping ever failed.
    def digest(text: str) -> str:
        return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")

    return (
        f"default-src 'none'; script-src 'sha256-{digest(script)}'; "
        f"style-src 'sha256-{digest(style)}'; img-src data:; base-uri 'none'; form-action 'none'"
    )


def says_masked(html: str) -> bool:
    """Whether a report page written by `render_html` says its identifiers are masked.

    Values in the page are escaped, so no value can forge the badge this looks for.
    """
    return MASKED_BADGE in html


def _header(profile: DatabaseProfile) -> str:
    badge = (
        MASKED_BADGE
        if profile.masked
        else '<span class="badge unmasked">NOT masked: contains patient identifiers</span>'
    )
    meta = [
        f"{_engine(profile.db_type)} {profile.server_version}",
        f"{profile.mode.value} mode",
        f"started {_when(profile.started_at)}",
        f"{len(profile.tables)} tables",
    ]
    return (
        '<div class="brand">HIS Analyzer · data profile</div>'
        f"<h1>{escape(profile.datasource)}{badge}</h1>"
        f'<div class="meta">{"".join(f"<span>{escape(part)}</span>" for part in meta)}</div>'
    )


def _overview(profile: DatabaseProfile) -> str:
    tables = profile.tables
    sizes = [table.size_mb for table in tables if table.size_mb is not None]
    cards = [
        ("Tables", f"{len(tables):,}"),
        ("Rows", f"{sum(table.row_count for table in tables):,}"),
        ("Size MB", f"{sum(sizes):,.2f}" if sizes else "—"),
        ("Columns", f"{sum(table.column_count for table in tables):,}"),
        ("Quality", fmt(mean_score([table_score(table) for table in tables]), 1) or "—"),
        ("Duration", _duration(profile)),
    ]
    warning = (
        ""
        if profile.masked
        else '<div class="warning"><strong>This report is not masked.</strong> It shows citizen '
        "IDs, names, phone numbers and addresses as stored: handle it as patient data.</div>"
    )
    cards_html = "".join(
        f'<div class="card"><div class="label">{escape(label)}</div>'
        f'<div class="value">{escape(value)}</div></div>'
        for label, value in cards
    )
    headings = [
        ("Schema", ""),
        ("Table", ""),
        ("Rows", "num"),
        ("Size MB", "num"),
        ("Columns", "num"),
        ("Rows profiled", "num"),
        ("Sampled", ""),
        ("Quality", "num"),
        ("Time (s)", "num"),
        ("Status", ""),
    ]
    head = "".join(
        f'<th class="{css}"><button type="button" class="sort">{escape(title)}</button></th>'
        for title, css in headings
    )
    body = "".join(_table_row(table) for table in tables)
    return (
        f'{warning}<div class="cards">{cards_html}</div><div class="panel"><div class="toolbar">'
        '<input type="search" data-search-for="overview-table" placeholder="Search tables…" '
        'aria-label="Search tables">'
        '<span class="count" data-count-for="overview-table" data-noun="tables"></span></div>'
        '<div class="scroll"><table class="data" id="overview-table" data-page-size="100">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>{pager('overview-table')}"
        "</div>"
    )


def _table_row(table: TableProfile) -> str:
    label = table_label(table)
    sample_share = (table.sample_percent or 100) if table.sampled else 100
    status = (
        f'<span class="tag err" title="{escape(table.error)}">{escape(table.error)}</span>'
        if table.error
        else "OK"
    )
    cells = [
        f"<td>{escape(table.schema or '')}</td>",
        f'<td><a href="#" class="jump" data-goto-table="{escape(label)}">'
        f"{escape(table.name)}</a></td>",
        _num(table.row_count),
        _num(table.size_mb),
        _num(table.column_count),
        _num(table.rows_profiled),
        f'<td data-sort="{sample_share}">{sampled_label(table)}</td>',
        quality_cell(table_score(table)),
        _num(round(table.elapsed_seconds, 2)),
        f'<td class="wrap">{status}</td>',
    ]
    return f'<tr class="row">{"".join(cells)}</tr>'


def _docs(profile: DatabaseProfile) -> str:
    columns = "".join(
        f"<dt>{escape(name)}</dt><dd>{escape(meaning)}</dd>"
        for name, meaning in csv_columns(profile)
    )
    notes = "".join(f"<li>{escape(note)}</li>" for note in QUALITY_NOTES)
    rules = "".join(f"<li>{escape(rule)}</li>" for rule in MASKING_RULES)
    status = (
        "This report is masked: the rules below were applied before anything was written."
        if profile.masked
        else "This report is NOT masked: the rules below were not applied."
    )
    legend = "".join(f'<span><i class="c-{name}"></i>{name}</span>' for name in COMPOSITION_PARTS)
    return (
        '<div class="docs"><h2>Formulas &amp; definitions</h2>'
        "<p>Counts are taken over the rows profiled: every row, or the sample when a table "
        "was sampled. Percentages are of the rows profiled. A blank cell means the metric was "
        "not computed (basic mode, or not meaningful for the column's type).</p>"
        f'<h3>Quality score</h3><div class="formula">{escape(QUALITY_FORMULA)}</div>'
        f"<ul>{notes}</ul>"
        "<h3>Composition bar</h3><p>Each column's rows split into valid (neither null, empty "
        f'nor zero), null, empty string and zero.</p><div class="legend">{legend}</div>'
        f"<h3>Columns of data_profile.csv</h3><dl>{columns}</dl>"
        f"<h3>Masking of personal identifiers</h3><p>{escape(status)}</p><ul>{rules}</ul></div>"
    )


def _log(log_lines: list[str]) -> str:
    text = "\n".join(log_lines) if log_lines else "(no log lines)"
    return f'<h2>Process log</h2><pre class="log">{escape(text)}</pre>'


def _num(value: int | float | None) -> str:
    if value is None:
        return '<td class="num"></td>'
    shown = f"{value:,.2f}" if isinstance(value, float) else f"{value:,}"
    return f'<td class="num" data-sort="{value}">{shown}</td>'


def _engine(db_type: str) -> str:
    try:
        return get_dialect(db_type).display_name
    except UnknownPluginError:
        return db_type


def _when(moment: datetime) -> str:
    local = moment.astimezone() if moment.tzinfo else moment
    return local.strftime("%Y-%m-%d %H:%M")


def _duration(profile: DatabaseProfile) -> str:
    if profile.finished_at is None:
        return "—"
    seconds = max((profile.finished_at - profile.started_at).total_seconds(), 0)
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"
