"""What a test run of a step shows a person: its counts, its would-be rejects grouped by
column and reason with a few of their values, and the first transformed rows (pure data)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

#: Distinct failing values a group of would-be rejects keeps.
SAMPLE_VALUES = 10
#: Transformed rows a test run shows unless told otherwise.
PREVIEW_ROWS = 20


@dataclass(frozen=True, slots=True)
class SampledRejectGroup:
    """The would-be rejects of one column, stage and reason, with some of their values.

    Attributes:
        column: The target column that failed; None when the check or the engine named none.
        stage: "transform", "validate" or "load".
        reason: The reason, without the failing value a transformer or an engine quotes, so
            that rows failing the same way fall into one group.
        rejects: How many rejects the group holds (a row fails one check once).
        values: Up to `SAMPLE_VALUES` distinct failing values, in the order met, masked when
            they are identifiers; None for a NULL.
        more_values: Other distinct values failed the same way and are not kept.
        first: The reference of the group's first reject ("batch 1, row 3").
    """

    column: str | None
    stage: str
    reason: str
    rejects: int
    values: tuple[str | None, ...] = ()
    more_values: bool = False
    first: str = ""


@dataclass(frozen=True, slots=True)
class TestRunReport:
    """A test run as shown: counts, rejects grouped by column and reason, the first rows."""

    __test__: ClassVar[bool] = False  # a report, not a test class for pytest to collect

    step: str
    rows_read: int
    would_load: int
    would_reject: int  # rows, not checks: a row failing two checks counts once
    groups: tuple[SampledRejectGroup, ...] = ()
    preview: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        """JSON-safe form, kept in a test job's summary so any face can show the report."""
        return {
            "step": self.step,
            "rows_read": self.rows_read,
            "would_load": self.would_load,
            "would_reject": self.would_reject,
            "groups": [{**asdict(group), "values": list(group.values)} for group in self.groups],
            "preview": [{name: _json_value(v) for name, v in row.items()} for row in self.preview],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TestRunReport:
        """The report `to_json` wrote."""
        return cls(
            step=data["step"],
            rows_read=data["rows_read"],
            would_load=data["would_load"],
            would_reject=data["would_reject"],
            groups=tuple(
                SampledRejectGroup(**{**group, "values": tuple(group.get("values", ()))})
                for group in data.get("groups", ())
            ),
            preview=tuple(dict(row) for row in data.get("preview", ())),
        )


def _json_value(value: Any) -> Any:
    # Preview values are already masked text or plain numbers; a NaN or an infinity is no JSON
    # number (PostgreSQL's JSONB refuses it), so it travels as its text like any other value.
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    return str(value)
