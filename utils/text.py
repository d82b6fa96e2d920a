"""One line of text for a person: from a long message, a driver's error or a pydantic error."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

#: The longest line a message carries; a longer one is cut and ends in "…".
LINE_LIMIT = 300


def one_line(text: object, *, limit: int = LINE_LIMIT) -> str:
    """The first non-blank line of `text`, stripped and cut to `limit` characters.

    Engines and SQLAlchemy put the statement, its parameters and DETAIL on later lines (they
    may quote patient data); the first line says what happened.
    """
    line = next((line.strip() for line in str(text).splitlines() if line.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def first_line(error: BaseException, *, limit: int = LINE_LIMIT) -> str:
    """The first line of a driver's message, without SQLAlchemy's decorations; the error's
    type name when it says nothing."""
    original = getattr(error, "orig", None) or error
    return one_line(original, limit=limit) or type(original).__name__


def location(loc: tuple[str | int, ...]) -> str:
    """A pydantic error location as people read it: ('mappings', 4, 'target') ->
    'mappings[4].target'."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def first_problem(errors: list[dict], *, count_more: bool = True) -> tuple[str, str]:
    """(location, message) of the first of a pydantic error's `errors()`; the message ends in
    "(+N more)" when there were others and `count_more` is set."""
    first = errors[0]
    more = f" (+{len(errors) - 1} more)" if count_more and len(errors) > 1 else ""
    return location(tuple(first["loc"])), f"{first['msg']}{more}"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """ "; did you mean 'x'?" naming the choice closest to `word` (case ignored), or "" when
    none is close: what ends a message about a misspelt name."""
    by_lower = {choice.lower(): choice for choice in choices}
    close = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=0.6)
    return f"; did you mean {by_lower[close[0]]!r}?" if close else ""
