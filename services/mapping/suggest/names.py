"""Column names as tokens: snake_case, camelCase, UPPER_CASE and Thai script alike."""

from __future__ import annotations

import re

# A camelCase or PascalCase boundary: 'birthDate' → 'birth Date', 'HNNumber' → 'HN Number'.
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
# Runs of Latin letters and digits, or of Thai script (which has no spaces between words).
_TOKEN = re.compile(r"[A-Za-z0-9]+|[\u0e00-\u0e7f]+")
THAI = re.compile(r"[\u0e00-\u0e7f]")


def split_name(name: str) -> list[str]:
    """The lower-case tokens of a column or table name: 'vstDate_2' → ['vst', 'date', '2']."""
    return [token.lower() for token in _TOKEN.findall(_CAMEL.sub(" ", name))]


def name_key(name: str) -> str:
    """A name's tokens joined by '_': the key two spellings of one name share."""
    return "_".join(split_name(name))


def is_thai(token: str) -> bool:
    """Whether `token` is Thai script."""
    return bool(THAI.search(token))
