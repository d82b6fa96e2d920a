"""A test run as a person reads it: the counts, the would-be rejects grouped by column, stage
and reason with a few distinct failing values each, and the first transformed rows.

Rejects are counted as they stream by and each group keeps at most `SAMPLE_VALUES` values, so
the report stays small however many rows fail.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from models.migration_run import MigrationResult, RejectedRow
from models.test_run import SAMPLE_VALUES, SampledRejectGroup, TestRunReport


def summarize_test_run(result: MigrationResult, show: int | None = None) -> TestRunReport:
    """The report of a test run's result; `show` caps the preview rows (None: all it has)."""
    preview = result.preview if show is None else result.preview[: max(show, 0)]
    return TestRunReport(
        step=result.step,
        rows_read=result.rows_read,
        would_load=result.rows_loaded,
        would_reject=result.rows_rejected,
        groups=tuple(group_rejects(result.rejects)),
        preview=tuple(preview),
    )


def group_rejects(
    rejects: Iterable[RejectedRow], samples: int = SAMPLE_VALUES
) -> list[SampledRejectGroup]:
    """`rejects` by column, stage and reason — most rejects first — each with up to `samples`
    distinct failing values as the rejects hold them (already masked when identifiers)."""
    tallies: dict[tuple[str | None, str, str], _Tally] = {}
    for reject in rejects:
        group = (reject.column, reject.stage, general_reason(reject.reason, reject.value))
        tally = tallies.get(group)
        if tally is None:
            tally = tallies[group] = _Tally(first=reject.reference)
        tally.add(reject.value, samples)
    groups = [
        SampledRejectGroup(
            column=column,
            stage=stage,
            reason=reason,
            rejects=tally.count,
            values=tuple(tally.values),
            more_values=tally.more,
            first=tally.first,
        )
        for (column, stage, reason), tally in tallies.items()
    ]
    return sorted(groups, key=lambda g: (-g.rejects, g.column or "", g.stage, g.reason))


def general_reason(reason: str, value: str | None) -> str:
    """`reason` without the failing value it quotes: "BUDDHIST_TO_ISO: not a date: '2566-02-30'"
    becomes "BUDDHIST_TO_ISO: not a date", and an engine's "Duplicate entry '7' for key 'id'"
    becomes "Duplicate entry '…' for key 'id'", so rows failing the same way group together."""
    if value is None:
        return reason
    quoted = f"'{value}'"
    if reason.endswith(f": {quoted}"):  # transformers append the value they refused
        return reason[: -len(quoted) - 2]
    return reason.replace(quoted, "'…'", 1)


@dataclass(slots=True)
class _Tally:
    first: str  # the reference of the group's first reject
    count: int = 0
    values: list[str | None] = field(default_factory=list)
    more: bool = False

    def add(self, value: str | None, samples: int) -> None:
        self.count += 1
        if value in self.values:
            return
        if len(self.values) < samples:
            self.values.append(value)
        else:
            self.more = True
