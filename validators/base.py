"""What every validator declares (name, description, parameters, examples) and returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict


class ValidatorParams(BaseModel):
    """Parameters of a validator; subclasses declare fields so configs, forms and docs agree.

    Unknown keys are refused: a misspelt parameter in a saved config must not be silently ignored.
    """

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class Example:
    """A worked example: `input` checked with `params` fails exactly at `failing_positions`."""

    input: list
    params: dict
    failing_positions: list[int]


@dataclass
class CheckResult:
    """The outcome of one validator on one column of values.

    Attributes:
        name: The validator's registered name.
        passed: True when no value failed.
        failed: Boolean mask with the input's index; True marks a value that violates the check.
        reasons: Why each failed value failed (a string), None where the value passed.
            Reasons never quote the value itself: values are patient data.
        message: One line for people, e.g. "3 of 120 values are NULL" or "all 120 values pass".
        column: The checked Series' name (the column), when it had one.
    """

    name: str
    passed: bool
    failed: pd.Series
    reasons: pd.Series
    message: str
    column: str | None = None

    @property
    def failed_count(self) -> int:
        """How many values failed."""
        return int(self.failed.sum())


class Validator:
    """Base class of a check; a subclass registers itself with `@register_validator(name)`."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    Params: ClassVar[type[ValidatorParams]] = ValidatorParams
    examples: ClassVar[tuple[Example, ...]] = ()

    def check(self, values: pd.Series, params: ValidatorParams) -> CheckResult:
        """Check `values` (one column of a batch) and say which ones fail and why."""
        raise NotImplementedError

    def result(self, values: pd.Series, reasons: np.ndarray, problem: str) -> CheckResult:
        """Build the CheckResult from a reason per position (None where the value passes).

        Positions, not index labels: a batch's index may repeat labels.

        Args:
            values: The checked values (gives the index, the size and the column name).
            reasons: Object array as long as `values`; a string where a value fails.
            problem: Completes "N of M values …" in the message ("are NULL", "are duplicates").
        """
        failed = pd.Series(pd.notna(reasons), index=values.index, dtype=bool)
        count, total = int(failed.sum()), len(values)
        message = f"{count} of {total} values {problem}" if count else f"all {total} values pass"
        column = values.name if isinstance(values.name, str) else None
        return CheckResult(
            name=self.name,
            passed=not count,
            failed=failed,
            reasons=pd.Series(reasons, index=values.index, dtype=object),
            message=message,
            column=column,
        )


def no_reasons(values: pd.Series) -> np.ndarray:
    """An all-pass reasons array for `values`, to fill in where values fail."""
    return np.full(len(values), None, dtype=object)


def as_text(values: pd.Series) -> pd.Series:
    """`values` as Python strings (numbers too: a CID may be stored as BIGINT), None where NULL.

    An object Series, so `.str` uses Python's `re` whatever the column's dtype, and any
    NULL (NaN, NaT, pd.NA) becomes None, which `.str` skips.
    """
    present = values.notna().to_numpy()
    text = np.full(len(values), None, dtype=object)
    text[present] = values[present].astype(str).to_numpy(dtype=object)
    return pd.Series(text, index=values.index, dtype=object)
