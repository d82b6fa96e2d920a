"""Profiles the tables of a datasource by aggregate SQL pushed down to the database."""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import Connection, Row, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from dialects.base import Dialect, SampledSource
from models.common import utc_now
from models.profile import ColumnProfile, DatabaseProfile, ProfileMode, TableProfile, ValueCount
from models.profile_settings import SamplingSettings
from models.progress import ProgressEvent, ProgressKind
from protocols.progress import ProgressSink, ignore_progress
from services.context import ServiceContext
from services.datasources import open_endpoint, require_schema
from services.errors import HisError, InvalidInput, TableNotFound
from services.profiling.queries import (
    GROUPING_CHUNK,
    ColumnKind,
    ProfiledColumn,
    aggregate_sql,
    column_counts_sql,
    column_kind,
    first_values_sql,
    grouping_index,
    grouping_sets_sql,
    holds_dates,
)
from utils.text import first_line

log = logging.getLogger(__name__)

TOP_VALUES = 5
#: Opens another pooled connection to the same database.
ConnectionFactory = Callable[[], contextlib.AbstractContextManager[Connection]]
#: Distinct count of a declared-unique column: its non-null count, known without counting.
UNIQUE = -1


@dataclass(frozen=True, slots=True)
class SamplePlan:
    """Whether and how much of each table to sample."""

    percent: float | None = None  # sample every table at this percentage
    above_rows: int | None = None  # …or only tables estimated larger than this, to ~this size

    def percent_for(self, estimated_rows: int | None) -> float | None:
        """The sampling percentage for a table of `estimated_rows`, or None for all rows."""
        if self.percent is not None:
            return self.percent
        if self.above_rows and estimated_rows and estimated_rows > self.above_rows:
            return max(0.01, round(100 * self.above_rows / estimated_rows, 4))
        return None


def profile_datasource(
    ctx: ServiceContext,
    datasource: str | uuid.UUID,
    *,
    tables: Sequence[str] | None = None,
    schema: str | None = None,
    mode: ProfileMode = ProfileMode.DEEP,
    sampling: SamplingSettings | None = None,
    sample: SamplePlan | None = None,
    parallel: int = 2,
    progress: ProgressSink = ignore_progress,
) -> DatabaseProfile:
    """Profile every table of a datasource (or the ones named), table by table.

    A table that fails is reported with its one-line reason and the run goes on. Each table's
    queries run on up to `parallel` connections at once.

    Raises:
        DatasourceNotFound, ConnectionFailed: before any table is read.
        SchemaNotFound, TableNotFound: a named schema or table does not exist.
    """
    sampling = sampling or SamplingSettings()
    sample = sample or SamplePlan()
    if sample.percent is not None and not 0 < sample.percent <= 100:
        raise InvalidInput("The sample percentage must be above 0 and at most 100.")
    endpoint = open_endpoint(ctx, datasource, schema)
    dialect, schema = endpoint.dialect, endpoint.schema
    with endpoint.connect() as connection:
        require_schema(connection, schema)
        available = inspect(connection).get_table_names(schema=schema)
        estimates = dialect.row_estimates(connection, schema)
        version = dialect.server_version(connection)
    chosen = list(tables) if tables else sorted(available)
    for name in chosen:
        if name not in available:
            raise TableNotFound(name, schema)
    profile = DatabaseProfile(endpoint.name, endpoint.datasource.db_type, version, mode)
    for position, table in enumerate(chosen):
        progress(ProgressEvent(ProgressKind.STARTED, table, position, len(chosen)))
        percent = sample.percent_for(estimates.get(table))
        try:
            with endpoint.connect() as connection:
                result = profile_table(
                    connection, dialect, table, schema, mode=mode, sampling=sampling,
                    sample_percent=percent, estimated_rows=estimates.get(table),
                    more_connections=endpoint.connect, parallel=parallel,
                )  # fmt: skip
        except (SQLAlchemyError, HisError) as error:
            reason = error.message if isinstance(error, HisError) else first_line(error)
            log.warning("table %s could not be profiled: %s", table, reason)
            result = TableProfile(table, schema, row_count=0, size_mb=None, error=reason)
            progress(ProgressEvent(ProgressKind.FAILED, table, position + 1, len(chosen), reason))
        else:
            progress(ProgressEvent(ProgressKind.FINISHED, table, position + 1, len(chosen)))
        profile.tables.append(result)
    profile.finished_at = utc_now()
    return profile


