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

from data_transformers.registry import run_transformer
from models.migration_config import MigrationConfig
from models.migration_run import RejectedRow
from services.errors import InvalidConfig
from services.migration.reader import column_index
from services.privacy import mask_value, phi_kind, scrub_cids
from validators.registry import run_validator
from validators.report import collect

#: How much of a rejected value the reject table keeps.
MAX_VALUE_CHARS = 200


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
            outcome = run_transformer(call.name, values, call.params)
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
            [run_validator(call.name, checked, call.params) for call in item.validators]
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
    problem: RowProblem, key: tuple[Any, ...], key_columns: Sequence[str]
) -> RejectedRow:
    """A problem as stored in the reject table: identifiers masked, CIDs scrubbed everywhere."""
    return RejectedRow(
        key=tuple(
            masked_value(column, value) for column, value in zip(key_columns, key, strict=False)
        ),
        column=problem.column,
        value=None if problem.value is None else masked_value(problem.column or "", problem.value),
        reason=scrub_cids(str(problem.reason))[:500],
        stage=problem.stage,
    )


def rejected_rows(
    processed: ProcessedBatch, problems: Sequence[RowProblem], key_columns: Sequence[str]
) -> list[RejectedRow]:
    """The problems of a batch as reject-table rows, in row order."""
    return [
        rejected_row(problem, processed.keys[problem.position], key_columns)
        for problem in sorted(problems, key=lambda problem: problem.position)
    ]


def masked_value(column: str, value: Any) -> Any:
    """`value` as it may be shown or stored: identifiers masked, CIDs scrubbed, text cut short."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    kind = phi_kind(column, [text])
    if kind is None and isinstance(value, int | float):
        return value
    masked = mask_value(kind, text) if kind else text
    return scrub_cids(masked)[:MAX_VALUE_CHARS]


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
