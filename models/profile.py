"""What profiling a datasource finds: per table and per column statistics."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from models.common import utc_now


class ProfileMode(StrEnum):
    """How much work a profile does."""

    BASIC = "basic"  # row counts, sizes, column types and null counts only
    DEEP = "deep"  # every column metric, top-5 values and a smart sample


@dataclass(frozen=True, slots=True)
class ValueCount:
    """One of a column's most frequent values and how often it occurs."""

    value: str
    count: int


@dataclass(slots=True)
class ColumnProfile:
    """Statistics of one column. Counts are over the rows profiled (`TableProfile.rows_profiled`).

    Metrics a mode or a type does not compute are None (e.g. `empty_count` of an integer
    column, everything but `null_count` in basic mode).
    """

    name: str
    data_type: str
    position: int
    nullable: bool = True
    primary_key: bool = False
    null_count: int | None = None
    empty_count: int | None = None
    zero_count: int | None = None
    #: Zero dates ('0000-00-00'): date and datetime columns of engines that hold them.
    zero_dates: int | None = None
    distinct_count: int | None = None
    min_value: str | None = None
    max_value: str | None = None
    avg_length: float | None = None
    max_length: int | None = None
    top_values: list[ValueCount] = field(default_factory=list)
    sample_values: list[str] = field(default_factory=list)
    #: Set when sample/top values were masked: which kind of identifier the column holds.
    phi_kind: str | None = None
    masked: bool = False


@dataclass(slots=True)
class TableProfile:
    """One table: size, row count and its columns' statistics."""

    name: str
    schema: str | None
    row_count: int
    size_mb: float | None
    columns: list[ColumnProfile] = field(default_factory=list)
    #: Rows the column statistics were computed on (= row_count unless `sampled`).
    rows_profiled: int = 0
    sampled: bool = False
    sample_percent: float | None = None
    elapsed_seconds: float = 0.0
    #: One-line reason when the table could not be profiled (the run goes on with the rest).
    error: str | None = None

    @property
    def column_count(self) -> int:
        """How many columns the table has."""
        return len(self.columns)


@dataclass(slots=True)
class DatabaseProfile:
    """A whole profiling run of one datasource."""

    datasource: str
    db_type: str
    server_version: str
    mode: ProfileMode
    tables: list[TableProfile] = field(default_factory=list)
    #: True once identifiers in sample and top values have been masked (`mask_profile`).
    masked: bool = False
    started_at: datetime = field(default_factory=utc_now)
    finished_at: datetime | None = None
