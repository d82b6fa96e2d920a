"""The Schema Mapper's editor state: one row per source column, edited, then written as a config.

`MappingDraft` is what the page holds between reruns. Every change is a function returning a
new draft, so the page replaces its draft whole and nothing is half-changed. No I/O here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from services.errors import InvalidInput

Family = Literal["transformers", "validators"]
#: A config's load modes and error policies, as the config model spells them.
LOAD_MODES = ("append", "truncate", "upsert")
ERROR_POLICIES = ("stop", "quarantine")


@dataclass(frozen=True, slots=True)
class PluginUse:
    """A transformer or validator on one column, with the parameters chosen for it."""

    name: str
    params: Mapping[str, Any] = field(default_factory=dict)
    #: Parameters whose text does not parse yet (a JSON value being typed), by name.
    unparsed: Mapping[str, str] = field(default_factory=dict)

    def to_call(self) -> dict[str, Any]:
        """As a config's plugin call."""
        call: dict[str, Any] = {"name": self.name}
        if self.params:
            call["params"] = dict(self.params)
        return call


@dataclass(frozen=True, slots=True)
class Suggested:
    """What Auto-Map proposed for a column: the target (None: nothing fits), how sure, why."""

    target: str | None
    confidence: float
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """One source column's row of the editor."""

    source: str
    target: str | None = None
    ignore: bool = False
    transformers: tuple[PluginUse, ...] = ()
    validators: tuple[PluginUse, ...] = ()
    suggested: Suggested | None = None

    def plugins(self, family: Family) -> tuple[PluginUse, ...]:
        """The row's transformers or validators."""
        return self.transformers if family == "transformers" else self.validators

    def to_mapping(self) -> dict[str, Any]:
        """The row as a config mapping item."""
        if self.ignore:
            return {"source": self.source, "ignore": True}
        item: dict[str, Any] = {"source": self.source, "target": self.target}
        if self.transformers:
            item["transformers"] = [use.to_call() for use in self.transformers]
        if self.validators:
            item["validators"] = [use.to_call() for use in self.validators]
        return item


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Which source the rows were made for: a live table or a report run's table."""

    mode: Literal["live", "run"]
    origin: str  # the datasource's name, or the run's id
    table: str


@dataclass(frozen=True, slots=True)
class MappingDraft:
    """The whole editor: rows in source order, and the config-level choices.

    Attributes:
        kept: Mappings of a loaded config that no row shows (an SQL expression, a constant,
            a second target of one column); saved again as they were.
        key_columns: The target's key columns; empty means the targets of the source's
            primary key.
        loaded: The saved config this draft came from, if any.
    """

    source: SourceRef
    rows: tuple[ColumnMapping, ...]
    name: str = ""
    generate_sql: str = ""
    load_mode: str = "append"
    error_policy: str = "stop"
    key_columns: tuple[str, ...] = ()
    kept: tuple[Mapping[str, Any], ...] = ()
    loaded: str | None = None

    def row(self, source: str) -> ColumnMapping:
        """The row of source column `source` (KeyError when the source has no such column)."""
        for row in self.rows:
            if row.source == source:
                return row
        raise KeyError(source)


def new_draft(source: SourceRef, columns: Iterable[str], *, name: str = "") -> MappingDraft:
    """An empty editor for `columns`: nothing mapped yet."""
    return MappingDraft(source, tuple(ColumnMapping(column) for column in columns), name=name)


def with_row(draft: MappingDraft, source: str, **changes: Any) -> MappingDraft:
    """`draft` with the row of `source` changed (target, ignore, transformers, validators)."""
    rows = tuple(replace(row, **changes) if row.source == source else row for row in draft.rows)
    return replace(draft, rows=rows)


def with_plugin_names(
    draft: MappingDraft, source: str, family: Family, names: Sequence[str]
) -> MappingDraft:
    """The row's transformers (or validators) become `names`, in that order; a plugin kept
    from before keeps its parameters."""
    before = {use.name: use for use in draft.row(source).plugins(family)}
    uses = tuple(before.get(name, PluginUse(name)) for name in names)
    return with_row(draft, source, **{family: uses})


def with_plugin(
    draft: MappingDraft, source: str, family: Family, index: int, use: PluginUse
) -> MappingDraft:
    """The row's `index`-th transformer (or validator) becomes `use` (its new parameters)."""
    uses = list(draft.row(source).plugins(family))
    uses[index] = use
    return with_row(draft, source, **{family: tuple(uses)})


