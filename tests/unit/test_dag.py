"""The pipeline graph: levels (Kahn), cycles named step by step, dependants; stable order."""

from __future__ import annotations

import random
import uuid

import pytest

from models.pipeline import PipelineEdge, PipelineNode
from services.pipelines.dag import (
    CycleError,
    dependants,
    dependencies,
    execution_levels,
    find_cycle,
    levels,
    transitive_dependants,
)

PIPELINE = uuid.uuid4()


def graph(
    links: list[tuple[str, str]], extra: tuple[str, ...] = ()
) -> tuple[list[PipelineNode], list[PipelineEdge]]:
    """Nodes and edges for `links` given as (dependency, dependant) pairs."""
    names = sorted({name for link in links for name in link} | set(extra))
    nodes = {name: PipelineNode(pipeline_id=PIPELINE, name=name) for name in names}
    edges = [PipelineEdge(PIPELINE, nodes[a].id, nodes[b].id) for a, b in links]
    return list(nodes.values()), edges


def names(grouped: list[list[PipelineNode]]) -> list[list[str]]:
    return [[node.name for node in level] for level in grouped]


DIAMOND = [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")]


def test_diamond_runs_in_three_levels() -> None:
    assert names(execution_levels(*graph(DIAMOND))) == [["a"], ["b", "c"], ["d"]]


def test_wider_graph_levels_follow_the_longest_chain_of_dependencies() -> None:
    # patients → visits → diagnoses, visits → drugs; lookups stand alone; bills needs drugs
    # and lookups; audit needs every leaf.
    links = [
        ("patients", "visits"),
        ("visits", "diagnoses"),
        ("visits", "drugs"),
        ("drugs", "bills"),
        ("lookups", "bills"),
        ("diagnoses", "audit"),
        ("bills", "audit"),
    ]
    nodes, edges = graph(links, extra=("doctors",))
    assert names(execution_levels(nodes, edges)) == [
        ["doctors", "lookups", "patients"],
        ["visits"],
        ["diagnoses", "drugs"],
        ["bills"],
        ["audit"],
    ]


def test_steps_without_dependencies_form_one_level() -> None:
    nodes, edges = graph([], extra=("c", "a", "b"))
    assert names(execution_levels(nodes, edges)) == [["a", "b", "c"]]


def test_order_does_not_depend_on_the_order_nodes_and_edges_come_in() -> None:
    nodes, edges = graph(DIAMOND + [("x", "d"), ("b", "e")])
    expected = names(execution_levels(nodes, edges))
    shuffler = random.Random(7)
    for _ in range(20):
        shuffler.shuffle(nodes)
        shuffler.shuffle(edges)
        assert names(execution_levels(nodes, edges)) == expected
    assert expected == [["a", "x"], ["b", "c"], ["d", "e"]]


@pytest.mark.parametrize(
    ("links", "cycle"),
    [
        ([("b", "b")], ["b", "b"]),
        ([("visits", "diagnoses"), ("diagnoses", "visits")], ["diagnoses", "visits", "diagnoses"]),
        ([("a", "b"), ("b", "c"), ("c", "a")], ["a", "b", "c", "a"]),
        # The cycle sits downstream of a healthy start: only its own steps are named.
        ([("start", "x"), ("x", "y"), ("y", "z"), ("z", "x")], ["x", "y", "z", "x"]),
    ],
    ids=["self-loop", "2-cycle", "3-cycle", "behind-a-chain"],
)
def test_cycles_are_found_and_named_in_run_order(
    links: list[tuple[str, str]], cycle: list[str]
) -> None:
    nodes, edges = graph(links)
    assert find_cycle(dependencies(nodes, edges)) == cycle
    with pytest.raises(CycleError) as raised:
        execution_levels(nodes, edges)
    assert raised.value.cycle == cycle
    assert str(raised.value) == "cycle: " + " → ".join(cycle)


def test_an_acyclic_graph_has_no_cycle() -> None:
    nodes, edges = graph(DIAMOND)
    assert find_cycle(dependencies(nodes, edges)) is None


def test_the_same_cycle_is_reported_whatever_the_input_order() -> None:
    links = [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("d", "b")]
    nodes, edges = graph(links)
    first = find_cycle(dependencies(nodes, edges))
    for seed in range(10):
        random.Random(seed).shuffle(edges)
        assert find_cycle(dependencies(nodes, edges)) == first


def test_dependencies_and_dependants_by_name() -> None:
    parents = dependencies(*graph(DIAMOND))
    assert parents == {"a": [], "b": ["a"], "c": ["a"], "d": ["b", "c"]}
    assert dependants(parents) == {"a": ["b", "c"], "b": ["d"], "c": ["d"], "d": []}


def test_transitive_dependants_reach_every_step_downstream() -> None:
    parents = dependencies(*graph(DIAMOND + [("d", "e"), ("x", "e")]))
    children = dependants(parents)
    assert transitive_dependants("b", children) == ["d", "e"]
    assert transitive_dependants("a", children) == ["b", "c", "d", "e"]
    assert transitive_dependants("x", children) == ["e"]
    assert transitive_dependants("e", children) == []


def test_levels_work_on_names_alone() -> None:
    assert levels({"load": ["extract"], "extract": [], "report": ["load", "extract"]}) == [
        ["extract"],
        ["load"],
        ["report"],
    ]


def test_an_edge_to_a_foreign_node_is_refused() -> None:
    nodes, edges = graph(DIAMOND)
    stranger = PipelineEdge(PIPELINE, nodes[0].id, uuid.uuid4())
    with pytest.raises(ValueError, match="not in the pipeline"):
        dependencies(nodes, [*edges, stranger])
