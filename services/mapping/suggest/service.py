"""The use cases: suggest a mapping between two tables (live or from a report run), and draft a
whole config from the suggestions. The hospital's confirmed pairs go in first; what was
offered is remembered, so a save that changes it teaches the next suggestion."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from models.mapping_suggestion import Suggestion, TableSpec
from services.context import ServiceContext
from services.datasources import dialect_of, get_datasource, list_datasources, list_tables
from services.errors import InvalidInput, TableNotFound
from services.mapping.draft import (
    datasource_named,
    draft_config,
    in_config_order,
    split_table_reference,
)
from services.mapping.knowledge import known_pairs, record_offers
from services.mapping.suggest.scoring import PairHistory
from services.mapping.suggest.suggester import TextEncoder, suggest
from services.mapping.suggest.tables import live_table, report_table
from services.privacy import scrub_cids
from utils.text import did_you_mean


@dataclass(frozen=True)
class MappingSuggestions:
    """The suggestions for one source table onto one target table."""

    source: str
    target: str
    source_table: str
    target_table: str
    suggestions: list[Suggestion]
    semantic: bool  # whether the semantic model took part
    elapsed_seconds: float

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data (API, CLI --json)."""
        return {
            "source": self.source,
            "target": self.target,
            "source_table": self.source_table,
            "target_table": self.target_table,
            "semantic": self.semantic,
            "elapsed_seconds": round(self.elapsed_seconds, 3),
            "suggestions": [s.to_json() for s in self.suggestions],
        }


def semantic_encoder(ctx: ServiceContext) -> TextEncoder:
    """The semantic model of this installation (HIS_MODEL), loaded once per process.

    Raises:
        ModelUnavailable: the model is not on this machine (nothing is downloaded).
    """
    from services.mapping.suggest.encoder import load_encoder

    return load_encoder(ctx.settings.model)


def suggest_mapping(
    ctx: ServiceContext,
    *,
    source: str,
    target: str,
    run_id: str | None = None,
    semantic: bool = True,
    remember: bool = True,
) -> MappingSuggestions:
    """Suggestions for `source` (DS.TABLE, or TABLE of report run `run_id`) onto `target`
    (DS.TABLE).

    Args:
        semantic: use the semantic model (off: dictionary, spelling and values only).
        remember: record what was offered, so a config saved later shows which suggestions
            the user changed.

    Raises:
        InvalidInput: a reference is malformed or names no table.
        DatasourceNotFound, ReportRunNotFound, ConnectionFailed, ModelUnavailable.
    """
    started = time.perf_counter()
    source_spec = _source_table(ctx, source, run_id)
    target_name, target_table = _table_reference(ctx, target, "target")
    target_spec = _live(ctx, target_name, target_table, "target", target=True)
    encoder = semantic_encoder(ctx) if semantic else None
    history = _history(ctx, source_spec, target_spec)
    suggestions = [
        _scrubbed(s) for s in suggest(source_spec, target_spec, encoder=encoder, known=history)
    ]
    if remember:
        record_offers(
            ctx,
            source_table=source_spec.name,
            target_table=target_spec.name,
            pairs=[(s.source_column, s.target_column) for s in suggestions],
        )
    return MappingSuggestions(
        source=source if run_id is None else f"run {run_id}: {source_spec.name}",
        target=target,
        source_table=source_spec.name,
        target_table=target_spec.name,
        suggestions=suggestions,
        semantic=encoder is not None,
        elapsed_seconds=time.perf_counter() - started,
    )


def _scrubbed(found: Suggestion) -> Suggestion:
    """The suggestion with any citizen ID masked in its reasons: the safety net, as for logs
    (reasons quote only code values, never an identifier's)."""
    return replace(
        found,
        reasons=tuple(scrub_cids(reason) for reason in found.reasons),
        transformers=tuple(replace(t, reason=scrub_cids(t.reason)) for t in found.transformers),
    )


