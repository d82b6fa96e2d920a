"""Text transformers: trimming, case, whitespace, and repairing Thai text read as latin-1.

None of them sets `output_type`: the output is never longer than the input (Thai repaired from
latin-1 keeps one character per byte), so it fits the input column's own type.
"""

from __future__ import annotations

import pandas as pd

from data_transformers.base import (
    Example,
    Transformer,
    TransformerParams,
    TransformOutcome,
    as_text,
    finish,
)
from data_transformers.registry import register_transformer

# Python's \s and pyarrow's RE2 \s disagree on non-ASCII spaces: name the ones HIS text carries.
_WHITESPACE_RUN = "[\t\n\r\f\v \u00a0\u3000]+"
# cp874 puts Thai letters at 0xA1-0xFB; read as latin-1 they become 'Ê', 'ç', 'Ã'...
_LATIN1_MOJIBAKE = "^[\u0000-\u00ff]*[\u00a1-\u00fb][\u0000-\u00ff]*$"


def _unchanged(values: pd.Series, result: pd.Series, params: TransformerParams) -> TransformOutcome:
    """An outcome with no failure: text transformers accept every text."""
    return finish(values, result, pd.Series(False, index=values.index), "", params)


@register_transformer("TRIM")
class Trim(Transformer):
    """Remove leading and trailing whitespace."""

    family = "text"
    description = "Remove spaces, tabs and newlines at both ends of a text."
    examples = (
        Example(input=[" HN001 ", "a\t", None, ""], params={}, output=["HN001", "a", None, ""]),
    )

    def apply(self, values: pd.Series, params: TransformerParams) -> TransformOutcome:
        return _unchanged(values, as_text(values).str.strip(), params)


@register_transformer("UPPER")
class Upper(Transformer):
    """Upper-case a text (Thai letters have no case and stay as they are)."""

    family = "text"
    description = "Upper-case a text."
    examples = (
        Example(input=["e11.9", "นาย abc", None], params={}, output=["E11.9", "นาย ABC", None]),
    )

    def apply(self, values: pd.Series, params: TransformerParams) -> TransformOutcome:
        return _unchanged(values, as_text(values).str.upper(), params)


@register_transformer("LOWER")
class Lower(Transformer):
    """Lower-case a text."""

    family = "text"
    description = "Lower-case a text."
    examples = (
        Example(input=["ADMIN", "Nurse01", None], params={}, output=["admin", "nurse01", None]),
    )

    def apply(self, values: pd.Series, params: TransformerParams) -> TransformOutcome:
        return _unchanged(values, as_text(values).str.lower(), params)


@register_transformer("NORMALIZE_WHITESPACE")
class NormalizeWhitespace(Transformer):
    """Collapse every run of spaces, tabs and newlines to one space, then trim."""

    family = "text"
    description = "Collapse runs of spaces, tabs and newlines into one space and trim the ends."
    examples = (
        Example(
            input=["NSAIDs: ปากบวม\nตาบวม", "  a \t\t b  ", "x\u00a0\u00a0y", None],
            params={},
            output=["NSAIDs: ปากบวม ตาบวม", "a b", "x y", None],
        ),
    )

    def apply(self, values: pd.Series, params: TransformerParams) -> TransformOutcome:
        text = as_text(values).str.replace(_WHITESPACE_RUN, " ", regex=True).str.strip()
        return _unchanged(values, text, params)


@register_transformer("REPAIR_THAI_ENCODING")
class RepairThaiEncoding(Transformer):
    """Turn Thai TIS-620/cp874 text that was read as latin-1 back into Thai.

    Only texts made entirely of latin-1 characters with at least one in the cp874 Thai range are
    candidates; proper Thai and plain ASCII are left alone. A latin-1 word such as 'café' is
    indistinguishable from mojibake and would be converted too: run this only on columns known
    to be affected.
    """

    family = "text"
    description = "Repair Thai TIS-620/cp874 text that was stored or read as latin-1."
    examples = (
        Example(
            input=["ÊÁªÒÂ ã¨´Õ", "สมชาย ใจดี", "HN 001", None, "\u00db\u00dc"],
            params={},
            output=["สมชาย ใจดี", "สมชาย ใจดี", "HN 001", None, None],
        ),
        Example(input=["\u00db\u00dc"], params={"on_error": "keep"}, output=["\u00db\u00dc"]),
    )

    def apply(self, values: pd.Series, params: TransformerParams) -> TransformOutcome:
        text = as_text(values)
        candidate = text.str.contains(_LATIN1_MOJIBAKE, regex=True).fillna(False).astype(bool)
        result = text.copy()
        failed = pd.Series(False, index=text.index)
        if candidate.any():
            # Every candidate is latin-1 by construction, so the encode cannot fail; bytes that
            # cp874 leaves undefined come back as U+FFFD and mark the value as not repairable.
            repaired = text[candidate].str.encode("latin-1").str.decode("cp874", errors="replace")
            broken = repaired.str.contains("\ufffd", regex=False)
            result[candidate] = repaired
            failed[candidate] = broken
        return finish(values, result, failed, "not Thai text read as latin-1", params)
