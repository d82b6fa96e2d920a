"""Checkpoints of a migration step, kept in the TARGET database.

A checkpoint is written by the same transaction that loads its batch: the batch and the note
"done up to key K" commit together or not at all, so a run killed at any moment resumes from
exactly the rows that are in the target — none lost, none loaded twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    MetaData,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
)

CHECKPOINT_TABLE = "his_migration_checkpoints"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """How far a step got: the source key of its last loaded row and the counts so far."""

    step: str
    last_key: tuple[Any, ...]
    rows_done: int
    batches_done: int
    updated_at: datetime
    state: dict[str, Any] = field(default_factory=dict)  # the step's own running totals


class CheckpointManager:
    """Saves, loads and clears the checkpoints of steps in one target schema."""

    def __init__(self, schema: str | None = None) -> None:
        self._table = Table(
            CHECKPOINT_TABLE,
            MetaData(schema=schema),
            Column("step", String(200), primary_key=True),
            Column("last_key", Text, nullable=False),  # JSON array of the key's values
            Column("rows_done", BigInteger, nullable=False),
            Column("batches_done", BigInteger, nullable=False),
            Column("updated_at", DateTime(timezone=True), nullable=False),
            Column("state", Text),  # JSON: counts and checksums so far, for reconciliation
        )

    def ensure_table(self, connection: Connection) -> None:
        """Create the checkpoint table in the target if it is not there yet."""
        self._table.create(connection, checkfirst=True)

    def save(
        self,
        connection: Connection,
        step: str,
        *,
        last_key: tuple[Any, ...],
        rows_done: int,
        batches_done: int,
        state: dict[str, Any] | None = None,
    ) -> Checkpoint:
        """Record progress inside the caller's transaction (the one that loaded the batch)."""
        checkpoint = Checkpoint(
            step, tuple(last_key), rows_done, batches_done, datetime.now(UTC), dict(state or {})
        )
        # Delete + insert: the same upsert on every engine, atomic inside the transaction.
        connection.execute(delete(self._table).where(self._table.c.step == step))
        connection.execute(
            insert(self._table).values(
                step=step,
                last_key=json.dumps(list(checkpoint.last_key), default=str, ensure_ascii=False),
                rows_done=rows_done,
                batches_done=batches_done,
                updated_at=checkpoint.updated_at,
                state=json.dumps(checkpoint.state, default=str, ensure_ascii=False),
            )
        )
        return checkpoint

    def load(self, connection: Connection, step: str) -> Checkpoint | None:
        """The step's last committed checkpoint, or None when it has none (start afresh)."""
        if not self._table_exists(connection):
            return None
        row = (
            connection.execute(select(self._table).where(self._table.c.step == step))
            .mappings()
            .first()
        )
        if row is None:
            return None
        updated_at = row["updated_at"]
        if updated_at.tzinfo is None:  # SQLite and MariaDB keep no zone; we wrote UTC
            updated_at = updated_at.replace(tzinfo=UTC)
        return Checkpoint(
            step=row["step"],
            last_key=tuple(json.loads(row["last_key"])),
            rows_done=int(row["rows_done"]),
            batches_done=int(row["batches_done"]),
            updated_at=updated_at,
            state=json.loads(row["state"]) if row["state"] else {},
        )

    def clear(self, connection: Connection, step: str) -> None:
        """Forget the step's checkpoint (a finished run, or a fresh start)."""
        if self._table_exists(connection):
            connection.execute(delete(self._table).where(self._table.c.step == step))

    def _table_exists(self, connection: Connection) -> bool:
        return connection.dialect.has_table(connection, CHECKPOINT_TABLE, schema=self._table.schema)
