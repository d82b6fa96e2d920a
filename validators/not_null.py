"""not_null: a value must be present (and, optionally, not blank)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import Field

from validators.base import CheckResult, Example, Validator, ValidatorParams
from validators.registry import register_validator

# Besides Unicode whitespace: the zero-width space Thai text uses between words, and the BOM
# that legacy exports leave at the start of a field; a value made only of them is blank.
_BLANK = r"^[\s\u200b\ufeff]*$"


class NotNullParams(ValidatorParams):
    """Parameters of not_null."""

    treat_empty_as_null: bool = Field(
        default=False, description="Also fail empty strings and strings of only blanks."
    )


@register_validator("not_null")
class NotNull(Validator):
    """NULL (None, NaN, NaT) fails; with `treat_empty_as_null`, '' and blank text fail too."""

    description = "The value must be present (optionally: not empty or blank either)."
    Params = NotNullParams
    examples = (
        Example(input=["a", None, "", "  "], params={}, failing_positions=[1]),
        Example(
            input=["สมชาย", None, "", " \u200b", 0],
            params={"treat_empty_as_null": True},
            failing_positions=[1, 2, 3],
        ),
    )

    def check(self, values: pd.Series, params: NotNullParams) -> CheckResult:
        """Fail NULL values, and blank text when `params.treat_empty_as_null` is set."""
        null = values.isna().to_numpy()
        reasons = np.where(null, "is NULL", None).astype(object)
        if params.treat_empty_as_null:
            blank = _blank_text(values)
            reasons[blank] = "is empty or blank"
        problem = "are NULL or blank" if params.treat_empty_as_null else "are NULL"
        return self.result(values, reasons, problem)


def _blank_text(values: pd.Series) -> np.ndarray:
    """Positions holding a string that is empty or blank."""
    if values.dtype != object and not pd.api.types.is_string_dtype(values.dtype):
        return np.zeros(len(values), dtype=bool)  # numbers and dates are never blank
    # `.str` gives NaN for non-strings: the number 0 is a value, not an empty one.
    try:
        return values.astype(object).str.fullmatch(_BLANK).fillna(False).to_numpy(dtype=bool)
    except AttributeError:  # an object column without a single string in it
        return np.zeros(len(values), dtype=bool)
