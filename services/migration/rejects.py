"""The reject table: one row per failing check of a row a step kept out of the target.

It lives in the TARGET database beside the checkpoints and is written by the batch's own
transaction, so a resumed run neither loses nor repeats a rejected row. The source key is
kept in clear (the target holds the hospital's rows anyway): it is what a replay reads again.
A reject is outstanding until a replay or a fresh run of its step closes it (`resolution`).
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Identity,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    distinct,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.engine import Dialect as SQLDialect
from sqlalchemy.schema import CreateColumn
from sqlalchemy.sql import ColumnElement

from dialects.base import Dialect
from models.migration_run import RejectedRow
from services.migration.reject_format import decode_key, describe_key, encode_key

REJECT_TABLE = "his_migration_rejects"
#: The entry of a step's checkpoint state that marks it as a replay's (and holds its bounds):
#: a replay and a run of one step share the checkpoint, so neither starts over the other.
REPLAY = "replay"


class Resolution:
    """How an outstanding reject was closed (the `resolution` column)."""

    LOADED = "loaded"  # a replay loaded the row
    REJECTED_AGAIN = "rejected again"  # a replay filed it again (a new reject, the replay's)
    NOT_IN_SOURCE = "not in source"  # a replay found no source row with the key any more
    SUPERSEDED = "superseded"  # a fresh run of the step read every row again


class RejectStore:
    """Creates, writes and reads the reject table of one target schema."""

    def __init__(self, dialect: Dialect, schema: str | None = None) -> None:
        self.dialect = dialect
        self.table = Table(
            REJECT_TABLE,
            MetaData(schema=schema),
            Column("id", dialect.row_id_type(), Identity(), primary_key=True),
            Column("step", String(200), nullable=False, index=True),
            Column("run_id", String(36), nullable=False),
            Column("source_key", Text, nullable=False),  # JSON array of the key's values, clear
            Column("column_name", String(200)),
            Column("value", Text),  # masked when the column holds an identifier
            Column("reason", Text, nullable=False),
            Column("stage", String(20), nullable=False),
            Column("rejected_at", DateTime(timezone=True), nullable=False),
            # Since the references: NULL in the rows an older version wrote (whose keys may be
            # masked), which is how a replay knows to leave them alone.
            Column("batch_number", BigInteger),  # the batch of its run, 1 for the first
            Column("batch_row", Integer),  # its row in that batch, 1 for the first
            Column("key_columns", Text),  # JSON array of the source key's column names
            Column("resolution", String(20)),  # NULL while outstanding
            Column("resolved_by", String(36)),  # the run that closed it
            Column("resolved_at", DateTime(timezone=True)),
        )

    def ensure_table(self, connection: Connection) -> None:
        """Create the reject table if the target has none yet, or add the columns an older
        version's table lacks (all nullable: its rows stay as they are, and stay listed)."""
        self.table.create(connection, checkfirst=True)
        existing = inspect(connection).get_columns(REJECT_TABLE, schema=self.table.schema)
        present = {column["name"].lower() for column in existing}
        for statement in self.upgrade_sql(connection.dialect, present):
            connection.exec_driver_sql(statement)

    def upgrade_sql(self, engine: SQLDialect, present: set[str]) -> list[str]:
        """ALTER TABLE statements adding the columns an existing table lacks (`present`: the
        lower-case names it has), in the engine's SQL."""
        target = self.dialect.qualified(REJECT_TABLE, self.table.schema)
        return [
            # ADD without COLUMN: the one spelling PostgreSQL, MariaDB, SQLite and T-SQL share.
            f"ALTER TABLE {target} ADD {CreateColumn(column).compile(dialect=engine)}"
            for column in self.table.columns
            if column.name not in present
        ]

    def add(
        self, connection: Connection, step: str, run_id: uuid.UUID, rows: Sequence[RejectedRow]
    ) -> list[RejectedRow]:
        """Write the rejects of ONE batch inside the caller's transaction; returns them with
        their ids and run (the ids read back: the same on every engine, RETURNING or not)."""
        if not rows:
            return []
        c = self.table.c
        # Ids only grow: the batch's rows are those after the newest one before them (one
        # step of the primary key, however large the table).
        before = connection.execute(select(func.max(c.id))).scalar() or 0
        now = datetime.now(UTC)
        connection.execute(
            insert(self.table),
            [
                {
                    "step": step,
                    "run_id": str(run_id),
                    "source_key": encode_key(row.key),
                    "column_name": row.column,
                    "value": row.value,
                    "reason": row.reason,
                    "stage": row.stage,
                    "rejected_at": now,
                    "batch_number": row.batch,
                    "batch_row": row.row,
                    "key_columns": json.dumps(list(row.key_columns), ensure_ascii=False),
                }
                for row in rows
            ],
        )
        # Only the ids come back, in insertion order: reading back every row (and decoding and
        # masking its key again) cost about a sixth of a run with 10 % bad rows.
        query = (
            select(c.id)
            .where(c.id > before, c.step == step, c.run_id == str(run_id))
            .order_by(c.id)
        )
        ids = list(connection.execute(query).scalars())
        if len(ids) != len(rows):  # another writer in between: the rows as they are stored
            query = select(self.table).where(c.id.in_(ids)).order_by(c.id)
            return [self.reject_of(row) for row in connection.execute(query).mappings()]
        return [
            dataclasses.replace(row, reject_id=int(id_), run_id=str(run_id), rejected_at=now)
            for row, id_ in zip(rows, ids, strict=True)
        ]

    def supersede(self, connection: Connection, step: str, run_id: uuid.UUID) -> int:
        """Close every outstanding reject of `step` filed by another run: a fresh run reads
        every source row again, so what an earlier run set aside is its to load or reject."""
        c = self.table.c
        outstanding = self.outstanding(step) & (c.run_id != str(run_id))
        return self._close(connection, outstanding, Resolution.SUPERSEDED, run_id)

    def resolve(
        self, connection: Connection, ids: Sequence[int], resolution: str, run_id: uuid.UUID
    ) -> int:
        """Close the outstanding rejects `ids` (inside the caller's transaction); returns how
        many were still outstanding."""
        if not ids:
            return 0
        condition = self.table.c.id.in_(ids) & self.table.c.resolution.is_(None)
        return self._close(connection, condition, resolution, run_id)

    def close_keys(
        self,
        connection: Connection,
        condition: ColumnElement[bool],
        outcomes: Mapping[str, str],
        run_id: uuid.UUID,
    ) -> bool:
        """Close every reject matching `condition` whose stored key is one of `outcomes`, with
        that key's resolution, inside the caller's transaction; False when some were closed by
        another transaction first (the caller rolls back)."""
        c = self.table.c
        found = connection.execute(
            select(c.id, c.source_key).where(condition, c.source_key.in_(list(outcomes)))
        ).all()
        closed = 0
        for resolution in set(outcomes.values()):
            ids = [reject_id for reject_id, key in found if outcomes[key] == resolution]
            closed += self.resolve(connection, ids, resolution, run_id)
        return closed == len(found)

    def _close(
        self, connection: Connection, condition: ColumnElement[bool], resolution: str, run: Any
    ) -> int:
        values = {
            "resolution": resolution,
            "resolved_by": str(run),
            "resolved_at": datetime.now(UTC),
        }
        return connection.execute(update(self.table).where(condition).values(values)).rowcount

    # --- reading ------------------------------------------------------------------------------

    def outstanding(self, step: str) -> ColumnElement[bool]:
        """The condition "an outstanding reject of `step`"."""
        return (self.table.c.step == step) & self.table.c.resolution.is_(None)

    def replayable(self, step: str, upto: int, key_columns: str) -> ColumnElement[bool]:
        """The outstanding rejects of `step` a replay takes: filed up to reject `upto`, under
        the key `key_columns` (JSON, as stored); an older version's rows have no key columns."""
        c = self.table.c
        return self.outstanding(step) & (c.id <= upto) & (c.key_columns == key_columns)

    def selection(self, step: str, run_id: str | None) -> ColumnElement[bool]:
        """The rejects a person asks for: those `run_id` filed, else the outstanding ones."""
        if run_id is None:
            return self.outstanding(step)
        return (self.table.c.step == step) & (self.table.c.run_id == run_id)

    def next_keys(
        self, connection: Connection, condition: ColumnElement[bool], size: int
    ) -> tuple[int, list[str]]:
        """The stored keys of the first `size` rejects matching `condition` (each key once),
        oldest first, and the id of the last of those rejects (0 when there is none)."""
        c = self.table.c
        found = connection.execute(
            select(c.id, c.source_key).where(condition).order_by(c.id).limit(size)
        ).all()
        last = int(found[-1][0]) if found else 0
        return last, list(dict.fromkeys(key for _, key in found))

    def exists(self, connection: Connection) -> bool:
        """Whether the target has a reject table at all (nothing was ever rejected there)."""
        return connection.dialect.has_table(connection, REJECT_TABLE, schema=self.table.schema)

    def rows(
        self,
        connection: Connection,
        condition: ColumnElement[bool],
        limit: int | None = None,
        offset: int = 0,
    ) -> Iterator[RejectedRow]:
        """The rejects matching `condition`, oldest first from the `offset`-th, as they stream."""
        query = select(self.table).where(condition).order_by(self.table.c.id)
        if limit is not None:
            query = query.limit(limit)
        if offset:
            query = query.offset(offset)
        result = connection.execution_options(yield_per=1000).execute(query)
        for row in result.mappings():
            yield self.reject_of(row)

    def counts(
        self, connection: Connection, condition: ColumnElement[bool]
    ) -> list[tuple[str | None, str, str, int]]:
        """(column, stage, reason, rejects) of the rejects matching `condition`, most first."""
        c = self.table.c
        rows = connection.execute(
            select(c.column_name, c.stage, c.reason, func.count())
            .where(condition)
            .group_by(c.column_name, c.stage, c.reason)
        ).all()
        groups = [(column, stage, reason, int(count)) for column, stage, reason, count in rows]
        return sorted(groups, key=lambda group: (-group[3], group[0] or "", group[1], group[2]))

    def totals(self, connection: Connection, condition: ColumnElement[bool]) -> tuple[int, int]:
        """(rejects, distinct source keys) matching `condition`."""
        c = self.table.c
        rejects, keys = connection.execute(
            select(func.count(), func.count(distinct(c.source_key))).where(condition)
        ).one()
        return int(rejects), int(keys)

    def reject_of(self, row: Mapping[str, Any]) -> RejectedRow:
        """One row of the table as a RejectedRow (the key decoded, described for display)."""
        key = decode_key(row["source_key"])
        columns = tuple(json.loads(row["key_columns"])) if row["key_columns"] else ()
        masked, identifier = describe_key(columns, key)
        return RejectedRow(
            key=key,
            column=row["column_name"],
            value=row["value"],
            reason=row["reason"],
            stage=row["stage"],
            batch=row["batch_number"],
            row=row["batch_row"],
            key_columns=columns,
            masked_key=masked,
            key_is_identifier=identifier,
            reject_id=int(row["id"]),
            run_id=row["run_id"],
            rejected_at=_utc(row["rejected_at"]),
            resolution=row["resolution"],
            resolved_by=row["resolved_by"],
        )


def _utc(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:  # SQLite and MariaDB keep no zone
        return moment.replace(tzinfo=UTC)
    return moment
