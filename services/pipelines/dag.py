"""The dependency graph of a pipeline's steps: levels, cycles, dependants (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from models.pipeline import PipelineEdge, PipelineNode


class CycleError(ValueError):
    """The steps depend on each other in a circle; `cycle` names them, first == last."""

    def __init__(self, cycle: list[str]) -> None:
        super().__init__("cycle: " + " → ".join(cycle))
        self.cycle = cycle


def dependencies(
    nodes: Sequence[PipelineNode], edges: Iterable[PipelineEdge]
) -> dict[str, list[str]]:
    """Each step's name → the names of the steps it depends on, sorted.

    Raises:
        ValueError: an edge refers to a node that is not among `nodes`.
    """
    names = {node.id: node.name for node in nodes}
    parents: dict[str, set[str]] = {node.name: set() for node in nodes}
    for edge in edges:
        if edge.source_node_id not in names or edge.target_node_id not in names:
            raise ValueError(f"edge {edge.id} refers to a step that is not in the pipeline")
        parents[names[edge.target_node_id]].add(names[edge.source_node_id])
    return {name: sorted(found) for name, found in parents.items()}


def dependants(parents: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    """Invert `dependencies`: each step's name → the steps that depend on it, sorted."""
    children: dict[str, set[str]] = {name: set() for name in parents}
    for name, own_parents in parents.items():
        for parent in own_parents:
            children.setdefault(parent, set()).add(name)
    return {name: sorted(found) for name, found in children.items()}


def transitive_dependants(name: str, children: Mapping[str, Iterable[str]]) -> list[str]:
    """Every step that depends on `name` directly or through others, sorted (not `name`)."""
    found: set[str] = set()
    pending = list(children.get(name, ()))
    while pending:
        child = pending.pop()
        if child not in found:
            found.add(child)
            pending.extend(children.get(child, ()))
    found.discard(name)  # only possible in a cyclic graph; a step never skips itself
    return sorted(found)


def find_cycle(parents: Mapping[str, Iterable[str]]) -> list[str] | None:
    """One cycle of the graph as step names in run order (first == last), or None.

    `parents` maps each step to the steps it depends on (see `dependencies`). The search visits
    steps and their dependants in name order, so the same graph always reports the same cycle.
    """
    children = dependants(parents)
    done: set[str] = set()
    for start in sorted(children):
        if start in done:
            continue
        # Iterative depth-first search: `path` is the chain being explored, `on_path` its set.
        path: list[str] = [start]
        on_path = {start}
        branches = [iter(children[start])]
        while branches:
            step = next(branches[-1], None)
            if step is None:
                finished = path.pop()
                on_path.discard(finished)
                done.add(finished)
                branches.pop()
            elif step in on_path:
                return [*path[path.index(step) :], step]
            elif step not in done:
                path.append(step)
                on_path.add(step)
                branches.append(iter(children.get(step, ())))
    return None


def levels(parents: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Step names grouped by level (Kahn's algorithm): a level needs only earlier levels.

    Level 0 holds the steps without dependencies; names are sorted inside each level.

    Raises:
        CycleError: the graph has a cycle (it names one).
    """
    waiting = {name: set(own) for name, own in parents.items()}
    children = dependants(parents)
    result: list[list[str]] = []
    ready = sorted(name for name, own in waiting.items() if not own)
    placed = 0
    while ready:
        result.append(ready)
        placed += len(ready)
        released: set[str] = set()
        for name in ready:
            for child in children.get(name, ()):
                waiting[child].discard(name)
                if not waiting[child]:
                    released.add(child)
        ready = sorted(released)
    if placed < len(waiting):
        cycle = find_cycle(parents)
        raise CycleError(cycle or sorted(waiting))
    return result


def execution_levels(
    nodes: Sequence[PipelineNode], edges: Iterable[PipelineEdge]
) -> list[list[PipelineNode]]:
    """The steps grouped by level: every step's dependencies are in earlier levels.

    Steps of one level may run at the same time; inside a level they are sorted by name.

    Raises:
        CycleError: the steps depend on each other in a circle (it names one).
        ValueError: an edge refers to a node that is not among `nodes`.
    """
    by_name = {node.name: node for node in nodes}
    return [[by_name[name] for name in level] for level in levels(dependencies(nodes, edges))]