def suggest_config(
    ctx: ServiceContext, name: str, *, source: str, target: str, semantic: bool = True
) -> tuple[dict[str, Any], MappingSuggestions | None]:
    """A complete config for `source` → `target` with the suggested mappings, transformers
    and validators (what `save_config` takes), and the suggestions behind it.

    When the target table does not exist yet, the config creates it from the source and
    there is nothing to suggest: the draft maps every column to its own name (None).
    """
    data = draft_config(ctx, name, source=source, target=target)
    if data["create_target_table"]:
        return data, None
    found = suggest_mapping(
        ctx, source=source, target=f"{data['target']}.{data['target_table']}", semantic=semantic
    )
    dialect = dialect_of(get_datasource(ctx, data["source"]).db_type)
    mappings = config_mappings(
        found.suggestions,
        concat=lambda columns: dialect.concat_text([dialect.quote(c) for c in columns]),
    )
    targets = {m["source"]: m.get("target") for m in mappings if not m.get("ignore")}
    data["mappings"] = mappings
    data["key_columns"] = [targets[c] for c in data["source_key"] if targets.get(c)]
    return in_config_order(data), found


def config_mappings(
    suggestions: list[Suggestion], *, concat: Callable[[list[str]], str]
) -> list[dict[str, Any]]:
    """Config mappings from suggestions, in source order: the suggested target with its
    transformers and validators, or ignored. A date and a time going into one datetime
    become one mapping reading both (`concat` builds the SQL joining them)."""
    mappings: list[dict[str, Any]] = []
    done: set[str] = set()
    for s in suggestions:
        if s.source_column in done:
            continue
        if s.target_column is None:
            mappings.append({"source": s.source_column, "ignore": True})
            continue
        source = s.source_column
        if s.combined_with:
            source = concat([s.source_column, s.combined_with])
            done.add(s.combined_with)
        mappings.append(
            {
                "source": source,
                "target": s.target_column,
                "transformers": [t.to_call() for t in s.transformers],
                "validators": [v.to_call() for v in s.validators],
            }
        )
        if s.combined_with:
            mappings.append({"source": s.combined_with, "ignore": True})
    return mappings


def _source_table(ctx: ServiceContext, source: str, run_id: str | None) -> TableSpec:
    if run_id is None:
        datasource, table = _table_reference(ctx, source, "source")
        return _live(ctx, datasource, table, "source")
    table = source.strip()
    names = [d.name for d in list_datasources(ctx)]
    datasource, dot, rest = table.rpartition(".")
    if dot and datasource in names:
        table = rest  # DS.TABLE: the report run says which datasource it profiled
    return report_table(ctx, run_id, table)


def _table_reference(ctx: ServiceContext, reference: str, role: str) -> tuple[str, str]:
    names = [d.name for d in list_datasources(ctx)]
    try:
        datasource, table = split_table_reference(reference, names, table_required=True)
    except InvalidInput as error:
        raise InvalidInput(error.message.replace("the source", f"the {role}"), field=role) from None
    return datasource_named(ctx, datasource, names), str(table)


def _live(
    ctx: ServiceContext, datasource: str, table: str, role: str, *, target: bool = False
) -> TableSpec:
    try:
        return live_table(ctx, datasource, table, target=target)
    except TableNotFound:
        tables = [info.name for info in list_tables(ctx, datasource)]
        raise InvalidInput(
            f"Datasource {datasource!r} has no table {table!r}{did_you_mean(table, tables)}",
            field=role,
        ) from None


def _history(
    ctx: ServiceContext, source: TableSpec, target: TableSpec
) -> dict[tuple[str, str], PairHistory]:
    """This hospital's earlier verdicts on pairs of these columns, by (source, target)."""
    pairs = known_pairs(
        ctx, source_columns=[c.name for c in source.columns], target_table=target.name
    )
    history: dict[tuple[str, str], PairHistory] = {}
    # The same source table's verdicts first; a renamed copy's count too.
    for pair in sorted(pairs, key=lambda p: p.source_table.lower() != source.name.lower()):
        key = (pair.source_column.lower(), pair.target_column.lower())
        if key in history:
            continue
        if pair.confirmed > pair.rejected:
            reason = f"confirmed in config {pair.config_name} v{pair.config_version}"
            history[key] = PairHistory(1.0, reason)
        elif pair.rejected:
            reason = f"changed by the user before saving ({pair.rejected}×)"
            history[key] = PairHistory(-min(1.0, 0.5 * pair.rejected), reason)
    return history
