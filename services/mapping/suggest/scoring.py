"""Evidence on every (source, target) pair combined into one calibrated confidence.

The evidence — the dictionary, the semantic model, spelling, the values, the types and what
the hospital confirmed before — goes through one logistic function whose weights were fitted
on the development set (bench/bench_mapping.py --fit), so a confidence of 0.8 means about
eight pairs right in ten there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from services.mapping.suggest.evidence import ColumnView, value_fit
from services.mapping.suggest.types import type_fit

#: The logistic model's weights, one per evidence feature (see `FEATURES`).
WEIGHTS: dict[str, float] = {
    "bias": -3.5,
    "dictionary": 6.0,  # both names are one concept (strength 0–1)
    "part": 3.5,  # the source's concept is part of the target's (a date of a datetime)
    "conflict": -2.5,  # both names are sure of different concepts
    "semantic": 3.0,  # model cosine, rescaled to 0–1 above chance level
    "lexical": 1.5,  # spelling of the expanded words, rescaled to 0–1
    "values": 1.2,  # what the values look like against what the target holds (-1–1)
    "type": 1.5,  # type fit − 1 (0 when the types fit as they are)
    "known": 6.0,  # confirmed (+1) or rejected (−1) in this hospital's configs
}
FEATURES = tuple(name for name in WEIGHTS if name != "bias")
#: Cosine and spelling below these say nothing: unrelated names score about this much.
_SEMANTIC_FLOOR, _SEMANTIC_SPAN = 0.35, 0.55
_LEXICAL_FLOOR, _LEXICAL_SPAN = 0.5, 0.5


@dataclass(frozen=True, slots=True)
class PairHistory:
    """A pair this hospital confirmed or rejected before: +1/−1 and the reason to show."""

    sign: float
    reason: str


@dataclass
class PairScores:
    """Every feature as an (n_source × n_target) matrix, and the combined confidence."""

    features: dict[str, np.ndarray]
    confidence: np.ndarray
    value_reasons: dict[tuple[int, int], str]


def score_pairs(
    sources: Sequence[ColumnView],
    targets: Sequence[ColumnView],
    *,
    semantic: np.ndarray | None,
    known: dict[tuple[str, str], PairHistory],
    weights: dict[str, float] = WEIGHTS,
) -> PairScores:
    """The features and confidence of every pair; `semantic` is the cosine matrix, if any."""
    shape = (len(sources), len(targets))
    features = {name: np.zeros(shape, dtype=np.float64) for name in FEATURES}
    value_reasons: dict[tuple[int, int], str] = {}
    if semantic is not None and semantic.size:
        features["semantic"] = np.clip((semantic - _SEMANTIC_FLOOR) / _SEMANTIC_SPAN, 0, 1)
    features["lexical"] = _lexical(sources, targets)
    for i, source in enumerate(sources):
        for j, target in enumerate(targets):
            same, part, conflict = _dictionary(source, target)
            features["dictionary"][i, j] = same
            features["part"][i, j] = part
            features["conflict"][i, j] = conflict
            fit, reason = value_fit(source, target)
            features["values"][i, j] = fit
            if reason and fit > 0:
                value_reasons[(i, j)] = reason
            features["type"][i, j] = type_fit(source.spec.type, target.spec.type) - 1
            pair = known.get((source.name.lower(), target.name.lower()))
            if pair is not None:
                features["known"][i, j] = pair.sign
    logit = np.full(shape, weights["bias"])
    for name in FEATURES:
        logit += weights[name] * features[name]
    return PairScores(features, 1 / (1 + np.exp(-logit)), value_reasons)


def _lexical(sources: Sequence[ColumnView], targets: Sequence[ColumnView]) -> np.ndarray:
    from rapidfuzz import fuzz, process

    if not sources or not targets:
        return np.zeros((len(sources), len(targets)))
    words = process.cdist(
        [s.expanded.words for s in sources],
        [t.expanded.words for t in targets],
        scorer=fuzz.token_set_ratio,
        dtype=np.float64,
    )
    raw = process.cdist(
        [s.expanded.keys[0] for s in sources],
        [t.expanded.keys[0] for t in targets],
        scorer=fuzz.ratio,
        dtype=np.float64,
    )
    best = np.maximum(words, raw) / 100
    return np.clip((best - _LEXICAL_FLOOR) / _LEXICAL_SPAN, 0, 1)


def _dictionary(source: ColumnView, target: ColumnView) -> tuple[float, float, float]:
    """(same concept, source concept part of target's, sure of different concepts)."""
    same = part = 0.0
    for s in source.concepts:
        for t in target.concepts:
            strength = min(s.strength, t.strength)
            if s.concept.id == t.concept.id:
                same = max(same, strength)
            elif s.concept.id in t.concept.parts:
                part = max(part, strength)
    conflict = 0.0
    sure = (
        source.concept
        and target.concept
        and min(source.concept.strength, target.concept.strength) >= 0.9
    )
    if sure and not same and not part:
        conflict = 1.0
    return same, part, conflict


def reasons_for(
    scores: PairScores,
    i: int,
    j: int,
    source: ColumnView,
    target: ColumnView,
    *,
    semantic: np.ndarray | None,
    known: dict[tuple[str, str], PairHistory],
) -> list[str]:
    """Why the pair (i, j) scored as it did, strongest evidence first, in checkable words."""
    f = {name: float(matrix[i, j]) for name, matrix in scores.features.items()}
    said: list[tuple[float, str]] = []
    pair = known.get((source.name.lower(), target.name.lower()))
    if pair is not None:
        said.append((WEIGHTS["known"] * abs(pair.sign), pair.reason))
    if f["dictionary"] or f["part"]:
        concept = _shared_concept(source, target)
        if concept:
            relation = "≈" if f["dictionary"] else "is part of"
            said.append(
                (
                    WEIGHTS["dictionary"] * max(f["dictionary"], f["part"]),
                    f"dictionary: {source.name} {relation} {concept}",
                )
            )
    if semantic is not None and f["semantic"] > 0:
        cosine = float(semantic[i, j])
        said.append(
            (
                WEIGHTS["semantic"] * f["semantic"],
                f"meaning: '{source.embedding_text}' ~ '{target.embedding_text}' "
                f"(similarity {cosine:.2f})",
            )
        )
    if f["lexical"] > 0.3:
        said.append((WEIGHTS["lexical"] * f["lexical"], "similar spelling"))
    reason = scores.value_reasons.get((i, j))
    if reason:
        said.append((WEIGHTS["values"] * f["values"], reason))
    if f["type"] < -0.25:
        said.append((0.1, f"type {source.spec.type or '?'} → {target.spec.type or '?'} converts"))
    return [text for _, text in sorted(said, key=lambda item: -item[0])]


def _shared_concept(source: ColumnView, target: ColumnView) -> str | None:
    for s in source.concepts:
        for t in target.concepts:
            if s.concept.id == t.concept.id:
                return s.concept.label
            if s.concept.id in t.concept.parts:
                return f"{s.concept.label} of {t.concept.label}"
    return None
