"""unique: a value may occur only once in the column (NULLs are ignored)."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field

from validators.base import CheckResult, Example, Validator, ValidatorParams, no_reasons
from validators.registry import register_validator


class UniqueParams(ValidatorParams):
    """Parameters of unique."""

    mark: Literal["later", "all"] = Field(
        default="later",
        description="'later': every occurrence after the first fails; 'all': every occurrence.",
    )


@register_validator("unique")
class Unique(Validator):
    """Duplicates fail: the repeats after the first occurrence, or all occurrences."""

    description = "Each value may occur only once in the column; NULLs are ignored."
    Params = UniqueParams
    examples = (
        Example(
            input=["HN1", "HN2", "HN1", None, None, "HN1"], params={}, failing_positions=[2, 5]
        ),
        Example(input=[1, 2, 1, 3], params={"mark": "all"}, failing_positions=[0, 2]),
    )

    def check(self, values: pd.Series, params: UniqueParams) -> CheckResult:
        """Fail repeated values; the reason gives the occurrence count and the first position.

        The reason never quotes the value (it may be a patient identifier): the first
        position is enough to find the other occurrence.
        """
        # factorize gives one code per distinct value and -1 for NULL, so NULLs never collide.
        codes, _ = pd.factorize(values, use_na_sentinel=True)
        codes = pd.Series(codes)
        keep = "first" if params.mark == "later" else False
        duplicate = (codes.duplicated(keep=keep) & codes.ge(0)).to_numpy()
        by_code = pd.Series(np.arange(len(codes))).groupby(codes)
        first = by_code.transform("min").to_numpy()
        count = by_code.transform("size").to_numpy()
        reasons = no_reasons(values)
        if duplicate.any():
            reasons[duplicate] = (
                "value occurs "
                + pd.Series(count[duplicate]).astype(str)
                + " times, first at position "
                + pd.Series(first[duplicate]).astype(str)
            ).to_numpy(dtype=object)
        return self.result(values, reasons, "are duplicates")
