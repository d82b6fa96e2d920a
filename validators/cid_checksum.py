"""cid_checksum: a value must be a Thai citizen ID (13 digits with a valid check digit)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import Field

from utils.thai_cid import cid_checksum_ok
from validators.base import CheckResult, Example, Validator, ValidatorParams, as_text, no_reasons
from validators.registry import register_validator

# [0-9], not \d: \d also matches Thai and other Unicode digits, which no card carries.
_PLAIN = r"[0-9]{13}"
# The card's grouping 1-2345-67890-12-3, with dashes or spaces used the same way throughout.
_FORMATTED = r"[0-9](?P<sep>[- ]?)[0-9]{4}(?P=sep)[0-9]{5}(?P=sep)[0-9]{2}(?P=sep)[0-9]"


class CidParams(ValidatorParams):
    """Parameters of cid_checksum."""

    allow_formatted: bool = Field(
        default=True,
        description="Also accept the card's grouping 1-2345-67890-12-3 (dashes or spaces) "
        "and surrounding blanks.",
    )


@register_validator("cid_checksum")
class CidChecksum(Validator):
    """Fails values that are not 13 digits or whose 13th digit is not the checksum."""

    description = "The value must be a Thai citizen ID: 13 digits with a valid check digit."
    Params = CidParams
    examples = (
        Example(
            input=["1101700203450", "1-1017-00203-45-0", "1101700203451", "110170020345", None],
            params={},
            failing_positions=[2, 3],
        ),
        Example(
            input=["1101700203450", "1-1017-00203-45-0", 1101700203450],
            params={"allow_formatted": False},
            failing_positions=[1],
        ),
    )

    def check(self, values: pd.Series, params: CidParams) -> CheckResult:
        """Fail values that are not citizen IDs; NULL passes (pair with not_null to require one).

        Numbers are read as their digits, so a CID stored as BIGINT is checked too.
        """
        text = as_text(values)
        if params.allow_formatted:
            text = text.str.strip()
            shaped = text.str.fullmatch(_FORMATTED).fillna(False).to_numpy(dtype=bool)
            text = text.str.replace(r"[- ]", "", regex=True)
        else:
            shaped = text.str.fullmatch(_PLAIN).fillna(False).to_numpy(dtype=bool)
        # Only well-shaped values reach the checksum: the project's one implementation
        # (utils.thai_cid) works on one string, so it is mapped over those values.
        checksum_ok = np.zeros(len(values), dtype=bool)
        well_shaped = text.to_numpy(dtype=object)[shaped]
        checksum_ok[shaped] = np.fromiter(map(cid_checksum_ok, well_shaped), bool, len(well_shaped))
        present = values.notna().to_numpy()
        form = "13 digits (or 1-2345-67890-12-3)" if params.allow_formatted else "13 digits"
        reasons = no_reasons(values)
        reasons[present & ~shaped] = f"is not {form}"
        reasons[shaped & ~checksum_ok] = "has a wrong check digit"
        return self.result(values, reasons, "are not valid citizen IDs")
