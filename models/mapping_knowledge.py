"""What saved mapping configs taught the suggester: pairs confirmed or rejected, and offers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from models.common import new_id, utc_now


def name_key(name: str) -> str:
    """How a table or column name is compared: case-insensitively (`HN` and `hn` are one column).

    Every side compares through this one function (store keys, lookups, offer checks), so they
    cannot disagree about which names are the same.
    """
    return name.lower()


@dataclass(frozen=True, slots=True)
class ColumnPair:
    """A source column and the target column it goes to, each with its table, as written."""

    source_table: str
    source_column: str
    target_table: str
    target_column: str

    def key(self) -> tuple[str, str, str, str]:
        """The pair as compared: every name through `name_key`."""
        return (
            name_key(self.source_table),
            name_key(self.source_column),
            name_key(self.target_table),
            name_key(self.target_column),
        )

    def names(self) -> dict[str, str]:
        """The four names as written, by field (how the store's rows hold them)."""
        return {
            "source_table": self.source_table,
            "source_column": self.source_column,
            "target_table": self.target_table,
            "target_column": self.target_column,
        }

    def keys(self) -> dict[str, str]:
        """The four compared names, by the store's key columns (`source_table_key`…)."""
        return {f"{field}_key": key for field, key in zip(self.names(), self.key(), strict=True)}


@dataclass(slots=True)
class KnownPair:
    """A column pair the hospital's saved configs confirmed, or its offers the users rejected.

    Attributes:
        transformers: What the latest confirming config applies on the way, as the config
            has it: `[{"name": ..., "params": {...}}]`.
        config_name: The latest config that confirmed the pair (None: only ever rejected).
        config_version: That config's version which confirmed it.
        confirmed: How many saved config versions map the source column to the target column.
        rejected: How many times the suggester offered the pair and the user saved otherwise.
    """

    source_table: str
    source_column: str
    target_table: str
    target_column: str
    transformers: list[dict[str, Any]] = field(default_factory=list)
    config_name: str | None = None
    config_version: int | None = None
    confirmed: int = 0
    rejected: int = 0
    id: uuid.UUID = field(default_factory=new_id)
    updated_at: datetime = field(default_factory=utc_now)

    def pair(self) -> ColumnPair:
        """The source and target columns, without what is known about them."""
        return ColumnPair(
            self.source_table, self.source_column, self.target_table, self.target_column
        )


@dataclass(slots=True)
class OfferedPair:
    """What the suggester last offered for one source column; `target_column` None: "no match"."""

    source_table: str
    source_column: str
    target_table: str
    target_column: str | None
    id: uuid.UUID = field(default_factory=new_id)
    offered_at: datetime = field(default_factory=utc_now)
