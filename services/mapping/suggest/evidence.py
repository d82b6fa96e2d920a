"""One column made ready for comparison: its English words, the concepts its name is, what its
values look like; and how well a source column's values fit a target column's concept."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from models.mapping_suggestion import ColumnSpec
from services.mapping.suggest.dictionary import Concept, Dictionary
from services.mapping.suggest.expand import ExpandedName, expand_name
from services.mapping.suggest.names import name_key
from services.mapping.suggest.types import type_family
from services.mapping.suggest.values import SMALL_CODE_SET, ValueFindings, find_values

#: How much a concept found through each kind of key counts, by the key's place in
#: `ExpandedName.keys`: the name as written is surest; later variants are inferences.
_KEY_STRENGTHS = (1.0, 0.95, 0.9, 0.9, 0.85)
_FUZZY_CUTOFF = 90  # rapidfuzz ratio for a near-spelling of a dictionary name ('birthdte')
_FUZZY_MIN_LENGTH = 6

#: Name endings that say how a concept is written, not which concept it is.
_VALUE_SUFFIXES = ("_source_value", "_code", "_id", "_no", "_number", "_value", "_text")
_SPECIFIC_RANGE = 300
_KEY_KINDS = {"identifier", "hn", "citizen_id"}
_CODED_KINDS = {"code", "flag"}
_FEW_ROWS = 50  # a range this wide or wider says little about a column's meaning
_DATE_KINDS = {"date", "datetime", "year"}
_NUMBER_KINDS = {"quantity", "count", "money", "year"}
_TEXT_KINDS = {"text", "name", "address"}


@dataclass(frozen=True, slots=True)
class ConceptMatch:
    """A concept a column's name is, how sure (0–1), and through which spelling."""

    concept: Concept
    strength: float
    via: str


@dataclass(frozen=True, slots=True)
class ColumnView:
    """A column with everything the scorer compares."""

    spec: ColumnSpec
    expanded: ExpandedName
    concepts: tuple[ConceptMatch, ...]
    values: ValueFindings
    family: str

    @property
    def name(self) -> str:
        """The column's name as written."""
        return self.spec.name

    @property
    def concept(self) -> ConceptMatch | None:
        """The surest concept, if any."""
        return self.concepts[0] if self.concepts else None

    @property
    def embedding_text(self) -> str:
        """What the semantic model reads: the English words of the name."""
        return self.expanded.words or self.spec.name


def view_column(dictionary: Dictionary, column: ColumnSpec, table: str) -> ColumnView:
    """`column` of `table` expanded, matched to concepts, its values read."""
    expanded = expand_name(dictionary, column.name, table)
    return ColumnView(
        spec=column,
        expanded=expanded,
        concepts=match_concepts(dictionary, expanded),
        values=find_values(column),
        family=type_family(column.type),
    )


@functools.cache
def _label_index(dictionary: Dictionary) -> dict[str, str]:
    return {name_key(c.label): c.id for c in dictionary.concepts.values()}


@functools.cache
def _all_keys(dictionary: Dictionary) -> tuple[str, ...]:
    return tuple(key for key in dictionary.by_name if len(key) >= _FUZZY_MIN_LENGTH)


def match_concepts(dictionary: Dictionary, expanded: ExpandedName) -> tuple[ConceptMatch, ...]:
    """The concepts a name is, surest first (at most one match per concept)."""
    found: dict[str, ConceptMatch] = {}
    labels = _label_index(dictionary)

    def add(concept_id: str | None, strength: float, via: str) -> None:
        if concept_id is None:
            return
        current = found.get(concept_id)
        if current is None or current.strength < strength:
            found[concept_id] = ConceptMatch(dictionary.concepts[concept_id], strength, via)

    for index, key in enumerate(expanded.keys):
        strength = _KEY_STRENGTHS[min(index, len(_KEY_STRENGTHS) - 1)]
        add(dictionary.by_name.get(key), strength, key)
        add(labels.get(key), strength * 0.95, key)
    if not found:
        # 'attending_doctor_code', 'race_source_value': the concept with its kind of value.
        for key in expanded.keys:
            for suffix in _VALUE_SUFFIXES:
                stem = key.removesuffix(suffix)
                if stem != key and stem:
                    add(dictionary.by_name.get(stem) or labels.get(stem), 0.85, key)
    if not found:
        key = expanded.keys[0] if expanded.keys else ""
        if len(key) >= _FUZZY_MIN_LENGTH:
            from rapidfuzz import fuzz, process

            best = process.extractOne(
                key, _all_keys(dictionary), scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF
            )
            if best is not None:
                add(dictionary.by_name[best[0]], 0.8 * best[1] / 100, best[0])
    return tuple(sorted(found.values(), key=lambda match: -match.strength))