def profile_table(
    connection: Connection,
    dialect: Dialect,
    table: str,
    schema: str | None,
    *,
    mode: ProfileMode,
    sampling: SamplingSettings,
    sample_percent: float | None = None,
    estimated_rows: int | None = None,
    more_connections: ConnectionFactory | None = None,
    parallel: int = 1,
) -> TableProfile:
    """Profile one table: one aggregate pass, then the value counts.

    With `more_connections` and `parallel` > 1, the table's independent queries run on that
    many pooled connections at once (the database does the work on several cores).
    """
    started = time.perf_counter()
    inspector = inspect(connection)
    reflected = inspector.get_columns(table, schema=schema)
    primary_key = inspector.get_pk_constraint(table, schema=schema).get("constrained_columns") or []
    unique = _single_unique_columns(inspector, table, schema, primary_key)
    qualified = dialect.qualified(table, schema)
    with contextlib.ExitStack() as stack:
        source = SampledSource(qualified)
        if sample_percent:
            source = stack.enter_context(
                dialect.sample_of(connection, qualified, sample_percent, primary_key)
            )
        dialect.prepare_profiling_session(connection)
        runner = QueryRunner(
            connection,
            more_connections if source.shared else None,
            parallel,
            prepare=dialect.prepare_profiling_session,
        )
        profiles, rows_profiled = _profile_columns(
            runner, dialect, source.sql, table, reflected, primary_key,
            unique=set() if sample_percent else unique, mode=mode, sampling=sampling,
        )  # fmt: skip
    sampled = sample_percent is not None
    return TableProfile(
        name=table,
        schema=schema or dialect.current_schema(connection),
        row_count=(estimated_rows or rows_profiled) if sampled else rows_profiled,
        size_mb=dialect.table_size_mb(connection, table, schema),
        columns=profiles,
        rows_profiled=rows_profiled,
        sampled=sampled,
        sample_percent=sample_percent,
        elapsed_seconds=time.perf_counter() - started,
    )


class QueryRunner:
    """Runs a batch of independent read-only queries, on parallel connections when it may."""

    def __init__(
        self,
        connection: Connection,
        more_connections: ConnectionFactory | None,
        parallel: int,
        *,
        prepare: Callable[[Connection], None] = lambda connection: None,
    ) -> None:
        self.connection = connection
        self.more_connections = more_connections
        self.parallel = parallel
        self.prepare = prepare

    def run(self, queries: list[str]) -> list[list[Row]]:
        """Each query's rows, in the order of `queries`."""
        if self.more_connections is None or self.parallel <= 1 or len(queries) <= 1:
            return [self.connection.execute(text(sql)).all() for sql in queries]
        with ThreadPoolExecutor(max_workers=self.parallel) as pool:
            return list(pool.map(self._run_alone, queries))

    def _run_alone(self, sql: str) -> list[Row]:
        assert self.more_connections is not None
        with self.more_connections() as connection:
            self.prepare(connection)
            return connection.execute(text(sql)).all()


def _profile_columns(
    runner: QueryRunner,
    dialect: Dialect,
    source: str,
    table: str,
    reflected: list[dict],
    primary_key: list[str],
    *,
    unique: set[str],
    mode: ProfileMode,
    sampling: SamplingSettings,
) -> tuple[list[ColumnProfile], int]:
    """Every column's statistics over `source`, and how many rows that was."""
    columns = [
        ProfiledColumn(c["name"], column_kind(c["type"]), holds_dates(c["type"])) for c in reflected
    ]
    deep = mode is ProfileMode.DEEP
    keep = max(TOP_VALUES, max((sampling.limit_for(table, c.name) for c in columns), default=0))
    plan = (
        _value_count_plan(dialect, source, columns, unique, keep + 1, runner.parallel)
        if deep
        else []
    )
    results = runner.run(
        [aggregate_sql(dialect, source, columns, deep=deep)] + [q for q, _ in plan]
    )
    row = results[0][0]._mapping
    rows_profiled = int(row["n"])
    profiles = [
        _column_profile(index, info, column, row, primary_key, deep=deep)
        for index, (info, column) in enumerate(zip(reflected, columns, strict=True))
    ]
    counts: dict[str, tuple[list[tuple[str, int]], int]] = {}
    for (_, read), rows in zip(plan, results[1:], strict=True):
        counts.update(read(rows))
    for profile, column in zip(profiles, columns, strict=True):
        if not (deep and column.countable):
            continue
        values, distinct = counts.get(column.name, ([], 0))
        if distinct == UNIQUE:
            distinct = rows_profiled - (profile.null_count or 0)
        _apply_value_counts(
            profile,
            values,
            distinct,
            sample_limit=sampling.limit_for(table, column.name),
            max_text_length=sampling.max_text_length,
        )
    return profiles, rows_profiled


