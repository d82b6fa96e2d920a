"""The Schema Mapper's two sides: a source table (live, or as a report run profiled it) with
each column's masked profile, and a target table's live columns.

Every value shown of a column (top values, samples) has been through the masking of
`services.privacy`, whichever way it came: a report run made with masking off holds
identifiers in clear, and a live profile is masked here before it leaves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from controllers.mapper_draft import SourceRef
from models.profile import ColumnProfile, DatabaseProfile, TableProfile
from services import datasources, reports
from services.context import ServiceContext
from services.errors import HisError, InvalidInput, TableNotFound
from services.privacy import mask_profile
from services.profiling import SamplePlan, profile_datasource

#: A live table larger than this is profiled on a sample of about this many rows.
QUICK_PROFILE_ROWS = 50_000
#: How many top values and samples a column's profile shows.
SHOWN_VALUES = 5


@dataclass(frozen=True, slots=True)
class ColumnGlance:
    """A column's profile as the page shows it; values already masked.

    Attributes:
        identifier: The kind of identifier the column holds (cid, hn, name…), else None.
    """

    nulls: int | None
    empties: int | None
    distinct: int | None
    top: tuple[tuple[str, int], ...] = ()
    samples: tuple[str, ...] = ()
    identifier: str | None = None


@dataclass(frozen=True, slots=True)
class SourceColumn:
    """One column of the source table."""

    name: str
    type: str
    primary_key: bool = False


@dataclass(frozen=True, slots=True)
class SourceTable:
    """The source side: its table, columns and (when known) each column's profile.

    Attributes:
        datasource: The datasource the config reads from: the live one, or the one the report
            run profiled (None when the run's datasource is not registered here).
        profile: Column name → profile; empty until a live table is profiled.
    """

    ref: SourceRef
    datasource: str | None
    table: str
    columns: tuple[SourceColumn, ...]
    profile: Mapping[str, ColumnGlance] = field(default_factory=dict)

    @property
    def column_names(self) -> tuple[str, ...]:
        """The columns' names, in table order."""
        return tuple(column.name for column in self.columns)

    @property
    def primary_key(self) -> tuple[str, ...]:
        """The primary key's columns, in table order."""
        return tuple(column.name for column in self.columns if column.primary_key)


@dataclass(frozen=True, slots=True)
class TargetChoice:
    """The target side: a datasource and a table, which exists or the run creates."""

    datasource: str
    table: str
    create: bool = False


def datasource_names(ctx: ServiceContext) -> list[str]:
    """Names of every datasource, by name."""
    return [datasource.name for datasource in datasources.list_datasources(ctx)]


def report_run_ids(ctx: ServiceContext) -> list[str]:
    """The report runs on disk, newest first."""
    return [run.id for run in reports.list_report_runs(ctx)]


def report_tables(ctx: ServiceContext, run_id: str) -> list[str]:
    """The tables report run `run_id` profiled, in its order.

    Raises:
        ReportRunNotFound, ReportFileNotFound: no such run, or it holds no profile CSV.
    """
    return [table.name for table in reports.read_report_profile(ctx, run_id).tables]


def report_source(ctx: ServiceContext, run_id: str, table: str) -> SourceTable:
    """`table` as report run `run_id` profiled it, with every column's masked profile.

    Raises:
        ReportRunNotFound, ReportFileNotFound: no such run, or it holds no profile CSV.
        InvalidInput: the run did not profile that table.
    """
    profile = mask_profile(reports.read_report_profile(ctx, run_id))
    found = next((t for t in profile.tables if t.name == table), None)
    if found is None:
        raise InvalidInput(f"Report run {run_id!r} has no table {table!r}.", field="table")
    registered = {datasource.name for datasource in datasources.list_datasources(ctx)}
    return SourceTable(
        ref=SourceRef("run", run_id, table),
        datasource=profile.datasource if profile.datasource in registered else None,
        table=table,
        columns=tuple(
            SourceColumn(column.name, column.data_type, column.primary_key)
            for column in found.columns
        ),
        profile=_glances(found),
    )


def live_source(ctx: ServiceContext, datasource: str, table: str) -> SourceTable:
    """`table` of `datasource` with its live columns; no profile yet (`live_profile`).

    Raises:
        DatasourceNotFound, ConnectionFailed, TableNotFound.
    """
    detail = datasources.describe_table(ctx, datasource, table)
    return SourceTable(
        ref=SourceRef("live", datasource, table),
        datasource=datasource,
        table=detail.name,
        columns=tuple(
            SourceColumn(column.name, column.type, column.primary_key) for column in detail.columns
        ),
    )


def live_profile(ctx: ServiceContext, datasource: str, table: str) -> dict[str, ColumnGlance]:
    """A quick profile of one live table (a sample when it is large), masked, by column.

    Raises:
        DatasourceNotFound, ConnectionFailed, TableNotFound; HisError: the table could not
        be profiled (the reason in words).
    """
    profile = profile_datasource(
        ctx, datasource, tables=[table], sample=SamplePlan(above_rows=QUICK_PROFILE_ROWS)
    )
    masked: DatabaseProfile = mask_profile(profile)
    found = masked.tables[0]
    if found.error is not None:
        raise HisError(f"Table {table!r} could not be profiled: {found.error}")
    return _glances(found)


def table_names(ctx: ServiceContext, datasource: str) -> list[str]:
    """The tables of a datasource's default schema, by name.

    Raises:
        DatasourceNotFound, ConnectionFailed.
    """
    return sorted(table.name for table in datasources.list_tables(ctx, datasource))


def target_columns(ctx: ServiceContext, datasource: str, table: str) -> tuple[str, ...] | None:
    """The live columns of the target table, in table order; None when it does not exist
    (the config can then create it from the source).

    Raises:
        DatasourceNotFound, ConnectionFailed.
    """
    try:
        detail = datasources.describe_table(ctx, datasource, table)
    except TableNotFound:
        return None
    return tuple(column.name for column in detail.columns)


def _glances(table: TableProfile) -> dict[str, ColumnGlance]:
    return {column.name: _glance(column) for column in table.columns}


def _glance(column: ColumnProfile) -> ColumnGlance:
    return ColumnGlance(
        nulls=column.null_count,
        empties=column.empty_count,
        distinct=column.distinct_count,
        top=tuple((top.value, top.count) for top in column.top_values[:SHOWN_VALUES]),
        samples=tuple(column.sample_values[:SHOWN_VALUES]),
        identifier=column.phi_kind,
    )
