"""Lookup transformers: replace values through a mapping."""

from __future__ import annotations

import pandas as pd
from pydantic import Field

from data_transformers.base import (
    ConverterParams,
    Example,
    Transformer,
    TransformOutcome,
    as_text,
    finish,
)
from data_transformers.registry import register_transformer


class ValueMapParams(ConverterParams):
    """Parameters of VALUE_MAP."""

    mapping: dict[str, str] = Field(description="Source value → target value.")
    default: str | None = Field(
        default=None, description="Target value for a source value the mapping lacks."
    )
    strip: bool = Field(default=True, description="Trim source values before looking them up.")


@register_transformer("VALUE_MAP")
class ValueMap(Transformer):
    """Replace each value by its entry in `mapping`; unmapped values fail unless `default` is set.

    The plugin takes the mapping itself. A mapping kept as a lookup table in a datasource is
    read by the service layer, which passes the resolved dict here as `mapping`.
    """

    family = "lookup"
    description = "Replace values through a mapping (source value → target value)."
    Params = ValueMapParams
    examples = (
        Example(
            input=["10", " 20", "99", None],
            params={"mapping": {"10": "UC", "20": "SSS"}},
            output=["UC", "SSS", None, None],
        ),
        Example(
            input=["10", "99"],
            params={"mapping": {"10": "UC"}, "default": "OTHER"},
            output=["UC", "OTHER"],
        ),
    )

    def apply(self, values: pd.Series, params: ValueMapParams) -> TransformOutcome:
        text = as_text(values, blank_as_null=params.blank_as_null)
        keys = text.str.strip() if params.strip else text
        result = keys.map(params.mapping).astype("str")
        if params.default is not None:
            result = result.fillna(params.default)
        return finish(values, result, result.isna(), "no mapping for", params, null=text.isna())