def expected_kind(view: ColumnView) -> str | None:
    """The value kind a target column expects: its concept's, else its type's."""
    if view.concept is not None and view.concept.strength >= 0.85:
        return view.concept.concept.kind
    return {
        "date": "date",
        "datetime": "datetime",
        "time": "time",
        "json": "json",
        "integer": "count",
        "decimal": "quantity",
    }.get(view.family)


def value_fit(source: ColumnView, target: ColumnView) -> tuple[float, str | None]:
    """How well the source's values fit what the target holds (-1 to 1), with the reason."""
    found = source.values
    wanted = expected_kind(target)
    if wanted is None or (found.n == 0 and found.phi_kind is None):
        return 0.0, None
    kind = found.kind()
    if kind in ("date", "datetime"):
        calendar = "25xx (Buddhist) years" if found.buddhist_dates else "dates"
        reason = f"{calendar} in {found.of(found.dates)}"
        if wanted in _DATE_KINDS:
            return 1.0, reason
        return (-0.5, None) if wanted == "time" else (-1.0, None)
    if kind == "time":
        if wanted == "time":
            return 1.0, f"times of day in {found.of(found.times)}"
        return (0.3, None) if wanted == "datetime" else (-1.0, None)
    if kind == "citizen_id":
        if wanted == "citizen_id":
            checked = found.of(found.citizen_ids) if found.n else "masked as citizen IDs"
            return 1.0, f"13-digit IDs passing the checksum ({checked})"
        return -0.7, None
    if kind == "icd10":
        if wanted == "icd10":
            return 1.0, f"ICD-10 codes in {found.of(found.icd10)}"
        return (-0.3, None) if wanted != "code" else (0.0, None)
    if kind == "json":
        return (0.8, f"JSON in {found.of(found.json_values)}") if wanted == "json" else (0.0, None)
    if kind == "number":
        return _number_fit(found, target)
    if kind == "text" and wanted in _DATE_KINDS | _NUMBER_KINDS | {"citizen_id", "time"}:
        return -0.6, None
    return _cardinality_fit(source, wanted)


def _cardinality_fit(source: ColumnView, wanted: str) -> tuple[float, str | None]:
    """What the number of distinct values says: a key is unique, a code set is small."""
    stats = source.spec.stats
    if stats is None or not stats.rows or stats.distinct is None:
        return 0.0, None
    present = stats.rows - (stats.nulls or 0) - (stats.empties or 0)
    if present <= _FEW_ROWS:
        return 0.0, None  # too few rows to tell a key from a code
    if wanted in _KEY_KINDS and stats.distinct >= 0.99 * present:
        return 0.4, f"unique in {present:,} rows"
    if wanted in _CODED_KINDS and stats.distinct <= SMALL_CODE_SET:
        return 0.4, f"{stats.distinct} distinct values in {present:,} rows: a code set"
    if wanted in _CODED_KINDS and stats.distinct > 10 * SMALL_CODE_SET:
        return -0.4, None
    return 0.0, None


def _number_fit(found: ValueFindings, target: ColumnView) -> tuple[float, str | None]:
    wanted = expected_kind(target)
    concept = target.concept.concept if target.concept else None
    if wanted in _DATE_KINDS - {"year"} or wanted == "time":
        digits = found.digit_lengths == frozenset({8}) and found.dates
        return (0.0, None) if digits else (-1.0, None)
    if concept is None or concept.range is None or found.low is None or found.high is None:
        return 0.0, None
    low, high = concept.range
    if low <= found.low and found.high <= high:
        span = f"{found.low:g}–{found.high:g}"
        # Fitting a narrow range (temperature 30–45) says more than a wide one (price).
        specific = min(1.0, max(0.0, 1 - (high - low) / _SPECIFIC_RANGE))
        return 0.4 + 0.6 * specific, f"values {span} fit {concept.label} ({low:g}–{high:g})"
    return -1.0, None