def _single_unique_columns(
    inspector: object, table: str, schema: str | None, primary_key: list[str]
) -> set[str]:
    # A column that is unique by declaration needs no GROUP BY: each value occurs once.
    unique = {primary_key[0]} if len(primary_key) == 1 else set()
    for index in inspector.get_indexes(table, schema=schema):  # type: ignore[attr-defined]
        if index.get("unique") and len(index["column_names"]) == 1:
            unique.add(index["column_names"][0])
    return unique


def _column_profile(
    index: int,
    info: dict,
    column: ProfiledColumn,
    row: dict,
    primary_key: list[str],
    *,
    deep: bool,
) -> ColumnProfile:
    profile = ColumnProfile(
        name=column.name,
        data_type=_type_name(info["type"]),
        position=index + 1,
        nullable=bool(info.get("nullable", True)),
        primary_key=column.name in primary_key,
        null_count=int(row["n"]) - int(row[f"nn_{index}"]),
    )
    if not deep:
        return profile
    if column.kind is ColumnKind.TEXT:
        profile.empty_count = int(row[f"empty_{index}"] or 0)
        average = row[f"avglen_{index}"]
        profile.avg_length = None if average is None else round(float(average), 2)
        longest = row[f"maxlen_{index}"]
        profile.max_length = None if longest is None else int(longest)
    if column.kind is ColumnKind.NUMBER:
        profile.zero_count = int(row[f"zero_{index}"] or 0)
    if f"zerodate_{index}" in row:
        profile.zero_dates = int(row[f"zerodate_{index}"] or 0)
    if column.orderable:
        profile.min_value = row[f"min_{index}"]
        profile.max_value = row[f"max_{index}"]
    return profile


ValueCounts = dict[str, tuple[list[tuple[str, int]], int]]


def _value_count_plan(
    dialect: Dialect,
    source: str,
    columns: list[ProfiledColumn],
    unique: set[str],
    keep: int,
    parallel: int,
) -> list[tuple[str, Callable[[list[Row]], ValueCounts]]]:
    """The value-count queries of a table, each with the function that reads its rows into
    {column: (its `keep` most frequent values with counts, its distinct count)}."""
    plan: list[tuple[str, Callable[[list[Row]], ValueCounts]]] = []
    # A declared-unique column needs no GROUP BY: each value occurs once, the first few do.
    for column in columns:
        if column.countable and column.name in unique:
            plan.append(
                (first_values_sql(dialect, source, column, keep=keep), _unique_reader(column.name))
            )
    countable = [c for c in columns if c.countable and c.name not in unique]
    if dialect.supports_grouping_sets:
        # One scan per chunk; as many chunks as parallel connections keeps every core busy.
        size = min(GROUPING_CHUNK, max(1, -(-len(countable) // parallel)))
        for start in range(0, len(countable), size):
            chunk = countable[start : start + size]
            plan.append((grouping_sets_sql(dialect, source, chunk, keep=keep), _sets_reader(chunk)))
        return plan
    for column in countable:
        plan.append(
            (column_counts_sql(dialect, source, column, keep=keep), _column_reader(column.name))
        )
    return plan


def _unique_reader(name: str) -> Callable[[list[Row]], ValueCounts]:
    return lambda rows: {name: ([(value, 1) for (value,) in rows], UNIQUE)}


def _column_reader(name: str) -> Callable[[list[Row]], ValueCounts]:
    return lambda rows: {name: ([(v, int(c)) for v, c, _ in rows], int(rows[0][2]) if rows else 0)}


def _sets_reader(chunk: list[ProfiledColumn]) -> Callable[[list[Row]], ValueCounts]:
    def read(rows: list[Row]) -> ValueCounts:
        found: ValueCounts = {}
        for gid, value, count, distinct in rows:
            column = chunk[grouping_index(int(gid), len(chunk))]
            values, _ = found.setdefault(column.name, ([], 0))
            values.append((value, int(count)))
            found[column.name] = (values, int(distinct))
        return found

    return read


def _apply_value_counts(
    profile: ColumnProfile,
    values: list[tuple[str, int]],
    distinct: int,
    *,
    sample_limit: int,
    max_text_length: int,
) -> None:
    profile.distinct_count = distinct
    profile.top_values = [
        ValueCount(_clip(value, max_text_length), count) for value, count in values[:TOP_VALUES]
    ]
    # The smart sample: the most frequent distinct values that carry something (no blanks).
    profile.sample_values = [
        _clip(value, max_text_length) for value, _ in values if value and value.strip()
    ][:sample_limit]


def _clip(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _type_name(column_type: object) -> str:
    try:
        return str(column_type)
    except Exception:  # noqa: BLE001 - exotic reflected types cannot always render
        return type(column_type).__name__
