"""regex: a value must match a regular expression from start to end."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from pydantic import Field, field_validator

from validators.base import CheckResult, Example, Validator, ValidatorParams, as_text
from validators.registry import register_validator


class RegexParams(ValidatorParams):
    """Parameters of regex."""

    pattern: str = Field(description="Python regular expression the whole value must match.")

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        # Refused when the config is saved, not when the first batch is checked.
        try:
            re.compile(pattern)
        except re.error as error:
            raise ValueError(f"not a valid regular expression: {error}") from None
        return pattern


@register_validator("regex")
class Regex(Validator):
    """Values that do not match `pattern` in full fail; numbers are matched as their text."""

    description = "The whole value must match the regular expression `pattern`."
    Params = RegexParams
    examples = (
        Example(
            input=["HN000123", "hn000123", "HN12", None],
            params={"pattern": r"HN\d{6}"},
            failing_positions=[1, 2],
        ),
        Example(
            input=["นาย", "นาง", "Mr.", "นางสาว"],
            params={"pattern": "นาย|นาง|นางสาว"},
            failing_positions=[2],
        ),
    )

    def check(self, values: pd.Series, params: RegexParams) -> CheckResult:
        """Fail non-NULL values that do not match `params.pattern` from start to end."""
        matched = as_text(values).str.fullmatch(params.pattern)
        # The reason quotes the pattern (configuration), never the value (patient data).
        mismatch = (values.notna() & ~matched.fillna(True).astype(bool)).to_numpy()
        reasons = np.where(mismatch, f"does not match the pattern {params.pattern}", None)
        return self.result(values, reasons.astype(object), "do not match the pattern")
