"""A table as the suggester reads it — columns, types, a glance at the values — from a live
datasource or from a report run's data_profile.csv (the Python profiler's or the Bash
analyzer's)."""

from __future__ import annotations

import csv
import uuid

from sqlalchemy import text

from models.mapping_suggestion import ColumnSpec, ColumnStats, TableSpec
from services.context import ServiceContext
from services.datasources import describe_table, open_endpoint
from services.errors import InvalidInput
from services.mapping.suggest.values import SMALL_CODE_SET
from services.reports import parse_top_values, report_file

#: Rows read for a first look at a table's values; a column with nothing in them gets its
#: own query for a few non-empty values (smart sampling).
GLANCE_ROWS = 500
SAMPLES_PER_COLUMN = 8
_REPEATS = 3  # a code set's values each occur this often on average, at least


def live_table(
    ctx: ServiceContext, datasource: str | uuid.UUID, table: str, *, target: bool = False
) -> TableSpec:
    """`table` of `datasource` with its columns' types and sample values.

    For a target table, the values a column already holds become its known code set when
    there are few of them.

    Raises:
        TableNotFound, DatasourceNotFound, ConnectionFailed: as discovery does.
    """
    detail = describe_table(ctx, datasource, table)
    endpoint = open_endpoint(ctx, datasource)
    dialect = endpoint.dialect
    qualified = dialect.qualified(detail.name, endpoint.schema)
    names = [column.name for column in detail.columns]
    glance: list[tuple] = []
    with endpoint.connect() as connection:
        if names:
            select = ", ".join(dialect.as_text(dialect.quote(name)) for name in names)
            sql = dialect.first_rows(f"SELECT {select} FROM {qualified}", GLANCE_ROWS)
            glance = [tuple(row) for row in connection.execute(text(sql))]
        columns = []
        for index, column in enumerate(detail.columns):
            values = [row[index] for row in glance]
            samples, stats = _glance(values)
            if not samples and glance:
                samples = _smart_sample(connection, dialect, qualified, column.name)
                if not samples:
                    nulls = values.count(None)
                    stats = ColumnStats(len(glance), nulls, len(values) - nulls, distinct=0)
            known = _code_set(values, stats) if target else ()
            columns.append(ColumnSpec(column.name, column.type, samples, stats, known))
    return TableSpec(detail.name, tuple(columns))


def _code_set(values: list[object], stats: ColumnStats) -> tuple[str, ...]:
    """The values of a target column that holds a code set: few, each repeated; () else.

    Two rows of patients have two distinct HNs: values that do not repeat are no code set
    (and must never be quoted as one).
    """
    present = len(values) - (stats.nulls or 0) - (stats.empties or 0)
    distinct = stats.distinct or 0
    if not distinct or distinct > SMALL_CODE_SET or present < _REPEATS * distinct:
        return ()
    return tuple(sorted({str(v).strip() for v in values if v not in (None, "")}))


def _glance(values: list[object]) -> tuple[tuple[str, ...], ColumnStats]:
    present = [str(v) for v in values if v is not None and str(v) != ""]
    distinct = list(dict.fromkeys(present))
    stats = ColumnStats(
        rows=len(values),
        nulls=sum(v is None for v in values),
        empties=sum(v is not None and str(v) == "" for v in values),
        distinct=len(distinct),
    )
    return tuple(distinct[:SAMPLES_PER_COLUMN]), stats


def _smart_sample(connection, dialect, qualified: str, column: str) -> tuple[str, ...]:  # noqa: ANN001
    """A few non-null, non-empty values of a column whose first rows have none."""
    ref = dialect.quote(column)
    as_text = dialect.as_text(ref)
    sql = dialect.first_rows(
        f"SELECT {as_text} FROM {qualified} WHERE {ref} IS NOT NULL "
        f"AND NOT ({dialect.is_empty(as_text)})",
        SAMPLES_PER_COLUMN,
    )
    return tuple(str(row[0]) for row in connection.execute(text(sql)))


def report_table(ctx: ServiceContext, run_id: str, table: str) -> TableSpec:
    """`table` as profiled in report run `run_id` (its data_profile.csv).

    Masked values (identifiers) are left out of the samples; the kind of identifier the
    profile found stays as evidence.

    Raises:
        ReportRunNotFound, ReportFileNotFound: no such run or it has no profile CSV.
        InvalidInput: the run did not profile that table.
    """
    path = report_file(ctx, run_id, "data_profile/data_profile.csv").path
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row.get("table") == table]
    if not rows:
        raise InvalidInput(f"Report run {run_id!r} has no table {table!r}.", field="table")
    rows.sort(key=lambda row: int(row.get("position") or 0))
    return TableSpec(table, tuple(_profiled_column(row) for row in rows))


def _profiled_column(row: dict[str, str]) -> ColumnSpec:
    masked = (row.get("masked") or "").lower() == "true"
    samples = () if masked else tuple(v for v in (row.get("sample_values") or "").split(" | ") if v)
    top = [] if masked else parse_top_values(row.get("top_5_values") or "")
    stats = ColumnStats(
        rows=_int(row.get("rows_profiled")),
        nulls=_int(row.get("null_count")),
        empties=_int(row.get("empty_count")),
        distinct=_int(row.get("distinct_count")),
        zero_dates=_int(row.get("zero_dates")),
        top_values=tuple(top),
        phi_kind=(row.get("phi_kind") or None) if masked else None,
    )
    return ColumnSpec(row["column"], row.get("data_type") or "", samples, stats)


def _int(cell: str | None) -> int | None:
    try:
        return int(str(cell).replace(",", "")) if cell not in (None, "") else None
    except ValueError:
        return None
