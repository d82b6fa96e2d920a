"""A pipeline's steps as a graph, each step filled with the colour of its status."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from controllers.pipeline_controller import StepNode
from views.components.graph import GraphEdge, GraphNode, dot_source, show_graph

#: A step's fill by status: waiting grey, running blue, succeeded green, failed red, stopped
#: short of its end (skipped, cancelled, interrupted) amber.
STATUS_COLOURS = {
    "pending": "#d0d0d0",
    "waiting": "#d0d0d0",
    "running": "#64b5f6",
    "succeeded": "#81c784",
    "failed": "#e57373",
    "skipped": "#ffb74d",
    "cancelled": "#ffb74d",
    "interrupted": "#ffb74d",
}
_LEGEND = (
    "Grey: waiting · blue: running · green: succeeded · red: failed · "
    "amber: skipped or cancelled. An arrow points from a step to the steps that wait for it."
)


def step_graph_dot(nodes: Sequence[StepNode]) -> str:
    """The steps as DOT: one box per step (name, its config when named otherwise, status)."""
    graph_nodes = [
        GraphNode(
            id=node.name,
            label="\n".join(
                [node.name, *([f"config {node.config}"] if node.config != node.name else [])]
                + [node.status]
            ),
            color=STATUS_COLOURS.get(node.status, STATUS_COLOURS["pending"]),
            tooltip=f"{node.name}: {node.status}",
        )
        for node in nodes
    ]
    edges = [GraphEdge(parent, node.name) for node in nodes for parent in node.depends_on]
    return dot_source(graph_nodes, edges)


def show_step_graph(nodes: Sequence[StepNode], *, key: str) -> None:
    """Draw the steps' graph with its legend."""
    # At its own size: a pipeline has a handful of steps, which the page's width would blow up.
    show_graph(
        step_graph_dot(nodes),
        key=key,
        alt=f"Pipeline graph of {len(nodes)} steps",
        width="content",
    )
    st.caption(_LEGEND)
