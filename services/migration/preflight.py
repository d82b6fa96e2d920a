"""What a run settles before its first batch: the source query and its key, the target table
to create (if any), the source's row estimate, and forgetting a run that committed nothing."""

from __future__ import annotations

import uuid

from sqlalchemy import Connection, inspect, text

from models.migration_config import MigrationConfig
from services import mapping
from services.errors import InvalidConfig
from services.migration import target_table
from services.migration.run_record import RunRecord
from services.migration.source_query import SourceQuery, build_select
from services.migration.state import StepContext
from services.migration.target_plan import TargetTablePlan, plan_target_table


def source_query(step: StepContext, source: Connection) -> SourceQuery:
    """The step's SELECT and the key that orders it (`source_key`, else the primary key).

    Raises:
        InvalidConfig: the source table is missing, or a resume is asked with no key.
    """
    config, dialect, schema = step.config, step.source.dialect, step.source.schema
    key = tuple(config.source_key)
    if config.generate_sql:
        sql = config.generate_sql.strip().rstrip(";")
    else:
        table = str(config.source_table)
        if not inspect(source).has_table(table, schema=schema):
            raise InvalidConfig(f"The source has no table {table!r}.", field="source_table")
        _require_source_columns(config, source, table, schema)
        if not key:
            primary = inspect(source).get_pk_constraint(table, schema=schema)
            key = tuple(primary.get("constrained_columns") or ())
        sql = build_select(config, dialect, schema=schema, include=key)
    options = step.options
    if (options.resume or options.restart) and not key and not options.test:
        raise InvalidConfig(
            f"Step {config.name!r} has no source key (no primary key, no source_key), so an "
            "interrupted run cannot be resumed exactly; set source_key or use load mode "
            "'truncate' and run it again.",
            field="source_key",
        )
    return SourceQuery(sql, key)


def _require_source_columns(
    config: MigrationConfig, source: Connection, table: str, schema: str | None
) -> None:
    # A config saved offline may name a column the table lacks: say which, before the engine
    # refuses the SELECT in its own words.
    columns = tuple(column["name"] for column in inspect(source).get_columns(table, schema=schema))
    problems = mapping.source_column_problems(config, mapping.LiveTable(columns))
    if problems:
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InvalidConfig(f"Step {config.name!r}: {problems[0]}{more}", field="mappings")


def target_plan(
    step: StepContext, source: Connection, target: Connection
) -> TargetTablePlan | None:
    """The table to create when the target has none (None: it exists).

    Raises:
        InvalidConfig: the target table is missing and the config does not create it.
    """
    config = step.config
    if target_table.target_table_exists(target, config.target_table, step.target.schema):
        return None
    if not config.create_target_table:
        raise InvalidConfig(
            f"The target has no table {config.target_table!r}; create it, or set "
            "create_target_table to have it made from the source table.",
            field="target_table",
        )
    return planned(step, source)


def planned(step: StepContext, source: Connection) -> TargetTablePlan:
    """The target table as the source table and the mapping make it."""
    return plan_target_table(
        source,
        step.source.dialect,
        step.config,
        step.target.dialect,
        source_schema=step.source.schema,
        target_schema=step.target.schema,
    )


def row_estimate(step: StepContext, source: Connection) -> int:
    """The engine's estimate of the source table's rows (0: unknown, or a generate_sql)."""
    table = step.config.source_table
    if not table:
        return 0
    estimates = step.source.dialect.row_estimates(source, step.source.schema)
    return int(estimates.get(table) or 0)


def forget_unstarted(step: StepContext, target: Connection, record: RunRecord) -> None:
    """A checkpoint of a run that committed no batch holds nothing to resume: forget it, and
    the empty table that run created, so the next run starts afresh (a plain rerun after a
    failure at the first batch must not be told to --resume or --restart)."""
    with target.begin():
        checkpoint = step.checkpoints.load(target, step.name)
    if checkpoint is None or checkpoint.batches_done:
        return
    created = bool(checkpoint.state.get("created"))
    table, schema = step.config.target_table, step.target.schema
    with target.begin():
        if created and target_table.target_table_exists(target, table, schema):
            target.execute(text(f"DROP TABLE {step.target.dialect.qualified(table, schema)}"))
        step.checkpoints.clear(target, step.name)
    if checkpoint.state.get("run_id"):
        record.interrupted(uuid.UUID(checkpoint.state["run_id"]))
