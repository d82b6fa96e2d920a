"""Transformers and validators a mapping needs, read from the source's sample values and what
the target holds: each with the reason a user can check ("Buddhist year in 8/8 samples")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from models.mapping_suggestion import ColumnSpec, PluginSuggestion
from services.mapping.suggest.types import type_family
from services.mapping.suggest.values import ValueFindings, find_values
from services.privacy import phi_kind

#: Transformers that trim their input themselves: TRIM before them would say nothing.
_TRIMMING = {"HN_PAD", "CID_FORMAT", "ICD10_NORMALIZE", "VALUE_MAP", "SEX_CODE"}
_DEFAULT_HN_WIDTH = 9  # HOSxP's HN: nine digits with leading zeros
_SEX_CONCEPTS = {"sex", "gender"}
#: What a VALUE_MAP may map into: codes (a known kind) or a column the dictionary does not know.
#: Never identifiers, names or dates, whose values must not be listed in a reason.
_CODED_KINDS = {"code", "flag", None}


@dataclass(frozen=True, slots=True)
class ColumnAdvice:
    """What one mapping needs: transformers in the order they run, validators, or to be
    left unmapped (`ignore_reason`)."""

    transformers: tuple[PluginSuggestion, ...] = ()
    validators: tuple[PluginSuggestion, ...] = ()
    ignore_reason: str | None = None


def analyze_column(
    source_col: ColumnSpec,
    target_col: ColumnSpec | None,
    samples: Sequence[str] | None = None,
    *,
    target_kind: str | None = None,
    target_concept: str | None = None,
) -> ColumnAdvice:
    """The transformers and validators moving `source_col` into `target_col` needs.

    Args:
        source_col: the source column; its samples and statistics are the evidence.
        target_col: the target column (None: no target, only IGNORE can be said).
        samples: sample values to read instead of `source_col.samples`.
        target_kind: the value kind the target holds (a dictionary kind: date, hn,
            citizen_id…), when known; otherwise the target's type decides.
        target_concept: the target's dictionary concept id, when known (sex, gender…).
    """
    column = source_col if samples is None else replace(source_col, samples=tuple(samples))
    found = find_values(column)
    if found.all_empty:
        rows = column.stats.rows if column.stats else 0
        return ColumnAdvice(ignore_reason=f"empty (NULL or '') in all {rows:,} rows")
    if target_col is None:
        return ColumnAdvice()
    family = type_family(target_col.type)
    kind = target_kind or {"date": "date", "datetime": "datetime"}.get(family)
    steps = [
        step
        for step in (
            _repair_thai(found),
            _zero_dates(found, column, kind),
            _buddhist(found, kind),
            _hn_pad(found, column, target_col, kind),
            _cid_format(found, kind),
            _float_to_int(found, family),
            _parse_json(found, family),
            _icd10(found, kind),
        )
        if step is not None
    ]
    coded = _sex_code(found, target_col, target_concept)
    if coded is None and kind in _CODED_KINDS and phi_kind(column.name, column.samples) is None:
        coded = _value_map(found, target_col)
    if coded is not None:
        steps.append(coded)
    trimmed = any(step.name in _TRIMMING for step in steps)
    if found.padded and not trimmed and type_family(column.type) in ("text", "unknown"):
        steps.insert(0, PluginSuggestion("TRIM", f"spaces around {found.of(found.padded)}"))
    validators: list[PluginSuggestion] = []
    if kind == "citizen_id":
        validators.append(
            PluginSuggestion("cid_checksum", "the target holds Thai citizen IDs: check digit")
        )
    return ColumnAdvice(tuple(steps), tuple(validators))


def _repair_thai(found: ValueFindings) -> PluginSuggestion | None:
    if not found.mojibake:
        return None
    return PluginSuggestion(
        "REPAIR_THAI_ENCODING", f"Thai TIS-620 text read as latin-1 in {found.of(found.mojibake)}"
    )


def _zero_dates(
    found: ValueFindings, column: ColumnSpec, kind: str | None
) -> PluginSuggestion | None:
    in_stats = bool(column.stats and column.stats.zero_dates)
    if not (found.zero_dates or in_stats):
        return None
    if kind not in ("date", "datetime", None) and not found.dates:
        return None
    where = found.of(found.zero_dates) if found.zero_dates else "the profile"
    return PluginSuggestion("ZERO_DATE_TO_NULL", f"zero dates 0000-00-00 in {where}")


def _buddhist(found: ValueFindings, kind: str | None) -> PluginSuggestion | None:
    dated = found.buddhist_dates + found.christian_dates
    if not found.buddhist_dates or found.buddhist_dates < 0.5 * dated:
        return None
    if kind not in ("date", "datetime"):
        return None
    layout = found.main_layout
    clock = ", with time" if found.with_clock else ""
    return PluginSuggestion(
        "BUDDHIST_TO_ISO",
        f"Buddhist year (25xx) in {found.of(found.buddhist_dates)}, layout {layout}{clock}",
    )


def _hn_pad(
    found: ValueFindings, column: ColumnSpec, target: ColumnSpec, kind: str | None
) -> PluginSuggestion | None:
    if kind != "hn" or type_family(target.type) not in ("text", "unknown"):
        return None
    digits = [s.strip() for s in column.samples if s.strip().replace(".", "", 1).isdigit()]
    if not digits:
        return None
    padded = [s for s in digits if s.startswith("0")]
    integer_source = type_family(column.type) in ("integer", "decimal")
    if not integer_source and len(found.digit_lengths) <= 1 and padded:
        return None  # already zero-padded text of one width
    if not integer_source and len(found.digit_lengths) <= 1:
        return None
    width = max(len(s) for s in padded) if padded else max(_DEFAULT_HN_WIDTH, *found.digit_lengths)
    lengths = ", ".join(str(n) for n in sorted(found.digit_lengths))
    return PluginSuggestion(
        "HN_PAD",
        f"HNs of {lengths} digits in {found.of(len(digits))}: leading zeros lost",
        {"width": width},
    )


def _cid_format(found: ValueFindings, kind: str | None) -> PluginSuggestion | None:
    if kind != "citizen_id" or not found.citizen_ids_with_separators:
        return None
    # The bare 13 digits: what the 43 files and new systems hold (and what fits a CHAR(13)).
    return PluginSuggestion(
        "CID_FORMAT",
        f"citizen IDs with dashes or spaces in {found.of(found.citizen_ids_with_separators)}: "
        "written as 13 digits",
        {"dashes": False},
    )


def _float_to_int(found: ValueFindings, family: str) -> PluginSuggestion | None:
    if family != "integer" or not found.float_ints or found.float_ints < 0.5 * found.numbers:
        return None
    return PluginSuggestion(
        "FLOAT_TO_INT", f"whole numbers written as '123.0' in {found.of(found.float_ints)}"
    )


def _parse_json(found: ValueFindings, family: str) -> PluginSuggestion | None:
    if family != "json" or found.json_values < 0.8 * found.n or not found.n:
        return None
    return PluginSuggestion("PARSE_JSON", f"JSON text in {found.of(found.json_values)}")


def _icd10(found: ValueFindings, kind: str | None) -> PluginSuggestion | None:
    if not found.n or found.icd10 < 0.8 * found.n:
        return None
    if kind not in ("icd10", None, "code"):
        return None
    messy = found.icd10_messy + found.padded
    if not messy:
        return None
    return PluginSuggestion(
        "ICD10_NORMALIZE",
        "ICD-10 codes not in the E11.9 form (case, dot, spaces) in "
        + found.of(min(messy, found.n)),
    )


def _sex_code(
    found: ValueFindings, target: ColumnSpec, concept: str | None
) -> PluginSuggestion | None:
    if not found.n or found.sex_words < 0.8 * found.n:
        return None
    codes = {value.strip() for value in target.values}
    if codes and not codes <= {"1", "2", "3", "9", "0"}:
        return None  # the target has codes of its own: a VALUE_MAP
    if not codes and concept not in _SEX_CONCEPTS:
        return None
    shown = ", ".join(found.code_values[:6])
    return PluginSuggestion("SEX_CODE", f"sex written as {shown}: the target holds codes 1/2")


def _value_map(found: ValueFindings, target: ColumnSpec) -> PluginSuggestion | None:
    codes = [value.strip() for value in target.values]
    if not codes or not found.code_values:
        return None
    if set(found.code_values) <= set(codes):
        return None
    by_text = {code.casefold(): code for code in codes}
    mapping = {v: by_text[v.casefold()] for v in found.code_values if v.casefold() in by_text}
    unmapped = [v for v in found.code_values if v not in mapping]
    shown = ", ".join(unmapped[:6])
    return PluginSuggestion(
        "VALUE_MAP",
        f"source codes {shown} are not among the target's {', '.join(codes[:8])}: "
        "complete the mapping (unmapped values fail, none is changed silently)",
        {"mapping": mapping},
    )
