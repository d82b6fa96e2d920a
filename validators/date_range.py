"""date_range: a value must be a date (ISO text or a date object) within optional bounds."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from pydantic import Field, model_validator

from validators._values import date_reasons
from validators.base import CheckResult, Example, Validator, ValidatorParams
from validators.registry import register_validator

_PROBLEM = "are not dates within the range"


class DateRangeParams(ValidatorParams):
    """Parameters of date_range; with neither bound it only checks that values are dates."""

    min: dt.date | None = Field(default=None, description="Earliest allowed date (inclusive).")
    max: dt.date | None = Field(default=None, description="Latest allowed date (inclusive).")

    @model_validator(mode="after")
    def _min_not_after_max(self) -> DateRangeParams:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is after max ({self.max})")
        return self


@register_validator("date_range")
class DateRange(Validator):
    """Dates outside [min, max] fail, compared by calendar day; unparseable values fail."""

    description = (
        "The value must be an ISO date or date-time between min and max (inclusive, by day)."
    )
    Params = DateRangeParams
    examples = (
        Example(
            input=["1990-05-01", "2024-12-31T23:59:00", "2568-01-15", "31/12/2024", None],
            params={"min": "1900-01-01", "max": "2024-12-31"},
            failing_positions=[2, 3],
        ),
        Example(input=["2024-02-29", "2023-02-29"], params={}, failing_positions=[1]),
    )

    def check(self, values: pd.Series, params: DateRangeParams) -> CheckResult:
        """Fail values that are not dates or fall outside the bounds.

        A date-time is compared by its calendar date as written (any UTC offset ignored), so
        "2024-12-31T23:59" passes `max: 2024-12-31`. A Buddhist-era year (2568) fails the
        usual bounds, which is the point: it must be converted before loading.
        """
        return self.result(values, date_reasons(values, params.min, params.max), _PROBLEM)
