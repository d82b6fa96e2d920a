"""SQL that profiles a table inside the database: aggregates, value counts, nothing pulled out.

Every query here reads the table once. Column statistics come from one aggregate query over
all columns; value counts (top values, distinct counts, the smart sample) come from one
GROUPING SETS query where the engine has it, otherwise from one GROUP BY per column.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import types as sqltypes

from dialects.base import Dialect

#: GROUPING() takes at most 31 arguments on PostgreSQL; wider tables are profiled in chunks.
GROUPING_CHUNK = 31


class ColumnKind(StrEnum):
    """Which metrics make sense for a column."""

    TEXT = "text"  # empty-string count, lengths, min/max, value counts
    NUMBER = "number"  # zero count, min/max, value counts
    TEMPORAL = "temporal"  # min/max, value counts
    BOOLEAN = "boolean"  # value counts
    OTHER = "other"  # binary, JSON, arrays, spatial…: null count only


def holds_dates(column_type: sqltypes.TypeEngine) -> bool:
    """A date or datetime column (one where MariaDB/MySQL may keep zero dates)."""
    return isinstance(column_type, sqltypes.Date | sqltypes.DateTime)


def column_kind(column_type: sqltypes.TypeEngine) -> ColumnKind:
    """Classify a reflected SQLAlchemy type."""
    if isinstance(column_type, sqltypes.Boolean):
        return ColumnKind.BOOLEAN
    if isinstance(column_type, sqltypes.JSON | sqltypes.LargeBinary | sqltypes._Binary):
        return ColumnKind.OTHER
    if isinstance(column_type, sqltypes.String):
        return ColumnKind.TEXT
    if isinstance(column_type, sqltypes.Numeric | sqltypes.Integer):
        return ColumnKind.NUMBER
    if isinstance(column_type, sqltypes.Date | sqltypes.DateTime | sqltypes.Time):
        return ColumnKind.TEMPORAL
    return ColumnKind.OTHER


@dataclass(frozen=True, slots=True)
class ProfiledColumn:
    """A column as the query builders see it."""

    name: str
    kind: ColumnKind
    dated: bool = False  # a date or a datetime (not a time of day): it may hold zero dates

    @property
    def countable(self) -> bool:
        """Whether value counts (distinct, top values) are computed for it."""
        return self.kind is not ColumnKind.OTHER

    @property
    def orderable(self) -> bool:
        """Whether MIN/MAX are computed for it."""
        return self.kind in (ColumnKind.TEXT, ColumnKind.NUMBER, ColumnKind.TEMPORAL)


def aggregate_sql(
    dialect: Dialect, source: str, columns: list[ProfiledColumn], *, deep: bool
) -> str:
    """One row: `n` (rows), then per column i `nn_i` (non-null) and, when deep, `empty_i`,
    `zero_i`, `zerodate_i`, `min_i`, `max_i`, `avglen_i`, `maxlen_i` where they apply."""
    parts = ["COUNT(*) AS n"]
    for index, column in enumerate(columns):
        ref = dialect.quote(column.name)
        parts.append(f"COUNT({ref}) AS nn_{index}")
        if not deep:
            continue
        if column.kind is ColumnKind.TEXT:
            parts.append(f"COUNT(CASE WHEN {dialect.is_empty(ref)} THEN 1 END) AS empty_{index}")
            length = dialect.char_length(ref)
            parts.append(f"AVG({length}) AS avglen_{index}")
            parts.append(f"MAX({length}) AS maxlen_{index}")
        if column.kind is ColumnKind.NUMBER:
            parts.append(f"COUNT(CASE WHEN {ref} = 0 THEN 1 END) AS zero_{index}")
        zero_date = dialect.zero_date_predicate(ref) if column.dated else None
        if zero_date is not None:
            parts.append(f"COUNT(CASE WHEN {zero_date} THEN 1 END) AS zerodate_{index}")
        if column.orderable:
            parts.append(f"{dialect.as_text(f'MIN({ref})')} AS min_{index}")
            parts.append(f"{dialect.as_text(f'MAX({ref})')} AS max_{index}")
    return f"SELECT {', '.join(parts)} FROM {source}"


def grouping_sets_sql(
    dialect: Dialect, source: str, columns: list[ProfiledColumn], *, keep: int
) -> str:
    """Value counts of every column in one scan: rows (gid, val, cnt, ndistinct), the `keep`
    most frequent non-null values per column; `gid` identifies the column (see
    `grouping_index`)."""
    refs = [dialect.quote(column.name) for column in columns]
    sets = ", ".join(f"({ref})" for ref in refs)
    # Within the set of column i every other column is NULL, so COALESCE yields column i.
    value = f"COALESCE({', '.join(dialect.as_text(ref) for ref in refs)})"
    grouped = (
        f"SELECT GROUPING({', '.join(refs)}) AS gid, {value} AS val, COUNT(*) AS cnt "
        f"FROM {source} GROUP BY GROUPING SETS ({sets})"
    )
    ranked = (
        "SELECT gid, val, cnt, COUNT(*) OVER (PARTITION BY gid) AS ndistinct, "
        "ROW_NUMBER() OVER (PARTITION BY gid ORDER BY cnt DESC, val) AS rn "
        f"FROM ({grouped}) g WHERE val IS NOT NULL"
    )
    return f"SELECT gid, val, cnt, ndistinct FROM ({ranked}) r WHERE rn <= {int(keep)}"


def grouping_index(gid: int, column_count: int) -> int:
    """The position of the column whose grouping set produced `gid`.

    GROUPING(c0 … cN-1) sets bit (N-1-i) when ci is *not* grouped; in the set of column i
    every bit but its own is set.
    """
    missing = ((1 << column_count) - 1) ^ gid
    return column_count - missing.bit_length()


def column_counts_sql(dialect: Dialect, source: str, column: ProfiledColumn, *, keep: int) -> str:
    """Value counts of one column: rows (val, cnt, ndistinct), its `keep` most frequent values."""
    ref = dialect.quote(column.name)
    grouped = (
        f"SELECT {dialect.as_text(ref)} AS val, COUNT(*) AS cnt FROM {source} "
        f"WHERE {ref} IS NOT NULL GROUP BY {ref}"
    )
    ranked = (
        "SELECT val, cnt, COUNT(*) OVER () AS ndistinct, "
        "ROW_NUMBER() OVER (ORDER BY cnt DESC, val) AS rn "
        f"FROM ({grouped}) g"
    )
    return f"SELECT val, cnt, ndistinct FROM ({ranked}) r WHERE rn <= {int(keep)}"


def first_values_sql(dialect: Dialect, source: str, column: ProfiledColumn, *, keep: int) -> str:
    """The first `keep` values of a unique column in its own order (an index serves it)."""
    ref = dialect.quote(column.name)
    select = f"SELECT {dialect.as_text(ref)} AS val FROM {source} WHERE {ref} IS NOT NULL"
    return dialect.limit(f"{select} ORDER BY {ref}", keep)
