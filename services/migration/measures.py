"""Which measure each target column gets, from its type and its engine (`ColumnMeasure`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Float, Integer, Numeric
from sqlalchemy.types import TypeEngine

from dialects.base import Dialect
from dialects.column_types import PortableType
from models.migration_run import ColumnMeasure

M = ColumnMeasure
_BY_KIND = {
    "boolean": M.BOOLEAN,
    "date": M.DATE,
    "binary": M.BYTES,
    "json": M.JSON,
    "uuid": M.UUID,
}


def measures_for(
    columns: Mapping[str, TypeEngine[Any]], dialect: Dialect
) -> dict[str, ColumnMeasure]:
    """The measure of each column, chosen by the TARGET column's type and engine.

    Integers and exact decimals are summed (the strongest check of a number); dates and times
    summed as days or microseconds; any other type fingerprinted (ColumnMeasure), or only
    counted where the engine cannot render it identically (left out of its `checksum_sql`:
    floats on MariaDB and SQL Server, MySQL 8's JSON), and XML, which servers rewrite.
    """
    return {name: _measure_of(kind, dialect) for name, kind in columns.items()}


def _measure_of(kind: TypeEngine[Any], dialect: Dialect) -> ColumnMeasure:
    if isinstance(kind, Integer) or (isinstance(kind, Numeric) and not isinstance(kind, Float)):
        return M.SUM
    measure = dialect.checksum_measure(kind) or _by_portable(dialect.portable_type(kind), kind)
    return measure if dialect.checksum_aggregates(measure, "c") is not None else M.COUNT


def _by_portable(portable: PortableType, kind: TypeEngine[Any]) -> ColumnMeasure:
    if getattr(kind, "__visit_name__", "") == "XML":
        return M.COUNT
    if portable.kind in ("string", "text"):  # enums and sets are their labels
        return M.CHAR if portable.fixed else M.TEXT
    if portable.kind == "float":
        return M.REAL if portable.precision == 24 else M.FLOAT
    if portable.kind == "time":
        return M.COUNT if portable.timezone else M.TIME  # TIME WITH TIME ZONE: no instant
    if portable.kind == "duration":
        return M.TIME  # MySQL's TIME: microseconds, past 24 h and negative alike
    if portable.kind == "datetime":
        return M.INSTANT if portable.timezone else M.DATETIME
    return _BY_KIND.get(portable.kind, M.COUNT)  # intervals, YEAR, BIT, engine-only types
