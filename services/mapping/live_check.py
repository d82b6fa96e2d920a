"""A config checked against the live schemas of its datasources when it is saved: the source
table (or query) and every column it reads exist (its `source_key` too), the target columns it
writes exist (its `key_columns` too). Every problem is one line with the closest existing name,
so a misspelt column is fixed at save time instead of failing the run with the driver's words."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError

from models.migration_config import MigrationConfig
from models.schema import TableDetail
from services.context import ServiceContext
from services.datasources import describe_table, list_tables, open_endpoint
from services.errors import ConnectionFailed, InvalidConfig, SchemaNotFound, TableNotFound
from services.read_only_sql import check_read_only_select
from utils.text import did_you_mean, first_line, one_line


class LiveCheckUnavailable(ConnectionFailed):
    """A datasource could not be reached to check a config against its schema."""

    code = "live_check_unavailable"


@dataclass(frozen=True, slots=True)
class LiveTable:
    """What the check needs of a table or query: its columns in order and its primary key."""

    columns: tuple[str, ...]
    primary_key: tuple[str, ...] = ()
    # A query's result names follow the engine's case rules (PostgreSQL folds unquoted
    # aliases) and the run matches them ignoring case; a table's columns are quoted as written.
    ignore_case: bool = False

    def has(self, column: str) -> bool:
        """Whether `column` is one of the columns, as the run will look it up."""
        if self.ignore_case:
            return column.lower() in {name.lower() for name in self.columns}
        return column in self.columns


def check_against_live_schemas(ctx: ServiceContext, config: MigrationConfig) -> None:
    """Raise one `InvalidConfig` listing, a line each, how `config` disagrees with its
    datasources' live schemas (a side without a datasource is not checked).

    Raises:
        InvalidConfig: at least one problem; nothing is saved.
        LiveCheckUnavailable: a datasource could not be reached.
    """
    problems = live_problems(ctx, config)
    if problems:
        count = "1 problem" if len(problems) == 1 else f"{len(problems)} problems"
        lines = "".join(f"\n  {problem}" for problem in problems)
        raise InvalidConfig(
            f"Config {config.name!r} does not match the live schemas ({count}):{lines}"
        )


def live_problems(ctx: ServiceContext, config: MigrationConfig) -> list[str]:
    """How `config` disagrees with the live schemas of its datasources, one line each."""
    problems: list[str] = []
    if config.source_datasource_id is not None:
        source = _source(ctx, config, problems)
        if source is not None:
            problems.extend(source_column_problems(config, source))
    if config.target_datasource_id is not None:
        target = _table(ctx, config, "target", problems)
        if target is not None:
            problems.extend(target_column_problems(config, target))
    return problems


def source_column_problems(config: MigrationConfig, source: LiveTable) -> list[str]:
    """Mapped source columns and `source_key` columns missing from the source's live columns
    (a source that is an SQL expression is not a column and is not looked up)."""
    problems = [
        f"mappings[{index}].source: no source column {item.source!r}"
        f"{did_you_mean(str(item.source), source.columns)}"
        for index, item in enumerate(config.mappings)
        if item.reads_column() and not item.ignore and not source.has(str(item.source))
    ]
    problems.extend(
        f"source_key[{index}]: no source column {column!r}{did_you_mean(column, source.columns)}"
        for index, column in enumerate(config.source_key)
        if not source.has(column)
    )
    return problems


def target_column_problems(config: MigrationConfig, target: LiveTable) -> list[str]:
    """Mapped target columns and key columns, against the existing target table's columns."""
    problems = [
        f"mappings[{index}].target: the target table has no column {item.target!r}"
        f"{did_you_mean(str(item.target), target.columns)}"
        for index, item in enumerate(config.mappings)
        if not item.ignore and item.target and item.target not in target.columns
    ]
    problems.extend(
        f"key_columns[{index}]: the target table has no column {column!r}"
        f"{did_you_mean(column, target.columns)}"
        for index, column in enumerate(config.key_columns)
        if column not in target.columns
    )
    return problems


def _source(ctx: ServiceContext, config: MigrationConfig, problems: list[str]) -> LiveTable | None:
    if config.generate_sql:
        return _query_columns(ctx, config, problems)
    return _table(ctx, config, "source", problems)


def _table(
    ctx: ServiceContext, config: MigrationConfig, role: str, problems: list[str]
) -> LiveTable | None:
    """The live table of one side; None (and a problem, unless the run will create it) when
    it does not exist."""
    datasource = getattr(config, f"{role}_datasource_id")
    table = str(config.source_table if role == "source" else config.target_table)
    endpoint = open_endpoint(ctx, datasource)
    try:
        detail: TableDetail = describe_table(ctx, datasource, table)
    except TableNotFound:
        if role == "target" and config.create_target_table:
            return None  # the run makes it from the source table's columns
        names = [info.name for info in list_tables(ctx, datasource)]
        made = "; or set create_target_table" if role == "target" else ""
        problems.append(
            f"{role}_table: datasource {endpoint.name!r} has no table {table!r}"
            f"{did_you_mean(table, names) or made}"
        )
        return None
    except SchemaNotFound as error:
        problems.append(f"{role}: datasource {endpoint.name!r}: {error.message}")
        return None
    except ConnectionFailed as error:
        raise _unavailable(endpoint.name, error) from None
    return LiveTable(tuple(column.name for column in detail.columns), detail.primary_key)


def _query_columns(
    ctx: ServiceContext, config: MigrationConfig, problems: list[str]
) -> LiveTable | None:
    """The columns `generate_sql` returns, asked of the source without reading a row."""
    endpoint = open_endpoint(ctx, config.source_datasource_id)  # type: ignore[arg-type]
    try:
        # Checked before it is sent: a query that writes must never reach the hospital's server.
        sql = config.generate_sql or ""
        check_read_only_select(sql, endpoint.dialect)
    except InvalidConfig as error:
        problems.append(error.message)
        return None
    describe = f"SELECT * FROM ({sql.strip().rstrip(';')}) his_src WHERE 1 = 0"
    try:
        with endpoint.connect() as connection:
            result = connection.exec_driver_sql(describe)
            names = tuple(str(column[0]) for column in result.cursor.description or ())
            result.close()
    except ConnectionFailed as error:
        raise _unavailable(endpoint.name, error) from None
    except DBAPIError as error:
        problems.append(f"generate_sql: the source refuses it: {driver_reason(error)}")
        return None
    return LiveTable(names, ignore_case=True)


def driver_reason(error: BaseException) -> str:
    """A driver's refusal in its own words, without the error code MariaDB puts in a tuple."""
    original = getattr(error, "orig", None) or error
    args = getattr(original, "args", ())
    if len(args) == 2 and isinstance(args[0], int) and isinstance(args[1], str):
        return one_line(args[1])
    return first_line(error)


def _unavailable(name: str, error: ConnectionFailed) -> LiveCheckUnavailable:
    return LiveCheckUnavailable(
        f"Cannot check the config against datasource {name!r}: {error.message.rstrip('.')}."
    )
