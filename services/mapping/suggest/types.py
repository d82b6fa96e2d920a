"""Column types by family, and how well a source family fits a target family."""

from __future__ import annotations

import functools
import re

_FAMILIES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("json", re.compile(r"json")),
    ("datetime", re.compile(r"datetime|timestamp")),
    ("date", re.compile(r"^date|\bdate\b")),
    ("time", re.compile(r"^time")),
    ("boolean", re.compile(r"^bool|^bit\b|tinyint\(1\)")),
    ("integer", re.compile(r"int|serial")),
    ("decimal", re.compile(r"dec|numeric|float|double|real|money|number")),
    ("text", re.compile(r"char|text|clob|string|varchar|nvarchar|enum|set|uuid")),
)
#: How well a value of one family (row) can go into a column of another (column): 1 fits,
#: 0 does not; text in the middle because it holds anything, if the values allow.
_FIT: dict[tuple[str, str], float] = {
    ("integer", "decimal"): 0.9,
    ("decimal", "integer"): 0.6,
    ("integer", "boolean"): 0.6,
    ("boolean", "integer"): 0.8,
    ("date", "datetime"): 0.9,
    ("datetime", "date"): 0.8,
    ("time", "datetime"): 0.6,
}


def type_family(type_name: str) -> str:
    """'varchar(13)' → 'text', 'DATETIME' → 'datetime', '' → 'unknown'."""
    lowered = (type_name or "").lower()
    for family, pattern in _FAMILIES:
        if pattern.search(lowered):
            return family
    return "unknown"


def type_length(type_name: str) -> int | None:
    """The declared length of a type: 'varchar(15)' → 15."""
    match = re.search(r"\((\d+)\)", type_name or "")
    return int(match.group(1)) if match else None


@functools.lru_cache(maxsize=4096)
def type_fit(source_type: str, target_type: str) -> float:
    """1 when a source value fits the target type as it is, lower when it needs converting."""
    source, target = type_family(source_type), type_family(target_type)
    if "unknown" in (source, target) or source == target:
        return 1.0
    if target == "text":
        return 0.85  # anything can be written as text
    if source == "text":
        return 0.7  # legacy text holds dates and numbers; the values decide
    return _FIT.get((source, target), 0.2)
