"""One batch through the mapping: transformers, then validators, then good rows apart from bad.

A batch arrives as an Arrow record batch of source columns and leaves as one of target columns.
Only the columns that have transformers or validators become Python/pandas values; the others
pass through as Arrow arrays, untouched (so a nullable integer is never turned into a float).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa

from models.migration_config import MigrationConfig
from models.migration_run import RejectedRow
from services.errors import InvalidConfig
from services.migration import plugin_calls
from services.migration.reader import column_index
from services.migration.reject_format import describe_key, masked_value
from services.privacy import scrub_cids
from validators.report import collect


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why one row of a batch cannot be loaded."""

    position: int
    column: str | None
    value: Any
    reason: str
    stage: str  # "transform", "validate" or "load"


@dataclass(slots=True)
class ProcessedBatch:
    """A batch after the mapping: target-column rows, and the problems of the rows that failed."""

    batch: pa.RecordBatch  # every row, target columns (failed rows included)
    keys: list[tuple[Any, ...]]  # the source key of every row, in order
    problems: list[RowProblem] = field(default_factory=list)
    #: "column: TRANSFORMER" -> positions of the values it replaced by a declared conversion.
    converted: dict[str, list[int]] = field(default_factory=dict)

    @property
    def clean_positions(self) -> list[int]:
        """Rows without any problem, in order: the ones to load."""
        failed = {problem.position for problem in self.problems}
        return [position for position in range(self.batch.num_rows) if position not in failed]

    def conversions_in(self, loaded: Sequence[int]) -> dict[str, int]:
        """How many values of the rows at `loaded` each conversion replaced (none left out)."""
        rows = set(loaded)
        counts = {
            name: sum(p in rows for p in positions) for name, positions in self.converted.items()
        }
        return {name: count for name, count in counts.items() if count}


class BatchProcessor:
    """Applies one config's mappings to batches of its source query."""

    def __init__(self, config: MigrationConfig, key: Sequence[str]) -> None:
        self._config = config
        self._key = tuple(key)
        self._items = config.mapped_items()
        self.target_columns = config.target_columns()

    def process(self, batch: pa.RecordBatch) -> ProcessedBatch:
        """Transform and validate `batch`; nothing is dropped, failures are listed."""
        names = batch.schema.names
        keys = self._keys_of(batch, names)
        arrays: list[pa.Array] = []
        problems: list[RowProblem] = []
        converted: dict[str, list[int]] = {}
        for item in self._items:
            target = str(item.target)
            if item.source:
                source = _source_column(item.source, target, names)
                array = batch.column(names.index(source))
            else:
                array = pa.array([item.default] * batch.num_rows)
            if item.transformers or item.validators or (item.source and item.default is not None):
                array = self._apply(item, target, array, problems, converted)
            arrays.append(array)
        problems.sort(key=lambda problem: problem.position)
        return ProcessedBatch(
            pa.RecordBatch.from_arrays(arrays, self.target_columns), keys, problems, converted
        )

    def _apply(
        self,
        item: Any,
        target: str,
        array: pa.Array,
        problems: list[RowProblem],
        converted: dict[str, list[int]],
    ) -> pa.Array:
        original = as_series(array, target)
        values = original
        for call in item.transformers:
            outcome = plugin_calls.transform(call.name, values, call.params)
            for position in _positions(outcome.failed):
                problems.append(
                    RowProblem(
                        position,
                        target,
                        original.iloc[position],
                        f"{call.name}: {outcome.reasons.iloc[position]}",
                        "transform",
                    )
                )
            if outcome.conversion_count:
                converted[f"{target}: {call.name}"] = _positions(outcome.converted)
            values = outcome.values
        if item.default is not None:  # a NULL (after the transformers) takes the default
            values = values.astype(object).where(values.notna(), item.default)
        checked = values.rename(target)
        report = collect(
            [plugin_calls.check(call.name, checked, call.params) for call in item.validators]
        )
        problems.extend(
            RowProblem(
                failure.position,
                target,
                values.iloc[failure.position],
                f"{failure.validator}: {failure.reason}",
                "validate",
            )
            for failure in report.failures
        )
        changed = item.transformers or item.default is not None
        return series_to_arrow(values) if changed else array

    def _keys_of(self, batch: pa.RecordBatch, names: list[str]) -> list[tuple[Any, ...]]:
        if not self._key:
            return [()] * batch.num_rows
        columns = [batch.column(column_index(names, column)).to_pylist() for column in self._key]
        return list(zip(*columns, strict=True))


def rejected_row(
    problem: RowProblem,
    key: tuple[Any, ...],
    key_columns: Sequence[str],
    *,
    batch: int | None = None,
) -> RejectedRow:
    """A problem as the reject table keeps it: the source key in clear (with how it may be
    shown), the value masked when it is an identifier, CIDs scrubbed from the reason; `batch`
    is the batch's number in its run, and the row's number in it is its position + 1."""
    masked_key, identifier = describe_key(key_columns, key)
    reason = str(problem.reason)
    value = None if _missing(problem.value) else masked_value(problem.column or "", problem.value)
    if value is not None and str(value) != str(problem.value) and len(str(problem.value)) > 3:
        # Transformers and engines quote the value they refused: an identifier's goes masked.
        reason = reason.replace(str(problem.value), str(value))
    return RejectedRow(
        key=tuple(key),
        column=problem.column,
        value=None if value is None else str(value),
        reason=scrub_cids(reason)[:500],
        stage=problem.stage,
        batch=batch,
        row=problem.position + 1,
        key_columns=tuple(key_columns),
        masked_key=masked_key,
        key_is_identifier=identifier,
    )


def rejected_rows(
    processed: ProcessedBatch,
    problems: Sequence[RowProblem],
    key_columns: Sequence[str],
    *,
    batch: int | None = None,
) -> list[RejectedRow]:
    """The problems of a batch as reject-table rows — one per failing check — in row order."""
    return [
        rejected_row(problem, processed.keys[problem.position], key_columns, batch=batch)
        for problem in sorted(problems, key=lambda problem: problem.position)
    ]


def as_series(array: pa.Array, name: str) -> pd.Series:
    """A column as the pandas Series transformers take.

    Text stays Arrow-backed (no Python string per value: the transformers' `str` methods run
    in Arrow); any other type becomes Python objects, so a NULL in an integer column stays
    None instead of turning the column into floats.
    """
    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        return pd.Series(array.to_pandas(), name=name)
    return pd.Series(array.to_pylist(), dtype=object, name=name)


def series_to_arrow(values: pd.Series) -> pa.Array:
    """A transformer's output as Arrow; NaN/NA/NaT become NULL, mixed values become text."""
    try:
        return pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        cleaned = [None if _missing(value) else str(value) for value in values.tolist()]
        return pa.array(cleaned, pa.string())


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _positions(failed: pd.Series) -> list[int]:
    return [int(position) for position in failed.to_numpy(dtype=bool).nonzero()[0]]


def _source_column(source: str, target: str, names: list[str]) -> str:
    # A plain column keeps its name in the SELECT; an expression is aliased as its target.
    for wanted in (source, target):
        if wanted in names:
            return wanted
    lowered = {name.lower(): name for name in names}
    for wanted in (source, target):
        if wanted.lower() in lowered:
            return lowered[wanted.lower()]
    raise InvalidConfig(
        f"The source query returns no column {source!r} (it returns {', '.join(names)}).",
        field="mappings",
    )
