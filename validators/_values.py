"""Reading column values as numbers or dates, vectorised, for the range validators."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from validators.base import as_text, no_reasons

# A UTC offset or "Z" at the end of an ISO timestamp. It is dropped so the date compared is
# the date as written: converting "2024-01-01T03:00+07:00" to UTC would move it to December 31.
_OFFSET = r"(?:Z|[+-]\d{2}:?\d{2})$"


def parse_dates(values: pd.Series) -> pd.Series:
    """`values` as calendar dates (datetime64, midnight); NaT where NULL or not an ISO date.

    Accepts ISO 8601 strings (date or date-time, with or without an offset) and date,
    datetime or Timestamp objects.
    """
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        parsed = values.dt.tz_localize(None) if values.dt.tz is not None else values
        return parsed.dt.normalize()
    text = as_text(values).str.strip().str.replace(_OFFSET, "", regex=True)
    parsed = pd.to_datetime(text, errors="coerce", format="ISO8601")
    return parsed.dt.normalize()


def parse_numbers(values: pd.Series) -> pd.Series:
    """`values` as floats; NaN where NULL or not a number (booleans are not numbers)."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return pd.Series(np.nan, index=values.index)
    numbers = pd.to_numeric(values, errors="coerce")
    if values.dtype == object:
        # to_numeric reads True as 1; in a range check a flag is a wrong value, not a one.
        numbers = numbers.mask(values.map(type).eq(bool))
    return numbers.astype(float)


def date_reasons(values: pd.Series, earliest: dt.date | None, latest: dt.date | None) -> np.ndarray:
    """Reasons for values that are not ISO dates or fall outside [earliest, latest]."""
    dates = parse_dates(values)
    reasons = no_reasons(values)
    reasons[(values.notna() & dates.isna()).to_numpy()] = "is not an ISO date"
    if earliest is not None:
        reasons[(dates < pd.Timestamp(earliest)).to_numpy()] = f"is before {earliest.isoformat()}"
    if latest is not None:
        reasons[(dates > pd.Timestamp(latest)).to_numpy()] = f"is after {latest.isoformat()}"
    return reasons
