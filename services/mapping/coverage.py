"""How much of a source column a VALUE_MAP covers: the share of rows whose value the mapping
knows, and the values it does not know, most frequent first — counted by the source database
itself (GROUP BY), or read from a report run's top values."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from models.migration_config import MappingItem, MigrationConfig
from services.context import ServiceContext
from services.datasources import open_endpoint
from services.errors import InvalidInput
from services.mapping.configs import load_config
from services.mapping.lookups import resolve_lookups
from services.reports import parse_top_values, report_file

#: Unmapped values listed, most frequent first (the count of the rest is still exact).
UNMAPPED_SHOWN = 50


@dataclass(frozen=True)
class ValueMapCoverage:
    """The coverage of one mapping's VALUE_MAP over its source column."""

    config: str
    source: str
    target: str
    rows: int  # non-null rows of the source column
    covered_rows: int  # rows whose value the mapping knows
    null_rows: int  # NULL stays NULL: neither covered nor missing
    distinct_values: int
    mapped_values: int
    unmapped: list[tuple[str, int]] = field(default_factory=list)
    default: str | None = None  # what unmapped values become, if the map has a default
    basis: str = "group_by"  # "group_by": every row counted; "profile": top values only

    @property
    def share(self) -> float:
        """Covered rows as a share of the non-null rows (1.0 for an all-null column)."""
        return self.covered_rows / self.rows if self.rows else 1.0

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data (API, CLI --json)."""
        return {
            "config": self.config,
            "source": self.source,
            "target": self.target,
            "rows": self.rows,
            "covered_rows": self.covered_rows,
            "share": round(self.share, 4),
            "null_rows": self.null_rows,
            "distinct_values": self.distinct_values,
            "mapped_values": self.mapped_values,
            "unmapped": [{"value": v, "count": c} for v, c in self.unmapped],
            "default": self.default,
            "basis": self.basis,
        }


def value_map_coverage(
    ctx: ServiceContext, config: str, column: str, *, run_id: str | None = None
) -> ValueMapCoverage:
    """The coverage of the VALUE_MAP on `column` (a target or source column) of `config`.

    The transformers before the VALUE_MAP run on every distinct value first, as a migration
    runs them. With `run_id`, the counts come from that report run's top values (a partial
    picture, said so in `basis`); otherwise the source database groups the whole column.

    Raises:
        ConfigNotFound: no such config.
        InvalidInput: the config has no mapping of that column, or it has no VALUE_MAP.
        InvalidConfig, ConnectionFailed: a lookup table or the source cannot be read.
    """
    loaded = load_config(ctx, config)
    item, position = _value_map_item(loaded, column)
    params = resolve_lookups(ctx, "VALUE_MAP", item.transformers[position].params)
    counts, nulls = (
        _profile_counts(ctx, run_id, loaded, item) if run_id else _grouped_counts(ctx, loaded, item)
    )
    keys = _keys_as_mapped(list(counts), item, position, strip=params.get("strip", True))
    mapping: dict[str, str] = params.get("mapping") or {}
    covered = 0
    unmapped: dict[str, int] = {}
    for value, key in zip(counts, keys, strict=True):
        if key is not None and key in mapping:
            covered += counts[value]
        else:
            unmapped[value] = unmapped.get(value, 0) + counts[value]
    ranked = sorted(unmapped.items(), key=lambda item: (-item[1], item[0]))
    return ValueMapCoverage(
        config=loaded.name,
        source=str(item.source),
        target=str(item.target),
        rows=sum(counts.values()),
        covered_rows=covered,
        null_rows=nulls,
        distinct_values=len(counts),
        mapped_values=len(counts) - len(unmapped),
        unmapped=ranked[:UNMAPPED_SHOWN],
        default=params.get("default"),
        basis="profile" if run_id else "group_by",
    )


def _value_map_item(config: MigrationConfig, column: str) -> tuple[MappingItem, int]:
    wanted = column.strip().lower()
    for item in config.mapped_items():
        if wanted not in {(item.target or "").lower(), (item.source or "").lower()}:
            continue
        for position, call in enumerate(item.transformers):
            if call.name.upper() == "VALUE_MAP":
                return item, position
        raise InvalidInput(
            f"Column {column!r} of config {config.name!r} has no VALUE_MAP transformer.",
            field="column",
        )
    raise InvalidInput(f"Config {config.name!r} maps no column {column!r}.", field="column")


def _grouped_counts(
    ctx: ServiceContext, config: MigrationConfig, item: MappingItem
) -> tuple[dict[str, int], int]:
    endpoint = open_endpoint(ctx, str(config.source_datasource_id))
    dialect = endpoint.dialect
    if config.generate_sql:
        origin = f"({config.generate_sql}) source_rows"
    else:
        origin = dialect.qualified(str(config.source_table), endpoint.schema)
    source = str(item.source)
    expression = dialect.quote(source) if source.isidentifier() else f"({source})"
    value = dialect.as_text(expression)
    # Grouped on the exact value: a case-insensitive collation would count 'a' under 'A',
    # which the VALUE_MAP does not map. In a group every value is the same, so MIN is it.
    key = dialect.exact_text_key(value)
    sql = f"SELECT MIN({value}) AS val, COUNT(*) AS cnt FROM {origin} GROUP BY {key}"
    counts: dict[str, int] = {}
    nulls = 0
    with endpoint.connect() as connection:
        for found, count in connection.execute(text(sql)):
            if found is None:
                nulls += int(count)
            else:
                counts[str(found)] = counts.get(str(found), 0) + int(count)
    return counts, nulls


def _profile_counts(
    ctx: ServiceContext, run_id: str, config: MigrationConfig, item: MappingItem
) -> tuple[dict[str, int], int]:
    path = report_file(ctx, run_id, "data_profile/data_profile.csv").path
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            if row.get("table") == config.source_table and row.get("column") == item.source:
                return dict(parse_top_values(row.get("top_5_values") or "")), int(
                    row.get("null_count") or 0
                )
    raise InvalidInput(
        f"Report run {run_id!r} has no column {item.source!r} of table {config.source_table!r}.",
        field="run_id",
    )


def _keys_as_mapped(
    values: list[str], item: MappingItem, position: int, *, strip: bool
) -> list[str | None]:
    """Each value as the VALUE_MAP sees it: after the transformers before it (a failed value
    is None), trimmed when the map trims."""
    keys: list[str | None] = list(values)
    if position:
        import pandas as pd

        from data_transformers.registry import run_transformer

        series = pd.Series(values, dtype=object)
        for call in item.transformers[:position]:
            outcome = run_transformer(call.name, series, call.params)
            series = outcome.values.where(~outcome.failed, None)
        keys = [None if v is None or v != v else str(v) for v in series.tolist()]
    return [k.strip() if (k is not None and strip) else k for k in keys]
