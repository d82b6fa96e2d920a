"""Small helpers every model uses: ids and UTC timestamps."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime


def new_id() -> uuid.UUID:
    """A fresh random primary key."""
    return uuid.uuid4()


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC (the store keeps nothing else)."""
    return datetime.now(UTC)
