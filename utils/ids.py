"""Record keys given by people: a name or an id, told apart here."""

from __future__ import annotations

import uuid


def as_uuid(key: str | uuid.UUID) -> uuid.UUID | None:
    """`key` as a UUID when it is one (text or already parsed), else None (it is a name)."""
    if isinstance(key, uuid.UUID):
        return key
    try:
        return uuid.UUID(str(key))
    except ValueError:
        return None
