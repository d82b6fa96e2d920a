"""What the mapping suggester reads (tables with their columns and evidence) and what it says."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class ColumnStats:
    """Counts of one column, from a profile or a report run (None: not known)."""

    rows: int | None = None
    nulls: int | None = None
    empties: int | None = None
    distinct: int | None = None
    #: Rows holding a zero date (0000-00-00), where the engine can hold one.
    zero_dates: int | None = None
    #: The most frequent values with their counts, most frequent first.
    top_values: tuple[tuple[str, int], ...] = ()
    #: Set when a profile masked the column's values: which identifier it holds (cid, hn…).
    phi_kind: str | None = None

    @property
    def all_empty(self) -> bool:
        """True when every row is NULL or the empty string (and there are rows to tell)."""
        if not self.rows:
            return False
        return (self.nulls or 0) + (self.empties or 0) >= self.rows


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """One column as the suggester sees it: name, type and whatever evidence is at hand."""

    name: str
    type: str = ""
    #: Non-null, non-empty example values as text (a smart sample).
    samples: tuple[str, ...] = ()
    stats: ColumnStats | None = None
    #: The known code set of a target code column (e.g. SEX: 1, 2).
    values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TableSpec:
    """A table and its columns, in table order."""

    name: str
    columns: tuple[ColumnSpec, ...]


@dataclass(frozen=True, slots=True)
class PluginSuggestion:
    """A transformer or validator suggested for one mapping, with why."""

    name: str
    reason: str
    params: dict[str, Any] = field(default_factory=dict)

    def to_call(self) -> dict[str, Any]:
        """As a config's plugin call: {"name": …, "params": {…}}."""
        return {"name": self.name, "params": dict(self.params)}


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One source column's suggested target (None: no counterpart), with confidence and why."""

    source_column: str
    target_column: str | None
    #: Calibrated probability that the pair is right (for "none": that nothing fits).
    confidence: float
    reasons: tuple[str, ...]
    transformers: tuple[PluginSuggestion, ...] = ()
    validators: tuple[PluginSuggestion, ...] = ()
    #: The other source column filling the same target (a date and a time into a datetime).
    combined_with: str | None = None
    #: The next best targets with their confidence, best first.
    alternatives: tuple[tuple[str, float], ...] = ()

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data (API responses, the CLI's --json)."""
        return {
            "source_column": self.source_column,
            "target_column": self.target_column,
            "confidence": round(self.confidence, 3),
            "reasons": list(self.reasons),
            "transformers": [{**t.to_call(), "reason": t.reason} for t in self.transformers],
            "validators": [{**v.to_call(), "reason": v.reason} for v in self.validators],
            "combined_with": self.combined_with,
            "alternatives": [
                {"target_column": name, "confidence": round(score, 3)}
                for name, score in self.alternatives
            ],
        }
