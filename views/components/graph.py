"""Graphs as Graphviz DOT text (nodes, edges, one highlighted node) and the chart that shows them.

The DOT builder is pure, so any page can colour its nodes (tables, pipeline steps) and unit
tests can read the text it makes. Every name and label is quoted and escaped: a table may be
called `order items`, `"quoted"`, `graph` or `ผู้ป่วย`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import streamlit as st

#: Fill of the highlighted node, and the colour of the lines that touch it.
HIGHLIGHT_FILL = "#ffd54f"
HIGHLIGHT_LINE = "#e65100"
#: Fill of a node that gives none of its own.
DEFAULT_FILL = "#eef2f7"


@dataclass(frozen=True, slots=True)
class GraphNode:
    """One node: `id` is what edges name; the label (default: the id) is what people read."""

    id: str
    label: str | None = None
    color: str | None = None  # fill colour, any Graphviz colour ("#c8e6c9", "lightgrey")
    shape: str | None = None  # Graphviz shape ("box", "ellipse", "cylinder"); box by default
    tooltip: str | None = None
    dashed: bool = False  # drawn with a dashed outline (e.g. a table of another schema)


@dataclass(frozen=True, slots=True)
class GraphEdge:
    """One arrow from the node `source` to the node `target`, optionally labelled."""

    source: str
    target: str
    label: str | None = None


def quoted(text: str) -> str:
    """`text` as a DOT double-quoted string, safe for ids, labels and attribute values.

    Backslashes and double quotes are escaped (so a name can end in a backslash), line breaks
    become DOT's centred line break; everything else, Thai script included, stays as it is.
    """
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = escaped.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return f'"{escaped}"'


def dot_source(
    nodes: Sequence[GraphNode],
    edges: Iterable[GraphEdge] = (),
    *,
    highlight: str | None = None,
    direction: str = "LR",
) -> str:
    """A directed graph in DOT: nodes in the order given, then the edges.

    Args:
        nodes: the nodes; ids must be unique.
        edges: arrows between nodes given in `nodes`.
        highlight: id of a node to pick out (filled with HIGHLIGHT_FILL, thick outline);
            the edges touching it are drawn thick in HIGHLIGHT_LINE. Ignored if not a node.
        direction: Graphviz rankdir: "LR" (left to right) or "TB" (top to bottom).

    Raises:
        ValueError: two nodes share an id, or an edge names a node not in `nodes`.
    """
    ids = [node.id for node in nodes]
    if len(set(ids)) != len(ids):
        duplicate = next(node_id for node_id in ids if ids.count(node_id) > 1)
        raise ValueError(f"two graph nodes have the id {duplicate!r}")
    known = set(ids)
    lines = [
        "digraph {",
        f"  graph [rankdir={quoted(direction)}];",
        f'  node [shape="box", style="rounded,filled", fillcolor={quoted(DEFAULT_FILL)}];',
    ]
    lines += [
        f"  {quoted(node.id)} [{_node_attributes(node, node.id == highlight)}];" for node in nodes
    ]
    for edge in edges:
        missing = next((end for end in (edge.source, edge.target) if end not in known), None)
        if missing is not None:
            raise ValueError(f"a graph edge names {missing!r}, which is not a node")
        touches = highlight is not None and highlight in (edge.source, edge.target)
        attributes = _edge_attributes(edge, touches)
        suffix = f" [{attributes}]" if attributes else ""
        lines.append(f"  {quoted(edge.source)} -> {quoted(edge.target)}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def show_graph(
    dot: str,
    *,
    key: str,
    alt: str | None = None,
    width: Literal["stretch", "content"] = "stretch",
) -> None:
    """Draw DOT text as a chart as wide as the page, in a container keyed `key`.

    Args:
        dot: the graph, e.g. from `dot_source`.
        key: the container's key: it keeps the chart's place stable across reruns.
        alt: a text alternative for screen readers ("ER diagram of 12 tables").
        width: "content" draws a small graph at its own size instead of blowing it up to the
            page's width.
    """
    with st.container(key=key):
        st.graphviz_chart(dot, width=width, alt=alt)


def _node_attributes(node: GraphNode, highlighted: bool) -> str:
    attributes = {"label": node.label if node.label is not None else node.id}
    if node.shape:
        attributes["shape"] = node.shape
    if node.tooltip:
        attributes["tooltip"] = node.tooltip
    styles = ["rounded", "filled"] + (["dashed"] if node.dashed else [])
    if highlighted:
        styles.append("bold")
        attributes["fillcolor"] = HIGHLIGHT_FILL
        attributes["color"] = HIGHLIGHT_LINE
        attributes["penwidth"] = "2.5"
    elif node.color:
        attributes["fillcolor"] = node.color
    if node.dashed or highlighted:
        attributes["style"] = ",".join(styles)
    return ", ".join(f"{name}={quoted(value)}" for name, value in attributes.items())


def _edge_attributes(edge: GraphEdge, highlighted: bool) -> str:
    attributes: dict[str, str] = {}
    if edge.label:
        attributes["label"] = edge.label
    if highlighted:
        attributes["color"] = HIGHLIGHT_LINE
        attributes["penwidth"] = "2.5"
    return ", ".join(f"{name}={quoted(value)}" for name, value in attributes.items())
