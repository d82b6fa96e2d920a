"""`suggest(source_table, target_table)`: every source column's best target (or none), with a
calibrated confidence, the reasons, and the transformers and validators it needs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Protocol

import numpy as np

from models.mapping_suggestion import Suggestion, TableSpec
from services.mapping.suggest.assign import NONE_THRESHOLD, assign, combine_parts
from services.mapping.suggest.dictionary import Dictionary, load_dictionary
from services.mapping.suggest.evidence import ColumnView, expected_kind, view_column
from services.mapping.suggest.scoring import (
    PairHistory,
    PairScores,
    calibrated,
    reasons_for,
    score_pairs,
)
from services.mapping.suggest.transforms import analyze_column

_ALTERNATIVES = 3


class TextEncoder(Protocol):
    """What the suggester needs from the semantic model: unit vectors for texts."""

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def suggest(
    source_table: TableSpec,
    target_table: TableSpec,
    *,
    encoder: TextEncoder | None = None,
    known: dict[tuple[str, str], PairHistory] | None = None,
    dictionary: Dictionary | None = None,
    threshold: float = NONE_THRESHOLD,
    calibrate: bool = True,
) -> list[Suggestion]:
    """One suggestion per source column, in source order.

    Args:
        source_table, target_table: the tables with their columns (types, samples, stats).
        encoder: the semantic model; without one, names are compared by the dictionary and
            by spelling only.
        known: this hospital's confirmed (+1) and rejected (−1) pairs, by lower-case
            (source column, target column).
        dictionary: the healthcare dictionary (default: the one shipped with the project).
        threshold: a pair below this score is not suggested; the column stays unmapped.
        calibrate: report each pair's calibrated probability (off: the raw score the
            assignment used, what calibration is fitted on).
    """
    dictionary = dictionary or load_dictionary()
    known = known or {}
    sources = [view_column(dictionary, c, source_table.name) for c in source_table.columns]
    targets = [view_column(dictionary, c, target_table.name) for c in target_table.columns]
    semantic = _cosines(encoder, sources, targets)
    scores = score_pairs(dictionary, sources, targets, semantic=semantic, known=known)
    confidence = scores.confidence
    empty = [i for i, view in enumerate(sources) if view.values.all_empty]
    confidence[empty, :] = 0.0  # an all-empty column has nothing to move
    chosen = assign(confidence, threshold)
    partners = combine_parts(chosen, confidence, sources, targets, threshold)
    taken = {j: sources[i].name for i, j in enumerate(chosen) if j is not None}
    found = [
        _suggestion(i, chosen[i], partners.get(i), sources, targets, scores, semantic, known)
        if chosen[i] is not None
        else _unmapped(i, sources[i], targets, scores.confidence[i], taken)
        for i in range(len(sources))
    ]
    if calibrate:
        found = [
            replace(s, confidence=calibrated(s.confidence)) if s.target_column else s for s in found
        ]
    return found


def _cosines(
    encoder: TextEncoder | None, sources: list[ColumnView], targets: list[ColumnView]
) -> np.ndarray | None:
    if encoder is None or not sources or not targets:
        return None
    texts = [view.embedding_text for view in (*sources, *targets)]
    vectors = np.asarray(encoder.encode(texts), dtype=np.float32)
    return vectors[: len(sources)] @ vectors[len(sources) :].T


def _unmapped(
    i: int, source: ColumnView, targets: list[ColumnView], row: np.ndarray, taken: dict[int, str]
) -> Suggestion:
    """A column left unmapped, and why: empty, or no target fits well enough."""
    advice = analyze_column(source.spec, None)
    best = float(row.max()) if row.size else 0.0
    return Suggestion(
        source_column=source.name,
        target_column=None,
        confidence=1.0 - best,
        reasons=(advice.ignore_reason or _no_match_reason(row, targets, taken),),
        alternatives=_alternatives(row, targets, exclude=None),
    )


def _suggestion(
    i: int,
    j: int,
    partner: int | None,
    sources: list[ColumnView],
    targets: list[ColumnView],
    scores: PairScores,
    semantic: np.ndarray | None,
    known: dict[tuple[str, str], PairHistory],
) -> Suggestion:
    source = sources[i]
    row = scores.confidence[i]
    alternatives = _alternatives(row, targets, exclude=j)
    target = targets[j]
    advice = analyze_column(
        source.spec,
        target.spec,
        target_kind=expected_kind(target),
        target_concept=target.concept.concept.id if target.concept else None,
    )
    reasons = reasons_for(scores, i, j, source, target, semantic=semantic, known=known)
    if partner is not None:
        reasons.insert(0, f"together with {sources[partner].name} into one {target.name}")
    return Suggestion(
        source_column=source.name,
        target_column=target.name,
        confidence=float(row[j]),
        reasons=tuple(reasons or ["best remaining match"]),
        transformers=advice.transformers,
        validators=advice.validators,
        combined_with=None if partner is None else sources[partner].name,
        alternatives=alternatives,
    )


def _alternatives(
    row: np.ndarray, targets: list[ColumnView], *, exclude: int | None
) -> tuple[tuple[str, float], ...]:
    order: Iterable[int] = np.argsort(-row)[: _ALTERNATIVES + 1]
    return tuple(
        (targets[k].name, float(row[k])) for k in order if k != exclude and row[k] >= 0.05
    )[:_ALTERNATIVES]


def _no_match_reason(row: np.ndarray, targets: list[ColumnView], taken: dict[int, str]) -> str:
    if not row.size:
        return "the target table has no columns"
    k = int(np.argmax(row))
    by = f", taken by {taken[k]}" if k in taken else ""
    return f"no target column fits well enough (best: {targets[k].name}, {row[k]:.0%}{by})"
