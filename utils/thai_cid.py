"""The Thai citizen-ID check digit: one implementation for masking, validating, transforming."""

from __future__ import annotations


def cid_check_digit(first_twelve: str) -> int:
    """The 13th digit of a citizen ID: (11 - Σ dᵢ × (13 - i) mod 11) mod 10."""
    total = sum(int(first_twelve[i]) * (13 - i) for i in range(12))
    return (11 - total % 11) % 10


def cid_checksum_ok(digits: str) -> bool:
    """Whether `digits` is 13 ASCII digits whose last one is the citizen-ID check digit."""
    if len(digits) != 13 or not digits.isascii() or not digits.isdigit():
        return False
    return cid_check_digit(digits[:12]) == int(digits[12])
