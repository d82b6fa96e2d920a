"""The dashboard's DOT builder: quoting of awkward names, node and edge attributes, highlight."""

from __future__ import annotations

import re

import pytest

from views.components.graph import (
    HIGHLIGHT_FILL,
    HIGHLIGHT_LINE,
    GraphEdge,
    GraphNode,
    dot_source,
    quoted,
)


def _statement(dot: str, start: str) -> str:
    """The one line of `dot` that begins (after its indent) with `start`."""
    (line,) = [line.strip() for line in dot.splitlines() if line.strip().startswith(start)]
    return line


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("patient", '"patient"'),
        ("order items", '"order items"'),  # a space would split an unquoted id
        ('say "hi"', '"say \\"hi\\""'),
        ("ends with \\", '"ends with \\\\"'),  # a lone final backslash would eat the quote
        ("two\nlines", '"two\\nlines"'),
        ("two\r\nlines", '"two\\nlines"'),
        ("ผู้ป่วย", '"ผู้ป่วย"'),  # Thai stays as it is: DOT is UTF-8
        ("graph", '"graph"'),  # a DOT keyword, harmless once quoted
        ("", '""'),
    ],
)
def test_quoted_escapes_what_dot_needs_escaped(text: str, expected: str) -> None:
    assert quoted(text) == expected


def test_every_node_and_edge_is_written_quoted_in_order() -> None:
    nodes = [GraphNode("patient"), GraphNode("ovst", label="visits"), GraphNode("lab order")]
    edges = [GraphEdge("ovst", "patient", "hn"), GraphEdge("lab order", "ovst")]
    dot = dot_source(nodes, edges)

    assert dot.startswith("digraph {\n") and dot.endswith("}\n")
    assert _statement(dot, '"patient" [') == '"patient" [label="patient"];'
    assert _statement(dot, '"ovst" [') == '"ovst" [label="visits"];'
    assert _statement(dot, '"ovst" ->') == '"ovst" -> "patient" [label="hn"];'
    assert _statement(dot, '"lab order" ->') == '"lab order" -> "ovst";'
    node_lines = [line.strip() for line in dot.splitlines() if re.match(r'\s+"[^"]*" \[', line)]
    assert [line.split(" [")[0] for line in node_lines] == ['"patient"', '"ovst"', '"lab order"']


def test_names_with_quotes_backslashes_and_thai_survive_in_ids_and_labels() -> None:
    awkward = 'ward "A" \\ ผู้ป่วยใน'
    dot = dot_source([GraphNode(awkward), GraphNode("patient")], [GraphEdge(awkward, "patient")])

    escaped = '"ward \\"A\\" \\\\ ผู้ป่วยใน"'
    assert _statement(dot, f"{escaped} [") == f"{escaped} [label={escaped}];"
    assert _statement(dot, f"{escaped} ->") == f'{escaped} -> "patient";'


def test_highlight_fills_the_chosen_node_and_thickens_only_its_edges() -> None:
    nodes = [GraphNode("patient"), GraphNode("ovst"), GraphNode("doctor"), GraphNode("pttype")]
    edges = [
        GraphEdge("ovst", "patient", "hn"),
        GraphEdge("ovst", "doctor"),
        GraphEdge("patient", "pttype"),
    ]
    dot = dot_source(nodes, edges, highlight="ovst")

    chosen = _statement(dot, '"ovst" [')
    assert f'fillcolor="{HIGHLIGHT_FILL}"' in chosen
    assert f'color="{HIGHLIGHT_LINE}"' in chosen
    assert 'style="rounded,filled,bold"' in chosen
    for other in ("patient", "doctor", "pttype"):
        assert HIGHLIGHT_FILL not in _statement(dot, f'"{other}" [')
    assert _statement(dot, '"ovst" -> "patient"') == (
        f'"ovst" -> "patient" [label="hn", color="{HIGHLIGHT_LINE}", penwidth="2.5"];'
    )
    assert HIGHLIGHT_LINE in _statement(dot, '"ovst" -> "doctor"')
    assert _statement(dot, '"patient" -> "pttype"') == '"patient" -> "pttype";'


def test_without_highlight_nothing_is_highlighted() -> None:
    dot = dot_source([GraphNode("a"), GraphNode("b")], [GraphEdge("a", "b")], highlight=None)
    assert HIGHLIGHT_FILL not in dot and HIGHLIGHT_LINE not in dot
    assert HIGHLIGHT_FILL not in dot_source([GraphNode("a")], highlight="not a node")


def test_own_colour_shape_tooltip_and_dashed_outline_are_kept() -> None:
    node = GraphNode(
        "load", color="#c8e6c9", shape="cylinder", tooltip='12 rows\n"ok"', dashed=True
    )
    line = _statement(dot_source([node]), '"load" [')
    assert line == (
        '"load" [label="load", shape="cylinder", tooltip="12 rows\\n\\"ok\\"", '
        'fillcolor="#c8e6c9", style="rounded,filled,dashed"];'
    )


def test_graph_direction_is_quoted_into_the_graph_attributes() -> None:
    assert 'graph [rankdir="TB"];' in dot_source([GraphNode("a")], direction="TB")


def test_an_edge_to_an_unknown_node_is_refused() -> None:
    with pytest.raises(ValueError, match="'visits'"):
        dot_source([GraphNode("patient")], [GraphEdge("visits", "patient")])


def test_two_nodes_with_one_id_are_refused() -> None:
    with pytest.raises(ValueError, match="'patient'"):
        dot_source([GraphNode("patient"), GraphNode("patient", label="again")])
