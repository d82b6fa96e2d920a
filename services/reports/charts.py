"""Small inline SVG charts for the HTML report, drawn in Python (no script, no library)."""

from __future__ import annotations

from html import escape

from models.profile import ValueCount
from services.reports.quality import Composition

#: The composition bar's parts, in drawing order; report.css colours them (.c-valid, …).
COMPOSITION_PARTS: tuple[str, ...] = ("valid", "null", "empty", "zero")

# A report may hold tens of thousands of columns: the markup stays terse (colours and corner
# radii come from report.css classes) so the file stays small.


def composition_bar(shares: Composition, *, width: int = 120, height: int = 10) -> str:
    """A stacked bar: the valid, null, empty and zero shares of a column's rows."""
    known = [(name, getattr(shares, name)) for name in COMPOSITION_PARTS]
    label = ", ".join(f"{name} {_pct(share)}" for name, share in known if share is not None)
    parts = [
        f'<svg class="chart composition" width="{width}" height="{height}" role="img">'
        f"<title>{escape(label or 'not computed')}</title>"
        f'<rect class="track" width="{width}" height="{height}"/>'
    ]
    x = 0.0
    for name, share in known:
        if not share or share <= 0:
            continue
        part = width * share / 100
        parts.append(f'<rect class="c-{name}" x="{x:.1f}" width="{part:.1f}" height="{height}"/>')
        x += part
    parts.append("</svg>")
    return "".join(parts)


def top_values_chart(
    top_values: list[ValueCount], rows: int, *, width: int = 400, label_width: int = 150
) -> str:
    """Horizontal bars of a column's most frequent values, each as a share of `rows`.

    Values are untrusted: every label is escaped, and long ones are cut (the full value is
    in the bar's tooltip).
    """
    if not top_values:
        return '<p class="empty">No frequent values (not computed, or every value is unique).</p>'
    bar_height, gap = 16, 6
    height = len(top_values) * (bar_height + gap)
    track = width - label_width - 90
    most = max(rows, max(top.count for top in top_values), 1)
    parts = [
        f'<svg class="chart top-values" width="{width}" height="{height}" role="img">'
        "<title>Most frequent values</title>"
    ]
    for index, top in enumerate(top_values):
        share = 100 * top.count / rows if rows else 0.0
        length = max(track * top.count / most, 1.0)
        label, css = (_short(top.value), "l") if top.value else ("(empty string)", "l dim")
        # The full value as a tooltip only where the label had to be cut.
        tip = f"<title>{escape(top.value)}</title>" if label != top.value and top.value else ""
        parts.append(
            f'<svg y="{index * (bar_height + gap)}">{tip}'
            f'<text x="{label_width - 8}" y="12" class="{css}">{escape(label)}</text>'
            f'<rect class="track" x="{label_width}" width="{track}" height="{bar_height}"/>'
            f'<rect class="bar" x="{label_width}" width="{length:.1f}" height="{bar_height}"/>'
            f'<text x="{label_width + track + 6}" y="12" class="dim">'
            f"{top.count:,} · {_pct(share)}</text></svg>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _pct(share: float | None) -> str:
    return "n/a" if share is None else f"{share:.1f}%"


def _short(text: str, limit: int = 22) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
