"""The mapping development set (tests/data/mapping_dev/): cases read as tables plus truth, and
the measures bench/bench_mapping.py and the tests score suggestions with."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from models.mapping_suggestion import ColumnSpec, ColumnStats, TableSpec

DEV_SET = Path(__file__).resolve().parent / "data" / "mapping_dev"


@dataclass(frozen=True)
class Truth:
    """What one source column should map to, and with which transformers and validators."""

    target: str | None
    transformers: frozenset[str]
    validators: frozenset[str]


@dataclass(frozen=True)
class Case:
    """One source table, one target table and the truth for every source column."""

    name: str
    source: TableSpec
    target: TableSpec
    target_style: str
    truth: dict[str, Truth]


def _column(data: dict) -> ColumnSpec:
    stats = data.get("stats")
    return ColumnSpec(
        name=data["name"],
        type=data.get("type", ""),
        samples=tuple(str(s) for s in data.get("samples", [])),
        stats=None
        if stats is None
        else ColumnStats(
            rows=stats.get("rows"),
            nulls=stats.get("nulls"),
            empties=stats.get("empties"),
            distinct=stats.get("distinct"),
        ),
        values=tuple(str(v) for v in data.get("values", [])),
    )


def load_cases(folder: Path = DEV_SET) -> list[Case]:
    """Every case of the development set, in file order."""
    cases = []
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        source, target = data["source"], data["target"]
        cases.append(
            Case(
                name=data["case"],
                source=TableSpec(source["table"], tuple(map(_column, source["columns"]))),
                target=TableSpec(target["table"], tuple(map(_column, target["columns"]))),
                target_style=target.get("style", ""),
                truth={
                    column: Truth(
                        entry.get("target"),
                        frozenset(entry.get("transformers", [])),
                        frozenset(entry.get("validators", [])),
                    )
                    for column, entry in data["truth"].items()
                },
            )
        )
    return cases


@dataclass(frozen=True)
class Scores:
    """Top-1 accuracy over every source column; precision, recall and F1 over matched pairs."""

    columns: int
    top1: float
    precision: float
    recall: float
    f1: float


def score(cases: Iterable[Case], predict: Callable[[Case], dict[str, str | None]]) -> Scores:
    """Score `predict` (case → {source column: target or None}) against the truth."""
    right = total = predicted = true_pairs = hits = 0
    for case in cases:
        guesses = predict(case)
        for column, truth in case.truth.items():
            guess = guesses.get(column)
            total += 1
            right += guess == truth.target
            predicted += guess is not None
            true_pairs += truth.target is not None
            hits += guess is not None and guess == truth.target
    precision = hits / predicted if predicted else 0.0
    recall = hits / true_pairs if true_pairs else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(total, right / total if total else 0.0, precision, recall, f1)
