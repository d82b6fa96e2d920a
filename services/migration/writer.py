"""Writes one batch to the target by its fastest path, and finds the bad rows of a failed load.

A target that loads bytes faster than rows gets the batch encoded by its dialect
(`encode_batch`, PostgreSQL's COPY text from Arrow) and loaded by `load_encoded`; the others
(MariaDB LOAD DATA, MSSQL fast_executemany, SQLite executemany) get Python rows through the
dialect's `bulk_load`; upserts go through the dialect's `upsert`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection

from dialects.base import Dialect
from models.migration_config import LoadMode, MigrationConfig
from services.migration.processor import RowProblem
from services.migration.reader import column_index
from services.migration.reject_format import masked_value
from services.privacy import scrub_cids
from utils.text import first_line


def arrow_rows(batch: pa.RecordBatch) -> Iterator[tuple[Any, ...]]:
    """The batch's rows as tuples of Python values (dates, times and Decimals kept)."""
    return zip(*(column.to_pylist() for column in batch.columns), strict=True)


def encode_for(dialect: Dialect, config: MigrationConfig, batch: pa.RecordBatch) -> bytes | None:
    """The batch encoded for the target's `load_encoded` when it loads that way, else None.

    Done ahead, on the thread that transforms the next batches, so the loading thread only
    sends bytes. An upsert sends rows.
    """
    if config.load_mode is LoadMode.UPSERT:
        return None
    return dialect.encode_batch(batch)


def write_batch(
    connection: Connection,
    dialect: Dialect,
    config: MigrationConfig,
    schema: str | None,
    batch: pa.RecordBatch,
    *,
    encoded: bytes | None = None,
) -> int:
    """Write `batch` (target columns) inside the caller's transaction; returns rows written.

    `encoded` is `encode_for(batch)` when the caller already has it.
    """
    if batch.num_rows == 0:
        return 0
    columns = batch.schema.names
    table = config.target_table
    if config.load_mode is LoadMode.UPSERT:
        return dialect.upsert(
            connection, table, schema, columns, config.key_columns, arrow_rows(batch)
        )
    if encoded is None:
        encoded = encode_for(dialect, config, batch)
    if encoded is not None:
        return dialect.load_encoded(connection, table, schema, columns, encoded, batch.num_rows)
    return dialect.bulk_load(connection, table, schema, columns, arrow_rows(batch))


def write_or_split(
    connection: Connection,
    dialect: Dialect,
    config: MigrationConfig,
    schema: str | None,
    batch: pa.RecordBatch,
    *,
    encoded: bytes | None = None,
) -> tuple[list[int], list[tuple[int, BaseException]]]:
    """Write what the target accepts of `batch`, finding refused rows by halving.

    Each attempt runs in a savepoint: a refused part is rolled back and split in two until
    the single rows the target refuses are known (k bad rows cost about k·log2(n) loads).
    `encoded` is `encode_for(batch)` when the caller has it: the first, whole attempt sends it.

    Returns:
        Positions written, and (position, error) of each refused row.
    """
    written: list[int] = []
    refused: list[tuple[int, BaseException]] = []

    def attempt(start: int, stop: int) -> None:
        whole = start == 0 and stop == batch.num_rows
        try:
            with connection.begin_nested():
                part = batch.slice(start, stop - start)
                write_batch(
                    connection, dialect, config, schema, part, encoded=encoded if whole else None
                )
            written.extend(range(start, stop))
        except Exception as error:
            if not dialect.refused_rows(error):
                raise  # the connection or the server failed, not these rows
            if stop - start == 1:
                refused.append((start, error))
                return
            middle = (start + stop) // 2
            attempt(start, middle)
            attempt(middle, stop)

    if batch.num_rows:
        attempt(0, batch.num_rows)
    return written, refused


def first_refused(
    connection: Connection,
    dialect: Dialect,
    config: MigrationConfig,
    schema: str | None,
    batch: pa.RecordBatch,
    error: BaseException,
) -> tuple[int, BaseException]:
    """The first row of `batch` the target refuses, when loading all of it failed with `error`.

    Ever shorter prefixes are loaded in savepoints that are always rolled back (log2(n) loads,
    only when a stop-policy batch fails): the row ending the shortest prefix that fails is
    the one, and that prefix's error says why — even when the row is refused only beside an
    earlier one (a duplicate key).

    Returns:
        The row's position in `batch` and the target's error for it.
    """
    loads, fails = 0, batch.num_rows  # the prefix [0, loads) loads, [0, fails) does not
    while fails - loads > 1:
        middle = (loads + fails) // 2
        savepoint = connection.begin_nested()
        try:
            write_batch(connection, dialect, config, schema, batch.slice(0, middle))
            loads = middle
        except Exception as refusal:
            if not dialect.refused_rows(refusal):
                raise
            fails, error = middle, refusal
        finally:
            savepoint.rollback()
    return fails - 1, error


def load_problem(
    position: int, error: BaseException, dialect: Dialect, batch: pa.RecordBatch
) -> RowProblem:
    """The row at `position` of `batch` (target columns) the target refused: the engine's
    reason (first line, CIDs scrubbed), and the column with its value when the engine names
    it (the value is masked on its way to the reject table when it is an identifier)."""
    reason = _without_identifiers(scrub_cids(first_line(error)), batch, position)
    column = dialect.refused_column(error)
    value = None
    if column is not None:
        names = batch.schema.names
        try:
            index = column_index(names, column)
        except ValueError:
            pass  # a column the load does not send (a default, a trigger's): named, no value
        else:
            column, value = names[index], batch.column(index)[position].as_py()
    return RowProblem(position, column, value, f"the target refused the row: {reason}", "load")


def _without_identifiers(reason: str, batch: pa.RecordBatch, position: int) -> str:
    # Engines quote values of the row they refuse ("Duplicate entry 'HN-12A45' for key"),
    # naming a column or not: every identifier of the row goes masked wherever it is quoted.
    for name, array in zip(batch.schema.names, batch.columns, strict=True):
        value = array[position].as_py()
        if value is None or len(str(value)) <= 3 or str(value) not in reason:
            continue
        shown = masked_value(name, value)
        if str(shown) != str(value):
            reason = reason.replace(str(value), str(shown))
    return reason


def take(batch: pa.RecordBatch, positions: Sequence[int]) -> pa.RecordBatch:
    """The rows of `batch` at `positions`, in that order."""
    if len(positions) == batch.num_rows:
        return batch
    return batch.take(pa.array(positions, pa.int64()))
