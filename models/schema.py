"""What live schema discovery reports about a database."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ColumnInfo:
    """One column: its name, type as the engine spells it, nullability, default, key."""

    name: str
    type: str
    nullable: bool
    default: str | None = None
    primary_key: bool = False


@dataclass(frozen=True, slots=True)
class IndexInfo:
    """One index (primary keys are reported separately, as ColumnInfo.primary_key)."""

    name: str | None
    columns: tuple[str, ...]
    unique: bool


@dataclass(frozen=True, slots=True)
class ForeignKeyInfo:
    """One foreign key from this table's columns to another table's columns."""

    name: str | None
    columns: tuple[str, ...]
    referred_table: str
    referred_columns: tuple[str, ...]
    referred_schema: str | None = None


@dataclass(frozen=True, slots=True)
class TableInfo:
    """A table with its estimated row count (engine statistics, not an exact count)."""

    name: str
    schema: str | None
    row_estimate: int | None = None


@dataclass(frozen=True, slots=True)
class TableDetail:
    """Full structure of one table."""

    name: str
    schema: str | None
    columns: tuple[ColumnInfo, ...]
    primary_key: tuple[str, ...] = ()
    indexes: tuple[IndexInfo, ...] = field(default_factory=tuple)
    foreign_keys: tuple[ForeignKeyInfo, ...] = field(default_factory=tuple)
