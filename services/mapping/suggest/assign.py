"""The global assignment: each source column to at most one target and each target from at
most one source, maximising the total confidence (Hungarian method); "no match" below the
threshold. Then many-to-one where a concept says so: a date and a time into one datetime."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from services.mapping.suggest.evidence import ColumnView

#: A pair less likely than this is not suggested: the source column stays unmapped.
NONE_THRESHOLD = 0.25
_FORBIDDEN = -1e6  # a source may take only its own "none" column, not another's


def assign(confidence: np.ndarray, threshold: float = NONE_THRESHOLD) -> list[int | None]:
    """For each source row, the target column it gets (None: no match), one-to-one.

    Each source also has its own "none" option worth `threshold`, so it takes a target only
    when that pair beats leaving it unmapped and no other source needs the target more.
    """
    from scipy.optimize import linear_sum_assignment

    n_sources, n_targets = confidence.shape
    if n_sources == 0:
        return []
    none = np.full((n_sources, n_sources), _FORBIDDEN)
    np.fill_diagonal(none, threshold)
    gains = np.hstack([confidence, none])
    rows, columns = linear_sum_assignment(gains, maximize=True)
    chosen: list[int | None] = [None] * n_sources
    for row, column in zip(rows, columns, strict=True):
        if column < n_targets and confidence[row, column] >= threshold:
            chosen[row] = int(column)
    return chosen


def combine_parts(
    chosen: list[int | None],
    confidence: np.ndarray,
    sources: Sequence[ColumnView],
    targets: Sequence[ColumnView],
    threshold: float = NONE_THRESHOLD,
) -> dict[int, int]:
    """Many-to-one additions: {source row: partner source row} for date + time columns that
    both go into one datetime target. `chosen` is updated in place."""
    partners: dict[int, int] = {}
    taken = {column for column in chosen if column is not None}
    for j, target in enumerate(targets):
        if target.concept is None or not target.concept.concept.parts:
            continue
        parts = target.concept.concept.parts
        rows = []
        for part in parts:
            row = _row_of_part(part, j, chosen, confidence, sources, threshold)
            if row is None:
                break
            rows.append(row)
        else:
            if any(chosen[row] not in (None, j) for row in rows):
                continue  # a part already has a target of its own (visit_date → DATE_SERV)
            if j in taken and not any(chosen[row] == j for row in rows):
                continue  # the datetime is filled by another column already
            first, second = rows
            chosen[first] = chosen[second] = j
            partners[first], partners[second] = second, first
    return partners


def _row_of_part(
    part: str,
    j: int,
    chosen: list[int | None],
    confidence: np.ndarray,
    sources: Sequence[ColumnView],
    threshold: float,
) -> int | None:
    """The source row whose concept is `part` and that may go into target j."""
    best: int | None = None
    for i, source in enumerate(sources):
        if any(match.concept.id == part for match in source.concepts):
            if chosen[i] not in (None, j) or confidence[i, j] < threshold / 2:
                continue
            if best is None or confidence[i, j] > confidence[best, j]:
                best = i
    return best
