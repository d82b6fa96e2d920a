"""Gathers CheckResults of one batch into per-row failures for the quarantine and the report."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from validators.base import CheckResult


@dataclass(frozen=True)
class RowFailure:
    """One value of one row that failed one validator."""

    position: int  # 0-based position of the row in the batch
    key: object  # the row's key (primary key) when given, else its index label
    validator: str
    column: str | None
    reason: str


@dataclass
class ValidationReport:
    """What failed in a batch: one RowFailure per failing (row, check), plus the summaries.

    Attributes:
        rows: How many rows were checked.
        failures: Failures ordered by row position, then in the order of the results.
        messages: One line per result, e.g. "not_null(hn): 3 of 120 values are NULL".
    """

    rows: int
    failures: list[RowFailure] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when no row failed any check."""
        return not self.failures

    @property
    def failed_positions(self) -> list[int]:
        """Positions of the rows to quarantine (each once, in order)."""
        return sorted({failure.position for failure in self.failures})

    def to_frame(self) -> pd.DataFrame:
        """The failures as a table: position, key, validator, column, reason."""
        columns = ["position", "key", "validator", "column", "reason"]
        return pd.DataFrame([vars(failure) for failure in self.failures], columns=columns)


def collect(results: list[CheckResult], keys: pd.Series | None = None) -> ValidationReport:
    """Gather the failures of `results` (all over the same batch) into a ValidationReport.

    Args:
        results: CheckResults of one batch; each covers every row of it.
        keys: The rows' keys (e.g. the primary key column), one per row; the index labels
            are used when omitted.

    Raises:
        ValueError: The results (or the keys) do not cover the same number of rows.
    """
    sizes = {len(result.failed) for result in results}
    if keys is not None:
        sizes.add(len(keys))
    if len(sizes) > 1:
        raise ValueError(f"results and keys cover different numbers of rows: {sorted(sizes)}")
    rows = sizes.pop() if sizes else 0
    failures: list[RowFailure] = []
    for result in results:
        labels = (keys if keys is not None else result.failed.index.to_series()).tolist()
        reasons = result.reasons.tolist()
        failures.extend(
            RowFailure(int(pos), labels[pos], result.name, result.column, str(reasons[pos]))
            for pos in np.flatnonzero(result.failed.to_numpy(dtype=bool))
        )
    # A stable sort: by row, and within a row in the order the checks were given.
    failures.sort(key=lambda failure: failure.position)
    messages = [
        f"{result.name}({result.column}): {result.message}"
        if result.column
        else f"{result.name}: {result.message}"
        for result in results
    ]
    return ValidationReport(rows=rows, failures=failures, messages=messages)
