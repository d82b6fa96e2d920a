"""Record keys given by people: a name or an id, told apart here."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def as_uuid(key: str | uuid.UUID) -> uuid.UUID | None:
    """`key` as a UUID when it is one (text or already parsed), else None (it is a name)."""
    if isinstance(key, uuid.UUID):
        return key
    try:
        return uuid.UUID(str(key))
    except ValueError:
        return None


def get_by_id(get: Callable[[uuid.UUID], T | None], key: str | uuid.UUID) -> T | None:
    """What `get` (a repository's) finds for `key` when it is a UUID; None when it is not one
    (a person's text that is no id finds nothing, it is no error of the store)."""
    item_id = as_uuid(key)
    return get(item_id) if item_id is not None else None
