"""Lookup transformers: replace values through a mapping."""

from __future__ import annotations

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from data_transformers.base import (
    ConverterParams,
    Example,
    Transformer,
    TransformOutcome,
    as_text,
    finish,
)
from data_transformers.registry import register_transformer


class LookupTable(BaseModel):
    """Where a mapping lives as a table: one column of keys, one of values."""

    model_config = ConfigDict(extra="forbid")

    datasource: str = Field(description="Datasource (name or id) holding the lookup table.")
    table: str = Field(description="The lookup table.")
    key_column: str = Field(description="Column holding the source values.")
    value_column: str = Field(description="Column holding the target values.")
    schema_name: str | None = Field(
        default=None, alias="schema", description="Schema of the table (default: the usual)."
    )


class ValueMapParams(ConverterParams):
    """Parameters of VALUE_MAP: an inline `mapping`, or a `lookup` table to read it from."""

    mapping: dict[str, str] | None = Field(default=None, description="Source value → target value.")
    lookup: LookupTable | None = Field(
        default=None, description="A table of a datasource holding the mapping instead."
    )
    default: str | None = Field(
        default=None, description="Target value for a source value the mapping lacks."
    )
    strip: bool = Field(default=True, description="Trim source values before looking them up.")

    @model_validator(mode="after")
    def _one_source(self) -> ValueMapParams:
        if (self.mapping is None) == (self.lookup is None):
            raise ValueError("give either 'mapping' or 'lookup', not both or neither")
        return self


@register_transformer("VALUE_MAP")
class ValueMap(Transformer):
    """Replace each value by its entry in `mapping`; unmapped values fail unless `default` is set.

    The plugin takes the mapping itself. A `lookup` table of a datasource is read by the
    service layer (services.mapping.resolve_lookups), which passes the resolved dict
    here as `mapping`: plugins do no I/O.
    """

    family = "lookup"
    description = "Replace values through a mapping (source value → target value)."
    Params = ValueMapParams
    output_type = "text"
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
        if params.mapping is None:
            raise ValueError("VALUE_MAP's lookup table must be resolved into a mapping first")
        text = as_text(values, blank_as_null=params.blank_as_null)
        keys = text.str.strip() if params.strip else text
        result = keys.map(params.mapping).astype("str")
        if params.default is not None:
            result = result.fillna(params.default)
        return finish(values, result, result.isna(), "no mapping for", params, null=text.isna())

    def output_length_for(self, params: ValueMapParams) -> int | None:
        # A lookup table is read only at run time: its values' length is not known here.
        if params.mapping is None or params.on_error == "keep":
            return None
        targets = [*params.mapping.values(), *([params.default] if params.default else [])]
        return max((len(value) for value in targets), default=1) or 1
