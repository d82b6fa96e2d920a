"""What the migration stream must know of one column of a source query's result."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ResultColumn:
    """One column of a source query's result, as the dialect reads the driver's description.

    Attributes:
        name: The column's name in the result.
        duration: It holds signed durations (MySQL TIME: -838:59:59 to 838:59:59), not times
            of day.
        scale: Digits after the point of an exact decimal with a declared scale.
        precision: Its declared digits (with `scale`).
        fast_refusal: Why connectorx would change this column's values (None: it would not);
            the reader then reads with the driver from the start.
    """

    name: str
    duration: bool = False
    scale: int | None = None
    precision: int | None = None
    fast_refusal: str | None = None
