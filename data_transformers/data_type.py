"""Data-type transformers: whole numbers written as floats, numbers, booleans, JSON text."""

from __future__ import annotations

import json
from typing import Literal

import pandas as pd
from pydantic import Field

from data_transformers.base import (
    Converted,
    ConverterParams,
    Example,
    Transformer,
    TransformOutcome,
    as_text,
    by_distinct,
    finish,
)
from data_transformers.registry import register_transformer

_WHOLE_NUMBER = r"^\s*(?P<whole>[+-]?\d+)(?:\.0*)?\s*$"
_TRUE_WORDS = ("1", "y", "yes", "true", "t", "on", "ใช่", "จริง")
_FALSE_WORDS = ("0", "n", "no", "false", "f", "off", "ไม่", "ไม่ใช่", "เท็จ")
_BOOLEANS = dict.fromkeys(_TRUE_WORDS, True) | dict.fromkeys(_FALSE_WORDS, False)


class FloatToIntParams(ConverterParams):
    """Parameters of FLOAT_TO_INT."""

    output: Literal["text", "integer"] = Field(
        default="text",
        description="Write digits as text (keeps leading zeros: '05656') or as an integer.",
    )


@register_transformer("FLOAT_TO_INT")
class FloatToInt(Transformer):
    """Whole numbers that went through a float ('10669.0') back to their digits ('10669')."""

    family = "data_type"
    description = "Drop the '.0' a spreadsheet adds to codes: '10669.0' → '10669'."
    Params = FloatToIntParams
    output_type = "text"
    examples = (
        Example(
            input=["10669.0", "05656", " 123.00 ", "123.5", "abc", None],
            params={},
            output=["10669", "05656", "123", None, None, None],
        ),
        Example(input=["123.0", "-7"], params={"output": "integer"}, output=[123, -7]),
    )

    def apply(self, values: pd.Series, params: FloatToIntParams) -> TransformOutcome:
        text = as_text(values, blank_as_null=params.blank_as_null)

        def digits(text: pd.Series) -> Converted:
            whole = text.str.extract(_WHOLE_NUMBER)["whole"].astype("str")
            return whole, whole.isna(), "not a whole number"

        whole, failed, reasons = by_distinct(text, digits)  # codes repeat: convert each once
        result = whole.astype("Int64") if params.output == "integer" else whole
        return finish(values, result, failed, reasons, params, null=text.isna())

    def output_type_for(
        self,
        params: FloatToIntParams,
        input_type: str | None = None,
        input_length: int | None = None,
    ) -> str | None:
        # Digits as text keep leading zeros ('05656'); kept failures are text as well.
        return "integer" if params.output == "integer" and params.on_error == "null" else "text"


@register_transformer("TO_NUMERIC")
class ToNumeric(Transformer):
    """Numeric text to numbers; thousands separators and surrounding spaces are allowed."""

    family = "data_type"
    description = "Convert numeric text ('1,234.50') to a number."
    Params = ConverterParams
    output_type = "numeric"
    examples = (
        Example(
            input=[" 1,234.50 ", "12", "-0.5", "1e3", "12 baht", None],
            params={},
            output=[1234.5, 12.0, -0.5, 1000.0, None, None],
        ),
    )

    def apply(self, values: pd.Series, params: ConverterParams) -> TransformOutcome:
        text = as_text(values, blank_as_null=params.blank_as_null)
        plain = text.str.strip().str.replace(",", "", regex=False)
        numbers = pd.to_numeric(plain, errors="coerce").astype("float64")
        return finish(values, numbers, numbers.isna(), "not a number", params, null=text.isna())


@register_transformer("TO_BOOLEAN")
class ToBoolean(Transformer):
    """Yes/no text to booleans: '1', 'Y', 'yes', 'true', 't', 'ใช่' → True; opposites → False."""

    family = "data_type"
    description = "Convert yes/no text (1/0, Y/N, true/false, ใช่/ไม่) to booleans."
    Params = ConverterParams
    output_type = "boolean"
    examples = (
        Example(
            input=["1", "Y", " yes", "TRUE", "t", "ใช่", "0", "N", "ไม่", "maybe", None],
            params={},
            output=[True, True, True, True, True, True, False, False, False, None, None],
        ),
    )

    def apply(self, values: pd.Series, params: ConverterParams) -> TransformOutcome:
        text = as_text(values, blank_as_null=params.blank_as_null)
        result = text.str.strip().str.lower().map(_BOOLEANS).astype("boolean")
        return finish(values, result, result.isna(), "not yes or no", params, null=text.isna())


def _canonical_json(text: str) -> str | None:
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    return json.dumps(parsed, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


@register_transformer("PARSE_JSON")
class ParseJson(Transformer):
    """JSON text checked and rewritten compactly with sorted keys (Thai kept as is)."""

    family = "data_type"
    description = "Check JSON text and rewrite it compact, keys sorted."
    Params = ConverterParams
    output_type = "json"
    examples = (
        Example(
            input=['{"symptoms": ["ไข้"], "pain_score": 3}', "[1, 2]", "{bad json", None],
            params={},
            output=['{"pain_score":3,"symptoms":["ไข้"]}', "[1,2]", None, None],
        ),
    )

    def apply(self, values: pd.Series, params: ConverterParams) -> TransformOutcome:
        text = as_text(values, blank_as_null=params.blank_as_null)
        # JSON parsing has no vectorised form; parse each distinct text once and map it back.
        distinct = text.dropna().unique()
        table = dict(zip(distinct, map(_canonical_json, distinct), strict=True))
        result = text.map(table).astype("str") if len(table) else text
        failed = text.notna() & result.isna()
        return finish(values, result, failed, "not JSON", params, null=text.isna())
