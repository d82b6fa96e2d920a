"""Evidence on every (source, target) pair combined into one calibrated confidence.

The evidence — the dictionary, the semantic model, spelling, the values, the types and what
the hospital confirmed before — goes through one logistic function whose weights were fitted
on the development set (bench/bench_mapping.py --fit), so a confidence of 0.8 means about
eight pairs right in ten there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from services.mapping.suggest.dictionary import Dictionary
from services.mapping.suggest.evidence import ColumnView, expected_kind, value_fit
from services.mapping.suggest.types import type_fit

#: The logistic model's weights, one per evidence feature (see `FEATURES`).
WEIGHTS: dict[str, float] = {
    "bias": -3.5,
    "dictionary": 6.0,  # both names are one concept (strength 0–1)
    "part": 3.5,  # the source's concept is part of the target's (a date of a datetime)
    "related": 3.0,  # the dictionary says the two concepts may stand for each other
    "conflict": -2.5,  # both names are sure of different concepts
    "semantic": 3.0,  # model cosine, rescaled to 0–1 above chance level
    "mutual": 1.5,  # each is the other's closest meaning among the two tables' columns
    "lexical": 1.5,  # spelling of the expanded words, rescaled to 0–1
    "abbreviation": 3.5,  # one name abbreviates the other: 'dpt' of department_code
    "values": 1.2,  # what the values look like against what the target holds (-1–1)
    "type": 1.5,  # type fit − 1 (0 when the types fit as they are)
    "known": 6.0,  # confirmed (+1) or rejected (−1) in this hospital's configs
}
FEATURES = tuple(name for name in WEIGHTS if name != "bias")
#: Platt scaling (slope, intercept) of a suggested pair's score into the share of such pairs
#: that are right, fitted on the development set's suggested pairs (bench/bench_mapping.py
#: --fit). The set has too few wrong pairs to fit the slope, so it is held at 0.5: surer
#: scores still read surer.
CALIBRATION = (0.5, 2.0)
#: Cosine and spelling below these say nothing: unrelated names score about this much.
_SEMANTIC_FLOOR, _SEMANTIC_SPAN = 0.35, 0.55
_LEXICAL_FLOOR, _LEXICAL_SPAN = 0.5, 0.5
_MUTUAL_FLOOR = 0.45


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


def calibrated(raw: float) -> float:
    """A suggested pair's raw score as the calibrated probability it is right."""
    a, b = CALIBRATION
    raw = min(max(raw, 1e-9), 1 - 1e-9)
    return 1 / (1 + math.exp(-(a * math.log(raw / (1 - raw)) + b)))


def score_pairs(
    dictionary: Dictionary,
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
        features["mutual"] = _mutual_best(semantic)
    features["lexical"] = _lexical(sources, targets)
    # What the values say depends on the target only through what it holds: read once per kind.
    holds = [(expected_kind(t), t.concept.concept.id if t.concept else None) for t in targets]
    fits: dict[tuple[int, tuple[str | None, str | None]], tuple[float, str | None]] = {}
    for i, source in enumerate(sources):
        for j, target in enumerate(targets):
            same, part, related, conflict = _dictionary(dictionary, source, target)
            features["dictionary"][i, j] = same
            features["part"][i, j] = part
            features["related"][i, j] = related
            features["conflict"][i, j] = conflict
            key = (i, holds[j])
            if key not in fits:
                fits[key] = value_fit(source, target)
            fit, reason = fits[key]
            features["values"][i, j] = fit
            if reason and fit > 0:
                value_reasons[(i, j)] = reason
            features["type"][i, j] = type_fit(source.spec.type, target.spec.type) - 1
            features["abbreviation"][i, j] = abbreviation(source, target)
            pair = known.get((source.name.lower(), target.name.lower()))
            if pair is not None:
                features["known"][i, j] = pair.sign
    logit = np.full(shape, weights["bias"])
    for name in FEATURES:
        logit += weights[name] * features[name]
    return PairScores(features, 1 / (1 + np.exp(-logit)), value_reasons)


def _mutual_best(cosine: np.ndarray) -> np.ndarray:
    """1 where a pair is both its row's and its column's closest meaning (and not by chance)."""
    best_in_row = cosine == cosine.max(axis=1, keepdims=True)
    best_in_column = cosine == cosine.max(axis=0, keepdims=True)
    return (best_in_row & best_in_column & (cosine >= _MUTUAL_FLOOR)).astype(np.float64)


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


def abbreviation(source: ColumnView, target: ColumnView) -> float:
    """How surely one name is a vendor abbreviation of the other: its initials ('ps' of
    pain_score: 1) or its letters in order from the first ('dpt' of department_code: 0.8).
    Only for a short name the dictionary does not know."""
    for short, long in ((source, target), (target, source)):
        if short.concepts:
            continue
        letters = "".join(short.expanded.tokens)
        tokens = [t for t in long.expanded.keys[0].split("_") if t]
        if not 2 <= len(letters) <= 6 or not letters.isalpha() or not tokens:
            continue
        if len(tokens) > 1 and letters == "".join(t[0] for t in tokens):
            return 1.0
        joined = "".join(tokens)
        if len(letters) >= 3 and letters[0] == joined[0] and len(joined) > len(letters):
            rest = iter(joined[1:])
            if all(letter in rest for letter in letters[1:]):
                return 0.8
    return 0.0


def _dictionary(
    dictionary: Dictionary, source: ColumnView, target: ColumnView
) -> tuple[float, float, float, float]:
    """(same concept, source's part of target's, related concepts, sure of unrelated ones)."""
    same = part = related = 0.0
    for s in source.concepts:
        for t in target.concepts:
            strength = min(s.strength, t.strength)
            if s.concept.id == t.concept.id:
                same = max(same, strength)
            elif s.concept.id in t.concept.parts:
                part = max(part, strength)
            elif dictionary.are_related(s.concept.id, t.concept.id):
                related = max(related, strength)
    conflict = 0.0
    sure = (
        source.concept
        and target.concept
        and min(source.concept.strength, target.concept.strength) >= 0.9
    )
    if sure and not same and not part and not related:
        conflict = 1.0
    return same, part, related, conflict


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
    if f["dictionary"] or f["part"] or f["related"]:
        concept = _shared_concept(source, target)
        if concept:
            said.append(
                (
                    WEIGHTS["dictionary"] * max(f["dictionary"], f["part"], f["related"]),
                    f"dictionary: {source.name} {concept}",
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
    if f["abbreviation"]:
        said.append((WEIGHTS["abbreviation"] * f["abbreviation"], "one name abbreviates the other"))
    reason = scores.value_reasons.get((i, j))
    if reason:
        said.append((WEIGHTS["values"] * f["values"], reason))
    if f["type"] < -0.25:
        said.append((0.1, f"type {source.spec.type or '?'} → {target.spec.type or '?'} converts"))
    return [text for _, text in sorted(said, key=lambda item: -item[0])]


def _shared_concept(source: ColumnView, target: ColumnView) -> str | None:
    """How the two names meet in the dictionary, as the reason says it."""
    for s in source.concepts:
        for t in target.concepts:
            if s.concept.id == t.concept.id:
                return f"≈ {s.concept.label}"
            if s.concept.id in t.concept.parts:
                return f"= {s.concept.label}, part of {t.concept.label}"
    source_concept, target_concept = source.concept, target.concept
    if source_concept and target_concept:
        return f"= {source_concept.concept.label}, related to {target_concept.concept.label}"
    return None
