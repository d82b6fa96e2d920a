"""Masking of passwords and of the row values database errors quote, in any text we write."""

from __future__ import annotations

import re
import sys

from services.privacy.masking import scrub_cids
from utils.text import one_line

# What a password can hide behind in a message: a URL's user:password@, key=value pairs
# (ODBC's PWD=…;), and the row values engines quote in their errors.
_MASKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://[^\s:/?#@]*:)\S+(?=@)"), r"\1***"),
    (
        re.compile(r"(?i)\b(password|passwd|pwd)(\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|[^\s;,&]+)"),
        r"\1\2***",
    ),
    # SQLAlchemy appends the statement's parameters, PostgreSQL and MariaDB quote the key that
    # clashed, PostgreSQL's COPY the value it could not read: all may be a patient's.
    (re.compile(r"\[parameters: .*\]"), "[parameters: hidden]"),
    (re.compile(r"(Key \([^)]*\)=\().*?(\) (?:already exists|is not present))"), r"\1***\2"),
    (re.compile(r"(Duplicate entry ')(?:[^'\\]|\\.)*(')"), r"\1***\2"),
    (re.compile(r'(COPY [^,\n]+, line \d+, column [^:\n]+: )".*"'), r'\1"***"'),
)


def mask_secrets(text: str) -> str:
    """`text` with passwords and the row values quoted by database errors replaced by ***."""
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return text


def safe_line(text: object, *, limit: int | None = 500) -> str:
    """`text` as it may leave the process (an API answer, a job's event): its first non-blank
    line, cut to `limit` (None: not cut), passwords, quoted row values and citizen IDs masked."""
    line = one_line(text, limit=sys.maxsize if limit is None else limit)
    return scrub_cids(mask_secrets(line))
