"""range_check: a number (or a date) must lie between a minimum and a maximum, inclusive."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from pydantic import Field, model_validator

from validators._values import date_reasons, parse_numbers
from validators.base import CheckResult, Example, Validator, ValidatorParams, no_reasons
from validators.registry import register_validator

Bound = float | dt.date

_PROBLEM = "are out of range or unreadable"


class RangeParams(ValidatorParams):
    """Parameters of range_check: at least one bound, both numbers or both ISO dates."""

    min: Bound | None = Field(default=None, description="Smallest allowed value (inclusive).")
    max: Bound | None = Field(default=None, description="Largest allowed value (inclusive).")

    @model_validator(mode="after")
    def _bounds_make_a_range(self) -> RangeParams:
        if self.min is None and self.max is None:
            raise ValueError("range_check needs at least one of min, max")
        if self.min is not None and self.max is not None:
            if isinstance(self.min, dt.date) != isinstance(self.max, dt.date):
                raise ValueError("min and max must both be numbers or both be dates")
            if self.min > self.max:  # type: ignore[operator]
                raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        return self

    @property
    def dates(self) -> bool:
        """Whether the bounds are dates (values are then read as ISO dates)."""
        return isinstance(self.min, dt.date) or isinstance(self.max, dt.date)


@register_validator("range_check")
class RangeCheck(Validator):
    """Values outside [min, max] fail; values that are not numbers (or dates) fail too."""

    description = "The value must lie between min and max (inclusive): numbers or ISO dates."
    Params = RangeParams
    examples = (
        Example(
            input=[0, 5, "10", 11, None, "abc"],
            params={"min": 0, "max": 10},
            failing_positions=[3, 5],
        ),
        Example(input=[36.5, 45.0, 20.1], params={"min": 25}, failing_positions=[2]),
        Example(
            input=["2024-01-01", "2567-03-01", "soon"],
            params={"max": "2100-12-31"},
            failing_positions=[1, 2],
        ),
    )

    def check(self, values: pd.Series, params: RangeParams) -> CheckResult:
        """Fail values below `min` or above `max`, and values that cannot be compared."""
        if params.dates:
            return self.result(values, date_reasons(values, params.min, params.max), _PROBLEM)
        numbers = parse_numbers(values)
        unreadable = values.notna() & numbers.isna()
        reasons = no_reasons(values)
        reasons[unreadable.to_numpy()] = "is not a number"
        if params.min is not None:
            reasons[(numbers < params.min).to_numpy()] = f"is below the minimum {_show(params.min)}"
        if params.max is not None:
            reasons[(numbers > params.max).to_numpy()] = f"is above the maximum {_show(params.max)}"
        return self.result(values, reasons, _PROBLEM)


def _show(bound: float) -> str:
    """10.0 → '10': the bound as the user most likely wrote it."""
    return str(int(bound)) if float(bound).is_integer() else str(bound)