def with_suggestions(draft: MappingDraft, suggestions: Iterable[SuggestedRow]) -> MappingDraft:
    """Each suggested column takes the suggested target (or is ignored when none fits), its
    transformers and validators; columns without a suggestion are left as they were."""
    by_source = {suggestion.source: suggestion for suggestion in suggestions}
    rows = []
    for row in draft.rows:
        found = by_source.get(row.source)
        if found is None:
            rows.append(row)
            continue
        rows.append(
            ColumnMapping(
                source=row.source,
                target=found.target,
                ignore=found.target is None,
                transformers=found.transformers,
                validators=found.validators,
                suggested=Suggested(found.target, found.confidence, found.reasons),
            )
        )
    return replace(draft, rows=tuple(rows))


@dataclass(frozen=True, slots=True)
class SuggestedRow:
    """One source column's Auto-Map suggestion, ready for the editor."""

    source: str
    target: str | None
    confidence: float
    reasons: tuple[str, ...]
    transformers: tuple[PluginUse, ...] = ()
    validators: tuple[PluginUse, ...] = ()


def fit_to_target(
    draft: MappingDraft, target_columns: Sequence[str] | None
) -> tuple[MappingDraft, list[str]]:
    """`draft` made to fit the target: with an existing table (`target_columns`), a target
    it lacks is cleared (those source columns are returned, to say so); with a table the run
    creates (None), an unmapped column takes its own name."""
    if target_columns is None:
        rows = tuple(
            row if row.ignore or row.target else replace(row, target=row.source)
            for row in draft.rows
        )
        return replace(draft, rows=rows), []
    known = set(target_columns)
    cleared = [row.source for row in draft.rows if row.target and row.target not in known]
    rows = tuple(replace(row, target=None) if row.source in cleared else row for row in draft.rows)
    return replace(draft, rows=rows), cleared


def config_mappings(draft: MappingDraft) -> list[dict[str, Any]]:
    """The config's mappings: one per row, in source order, then the kept ones.

    Raises:
        InvalidInput: a column has neither a target nor Ignore ticked, or a parameter's
            JSON does not parse (every one named).
    """
    unmapped = [row.source for row in draft.rows if not row.ignore and not row.target]
    if unmapped:
        names = ", ".join(unmapped)
        raise InvalidInput(f"Choose a target (or tick Ignore) for: {names}.", field="mappings")
    unparsed = [
        f"{row.source}: {use.name} {param}"
        for row in draft.rows
        if not row.ignore
        for use in (*row.transformers, *row.validators)
        for param in use.unparsed
    ]
    if unparsed:
        raise InvalidInput(
            f"Fix the parameters that are not valid JSON: {'; '.join(unparsed)}.",
            field="mappings",
        )
    return [row.to_mapping() for row in draft.rows] + [dict(item) for item in draft.kept]


def key_columns(draft: MappingDraft, primary_key: Sequence[str]) -> list[str]:
    """The key columns chosen, else the targets of the source's primary key columns."""
    if draft.key_columns:
        return list(draft.key_columns)
    targets = {row.source: row.target for row in draft.rows if not row.ignore and row.target}
    return [str(targets[column]) for column in primary_key if targets.get(column)]


def draft_from_config(
    snapshot: Mapping[str, Any], source: SourceRef, columns: Sequence[str], name: str
) -> MappingDraft:
    """The editor showing saved config `snapshot` over the source's `columns`.

    A mapping reading one of the columns fills its row (the first such mapping); a column no
    mapping reads is ignored, as the config leaves it unread; every other mapping is kept.
    """
    rows = {column: ColumnMapping(column, ignore=True) for column in columns}
    filled: set[str] = set()
    kept: list[Mapping[str, Any]] = []
    for item in snapshot.get("mappings") or ():
        source_column = item.get("source")
        if source_column in rows and source_column not in filled:
            filled.add(source_column)
            rows[source_column] = ColumnMapping(
                source=source_column,
                target=None if item.get("ignore") else item.get("target"),
                ignore=bool(item.get("ignore")),
                transformers=_uses(item.get("transformers")),
                validators=_uses(item.get("validators")),
            )
        elif not (item.get("ignore") and source_column in rows):
            kept.append(dict(item))
    return MappingDraft(
        source=source,
        rows=tuple(rows.values()),
        name=name,
        generate_sql=str(snapshot.get("generate_sql") or ""),
        load_mode=str(snapshot.get("load_mode") or "append"),
        error_policy=str(snapshot.get("error_policy") or "stop"),
        key_columns=tuple(snapshot.get("key_columns") or ()),
        kept=tuple(kept),
        loaded=name,
    )


def _uses(calls: Any) -> tuple[PluginUse, ...]:
    return tuple(PluginUse(call["name"], dict(call.get("params") or {})) for call in calls or ())
