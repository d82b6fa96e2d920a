"""The reject table: rows a quarantining step kept out of the target, with their key and reason.

It lives in the TARGET database beside the checkpoints and is written by the batch's own
transaction, so a resumed run neither loses nor repeats a rejected row.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Identity,
    MetaData,
    String,
    Table,
    Text,
    insert,
)

from dialects.base import Dialect
from models.migration_run import RejectedRow

REJECT_TABLE = "his_migration_rejects"


class RejectStore:
    """Creates, writes and reads the reject table of one target schema."""

    def __init__(self, dialect: Dialect, schema: str | None = None) -> None:
        self.table = Table(
            REJECT_TABLE,
            MetaData(schema=schema),
            Column("id", dialect.row_id_type(), Identity(), primary_key=True),
            Column("step", String(200), nullable=False, index=True),
            Column("run_id", String(36), nullable=False),
            Column("source_key", Text, nullable=False),  # JSON array of the key's values
            Column("column_name", String(200)),
            Column("value", Text),  # masked when the column holds an identifier
            Column("reason", Text, nullable=False),
            Column("stage", String(20), nullable=False),
            Column("rejected_at", DateTime(timezone=True), nullable=False),
        )

    def ensure_table(self, connection: Connection) -> None:
        """Create the reject table if the target has none yet."""
        self.table.create(connection, checkfirst=True)

    def add(
        self, connection: Connection, step: str, run_id: uuid.UUID, rows: Sequence[RejectedRow]
    ) -> int:
        """Write `rows` inside the caller's transaction; returns how many."""
        if not rows:
            return 0
        now = datetime.now(UTC)
        connection.execute(
            insert(self.table),
            [
                {
                    "step": step,
                    "run_id": str(run_id),
                    "source_key": json.dumps(list(row.key), default=str, ensure_ascii=False),
                    "column_name": row.column,
                    "value": row.value if row.value is None else str(row.value),
                    "reason": row.reason,
                    "stage": row.stage,
                    "rejected_at": now,
                }
                for row in rows
            ],
        )
        return len(rows)
