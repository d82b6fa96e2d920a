"""Privacy: patient identifiers and secrets masked wherever text leaves the engine."""

from services.privacy.detection import PHI_KINDS, is_valid_cid, phi_kind
from services.privacy.log_format import LOG_FORMAT, QueryStringFilter, RedactingFormatter
from services.privacy.masking import (
    MASKING_RULES,
    ColumnMask,
    column_mask,
    mask_profile,
    mask_value,
    scrub_cids,
)
from services.privacy.secrets import mask_secrets, safe_line

__all__ = [
    "LOG_FORMAT",
    "ColumnMask",
    "MASKING_RULES",
    "PHI_KINDS",
    "QueryStringFilter",
    "RedactingFormatter",
    "column_mask",
    "is_valid_cid",
    "mask_profile",
    "mask_secrets",
    "mask_value",
    "phi_kind",
    "safe_line",
    "scrub_cids",
]
